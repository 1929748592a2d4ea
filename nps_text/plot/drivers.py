"""Figures of the drivers: impact with intervals, the priority matrix, the waterfall from no theme effect to the NPS."""

from __future__ import annotations

import logging
import reprlib
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..errors import ColumnError, ParameterError
from ._style import (
    DETRACTOR,
    FAINT,
    GROUP_COLOURS,
    INK,
    LINE,
    PASSIVE,
    PROMOTER,
    add_note,
    check_lang,
    check_positive_int,
    check_share,
    check_table,
    label,
    legend_above,
    localise,
    new_figure,
    number,
    percent_formatter,
    place_labels,
    set_title,
    short,
    style_axes,
)

__all__ = ["driver_impact", "priority_matrix", "impact_waterfall"]

logger = logging.getLogger(__name__)

_IMPACT = ["theme", "impact", "impact_low", "impact_high"]
_VIEW = ["theme", "share_in_group", "share_in_others", "difference"]
_VIEW_GROUP = {"strengths": "promoter", "opportunities": "passive", "pain_points": "detractor"}
_THEME_TABLE = "nps_text.drivers.theme_table()"


def _numbers(table: pd.DataFrame, column: str) -> np.ndarray:
    return pd.to_numeric(table[column], errors="coerce").to_numpy(float)


def _crosses_zero(low: np.ndarray, high: np.ndarray) -> np.ndarray:
    return ~((low > 0) | (high < 0))  # a NaN interval says nothing: faint as well


def _pick_view(table: Any, view: str | None) -> tuple[Any, str | None]:
    if isinstance(table, dict):
        if view not in table:
            raise ParameterError(f"driver_impact() got the views of driver_views(); pass view= one of {sorted(table)}, "
                                 f"got {view!r}.")
        return table[view], view
    if view is not None and view not in _VIEW_GROUP:
        raise ParameterError(f"driver_impact(): view must be one of {sorted(_VIEW_GROUP)} or None, got {view!r}.")
    return table, view


def driver_impact(table: pd.DataFrame | dict[str, pd.DataFrame], *, view: str | None = None, max_themes: int = 20,
                  fdr: float = 0.05, lang: str = "en") -> Figure:
    """Each theme's impact on the NPS with its interval, sorted; a theme whose interval holds 0 is drawn faint.

    Parameters
    ----------
    table : DataFrame or dict of DataFrame
        The table :func:`nps_text.drivers.theme_table` returns (``theme, impact, impact_low,
        impact_high``; also the ``drivers.csv`` of ``nps-text analyze`` read back). Or a driver view of
        :func:`nps_text.drivers.driver_views` (one of its tables, or the whole dict with ``view=``): then
        each bar is the theme's share in the view's group minus its share in the other respondents
        (percentage points; the views have no interval, so there are no whiskers) and a theme whose
        ``q_value`` is not below ``fdr`` is drawn faint.
    view : {"strengths", "opportunities", "pain_points"}, optional
        Which view of the dict to draw; with a single view table it only picks the title and colour.
    max_themes : int, default 20
        The themes with the largest ``|impact|`` (or ``|difference|``) are drawn; the note under the
        figure says how many were left out.
    fdr : float, default 0.05
        The false discovery rate of the views' faint bars.
    lang : {"en", "de"}, default "en"
        Language of every label.

    Returns
    -------
    matplotlib.figure.Figure
        Horizontal bars, the largest positive impact on top: raising the NPS in the promoter colour,
        lowering it in the detractor colour, with the interval as whiskers.

    Examples
    --------
    >>> from nps_text.drivers import theme_table
    >>> r = pd.DataFrame({"response_id": list("abcdefgh"), "score": [10, 9, 2, 3, 9, 8, 1, 10],
    ...                   "comment": ["fine"] * 8})
    >>> m = pd.DataFrame({"response_id": ["c", "d", "g", "a"], "theme": ["delivery"] * 3 + ["service"]})
    >>> fig = driver_impact(theme_table(r, m))
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]  # bottom to top
    ['delivery', 'service']
    """
    lang = check_lang(lang)
    max_themes = check_positive_int("max_themes", max_themes, func="driver_impact")
    fdr = check_share("fdr", fdr, func="driver_impact")
    table, view = _pick_view(table, view)
    if isinstance(table, pd.DataFrame) and "impact" not in table and "share_in_group" in table:
        return _view_bars(check_table(table, _VIEW, func="driver_impact",
                                      producer="nps_text.drivers.driver_views()[view]"), view, max_themes, fdr, lang)
    table = check_table(table, _IMPACT, func="driver_impact", producer=_THEME_TABLE)
    value = _numbers(table, "impact")
    order = np.argsort(-np.abs(np.nan_to_num(value)), kind="stable")[:max_themes]
    shown = table.iloc[order].iloc[np.argsort(value[order], kind="stable")]  # bottom to top: the largest on top
    impact, low, high = (_numbers(shown, c) for c in ("impact", "impact_low", "impact_high"))
    faint = _crosses_zero(low, high)
    fig, ax = _bar_axes(len(shown))
    y = np.arange(len(shown))
    for i in y:
        colour = PROMOTER if impact[i] > 0 else DETRACTOR
        alpha = FAINT if faint[i] else 1.0
        ax.barh(y[i], impact[i], height=0.65, color=colour, alpha=alpha, gid=f"bar-{i}")
        ax.errorbar(impact[i], y[i], xerr=[[impact[i] - low[i]], [high[i] - impact[i]]], fmt="none",
                    ecolor=INK, alpha=alpha, capsize=3, linewidth=1.1)
    _finish_bars(ax, shown["theme"], label("impact_axis", lang), label("impact_title", lang), lang)
    handles = [Patch(color=PROMOTER, label=label("raises", lang)), Patch(color=DETRACTOR, label=label("lowers", lang))]
    if faint.any():
        handles.append(Patch(color=INK, alpha=FAINT, label=label("faint", lang)))
    legend_above(ax, handles, ncol=3)
    if len(table) > len(shown):
        add_note(fig, label("not_shown", lang, k=len(table) - len(shown)))
    return fig


