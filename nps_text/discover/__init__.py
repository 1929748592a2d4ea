"""Theme discovery: cluster clause embeddings into themes, describe them, edit them, write a taxonomy draft.

>>> from nps_text.discover import ThemeDiscovery, discover_themes
"""

from ._model import FILLER, UNASSIGNED, DiscoveryModelError, ThemeDiscovery, filler_mask
from ._result import (
    THEME_COLUMNS,
    DiscoveryResult,
    assignments_frame,
    discover_themes,
    discovery_mentions,
    theme_table,
    to_taxonomy,
)

__all__ = ["ThemeDiscovery", "DiscoveryResult", "DiscoveryModelError", "discover_themes", "theme_table",
           "assignments_frame", "discovery_mentions", "to_taxonomy", "filler_mask", "THEME_COLUMNS",
           "FILLER", "UNASSIGNED"]
