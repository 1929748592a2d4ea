"""Figures of discovered themes: a 2-D map of the clause embeddings and the Ward tree of the themes.

Both take the result of :func:`nps_text.discover.discover_themes` (or its fitted
:class:`~nps_text.discover.ThemeDiscovery`), or any embeddings with one theme label per row. The model
is recognised by what it holds (``vectors_``, ``labels_``, ``content_rows_``, ``themes_``), so that
drawing never imports the discovery stack (spaCy) itself.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..errors import ParameterError
from ._style import (
    INK,
    add_note,
    check_lang,
    check_positive_int,
    count,
    label,
    legend_above,
    localise,
    new_figure,
    place_labels,
    set_title,
    short,
    style_axes,
    theme_style,
)

__all__ = ["theme_map", "theme_dendrogram"]

_METHODS = ("pca", "svd")
_UNASSIGNED_COLOUR = "#CFCFCF"


@dataclass
class _Themes:
    """Clause vectors, each clause's theme index (-1: none), and per theme its name."""

    vectors: np.ndarray
    codes: np.ndarray
    names: list[str]


def _from_model(model: Any, names: Mapping[Any, str] | None) -> _Themes:
    if not hasattr(model, "vectors_"):
        raise ParameterError("The ThemeDiscovery is not fitted: it has no clause vectors to draw. Call "
                             "fit(sentences, embeddings) first, or pass the result of discover_themes().")
    labels = np.asarray(model.labels_)[np.asarray(model.content_rows_)]
    ids = [int(t["theme"]) for t in model.themes_]
    names = dict(names or {})
    lookup = {theme_id: k for k, theme_id in enumerate(ids)}
    codes = np.array([lookup.get(int(v), -1) for v in labels], dtype=np.int64)
    return _Themes(np.asarray(model.vectors_, dtype=np.float32), codes,  # no float64 copy of a large model
                   [str(names.get(t["theme"], t["name"])) for t in model.themes_])


def _from_arrays(embeddings: Any, labels: Any, names: Mapping[Any, str] | None, func: str) -> _Themes:
    vectors = np.asarray(embeddings, dtype=np.float64)
    if vectors.ndim != 2 or len(vectors) < 2:
        raise ParameterError(f"{func}() needs a discovery result, a fitted ThemeDiscovery, or a 2-D array of "
                             f"embeddings with labels=; got an array of shape {vectors.shape}.")
    if labels is None:
        raise ParameterError(f"{func}(): with embeddings, pass labels= (one theme label per row; None, NaN or a "
                             "negative number for a clause in no theme), or pass the result of discover_themes().")
    labels = pd.Series(np.asarray(labels, dtype=object))
    if len(labels) != len(vectors):
        raise ParameterError(f"{func}(): labels has {len(labels)} values but the embeddings have {len(vectors)} rows; "
                             "pass one label per row.")
    none = labels.isna() | labels.map(lambda v: isinstance(v, (int, float, np.number)) and v < 0)
    sizes = labels[~none].value_counts(sort=False)
    ids = sorted(sizes.index, key=lambda v: (-sizes[v], str(v)))  # largest first, as discovery numbers them
    lookup = {v: k for k, v in enumerate(ids)}
    codes = np.array([-1 if skip else lookup[v] for v, skip in zip(labels, none)], dtype=np.int64)
    names = dict(names or {})
    return _Themes(vectors, codes, [str(names.get(v, v)) for v in ids])


def _themes(source: Any, labels: Any, names: Mapping[Any, str] | None, func: str) -> _Themes:
    if names is not None and not isinstance(names, Mapping):
        raise ParameterError(f"{func}(): names must be a mapping of theme label to name, got {type(names).__name__}.")
    model = getattr(source, "model", source)  # a DiscoveryResult holds the fitted model
    if hasattr(model, "themes_") or (hasattr(model, "fit") and hasattr(model, "min_similarity")):
        if labels is not None:
            raise ParameterError(f"{func}(): labels= is only for plain embeddings; a discovery model carries its own.")
        themes = _from_model(model, names)
    else:
        themes = _from_arrays(source, labels, names, func)
    if not len(themes.names):
        raise ParameterError(f"{func}(): no clause belongs to a theme, so there is nothing to draw.")
    return themes


def _project(vectors: np.ndarray, method: str, seed: int) -> np.ndarray:
    if vectors.shape[1] < 2:
        raise ParameterError(f"theme_map() needs embeddings of at least 2 dimensions, got {vectors.shape[1]}.")
    from sklearn.decomposition import PCA, TruncatedSVD

    if method == "pca":
        return PCA(n_components=2, svd_solver="full").fit_transform(vectors)
    return TruncatedSVD(n_components=2, random_state=seed).fit_transform(vectors)