def _bar_axes(rows: int) -> tuple[Figure, Any]:
    fig = new_figure(8.5, 1.9 + 0.36 * rows)
    ax = fig.add_subplot()
    style_axes(ax, grid="x")
    ax.axvline(0, color=INK, linewidth=0.9)
    return fig, ax


def _finish_bars(ax: Any, themes: pd.Series, xlabel: str, title: str, lang: str) -> None:
    ax.set_yticks(np.arange(len(themes)))
    ax.set_yticklabels([short(t, 36) for t in themes], fontsize=8.5)
    ax.set_ylim(-0.6, len(themes) - 0.4)
    ax.set_xlabel(xlabel)
    localise(ax.xaxis, lang)
    set_title(ax.figure, title)


def _view_bars(table: pd.DataFrame, view: str | None, max_themes: int, fdr: float, lang: str) -> Figure:
    value = _numbers(table, "difference")
    order = np.argsort(-np.abs(np.nan_to_num(value)), kind="stable")[:max_themes]
    shown = table.iloc[order].iloc[np.argsort(value[order], kind="stable")]
    diff = _numbers(shown, "difference")
    q = _numbers(shown, "q_value") if "q_value" in shown else np.full(len(shown), np.nan)
    faint = ~(q < fdr)
    colour = GROUP_COLOURS[_VIEW_GROUP[view]] if view else LINE
    fig, ax = _bar_axes(len(shown))
    for i in range(len(shown)):  # less often in the group than in the others: an outline only
        ax.barh(i, 100 * diff[i], height=0.65, facecolor=colour if diff[i] > 0 else "white", edgecolor=colour,
                linewidth=1.2, alpha=FAINT if faint[i] else 1.0, gid=f"bar-{i}")
    name = label(view, lang) if view else ""
    _finish_bars(ax, shown["theme"], label("view_axis", lang), label("view_title", lang, view=name).lstrip(": "),
                 lang)
    legend_above(ax, [Patch(facecolor=colour, edgecolor=colour, label=label("more_in_group", lang)),
                      Patch(facecolor="white", edgecolor=colour, label=label("less_in_group", lang))], ncol=2)
    if faint.any():
        add_note(fig, label("faint_view", lang, fdr=number(fdr, lang, digits=2, signed=False)))
    return fig


# ----------------------------------------------------------------------------- priority matrix
def _split(share: np.ndarray, share_split: float | None) -> float:
    if share_split is None:
        return float(np.nanmedian(share))
    if isinstance(share_split, bool) or not isinstance(share_split, (int, float, np.number)) \
            or not 0 <= share_split <= 1:
        raise ParameterError(f"priority_matrix(): share_split must be a share between 0 and 1, got {share_split!r}. "
                             "Pass e.g. share_split=0.1 to split at 10% of respondents, or None for the median.")
    return float(share_split)


