"""Figures of the NPS itself: the score distribution, the trend over periods, the segments side by side."""

from __future__ import annotations

import logging
import reprlib
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..errors import ColumnError, ParameterError
from ..stats.scores import NO_DATE_LABEL, nps_from_counts, nps_group, nps_summary
from ._style import (
    DETRACTOR,
    GROUP_COLOURS,
    INK,
    LINE,
    PROMOTER,
    check_lang,
    check_share,
    check_table,
    count,
    has_text,
    label,
    legend_above,
    localise,
    new_figure,
    number,
    percent_formatter,
    segment_value,
    set_title,
    short,
    style_axes,
    truthy,
)

__all__ = ["score_distribution", "nps_trend", "segment_forest"]

logger = logging.getLogger(__name__)

_SCALE_LOW = {"0-10": 0, "1-10": 1}
_GROUP_RANGE = {"detractor": "{low}–6", "passive": "7–8", "promoter": "9–10"}
# the columns of nps_by's table that are statistics, not segment labels
_SEGMENT_STATS = {"n", "promoters", "passives", "detractors", "nps", "ci_low", "ci_high", "margin_of_error",
                  "warning", "diff_vs_rest", "p_value_vs_rest", "section"}


def _interval_text(result: Any, lang: str) -> str:
    pct = number(100 * result.level, lang, digits=0, signed=False)
    ci = f"{pct}\u202f%-{label('ci', lang)}" if lang == "de" else f"{pct}% {label('ci', lang)}"
    return (f"NPS {number(result.nps, lang)} ({ci} {number(result.ci_low, lang)} {label('to', lang)} "
            f"{number(result.ci_high, lang)}) · n = {count(result.n, lang)}")


def _score_values(scores: Any, score: str) -> pd.Series:
    if isinstance(scores, pd.DataFrame):
        if score not in scores.columns:
            raise ColumnError(f"score_distribution(): column {score!r} not found; available columns: "
                              f"{list(scores.columns)}. Pass score='<column of 0-10 answers>'.")
        return scores[score]
    if isinstance(scores, (str, bytes, dict)) or not hasattr(scores, "__len__"):
        raise ParameterError(f"score_distribution() needs scores (a Series, array or list of 0-10 answers) or the "
                             f"responses DataFrame, got {type(scores).__name__}.")
    return pd.Series(scores if isinstance(scores, np.ndarray) else list(scores))


def score_distribution(scores: Any, *, score: str = "score", scale: str = "0-10", level: float = 0.95,
                       lang: str = "en") -> Figure:
    """Bars of the share of each answer, coloured by NPS group, with the NPS and its interval in the title.

    Parameters
    ----------
    scores : Series, array, list or DataFrame
        The answers to the recommendation question, or the responses table (then its ``score``
        column). Missing answers are left out, as in :func:`nps_text.stats.nps_summary`.
    score : str, default "score"
        The score column when ``scores`` is a DataFrame.
    scale : {"0-10", "1-10"}, default "0-10"
        The answer scale; the groups have the same thresholds (see :func:`nps_text.stats.nps_group`).
    level : float, default 0.95
        Confidence level of the interval in the title (adjusted Wald, :func:`nps_text.stats.nps_summary`).
    lang : {"en", "de"}, default "en"
        Language of every label.

    Returns
    -------
    matplotlib.figure.Figure
        One bar per point of the scale (11 for 0-10), each labelled with its count.

    Examples
    --------
    >>> fig = score_distribution([10, 9, 9, 8, 7, 6, 3, 0, 10])
    >>> len(fig.axes[0].patches)
    11
    """
    lang = check_lang(lang)
    values = _score_values(scores, score)
    groups = nps_group(values, scale=scale)  # checks the scale and every value
    result = nps_summary(values, level=level)
    if result.n == 0:
        raise ParameterError("score_distribution() got no scores (all missing): there is nothing to draw.")
    points = np.arange(_SCALE_LOW[scale], 11)
    counts = pd.to_numeric(values, errors="coerce").value_counts().reindex(points, fill_value=0)
    point_groups = nps_group(points, scale=scale).astype(str)
    fig = new_figure(8, 4.6)
    ax = fig.add_subplot()
    style_axes(ax, grid="y")
    bars = ax.bar(points, counts / result.n, width=0.8, color=[GROUP_COLOURS[g] for g in point_groups])
    for bar, k in zip(bars, counts):
        ax.annotate(count(int(k), lang), (bar.get_x() + bar.get_width() / 2, bar.get_height()), xytext=(0, 2),
                    textcoords="offset points", ha="center", va="bottom", fontsize=8, color="#444444")
    ax.set_xticks(points)
    ax.set_xlabel(label("score_axis", lang, scale=scale.replace("-", "–")))
    ax.set_ylabel(label("share_responses", lang))
    ax.yaxis.set_major_formatter(percent_formatter(lang))
    ax.margins(y=0.12)
    shares = groups.value_counts(normalize=True)
    handles = [Patch(color=GROUP_COLOURS[g], label=f"{label(g, lang)} ({_GROUP_RANGE[g].format(low=points[0])}): "
                     f"{number(100 * shares[g], lang, signed=False)}{' %' if lang == 'de' else '%'}")
               for g in ("detractor", "passive", "promoter")]
    legend_above(ax, handles, ncol=3)
    set_title(fig, f"{label('score_title', lang)}\n{_interval_text(result, lang)}")
    return fig