def theme_map(source: Any, labels: Any = None, *, names: Mapping[Any, str] | None = None, method: str = "pca",
              max_points: int = 5000, seed: int = 0, lang: str = "en") -> Figure:
    """A 2-D map of the clause embeddings, coloured by theme, each theme's name at its centre.

    Parameters
    ----------
    source : DiscoveryResult, ThemeDiscovery or array
        The result of :func:`nps_text.discover.discover_themes`, a fitted
        :class:`~nps_text.discover.ThemeDiscovery` (its clause vectors in the space it clustered in,
        filler left out), or embeddings with one row per clause.
    labels : array, optional
        With embeddings: the theme of each row (None, NaN or a negative number: no theme).
    names : mapping, optional
        Theme id (or label) → name to show; default the model's theme names, or the labels.
    method : {"pca", "svd"}, default "pca"
        The projection to two dimensions: scikit-learn's PCA (exact, deterministic) or TruncatedSVD
        (no centring; seeded). A linear map keeps distances honest, but themes that are apart in
        hundreds of dimensions can overlap in two.
    max_points : int, default 5000
        At most this many clauses are drawn (a seeded sample; the note says how many); the projection
        and the name positions use all of them.
    seed : int, default 0
        Seeds the sample and TruncatedSVD.
    lang : {"en", "de"}, default "en"
        Language of every label.

    Returns
    -------
    matplotlib.figure.Figure
        Clauses in no theme are light grey.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> vectors = np.vstack([rng.normal(0, 0.1, (20, 8)) + np.eye(8)[k] for k in range(3)])
    >>> fig = theme_map(vectors, ["price"] * 20 + ["delivery"] * 20 + ["service"] * 20)
    >>> sorted(t.get_text() for t in fig.axes[0].texts)
    ['delivery', 'price', 'service']
    """
    lang = check_lang(lang)
    if method not in _METHODS:
        raise ParameterError(f"theme_map(): method must be one of {list(_METHODS)}, got {method!r}. "
                             "Pass method='pca' (default) or method='svd'.")
    max_points = check_positive_int("max_points", max_points, func="theme_map")
    themes = _themes(source, labels, names, "theme_map")
    xy = _project(themes.vectors, method, seed)
    drawn = np.arange(len(xy))
    if len(xy) > max_points:
        drawn = np.sort(np.random.default_rng(seed).choice(len(xy), size=max_points, replace=False))
    fig = new_figure(9, 7.5)
    ax = fig.add_subplot()
    style_axes(ax, grid="")
    point_size = 14 if len(drawn) < 1000 else 6
    none = drawn[themes.codes[drawn] < 0]
    ax.scatter(xy[none, 0], xy[none, 1], s=point_size, color=_UNASSIGNED_COLOUR, linewidth=0, zorder=1)
    centres = np.full((len(themes.names), 2), np.nan)
    for k in range(len(themes.names)):
        rows = drawn[themes.codes[drawn] == k]
        colour, marker = theme_style(k)
        ax.scatter(xy[rows, 0], xy[rows, 1], s=point_size, color=colour, marker=marker, alpha=0.55, linewidth=0,
                   zorder=2)
        members = themes.codes == k
        if members.any():
            centres[k] = xy[members].mean(axis=0)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel(label("component", lang, i=1))
    ax.set_ylabel(label("component", lang, i=2))
    set_title(fig, label("map_title", lang, method=method.upper()))
    ax.scatter(centres[:, 0], centres[:, 1], s=22, color=INK, edgecolor="white", linewidth=0.8, zorder=5)
    place_labels(ax, centres[:, 0], centres[:, 1], [short(n, 30, lines=1) for n in themes.names], fontsize=8,
                 box=True, radii=np.full(len(centres), 3.0))
    if (themes.codes < 0).any():
        legend_above(ax, [Line2D([], [], color=_UNASSIGNED_COLOUR, marker="o", linestyle="",
                                 label=label("unassigned", lang))], ncol=1)
    add_note(fig, label("map_note", lang, shown=count(len(drawn), lang), total=count(len(xy), lang)))
    return fig


