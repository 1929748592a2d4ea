"""The RuleTagger's own keyword matcher finds what spaCy's Matcher finds, in the same order.

The reference is a spaCy ``Matcher`` with, per theme in taxonomy order, one pattern per
combination of "lower-cased lemma or lower-cased text" for the words of each keyword (regex
for ``*`` wildcards): how the tagger matched before it had a matcher of its own.
"""

from __future__ import annotations

import itertools
import re

import pytest
from spacy.matcher import Matcher
from spacy.tokens import Token

from nps_text.tagging.rules import RuleTagger, _keyword_words, _KeywordMatcher
from nps_text.tagging.taxonomy import Taxonomy, Theme, default_taxonomy
from nps_text.text.nlp import get_pipeline
from tests.tagging.test_taxonomy import SMALL

if not Token.has_extension("reference_lower_lemma"):
    Token.set_extension("reference_lower_lemma", getter=lambda token: token.lemma_.lower())


def _reference(taxonomy: Taxonomy, lang: str) -> Matcher:
    def alternatives(word):
        lower = word.lower()
        if lower.startswith("*") or lower.endswith("*"):
            value = {"REGEX": ("" if lower.startswith("*") else "^") + re.escape(lower.strip("*"))
                     + ("" if lower.endswith("*") else "$")}
        else:
            value = lower
        return [{"_": {"reference_lower_lemma": value}}, {"LOWER": value}]

    matcher = Matcher(get_pipeline(lang).vocab)
    for theme in taxonomy:
        patterns = [list(combo) for words in theme.keywords.values() for kw in words
                    for combo in itertools.product(*(alternatives(w) for w in _keyword_words(kw)))]
        if patterns:
            matcher.add(theme.id, patterns)
    return matcher


def _theme(theme_id, de, en):
    return Theme(id=theme_id, name={"de": theme_id, "en": theme_id}, keywords={"de": tuple(de), "en": tuple(en)})


# overlapping multi-word keywords, a keyword in two themes, short and bare wildcards, a theme without keywords
STRESS = Taxonomy(name="stress", version="1", themes=(
    _theme("a", ["sehr gut", "gut", "*ung", "liefer*", "zu teuer", "viel zu", "*ice*", "*"],
           ["very good", "good", "customer service", "*ing"]),
    _theme("b", ["gut", "Service war", "war super", "*zeit", "Lieferung", "teuer", "Gut"],
           ["service", "good service", "very", "app*"]),
    _theme("empty", [], []),
    _theme("c", ["sehr gut und", "service war super", "zu", "*e*", "Preis-Leistung", "Preis - Leistung"],
           ["the app", "not good", "a", "a - b"]),
))

TEXTS = {
    "de": ["Teuer, teuer, viel zu teuer und günstig ist anders", "Service war super, sehr gut und schnell",
           "SERVICE TOP aber Lieferzeiten zu lang", "Preis-Leistungs-Verhältnis stimmt, Preis - Leistung auch",
           "Kundenservice war super freundlich, aber die Rechnung war falsch", "Gute Beratung, Lieferung pünktlich",
           "Die App stürzt ständig ab und die Hotline ist nie erreichbar", "gut gut gut", ""],
    "en": ["value for money", "The app is very good, good service, customer service not good",
           "The app keeps crashing and support never answers", "Great value for money, parcel arrived damaged",
           "user friendly and very easy sign up", "a - b a-b"],
}


@pytest.mark.parametrize("taxonomy", [None, "small", "stress"])
@pytest.mark.parametrize("lang", ["de", "en"])
def test_same_matches_in_the_same_order_as_spacy_matcher(taxonomy, lang):
    taxonomy = {None: default_taxonomy(), "small": Taxonomy.from_yaml(SMALL), "stress": STRESS}[taxonomy]
    reference, ours = _reference(taxonomy, lang), _KeywordMatcher(taxonomy)
    for doc in get_pipeline(lang).pipe(TEXTS["de"] + TEXTS["en"]):
        expected = [(doc.vocab.strings[key], start, end) for key, start, end in reference(doc)]
        assert ours([(t.lower_, t.lemma_.lower()) for t in doc]) == expected, doc.text


def test_matcher_is_built_once_per_tagger():
    import pandas as pd

    from nps_text.text.prepare import prepare_text

    _, sentences = prepare_text(pd.DataFrame({"response_id": ["a"], "comment": ["Lieferzeiten viel zu lang"]}))
    tagger = RuleTagger(Taxonomy.from_yaml(SMALL))
    first = tagger.tag(sentences)
    matcher = tagger._matcher()
    assert tagger.tag(sentences).equals(first) and tagger._matcher() is matcher
