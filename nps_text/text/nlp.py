"""spaCy pipelines for survey comments: clause splitting and lemmas, German and English.

``spacy.blank("de"/"en")`` tokenises (no model to download); two registered components do
the rest:

* ``nps_clauses`` marks clause starts, so that "Service top, aber viel zu teuer" becomes two
  clauses (a comment can carry several themes): at sentence punctuation and line breaks, before
  contrastive words (aber, jedoch, leider, but, however, ...), and at commas, semicolons, dashes
  and "und"/"and" when both sides have at least two words and the right side is not a
  subordinate or relative clause; not after a discourse opener ("On the plus side, the team is
  kind") and not between adjectives after a word of degree ("very helpful and friendly people").
* ``nps_lemmas`` lemmatises with simplemma (measured better than spaCy's lookup tables on survey
  German: lowercase nouns, compounds, umlauts — see benchmarks/text_prep.py), falling back to the
  other language for words of a mixed comment.

Stop words are spaCy's German and English lists *minus negations* ("nicht", "kein", "not",
"no", ...), which carry the meaning of "nicht freundlich"; spaCy's shared lists stay untouched.
"""

from __future__ import annotations

from functools import lru_cache

import spacy
from spacy.lang.de.stop_words import STOP_WORDS as _DE_STOP
from spacy.lang.en.stop_words import STOP_WORDS as _EN_STOP
from spacy.language import Language
from spacy.tokens import Doc, Token

from .spelling import correct_spelling

__all__ = ["NEGATIONS", "STOP_WORDS", "PLACEHOLDERS", "get_pipeline", "is_content", "is_placeholder", "lemma"]

NEGATIONS = frozenset({
    "nicht", "kein", "keine", "keinen", "keinem", "keiner", "keines", "nie", "niemals", "nichts",
    "niemand", "niemandem", "niemanden", "ohne", "kaum", "nein", "weder",
    "not", "no", "never", "nothing", "none", "nobody", "noone", "nor", "neither", "nowhere",
    "cannot", "without", "n't", "n‘t", "n’t",
})
# judgement words spaCy lists as stop words but which say what a customer thinks
_JUDGEMENT = frozenset({
    "gut", "gute", "guter", "gutes", "besser", "besten", "schlecht", "richtig", "kurz", "lang", "lange",
    "groß", "gross", "neue", "früher", "top", "bottom", "empty", "full", "serious",
    "hoch", "zeit", "tag", "tage", "weniger", "mehr", "offen", "call", "back",
})
STOP_WORDS = frozenset(w.lower() for w in _DE_STOP | _EN_STOP) - NEGATIONS - _JUDGEMENT
PLACEHOLDERS = frozenset({"EMAIL", "PHONE", "IBAN", "URL", "CARD", "ID", "NAME"})

