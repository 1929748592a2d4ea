"""``nps-text programme``: benchmarks, brands, accounts, league table, weighting, promoters and outcomes."""

from __future__ import annotations

import shlex
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..io.load import LoadOptions
from ..jobs.programme import programme_columns, programme_report
from .app import (
    PROGRAMME_FLAGS,
    Command,
    LevelOpt,
    MentionsOpt,
    SurveyArg,
    TaxonomyOpt,
    app,
    check_programme_columns,
    err,
    out,
    reads_a_survey,
    takes_programme_options,
    user_errors,
)


class TextOrJson(str, Enum):
    text = "text"
    json = "json"



@app.command(cls=Command)
@user_errors
@reads_a_survey
@takes_programme_options
def programme(
    survey: SurveyArg,
    taxonomy: TaxonomyOpt = None,
    mentions: MentionsOpt = None,
    outdir: Annotated[Optional[Path], typer.Option("--output", "-o", "--outdir", metavar="FOLDER", help="Write programme.json, programme_report.html (the sections as one HTML page, quotes redacted) and one CSV per table here.")] = None,
    level: LevelOpt = 0.95,
    format: Annotated[TextOrJson, typer.Option("--format", help="text for people; json for scripts.")] = TextOrJson.text,  # noqa: A002
    load: LoadOptions = LoadOptions(),
    programme: dict | None = None,
) -> None:
    """The NPS programme around the comments: benchmarks, competitors, B2B accounts, league table, weighting, promoters, churn.

    Each section runs when its options are given; promoters, testimonials and indifferent themes always.
    The same options on `nps-text analyze` add these sections to its report, with its themes.
    --format json prints {"benchmarks", "brands", "accounts", "league", "weighting", "promoters",
    "testimonials", "customers", "outcome", "indifferent"} (null for a section not asked for).
    """
    loaded = load.load(survey)
    check_programme_columns(loaded, programme)
    unused = {k: v for k, v in programme_columns(loaded.responses).items() if k not in programme}
    if unused:  # say what the survey offers; analyze uses such columns by itself
        flags = " ".join(f"{PROGRAMME_FLAGS[k]} {shlex.quote(str(v))}" for k, v in unused.items())
        err.print(f"Note: the survey has columns for more sections: add {flags}", highlight=False, soft_wrap=True)
    result = programme_report(loaded, **programme, mentions=mentions, taxonomy=taxonomy, outdir=outdir, level=level)
    if format is TextOrJson.json:
        sys.stdout.write(result.to_json() + "\n")
        return
    out.print(result.summary(), highlight=False, soft_wrap=True, markup=False)
    if outdir is not None:
        err.print(f"Wrote programme.json, programme_report.html and {len(result.tables)} CSV tables to {outdir}.",
                  highlight=False)