# ----------------------------------------------------------------------------- trend
def _dated(table: pd.DataFrame) -> pd.DataFrame:
    undated = table["period"].astype(str) == NO_DATE_LABEL
    if undated.any():
        logger.info("nps_trend: the %r row (%d responses) has no place on a time axis; left out",
                    NO_DATE_LABEL, int(table.loc[undated, "n"].sum()))
    out = table[~undated].reset_index(drop=True)
    if out.empty:
        raise ParameterError("nps_trend() got only responses without a date: there is no period to draw. "
                             "Pass date='<column>' to nps_by_period().")
    return out


def _check_target(target: Any) -> float | None:
    if target is None:
        return None
    if isinstance(target, bool) or not isinstance(target, (int, float, np.number)) or not -100 <= target <= 100:
        raise ParameterError(f"nps_trend(): target must be an NPS in points between -100 and 100, got {target!r}. "
                             "Pass e.g. target=30 for a target NPS of +30, or target=None for no target line.")
    return float(target)


def _significant_changes(table: pd.DataFrame, level: float) -> np.ndarray:
    if "change_significant" in table:
        return truthy(table["change_significant"])
    if "change_p_value" in table:
        return (pd.to_numeric(table["change_p_value"], errors="coerce") < 1 - level).to_numpy()
    return np.zeros(len(table), dtype=bool)


def _tick_every(ax: Any, labels: list[str], most: int = 14) -> None:
    step = max(1, int(np.ceil(len(labels) / most)))
    ticks = np.arange(0, len(labels), step)
    crowded = len(ticks) * max(map(len, labels)) > 60
    ax.set_xticks(ticks)
    ax.set_xticklabels([labels[i] for i in ticks], rotation=35 if crowded else 0, ha="right" if crowded else "center",
                       rotation_mode="anchor")


