"""The one look of every nps-text figure: palette, English and German labels, number formats, checks.

Colours are the Okabe–Ito palette (Okabe & Ito 2008), readable with every common colour-vision
deficiency: detractors vermillion, passives grey, promoters bluish green, used for the NPS groups in
every figure; a theme that raises the NPS takes the promoter colour, one that lowers it the detractor
colour. Every figure is a plain :class:`matplotlib.figure.Figure` with an Agg canvas: no pyplot, no
window, nothing shown.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter
from matplotlib.transforms import Bbox

from ..errors import ColumnError, ParameterError
from ..stats.scores import MISSING_LABEL

__all__ = ["DETRACTOR", "PASSIVE", "PROMOTER", "GROUP_COLOURS", "LINE", "INK", "GRID", "THEME_COLOURS",
           "THEME_MARKERS", "FAINT", "LANGS", "check_lang", "label", "number", "count", "percent_formatter",
           "localise", "new_figure", "style_axes", "check_table", "check_positive_int", "check_share", "short",
           "set_title", "legend_above", "add_note", "theme_style", "place_labels", "truthy", "has_text"]

DETRACTOR = "#D55E00"  # Okabe–Ito vermillion
PASSIVE = "#999999"  # neutral grey
PROMOTER = "#009E73"  # Okabe–Ito bluish green
GROUP_COLOURS = {"detractor": DETRACTOR, "passive": PASSIVE, "promoter": PROMOTER}
LINE = "#0072B2"  # Okabe–Ito blue: an NPS line that is no group
INK = "#222222"
GRID = "#E3E3E3"
FAINT = 0.3  # alpha of an estimate whose interval includes 0
# categorical colours for themes: the group colours come last, so that few themes never look like groups
THEME_COLOURS = ["#0072B2", "#E69F00", "#56B4E9", "#CC79A7", "#000000", "#B8A200", "#009E73", "#D55E00"]
THEME_MARKERS = ["o", "s", "^", "D", "v", "P"]
LANGS = ("en", "de")

_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "funnel_title": "Funnel plot: NPS against the number of responses",
        "funnel_x": "Responses (log scale)", "funnel_y": "Raw NPS (points)",
        "funnel_limits": "95% (solid) and 99.8% (dotted) limits", "funnel_overall": "Overall NPS {nps}",
        "funnel_small": "Fewer than {n} responses",
        "detractor": "Detractors", "passive": "Passives", "promoter": "Promoters",
        "score_axis": "Likelihood to recommend ({scale})", "share_responses": "Share of responses",
        "score_title": "Score distribution", "ci": "CI", "to": "to",
        "trend_title": "NPS over time", "nps_points": "NPS (points)", "period": "Period",
        "interval": "Confidence interval", "target": "Target {value}",
        "sig_up": "Significant rise vs previous period", "sig_down": "Significant fall vs previous period",
        "small": "Few responses (n shown): very uncertain",
        "segment_title": "NPS by segment", "overall": "All responses {value}",
        "above_rest": "Significantly above the rest", "below_rest": "Significantly below the rest",
        "like_rest": "Not distinguishable from the rest",
        "impact_title": "Impact of themes on the NPS", "impact_axis": "Impact on the NPS (points)",
        "raises": "Raises the NPS", "lowers": "Lowers the NPS",
        "faint": "Faint: the interval includes 0 (no clear effect)",
        "not_shown": "Not shown: {k} more theme(s) with a smaller |impact|",
        "not_shown_share": "Not shown: {k} more theme(s) with a smaller share",
        "view_title": "{view}: share of the group vs the others",
        "view_axis": "Share in the group minus share in the others (percentage points)",
        "faint_view": "Faint: not significantly different (BH q >= {fdr})",
        "more_in_group": "More often in the group", "less_in_group": "Less often in the group",
        "strengths": "Strengths (promoters)", "opportunities": "Opportunities (passives)",
        "pain_points": "Pain points (detractors)",
        "priority_title": "Priority matrix", "priority_x": "Share of respondents mentioning the theme",
        "priority_y_difference": "NPS difference: with − without the theme (points)",
        "priority_y_impact": "Impact on the NPS (points)",
        "fix_first": "fix first", "maintain": "maintain", "monitor": "monitor", "leverage": "leverage",
        "bubble": "Bubble size: respondents mentioning the theme",
        "waterfall_title": "From the NPS without theme effects to the observed NPS",
        "start": "NPS without theme effects", "observed": "Observed NPS", "observed_commented":
        "Observed NPS (respondents with a comment)", "observed_all": "Observed NPS (all respondents)",
        "others": "Other themes ({k})",
        "waterfall_note": "Start = observed NPS − sum of all themes' impacts. Respondents mention several themes, "
                          "so impacts overlap and are not strictly additive: the start is a rough reference.",
        "heatmap_title": "Share of respondents mentioning each theme, by {column}",
        "heatmap_note": "▲ / ▼: share significantly above / below the other segments (BH q < {fdr})",
        "theme_trend_title": "Theme share over time", "share_respondents": "Share of respondents",
        "trend_marks": "Ringed: significant change vs previous period (BH q < {fdr}); "
                       "hollow: period with fewer than {min_n} respondents",
        "map_title": "Map of the comment clauses by theme ({method})", "component": "Component {i}",
        "unassigned": "Unassigned", "map_note": "{shown} of {total} clauses shown",
        "dendrogram_title": "How the themes group (Ward)", "ward_distance": "Ward distance",
    },
    "de": {
        "funnel_title": "Trichterdiagramm: NPS nach Zahl der Antworten",
        "funnel_x": "Antworten (logarithmisch)", "funnel_y": "Roher NPS (Punkte)",
        "funnel_limits": "95-%- (durchgezogen) und 99,8-%-Grenzen (gepunktet)", "funnel_overall": "NPS gesamt {nps}",
        "funnel_small": "Weniger als {n} Antworten",
        "detractor": "Kritiker", "passive": "Indifferente", "promoter": "Promotoren",
        "score_axis": "Weiterempfehlungsbereitschaft ({scale})", "share_responses": "Anteil der Antworten",
        "score_title": "Verteilung der Weiterempfehlungsbereitschaft", "ci": "KI", "to": "bis",
        "trend_title": "NPS im Zeitverlauf", "nps_points": "NPS (Punkte)", "period": "Zeitraum",
        "interval": "Konfidenzintervall", "target": "Ziel {value}",
        "sig_up": "Signifikanter Anstieg zum Vorzeitraum", "sig_down": "Signifikanter Rückgang zum Vorzeitraum",
        "small": "Wenige Antworten (n angegeben): sehr unsicher",
        "segment_title": "NPS nach Segment", "overall": "Alle Antworten {value}",
        "above_rest": "Signifikant über dem Rest", "below_rest": "Signifikant unter dem Rest",
        "like_rest": "Nicht vom Rest unterscheidbar",
        "impact_title": "Wirkung der Themen auf den NPS", "impact_axis": "Wirkung auf den NPS (Punkte)",
        "raises": "Hebt den NPS", "lowers": "Senkt den NPS",
        "faint": "Blass: Das Intervall schließt 0 ein (keine klare Wirkung)",
        "not_shown": "Nicht gezeigt: {k} weitere Themen mit kleinerer |Wirkung|",
        "not_shown_share": "Nicht gezeigt: {k} weitere Themen mit kleinerem Anteil",
        "view_title": "{view}: Anteil in der Gruppe gegenüber den anderen",
        "view_axis": "Anteil in der Gruppe minus Anteil bei den anderen (Prozentpunkte)",
        "faint_view": "Blass: nicht signifikant verschieden (BH q >= {fdr})",
        "more_in_group": "Häufiger in der Gruppe", "less_in_group": "Seltener in der Gruppe",
        "strengths": "Stärken (Promotoren)", "opportunities": "Chancen (Indifferente)",
        "pain_points": "Schmerzpunkte (Kritiker)",
        "priority_title": "Prioritätenmatrix", "priority_x": "Anteil der Befragten, die das Thema nennen",
        "priority_y_difference": "NPS-Differenz: mit − ohne Thema (Punkte)",
        "priority_y_impact": "Wirkung auf den NPS (Punkte)",
        "fix_first": "zuerst beheben", "maintain": "halten", "monitor": "beobachten", "leverage": "ausbauen",
        "bubble": "Blasengröße: Befragte, die das Thema nennen",
        "waterfall_title": "Vom NPS ohne Themeneffekte zum beobachteten NPS",
        "start": "NPS ohne Themeneffekte", "observed": "Beobachteter NPS", "observed_commented":
        "Beobachteter NPS (Befragte mit Kommentar)", "observed_all": "Beobachteter NPS (alle Befragten)",
        "others": "Weitere Themen ({k})",
        "waterfall_note": "Start = beobachteter NPS − Summe der Wirkungen aller Themen. Befragte nennen mehrere "
                          "Themen, die Wirkungen überlappen und addieren sich nicht streng: Der Start ist ein grober "
                          "Bezugspunkt.",
        "heatmap_title": "Anteil der Befragten je Thema nach {column}",
        "heatmap_note": "▲ / ▼: Anteil signifikant über / unter den anderen Segmenten (BH q < {fdr})",
        "theme_trend_title": "Themenanteil im Zeitverlauf", "share_respondents": "Anteil der Befragten",
        "trend_marks": "Umrandet: signifikante Veränderung zum Vorzeitraum (BH q < {fdr}); "
                       "hohl: Zeitraum mit weniger als {min_n} Befragten",
        "map_title": "Karte der Kommentar-Satzteile nach Thema ({method})", "component": "Komponente {i}",
        "unassigned": "Nicht zugeordnet", "map_note": "{shown} von {total} Satzteilen gezeigt",
        "dendrogram_title": "Wie die Themen zusammenhängen (Ward)", "ward_distance": "Ward-Distanz",
    },
}


def check_lang(lang: Any) -> str:
    """``lang`` if it is a supported label language, else a ParameterError that says what to pass."""
    if lang not in LANGS:
        raise ParameterError(f"lang must be one of {list(LANGS)}, got {lang!r}. "
                             "Pass lang='de' for German labels or lang='en' for English ones.")
    return lang


def _german(text: str) -> str:
    """English number punctuation ("1,234.5") to German ("1.234,5")."""
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def label(key: str, lang: str, **values: Any) -> str:
    """The ``lang`` text of ``key`` with ``values`` filled in (format numbers first with :func:`number`).

    >>> label("target", "de", value="+30")
    'Ziel +30'
    """
    return _LABELS[lang][key].format(**values) if values else _LABELS[lang][key]


def number(value: float, lang: str, *, digits: int = 1, signed: bool = True) -> str:
    """A number for a label: ``+18.7`` / ``+18,7``; NaN as an en dash.

    >>> number(18.666, "de"), number(-3, "en", digits=0)
    ('+18,7', '−3')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:{'+' if signed else ''},.{digits}f}".replace("-", "−")
    return _german(text) if lang == "de" else text


