"""Language of short survey comments: German and English first, others labelled, junk "und".

py3langid restricted to a handful of European languages, with calibrated probabilities, plus
three rules measured on German/English survey text (see benchmarks/text_prep.py):

1. no letters at all ("-", "10", "👍") → ``"und"`` (undetermined);
2. another language only when it is confident (``p ≥ other_threshold``), otherwise the more
   likely of German and English — short answers like "Alles super!" or "Fine" otherwise get
   labelled French or Italian;
3. in answers of up to four words, German-only vs English-only function words decide when they
   disagree with the model ("Alles super!" is German);
4. a top probability below ``und_threshold`` (near-uniform: "ok", "top", "asdf") → ``"und"``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

__all__ = ["detect_language", "detect_languages", "LANGUAGES"]

LANGUAGES = ("de", "en", "fr", "es", "it", "nl", "tr", "pl")
_LETTER = re.compile(r"[^\W\d_]")
_WORD = re.compile(r"[^\W\d_]+")


@lru_cache(maxsize=1)
def _identifier():
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


def detect_language(text: str | None, *, und_threshold: float = 0.25, other_threshold: float = 0.9) -> str:
    """ISO 639-1 code of ``text`` (``de``, ``en``, ``fr``, ...) or ``"und"``.

    Examples
    --------
    >>> [detect_language(t) for t in ["Lieferung kam zu spät", "great service", "-", "ok"]]
    ['de', 'en', 'und', 'und']
    """
    if not isinstance(text, str) or not _LETTER.search(text):
        return "und"
    probs = dict(_identifier().rank(text))
    top = max(probs, key=probs.get)
    if top not in ("de", "en") and probs[top] >= other_threshold:
        return top
    words = _WORD.findall(text.lower())
    if len(words) <= 4:
        de, en = _function_words()
        votes = sum(w in de for w in words) - sum(w in en for w in words)
        if votes:
            return "de" if votes > 0 else "en"
    if probs[top] < und_threshold:
        return "und"
    return "de" if probs["de"] >= probs["en"] else "en"


@lru_cache(maxsize=1)
def _function_words() -> tuple[frozenset[str], frozenset[str]]:
    """Stop words that belong to only one of German and English."""
    from spacy.lang.de.stop_words import STOP_WORDS as de
    from spacy.lang.en.stop_words import STOP_WORDS as en

    loan = {"top", "bottom", "full", "empty", "serious", "well"}  # used in German comments too
    return frozenset(de - en - loan), frozenset(en - de - loan)


def detect_languages(texts: Sequence[str | None], **kwargs) -> list[str]:
    """:func:`detect_language` of each text, each distinct text computed once."""
    memo: dict[str | None, str] = {}
    out = []
    for text in texts:
        if text not in memo:
            memo[text] = detect_language(text, **kwargs)
        out.append(memo[text])
    return out
