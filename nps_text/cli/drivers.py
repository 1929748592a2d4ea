"""``nps-text drivers``: which themes cost promoters and which create them."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..io.export import neutralise_formulas, round_table
from ..io.load import LoadOptions
from ..jobs import drivers_survey
from .app import (
    ByOpt,
    Command,
    Format,
    LevelOpt,
    MentionsOpt,
    Method,
    MethodOpt,
    ModelOpt,
    PeriodOpt,
    SurveyArg,
    TaxonomyOpt,
    app,
    err,
    note_default_taxonomy,
    reads_a_survey,
    user_errors,
)
from .render import _print_drivers


class Base(str, Enum):
    commented = "commented"
    all = "all"


@app.command(cls=Command)
@user_errors
@reads_a_survey
def drivers(
    survey: SurveyArg,
    taxonomy: TaxonomyOpt = None,
    model: ModelOpt = None,
    mentions: MentionsOpt = None,
    method: MethodOpt = Method.rules,
    by: ByOpt = None,
    period: PeriodOpt = None,
    base: Annotated[Base, typer.Option("--base", help="commented: compare within real written comments; all: with every respondent.")] = Base.commented,
    models: Annotated[bool, typer.Option("--models/--no-models", metavar=" ", help="Also fit the logistic and ordinal models and the relative importance.")] = True,
    metrics: Annotated[Optional[Path], typer.Option("--metrics", metavar="FILE", help="`nps-text evaluate --format json` output of the tagger: add prevalence and impact corrected for tagging errors.")] = None,
    level: LevelOpt = 0.95,
    fdr: Annotated[float, typer.Option("--fdr", metavar="0..1", help="Benjamini-Hochberg false discovery rate for 'significant'.")] = 0.05,
    format: Annotated[Format, typer.Option("--format", help="table for people; json/csv for scripts.")] = Format.table,  # noqa: A002
    load: LoadOptions = LoadOptions(),
) -> None:
    r"""Which themes cost promoters and which create them: impact on NPS with intervals, odds ratios, FDR-controlled tests.

    Mentions come from --mentions FILE, or from tagging the survey (rules on --taxonomy, zero-shot,
    or --model). --format json prints {"drivers": \[one object per theme], "by": \[...], "periods":
    \[...], and the base counts}; --format csv the driver table.
    """
    note_default_taxonomy(taxonomy, model, mentions)
    result = drivers_survey(load.load(survey), taxonomy=taxonomy, model=model, mentions=mentions, method=method.value, by=by,
                            period=period.value if period else None, base=base.value, level=level, fdr=fdr,
                            models=models and format is Format.table, metrics=metrics)
    if format is Format.json:
        sys.stdout.write(result.to_json() + "\n")
        return
    if format is Format.csv:
        round_table(neutralise_formulas(result.to_frame())).to_csv(sys.stdout, index=False)
        return
    err.print(result.report.summary(), highlight=False, soft_wrap=True)
    _print_drivers(result.to_dict(), result.tables)
