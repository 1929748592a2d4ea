"""ThemeDiscovery: cluster clause embeddings into themes an analyst can name, edit and save.

Pipeline (each choice measured in ``benchmarks/discovery.py``, see docs/discovery.md):

1. filler and junk clauses ("keine Angabe", "-", clauses without a content word) are set
   aside (label -2): they never form or join a theme;
2. per-language centring when more than one language is present (stored, so new comments are
   centred the same way);
3. optionally a PCA by exact SVD to ``n_components`` dimensions; cosine geometry;
4. Ward clustering (deterministic: no seed involved) on at most ``max_fit`` clauses (a seeded
   sample beyond that), cut into ``n_themes`` clusters or, by default, into as many as the data
   supports with each at least ``min_size`` clauses, up to ``max_themes``;
5. every clause goes to its nearest theme centroid when the cosine similarity is at least
   ``min_similarity``; the rest stay unassigned (label -1) and their share is reported;
6. ids 0, 1, ... by size, then by the smallest (response_id, sentence_id) of the theme — never
   by the clustering algorithm's label order.
"""

from __future__ import annotations

import copy
import json
import math
import numbers
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.exceptions import NotFittedError

from .._core.params import Interval, Options, validate_params
from .._core.safe_files import read_json, unexpected_files
from ..errors import DiscoveryModelError, ParameterError
from ..text.prepare import junk_reason
from . import _cluster as C
from ._describe import (
    KEYWORD_LANGS,
    class_tfidf_keywords,
    default_name,
    representative_quotes,
    slug,
    theme_key,
)
from ._taxonomy import to_taxonomy

__all__ = ["ThemeDiscovery", "DiscoveryModelError", "FILLER", "UNASSIGNED"]

UNASSIGNED = -1
FILLER = -2
REQUIRED = ("response_id", "sentence_id", "text", "lang", "lemmas")
_KEEP = ["response_id", "sentence_id", "text", "lang", "lemmas"]
_TEXTS = {"text", "lemmas"}  # what ThemeDiscovery.save leaves out unless include_texts=True
_FORMAT = "nps-text-discovery/1"
_ARRAYS = ("centroids", "pca_mean", "components", "language_means", "vectors", "labels", "similarity")


def _check_sentences(sentences: Any, embeddings: Any) -> tuple[pd.DataFrame, np.ndarray]:
    if not isinstance(sentences, pd.DataFrame):
        raise ParameterError(f"sentences must be the DataFrame prepare_text returns, got {type(sentences).__name__}.")
    missing = [c for c in REQUIRED if c not in sentences.columns]
    if missing:
        raise ParameterError(f"sentences lacks column(s) {missing}; it has {list(sentences.columns)}. "
                             "Pass the sentences table of nps_text.text.prepare_text.")
    vectors = np.asarray(embeddings, dtype=np.float32)
    if vectors.ndim != 2 or len(vectors) != len(sentences):
        raise ParameterError(f"embeddings must be one row per sentence: {len(sentences)} sentences but an array of "
                             f"shape {vectors.shape}. Embed sentences['text'] with nps_text.embed.embed.")
    if not np.isfinite(vectors).all():
        raise ParameterError("embeddings contain NaN or infinite values; re-embed the sentences.")
    return sentences, vectors


def filler_mask(sentences: pd.DataFrame) -> np.ndarray:
    """True for clauses that are filler or junk (``junk_reason``) or carry no content word."""
    texts = sentences["text"].astype("string").fillna("")
    lemmas = sentences["lemmas"].astype("string").fillna("").str.strip()
    junk = np.array([junk_reason(t) is not None for t in texts.tolist()], dtype=bool)
    return junk | (lemmas == "").to_numpy(dtype=bool)


