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

import numpy as np
import pandas as pd

from ..text.nlp import NEGATIONS

__all__ = ["class_tfidf_keywords", "representative_quotes", "default_name", "theme_key", "slug",
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
                          *, n: int = 5) -> dict[int, list[str]]:
    """The ``n`` member sentences closest to each theme's centroid, near-copies removed.

    >>> representative_quotes(pd.Series(["zu teuer", "Zu teuer!", "teuer"]), np.array([.9, .8, .7]),
    ...                       np.array([0, 0, 0]), [0], n=2)
    {0: ['zu teuer', 'teuer']}
    """
    texts = texts.reset_index(drop=True)
    order = np.lexsort((np.arange(len(labels)), -similarity))
    out: dict[int, list[str]] = {i: [] for i in ids}
    seen: dict[int, set[str]] = {i: set() for i in ids}
    for row in order:
        label = int(labels[row])
        if label not in out or len(out[label]) >= n:
            continue
        key = _normal(texts[row])
        if key and key not in seen[label]:
            seen[label].add(key)
            out[label].append(str(texts[row]))
    return out


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
