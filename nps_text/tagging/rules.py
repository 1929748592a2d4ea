"""RuleTagger: a theme's keywords matched on lemmas or surface forms of spaCy tokens.

Each keyword of the taxonomy becomes Matcher patterns over the lower-cased lemma *or* the
lower-cased text of each token, so "teuer" finds "teurer" and "Preise" finds "Preis"; a ``*``
at the start or end of a word matches German compounds and word families ("liefer*" finds
"Lieferzeit", "geliefert"; "*service" finds "Kundenservice"). The matched span is the evidence;
a match inside a longer match of another theme is dropped ("user friendly" is usability only).

The matching is that of spaCy's ``Matcher`` with a pattern per combination of lemma/text for the
words of each keyword, done with dictionary look-ups per distinct word (regexes only for wildcard
words) and built once per tagger; each distinct sentence text is analysed once per call.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from spacy.tokens import Token

from ..errors import ColumnError
from ..text.nlp import get_pipeline
from .contract import mentions_frame
from .taxonomy import Taxonomy, default_taxonomy, load_taxonomy

__all__ = ["RuleTagger"]

# kept for code that reads ``token._.lower_lemma``; the tagger itself no longer uses it
if not Token.has_extension("lower_lemma"):
    Token.set_extension("lower_lemma", getter=lambda token: token.lemma_.lower())

_SENTENCE_COLUMNS = ("response_id", "sentence_id", "text", "lang", "start")
_BATCH_SIZE = 1000


def _word_spec(word: str) -> tuple[str, str]:
    """``("word", w)`` for a plain keyword word (exact match), ``("regex", r)`` for one with a ``*`` wildcard."""
    lower = word.lower()
    if lower.startswith("*") or lower.endswith("*"):
        regex = ("" if lower.startswith("*") else "^") + re.escape(lower.strip("*")) + ("" if lower.endswith("*") else "$")
        return ("regex", regex)
    return ("word", lower)


def _keyword_words(keyword: str) -> list[str]:
    """The words of a keyword, one per token ("Preis - Leistung" style hyphens are tokens of their own)."""
    return keyword.replace("-", " - ").split() if " " in keyword else [keyword]


class _KeywordMatcher:
    """Every keyword of a taxonomy as a sequence of word specs, matched on (lower text, lower lemma) tokens.

    A token matches a word when its lower-cased lemma or its lower-cased text equals the word, or,
    for a wildcard word, when the regex finds either. Matches come back as ``(theme, start, end)``
    token spans, each once, ordered by end, then start, then the theme's place in the taxonomy:
    the order of spaCy's ``Matcher`` with one pattern per theme added in taxonomy order.
    """

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.themes: list[str] = []
        ids: dict[tuple[str, str], int] = {}
        self._by_first: dict[int, list[tuple[int, tuple[int, ...]]]] = {}
        for theme in taxonomy:
            keywords = [kw for words in theme.keywords.values() for kw in words]
            if not keywords:
                continue
            theme_index = len(self.themes)
            self.themes.append(theme.id)
            for keyword in keywords:
                specs = [ids.setdefault(_word_spec(w), len(ids)) for w in _keyword_words(keyword)]
                entry = (theme_index, tuple(specs[1:]))
                entries = self._by_first.setdefault(specs[0], [])
                if entry not in entries:
                    entries.append(entry)
        self._plain = {value: i for (kind, value), i in ids.items() if kind == "word"}
        self._regexes = [(re.compile(value), i) for (kind, value), i in ids.items() if kind == "regex"]
        self._any_regex = re.compile("|".join(f"(?:{value})" for (kind, value) in ids if kind == "regex")) \
            if self._regexes else None
        self._cache: dict[str, frozenset[int]] = {}

    def _word_ids(self, text: str) -> frozenset[int]:
        """Ids of the keyword words that the string ``text`` matches (cached: survey words repeat)."""
        found = self._cache.get(text)
        if found is None:
            hits = set()
            plain = self._plain.get(text)
            if plain is not None:
                hits.add(plain)
            if self._any_regex is not None and self._any_regex.search(text):
                hits.update(i for regex, i in self._regexes if regex.search(text))
            found = self._cache[text] = frozenset(hits)
        return found

    def __call__(self, tokens: list[tuple[str, str]]) -> list[tuple[str, int, int]]:
        """``(theme, start, end)`` of every keyword in ``tokens``, a list of (lower text, lower lemma)."""
        word_ids = self._word_ids
        sets = [word_ids(lower) | word_ids(lemma) if lower != lemma else word_ids(lower) for lower, lemma in tokens]
        n = len(sets)
        found = set()
        for start, ids in enumerate(sets):
            for word in ids:
                for theme, rest in self._by_first.get(word, ()):
                    end = start + 1 + len(rest)
                    if end <= n and all(w in sets[start + 1 + k] for k, w in enumerate(rest)):
                        found.add((end, start, theme))
        return [(self.themes[theme], start, end) for end, start, theme in sorted(found)]


def _outermost(found: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """(theme, start, end) of matches not inside a longer match of another theme:
    "user friendly" is usability, not also service because of "friendly"."""
    return [(t, s, e) for t, s, e in found
            if not any(t2 != t and s2 <= s and e <= e2 and (e2 - s2) > (e - s) for t2, s2, e2 in found)]


def _first_spans(doc, matches: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """(theme, start char, end char) of the first outermost match of each theme in ``doc``."""
    best: dict[str, tuple[int, int]] = {}
    for theme, start, end in _outermost(matches):
        span = (doc[start].idx, doc[end - 1].idx + len(doc[end - 1].text))
        if theme not in best or span[0] < best[theme][0]:
            best[theme] = span
    return [(theme, start, end) for theme, (start, end) in best.items()]


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
        self._built: tuple[object, _KeywordMatcher] | None = None

    def _matcher(self) -> _KeywordMatcher:
        """The keyword matcher, built once per tagger (again only if ``self.taxonomy`` is replaced)."""
        if self._built is None or self._built[0] is not self.taxonomy:
            taxonomy = default_taxonomy() if self.taxonomy is None else load_taxonomy(self.taxonomy)
            self._built = (self.taxonomy, _KeywordMatcher(taxonomy))
        return self._built[1]

    def tag(self, sentences: pd.DataFrame) -> pd.DataFrame:
        """Mentions (see :mod:`nps_text.tagging`) of every theme whose keywords a sentence contains."""
        _check_columns(sentences, _SENTENCE_COLUMNS)
        langs, texts, found = self._found(sentences)
        rows = []
        for row, lang, text in zip(sentences.itertuples(index=False), langs, texts):
            for theme, start, end in found[(lang, text)]:
                rows.append((row.response_id, row.sentence_id, theme, 1.0, "rule",
                             row.start + start, row.start + end, row.text[start:end]))
        return mentions_frame(rows, _sentences_of(mentions_frame(rows), sentences))

    def theme_matrix(self, sentences: pd.DataFrame, themes: list[str]) -> np.ndarray:
        """Whether each sentence (row) holds a keyword of each of ``themes`` (column): the matches of :meth:`tag`
        as a boolean array, without the mentions' sentiment. Needs only the ``text`` and ``lang`` columns.

        >>> import pandas as pd
        >>> from nps_text.text import prepare_text
        >>> _, s = prepare_text(pd.DataFrame({"response_id": ["a", "b"], "comment": ["Zu teuer", "Lieferung spät"]}))
        >>> RuleTagger().theme_matrix(s, ["price", "delivery"]).tolist()
        [[True, False], [False, True]]
        """
        _check_columns(sentences, ("text", "lang"))
        column = {theme: j for j, theme in enumerate(themes)}
        langs, texts, found = self._found(sentences)
        matrix = np.zeros((len(texts), len(themes)), dtype=bool)
        for i, key in enumerate(zip(langs, texts)):
            for theme, _, _ in found[key]:
                if theme in column:
                    matrix[i, column[theme]] = True
        return matrix

    def _found(self, sentences: pd.DataFrame) -> tuple[list[str], list[str], dict[tuple[str, str], list]]:
        """Each sentence's keyword language and text, and per distinct (language, text) its matches
        ``(theme, start, end)`` (character offsets in the text): short answers repeat a lot in surveys."""
        matcher = self._matcher()
        langs = ["de" if lang == "de" else "en" for lang in sentences["lang"]]
        texts = [str(text) for text in sentences["text"]]
        found: dict[tuple[str, str], list[tuple[str, int, int]]] = {}
        for lang in ("de", "en"):
            todo = list(dict.fromkeys(t for t, code in zip(texts, langs) if code == lang))
            lemma_lower: dict[str, str] = {}
            for text, doc in zip(todo, get_pipeline(lang).pipe(todo, batch_size=_BATCH_SIZE)):
                tokens = []
                for token in doc:
                    lemma = token.lemma_
                    low = lemma_lower.get(lemma)
                    if low is None:
                        low = lemma_lower[lemma] = lemma.lower()
                    tokens.append((token.lower_, low))
                matches = matcher(tokens)
                found[(lang, text)] = _first_spans(doc, matches) if matches else []
        return langs, texts, found


def _check_columns(sentences: pd.DataFrame, columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in sentences.columns]
    if missing:
        raise ColumnError(f"sentences lack column(s) {missing}; pass the sentences table from prepare_text().")


def _sentences_of(mentions: pd.DataFrame, sentences: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``sentences`` with the (response_id, sentence_id) of a mention, in their order: all that
    the mentions' sentiment is looked up in (keyed as :func:`~nps_text.tagging.sentiment.add_sentiment` does),
    so the sentiment of sentences without a mention is not computed."""
    if mentions.empty:
        return sentences
    wanted = pd.MultiIndex.from_arrays([mentions["response_id"].astype(str), mentions["sentence_id"].astype("int64")])
    keys = pd.MultiIndex.from_arrays([sentences["response_id"].astype(str), sentences["sentence_id"].astype("int64")])
    return sentences[keys.isin(wanted)]
