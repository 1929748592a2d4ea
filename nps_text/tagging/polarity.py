"""A small German/English polarity lexicon with negation handling: the sentiment prior.

Written for this project from general knowledge of how customers praise and complain (not
copied from any lexicon or data set). Words are written in their base form; German inflected
forms are found by their endings ("freundlich" finds "freundliche", "freundlichen"). A
negator ("nicht", "kein", "nie", "not", "no", "never", "n't", "without") flips the next polar word
within three tokens ("nicht freundlich", "kein Problem", "not bad"), or — German word order —
the polar word just before it ("gefällt mir nicht"). "zu"/"too" before a word of excess
("zu lange", "too slow") is negative; phrases count as one polar word ("könnte besser sein",
"room for improvement" negative; "wie beschrieben", "no complaints" positive), and negation flips
them too ("nicht ernst genommen"). "nie"/"never"/"nobody" with nothing polar to flip is mildly
negative ("never arrived"). Only "nicht", "nie", "not", "never" flip a word before them: "kein",
"nichts", "without" negate what follows ("Seit Wochen keine Antwort" stays a complaint). A problem
followed by "gelöst"/"solved" is no complaint, and a price word with a rise ("Die Preise sind
wieder gestiegen", "fees were raised") is one.

``lexicon_polarity(text)`` is the summed polarity; ``lexicon_score(text)`` squashes it into
(-1, 1): 0 means no polar word (neutral).
"""

from __future__ import annotations

import functools
import re

from ..text.spelling import correct_spelling

__all__ = ["lexicon_polarity", "lexicon_score", "polar_words"]

_POSITIVE_DE = """
gut super toll top prima klasse spitze perfekt hervorragend ausgezeichnet exzellent großartig wunderbar
fantastisch phantastisch genial lecker köstlich freundlich nett hilfsbereit höflich zuvorkommend kompetent
schnell zügig flott fix pünktlich zuverlässig einfach unkompliziert problemlos reibungslos übersichtlich bequem
angenehm günstig preiswert fair zufrieden zufriedenheit begeistert begeisterung empfehlen empfehlenswert
empfehlung weiterempfehlen danke dankbar dank lob loben gerne gern schön sauber gepflegt kulant flexibel
transparent verständlich professionell aufmerksam herzlich sympathisch geduldig einfühlsam optimal tadellos
vorbildlich beeindruckend beeindruckt überzeugend überzeugt hilfreich hochwertig solide stabil freude
glücklich erreichbar kundenfreundlich benutzerfreundlich nutzerfreundlich intuitiv passt gefällt gefallen
lieben liebe beste besten bester bestens klasse spitzenmäßig unschlagbar bewährt empfehle erstklassig
sorgfältig ordentlich kompetenz freundlichkeit hilfsbereitschaft entgegenkommend lösungsorientiert korrekt
selbsterklärend praktisch logisch leicht eingehalten haltbar robust gelöst behoben
einwandfrei gepasst geklappt klappt erledigt
""".split()
_NEGATIVE_DE = """
schlecht schlimm schrecklich furchtbar katastrophal katastrophe miserabel mies mangelhaft ungenügend
enttäuschend enttäuscht enttäuschung unzufrieden ärgerlich ärgern ärger nervig nervt frech unfreundlich
unhöflich pampig arrogant inkompetent langsam verspätet verspätung unpünktlich unzuverlässig kompliziert
umständlich unübersichtlich schwierig teuer überteuert unverschämt abzocke wucher falsch fehler fehlerhaft
defekt kaputt beschädigt problem mangel mängel störung ausfall absturz abgestürzt stürzt leider schade
beschwerde reklamation chaos chaotisch dreckig schmutzig unsauber unverständlich ignoriert vergessen verloren
peinlich unmöglich frustrierend frust frustriert wütend sauer zumutung unterirdisch grottig grauenhaft
lächerlich versagt ungenau fehlt fehlen fehlende vermisse mangelnde ewig ständig dauernd verschlechtert
nachgelassen kündigen gekündigt unbrauchbar nutzlos sinnlos warten wartezeit mühsam nervtötend ärgerlicherweise
schlechter schlechteste unprofessionell respektlos herablassend desinteressiert überfordert hektisch
fragwürdig dürftig lausig abgezockt betrug unübersichtlich verwirrend intransparent versteckt genervt unpraktisch
unlogisch happig wackelig billig lieblos oberflächlich verlieren verliert verliere weitergeleitet
preiserhöhung preissteigerung warte wartet mahnung teillieferung storniert
""".split()
_POSITIVE_EN = """
good great excellent amazing awesome fantastic wonderful brilliant superb outstanding perfect lovely nice
friendly helpful polite courteous kind caring professional attentive knowledgeable competent fast quick
quickly prompt promptly punctual reliable easy simple smooth seamless convenient comfortable clean tasty
delicious fresh affordable reasonable fair happy pleased satisfied love loved enjoy enjoyed recommend
recommended thank thanks grateful appreciate appreciated best better efficient reassuring reassured calm
pleasant welcoming fabulous impressed impressive exceptional top glad delighted safe respectful supportive
organised organized informative clear thorough decent fine ok okay wonderfully beautiful incredible superb
gentle considerate compassionate cheap helped listened smiling smile cheerful correct accurate solid
sturdy durable intuitive handy worth solved resolved fixed pleasure
""".split()
_NEGATIVE_EN = """
bad poor terrible awful horrible dreadful appalling disgusting disgraceful worst worse rude unfriendly
unhelpful impolite disrespectful arrogant dismissive incompetent unprofessional slow late delayed delay
expensive overpriced pricey broken faulty defective damaged wrong error bug buggy crash crashed crashes crashing
problem problems issue issues fault fail failed failure failing complaint complain complained disappointed
disappointing disappointment unhappy dissatisfied annoying annoyed frustrating frustrated confusing confused
complicated difficult dirty noisy lack lacking missing lost ignored forgot forgotten unacceptable ridiculous
useless pointless waste mess messy chaos chaotic shocking unreliable unclear uncomfortable inconvenient
overcrowded crowded cramped stale bland mediocre sadly unfortunately shame pity horrendous hate hated angry
upset worried rushed cold unsafe careless condescending poorly badly nightmare joke scam ripoff cancelled
waiting wait lengthy forever impossible flimsy lose losing cancel cancelling canceling chase chased pain
unresponsive barely missed
""".split()
# weaker words (± 0.5): mild or often hedged
_WEAK = {"ok", "okay", "fine", "decent", "passt", "gern", "gerne", "wait", "waiting", "warten", "wartezeit",
         "ständig", "dauernd", "ewig", "cheap", "better", "lengthy", "leicht",
         "billig", "praktisch", "logisch", "einfach", "worth", "barely", "weitergeleitet", "warte", "wartet"}

