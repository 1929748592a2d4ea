"""The words half of theme discovery: keywords by class-based TF-IDF, quotes, names, NPS per theme.

Keywords are counted on the lemmas ``prepare_text`` made (umlauts, ß and compounds intact:
"Lieferzeit", "Kundenservice", "Größe"), separately per language, so German and English
keywords stand side by side instead of the larger language drowning the other.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable

import numpy as np
import pandas as pd

from ..tagging.polarity import lexicon_score
from ..text.nlp import NEGATIONS

__all__ = ["class_tfidf_keywords", "representative_quotes", "default_name", "readable_name", "keyword_coverage",
           "keyword_share", "loose_phrases", "mixed_name", "theme_key", "slug", "top_key", "is_tone_word", "is_tone_theme",
           "is_churn_theme", "speaks_of_leaving", "TONE_NAMES", "TONE_KINDS", "KIND_NOTES", "MIXED_SHARE", "TOPICAL", "AGREE_MIN",
           "KEYWORD_LANGS"]

KEYWORD_LANGS = ("de", "en")
_TRANSLIT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue"})


def _terms(lemmas: str, ngrams: bool) -> list[str]:
    words = [w for w in str(lemmas).split() if any(c.isalpha() for c in w) and not w.isupper()]
    # a negation alone says nothing about the theme (and as a taxonomy keyword would tag every negated
    # clause); in a phrase ("nicht erreichbar") it stays
    out = [w.lower() for w in words if w.lower() not in NEGATIONS]
    if ngrams:
        out += [f"{a.lower()} {b.lower()}" for a, b in zip(words, words[1:])]
    return out


def class_tfidf_keywords(lemmas: pd.Series, labels: np.ndarray, ids: list[int], *, top: int = 10,
                         min_count: int = 2, ngrams: bool = True) -> dict[int, list[str]]:
    """Top keywords of each class by class-based TF-IDF (Grootendorst 2022) on lemma strings.

    ``weight(t, c) = tf(t, c) / |c| * log(1 + A / f(t))`` with ``|c|`` the number of terms in
    class c, ``A`` the average number of terms per class and ``f(t)`` the frequency of t over all
    classes. Terms seen in fewer than ``min_count`` sentences of a class are left out. Keywords
    are lemmas, shown in their most frequent capitalisation ("Lieferzeit", not "lieferzeit").

    >>> kw = class_tfidf_keywords(pd.Series(["Preis teuer", "teuer", "Lieferzeit lang", "Lieferzeit"]),
    ...                           np.array([0, 0, 1, 1]), [0, 1], top=1)
    >>> kw
    {0: ['teuer'], 1: ['Lieferzeit']}
    """
    lemmas = lemmas.reset_index(drop=True)
    spelling: dict[str, Counter] = {}
    counts = {i: Counter() for i in ids}
    docs = {i: Counter() for i in ids}
    for text, label in zip(lemmas.tolist(), labels.tolist()):
        if label not in counts or not isinstance(text, str):
            continue
        terms = _terms(text, ngrams)
        counts[label].update(terms)
        docs[label].update(set(terms))
        for word in text.split():
            spelling.setdefault(word.lower(), Counter())[word] += 1
    total = Counter()
    for c in counts.values():
        total.update(c)
    sizes = {i: sum(c.values()) for i, c in counts.items()}
    average = (sum(sizes.values()) / max(1, sum(1 for s in sizes.values() if s))) or 1.0
    out = {}
    for i in ids:
        scored = [(counts[i][t] / sizes[i] * math.log(1 + average / total[t]), t)
                  for t in counts[i] if docs[i][t] >= min_count]
        scored.sort(key=lambda st: (-st[0], st[1]))
        out[i] = [" ".join(_spell(w, spelling) for w in t.split()) for _, t in scored[:top]]
    return out


def _spell(word: str, spelling: dict[str, Counter]) -> str:
    forms = spelling.get(word)
    return max(forms.items(), key=lambda kv: (kv[1], kv[0]))[0] if forms else word


def _normal(text: str) -> str:
    return re.sub(r"[\W_]+", " ", str(text).lower()).strip()


def representative_quotes(texts: pd.Series, similarity: np.ndarray, labels: np.ndarray, ids: list[int],
                          *, n: int = 5, spread: bool = False) -> dict[int, list[str]]:
    """The ``n`` member sentences closest to each theme's centroid, near-copies removed.

    ``spread=True`` (for a mixed theme, whose closest members show one of the things it holds):
    ``n`` of its distinct sentences evenly spaced from the closest to the farthest.

    >>> quotes = pd.Series(["zu teuer", "Zu teuer!", "teuer", "Bug", "Great job"])
    >>> representative_quotes(quotes, np.array([.9, .8, .7, .5, .3]), np.zeros(5), [0], n=2)
    {0: ['zu teuer', 'teuer']}
    >>> representative_quotes(quotes, np.array([.9, .8, .7, .5, .3]), np.zeros(5), [0], n=3, spread=True)
    {0: ['zu teuer', 'Bug', 'Great job']}
    """
    texts = texts.reset_index(drop=True)
    order = np.lexsort((np.arange(len(labels)), -similarity))
    out: dict[int, list[str]] = {i: [] for i in ids}
    seen: dict[int, set[str]] = {i: set() for i in ids}
    for row in order:
        label = int(labels[row])
        if label not in out or (len(out[label]) >= n and not spread):
            continue
        key = _normal(texts[row])
        if key and key not in seen[label]:
            seen[label].add(key)
            out[label].append(str(texts[row]))
    if spread:
        out = {i: [q[int(k)] for k in np.unique(np.round(np.linspace(0, len(q) - 1, min(n, len(q)))))] if q else []
               for i, q in out.items()}
    return out


# Words that say how much or how people feel, not what about: generic praise and complaint, degree and
# filler (beside the negations). Polar words that imply a topic stay topical: "teuer" is about price,
# "pünktlich" about delivery, "freundlich" about staff, "langsam"/"slow" about speed.
_TONE_WORDS = frozenset("""
gut super toll top prima klasse spitze perfekt hervorragend ausgezeichnet exzellent großartig wunderbar fantastisch
genial schön prima zufrieden zufriedenheit unzufrieden begeistern begeistert begeisterung empfehlen empfehlenswert
empfehlung weiterempfehlen danke dankbar lob loben gerne gern freude freuen glücklich lieben liebe beste besten bester
bestens optimal tadellos erstklassig solide okay ok schlecht schlimm schrecklich furchtbar katastrophal katastrophe
miserabel mies mangelhaft enttäuschen enttäuschend enttäuscht enttäuschung ärgerlich ärgern ärger schade leider
unmöglich frustrierend frust frustriert wütend sauer zumutung unterirdisch grottig lächerlich peinlich
verlieren verloren kündigen gekündigt wechseln
sehr mehr immer alles alle einfach wirklich echt total ganz absolut rundum voll völlig gar eigentlich wieder etwas
nur noch schon mal halt eben besonders besonderes insgesamt allgemein bisher weiterhin erwartung erwarten mögen
gehen sein haben machen jahr jahre weiter so bleiben klar ernsthaft ehrlich
ordnung passen passt insgesamt nutzen erfahrung mal sehen weitergehen solide danken dank luft oben herreißen
hin- hergerissen
good great excellent amazing awesome fantastic wonderful brilliant superb outstanding perfect lovely nice fine
happy pleased satisfy satisfied satisfaction love loved enjoy recommend recommended thank thanks grateful
appreciate best better glad delighted impress impressed impressive exceptional decent solid okay ok
bad poor terrible awful horrible dreadful worst worse disappoint disappointed disappointing disappointment
unhappy unacceptable ridiculous shame shameful sorry hate angry annoyed annoying frustrate frustrated frustrating
useless impossible lose lost leave switch cancel
very really always everything all just so quite totally absolutely overall again still only ever much more
special expect expectation thing things get go make would could like keep lot way year years
wish hope please well highly honestly experience bit overall decent fine use room improvement tear torn
""".split())
TONE_KINDS = ("praise", "complaint", "churn")  # not what about but how (or whether they stay); with "context",
# the kinds that are not topics
TONE_NAMES = {"praise": ("Allgemeines Lob", "general praise"), "complaint": ("Allgemeine Kritik", "general complaint"),
              "context": ("Kontext", "context"), "churn": ("Abwanderung", "churn intent")}
# what the kinds that are not topics mean, for the tables and the console
KIND_NOTES = {"praise": "tone, not a topic", "complaint": "tone, not a topic", "churn": "intent to leave, not a topic",
              "context": "background, not a topic",
              "mixed": "its keywords fit few of its clauses: split it"}
# a topic whose top three keywords per language are in fewer than this share of its clauses is kind "mixed"
MIXED_SHARE = 1 / 3
TOPICAL = ("topic", "mixed")  # the kinds that are about something: their clauses are mentions
# the German and English parts of a name must name alike clauses: the cosine between the mean vectors of the
# theme's German clauses holding the one and its English clauses holding the other. On the sample and its German
# export the parts that translate each other are at 0.21-0.79 ("Hotline / support", "Preis / price"), those that
# name different clauses at -0.07-0.18 ("Bug / track", "Bedienung / care", "Produkt / support")
AGREE_MIN = 0.2
# Words of time and sequence, fillers and hedges: common in a theme's clauses ("nach zwei Wochen", "second order",
# "on the plus side", "great job", "seriously thinking about ...") but no name for it
_NOT_A_NAME = frozenset("""
plus side bit lot way thing stuff seite ding sache job pleasure think seriously überlegen ernsthaft feel jeder jede jedes
kind take come get go make give put
lady guy man woman someone somebody nobody anyone anybody jemand niemand keiner mann frau
woche wochen tag tage monat monate jahr jahre stunde stunden minute minuten mal zeit heute gestern morgen letzter
letzte zweiter zweite erster erste montag dienstag mittwoch donnerstag freitag samstag sonntag
week weeks day days month months year years hour hours minute minutes time times today yesterday last second first
monday tuesday wednesday thursday friday saturday sunday
""".split())


def is_tone_word(term: str) -> bool:
    """True when every word of a keyword is generic praise or complaint, a negation or a word of degree.

    >>> [is_tone_word(w) for w in ("sehr zufrieden", "nothing special", "teuer", "Lieferzeit")]
    [True, True, False, False]
    """
    return all(w.lower() in NEGATIONS or w.lower() in _TONE_WORDS for w in term.split())


def is_tone_theme(keywords: dict[str, list[str]], top: int = 5) -> bool:
    """True when a theme's top keywords in every language are all tone words: it is about how, not what.

    >>> is_tone_theme({"de": ["zufrieden", "sehr zufrieden"], "en": ["happy", "satisfied"]})
    True
    >>> is_tone_theme({"de": ["teuer", "Preis"], "en": ["expensive"]})
    False
    """
    words = [w for lang in KEYWORD_LANGS for w in keywords.get(lang, [])[:top]]
    return bool(words) and all(is_tone_word(w) for w in words)


# words of leaving: a theme whose top keywords say "cancel", "switch" is churn intent, not a topic; "lose"/"verlieren"
# only next to "customer"/"Kunde" ("So verliert man Kunden"; a lost parcel is delivery)
_CHURN_WORDS = frozenset("kündigen gekündigt kündigung abwandern cancel cancelled canceled cancelling cancellation "
                         "wechseln switch switching".split())
_LOSING = frozenset({"verlieren", "lose", "losing"})
_CUSTOMERS = frozenset({"kunde", "kunden", "customer", "customers"})


def speaks_of_leaving(lemmas: str) -> bool:
    """True when a clause's lemmas speak of leaving: a churn word, or losing next to customers.

    >>> [speaks_of_leaving(x) for x in ("ernsthaft überlegen kündigen", "verlieren Kunde", "Paket verlieren",
    ...                                 "Expressversand wirklich klappen")]
    [True, True, False, False]
    """
    words = set(lemmas.lower().split())
    return bool(_CHURN_WORDS & words or (_CUSTOMERS & words and _LOSING & words))


def is_churn_theme(keywords: dict[str, list[str]], top: int = 5) -> bool:
    """True when at least two of a theme's top keywords in every language with keywords speak of leaving.

    >>> is_churn_theme({"de": ["ernsthaft kündigen", "kündigen", "überlegen"], "en": ["cancel", "think cancel"]})
    True
    >>> is_churn_theme({"de": ["verlieren", "verlieren Kunde", "Kunde"], "en": ["lose customer", "customer", "lose"]})
    True
    >>> is_churn_theme({"de": ["Paket", "verlieren", "Paket verlieren"], "en": ["switch", "app"]})
    False
    """
    found = False
    for lang in KEYWORD_LANGS:
        words = [w.lower().split() for w in keywords.get(lang, [])[:top]]
        if not words:
            continue
        customers = any(_CUSTOMERS & set(w) for w in words)
        churn = sum(bool(_CHURN_WORDS & set(w) or (customers and _LOSING & set(w))) for w in words)
        if churn < 2:
            return False
        found = True
    return found


def keyword_coverage(lemmas: pd.Series, labels: np.ndarray, keywords: dict[int, list[str]]
                     ) -> dict[int, dict[str, float]]:
    """How well each keyword identifies its theme's clauses: recall times the square root of precision.

    ``keywords``: per theme, the keywords to score. Recall: the share of the theme's clauses
    (with lemmas) that contain every word of the keyword; precision: the share of all clauses
    containing it that are in the theme. "Woche" in "two weeks for a delivery" and "weeks
    without an answer" is common but not specific; "Lieferung" is both. The lemmas are split
    once for all themes; a theme without clauses gets ``{}``.

    >>> keyword_coverage(pd.Series(["Lieferung spät", "Woche Lieferung", "Woche", None]), np.array([0, 0, 1, 0]),
    ...                  {0: ["Lieferung", "Woche"], 1: ["Woche"]})
    {0: {'Lieferung': 1.0, 'Woche': 0.3535533905932738}, 1: {'Woche': 0.7071067811865476}}
    """
    present = lemmas.notna().to_numpy()
    labels = np.asarray(labels)
    index = _word_rows(lemmas, present)
    everywhere = np.flatnonzero(present)
    out: dict[int, dict[str, float]] = {}
    for theme, words in keywords.items():
        size = (labels[present] == theme).sum()
        out[theme] = {}
        for keyword in words if size else []:
            found = _containing(index, keyword, everywhere)
            hits = (labels[found] == theme).sum()
            out[theme][keyword] = float(hits / size * (hits / max(1, len(found))) ** 0.5)
    return out


def keyword_share(lemmas: pd.Series, labels: np.ndarray, keywords: dict[int, list[str]]) -> dict[int, float]:
    """Per theme, the share of its clauses (with lemmas) that contain at least one word of its ``keywords``.

    A theme its keywords describe has them in many of its clauses ("Lieferung", "Paket", "delivery");
    one whose top keywords appear in few of them gathers clauses of different things that share a
    shape ("Always a pleasure", "Bugs ohne Ende", "nie passiert"): it is mixed (``MIXED_SHARE``).

    >>> keyword_share(pd.Series(["Lieferung spät", "Paket kaputt", "nie passiert", None]), np.array([0, 0, 0, 0]),
    ...               {0: ["Lieferung", "Paket kaputt"]})
    {0: 0.6666666666666666}
    """
    present = lemmas.notna().to_numpy()
    labels = np.asarray(labels)
    index = _word_rows(lemmas, present)
    out: dict[int, float] = {}
    for theme, words in keywords.items():
        size = int((labels[present] == theme).sum())
        rows = [index.get(w, np.zeros(0, dtype=np.int64)) for k in words for w in k.lower().split()]
        found = np.unique(np.concatenate(rows)) if rows else np.zeros(0, dtype=np.int64)
        out[theme] = float((labels[found] == theme).sum() / size) if size else 0.0
    return out


def _written_together(phrase: str) -> re.Pattern[str]:
    """A pattern for ``phrase``'s lemmas written next to each other in a text, inflected ("price increase" in
    "prices increased", "Mal bestellen" in "zum zweiten Mal bestellt"): each word's stem, then only the rest of
    that word and spaces or punctuation before the next."""
    stems = [re.escape(w[:max(3, len(w) - 2)]) for w in phrase.lower().split()]
    return re.compile(r"\b" + r"[\w'-]*[\s,.;:!?/()-]+".join(stems), re.IGNORECASE)


def loose_phrases(texts: pd.Series, lemmas: pd.Series, labels: np.ndarray, keywords: dict[int, list[str]]
                  ) -> dict[int, set[str]]:
    """Per theme, its multi-word keywords that are no phrase: their lemmas share its clauses but are written
    together in fewer than a third of them.

    Lemmas leave out the words between: "The lady in the store was helpful" gives "lady store", "talk to a
    human" gives "talk human". Such a pair is a keyword but no name ("Kundenservice / lady store").

    >>> texts = pd.Series(["The lady in the store was helpful", "Prices increased again", "price increase"])
    >>> loose_phrases(texts, pd.Series(["lady store helpful", "price increase", "price increase"]),
    ...               np.array([0, 1, 1]), {0: ["lady store", "helpful"], 1: ["price increase"]})
    {0: {'lady store'}, 1: set()}
    """
    labels = np.asarray(labels)
    present = lemmas.notna().to_numpy()
    index = _word_rows(lemmas, present)
    everywhere = np.flatnonzero(present)
    text_list = texts.astype("string").fillna("").tolist()
    out: dict[int, set[str]] = {}
    for theme, words in keywords.items():
        out[theme] = set()
        for phrase in (w for w in words if " " in w):
            found = _containing(index, phrase, everywhere)
            holding = found[labels[found] == theme].tolist()
            pattern = _written_together(phrase)
            if holding and sum(bool(pattern.search(text_list[r])) for r in holding) < len(holding) / 3:
                out[theme].add(phrase)
    return out


def mixed_name(name: str) -> str:
    """The name of a mixed theme: "Gemischt (Beratung) / mixed (advice)"; "Gemischt (App) / mixed (App)" for one
    part (so that each language of a taxonomy draft gets a whole name: "Gemischt (App)", "mixed (App)").

    >>> mixed_name("Lieferung / delivery"), mixed_name("App")
    ('Gemischt (Lieferung) / mixed (delivery)', 'Gemischt (App) / mixed (App)')
    """
    parts = [part.strip() for part in name.split(" / ")]
    if len(parts) == 2 and all(parts):
        return f"Gemischt ({parts[0]}) / mixed ({parts[1]})"
    return f"Gemischt ({name}) / mixed ({name})"


def _containing(index: dict[str, np.ndarray], keyword: str, everywhere: np.ndarray) -> np.ndarray:
    """The positions (of ``everywhere``, via the :func:`_word_rows` index) of the clauses that hold every word of
    ``keyword``."""
    found = everywhere
    for word in keyword.lower().split():
        found = np.intersect1d(found, index.get(word, found[:0]), assume_unique=True)
    return found


def _word_rows(lemmas: pd.Series, present: np.ndarray) -> dict[str, np.ndarray]:
    """Sorted positions of the clauses each lower-cased lemma occurs in (those not ``present`` in none)."""
    found: dict[str, list[int]] = {}
    for position, text in zip(np.flatnonzero(present).tolist(), lemmas[present].astype(str).tolist()):
        for word in set(text.lower().split()):
            found.setdefault(word, []).append(position)
    return {word: np.array(rows, dtype=np.int64) for word, rows in found.items()}


def readable_name(keywords: dict[str, list[str]], theme_id: int,
                  coverage: dict[str, dict[str, float]] | None = None, loose: set[str] | frozenset = frozenset(),
                  agree: Callable[[str, str], float | None] | None = None) -> str:
    """A short name from the keyphrases: per language the keyword that best names the theme, "Lieferung / delivery".

    Among the top five keywords that are not tone, those without a tone word or a word of time
    ("super Qualität", "great job", "Woche", "second order") are the candidates, if any (a language
    with none names nothing while another language has candidates: "Beratung", not "Beratung / great
    job"); of them the one that best identifies the theme's clauses (``coverage``, :func:`keyword_coverage`; without it,
    the c-TF-IDF order); German prefers a noun (capitalised lemma), English a two-word phrase, when
    it covers at least half as many clauses. The same word in both languages is named once ("App"),
    and with ``coverage`` a language's part that covers less than half as many of its clauses as the
    other language's part is left out ("Beratung", not "Beratung / job"). A keyword of ``loose``
    (:func:`loose_phrases`: "lady store", written "lady in the store") is no candidate. With ``agree`` (how alike
    the clauses are that a German and an English keyword name, :meth:`ThemeDiscovery._agreement`), the two parts
    must name alike clauses (at least ``AGREE_MIN``): else the part that covers less of its language is replaced by
    its best candidate that agrees with the other part, or left out ("Bug / track" named bugs beside "tracking
    never updated": "Bug"). The name starts with a capital ("Service", "Bestellen / order"). Falls back to
    :func:`default_name`.

    >>> readable_name({"de": ["teuer", "Preis", "zu teuer"], "en": ["expensive", "price increase", "price"]}, 3)
    'Preis / price increase'
    >>> readable_name({"de": ["antworten", "Woche", "Support"], "en": ["support", "time", "help"]}, 5)
    'Support'
    >>> readable_name({"de": ["Beratung", "kompetent"], "en": ["great job", "job", "seriously think"]}, 2)
    'Beratung'
    """
    parts: dict[str, float] = {}  # name part -> how well it identifies the theme in its language
    topicals = {lang: [w for w in keywords.get(lang, []) if not is_tone_word(w)][:5] for lang in KEYWORD_LANGS}
    clean = {lang: [w for w in topical if w not in loose and not any(x.lower() in _NOT_A_NAME or is_tone_word(x)
                                                                     or (" " in w and lexicon_score(x))
                                                                     for x in w.split())]
             for lang, topical in topicals.items()}
    chosen: dict[str, tuple[str, list[str], dict[str, float]]] = {}  # language -> its name part, candidates, shares
    for lang, topical in topicals.items():
        # a language whose keywords are all filler ("great job", "seriously think") names nothing while another
        # language has a real name; alone it still names the theme
        named = clean[lang] or ([] if any(clean.values()) else topical)
        if not named:
            continue
        share = (coverage or {}).get(lang) or {w: 1.0 - i / 10 for i, w in enumerate(topical)}
        best = max(named, key=lambda w: (share.get(w, 0.0), -named.index(w)))
        prefer = (lambda w: w[:1].isupper()) if lang == "de" else (lambda w: " " in w)
        good = [w for w in named if prefer(w) and share.get(w, 0.0) >= 0.5 * share.get(best, 0.0)]
        name = max(good, key=lambda w: (share.get(w, 0.0), -named.index(w))) if good and not prefer(best) else best
        chosen[lang] = (name, named, share)
    if agree is not None and len(chosen) == 2:
        _agreeing_parts(chosen, agree)
    for name, _, share in chosen.values():
        if name and name.lower() not in {p.lower() for p in parts}:
            parts[name] = share.get(name, 0.0)
    if coverage:  # a language's part that names far fewer of its clauses than the other's is noise: leave it out
        top = max(parts.values(), default=0.0)
        parts = {p: c for p, c in parts.items() if c >= 0.5 * top}
    name = " / ".join(parts)
    return name[:1].upper() + name[1:] if name else default_name(keywords, theme_id)  # a label: "Service"


def _agreeing_parts(chosen: dict[str, tuple[str, list[str], dict[str, float]]],
                    agree: Callable[[str, str], float | None]) -> None:
    """Make the German and English parts of ``chosen`` name alike clauses (see :func:`readable_name`), in place:
    the part that covers less of its language gives way to its best candidate that agrees, or to nothing."""
    (de, _, de_share), (en, _, en_share) = chosen["de"], chosen["en"]
    similarity = agree(de, en) if de.lower() != en.lower() else None
    if similarity is None or similarity >= AGREE_MIN:
        return
    weaker = "de" if de_share.get(de, 0.0) < en_share.get(en, 0.0) else "en"
    name, named, share = chosen[weaker]
    other = chosen["en" if weaker == "de" else "de"][0]
    pairs = {w: agree(w, other) if weaker == "de" else agree(other, w) for w in named if w != name}
    fitting = [w for w, a in pairs.items() if a is None or a >= AGREE_MIN or w.lower() == other.lower()]
    chosen[weaker] = (max(fitting, key=lambda w: (share.get(w, 0.0), -named.index(w))) if fitting else "",
                      named, share)


def default_name(keywords: dict[str, list[str]], theme_id: int) -> str:
    """A readable default name from the top German and English keywords: "teuer · Preis / expensive · price"."""
    parts = [" · ".join(words[:2]) for words in (keywords.get(lang, []) for lang in KEYWORD_LANGS) if words]
    return " / ".join(parts) or f"Theme {theme_id}"


def slug(text: str) -> str:
    """A lower_snake_case id for a name (umlauts transliterated; the name itself keeps them)."""
    text = unicodedata.normalize("NFKD", text.translate(_TRANSLIT)).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    return text if text and text[0].isalpha() else f"t_{text}".rstrip("_")


def theme_key(theme_id: int, custom_name: str | None) -> str:
    """The taxonomy/mentions id of a theme: the slug of the analyst's name, else ``theme_NN``."""
    return slug(custom_name) if custom_name else f"theme_{theme_id:02d}"


def top_key(theme_id: int, custom_name: str | None) -> str:
    """The id of a top-level theme: the slug of the analyst's name, else ``topic_NN``."""
    return slug(custom_name) if custom_name else f"topic_{theme_id:02d}"
