"""The HTML report: one self-contained page a manager can read, in English or German.

>>> from nps_text.report import ReportInput, render_report, write_report
"""

from ._build import ReportInput, render_report, survey_language, write_report
from ._i18n import check_lang
from ._programme import programme_context, render_programme, write_programme_report

__all__ = ["ReportInput", "render_report", "write_report", "survey_language", "check_lang", "programme_context",
           "render_programme", "write_programme_report"]
