"""The numeric half of theme discovery: language centring, reduction, clustering, assignment.

Pure functions on arrays, so that :class:`~nps_text.discover.ThemeDiscovery` only keeps state
and each step can be measured on its own (``benchmarks/discovery.py``).
"""

from __future__ import annotations

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage

__all__ = ["language_means", "apply_language_means", "fit_reduction", "reduce", "ward_tree",
           "cut_tree", "largest_cut", "centroids_of", "nearest", "hdbscan_labels"]

_GLOBAL = "*"  # key of the overall mean among the language means


def _l2(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.where(norms == 0, 1.0, norms)).astype(np.float32)


def language_means(vectors: np.ndarray, langs: np.ndarray, min_count: int) -> dict[str, np.ndarray]:
    """Mean vector per language with at least ``min_count`` rows (``"und"`` excluded), plus the overall mean.

    The same means as :func:`nps_text.embed.center_by_language` computes, kept so that new
    comments are centred exactly like the fitted ones.
    """
    means = {_GLOBAL: vectors.mean(axis=0)}
    for lang in sorted(set(langs.tolist())):
        rows = langs == lang
        if lang != "und" and rows.sum() >= min_count:
            means[lang] = vectors[rows].mean(axis=0)
    return means


def apply_language_means(vectors: np.ndarray, langs: np.ndarray, means: dict[str, np.ndarray]) -> np.ndarray:
    """Subtract each row's language mean (the overall mean for other languages), then L2-normalise."""
    out = vectors - means[_GLOBAL]
    for lang, mean in means.items():
        if lang != _GLOBAL:
            rows = langs == lang
            out[rows] = vectors[rows] - mean
    return _l2(out)


def fit_reduction(vectors: np.ndarray, n_components: int | None) -> tuple[np.ndarray, np.ndarray]:
    """PCA by an exact SVD (deterministic): returns ``(mean, components)``; components are rows.

    ``n_components=None`` keeps every dimension (centring only; the components are the identity).

    The sign of each component is fixed (largest absolute loading positive), so the same input
    gives the same numbers on every machine and every run.
    """
    mean = vectors.mean(axis=0)
    if n_components is None:
        return mean.astype(np.float32), np.eye(vectors.shape[1], dtype=np.float32)
    centred = (vectors - mean).astype(np.float64)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    k = max(1, min(n_components, vt.shape[0]))
    components = vt[:k]
    signs = np.sign(components[np.arange(k), np.abs(components).argmax(axis=1)])
    return mean.astype(np.float32), (components * signs[:, None]).astype(np.float32)


def reduce(vectors: np.ndarray, mean: np.ndarray, components: np.ndarray) -> np.ndarray:
    """Project on the components and L2-normalise: cosine geometry in the reduced space."""
    return _l2((vectors - mean) @ components.T)


def ward_tree(vectors: np.ndarray) -> np.ndarray:
    """Ward linkage matrix (scipy): deterministic, no seed; O(n²) memory, so callers cap n."""
    return linkage(vectors.astype(np.float64), method="ward")


def cut_tree(tree: np.ndarray, k: int) -> np.ndarray:
    """Labels 0..k-1 of the tree cut into ``k`` clusters."""
    return fcluster(tree, t=k, criterion="maxclust").astype(np.int64) - 1


def centroids_of(vectors: np.ndarray, labels: np.ndarray, ids: list[int]) -> np.ndarray:
    """Normalised mean vector of each id's members, in the order of ``ids``."""
    return _l2(np.vstack([vectors[labels == i].mean(axis=0) for i in ids])) if ids else \
        np.zeros((0, vectors.shape[1]), dtype=np.float32)


def nearest(vectors: np.ndarray, centroids: np.ndarray, *, batch: int = 20_000) -> tuple[np.ndarray, np.ndarray]:
    """Index of and cosine similarity to the nearest centroid, computed in batches (bounded memory)."""
    best = np.empty(len(vectors), dtype=np.int64)
    sim = np.empty(len(vectors), dtype=np.float32)
    for start in range(0, len(vectors), batch):
        s = vectors[start:start + batch] @ centroids.T
        best[start:start + batch] = s.argmax(axis=1)
        sim[start:start + batch] = s[np.arange(len(s)), best[start:start + batch]]
    return best, sim


def largest_cut(tree: np.ndarray, *, min_size: int, max_themes: int) -> int:
    """The largest number of clusters, at most ``max_themes``, whose clusters all have ``min_size`` members.

    The alternative, the best silhouette, picks 2 clusters on SemEval-14 e5 vectors (too coarse
    to name; ``benchmarks/discovery_choices.py``).
    """
    n = len(tree) + 1
    best = 1
    for k in range(2, min(max_themes, n) + 1):
        if np.bincount(cut_tree(tree, k)).min() >= min_size:
            best = k
    return best


def hdbscan_labels(vectors: np.ndarray, *, min_size: int) -> np.ndarray:
    """scikit-learn's HDBSCAN on the reduced vectors (label -1: noise)."""
    from sklearn.cluster import HDBSCAN

    return HDBSCAN(min_cluster_size=min_size, min_samples=None, copy=True).fit_predict(vectors)
