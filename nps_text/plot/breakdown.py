"""Figures of themes across segments and over time: the theme × segment heatmap and the theme trend."""

from __future__ import annotations

from collections.abc import Sequence

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
    check_share,
    check_table,
    count,
    label,
    new_figure,
    number,
    percent_formatter,
    segment_value,
    set_title,
    short,
    style_axes,
    theme_style,
)

__all__ = ["theme_segment_heatmap", "theme_trend"]

_DRIVERS_BY = "nps_text.drivers.drivers_by()"
_DRIVERS_BY_PERIOD = "nps_text.drivers.drivers_by_period()"


def _numbers(table: pd.DataFrame, column: str) -> np.ndarray:
    return pd.to_numeric(table[column], errors="coerce").to_numpy(float)


def _significant(table: pd.DataFrame, prefix: str, fdr: float) -> np.ndarray:
    """Where the ``{prefix}_q`` (else ``{prefix}_p``) column is below ``fdr``; all False without either."""
    for column in (f"{prefix}_q", f"{prefix}_p"):
        if column in table:
            return _numbers(table, column) < fdr
    return np.zeros(len(table), dtype=bool)


def _one_column(table: pd.DataFrame, column: str | None) -> tuple[pd.DataFrame, str]:
    columns = list(dict.fromkeys(table["column"].astype(str)))
    if column is None:
        if len(columns) > 1:
            raise ParameterError(f"theme_segment_heatmap(): the table holds the segments of several columns {columns}; "
                                 f"pass column= one of them, e.g. column={columns[0]!r}.")
        column = columns[0]
    if column not in columns:
        raise ParameterError(f"theme_segment_heatmap(): column {column!r} is not in the table; its segment columns "
                             f"are {columns}. Pass one of them, or compute drivers_by(..., by={column!r}).")
    return table[table["column"].astype(str) == column], column


def _text_colour(rgba: Sequence[float]) -> str:
    r, g, b = rgba[:3]
    return "white" if 0.299 * r + 0.587 * g + 0.114 * b < 0.55 else INK