class ThemeDiscovery:
    """Discover themes in clause embeddings; scikit-learn estimator contract.

    Parameters
    ----------
    n_themes : int, optional
        Cut the Ward tree into this many clusters; default: chosen from the data (see ``min_size``).
    min_size : int, optional
        Smallest theme, in clauses; default ``max(5, ceil(min_share * n))``. Smaller clusters
        are dissolved and their clauses re-assigned to the nearest theme when close enough.
    min_share : float, default 0.01
        Default ``min_size`` as a share of the clauses clustered.
    max_themes : int, default 30
        Most themes the automatic choice returns.
    method : {"ward", "hdbscan"}, default "ward"
        Ward (deterministic) or scikit-learn's HDBSCAN (density; leaves noise, re-assigned below).
    n_components : int, optional
        PCA dimensions the clustering works in; default None: all of them for Ward (measured best
        on SemEval-14, see docs/benchmarks.md; a PCA to 16-128 dimensions was 0.007-0.012 NMI lower), 16 for
        HDBSCAN (density estimates fail in 384 dimensions).
    min_similarity : float, default 0.2
        Cosine similarity (reduced space) a clause needs to its nearest centroid to join it.
    center_languages : {"auto", True, False}, default "auto"
        Remove each language's mean vector; "auto": when two languages have >= 20 clauses each.
    max_fit : int, default 10000
        Clauses the Ward tree is built on (memory grows with its square); a seeded sample
        beyond that, and every clause is assigned to the nearest centroid.
    n_keywords, n_quotes : int
        Keywords per language and representative quotes kept per theme.
    seed : int, default 0
        Only used when there are more than ``max_fit`` clauses (the sample) and for the
        silhouette sample; the same input and seed give the same themes and ids.

    Attributes
    ----------
    labels_ : ndarray of int
        Theme id of each fitted sentence; -1 unassigned (or in a dropped theme), -2 filler.
    similarity_ : ndarray of float
        Cosine similarity of each fitted sentence to its theme's centroid (NaN for filler).
    theme_ids_ : list of int
        Ids of the themes, in the order of ``centroids_`` (dropped ones included).
    themes_ : list of dict
        Per theme: ``theme``, ``key``, ``name``, ``size``, ``keywords_de``, ``keywords_en``, ``quotes``.
    report_ : dict
        Counts: sentences, filler, clustered, unassigned and their share, themes, the settings chosen.

    Examples
    --------
    >>> import pandas as pd, numpy as np
    >>> s = pd.DataFrame({"response_id": [str(i) for i in range(40)], "sentence_id": 0,
    ...                   "text": ["zu teuer"] * 20 + ["Lieferung spät"] * 20, "lang": "de",
    ...                   "lemmas": ["teuer"] * 20 + ["Lieferung spät"] * 20})
    >>> v = np.repeat(np.eye(2, 8), 20, axis=0) + np.random.default_rng(0).normal(0, .01, (40, 8))
    >>> model = ThemeDiscovery(n_themes=2, min_size=5).fit(s, v)
    >>> [t["keywords_de"][0] for t in model.themes_]
    ['teuer', 'Lieferung']
    """

    _parameter_constraints: dict = {
        "n_themes": [None, Interval(numbers.Integral, 1, None)],
        "min_size": [None, Interval(numbers.Integral, 2, None)],
        "min_share": [Interval(numbers.Real, 0, 1, "neither")],
        "max_themes": [Interval(numbers.Integral, 1, None)],
        "method": [Options(("ward", "hdbscan"))],
        "n_components": [None, Interval(numbers.Integral, 1, None)],
        "min_similarity": [Interval(numbers.Real, -1, 1)],
        "center_languages": [Options(("auto", True, False))],
        "max_fit": [Interval(numbers.Integral, 100, None)],
        "n_keywords": [Interval(numbers.Integral, 1, None)],
        "n_quotes": [Interval(numbers.Integral, 0, None)],
        "seed": [Interval(numbers.Integral, 0, None)],
    }

    def __init__(self, *, n_themes: int | None = None, min_size: int | None = None, min_share: float = 0.01,
                 max_themes: int = 30, method: str = "ward", n_components: int | None = None,
                 min_similarity: float = 0.2, center_languages: bool | str = "auto", max_fit: int = 10_000,
                 n_keywords: int = 10, n_quotes: int = 5, seed: int = 0) -> None:
        self.n_themes = n_themes
        self.min_size = min_size
        self.min_share = min_share
        self.max_themes = max_themes
        self.method = method
        self.n_components = n_components
        self.min_similarity = min_similarity
        self.center_languages = center_languages
        self.max_fit = max_fit
        self.n_keywords = n_keywords
        self.n_quotes = n_quotes
        self.seed = seed

    # ------------------------------------------------------------------ scikit-learn API
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("n_themes", "min_size", "min_share", "max_themes", "method",
                                              "n_components", "min_similarity", "center_languages", "max_fit",
                                              "n_keywords", "n_quotes", "seed")}

    def set_params(self, **params: Any) -> ThemeDiscovery:
        valid = self.get_params()
        for key, value in params.items():
            if key not in valid:
                raise ParameterError(f"ThemeDiscovery has no parameter {key!r}; parameters: {sorted(valid)}.")
            setattr(self, key, value)
        return self

    def __repr__(self) -> str:
        changed = {k: v for k, v in self.get_params().items() if v != type(self)().get_params()[k]}
        return f"ThemeDiscovery({', '.join(f'{k}={v!r}' for k, v in changed.items())})"

    def _validate_params(self) -> None:
        validate_params(self)

    def fit(self, sentences: pd.DataFrame, embeddings: np.ndarray) -> ThemeDiscovery:
        """Cluster the sentences' embeddings into themes and describe them.

        Parameters
        ----------
        sentences : DataFrame
            ``response_id, sentence_id, text, lang, lemmas`` (from :func:`nps_text.text.prepare_text`).
        embeddings : ndarray (n_sentences, dim)
            Row-aligned with ``sentences`` (:func:`nps_text.embed.embed` of ``sentences["text"]``).
        """
        self._validate_params()
        sentences, vectors = _check_sentences(sentences, embeddings)
        filler = filler_mask(sentences)
        content = np.flatnonzero(~filler)
        langs = sentences["lang"].astype("string").fillna("und").to_numpy(dtype=object).astype(str)
        n_langs = sum(1 for lang in set(langs[content]) if lang != "und" and (langs[content] == lang).sum() >= 20)
        self.centred_ = bool(self.center_languages is True or (self.center_languages == "auto" and n_langs >= 2))
        self.language_means_ = (C.language_means(vectors[content], langs[content], 20) if self.centred_
                                else {C._GLOBAL: np.zeros(vectors.shape[1], dtype=np.float32)})
        centred = C.apply_language_means(vectors[content], langs[content], self.language_means_) if self.centred_ \
            else C._l2(vectors[content])
        fit_rows = self._fit_rows(len(content))
        n_components = self.n_components if self.n_components or self.method == "ward" else 16
        self.pca_mean_, self.components_ = C.fit_reduction(centred[fit_rows], n_components)
        reduced = C.reduce(centred, self.pca_mean_, self.components_)
        raw, chosen = self._cluster(reduced[fit_rows])
        self.min_size_ = chosen["min_size"]
        kept = [int(i) for i in np.unique(raw) if i >= 0 and (raw == i).sum() >= self.min_size_]
        if not kept:
            raise ParameterError(f"No theme of at least {self.min_size_} clauses was found among {len(fit_rows)}; "
                                 "lower min_size / min_share or pass more comments.")
        self.vectors_ = reduced
        self.content_rows_ = content
        self.n_sentences_ = len(sentences)
        self.has_texts_ = True
        self.sentences_ = sentences[_KEEP].reset_index(drop=True).astype(
            {"response_id": "string", "sentence_id": "int64", "text": "string", "lang": "string", "lemmas": "string"})
        self.dropped_: set[int] = set()
        self.names_: dict[int, str] = {}
        self.n_features_in_ = vectors.shape[1]
        provisional = C.centroids_of(reduced[fit_rows], raw, kept)
        self._assign_and_number(provisional)
        self.report_ = {"n_sentences": len(sentences), "n_filler": int(filler.sum()), "n_clustered": len(content),
                        "n_fit": len(fit_rows), **chosen, "centred": self.centred_}
        self._describe()
        return self

    def _fit_rows(self, n: int) -> np.ndarray:
        if n < 4:
            raise ParameterError(f"Only {n} clauses with content to cluster; discovery needs a few dozen at least.")
        if n <= self.max_fit:
            return np.arange(n)
        return np.sort(np.random.default_rng(self.seed).choice(n, size=self.max_fit, replace=False))

    def _cluster(self, x: np.ndarray) -> tuple[np.ndarray, dict[str, Any]]:
        min_size = self.min_size or max(5, math.ceil(self.min_share * len(x)))
        if self.method == "hdbscan":
            labels = C.hdbscan_labels(x, min_size=min_size)
            return labels, {"method": "hdbscan", "min_size": min_size, "n_clusters": int(labels.max() + 1)}
        tree = C.ward_tree(x)
        if self.n_themes is not None:
            k = min(int(self.n_themes), len(x))
        else:
            k = C.largest_cut(tree, min_size=min_size, max_themes=self.max_themes)
        return C.cut_tree(tree, k), {"method": "ward", "min_size": min_size, "n_clusters": k}

    def _assign_and_number(self, centroids: np.ndarray) -> None:
        """Nearest-centroid assignment of every clause, then ids by size and a stable key."""
        best, sim = C.nearest(self.vectors_, centroids)
        keep = sim >= self.min_similarity
        keys = (self.sentences_["response_id"].to_numpy(dtype=object)[self.content_rows_].astype(str),
                self.sentences_["sentence_id"].to_numpy()[self.content_rows_])
        order = []
        for j in range(len(centroids)):
            members = np.flatnonzero(keep & (best == j))
            first = min(((keys[0][m], int(keys[1][m])) for m in members), default=("\uffff", 0))
            order.append((-len(members), first, j))
        order.sort()
        new_id = {j: i for i, (_, _, j) in enumerate(order)}
        self.centroids_ = centroids[[j for _, _, j in order]]
        self.theme_ids_ = list(range(len(order)))
        self._set_labels(np.where(keep, np.vectorize(new_id.get)(best) if len(best) else best, UNASSIGNED), sim)

    def _set_labels(self, content_labels: np.ndarray, sim: np.ndarray) -> None:
        labels = np.full(self.n_sentences_, FILLER, dtype=np.int64)
        similarity = np.full(self.n_sentences_, np.nan, dtype=np.float32)
        labels[self.content_rows_] = content_labels
        similarity[self.content_rows_] = sim
        labels[np.isin(labels, sorted(self.dropped_))] = UNASSIGNED
        self.labels_, self.similarity_ = labels, similarity

    def _reassign(self) -> None:
        """Labels of the fitted clauses from the current centroids (as :meth:`predict` would give)."""
        best, sim = C.nearest(self.vectors_, self.centroids_)
        ids = np.asarray(self.theme_ids_)[best]
        self._set_labels(np.where(sim >= self.min_similarity, ids, UNASSIGNED), sim)

    def _describe(self) -> None:
        ids = self.active_ids
        labels = self.labels_
        if self.has_texts_:
            keywords = {lang: class_tfidf_keywords(self.sentences_["lemmas"].where(self.sentences_["lang"] == lang),
                                                   labels, ids, top=self.n_keywords) for lang in KEYWORD_LANGS}
            quotes = representative_quotes(self.sentences_["text"], np.nan_to_num(self.similarity_, nan=-9.0),
                                           labels, ids, n=self.n_quotes)
        else:  # saved without texts: the keywords it was saved with, and no quotes
            known = {t["theme"]: t for t in self.themes_}
            keywords = {lang: {i: known[i][f"keywords_{lang}"] for i in ids} for lang in KEYWORD_LANGS}
            quotes = {i: [] for i in ids}
        themes = []
        for i in ids:
            words = {lang: keywords[lang][i] for lang in KEYWORD_LANGS}
            name = self.names_.get(i) or default_name(words, i)
            themes.append({"theme": i, "key": theme_key(i, self.names_.get(i)), "name": name,
                           "size": int((labels == i).sum()), "keywords_de": words["de"], "keywords_en": words["en"],
                           "quotes": quotes[i]})
        self.themes_ = themes
        clustered = max(1, self.report_["n_clustered"])
        unassigned = int((labels == UNASSIGNED).sum())
        self.report_.update({"n_themes": len(ids), "n_unassigned": unassigned, "share_unassigned": unassigned / clustered,
                             "n_dropped_themes": len(self.dropped_)})

    @property
    def active_ids(self) -> list[int]:
        """Ids of the themes that are not dropped."""
        return [i for i in self.theme_ids_ if i not in self.dropped_]

    def _check_fitted(self) -> None:
        if not hasattr(self, "centroids_"):
            raise NotFittedError("This ThemeDiscovery is not fitted yet; call fit(sentences, embeddings) first.")

    # ------------------------------------------------------------------ new comments
    def _reduce_new(self, sentences: pd.DataFrame, embeddings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        self._check_fitted()
        sentences, vectors = _check_sentences(sentences, embeddings)
        if vectors.shape[1] != self.n_features_in_:
            raise ParameterError(f"embeddings have {vectors.shape[1]} dimensions but the model was fitted on "
                                 f"{self.n_features_in_}; embed with the same embedder.")
        langs = sentences["lang"].astype("string").fillna("und").to_numpy(dtype=object).astype(str)
        centred = C.apply_language_means(vectors, langs, self.language_means_) if self.centred_ else C._l2(vectors)
        return C.reduce(centred, self.pca_mean_, self.components_), filler_mask(sentences)

    def transform(self, sentences: pd.DataFrame, embeddings: np.ndarray) -> np.ndarray:
        """Cosine similarity of each sentence to each theme centroid, columns in ``theme_ids_`` order."""
        reduced, _ = self._reduce_new(sentences, embeddings)
        return reduced @ self.centroids_.T

    def predict(self, sentences: pd.DataFrame, embeddings: np.ndarray) -> np.ndarray:
        """Theme id of each sentence: nearest centroid if similar enough, else -1; filler -2."""
        reduced, filler = self._reduce_new(sentences, embeddings)
        best, sim = C.nearest(reduced, self.centroids_)
        ids = np.asarray(self.theme_ids_)[best]
        labels = np.where((sim >= self.min_similarity) & ~np.isin(ids, sorted(self.dropped_)), ids, UNASSIGNED)
        return np.where(filler, FILLER, labels)

    def fit_predict(self, sentences: pd.DataFrame, embeddings: np.ndarray) -> np.ndarray:
        """Fit, then return ``labels_`` (equal to ``predict`` on the same sentences)."""
        return self.fit(sentences, embeddings).labels_

    def fit_transform(self, sentences: pd.DataFrame, embeddings: np.ndarray) -> np.ndarray:
        return self.fit(sentences, embeddings).transform(sentences, embeddings)

    # ------------------------------------------------------------------ analyst operations
    # Each returns a new fitted estimator and leaves this one as it is (like pandas methods), so
    # edits chain, a fitted model never changes behind the caller's back, and clone() still works.
    def _edited(self) -> ThemeDiscovery:
        self._check_fitted()
        return copy.deepcopy(self)

    def _check_ids(self, ids: list[int], what: str) -> list[int]:
        ids = [int(i) for i in ids]
        unknown = [i for i in ids if i not in self.active_ids]
        if unknown:
            raise ParameterError(f"Cannot {what} theme(s) {unknown}: not among the themes {self.active_ids}.")
        return ids

    def rename(self, theme: int, name: str) -> ThemeDiscovery:
        """A copy with ``theme`` named ``name`` (its taxonomy key becomes the name's slug)."""
        (theme,) = self._check_ids([theme], "rename")
        if not isinstance(name, str) or not name.strip():
            raise ParameterError(f"A theme name must be a non-empty text, got {name!r}.")
        out = self._edited()
        out.names_[theme] = name.strip()
        keys = [t["key"] for t in out.themes_ if t["theme"] != theme]
        if slug(name) in keys:
            raise ParameterError(f"Another theme already has the key {slug(name)!r}; choose a different name.")
        out._describe()
        return out

    def _need_texts(self, edit: str) -> None:
        if not self.has_texts_:
            raise DiscoveryModelError(
                f"Cannot {edit} themes of a discovery model saved without its comment texts (the default of "
                "ThemeDiscovery.save, so that shared model folders hold no raw comments): new themes could not be "
                "described. Fit again, or save the model with include_texts=True to edit it later.")

    def merge(self, themes: list[int], *, name: str | None = None) -> ThemeDiscovery:
        """A copy in which ``themes`` are one theme (the smallest id), centroid recomputed."""
        self._need_texts("merge")
        themes = sorted(set(self._check_ids(themes, "merge")))
        if len(themes) < 2:
            raise ParameterError(f"merge needs at least two different themes, got {themes}.")
        out = self._edited()
        target = themes[0]
        content = out.labels_[out.content_rows_]
        content = np.where(np.isin(content, themes), target, content)
        out._replace_centroids({target: out.vectors_[content == target]}, remove=themes[1:])
        for i in themes[1:]:
            out.names_.pop(i, None)
        if name:
            out.names_[target] = name
        out._reassign()
        out._describe()
        return out

    def split(self, theme: int, n: int = 2) -> ThemeDiscovery:
        """A copy in which ``theme`` is split in ``n`` by Ward on its members; the largest part keeps the id."""
        self._need_texts("split")
        (theme,) = self._check_ids([theme], "split")
        members = np.flatnonzero(self.labels_[self.content_rows_] == theme)
        if not isinstance(n, (int, np.integer)) or n < 2 or n > len(members):
            raise ParameterError(f"n must be a whole number from 2 to the theme's {len(members)} clauses, got {n!r}.")
        out = self._edited()
        x = out.vectors_[members]
        parts = C.cut_tree(C.ward_tree(x[: self.max_fit]), n)
        if len(x) > self.max_fit:
            part_centroids = C.centroids_of(x[: self.max_fit], parts, list(range(n)))
            parts = C.nearest(x, part_centroids)[0]
        sizes = sorted(((-(parts == p).sum(), p) for p in range(n)))
        new_ids = [theme] + list(range(max(out.theme_ids_) + 1, max(out.theme_ids_) + n))
        out.names_.pop(theme, None)
        out._replace_centroids({new: x[parts == p] for new, (_, p) in zip(new_ids, sizes)}, remove=[])
        out._reassign()
        out._describe()
        return out

    def drop(self, themes: list[int]) -> ThemeDiscovery:
        """A copy in which ``themes`` are no theme: their clauses (and new ones near them) stay unassigned."""
        themes = self._check_ids(themes, "drop")
        out = self._edited()
        out.dropped_ |= set(themes)
        out._reassign()
        out._describe()
        return out

    def _replace_centroids(self, members: dict[int, np.ndarray], remove: list[int]) -> None:
        ids = [i for i in self.theme_ids_ if i not in remove]
        rows = {i: self.centroids_[self.theme_ids_.index(i)] for i in ids}
        for i, x in members.items():
            rows[i] = C._l2(x.mean(axis=0, keepdims=True))[0]
        self.theme_ids_ = sorted(rows)
        self.centroids_ = np.vstack([rows[i] for i in self.theme_ids_]).astype(np.float32)

    def to_taxonomy(self, **kwargs: Any):
        """A draft taxonomy of the active themes (see :func:`nps_text.discover.to_taxonomy`)."""
        self._check_fitted()
        return to_taxonomy(self, **kwargs)

    # ------------------------------------------------------------------ save / load
    def save(self, folder: str | Path, *, include_texts: bool = False) -> Path:
        """Write the fitted model as ``discovery.json`` plus ``.npy`` arrays (no pickle).

        By default the folder holds no comment text: not the clauses, their lemmas or the
        representative quotes, because model folders get shared and comments are personal data.
        The themes' keywords (aggregated over many comments) are kept, so a loaded model predicts,
        renames and drops themes as before, but has no quotes and cannot merge or split.
        ``include_texts=True`` keeps everything, for a folder that stays with the analyst.
        """
        self._check_fitted()
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        lang_keys = list(self.language_means_)
        arrays = {"centroids": self.centroids_, "pca_mean": self.pca_mean_, "components": self.components_,
                  "language_means": np.vstack([self.language_means_[k] for k in lang_keys]),
                  "vectors": self.vectors_, "labels": self.labels_, "similarity": self.similarity_}
        for name, array in arrays.items():
            np.save(folder / f"{name}.npy", np.ascontiguousarray(array), allow_pickle=False)
        state = {"format": _FORMAT, "params": self.get_params(), "centred": self.centred_,
                 "language_keys": lang_keys, "theme_ids": self.theme_ids_, "dropped": sorted(self.dropped_),
                 "names": {str(k): v for k, v in self.names_.items()}, "min_size": self.min_size_,
                 "n_features_in": self.n_features_in_, "n_sentences": self.n_sentences_,
                 "content_rows": self.content_rows_.tolist(), "report": self.report_,
                 "include_texts": bool(include_texts and self.has_texts_),
                 "sentences": {c: self.sentences_[c].tolist() if include_texts or c not in _TEXTS else None
                               for c in _KEEP},
                 "themes": [{**t, "quotes": t["quotes"] if include_texts else []} for t in self.themes_]}
        (folder / "discovery.json").write_text(json.dumps(state, ensure_ascii=False, default=_plain), encoding="utf-8")
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> ThemeDiscovery:
        """Read a folder written by :meth:`save`; never unpickles, refuses unexpected files."""
        folder = Path(folder)
        meta = folder / "discovery.json"
        if not meta.is_file():
            raise DiscoveryModelError(f"'{folder}' is not a saved discovery model: discovery.json is missing. "
                                      "Pass the folder ThemeDiscovery.save (or nps-text discover) wrote.")
        expected = {"discovery.json", *(f"{a}.npy" for a in _ARRAYS)}
        unexpected = unexpected_files(folder, expected)
        if unexpected:
            raise DiscoveryModelError(f"'{folder}' holds unexpected files {unexpected}; a discovery model has only "
                                      f"{sorted(expected)} (files that operating systems add, such as .DS_Store, "
                                      "are ignored). Remove them (nothing else is ever loaded).")
        state = read_json(meta, what="discovery model file", error=DiscoveryModelError,
                          fix="Save the model again with ThemeDiscovery.save().", max_bytes=2**30)
        if not isinstance(state, dict):
            raise DiscoveryModelError(f"'{meta}' does not hold a discovery model; save the model again.")
        if state.get("format") != _FORMAT:
            raise DiscoveryModelError(f"'{meta}' has format {state.get('format')!r}; expected {_FORMAT!r}.")
        try:
            arrays = {a: np.load(folder / f"{a}.npy", allow_pickle=False) for a in _ARRAYS}
        except (OSError, ValueError) as exc:
            raise DiscoveryModelError(f"'{folder}': cannot read the model arrays ({exc}). Save the model again.") from None
        model = cls(**state["params"])
        model.centroids_, model.pca_mean_, model.components_ = arrays["centroids"], arrays["pca_mean"], arrays["components"]
        model.language_means_ = dict(zip(state["language_keys"], arrays["language_means"]))
        model.vectors_, model.labels_, model.similarity_ = arrays["vectors"], arrays["labels"], arrays["similarity"]
        model.centred_, model.theme_ids_ = state["centred"], [int(i) for i in state["theme_ids"]]
        model.dropped_ = {int(i) for i in state["dropped"]}
        model.names_ = {int(k): v for k, v in state["names"].items()}
        model.min_size_, model.n_features_in_ = state["min_size"], state["n_features_in"]
        model.n_sentences_, model.report_ = state["n_sentences"], state["report"]
        model.content_rows_ = np.asarray(state["content_rows"], dtype=np.int64)
        sentences = state["sentences"]
        model.has_texts_ = bool(state.get("include_texts", True))  # folders from 0.1 always held them
        model.sentences_ = pd.DataFrame({c: sentences[c] if sentences[c] is not None else [None] * model.n_sentences_
                                         for c in _KEEP}).astype(
            {"response_id": "string", "sentence_id": "int64", "text": "string", "lang": "string", "lemmas": "string"})
        model.themes_ = state.get("themes", [])
        model._describe()
        return model


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if value is pd.NA:
        return None
    raise TypeError(f"cannot serialise {type(value).__name__}")
