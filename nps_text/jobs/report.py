"""The report job: ``report_survey`` (what ``nps-text report`` runs) and the report of an analysis."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import SurveyFileError
from ..io.load import LoadedSurvey
from ..report import write_report
from .analyze import analyze, report_input


def report_survey(
    source: str | Path | pd.DataFrame | LoadedSurvey,
    output: str | Path = "report.html",
    *,
    lang: str | None = None,
    redact: bool = True,
    **analyze_options: Any,
) -> Path:
    """Analyse a survey (as :func:`analyze` does, writing no tables) and write its HTML report to ``output``.

    ``lang`` ("en"/"de", default: the comments' language) and ``redact`` (default True: personal
    data in quotes and comments becomes placeholders) are the report's; the rest goes to
    :func:`analyze`. Returns the path written.
    """
    output = Path(output)
    if output.suffix.lower() not in (".html", ".htm"):
        raise SurveyFileError(f"Cannot write the report to '{output.name}': it is an HTML page, so give the file an "
                              ".html name, e.g. -o report.html.")
    result = analyze(source, outdir=None, report=False, **analyze_options)
    return write_report(report_input(result), output, lang=lang, redact=redact)
