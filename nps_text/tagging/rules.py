"""RuleTagger: a theme's keywords matched on lemmas or surface forms with spaCy's Matcher.

Each keyword of the taxonomy becomes Matcher patterns over the lower-cased lemma *or* the
lower-cased text of each token, so "teuer" finds "teurer" and "Preise" finds "Preis"; a ``*``
at the start or end of a word matches German compounds and word families ("liefer*" finds
"Lieferzeit", "geliefert"; "*service" finds "Kundenservice"). The matched span is the evidence;
a match inside a longer match of another theme is dropped ("user friendly" is usability only).
"""

from __future__ import annotations

import itertools
import re

import pandas as pd
from spacy.matcher import Matcher
from spacy.tokens import Token

from ..errors import ColumnError
from ..text.nlp import get_pipeline
from .contract import mentions_frame
from .taxonomy import Taxonomy, default_taxonomy, load_taxonomy

__all__ = ["RuleTagger"]

if not Token.has_extension("lower_lemma"):
    Token.set_extension("lower_lemma", getter=lambda token: token.lemma_.lower())

_SENTENCE_COLUMNS = ("response_id", "sentence_id", "text", "lang", "start")


def _token_patterns(word: str) -> list[dict]:
    """Patterns for one keyword word: on the lemma, or on the text."""
    lower = word.lower()
    if lower.startswith("*") or lower.endswith("*"):
        regex = ("" if lower.startswith("*") else "^") + re.escape(lower.strip("*")) + ("" if lower.endswith("*") else "$")
        return [{"_": {"lower_lemma": {"REGEX": regex}}}, {"LOWER": {"REGEX": regex}}]
    return [{"_": {"lower_lemma": lower}}, {"LOWER": lower}]


def _keyword_patterns(keyword: str) -> list[list[dict]]:
    """Every combination of lemma/text matching for the words of a (multi-word) keyword."""
    words = keyword.replace("-", " - ").split() if " " in keyword else [keyword]
    return [list(combo) for combo in itertools.product(*(_token_patterns(w) for w in words))]


def _outermost(doc, matches) -> list[tuple[str, int, int]]:
    """(theme, start, end) of matches not inside a longer match of another theme:
    "user friendly" is usability, not also service because of "friendly"."""
    found = [(doc.vocab.strings[m], s, e) for m, s, e in matches]
    return [(t, s, e) for t, s, e in found
            if not any(t2 != t and s2 <= s and e <= e2 and (e2 - s2) > (e - s) for t2, s2, e2 in found)]


class RuleTagger:
    """Tag sentences with the themes whose keywords they contain.

    Parameters
    ----------
    taxonomy : Taxonomy or path, optional
        Default: the bundled NPS taxonomy.

    Examples
    --------
    >>> import pandas as pd
    >>> from nps_text.text import prepare_text
    >>> _, sentences = prepare_text(pd.DataFrame({"response_id": ["a"], "comment": ["Lieferzeiten viel zu lang"]}))
    >>> RuleTagger().tag(sentences)[["theme", "evidence"]].values.tolist()
    [['delivery', 'Lieferzeiten']]
    """

    def __init__(self, taxonomy: Taxonomy | str | None = None) -> None:
        self.taxonomy = taxonomy

    def _matchers(self) -> dict[str, Matcher]:
        taxonomy = default_taxonomy() if self.taxonomy is None else load_taxonomy(self.taxonomy)
        matchers = {}
        for lang in ("de", "en"):
            matcher = Matcher(get_pipeline(lang).vocab)
            for theme in taxonomy:
                patterns = [p for words in theme.keywords.values() for kw in words for p in _keyword_patterns(kw)]
                if patterns:
                    matcher.add(theme.id, patterns)
            matchers[lang] = matcher
        return matchers

    def tag(self, sentences: pd.DataFrame) -> pd.DataFrame:
        """Mentions (see :mod:`nps_text.tagging`) of every theme whose keywords a sentence contains."""
        missing = [c for c in _SENTENCE_COLUMNS if c not in sentences.columns]
        if missing:
            raise ColumnError(f"sentences lack column(s) {missing}; pass the sentences table from prepare_text().")
        matchers = self._matchers()
        rows = []
        langs = ["de" if lang == "de" else "en" for lang in sentences["lang"]]
        docs: list = [None] * len(sentences)
        for lang in ("de", "en"):
            positions = [i for i, code in enumerate(langs) if code == lang]
            texts = [str(sentences["text"].iloc[i]) for i in positions]
            for i, doc in zip(positions, get_pipeline(lang).pipe(texts, batch_size=256)):
                docs[i] = doc
        for row, lang, doc in zip(sentences.itertuples(index=False), langs, docs):
            best: dict[str, tuple[int, int]] = {}
            for theme, start, end in _outermost(doc, matchers[lang](doc)):
                span = (doc[start].idx, doc[end - 1].idx + len(doc[end - 1].text))
                if theme not in best or span[0] < best[theme][0]:
                    best[theme] = span
            for theme, (start, end) in best.items():
                rows.append((row.response_id, row.sentence_id, theme, 1.0, "rule",
                             row.start + start, row.start + end, row.text[start:end]))
        return mentions_frame(rows, sentences)