def _quadrant_names(ax: Any, lang: str) -> None:
    corners = {"leverage": (0.01, 0.99, "left", "top"), "maintain": (0.99, 0.99, "right", "top"),
               "monitor": (0.01, 0.01, "left", "bottom"), "fix_first": (0.99, 0.01, "right", "bottom")}
    for key, (x, y, ha, va) in corners.items():
        ax.text(x, y, label(key, lang), transform=ax.transAxes, ha=ha, va=va, fontsize=11, fontweight="bold",
                color="#8A8A8A", gid=f"quadrant-{key}", zorder=1)


def priority_matrix(table: pd.DataFrame, *, y: str = "difference", share_split: float | None = None,
                    max_labels: int = 15, lang: str = "en") -> Figure:
    """Where to act: how many mention a theme (x) against how much it moves the NPS (y), bubble size = respondents.

    The quadrants: a theme that lowers the NPS and is mentioned often is to **fix first**, one that
    lowers it but is rare to **monitor**; one that raises it and is frequent to **maintain**, one that
    raises it but is rare to **leverage** (German: zuerst beheben, beobachten, halten, ausbauen).

    Parameters
    ----------
    table : DataFrame
        The table :func:`nps_text.drivers.theme_table` returns (``theme, n, share`` and the ``y`` column
        with its ``_low``/``_high`` interval; also its ``drivers.csv`` read back).
    y : {"difference", "impact"}, default "difference"
        The vertical axis: the NPS of the theme's mentioners minus that of the others (points), or the
        impact (share × difference). A theme whose interval holds 0 is drawn faint.
    share_split : float, optional
        The share that separates frequent from rare themes; default the median share of the table.
    max_labels : int, default 15
        The themes with the most respondents are named next to their bubble.
    lang : {"en", "de"}, default "en"
        Language of every label.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from nps_text.drivers import theme_table
    >>> r = pd.DataFrame({"response_id": list("abcdefgh"), "score": [10, 9, 2, 3, 9, 8, 1, 10],
    ...                   "comment": ["fine"] * 8})
    >>> m = pd.DataFrame({"response_id": ["c", "d", "g", "a"], "theme": ["delivery"] * 3 + ["service"]})
    >>> fig = priority_matrix(theme_table(r, m), lang="de")
    >>> sorted(t.get_text() for t in fig.axes[0].texts if (t.get_gid() or "").startswith("quadrant"))
    ['ausbauen', 'beobachten', 'halten', 'zuerst beheben']
    """
    lang = check_lang(lang)
    if y not in ("difference", "impact"):
        raise ParameterError(f"priority_matrix(): y must be 'difference' or 'impact', got {y!r}.")
    max_labels = check_positive_int("max_labels", max_labels, func="priority_matrix")
    table = check_table(table, ["theme", "n", "share", y, f"{y}_low", f"{y}_high"], func="priority_matrix",
                        producer=_THEME_TABLE).reset_index(drop=True)
    share, value, n = _numbers(table, "share"), _numbers(table, y), _numbers(table, "n")
    faint = _crosses_zero(_numbers(table, f"{y}_low"), _numbers(table, f"{y}_high"))
    split = _split(share, share_split)
    colours = np.where(value > 0, PROMOTER, DETRACTOR)
    fig = new_figure(9.5, 6.4)
    ax = fig.add_subplot()
    style_axes(ax, grid="")
    ax.axhline(0, color=INK, linewidth=0.9)
    ax.axvline(split, color=INK, linewidth=0.9, linestyle="--")
    sizes = 40 + 1400 * n / max(np.nanmax(n), 1)
    for alpha, rows in ((FAINT, faint), (0.9, ~faint)):
        ax.scatter(share[rows], value[rows], s=sizes[rows], c=colours[rows], alpha=alpha, edgecolor="white",
                   linewidth=0.8, zorder=3)
    _pad_limits(ax, share, value, split)
    _quadrant_names(ax, lang)
    ax.xaxis.set_major_formatter(percent_formatter(lang))
    ax.set_xlabel(label("priority_x", lang))
    ax.set_ylabel(label(f"priority_y_{y}", lang))
    localise(ax.yaxis, lang)
    set_title(fig, label("priority_title", lang))
    named = np.argsort(-np.nan_to_num(n), kind="stable")[:max_labels]
    radii = np.sqrt(sizes) / 2  # scatter sizes are areas in points²
    others = np.setdiff1d(np.arange(len(table)), named)
    place_labels(ax, share[named], value[named], [short(t, 26, lines=1) for t in table["theme"].iloc[named]],
                 radii=radii[named], obstacles=list(zip(share[others], value[others], radii[others])))
    handles = [Patch(color=PROMOTER, alpha=0.9, label=label("raises", lang)),
               Patch(color=DETRACTOR, alpha=0.9, label=label("lowers", lang))]
    if faint.any():
        handles.append(Patch(color=INK, alpha=FAINT, label=label("faint", lang)))
    legend_above(ax, handles, ncol=3, title=label("bubble", lang))
    return fig


