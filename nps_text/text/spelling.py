"""Common typing slips of survey comments, corrected where the word is unknown and one slip away from a known one.

Survey comments are typed fast, on phones and on keyboards without umlauts: "zuffrieden",
"Hottline", "sooo gut", "kuendigen", "Qualitat". Unread, such a word is no lemma, no keyword,
no tone and no polarity ("Bin sehr zufriedeen" joined a mixed theme instead of the tone-only
clauses). :func:`correct_spelling` undoes three slips, and only for a word that neither the German
nor the English dictionary of simplemma knows: a known word ("schon", "konnte", "Staff") is never
changed, so "schon" cannot become "schön".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

_DIGRAPHS = (("ae", "ä"), ("oe", "ö"), ("ue", "ü"), ("Ae", "Ä"), ("Oe", "Ö"), ("Ue", "Ü"))
_UMLAUT_OF = {"a": "ä", "o": "ö", "u": "ü", "A": "Ä", "O": "Ö", "U": "Ü"}
_RUN = re.compile(r"([^\W\d_])\1+")
_MIN_LENGTH = 4  # shorter words have too many neighbours ("Tee", "zu"); each slip has its own minimum besides


def spelling_variants(word: str) -> Iterator[str]:
    """Candidates for a mistyped ``word``, the likelier slips first.

    ae/oe/ue written for an umlaut ("kuendigen", from 5 letters); one letter of a doubled letter
    dropped ("zuffrieden", "Hottline", from 6 letters), a run of three or more cut to one or two
    ("guuut"); a missing umlaut ("Qualitat", from 7 letters), one vowel at a time. The shorter
    a word, the likelier a name or a foreign word is one slip from a known word ("Cobb", "naan",
    "Uber", "Jackel", "fone"; found in the benchmark data), so each slip has its own minimum length.

    >>> list(spelling_variants("kuendigen"))[:1], list(spelling_variants("Hottline"))[:1]
    (['kündigen'], ['Hotline'])
    >>> [v for v in spelling_variants("sooo")], [v for v in spelling_variants("Cobb")]
    (['soo', 'so'], [])
    """
    seen = {word}

    def new(candidate: str) -> bool:
        if candidate in seen:
            return False
        seen.add(candidate)
        return True

    replaced = word
    for plain, umlaut in _DIGRAPHS:
        replaced = replaced.replace(plain, umlaut)
    if len(word) >= 5 and new(replaced):
        yield replaced
    for match in _RUN.finditer(word):
        start, end = match.span()
        for length in (end - start - 1, 2, 1):
            candidate = word[:start] + match.group(1) * length + word[end:]
            if 0 < length < end - start and (end - start > 2 or len(word) >= 6) and new(candidate):
                yield candidate
    for i, char in enumerate(word):
        if len(word) >= 7 and char in _UMLAUT_OF:
            candidate = word[:i] + _UMLAUT_OF[char] + word[i + 1:]
            if new(candidate):
                yield candidate


def _known(word: str) -> bool:
    import simplemma

    return simplemma.is_known(word, lang="de") or simplemma.is_known(word, lang="en")


@lru_cache(maxsize=200_000)
def correct_spelling(word: str) -> str:
    """``word``, or the first of its :func:`spelling_variants` that a dictionary knows when ``word`` itself is
    unknown in German and English (simplemma's dictionaries; case as typed).

    >>> [correct_spelling(w) for w in ("zuffrieden", "Hottline", "spaet", "Qualitat", "guuut", "Terriible")]
    ['zufrieden', 'Hotline', 'spät', 'Qualität', 'gut', 'Terrible']
    >>> [correct_spelling(w) for w in ("schon", "konnte", "Bestellprozess", "Lumio", "gut", "naan", "Uber")]
    ['schon', 'konnte', 'Bestellprozess', 'Lumio', 'gut', 'naan', 'Uber']
    """
    if len(word) < _MIN_LENGTH or not word.isalpha() or _known(word):
        return word
    return next((v for v in spelling_variants(word) if _known(v)), word)