_NEGATORS = {"nicht", "kein", "keine", "keinen", "keiner", "keinem", "keines", "nie", "niemals", "nichts", "ohne",
             "kaum", "not", "no", "never", "n't", "without", "hardly", "nothing", "none", "nobody", "neither", "nor",
             "cannot", "cant", "dont", "didnt", "doesnt", "wasnt", "isnt", "wont", "arent", "werent", "couldnt"}
_COMPLAINT_NEGATORS = {"nie", "niemals", "niemand", "keiner", "never", "nobody"}
# a negation that nothing polar follows complains when it is stressed: "nicht mal" / "not even" ("Der Bote hat
# nicht mal geklingelt"), or "still" / "immer noch" before it ("Paket ist immer noch nicht da", "still no answer")
_STRESS_AFTER = {"mal", "einmal", "even"}
_STRESS_BEFORE = (" still ", " immer noch ", " noch immer ")
# negators that can follow the word they negate ("gefällt mir nicht", "schmeckt nie"); "kein", "nichts",
# "without" negate what follows only ("Seit Wochen keine Antwort" is no praise)
_BACKWARD = {"nicht", "nie", "niemals", "not", "n't", "never"}
# a price that rises is a complaint whatever the words around it ("Die Preise sind schon wieder gestiegen")
_PRICES = {"preis", "preise", "preisen", "kosten", "gebühr", "gebühren", "beitrag", "beiträge", "tarif", "abo",
           "price", "prices", "fee", "fees", "cost", "costs", "subscription", "rates"}
_RISES = {"gestiegen", "steigen", "steigt", "stiegen", "erhöht", "erhöhen", "angehoben", "teurer",
          "increased", "raised", "rising", "risen", "rose", "hiked"}
# a problem that was solved is no complaint: "Problem wurde von der Hotline sofort gelöst"
_PROBLEMS = {"problem", "probleme", "problems", "issue", "issues", "fehler", "störung"}
_SOLVED = {"gelöst", "behoben", "erledigt", "solved", "resolved", "fixed"}
_EXCESS = {"lang", "lange", "langsam", "klein", "groß", "laut", "wenig", "viel", "spät", "kompliziert", "voll",
           "kalt", "heiß", "hoch", "teuer", "umständlich", "long", "slow", "small", "big", "loud", "little", "much",
           "many", "late", "busy", "complicated", "cold", "hot", "high", "expensive", "few", "far", "weit"}
