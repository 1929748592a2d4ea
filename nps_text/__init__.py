"""nps-text: turn the "why" comments of NPS surveys into decisions.

Importing the package is cheap: no model, no torch, no spaCy pipeline is loaded here.
"""

from importlib.metadata import PackageNotFoundError, version

from .errors import ColumnError, NpsTextError, ParameterError, ScoreError, SurveyFileError
from .export import neutralise_formulas, write_table
from .pipeline import AnalysisResult, DiscoveredSurvey, TaggedSurvey, analyze, discover_survey, score_survey, tag_survey
from .scoring import (
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
from .survey import LoadedSurvey, LoadReport, RejectedRow, load_survey

try:
    __version__ = version("nps-text")
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"

# heavier parts (spaCy, embedders, taggers) load on first use, so `import nps_text` stays quick
_LAZY = {
    "prepare_text": "text", "redact": "redact", "embed": "embed", "get_embedder": "embed",
    "load_taxonomy": "taxonomy", "default_taxonomy": "taxonomy", "Taxonomy": "taxonomy",
    "RuleTagger": "tagging", "ZeroShotTagger": "tagging", "ThemeClassifier": "tagging",
    "theme_table": "drivers", "driver_views": "driver_views", "drivers_by": "driver_views",
    "drivers_by_period": "driver_views", "what_if": "driver_views", "what_if_table": "driver_views", "driver_regression": "driver_models",
    "relative_importance": "driver_models", "correct_misclassification": "misclassification",
    "close_the_loop": "followup", "driver_tables": "pipeline", "drivers_survey": "pipeline",
    "theme_summary": "tagging.summary", "SentimentScorer": "tagging", "add_sentiment": "tagging", "sentence_sentiment": "tagging",
    "ThemeDiscovery": "discover", "discover_themes": "discover", "DiscoveryResult": "discover",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'nps_text' has no attribute {name!r}")

__all__ = [
    "AnalysisResult", "ColumnError", "LoadReport", "LoadedSurvey", "NPSResult", "NpsTextError",
    "ParameterError", "RejectedRow", "ScoreError", "SurveyFileError", "analyze", "compare_nps",
    "load_survey", "neutralise_formulas", "nps", "nps_by", "nps_by_period", "nps_from_counts",
    "nps_group", "nps_summary", "sample_size_for_margin", "score_survey", "target_progress",
    "write_table", "tag_survey", "TaggedSurvey", "discover_survey", "DiscoveredSurvey", *_LAZY,
]
