"""The jobs, composed from the library's steps: one module per job, re-exported here.

Nothing here holds logic of its own: loading and validation live in ``io``, statistics in
``stats`` and ``drivers``, text in ``text``/``tagging``/``discover``. Each job is written once and
takes a file, a DataFrame or a :class:`~nps_text.io.LoadedSurvey`; ``analyze`` composes the
others, ``programme_report`` runs the NPS programme (:mod:`nps_text.programme`), and the CLI calls
these functions.
"""

from .._core.results import to_jsonable
from . import accessor  # noqa: F401  (registers df.nps)
from .analyze import AnalysisResult, analyze, report_input
from .discover import DiscoveredSurvey, discover_responses, discover_survey
from .drivers import DriversResult, driver_tables, drivers_summary, drivers_survey, followup_survey, read_mentions
from .programme import PROGRAMME_KEYS, ProgrammeReport, programme_report
from .report import report_survey
from .score import PERIOD_COLUMNS, SEGMENT_COLUMNS, score_survey, summary_frame
from .tag import TaggedSurvey, tag_responses, tag_survey

__all__ = ["score_survey", "summary_frame", "analyze", "AnalysisResult", "tag_survey", "tag_responses", "TaggedSurvey",
           "to_jsonable", "driver_tables", "drivers_summary", "drivers_survey", "DriversResult", "followup_survey",
           "read_mentions", "discover_survey", "discover_responses", "DiscoveredSurvey", "SEGMENT_COLUMNS",
           "PERIOD_COLUMNS", "report_survey", "report_input", "programme_report", "ProgrammeReport",
           "PROGRAMME_KEYS"]