def _pad_limits(ax: Any, share: np.ndarray, value: np.ndarray, split: float) -> None:
    """Room for the bubbles, the labels and the four quadrant names; 0 and the split always in view."""
    xs = np.r_[share[np.isfinite(share)], split, 0.0]
    ys = np.r_[value[np.isfinite(value)], 0.0]
    xspan, yspan = max(np.ptp(xs), 0.01), max(np.ptp(ys), 1.0)
    ax.set_xlim(max(0.0, xs.min() - 0.08 * xspan), xs.max() + 0.22 * xspan)
    ax.set_ylim(ys.min() - 0.16 * yspan, ys.max() + 0.16 * yspan)


# ----------------------------------------------------------------------------- waterfall
def _observed(table: pd.DataFrame, observed: Any) -> float:
    if observed is None:
        if "nps_without" not in table:
            raise ColumnError("impact_waterfall() needs the observed NPS: the table has no 'nps_without' column to "
                              "derive it from (impact = NPS of the base − nps_without). "
                              "Pass observed=<NPS of the base>.")
        base = (_numbers(table, "nps_without") + _numbers(table, "impact"))
        base = base[np.isfinite(base)]
        if not len(base):
            raise ParameterError("impact_waterfall(): no theme has a finite impact; pass observed=<NPS of the base>.")
        return float(np.median(base))
    if hasattr(observed, "nps"):
        observed = observed.nps
    if isinstance(observed, bool) or not isinstance(observed, (int, float, np.number)) or not -100 <= observed <= 100:
        raise ParameterError(f"impact_waterfall(): observed must be an NPS in points (-100..100) or an NPSResult, "
                             f"got {reprlib.repr(observed)}.")
    return float(observed)


def _waterfall_steps(table: pd.DataFrame, observed: float, max_themes: int, lang: str) -> pd.DataFrame:
    """One row per bar: kind, name, left end, width, whisker ends (NaN where none)."""
    impact = np.nan_to_num(_numbers(table, "impact"))
    start = observed - impact.sum()
    keep = np.argsort(-np.abs(impact), kind="stable")[:max_themes]
    keep = keep[np.argsort(-impact[keep], kind="stable")]  # rises first, then falls
    rows = [("start", label("start", lang), 0.0, start, np.nan, np.nan)]
    level = start
    for i in keep:
        row = table.iloc[i]
        rows.append(("theme", row["theme"], level, impact[i], level + float(row["impact_low"]),
                     level + float(row["impact_high"])))
        level += impact[i]
    rest = np.delete(impact, keep)
    if len(rest):
        rows.append(("others", label("others", lang, k=len(rest)), level, rest.sum(), np.nan, np.nan))
    base = table.attrs.get("base")
    rows.append(("observed", label(f"observed_{base}" if base in ("commented", "all") else "observed", lang),
                 0.0, observed, np.nan, np.nan))
    return pd.DataFrame(rows, columns=["kind", "name", "left", "width", "low", "high"])