def theme_segment_heatmap(table: pd.DataFrame, *, column: str | None = None, fdr: float = 0.05,
                          max_themes: int = 25, lang: str = "en") -> Figure:
    """The share of respondents mentioning each theme (rows) in each segment (columns), significant gaps marked.

    Parameters
    ----------
    table : DataFrame
        The table :func:`nps_text.drivers.drivers_by` returns (``column, value, n_segment, theme,
        share``; ``share_vs_rest`` and ``share_vs_rest_q`` / ``share_vs_rest_p`` mark the cells), also the
        ``drivers_by_segment.csv`` of ``nps-text analyze`` read back.
    column : str, optional
        The segment column to draw when the table holds several; required then.
    fdr : float, default 0.05
        A cell is marked ▲ (share above the other segments') or ▼ (below) when its Benjamini–Hochberg
        ``share_vs_rest_q`` is below ``fdr`` (``share_vs_rest_p`` when the table has no q-values).
    max_themes : int, default 25
        The themes with the largest share over all segments are drawn; the note says how many were left out.
    lang : {"en", "de"}, default "en"
        Language of every label.

    Returns
    -------
    matplotlib.figure.Figure
        Themes sorted by their overall share, largest on top; each cell says its share.

    Examples
    --------
    >>> from nps_text.drivers import drivers_by
    >>> r = pd.DataFrame({"response_id": list("abcdefgh"), "score": [10, 9, 2, 3, 9, 8, 1, 10],
    ...                   "comment": ["fine"] * 8, "plan": list("aabbbbaa")})
    >>> m = pd.DataFrame({"response_id": ["c", "d", "g", "a"], "theme": ["delivery"] * 3 + ["service"]})
    >>> fig = theme_segment_heatmap(drivers_by(r, m, "plan"))
    >>> fig.axes[0].images[0].get_array().shape
    (2, 2)
    """
    lang = check_lang(lang)
    fdr = check_share("fdr", fdr, func="theme_segment_heatmap")
    max_themes = check_positive_int("max_themes", max_themes, func="theme_segment_heatmap")
    table = check_table(table, ["column", "value", "n_segment", "theme", "share"], func="theme_segment_heatmap",
                        producer=_DRIVERS_BY)
    table, column = _one_column(table, column)
    table = table.assign(_share=_numbers(table, "share"), _value=table["value"].astype(str),
                         _mark=_significant(table, "share_vs_rest", fdr),
                         _up=_numbers(table, "share_vs_rest") > 0 if "share_vs_rest" in table else False)
    segments = list(dict.fromkeys(table["_value"]))
    n_segment = table.drop_duplicates("_value").set_index("_value")["n_segment"].reindex(segments)
    weights = table.assign(_k=table["_share"] * _numbers(table, "n_segment")).groupby("theme", sort=False)["_k"].sum()
    themes = weights.sort_values(ascending=False, kind="stable").index[:max_themes].tolist()
    grid = table.pivot_table(index="theme", columns="_value", values="_share", aggfunc="first", sort=False)
    grid = grid.reindex(index=themes, columns=segments)
    fig = new_figure(3.2 + 1.15 * len(segments), 1.9 + 0.34 * len(themes))
    ax = fig.add_subplot()
    image = ax.imshow(grid.to_numpy(float), cmap="Blues", vmin=0, vmax=max(np.nanmax(grid.to_numpy(float)), 0.01),
                      aspect="auto")
    marks = table.set_index(["theme", "_value"])
    for i, theme in enumerate(themes):
        for j, segment in enumerate(segments):
            value = grid.iat[i, j]
            if not np.isfinite(value):
                continue
            row = marks.loc[(theme, segment)]
            sign = (" ▲" if row["_up"] else " ▼") if row["_mark"] else ""
            text = f"{number(100 * value, lang, digits=0, signed=False)}{' %' if lang == 'de' else '%'}{sign}"
            ax.text(j, i, text, ha="center", va="center", fontsize=8,
                    color=_text_colour(image.cmap(image.norm(value))), fontweight="bold" if sign else "normal")
    ax.set_xticks(range(len(segments)))
    ax.set_xticklabels([f"{short(segment_value(s, lang), 16)}\nn = {count(int(n_segment[s]), lang)}" for s in segments],
                       fontsize=8.5)
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(themes)))
    ax.set_yticklabels([short(t, 36) for t in themes], fontsize=8.5)
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    colourbar = fig.colorbar(image, ax=ax, shrink=0.6, format=percent_formatter(lang))
    colourbar.set_label(label("share_respondents", lang), fontsize=8.5)
    set_title(fig, label("heatmap_title", lang, column=column))
    note = label("heatmap_note", lang, fdr=number(fdr, lang, digits=2, signed=False))
    left_out = table["theme"].nunique() - len(themes)
    if left_out:
        note += "\n" + label("not_shown_share", lang, k=left_out)
    add_note(fig, note)
    return fig


# ----------------------------------------------------------------------------- theme trend
def _chosen_themes(table: pd.DataFrame, themes: Sequence[str] | None, max_themes: int) -> list[str]:
    known = list(dict.fromkeys(table["theme"].astype(str)))
    if themes is None:
        totals = table.assign(_n=_numbers(table, "n")).groupby("theme", sort=False)["_n"].sum()
        return totals.sort_values(ascending=False, kind="stable").index.astype(str)[:max_themes].tolist()
    if isinstance(themes, str):
        themes = [themes]
    unknown = [t for t in themes if t not in known]
    if unknown:
        raise ParameterError(f"theme_trend(): theme(s) {unknown} not in the table; its themes are {known[:20]}"
                             f"{' …' if len(known) > 20 else ''}. Pass themes= some of them, or None for the "
                             "largest.")
    return list(themes)