def count(value: int, lang: str) -> str:
    """A whole number with the language's thousands separator: ``3,000`` / ``3.000``."""
    return number(value, lang, digits=0, signed=False)


def percent_formatter(lang: str, digits: int = 1):
    """An axis formatter for fractions shown as percent (``12 %`` in German, ``12%`` in English)."""
    space = "\u202f" if lang == "de" else ""

    def text(value: float, _: Any) -> str:
        shown = number(100 * value, lang, digits=digits, signed=False)
        return f"{shown[:-2] if shown.endswith(('.0', ',0')) else shown}{space}%"

    return FuncFormatter(text)


def localise(axis: Any, lang: str) -> None:
    """German tick labels get a decimal comma (``2,5``); English ones stay as matplotlib writes them."""
    if lang == "de":
        axis.set_major_formatter(FuncFormatter(lambda v, _: _german(f"{v:,.10g}").replace("-", "−")))


class NpsFigure(Figure):
    """A matplotlib Figure that shows itself in Jupyter without pyplot or ``%matplotlib inline``."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()


def new_figure(width: float, height: float) -> Figure:
    """A headless figure (Agg canvas, constrained layout) of ``width`` × ``height`` inches."""
    fig = NpsFigure(figsize=(width, height), layout="constrained", dpi=100)
    FigureCanvasAgg(fig)
    return fig


def style_axes(ax: Any, *, grid: str = "x") -> None:
    """Light grid behind the data, no top/right spines."""
    ax.set_axisbelow(True)
    if grid:
        ax.grid(axis=grid, color=GRID, linewidth=0.8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def check_table(table: Any, required: Sequence[str], *, func: str, producer: str) -> pd.DataFrame:
    """``table`` if it is a non-empty DataFrame with the ``required`` columns, else an error naming ``producer``."""
    if not isinstance(table, pd.DataFrame):
        raise ParameterError(f"{func}() needs the DataFrame that {producer} returns, got {type(table).__name__}. "
                             f"Pass e.g. {func}({producer.split('(')[0]}(...)).")
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise ColumnError(f"{func}() needs the columns {missing}, which the table lacks (it has "
                          f"{list(table.columns)}). Pass the table that {producer} returns.")
    if table.empty:
        raise ParameterError(f"{func}() got an empty table: there is nothing to draw. Check the filter or "
                             f"the survey passed to {producer}.")
    return table


def check_positive_int(name: str, value: Any, *, func: str) -> int:
    """``value`` as an int when it is a whole number >= 1, else a ParameterError."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ParameterError(f"{func}(): {name} must be a whole number of at least 1, got {value!r}. "
                             f"Pass e.g. {name}=20.")
    return int(value)


