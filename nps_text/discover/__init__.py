"""Theme discovery: cluster clause embeddings into themes, describe them, edit them, write a taxonomy draft.

>>> from nps_text.discover import ThemeDiscovery, discover_themes
"""

from ._describe import KIND_NOTES
from ._guide import resolve_guide
from ._model import FILLER, LEVELS, UNASSIGNED, DiscoveryModelError, ThemeDiscovery, filler_mask, tone_mask
from ._novelty import NOVELTY_COLUMNS, novelty
from ._result import (
    THEME_COLUMNS,
    DiscoveryResult,
    assignments_frame,
    counts_line,
    describe_model,
    discover_themes,
    discovery_mentions,
    theme_table,
    to_taxonomy,
)

__all__ = ["ThemeDiscovery", "DiscoveryResult", "DiscoveryModelError", "discover_themes", "theme_table",
           "assignments_frame", "discovery_mentions", "to_taxonomy", "filler_mask", "THEME_COLUMNS",
           "FILLER", "UNASSIGNED", "LEVELS", "describe_model", "novelty", "tone_mask",
           "NOVELTY_COLUMNS", "KIND_NOTES", "counts_line", "resolve_guide"]