def theme_trend(table: pd.DataFrame, *, themes: Sequence[str] | None = None, max_themes: int = 6,
                fdr: float = 0.05, min_n: int = 30, lang: str = "en") -> Figure:
    """The share of respondents mentioning each theme, period by period, significant changes ringed.

    Parameters
    ----------
    table : DataFrame
        The table :func:`nps_text.drivers.drivers_by_period` returns (``period, n_period, theme, n,
        share``; ``share_change_q`` / ``share_change_p`` mark the changes), also the
        ``drivers_by_period.csv`` of ``nps-text analyze`` read back.
    themes : list of str, optional
        The themes to draw; default the ``max_themes`` mentioned by the most respondents overall.
    max_themes : int, default 6
        How many themes to draw when ``themes`` is None (more lines are hard to tell apart).
    fdr : float, default 0.05
        A point is ringed when the change of its share from the previous period has a
        Benjamini–Hochberg ``share_change_q`` below ``fdr`` (``share_change_p`` without q-values).
    min_n : int, default 30
        A period with fewer respondents (``n_period``) is drawn with hollow markers.
    lang : {"en", "de"}, default "en"
        Language of every label.

    Returns
    -------
    matplotlib.figure.Figure
        One line per theme; the legend is to the right of the axes.

    Examples
    --------
    >>> from nps_text.drivers import drivers_by_period
    >>> r = pd.DataFrame({"response_id": list("abcd"), "score": [10, 2, 3, 9], "comment": ["fine"] * 4,
    ...                   "date": ["2025-01-03", "2025-01-09", "2025-02-01", "2025-02-02"]})
    >>> m = pd.DataFrame({"response_id": ["b", "c", "d"], "theme": ["price"] * 3})
    >>> fig = theme_trend(drivers_by_period(r, m))
    >>> [line.get_label() for line in fig.axes[0].get_lines()]
    ['price']
    """
    lang = check_lang(lang)
    fdr = check_share("fdr", fdr, func="theme_trend")
    max_themes = check_positive_int("max_themes", max_themes, func="theme_trend")
    if isinstance(min_n, bool) or not isinstance(min_n, (int, np.integer)) or min_n < 0:
        raise ParameterError(f"theme_trend(): min_n must be a whole number of at least 0, got {min_n!r}. "
                             "Pass e.g. min_n=30.")
    table = check_table(table, ["period", "n_period", "theme", "n", "share"], func="theme_trend",
                        producer=_DRIVERS_BY_PERIOD)
    chosen = _chosen_themes(table, themes, max_themes)
    periods = list(dict.fromkeys(table["period"].astype(str)))
    x_of = {p: i for i, p in enumerate(periods)}
    marked = _significant(table, "share_change", fdr)
    fig = new_figure(10, 5)
    ax = fig.add_subplot()
    style_axes(ax, grid="y")
    for k, theme in enumerate(chosen):
        rows = (table["theme"].astype(str) == theme).to_numpy()
        part = table[rows]
        x = part["period"].astype(str).map(x_of).to_numpy(int)
        share = _numbers(part, "share")
        small = _numbers(part, "n_period") < min_n
        colour, marker = theme_style(k)
        ax.plot(x, share, color=colour, linewidth=1.8, label=theme, zorder=3)
        ax.scatter(x[~small], share[~small], color=colour, marker=marker, s=28, zorder=4)
        ax.scatter(x[small], share[small], facecolor="white", edgecolor=colour, marker=marker, s=28, zorder=4)
        ring = marked[rows]
        ax.scatter(x[ring], share[ring], facecolor="none", edgecolor=INK, s=150, linewidth=1.2, zorder=5)
    ax.set_xticks(range(len(periods)))
    crowded = len(periods) * max(map(len, periods)) > 60
    ax.set_xticklabels(periods, rotation=35 if crowded else 0, ha="right" if crowded else "center",
                       rotation_mode="anchor")
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(percent_formatter(lang))
    ax.set_xlabel(label("period", lang))
    ax.set_ylabel(label("share_respondents", lang))
    set_title(fig, label("theme_trend_title", lang))
    handles = [Line2D([], [], color=theme_style(k)[0], marker=theme_style(k)[1], label=short(t, 34))
               for k, t in enumerate(chosen)]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, fontsize=8.5)
    add_note(fig, label("trend_marks", lang, fdr=number(fdr, lang, digits=2, signed=False), min_n=min_n))
    return fig