def check_share(name: str, value: Any, *, func: str) -> float:
    """``value`` when it lies strictly between 0 and 1 (a level or a false discovery rate)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not 0 < value < 1:
        raise ParameterError(f"{func}(): {name} must be a number between 0 and 1 (exclusive), got {value!r}. "
                             f"Pass e.g. {name}=0.05.")
    return float(value)


_NOT_GIVEN = {"en": "(not given)", "de": "(ohne Angabe)"}


def segment_value(value: Any, lang: str = "en") -> str:
    """A segment value as a chart shows it: the tables' "(missing)" (a respondent without a value in that
    column, e.g. a consumer's role) reads "(not given)" / "(ohne Angabe)"; every other value as it is."""
    text = str(value)
    return _NOT_GIVEN.get(lang, _NOT_GIVEN["en"]) if text == MISSING_LABEL else text


def short(text: Any, width: int = 30, lines: int = 2) -> str:
    """``text`` wrapped to at most ``lines`` lines of ``width`` characters, cut with "…" beyond that."""
    wrapped = textwrap.wrap(str(text), width=width, break_long_words=True) or [""]
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][: width - 1].rstrip() + "…"
    return "\n".join(wrapped)


def set_title(fig: Figure, text: str) -> None:
    """The figure's title, above the legend (which sits above the axes)."""
    fig.suptitle(text, fontsize=12)


