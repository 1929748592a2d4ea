"""``nps-text score``: NPS with its interval, by segment, by period and against a target."""

from __future__ import annotations

import csv
import sys
from typing import Annotated

import typer

from ..io.export import neutralise_formulas, round_table
from ..io.load import LoadOptions
from ..jobs import score_survey
from .app import (
    ByOpt,
    Command,
    Format,
    LevelOpt,
    PeriodOpt,
    SurveyArg,
    TargetOpt,
    app,
    reads_a_survey,
    user_errors,
)
from .render import _print_summary


@app.command(cls=Command)
@user_errors
@reads_a_survey
def score(
    survey: SurveyArg,
    by: ByOpt = None,
    period: PeriodOpt = None,
    target: TargetOpt = None,
    level: LevelOpt = 0.95,
    format: Annotated[Format, typer.Option("--format", help="table for people; json/csv for scripts.")] = Format.table,  # noqa: A002
    load: LoadOptions = LoadOptions(),
) -> None:
    """NPS with its confidence interval, optionally by segment (--by), by period and against a target.

    --format json prints one object with stable keys (see the README); --format csv one long
    table with a 'section' column: overall, segment and period rows.
    """
    responses, report = load.load(survey)
    result = score_survey(responses, by=by, period=period.value if period else None, target=target,
                          level=level, report=report)
    if format is Format.json:
        sys.stdout.write(result.to_json() + "\n")
    elif format is Format.csv:
        table = neutralise_formulas(result.to_frame().drop(columns=["load_warnings"], errors="ignore"))
        round_table(table).to_csv(sys.stdout, index=False, quoting=csv.QUOTE_MINIMAL)
    else:
        _print_summary(result.to_dict(), report.summary())
