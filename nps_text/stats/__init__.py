"""NPS statistics: the score and its interval, comparisons, targets, segments and periods.

>>> from nps_text.stats import nps, nps_by, nps_by_period
"""

from .scores import (
    GROUPS,
    NPSComparison,
    NPSResult,
    compare_nps,
    nps,
    nps_from_counts,
    nps_group,
    nps_summary,
    sample_size_for_margin,
    target_progress,
)
from .segments import nps_by, nps_by_period

__all__ = ["GROUPS", "NPSResult", "NPSComparison", "nps_group", "nps", "nps_summary", "nps_from_counts",
           "sample_size_for_margin", "compare_nps", "target_progress", "nps_by", "nps_by_period"]