def legend_above(ax: Any, handles: list[Any], *, ncol: int, title: str | None = None) -> None:
    """The legend in a row above the axes, under the title: it never covers data, and layout makes room for it.

    Fewer than ``ncol`` columns when a row would be wider than the figure (German labels are longer).
    """
    width = ax.figure.get_figwidth()
    labels = [str(h.get_label()) for h in handles]
    while ncol > 1 and max(sum(0.065 * len(t) + 0.6 for t in labels[i:i + ncol])
                           for i in range(0, len(labels), ncol)) > 0.95 * width:
        ncol -= 1
    ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.01), ncol=ncol, frameon=False,
              fontsize=8.5, title=title, title_fontsize=8.5, borderaxespad=0.2)


def add_note(fig: Figure, text: str) -> None:
    """A small grey note under the figure (what faint or hollow marks mean, what is left out)."""
    fig.supxlabel(text, fontsize=8, color="#555555", ha="left", x=0.01)


def theme_style(i: int) -> tuple[str, str]:
    """Colour and marker of the ``i``-th theme: the colours cycle first, then the markers."""
    return THEME_COLOURS[i % len(THEME_COLOURS)], THEME_MARKERS[(i // len(THEME_COLOURS)) % len(THEME_MARKERS)]


_DIRECTIONS = [(1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (1, -1), (-1, 1), (-1, -1)]


def place_labels(ax: Any, xs: Sequence[float], ys: Sequence[float], texts: Sequence[str], *,
                 radii: Sequence[float] | None = None, obstacles: Sequence[tuple[float, float, float]] = (),
                 fontsize: float = 8, box: bool = False) -> list[Any]:
    """Label points so that labels overlap each other, the marks and the frame as little as possible.

    Each label tries eight spots around its point just outside the mark's radius (``radii``, in
    points), then two rings further out, and takes the first free one, else the one overlapping least.
    ``obstacles`` are more marks to keep clear of, as ``(x, y, radius in points)``. Judged on the
    layout drawn once beforehand.
    """
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    to_px = fig.dpi / 72
    radii = list(radii) if radii is not None else [3.0] * len(texts)
    blocked = [_circle_box(ax, x, y, r * to_px) for x, y, r in [*zip(xs, ys, radii), *obstacles]
               if np.isfinite(x) and np.isfinite(y)]
    frame = ax.get_window_extent(renderer)
    out = []
    for x, y, text, r in zip(xs, ys, texts, radii):
        if not (np.isfinite(x) and np.isfinite(y)):
            continue
        style = {"fontsize": fontsize, "color": INK, "zorder": 6, "textcoords": "offset points",
                 "bbox": {"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.75} if box else None}
        best, best_cost = None, math.inf
        for dx, dy, ring in [(dx, dy, ring) for ring in (2.0, 12.0, 24.0) for dx, dy in _DIRECTIONS]:
            where = {"xytext": (dx * (r + ring), dy * (r + ring)), "ha": {1: "left", 0: "center", -1: "right"}[dx],
                     "va": {1: "bottom", 0: "center", -1: "top"}[dy]}
            trial = ax.annotate(text, (x, y), **where, **style)
            extent = trial.get_window_extent(renderer).padded(2)
            trial.remove()
            cost = ring + sum(_area(extent, other) for other in blocked) + 4 * _outside(extent, frame)
            if cost < best_cost:
                best, best_cost = (where, extent, ring), cost
            if cost == ring:  # free, and no nearer spot was
                break
        where, extent, ring = best
        leader = {"arrowprops": {"arrowstyle": "-", "color": "#999999", "linewidth": 0.6, "shrinkA": 0,
                                 "shrinkB": r}} if ring > 2 else {}
        out.append(ax.annotate(text, (x, y), **where, **style, **leader))
        blocked.append(extent)
    return out


def _circle_box(ax: Any, x: float, y: float, radius_px: float) -> Any:
    cx, cy = ax.transData.transform((x, y))
    return Bbox([[cx - radius_px, cy - radius_px], [cx + radius_px, cy + radius_px]])


def _area(a: Any, b: Any) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return max(w, 0) * max(h, 0)


def _outside(box: Any, frame: Any) -> float:
    inside = _area(box, frame)
    return box.width * box.height - inside


def truthy(values: pd.Series) -> np.ndarray:
    """True where a flag column says True (bools, nullable booleans, or "True" text read back from a CSV)."""
    return values.map(lambda v: v is True or v == 1 or str(v).strip().lower() == "true"
                      if not (v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))) else False
                      ).to_numpy(dtype=bool)


def has_text(values: pd.Series) -> np.ndarray:
    """True where a warning column holds a message (not None, NaN or an empty string)."""
    return values.map(lambda v: isinstance(v, str) and v.strip() != "").to_numpy(dtype=bool)