_CONTRAST = frozenset({
    "aber", "jedoch", "allerdings", "leider", "sondern", "trotzdem", "dafür", "nur",
    "ansonsten", "außerdem", "but", "however", "although", "though", "unfortunately", "except",
    "otherwise", "whereas", "also",
})
# without a comma before them only these start a clause ("Service top aber zu teuer"); others
# are adverbs there ("Bestellung kam leider beschädigt an")
_BARE_CONTRAST = frozenset({"aber", "jedoch", "sondern", "but", "however"})
_AND = frozenset({"und", "sowie", "and", "plus"})
_SUBORDINATE = frozenset({
    "dass", "weil", "wenn", "ob", "obwohl", "da", "damit", "sodass", "falls", "wie", "als", "welche", "welcher",
    "welches", "that", "because", "which", "who", "whom", "whose", "if", "when", "since", "as",
    "so", "than", "where",
})
_RELATIVE = frozenset({"der", "die", "das", "dem", "den", "deren", "dessen"})
# discourse openers: "On the plus side, the team is kind" is one clause, not "On the plus side" + the rest
_OPENERS = frozenset({
    "on the plus side", "on the bright side", "on the other hand", "on the downside", "on the positive side",
    "on the negative side", "all in all", "all things considered", "to be honest", "to be fair", "in general",
    "first of all", "in short", "in summary", "as always", "as usual", "at least", "in the end", "to sum up",
    "alles in allem", "im großen und ganzen", "im grossen und ganzen", "ehrlich gesagt", "im allgemeinen",
    "auf der anderen seite", "kurz gesagt", "zum glück", "wie immer", "wie gewohnt", "unterm strich",
    "im großen ganzen", "positiv ist", "negativ ist", "positiv hervorzuheben",
})
# "very helpful and friendly people" coordinates two adjectives (a word of degree, an adjective, "and", and
# no subject of its own on the right: no article or pronoun, no capitalised German noun); it is one clause
_DEGREE = frozenset({
    "very", "so", "really", "super", "extremely", "quite", "sehr", "echt", "total", "extrem", "richtig", "ganz",
    "wirklich", "äußerst", "ziemlich", "recht",
})
_SUBJECTS = frozenset({
    "the", "a", "an", "my", "our", "your", "their", "his", "her", "its", "it", "they", "we", "i", "you", "he", "she",
    "this", "that", "these", "those", "der", "die", "das", "ein", "eine", "einen", "mein", "meine", "unser", "unsere",
    "es", "sie", "wir", "ich", "er", "man", "dieser", "diese", "dieses",
})
# fixed phrases with an "and" inside: "Im Großen und Ganzen zufrieden" is one clause, not "Im Großen" + the rest
# (words, position of the "and") per phrase
_FIXED = tuple((words, next(k for k, w in enumerate(words) if w in ("und", "and"))) for words in (p.split() for p in (
    "im großen und ganzen", "im grossen und ganzen", "hin und wieder", "hin und her", "ab und zu", "nach und nach",
    "immer und immer", "by and large", "now and then", "again and again", "more and more", "back and forth",
    "over and over", "up and running", "safe and sound", "first and foremost",
)))
_SEPARATORS = frozenset({",", ";", "-", "–", "—", "/", "+"})
_BULLETS = frozenset({"•", "·", "▪", "◦", "*"})
_SENTENCE_END = frozenset({".", "!", "?", "…"})


def _words(tokens) -> int:
    return sum(1 for t in tokens if not (t.is_punct or t.is_space))


def _right_words(doc: Doc, i: int) -> int:
    """Words from ``i`` (a conjunction or contrast word not counted) to the next separator."""
    end = i + 1
    while end < len(doc) and doc[end].text not in _SEPARATORS and doc[end].lower_ not in _AND \
            and not (doc[end].is_punct and doc[end].text in _SENTENCE_END):
        end += 1
    skip = 1 if doc[i].lower_ in _AND | _CONTRAST else 0
    return _words(doc[i + skip:end])


def _in_fixed_phrase(doc: Doc, i: int) -> bool:
    """Whether the "and" at ``i`` is inside one of the fixed phrases (``_FIXED``)."""
    for words, k in _FIXED:
        if i - k >= 0 and i - k + len(words) <= len(doc) and \
                [t.lower_ for t in doc[i - k:i - k + len(words)]] == words:
            return True
    return False


def _abbreviation_before_number(doc: Doc, i: int) -> bool:
    """A full stop that ends an abbreviation before a number ("Order no. 123", "Bestellnr. 4711", "Ca. 3 Wochen"):
    no sentence end."""
    word = doc[i - 2].lower_ if i >= 2 else ""
    return doc[i - 1].text == "." and doc[i].text[:1].isdigit() and word.isalpha() and \
        (len(word) <= 3 or word.endswith("nr"))