def nps_trend(period_table: pd.DataFrame, target: float | None = None, *, level: float = 0.95,
              lang: str = "en") -> Figure:
    """The NPS per period as a line with its interval as a band, a target line and the notable periods marked.

    Parameters
    ----------
    period_table : DataFrame
        The table :func:`nps_text.stats.nps_by_period` returns (``period, n, nps, ci_low, ci_high``;
        ``change, change_significant`` / ``change_p_value`` and ``warning`` are used when present, also
        when read back from the ``nps_by_period.csv`` that ``nps-text analyze`` writes). The
        "(no date)" row is left out (logged). Empty periods leave a gap.
    target : float, optional
        A target NPS in points (-100..100), drawn as a dashed line.
    level : float, default 0.95
        Only used when the table has ``change_p_value`` but no ``change_significant``: a change is
        significant when its p-value is below ``1 - level``.
    lang : {"en", "de"}, default "en"
        Language of every label.

    Returns
    -------
    matplotlib.figure.Figure
        A significant change from the previous period is marked with a triangle (up in the promoter
        colour, down in the detractor colour) and its size; a period whose table row carries a
        small-sample ``warning`` gets a hollow marker and its ``n``.

    Examples
    --------
    >>> from nps_text.stats import nps_by_period
    >>> df = pd.DataFrame({"date": ["2025-01-05"] * 40 + ["2025-02-03"] * 5, "score": [10, 3] * 20 + [9] * 5})
    >>> fig = nps_trend(nps_by_period(df), target=20, lang="de")
    >>> fig.get_suptitle()
    'NPS im Zeitverlauf'
    """
    lang = check_lang(lang)
    level = check_share("level", level, func="nps_trend")
    table = _dated(check_table(period_table, ["period", "n", "nps", "ci_low", "ci_high"], func="nps_trend",
                               producer="nps_text.stats.nps_by_period()"))
    target = _check_target(target)
    x = np.arange(len(table))
    nps, low, high = (pd.to_numeric(table[c], errors="coerce").to_numpy(float) for c in ("nps", "ci_low", "ci_high"))
    n = pd.to_numeric(table["n"], errors="coerce").fillna(0).to_numpy(int)
    small = (has_text(table["warning"]) if "warning" in table else n < 30) & (n > 0)
    fig = new_figure(9, 4.8)
    ax = fig.add_subplot()
    style_axes(ax, grid="y")
    ax.fill_between(x, low, high, color=LINE, alpha=0.18, linewidth=0, label=label("interval", lang))
    ax.plot(x, nps, color=LINE, linewidth=2, label="NPS", zorder=3)
    ax.scatter(x[~small], nps[~small], s=30, color=LINE, zorder=4)
    ax.scatter(x[small], nps[small], s=42, facecolor="white", edgecolor=LINE, linewidth=1.5, zorder=4)
    for i in np.flatnonzero(small):
        ax.annotate(f"n = {count(n[i], lang)}", (x[i], nps[i]), xytext=(0, -14), textcoords="offset points",
                    ha="center", fontsize=8, color="#555555")
    handles = [Patch(color=LINE, alpha=0.18, label=label("interval", lang)),
               Line2D([], [], color=LINE, linewidth=2, marker="o", label="NPS")]
    handles += _mark_changes(ax, table, x, nps, _significant_changes(table, level), lang)
    if target is not None:
        ax.axhline(target, color=INK, linestyle="--", linewidth=1.2, zorder=2)
        handles.append(Line2D([], [], color=INK, linestyle="--",
                              label=label("target", lang, value=number(target, lang, digits=0))))
    if small.any():
        handles.append(Line2D([], [], color=LINE, marker="o", markerfacecolor="white", linestyle="",
                              label=label("small", lang)))
    ends = np.concatenate([low[np.isfinite(low)], high[np.isfinite(high)], [target] if target is not None else []])
    pad = max(5.0, 0.08 * (ends.max() - ends.min())) if len(ends) else 5.0
    if len(ends):
        ax.set_ylim(max(-105.0, ends.min() - pad), min(105.0, ends.max() + pad))
    ax.set_xlim(-0.5, len(x) - 0.5)
    _tick_every(ax, table["period"].astype(str).tolist())
    ax.set_ylabel(label("nps_points", lang))
    localise(ax.yaxis, lang)
    ax.set_xlabel(label("period", lang))
    set_title(fig, label("trend_title", lang))
    legend_above(ax, handles, ncol=3)
    return fig