# ----------------------------------------------------------------------------- dendrogram
def _merge_cost(a: tuple[np.ndarray, float], b: tuple[np.ndarray, float]) -> float:
    """Ward's increase in the within-theme sum of squares when two groups (mean, size) merge."""
    (mean_a, n_a), (mean_b, n_b) = a, b
    return n_a * n_b / (n_a + n_b) * float(np.sum((mean_a - mean_b) ** 2))


def _ward_linkage(means: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Ward's linkage of groups given their mean vectors and sizes, as a scipy linkage matrix.

    Each step merges the two groups whose merge raises the within-group sum of squares least
    (``Δ = n_a n_b / (n_a + n_b) · ||m_a − m_b||²``), which is what Ward's method on the clauses would do
    from this partition on; the height is ``sqrt(2 Δ)``, scipy's scale for Ward (the plain distance for
    two single points). Column 3 counts the groups merged. Deterministic: ties go to the lowest ids.

    Examples
    --------
    >>> _ward_linkage(np.array([[0.0], [1.0], [10.0]]), np.array([1, 1, 1])).round(3).tolist()
    [[0.0, 1.0, 1.0, 2.0], [2.0, 3.0, 10.97, 3.0]]
    """
    groups = {i: (np.asarray(m, dtype=np.float64), float(n)) for i, (m, n) in enumerate(zip(means, sizes))}
    leaves = {i: 1 for i in groups}
    rows, next_id = [], len(groups)
    while len(groups) > 1:
        keys = sorted(groups)
        pairs = [(a, b) for i, a in enumerate(keys) for b in keys[i + 1:]]
        a, b = min(pairs, key=lambda ab: _merge_cost(groups[ab[0]], groups[ab[1]]))
        cost = _merge_cost(groups[a], groups[b])
        (mean_a, n_a), (mean_b, n_b) = groups.pop(a), groups.pop(b)
        leaves[next_id] = leaves.pop(a) + leaves.pop(b)
        rows.append([a, b, math.sqrt(2 * cost), leaves[next_id]])
        groups[next_id] = ((n_a * mean_a + n_b * mean_b) / (n_a + n_b), n_a + n_b)
        next_id += 1
    return np.array(rows, dtype=np.float64).reshape(-1, 4)


def theme_dendrogram(source: Any, labels: Any = None, *, names: Mapping[Any, str] | None = None,
                     lang: str = "en") -> Figure:
    """The Ward tree of the themes: which themes lie close together and could be merged.

    The discovery model keeps no tree of its themes (it cuts the clause tree and keeps the
    centroids), so the tree is built here: Ward's linkage over the themes, each a group with the mean
    of its clauses' vectors and its number of clauses (Ward's merge cost with each theme's size), drawn with
    :func:`scipy.cluster.hierarchy.dendrogram` on the figure's own axes.

    Parameters
    ----------
    source, labels, names
        As in :func:`theme_map`. At least two themes are needed.
    lang : {"en", "de"}, default "en"
        Language of every label.

    Returns
    -------
    matplotlib.figure.Figure
        Leaves are the themes with their number of clauses; the horizontal axis is the Ward distance.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> vectors = np.vstack([rng.normal(0, 0.1, (20, 8)) + np.eye(8)[k] for k in range(3)])
    >>> fig = theme_dendrogram(vectors, ["price"] * 20 + ["delivery"] * 20 + ["service"] * 20)
    >>> len(fig.axes[0].get_yticklabels())
    3
    """
    from scipy.cluster.hierarchy import dendrogram

    lang = check_lang(lang)
    themes = _themes(source, labels, names, "theme_dendrogram")
    present = [k for k in range(len(themes.names)) if (themes.codes == k).any()]
    if len(present) < 2:
        raise ParameterError(f"theme_dendrogram() needs at least two themes with clauses, got {len(present)}.")
    means = np.vstack([themes.vectors[themes.codes == k].mean(axis=0) for k in present])
    sizes = np.array([(themes.codes == k).sum() for k in present])
    fig = new_figure(9, 1.6 + 0.34 * len(present))
    ax = fig.add_subplot()
    style_axes(ax, grid="x")
    leaves = [f"{short(themes.names[k], 40, lines=1)} (n = {count(int(n), lang)})" for k, n in zip(present, sizes)]
    dendrogram(_ward_linkage(means, sizes), ax=ax, orientation="left", labels=leaves, color_threshold=0,
               above_threshold_color=INK, leaf_font_size=8.5)
    ax.spines["left"].set_visible(False)
    ax.set_xlabel(label("ward_distance", lang))
    localise(ax.xaxis, lang)
    set_title(fig, label("dendrogram_title", lang))
    return fig