def _is_boundary(doc: Doc, i: int, last_start: int, state: dict) -> bool:
    token, prev = doc[i], doc[i - 1]
    if token.is_space or token.is_punct or _abbreviation_before_number(doc, i):
        return False
    if "\n" in prev.text or "\n" in prev.whitespace_ or (prev.is_punct and prev.text[-1:] in _SENTENCE_END) \
            or prev.text in _BULLETS:
        state["inserted"] = False
        return True
    low = token.lower_
    left_words = _words(doc[last_start:i])
    # a hyphen or slash inside a word or number ("123-4567890", "Preis/Leistung") separates nothing
    after_separator = prev.text in _SEPARATORS and not (prev.text in ("-", "/") and i >= 2
                                                        and doc[i - 2].whitespace_ == "" and prev.whitespace_ == "")
    if low in _CONTRAST:
        if after_separator:
            return left_words >= 2 or (prev.text == "," and left_words >= 1)
        return low in _BARE_CONTRAST and left_words >= 2 and _right_words(doc, i) >= 2
    if not (after_separator or low in _AND) or (low in _AND and _in_fixed_phrase(doc, i)):
        return False
    if state["inserted"] and prev.text == ",":  # the comma closing "Der Mitarbeiter, der ..., war"
        state["inserted"] = False
        return False
    after = low if low not in _AND else (doc[i + 1].lower_ if i + 1 < len(doc) else "")
    left_word = next((t for t in reversed(doc[last_start:i]) if not t.is_punct), None)
    if after in _SUBORDINATE or (after in _RELATIVE and left_word is not None and left_word.text[:1].isupper()
                                 and left_word.i > last_start):
        state["inserted"] = prev.text == "," and after not in {"dass", "that", "because", "weil", "obwohl"}
        return False  # a subordinate or relative clause belongs to what it depends on
    left = [t.lower_ for t in doc[last_start:i] if not (t.is_punct or t.is_space)]
    if left and left[0] in _AND | _CONTRAST:
        left = left[1:]
    if prev.text == "," and " ".join(left) in _OPENERS:
        return False
    if low in _AND and not after_separator and len(left) == 2 and left[0] in _DEGREE and i + 1 < len(doc):
        right = doc[i + 1].text
        if right.lower() not in _SUBJECTS and not (doc.lang_ == "de" and right[:1].isupper()):
            return False
    return left_words >= 2 and _right_words(doc, i) >= 2


@Language.component("nps_clauses")
def clause_splitter(doc: Doc) -> Doc:
    """Set ``is_sent_start`` at clause boundaries (see the module docstring)."""
    last_start = 0
    state = {"inserted": False}
    for i, token in enumerate(doc):
        start = i == 0 or _is_boundary(doc, i, last_start, state)
        token.is_sent_start = start
        if start:
            last_start = i
    return doc


# British doubled-l forms that simplemma leaves doubled ("cancelling" -> "cancell")
_DOUBLED_L = {"cancell": "cancel", "travell": "travel", "labell": "label", "modell": "model", "fuell": "fuel",
              "levell": "level", "signall": "signal", "totall": "total", "channell": "channel"}


# endings after which English has no silent e ("think", "fix", "drench"; not "change", "dance", "paste")
_NO_SILENT_E = ("x", "w", "y", "nk", "ck", "ch", "sh", "ll", "ss", "ff", "nt", "nd", "rk", "lk", "mp", "sk", "ct", "pt",
                "ft", "rt", "rd", "ld", "rm", "rn")


def _english_lemma(word: str, lemma: str) -> str:
    """simplemma's English lemma of an -ing/-ed form, without the "e" it wrongly adds where English has no
    silent e ("thinking" -> "thinke", "fixed" -> "fixe", "growing" -> "growe") and without a British
    doubled l ("cancelling" -> "cancell"); "hoping" -> "hope" and "changed" -> "change" stay.

    >>> [_english_lemma(w, l) for w, l in (("thinking", "thinke"), ("fixed", "fixe"), ("hoping", "hope"),
    ...                                     ("cancelling", "cancell"), ("called", "call"), ("changed", "change"))]
    ['think', 'fix', 'hope', 'cancel', 'call', 'change']
    """
    lower = word.lower()
    if lemma in _DOUBLED_L:
        return _DOUBLED_L[lemma]
    stem = lower[:-3] if lower.endswith("ing") else lower[:-2] if lower.endswith("ed") else None
    if stem and lemma == stem + "e" and stem.endswith(_NO_SILENT_E):
        return stem
    return lemma


@lru_cache(maxsize=200_000)
def lemma(text: str, lang: str, sentence_start: bool = False) -> str:
    """simplemma lemma in ``lang`` ("de"/"en"), falling back to the other for unknown words.

    At a sentence start a capitalised word that is unknown as such is lemmatised in lower case
    ("Unfreundliche Mitarbeiter" → "unfreundlich").

    >>> lemma("Lieferzeiten", "de"), lemma("deliveries", "de"), lemma("günstiger", "en")
    ('Lieferzeit', 'delivery', 'günstig')
    >>> lemma("Unfreundliche", "de", sentence_start=True), lemma("Ticket", "de", sentence_start=True)
    ('unfreundlich', 'Ticket')

    A word no dictionary knows is read as its :func:`~nps_text.text.spelling.correct_spelling`
    ("zuffrieden", "Qualitat", "kuendigen"):

    >>> lemma("zuffrieden", "de"), lemma("Lieferunng", "de"), lemma("Qualitat", "de")
    ('zufrieden', 'Lieferung', 'Qualität')

    A word written with "ss" keeps it where the dictionary has the old spelling with "ß":

    >>> lemma("Prozesse", "de"), lemma("Anschluss", "de"), lemma("Grüße", "de")
    ('Prozess', 'Anschluss', 'Gruß')
    """
    return _spelled_as_written(text, _lemma(text, lang, sentence_start))


