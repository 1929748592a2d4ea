"""nps-text: turn the "why" comments of NPS surveys into decisions.

Importing the package is cheap: no model, no torch, no spaCy pipeline is loaded here.
One package per concept, in the order data flows: ``io`` (load, export), ``stats`` (NPS),
``text`` (prepare), ``embed``, ``tagging`` (taxonomy, taggers, training), ``discover``,
``drivers``, ``jobs`` (the composed jobs the CLI runs) and ``cli``.
"""

import importlib

from . import _moved
from ._core.version import VERSION as __version__  # noqa: F401 (the public attribute)
from .embed.backends import embed as _embed
from .errors import (
    ColumnError,
    NpsTextError,
    ParameterError,
    ScoreError,
    SurveyFileError,
)
from .io.export import neutralise_formulas, write_table
from .io.load import LoadedSurvey, LoadReport, RejectedRow, load_survey
from .jobs import (
    AnalysisResult,
    DiscoveredSurvey,
    ProgrammeReport,
    TaggedSurvey,
    analyze,
    discover_survey,
    programme_report,
    score_survey,
    tag_survey,
)
from .stats.scores import (
    NPSResult,
    compare_nps,
    nps,
    nps_from_counts,
    nps_group,
    nps_summary,
    sample_size_for_margin,
    target_progress,
)
from .stats.segments import nps_by, nps_by_period

_moved.install()

# the function, not the subpackage of the same name (importing nps_text.embed made it the module)
embed = _embed

# heavier parts (spaCy, embedders, taggers) load on first use, so `import nps_text` stays quick
_LAZY = {
    "prepare_text": "text", "redact": "text", "get_embedder": "embed",
    "load_taxonomy": "tagging.taxonomy", "default_taxonomy": "tagging.taxonomy", "Taxonomy": "tagging.taxonomy",
    "RuleTagger": "tagging", "ZeroShotTagger": "tagging", "ThemeClassifier": "tagging",
    "theme_table": "drivers", "driver_views": "drivers", "drivers_by": "drivers",
    "drivers_by_period": "drivers", "what_if": "drivers", "what_if_table": "drivers", "driver_regression": "drivers",
    "relative_importance": "drivers", "correct_misclassification": "drivers",
    "close_the_loop": "drivers", "driver_tables": "jobs", "drivers_survey": "jobs",
    "theme_summary": "tagging.summary", "SentimentScorer": "tagging", "add_sentiment": "tagging", "sentence_sentiment": "tagging",
    "ThemeDiscovery": "discover", "discover_themes": "discover", "DiscoveryResult": "discover",
    "report_survey": "jobs", "render_report": "report", "write_report": "report",
}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'nps_text' has no attribute {name!r}")


__all__ = [
    "AnalysisResult", "ColumnError", "LoadReport", "LoadedSurvey", "NPSResult", "NpsTextError",
    "ParameterError", "RejectedRow", "ScoreError", "SurveyFileError", "analyze", "compare_nps",
    "load_survey", "neutralise_formulas", "nps", "nps_by", "nps_by_period", "nps_from_counts",
    "nps_group", "nps_summary", "sample_size_for_margin", "score_survey", "target_progress",
    "write_table", "embed", "tag_survey", "TaggedSurvey", "discover_survey", "DiscoveredSurvey",
    "programme_report", "ProgrammeReport", *_LAZY,
]
