"""The numeric half of theme discovery: language centring, reduction, clustering, assignment.

Pure functions on arrays, so that :class:`~nps_text.discover.ThemeDiscovery` only keeps state
and each step can be measured on its own (``benchmarks/discovery.py``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage

__all__ = ["language_means", "apply_language_means", "fit_reduction", "reduce", "ward_tree", "weighted_ward",
           "systematic", "micro_seeds", "micro_clusters", "build_tree", "cut_tree", "largest_cut", "top_cut",
           "centroids_of", "nearest", "hdbscan_labels", "tone_direction", "remove_direction", "group_means",
           "subtract_group_means"]

_GLOBAL = "*"  # key of the overall mean among the language means
_BATCH = 20_000  # rows read at a time by the functions that pass over all rows (bounded temporaries)


def _l2(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.where(norms == 0, 1.0, norms)).astype(np.float32)


def _l2_inplace(x: np.ndarray, batch: int = 50_000) -> np.ndarray:
    """Normalise the rows of a float32 array in place, in batches (no full-size temporary)."""
    for start in range(0, len(x), batch):
        part = x[start:start + batch]
        norms = np.linalg.norm(part, axis=1, keepdims=True)
        part /= np.where(norms == 0, 1.0, norms)
    return x


def language_means(vectors: np.ndarray, langs: np.ndarray, min_count: int, *,
                   rows: np.ndarray | None = None, transform: Any = None) -> dict[str, np.ndarray]:
    """Mean vector per language with at least ``min_count`` rows (``"und"`` excluded), plus the overall mean.

    The same means as :func:`nps_text.embed.center_by_language` computes, kept so that new
    comments are centred exactly like the fitted ones. ``rows``: the rows averaged (default all),
    read in batches and summed in float64, so no copy of the selection is made. ``transform``: a
    function of a batch of row indices that returns those rows as they are to be averaged
    (default: the rows of ``vectors`` as they are).
    """
    rows = np.arange(len(vectors)) if rows is None else np.asarray(rows)
    row_langs = langs[rows]
    keys = sorted(set(row_langs.tolist()))
    sums = {lang: np.zeros(vectors.shape[1]) for lang in keys}
    for start in range(0, len(rows), _BATCH):
        batch = rows[start:start + _BATCH]
        part, part_langs = vectors[batch] if transform is None else transform(batch), row_langs[start:start + _BATCH]
        for lang in keys:
            sums[lang] += part[part_langs == lang].sum(axis=0, dtype=np.float64)
    counts = {lang: int((row_langs == lang).sum()) for lang in keys}
    means = {_GLOBAL: (sum(sums.values(), np.zeros(vectors.shape[1])) / max(1, len(rows))).astype(np.float32)}
    for lang in keys:
        if lang != "und" and counts[lang] >= min_count:
            means[lang] = (sums[lang] / counts[lang]).astype(np.float32)
    return means


def apply_language_means(vectors: np.ndarray, langs: np.ndarray, means: dict[str, np.ndarray]) -> np.ndarray:
    """Subtract each row's language mean (the overall mean for other languages), then L2-normalise.

    Returns a new float32 array (one copy of the input, whatever its size)."""
    out = np.array(vectors, dtype=np.float32, copy=True)
    known = np.zeros(len(out), dtype=bool)
    for lang, mean in means.items():
        if lang != _GLOBAL:
            rows = np.flatnonzero(langs == lang)
            out[rows] -= mean
            known[rows] = True
    out[~known] -= means[_GLOBAL]
    return _l2_inplace(out)


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


def reduce(vectors: np.ndarray, mean: np.ndarray, components: np.ndarray, *, inplace: bool = False) -> np.ndarray:
    """Project on the components and L2-normalise: cosine geometry in the reduced space.

    With identity components (no PCA) only the mean is removed; ``inplace`` then reuses ``vectors``.
    """
    if components.shape[0] == components.shape[1] and np.array_equal(components, np.eye(len(components))):
        out = vectors if inplace and vectors.dtype == np.float32 else np.array(vectors, dtype=np.float32)
        out -= mean
        return _l2_inplace(out)
    return _l2((vectors - mean) @ components.T)


def ward_tree(vectors: np.ndarray) -> np.ndarray:
    """Ward linkage matrix (scipy): deterministic, no seed; O(n²) memory, so callers cap n."""
    return linkage(vectors.astype(np.float64), method="ward")


def weighted_ward(centroids: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Ward linkage of weighted points (scipy's linkage format): the tree of many small clusters.

    Each point stands for ``weight`` clauses at its centroid; merging clusters i and j costs
    ``w_i w_j / (w_i + w_j) * |c_i - c_j|^2``, the increase in within-cluster variance, and the
    Lance-Williams update keeps that exact after every merge. With unit weights this is the
    same tree as ``scipy.cluster.hierarchy.linkage(x, "ward")`` (a test checks it). O(m^2) memory
    and about O(m^3) time for m points: meant for up to a few thousand centroids.
    """
    c = np.asarray(centroids, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    m = len(c)
    sq = (c * c).sum(axis=1)
    cost = w[:, None] * w[None, :] / (w[:, None] + w[None, :]) * np.maximum(sq[:, None] + sq[None, :] - 2 * c @ c.T, 0)
    np.fill_diagonal(cost, np.inf)
    size, ids, leaves = w.copy(), np.arange(m), np.ones(m)
    tree = np.zeros((max(m - 1, 0), 4))
    for step in range(m - 1):
        i, j = sorted(divmod(int(np.argmin(cost)), m))
        merged = cost[i, j]
        new = ((size + size[i]) * cost[i] + (size + size[j]) * cost[j] - size * merged) / (size + size[i] + size[j])
        tree[step] = [ids[i], ids[j], np.sqrt(2 * merged), leaves[i] + leaves[j]]
        size[i], leaves[i], ids[i] = size[i] + size[j], leaves[i] + leaves[j], m + step
        cost[i], cost[:, i] = new, new
        cost[i, i] = np.inf
        cost[j], cost[:, j] = np.inf, np.inf
    return tree


def build_tree(vectors: np.ndarray, *, max_fit: int, n_micro: int, seeds: np.ndarray | None = None
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """``(tree, leaf of each row, leaf weights)``: the exact Ward tree up to ``max_fit`` rows (leaves are
    the rows, weights None), beyond that the weighted Ward tree of ``n_micro`` micro-clusters.

    ``seeds``: the micro-clusters' starting centres when the caller made them already (see
    :func:`micro_seeds`); by default from a systematic sample of ``max_fit`` rows of ``vectors``.
    """
    if len(vectors) <= max_fit:
        return ward_tree(vectors), np.arange(len(vectors)), None
    if seeds is None:
        seeds = micro_seeds(vectors[systematic(len(vectors), max_fit)], n_micro)
    centroids, leaf = micro_clusters(vectors, seeds)
    weights = np.bincount(leaf, minlength=len(centroids)).astype(np.float64)
    return weighted_ward(centroids, weights), leaf, weights


def systematic(n: int, size: int) -> np.ndarray:
    """All of ``range(n)``, or every (n/size)-th of it: a sample that needs no seed."""
    return np.arange(n) if n <= size else np.unique(np.linspace(0, n - 1, size).astype(np.int64))


def micro_seeds(sample: np.ndarray, k: int) -> np.ndarray:
    """Centres of ``k`` micro-clusters: the exact Ward tree of ``sample`` cut into ``k`` clusters, their centroids.

    ``sample`` is a systematic sample (:func:`systematic`) of the rows to cluster: deterministic,
    no seed. The tree needs memory quadratic in the sample (about 0.8 GB for 10,000 rows), so
    a caller short of memory makes the seeds before it holds all rows.
    """
    parts = cut_tree(ward_tree(sample), min(k, len(sample)))
    return centroids_of(sample, parts, list(range(int(parts.max()) + 1)))


def micro_clusters(vectors: np.ndarray, seeds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(centroids, labels)`` of small clusters grown from ``seeds``: the leaves of a tree over many rows.

    Every row goes to the nearest seed (:func:`micro_seeds`), and the centroids and weights are
    recomputed from all rows. So every clause counts, memory stays linear,
    :func:`weighted_ward` builds the upper tree on the centroids weighted by their sizes, and a
    different seed cannot change the themes (a seeded mini-batch k-means gave a top-level seed ARI
    of 0.40 at 100,000 clauses, ``benchmarks/discovery_scale.py``).
    """
    labels, _ = nearest(vectors, seeds)
    used = np.unique(labels)  # a centre no row is nearest to would be a leaf of weight 0
    return centroids_of(vectors, labels, used.tolist()), np.searchsorted(used, labels)


def tone_direction(vectors: np.ndarray, polarity: np.ndarray, *, min_count: int = 10) -> np.ndarray:
    """Unit vector from the mean of negative to the mean of positive clauses (zeros with too few of either).

    Projected out of the clustering space, so that "sehr zufrieden" and "total enttäuscht" do
    not form themes of their own: tone stays the mention's sentiment, themes are about something.
    """
    pos, neg = polarity > 0, polarity < 0
    if pos.sum() < min_count or neg.sum() < min_count:
        return np.zeros(vectors.shape[1], dtype=np.float32)
    direction = vectors[pos].mean(axis=0) - vectors[neg].mean(axis=0)
    norm = np.linalg.norm(direction)
    return (direction / norm if norm > 0 else direction).astype(np.float32)


def remove_direction(vectors: np.ndarray, direction: np.ndarray, *, inplace: bool = False,
                     batch: int = 50_000) -> np.ndarray:
    """Project ``direction`` out of every row and L2-normalise (a zero direction changes nothing)."""
    out = vectors if inplace and vectors.dtype == np.float32 else np.array(vectors, dtype=np.float32)
    if not np.any(direction):
        return out
    for start in range(0, len(out), batch):
        part = out[start:start + batch]
        part -= np.outer(part @ direction, direction)
    return _l2_inplace(out)


def group_means(vectors: np.ndarray, flags: np.ndarray, *, min_count: int = 10) -> np.ndarray:
    """Mean vector of the rows without (row 0) and with (row 1) a flag; zeros when either has too few rows.

    The negation offsets: clauses with "nie", "kein", "never" share a direction whatever they are
    about; removing each group's mean (:func:`subtract_group_means`) puts "the courier never came"
    beside "the courier was late" instead of beside "support never answers". Like the language
    means, but for a flag that every language has.
    """
    flags = np.asarray(flags, dtype=bool)
    out = np.zeros((2, vectors.shape[1]), dtype=np.float32)
    if flags.sum() >= min_count and (~flags).sum() >= min_count:
        out[0], out[1] = vectors[~flags].mean(axis=0), vectors[flags].mean(axis=0)
    return out


def subtract_group_means(vectors: np.ndarray, flags: np.ndarray, means: np.ndarray) -> np.ndarray:
    """Each row minus the mean of its group (:func:`group_means`), L2-normalised, in place (zeros change nothing)."""
    if not np.any(means):
        return vectors
    vectors -= means[np.asarray(flags, dtype=np.int64)]
    return _l2_inplace(vectors)


def cut_tree(tree: np.ndarray, k: int) -> np.ndarray:
    """Labels 0..k-1 of the tree cut into ``k`` clusters."""
    return fcluster(tree, t=k, criterion="maxclust").astype(np.int64) - 1


def centroids_of(vectors: np.ndarray, labels: np.ndarray, ids: list[int]) -> np.ndarray:
    """Normalised mean vector of each id's members, in the order of ``ids``.

    Sums are taken in at least float32 (``vectors`` may be float16) and, with many ids, batch by
    batch, so no full-size copy of ``vectors`` is made.
    """
    if len(ids) > 50:  # many ids (micro-clusters): one pass over the rows instead of one per id
        return _l2(_sums_by_label(vectors, labels, int(max(ids)) + 1)[ids])
    return _l2(np.vstack([vectors[labels == i].mean(axis=0, dtype=_wide(vectors)) for i in ids])) if ids else \
        np.zeros((0, vectors.shape[1]), dtype=np.float32)


def _sums_by_label(vectors: np.ndarray, labels: np.ndarray, n_labels: int) -> np.ndarray:
    """Float64 sum of the rows of each label ``0..n_labels-1`` (other labels ignored), batch by batch."""
    sums = np.zeros((n_labels, vectors.shape[1]), dtype=np.float64)
    for start in range(0, len(vectors), _BATCH):
        part = labels[start:start + _BATCH]
        rows = np.flatnonzero((part >= 0) & (part < n_labels))
        if not len(rows):
            continue
        order = rows[np.argsort(part[rows], kind="stable")]
        starts = np.flatnonzero(np.r_[True, np.diff(part[order]) != 0])
        sums[part[order[starts]]] += np.add.reduceat(vectors[start:start + _BATCH][order], starts, axis=0,
                                                     dtype=_wide(vectors))
    return sums


def _wide(x: np.ndarray) -> np.dtype:
    """The dtype to sum or multiply ``x`` in: its own, but at least float32 (float16 loses digits fast)."""
    return np.promote_types(x.dtype, np.float32)


def nearest(vectors: np.ndarray, centroids: np.ndarray, *, batch: int = _BATCH) -> tuple[np.ndarray, np.ndarray]:
    """Index of and cosine similarity to the nearest centroid, computed in batches (bounded memory).

    Float16 ``vectors`` (a large model's stored ones) are multiplied in float32, batch by batch.
    """
    best = np.empty(len(vectors), dtype=np.int64)
    sim = np.empty(len(vectors), dtype=np.float32)
    for start in range(0, len(vectors), batch):
        part = vectors[start:start + batch]
        s = part.astype(_wide(part), copy=False) @ centroids.T
        best[start:start + batch] = s.argmax(axis=1)
        sim[start:start + batch] = s[np.arange(len(s)), best[start:start + batch]]
    return best, sim


def largest_cut(tree: np.ndarray, *, min_size: int, max_themes: int, weights: np.ndarray | None = None) -> int:
    """The largest number of clusters, at most ``max_themes``, whose clusters all have ``min_size`` members.

    ``weights``: clauses per leaf (micro-cluster sizes). The alternative, the best silhouette,
    picks 2 clusters on SemEval-14 e5 vectors (too coarse to name; ``benchmarks/discovery_choices.py``).
    """
    n = len(tree) + 1
    best = 1
    for k in range(2, min(max_themes, n) + 1):
        if np.bincount(cut_tree(tree, k), weights=weights).min() >= min_size:
            best = k
    return best


def top_cut(tree: np.ndarray, *, low: int, high: int, weights: np.ndarray | None = None,
            max_share: float = 1.0) -> int:
    """The number of top-level themes within ``[low, high]`` where the tree has its largest relative gap.

    Merge heights grow as the cut gets coarser; the cut into k clusters is natural when joining
    two of them (height ``h_k``) costs much more than the merge before (``h_{k+1}``): the k with
    the largest ``h_k / h_{k+1}`` is chosen, among the cuts whose largest cluster holds at most
    ``max_share`` of the ``weights`` (a catch-all holding half of the comments is no topic; for
    small k, where even equal clusters hold more, 1.5 times the equal share); when no cut in the
    range qualifies, ``high``.
    """
    heights = tree[:, 2]
    n = len(heights) + 1
    high = min(high, n - 1)
    if high < max(low, 2):
        return max(1, min(low, n))
    weights = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    # the merge that takes k clusters to k-1 is heights[n - k]
    gaps = {k: heights[n - k] / max(heights[n - k - 1], 1e-12) for k in range(max(low, 2), high + 1)
            if np.bincount(cut_tree(tree, k), weights=weights).max() <= max(max_share, 1.5 / k) * weights.sum()}
    return max(gaps, key=lambda k: (gaps[k], -k)) if gaps else high


def hdbscan_labels(vectors: np.ndarray, *, min_size: int) -> np.ndarray:
    """scikit-learn's HDBSCAN on the reduced vectors (label -1: noise)."""
    from sklearn.cluster import HDBSCAN

    return HDBSCAN(min_cluster_size=min_size, min_samples=None, copy=True).fit_predict(vectors)
