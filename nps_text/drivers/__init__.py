"""Drivers: which themes cost promoters and which create them, with intervals, views, models and follow-up.

>>> from nps_text.drivers import theme_table, driver_views, close_the_loop
"""

from .followup import PRIORITIES, close_the_loop
from .misclassification import METHODS, correct_misclassification, corrected_counts
from .models import OUTCOMES, driver_regression, relative_importance
from .table import (
    BASES,
    DRIVER_COLUMNS,
    META,
    bh_qvalues,
    driver_frame,
    driver_labels,
    group_table_test,
    odds_ratio,
    theme_table,
    two_proportion_test,
)
from .views import (
    VIEWS,
    driver_views,
    drivers_by,
    drivers_by_period,
    what_if,
    what_if_table,
)

__all__ = ["theme_table", "driver_frame", "driver_labels", "bh_qvalues", "odds_ratio", "group_table_test", "BASES",
           "META", "DRIVER_COLUMNS", "driver_views", "drivers_by", "drivers_by_period", "what_if", "what_if_table",
           "VIEWS", "driver_regression", "relative_importance", "OUTCOMES", "correct_misclassification",
           "corrected_counts", "METHODS", "close_the_loop", "PRIORITIES", "two_proportion_test"]