def _mark_changes(ax: Any, table: pd.DataFrame, x: np.ndarray, nps: np.ndarray, significant: np.ndarray,
                  lang: str) -> list[Any]:
    change = pd.to_numeric(table["change"], errors="coerce").to_numpy(float) if "change" in table \
        else np.r_[np.nan, np.diff(nps)]
    handles = []
    for up, colour, marker, key in ((True, PROMOTER, "^", "sig_up"), (False, DETRACTOR, "v", "sig_down")):
        rows = np.flatnonzero(significant & ((change > 0) == up) & np.isfinite(change))
        if not len(rows):
            continue
        ax.scatter(x[rows], nps[rows], marker=marker, s=110, color=colour, edgecolor="white", linewidth=0.8,
                   zorder=5)
        for i in rows:
            ax.annotate(number(change[i], lang), (x[i], nps[i]), xytext=(0, 10 if up else -18),
                        textcoords="offset points", ha="center", fontsize=8.5, color=colour, fontweight="bold")
        handles.append(Line2D([], [], color=colour, marker=marker, linestyle="", markersize=9, label=label(key, lang)))
    return handles


# ----------------------------------------------------------------------------- segments
def _segment_labels(table: pd.DataFrame, lang: str = "en") -> tuple[list[str], str]:
    """Tick labels of the segments and the axis title they share."""
    keys = [c for c in table.columns if c not in _SEGMENT_STATS]
    if not keys:
        raise ColumnError(f"segment_forest() found no segment column in the table (columns: {list(table.columns)}). "
                          "Pass the table nps_text.stats.nps_by(responses, by='<column>') returns.")
    if set(keys) == {"column", "value"}:  # the long table nps-text analyze writes (nps_by_segment.csv)
        columns = table["column"].astype(str)
        values = [segment_value(v, lang) for v in table["value"]]
        if columns.nunique() == 1:
            return [short(v, 28) for v in values], columns.iloc[0]
        return [short(f"{c}: {v}", 36) for c, v in zip(columns, values)], ""
    labels = table[keys].map(lambda v: segment_value(v, lang)).agg(" · ".join, axis=1)
    return [short(v, 28) for v in labels], " · ".join(keys)


def _overall(table: pd.DataFrame, overall: Any) -> tuple[float, float, float] | None:
    if overall is None:
        if not {"promoters", "passives", "detractors"} <= set(table.columns):
            return None
        rows = table[table["column"] == table["column"].iloc[0]] if "column" in table else table
        overall = nps_from_counts(*(int(pd.to_numeric(rows[c]).sum()) for c in ("promoters", "passives", "detractors")))
    if hasattr(overall, "nps") and hasattr(overall, "ci_low"):
        return float(overall.nps), float(overall.ci_low), float(overall.ci_high)
    if isinstance(overall, bool) or not isinstance(overall, (int, float, np.number)) or not -100 <= overall <= 100:
        raise ParameterError(f"segment_forest(): overall must be an NPS in points (-100..100), the NPSResult of "
                             f"nps_summary(), or None, got {reprlib.repr(overall)}.")
    return float(overall), np.nan, np.nan


