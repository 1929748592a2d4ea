"""The funnel plot of a league table: NPS against the number of responses, with control limits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from .._core.results import records
from ..errors import ParameterError
from ..programme import funnel_data
from ._style import (
    DETRACTOR,
    INK,
    PASSIVE,
    PROMOTER,
    check_lang,
    count,
    label,
    legend_above,
    localise,
    new_figure,
    number,
    place_labels,
    set_title,
    short,
    style_axes,
)

__all__ = ["funnel_plot"]


def _league_responses(rows: list[dict[str, Any]], unit: str) -> pd.DataFrame:
    """One synthetic answer per counted response (10, 8 or 0), so :func:`funnel_data` sees the league's counts."""
    units = np.repeat([r[unit] for r in rows], [r["promoters"] + r["passives"] + r["detractors"] for r in rows])
    scores = np.concatenate([np.repeat([10, 8, 0], [r["promoters"], r["passives"], r["detractors"]]) for r in rows])
    return pd.DataFrame({unit: units, "score": scores})


def funnel_plot(league: pd.DataFrame | Sequence[Mapping[str, Any]], *, lang: str = "en") -> Figure:
    """A funnel plot of the league table: each unit's raw NPS against its number of responses.

    The lines are the 95% and 99.8% control limits around the overall NPS (:func:`~nps_text.programme.funnel_data`):
    a unit outside them differs from the average by more than chance allows for its size; a small unit high
    up inside the funnel is lucky, not better. Hollow markers: fewer than 30 responses.

    Parameters
    ----------
    league : DataFrame or list of records
        :func:`~nps_text.programme.league_table`'s table (unit column first, then the group counts).
    lang : {"en", "de"}, default "en"

    Examples
    --------
    >>> league = pd.DataFrame({"team": ["a", "b"], "promoters": [30, 5], "passives": [10, 3], "detractors": [10, 2],
    ...                        "small_n": [False, True]})
    >>> fig = funnel_plot(league)
    >>> fig.axes[0].get_xscale()
    'log'
    """
    lang = check_lang(lang)
    rows = records(league)
    if not rows:
        raise ParameterError("funnel_plot() got an empty league table: there is nothing to draw.")
    unit = next(iter(rows[0]))
    funnel = funnel_data(_league_responses(rows, unit), unit)
    limits, units = funnel.limits, funnel.units
    small = dict(zip((r[unit] for r in rows), (bool(r.get("small_n")) for r in rows)))
    fig = new_figure(8, 4.6)
    ax = fig.add_subplot()
    style_axes(ax, grid="y")
    for key, alpha in (("998", 0.10), ("95", 0.16)):
        ax.fill_between(limits["n"], limits[f"lower_{key}"], limits[f"upper_{key}"], color=PASSIVE, alpha=alpha,
                        linewidth=0)
        for side in ("lower", "upper"):
            ax.plot(limits["n"], limits[f"{side}_{key}"], color="#777777", linewidth=0.9,
                    linestyle="-" if key == "95" else ":")
    ax.axhline(funnel.overall_nps, color=INK, linestyle="--", linewidth=1.1)
    for r in units.to_dict("records"):
        colour = (PROMOTER if r["nps"] > r["upper_95"] else DETRACTOR if r["nps"] < r["lower_95"] else "#555555")
        ax.scatter([r["n"]], [r["nps"]], s=55, zorder=3, color="white" if small.get(r[unit]) else colour,
                   edgecolor=colour, linewidth=1.6)
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: count(v, lang)))
    ax.set_xlabel(label("funnel_x", lang))
    ax.set_ylabel(label("funnel_y", lang))
    localise(ax.yaxis, lang)
    low = min(limits["lower_998"].min(), units["nps"].min())
    high = max(limits["upper_998"].max(), units["nps"].max())
    ax.set_ylim(max(-100, low - 8), min(100, high + 8))
    ax.set_xlim(units["n"].min() / 1.4, units["n"].max() * 1.6)
    set_title(fig, label("funnel_title", lang))
    handles = [Patch(color=PASSIVE, alpha=0.35, label=label("funnel_limits", lang)),
               Line2D([], [], color=INK, linestyle="--",
                      label=label("funnel_overall", lang, nps=number(funnel.overall_nps, lang))),
               Line2D([], [], color="#555555", marker="o", markerfacecolor="white", linestyle="",
                      label=label("funnel_small", lang, n=count(30, lang)))]
    legend_above(ax, handles, ncol=3)
    place_labels(ax, units["n"].to_numpy(float), units["nps"].to_numpy(float), [short(u, 24, 1) for u in units[unit]],
                 radii=[4.5] * len(units), box=True)
    return fig
