"""Emerging themes: clusters of a new period's clauses that are far from every theme a model knows."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import ColumnError, ParameterError
from . import _cluster as C
from ._describe import KEYWORD_LANGS, class_tfidf_keywords, readable_name, representative_quotes

if TYPE_CHECKING:  # the model calls this module: an import at run time would be a cycle
    from ._model import ThemeDiscovery

__all__ = ["novelty", "NOVELTY_COLUMNS"]

NOVELTY_COLUMNS = ["cluster", "name", "size", "n_responses", "share_new", "share_like_now", "share_like_before",
                   "keywords_de", "keywords_en", "quotes", "first_seen", "last_seen", "nearest_theme",
                   "similarity_to_nearest"]
_BATCH = 50_000


def _dates(sentences: pd.DataFrame, responses: pd.DataFrame | None, date: str) -> pd.Series:
    if responses is None:
        return pd.Series(pd.NaT, index=sentences.index)
    for column in ("response_id", date):
        if column not in responses:
            raise ColumnError(f"responses lacks a {column!r} column (it has {list(responses.columns)}); pass the "
                              f"responses load_survey returned, or date='<your date column>'.")
    by_id = pd.Series(pd.to_datetime(responses[date], errors="coerce").to_numpy(),
                      index=responses["response_id"].astype(str)).groupby(level=0).min()
    return sentences["response_id"].astype(str).map(by_id)


def _share_like(vectors: np.ndarray, centre: np.ndarray, cut: float) -> float:
    """Share of ``vectors`` at least ``cut`` similar to ``centre`` (in batches: fitted vectors may be float16)."""
    if not len(vectors):
        return 0.0
    hits = sum(int(((vectors[i:i + _BATCH].astype(np.float32) @ centre) >= cut).sum())
               for i in range(0, len(vectors), _BATCH))
    return hits / len(vectors)


def novelty(model: ThemeDiscovery, sentences: pd.DataFrame, embeddings: np.ndarray, *,
            responses: pd.DataFrame | None = None, date: str = "date", threshold: float | None = None,
            min_size: int | None = None, max_clusters: int = 10, min_ratio: float = 2.0) -> pd.DataFrame:
    """Emerging themes: clusters of new clauses far from every theme of a fitted model.

    A clause is *new* when its cosine similarity to the nearest (sub-)theme is below
    ``threshold`` — by default the 5th percentile of the fitted clauses' similarity to their
    own theme, so that about 1 in 20 clauses of a known theme would count as new. The new
    clauses are clustered as the model clusters (Ward; each cluster at least ``min_size``
    clauses, default ``max(5, 1 %)`` of the new clauses; at most ``max_clusters``); smaller
    groups are left out, and so are groups whose centre is itself within ``threshold`` of a known
    theme (the outliers of a known theme, not a new one). Last, a group must be more common now
    than in the fitted period: the clauses *like it* — at least as similar to its centre as the
    median of its own members — are counted among all of the period's clauses and among the
    fitted ones, and the share now must be at least ``min_ratio`` times the share before. Every
    fit has clauses far from its themes (the 5 % below the threshold); without this test they
    would come back as "emerging" from the fitted clauses themselves.

    Parameters
    ----------
    model : ThemeDiscovery
        Fitted on an earlier period.
    sentences, embeddings
        The new period's clauses (``prepare_text``) and their vectors (same embedder as the model).
    responses : DataFrame, optional
        With ``response_id`` and ``date``: gives each cluster its first and last date.

    Returns
    -------
    DataFrame
        One row per emerging theme, largest first: ``cluster``, ``name``, ``size`` (clauses),
        ``n_responses``, ``share_new`` (of all new clauses with content), ``share_like_now`` and
        ``share_like_before`` (the clauses like it, of the period's and of the fitted clauses with
        content), keywords per language, ``quotes``, ``first_seen``, ``last_seen``, the
        ``nearest_theme`` and the similarity to it. ``attrs``: ``threshold``, ``n_clauses``,
        ``n_new``, ``min_ratio``.
    """
    labels, similarity = model.predict_with_similarity(sentences, embeddings)
    if threshold is None:
        fitted = model.similarity_[model.labels_ >= 0]
        threshold = float(np.nanpercentile(fitted, 5)) if len(fitted) else model.min_similarity
    if not -1 <= threshold <= 1:
        raise ParameterError(f"threshold is a cosine similarity between -1 and 1, got {threshold!r}.")
    content = labels != -2
    new = np.flatnonzero(content & (np.nan_to_num(similarity, nan=1.0) < threshold))
    out = pd.DataFrame(columns=NOVELTY_COLUMNS)
    if not min_ratio > 0:
        raise ParameterError(f"min_ratio is how many times more common a theme must be now than before, a "
                             f"positive number; got {min_ratio!r}.")
    out.attrs.update({"threshold": threshold, "n_clauses": int(content.sum()), "n_new": len(new),
                      "min_ratio": min_ratio})
    size = min_size or max(5, math.ceil(0.01 * len(new)))
    if len(new) < max(2 * size, 4):
        return out
    reduced, _ = model._reduce_new(sentences.iloc[new], np.asarray(embeddings)[new])
    tree, leaf, weights = C.build_tree(reduced, max_fit=model.max_fit, n_micro=model.n_micro)
    raw = C.cut_tree(tree, C.largest_cut(tree, min_size=size, max_themes=max_clusters, weights=weights))[leaf]
    kept = sorted((int(i) for i in np.unique(raw) if (raw == i).sum() >= size), key=lambda i: -(raw == i).sum())
    if not kept:
        return out
    centroids = C.centroids_of(reduced, raw, kept)
    labels_new = np.array([kept.index(int(i)) if i in kept else -1 for i in raw])
    sim_own = (reduced * centroids[np.maximum(labels_new, 0)]).sum(axis=1)
    nearest, near_sim = C.nearest(centroids, model.centroids_)
    novel = near_sim < threshold  # a group of a known theme's outliers is not a new theme
    if novel.any():  # and one as common among the fitted clauses is the fit's own outliers, not a new theme
        everything, _ = model._reduce_new(sentences.iloc[np.flatnonzero(content)], np.asarray(embeddings)[content])
        cuts = [float(np.median(sim_own[labels_new == i])) - 1e-5 for i in range(len(kept))]  # a copy's own rounding
        like_now = np.array([_share_like(everything, centroids[i], cuts[i]) if novel[i] else 0.0
                             for i in range(len(kept))])
        like_before = np.array([_share_like(model.vectors_, centroids[i], cuts[i]) if novel[i] else 0.0
                                for i in range(len(kept))])
        novel &= like_now >= min_ratio * like_before
    if not novel.any():
        return out
    keep_ids = [i for i in range(len(kept)) if novel[i]]
    labels_new = np.array([keep_ids.index(i) if i in keep_ids else -1 for i in labels_new])
    centroids, nearest, near_sim = centroids[novel], nearest[novel], near_sim[novel]
    like_now, like_before = like_now[novel], like_before[novel]
    sim_own = np.where(labels_new >= 0, sim_own, -9.0)
    part = sentences.iloc[new].reset_index(drop=True)
    ids = list(range(len(keep_ids)))
    keywords = {lang: class_tfidf_keywords(part["lemmas"].where(part["lang"] == lang), labels_new, ids,
                                           top=model.n_keywords) for lang in KEYWORD_LANGS}
    quotes = representative_quotes(part["text"], sim_own, labels_new, ids, n=model.n_quotes)
    dates = _dates(part, responses, date)
    keys = {t["theme"]: t["key"] for t in model.themes_}
    rows = []
    for i in ids:
        members = labels_new == i
        words = {lang: keywords[lang][i] for lang in KEYWORD_LANGS}
        rows.append({"cluster": i, "name": readable_name(words, i), "size": int(members.sum()),
                     "n_responses": int(part.loc[members, "response_id"].nunique()),
                     "share_new": float(members.sum() / max(1, content.sum())),
                     "share_like_now": float(like_now[i]), "share_like_before": float(like_before[i]),
                     "keywords_de": ", ".join(words["de"]), "keywords_en": ", ".join(words["en"]),
                     "quotes": " | ".join(quotes[i]), "first_seen": dates[members].min(),
                     "last_seen": dates[members].max(),
                     "nearest_theme": keys.get(int(model.theme_ids_[nearest[i]])),
                     "similarity_to_nearest": float(near_sim[i])})
    table = pd.DataFrame(rows, columns=NOVELTY_COLUMNS)
    table.attrs.update(out.attrs)
    return table