def segment_forest(segment_table: pd.DataFrame, overall: Any = None, *, level: float = 0.95,
                   lang: str = "en") -> Figure:
    """The NPS of each segment with its interval (a forest plot), against the NPS of all responses.

    Parameters
    ----------
    segment_table : DataFrame
        The table :func:`nps_text.stats.nps_by` returns (the ``by`` column(s), ``n, nps, ci_low,
        ci_high``; ``p_value_vs_rest, diff_vs_rest, warning`` and the group counts are used when
        present), or the long ``nps_by_segment.csv`` of ``nps-text analyze`` (``column, value, ...``).
    overall : float or NPSResult, optional
        The NPS of all responses, drawn as a vertical line (with its interval as a band when an
        :class:`~nps_text.stats.NPSResult` is passed). Default: computed from the table's group counts
        (for the long table, from the rows of its first column), so that it matches the segments.
    level : float, default 0.95
        A segment differs from the rest when ``p_value_vs_rest < 1 - level``; it is then drawn in the
        promoter colour (above) or the detractor colour (below), otherwise in grey.
    lang : {"en", "de"}, default "en"
        Language of every label.

    Returns
    -------
    matplotlib.figure.Figure
        One row per segment, in the table's order from the top; a segment whose row carries a
        small-sample ``warning`` gets a hollow marker. The ``n`` of each segment is written on the right.

    Examples
    --------
    >>> from nps_text.stats import nps_by
    >>> df = pd.DataFrame({"plan": ["a"] * 40 + ["b"] * 40, "score": [10] * 30 + [3] * 10 + [9] * 10 + [2] * 30})
    >>> fig = segment_forest(nps_by(df, "plan"))
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['a', 'b']
    """
    lang = check_lang(lang)
    level = check_share("level", level, func="segment_forest")
    table = check_table(segment_table, ["n", "nps", "ci_low", "ci_high"], func="segment_forest",
                        producer="nps_text.stats.nps_by()").reset_index(drop=True)
    names, axis_title = _segment_labels(table, lang)
    line = _overall(table, overall)
    nps, low, high = (pd.to_numeric(table[c], errors="coerce").to_numpy(float) for c in ("nps", "ci_low", "ci_high"))
    n = pd.to_numeric(table["n"], errors="coerce").fillna(0).to_numpy(int)
    small = (has_text(table["warning"]) if "warning" in table else n < 30) & (n > 0)
    colours = _segment_colours(table, level)
    y = np.arange(len(table))[::-1]
    fig = new_figure(8, 1.9 + 0.42 * len(table))
    ax = fig.add_subplot()
    style_axes(ax, grid="x")
    if line is not None:
        if np.isfinite(line[1]):
            ax.axvspan(line[1], line[2], color="#BBBBBB", alpha=0.25, linewidth=0)
        ax.axvline(line[0], color=INK, linestyle="--", linewidth=1.1)
    for i in range(len(table)):
        ax.plot([low[i], high[i]], [y[i], y[i]], color=colours[i], linewidth=2, solid_capstyle="butt")
        ax.scatter([nps[i]], [y[i]], s=55, zorder=3, color="white" if small[i] else colours[i],
                   edgecolor=colours[i], linewidth=1.6)
        ax.annotate(f"n = {count(n[i], lang)}", (1.01, y[i]), xycoords=("axes fraction", "data"), va="center",
                    fontsize=8, color="#555555")
    if "column" in table:  # the long table: a thin line between the segment columns
        for i in np.flatnonzero(table["column"].astype(str).ne(table["column"].astype(str).shift()).to_numpy()[1:]):
            ax.axhline(y[i] - 0.5, color="#BBBBBB", linewidth=0.8)
    ax.set_yticks(y)
    ax.set_yticklabels(names)
    ax.set_ylim(-0.7, len(table) - 0.3)
    ax.set_xlabel(label("nps_points", lang))
    localise(ax.xaxis, lang)
    ax.set_ylabel(axis_title)
    set_title(fig, label("segment_title", lang) + (f" · {axis_title}" if axis_title else ""))
    handles = [Line2D([], [], color=c, marker="o", linewidth=2, label=label(k, lang)) for c, k in
               ((PROMOTER, "above_rest"), ("#555555", "like_rest"), (DETRACTOR, "below_rest")) if c in colours]
    if line is not None:
        handles.append(Line2D([], [], color=INK, linestyle="--",
                              label=label("overall", lang, value=number(line[0], lang))))
    if small.any():
        handles.append(Line2D([], [], color="#555555", marker="o", markerfacecolor="white", linestyle="",
                              label=label("small", lang)))
    legend_above(ax, handles, ncol=2)
    return fig


def _segment_colours(table: pd.DataFrame, level: float) -> list[str]:
    if "p_value_vs_rest" not in table:
        return ["#555555"] * len(table)
    p = pd.to_numeric(table["p_value_vs_rest"], errors="coerce").to_numpy(float)
    diff = pd.to_numeric(table["diff_vs_rest"], errors="coerce").to_numpy(float) if "diff_vs_rest" in table \
        else np.zeros(len(table))
    return [PROMOTER if q < 1 - level and d > 0 else DETRACTOR if q < 1 - level and d < 0 else "#555555"
            for q, d in zip(p, diff)]