def impact_waterfall(table: pd.DataFrame, *, observed: Any = None, max_themes: int = 12,
                     lang: str = "en") -> Figure:
    """From the NPS without any theme effect, theme by theme, to the observed NPS, each step with its interval.

    The start value is ``observed − Σ impact`` over **all** themes of the table. Each bar then adds one
    theme's impact (``share × (NPS with − NPS without)``, see :func:`nps_text.drivers.theme_table`),
    raising themes first, and its whisker is the impact's interval placed at the end of the bar. The
    themes beyond ``max_themes`` are summed into one bar without a whisker. The last bar is the observed
    NPS, so the chain always ends there. Impacts are **not strictly additive**: a respondent who mentions
    two themes counts in both impacts, and each impact compares with everyone else, not with a world
    without the other themes. The start is therefore a rough reference, not an estimate of anything
    measured; the note under the figure says so.

    Parameters
    ----------
    table : DataFrame
        The table :func:`nps_text.drivers.theme_table` returns (``theme, impact, impact_low,
        impact_high``, and ``nps_without`` unless ``observed`` is given).
    observed : float or NPSResult, optional
        The NPS of the table's base (points). Default: ``nps_without + impact``, which is the NPS of the
        base for every row of a theme table (for ``base="commented"``: of the respondents with a comment).
    max_themes : int, default 12
        Themes drawn one by one (largest ``|impact|``); the rest form one "other themes" bar.
    lang : {"en", "de"}, default "en"
        Language of every label.

    Returns
    -------
    matplotlib.figure.Figure
        Horizontal bars from top to bottom; the first bar has the gid ``"start"``, the last ``"observed"``.

    Examples
    --------
    >>> from nps_text.drivers import theme_table
    >>> r = pd.DataFrame({"response_id": list("abcdefgh"), "score": [10, 9, 2, 3, 9, 8, 1, 10],
    ...                   "comment": ["fine"] * 8})
    >>> m = pd.DataFrame({"response_id": ["c", "d", "g", "a"], "theme": ["delivery"] * 3 + ["service"]})
    >>> fig = impact_waterfall(theme_table(r, m))
    >>> [float(p.get_width()) for p in fig.axes[0].patches if p.get_gid() == "observed"]  # 4 P, 1 A, 3 D
    [12.5]
    """
    lang = check_lang(lang)
    max_themes = check_positive_int("max_themes", max_themes, func="impact_waterfall")
    table = check_table(table, _IMPACT, func="impact_waterfall", producer=_THEME_TABLE).reset_index(drop=True)
    steps = _waterfall_steps(table, _observed(table, observed), max_themes, lang)
    fig = new_figure(9, 2.2 + 0.4 * len(steps))
    ax = fig.add_subplot()
    style_axes(ax, grid="x")
    ax.axvline(0, color=INK, linewidth=0.9)
    y = np.arange(len(steps))[::-1]
    for i, step in steps.iterrows():
        _waterfall_bar(ax, step, y[i], lang)
        if i + 1 < len(steps) and step["kind"] != "observed":
            end = step["left"] + step["width"]
            ax.plot([end, end], [y[i] - 0.33, y[i] - 0.67], color="#777777", linewidth=0.8, linestyle=":")
    ends = np.r_[steps["left"], steps["left"] + steps["width"], steps["low"].dropna(), steps["high"].dropna()]
    span = max(np.ptp(ends), 1.0)
    ax.set_xlim(ends.min() - 0.04 * span, ends.max() + 0.12 * span)
    ax.set_yticks(y)
    ax.set_yticklabels([short(name, 36) for name in steps["name"]], fontsize=8.5)
    ax.set_ylim(-0.6, len(steps) - 0.4)
    ax.set_xlabel(label("nps_points", lang))
    localise(ax.xaxis, lang)
    set_title(fig, label("waterfall_title", lang))
    add_note(fig, short(label("waterfall_note", lang), 120, lines=3))
    return fig


def _waterfall_bar(ax: Any, step: pd.Series, y: float, lang: str) -> None:
    kind, left, width = step["kind"], float(step["left"]), float(step["width"])
    if kind == "theme":
        faint = _crosses_zero(np.array([step["low"] - left]), np.array([step["high"] - left]))[0]
        colour, alpha = (PROMOTER if width > 0 else DETRACTOR), (FAINT if faint else 1.0)
    else:
        colour, alpha = {"start": PASSIVE, "others": "#C8C8C8", "observed": LINE}[kind], 1.0
    ax.barh(y, width, left=left, height=0.6, color=colour, alpha=alpha, gid=kind if kind != "theme" else None,
            hatch="//" if kind == "others" else None, edgecolor="white" if kind == "others" else None)
    end = left + width
    if np.isfinite(step["low"]):
        ax.errorbar(end, y, xerr=[[end - step["low"]], [step["high"] - end]], fmt="none", ecolor=INK,
                    alpha=alpha, capsize=3, linewidth=1.1)
    text_x = max(end, step["high"] if np.isfinite(step["high"]) else end, left)
    ax.annotate(number(width, lang), (text_x, y), xytext=(4, 0), textcoords="offset points", va="center", fontsize=8,
                color="#444444")