_NEGATIVE_PHRASES = ("könnte besser", "könnten besser", "geht besser", "ginge besser", "luft nach oben",
                     "verbesserungswürdig", "ausbaufähig", "nie wieder", "could be better", "could have been better",
                     "could be improved", "room for improvement", "never again", "needs improvement",
                     "need to improve", "needs to improve", "should be better", "not good enough", "keine ahnung",
                     "no clue", "no idea", "ohne ende", "fell apart", "falls apart", "make no sense", "makes no sense",
                     "keinen sinn", "hin und her", "passed around", "took ages", "takes ages",
                     # waiting for weeks is a complaint whatever is awaited ("Ticket seit Wochen offen")
                     "seit tagen", "seit wochen", "seit monaten", "for days", "for weeks", "for months",
                     # "cheap" praises a price but not a make
                     "cheap materials", "cheap material", "cheaply made", "feels cheap", "looks cheap",
                     "price increase", "price increases", "price rise", "price hike",
                     "prices went up", "prices have gone up", "price went up", "ordentlich gestiegen",
                     "könnte günstiger", "könnten günstiger", "could be cheaper", "should be cheaper",
                     # something that does not work or answer ("ging nicht", "reagiert nicht")
                     "ging nicht", "geht nicht", "funktioniert nicht", "funktioniert nichts", "klappt nicht",
                     "reagiert nicht", "doesn't work", "does not work", "didn't work", "did not work",
                     "stopped working", "keeps crashing", "without fixing", "keine lösung", "hält nicht",
                     "halten nicht", "entspricht nicht", "entsprach nicht", "took over a month", "took a month",
                     "took months", "took weeks", "hat wochen gedauert", "dauerte wochen",
                     # a billing error is a complaint, though it has no word of complaint
                     "doppelt abgebucht", "zweimal abgebucht", "doppelt belastet", "doppelt berechnet",
                     "ging zweimal raus", "doppelt eingezogen", "zweimal eingezogen",
                     "charged twice", "charged me twice", "billed twice", "double charged", "double billed",
                     "noch nicht zurück", "noch nicht erstattet",
                     # having to chase is a complaint ("Musste dreimal anrufen")
                     "musste zweimal", "musste dreimal", "musste mehrmals", "musste mehrfach", "musste ständig",
                     "had to call", "had to chase", "had to ring")
_POSITIVE_PHRASES = ("weiter so", "keep it up", "keep up the good work", "nichts zu meckern", "nichts auszusetzen",
                     "no complaints", "nothing to complain", "can't fault", "cannot fault", "couldn't fault",
                     "could not fault", "above and beyond", "second to none", "wie beschrieben",
                     "wie angekündigt", "wie versprochen", "as described", "as promised", "zeit genommen",
                     "took the time", "ernst genommen", "hält ewig", "halten ewig",
                     # "Problem gelöst", "problem solved": the problem is zeroed by the word after it (_SOLVED)
                     "solved my problem", "solved the problem", "fixed my problem",
                     "fixed the problem", "lasts forever", "last forever", "kurze wartezeit", "kaum wartezeit",
                     "short wait", "short waiting time", "earlier than expected", "früher als erwartet")
_EMOJI = {"👍": 1.0, "😊": 1.0, "🙂": 1.0, "😀": 1.0, "😃": 1.0, "❤": 1.0, "❤️": 1.0, "👌": 1.0, "⭐": 1.0,
          "👎": -1.0, "😡": -1.0, "😠": -1.0, "😞": -1.0, "🙁": -1.0, "☹": -1.0, "😤": -1.0,
          ":)": 1.0, ":-)": 1.0, ":(": -1.0, ":-(": -1.0}
_SUFFIXES = ("", "e", "en", "er", "es", "em", "n", "s", "ste", "sten", "ster", "stes", "st", "t", "et", "d", "ed")
_TOKEN = re.compile(r"[^\W\d_]+(?:'[a-z]+)?|n't|[:;]-?[()]|[\U0001F300-\U0001FAFF\u2600-\u27BF\u2B50]", re.UNICODE)


def _build() -> dict[str, float]:
    table: dict[str, float] = {}
    for words, sign in ((_POSITIVE_DE, 1.0), (_POSITIVE_EN, 1.0), (_NEGATIVE_DE, -1.0), (_NEGATIVE_EN, -1.0)):
        for word in words:
            table[word.lower()] = sign * (0.5 if word.lower() in _WEAK else 1.0)
    return table


_LEXICON = _build()


