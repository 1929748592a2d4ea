"""Figures of NPS results: each function takes a table or object nps-text returns and gives a matplotlib Figure.

Every figure is a plain :class:`matplotlib.figure.Figure` drawn without pyplot (nothing is shown, no
window opens, it works on servers); save it with ``fig.savefig("nps.png")`` or show it in a notebook
cell. Every function takes ``lang="en"`` or ``lang="de"`` for its labels, and all share one
colour-blind-safe palette (Okabe–Ito): detractors vermillion, passives grey, promoters bluish green;
what raises the NPS is drawn in the promoter colour, what lowers it in the detractor colour.

>>> from nps_text.plot import score_distribution, nps_trend, driver_impact
"""

from ._style import DETRACTOR, PASSIVE, PROMOTER
from .breakdown import theme_segment_heatmap, theme_trend
from .drivers import driver_impact, impact_waterfall, priority_matrix
from .league import funnel_plot
from .scores import nps_trend, score_distribution, segment_forest
from .themes import theme_dendrogram, theme_map

__all__ = ["score_distribution", "nps_trend", "segment_forest", "driver_impact", "priority_matrix",
           "impact_waterfall", "theme_segment_heatmap", "theme_trend", "theme_map", "theme_dendrogram", "funnel_plot",
           "DETRACTOR", "PASSIVE", "PROMOTER"]