def _spelled_as_written(text: str, out: str) -> str:
    """simplemma's German dictionary keeps spellings from before 1996 ("Prozeß", "Fluß", "Anschluß"): a lemma
    with "ß" whose word is written with "ss" is spelled with "ss", as the comment has it (a trial found the
    theme name "Bestellprozeß")."""
    if "ß" in out and "ß" not in text:
        written = out.replace("ß", "ss")
        if text.lower().startswith(written.lower()):
            return written
    return out


def _lemma(text: str, lang: str, sentence_start: bool) -> str:
    import simplemma

    corrected = correct_spelling(text)
    if corrected != text:
        return lemma(corrected, lang, sentence_start)

    first, second = ("de", "en") if lang != "en" else ("en", "de")
    lower = text.lower()
    if lower != text and (sentence_start or (text.isupper() and len(text) > 1)):
        # "Gute Beratung", "SERVICE TOP": decide on the lower-case word; nouns come back capitalised
        low = simplemma.lemmatize(lower, lang=first, greedy=True)
        # a known noun in its base form keeps it when the lower-case reading is a verb no shorter than it:
        # "Ticket" is no "ticken", "Bitte" no "bitten"
        noun = len(low) >= len(text) and simplemma.is_known(text, lang=first) and \
            simplemma.lemmatize(text, lang=first, greedy=True) == text
        if low != lower and not noun:  # an inflected word: "Gute" → "gut", "Preise" → "Preis"
            return low
        if not simplemma.is_known(text, lang=first) and simplemma.is_known(lower, lang=first):
            return low  # "SUPER" → "super"; a known capitalised word ("Preis") stays as it is
    out = simplemma.lemmatize(text, lang=first, greedy=True)
    if out != text:
        return _english_lemma(text, out) if first == "en" else out
    if not simplemma.is_known(text, lang=first) and simplemma.is_known(text, lang=second):
        return simplemma.lemmatize(text, lang=second, greedy=True)
    return out


@Language.factory("nps_lemmas", default_config={"lang": "de"})
def make_lemmatizer(nlp: Language, name: str, lang: str):
    def lemmatize(doc: Doc) -> Doc:
        for token in doc:
            lemmatisable = (token.is_alpha or "-" in token.text) and not (token.like_url or token.like_email)
            token.lemma_ = lemma(token.text, lang, bool(token.is_sent_start)) if lemmatisable else token.text
        return doc

    return lemmatize


def is_placeholder(token: Token) -> bool:
    """The word of a redaction placeholder such as ``<EMAIL>``."""
    doc = token.doc
    return token.text in PLACEHOLDERS and 0 < token.i < len(doc) - 1 \
        and doc[token.i - 1].text == "<" and doc[token.i + 1].text == ">"


def is_content(token: Token) -> bool:
    """A word that can describe a theme: not punctuation, number, stop word or placeholder."""
    if token.lower_ in NEGATIONS:
        return True
    return (token.is_alpha or "-" in token.text) and not token.like_url and not token.like_email \
        and token.lower_ not in STOP_WORDS and len(token.text) > 1 and not is_placeholder(token)


def get_pipeline(lang: str) -> Language:
    """A blank spaCy pipeline for ``lang`` ("de" or "en"; others use English tokenisation).

    Every language other than German shares the one English pipeline (built once, not once per
    language: a comment labelled "fr" is split and lemmatised as an English one).

    >>> get_pipeline("fr") is get_pipeline("en") is not get_pipeline("de")
    True
    """
    return _pipeline("de" if lang == "de" else "en")


@lru_cache(maxsize=2)
def _pipeline(lang: str) -> Language:
    nlp = spacy.blank(lang)
    nlp.add_pipe("nps_clauses")
    nlp.add_pipe("nps_lemmas", config={"lang": lang})
    return nlp