def polar_words() -> dict[str, float]:
    """The lexicon: base form → polarity (+1/−1, ±0.5 for weak words). A copy."""
    return dict(_LEXICON)


def _word_polarity(token: str) -> float:
    if token in _LEXICON:
        return _LEXICON[token]
    for suffix in _SUFFIXES[1:]:  # German inflection, English -s/-ed
        if len(token) - len(suffix) >= 3 and token.endswith(suffix) and token[: -len(suffix)] in _LEXICON:
            return _LEXICON[token[: -len(suffix)]]
    return 0.0


def _tokens(text: str) -> list[str]:
    low = text.lower().replace("’", "'")
    low = re.sub(r"(\w)n't\b", r"\1 n't", low)
    return [t if t in _LEXICON or t in _EXCESS else correct_spelling(t) for t in _TOKEN.findall(low)]


@functools.cache
def _phrases() -> list[tuple[str, str]]:
    """The polar phrases, tokenised once: (" token token ", marker), the longest first (a phrase inside a longer
    one does not cut it)."""
    phrases = [(" " + " ".join(_tokens(p)) + " ", " __neg__ ") for p in _NEGATIVE_PHRASES] + \
              [(" " + " ".join(_tokens(p)) + " ", " __pos__ ") for p in _POSITIVE_PHRASES]
    return sorted(phrases, key=lambda pm: -len(pm[0]))


def lexicon_polarity(text: str) -> float:
    """Summed polarity of ``text``: positive words add, negative words subtract, negation flips.

    Examples
    --------
    >>> lexicon_polarity("Sehr freundlich"), lexicon_polarity("nicht freundlich")
    (1.0, -1.0)
    >>> lexicon_polarity("kein Problem"), lexicon_polarity("not bad at all"), lexicon_polarity("Lieferung am Dienstag")
    (1.0, 1.0, 0.0)
    >>> lexicon_polarity("Das gefällt mir nicht"), lexicon_polarity("viel zu lange gewartet")
    (-1.0, -1.0)
    """
    if not isinstance(text, str) or not text.strip():
        return 0.0
    low = " " + " ".join(_tokens(text)) + " "
    for phrase, marker in _phrases():
        if phrase in low:
            low = low.replace(phrase, marker)  # a phrase is one polar token
    tokens = low.split()
    values = []
    for i, token in enumerate(tokens):
        if token in _EMOJI:
            values.append(_EMOJI[token])
        elif token in ("__pos__", "__neg__"):
            values.append(1.0 if token == "__pos__" else -1.0)
        elif i > 0 and tokens[i - 1] in ("zu", "too") and token in _EXCESS:
            values.append(-1.0)
        else:
            values.append(0.0 if token in _NEGATORS else _word_polarity(token))
    rise = -1.0 if not _PRICES.isdisjoint(tokens) and not _RISES.isdisjoint(tokens) else 0.0
    for i, token in enumerate(tokens):
        if token in _SOLVED and values[i] > 0:  # the problem before it is solved, not complained about
            for j in range(i):
                if tokens[j] in _PROBLEMS and values[j] < 0:
                    values[j] = 0.0
    for i, token in enumerate(tokens):
        if token not in _NEGATORS:
            continue
        after = next((j for j in range(i + 1, min(i + 4, len(tokens))) if values[j]), None)
        before = next((j for j in range(i - 1, max(i - 3, -1), -1) if values[j]), None)
        if after is None and not any(values[i + 1:]) and token in _BACKWARD:
            after = before  # "gefällt mir nicht": the polar word came first
        if after is not None:
            values[after] = -values[after]
        elif token in _COMPLAINT_NEGATORS or _stressed(tokens, i):  # "never arrived", "nobody answered"
            values[i] = -0.5
    return float(sum(values) + rise)


def _stressed(tokens: list[str], i: int) -> bool:
    """Whether the negator ``tokens[i]`` is stressed: "nicht mal", "not even", "still not", "immer noch nicht"."""
    before = " " + " ".join(tokens[max(0, i - 3):i]) + " "
    return (i + 1 < len(tokens) and tokens[i + 1] in _STRESS_AFTER) or any(p in before for p in _STRESS_BEFORE)


def lexicon_score(text: str) -> float:
    """:func:`lexicon_polarity` squashed into (−1, 1) as ``p / (|p| + 1)``; 0 when no polar word.

    Examples
    --------
    >>> lexicon_score("super"), lexicon_score("schlecht und teuer"), lexicon_score("Paket kam an")
    (0.5, -0.6666666666666666, 0.0)
    """
    p = lexicon_polarity(text)
    return p / (abs(p) + 1.0)
