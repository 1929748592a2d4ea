"""``nps-text programme``: benchmarks, brands, accounts, league table, weighting, promoters and outcomes."""

from __future__ import annotations

import difflib
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import ColumnError
from ..io.load import LoadOptions
from ..jobs.programme import programme_report
from .app import Command, LevelOpt, MentionsOpt, SurveyArg, TaxonomyOpt, app, err, out, reads_a_survey, user_errors


class TextOrJson(str, Enum):
    text = "text"
    json = "json"


ColumnOpt = Optional[str]


@app.command(cls=Command)
@user_errors
@reads_a_survey
def programme(
    survey: SurveyArg,
    benchmarks: Annotated[Optional[Path], typer.Option("--benchmarks", metavar="FILE", help="Published NPS values to compare with (name, nps, n, source, year).")] = None,
    brand: Annotated[ColumnOpt, typer.Option("--brand", metavar="COLUMN", help="Brand column: NPS per brand and which themes explain the gaps.")] = None,
    own_brand: Annotated[ColumnOpt, typer.Option("--own-brand", metavar="NAME", help="Your brand in --brand (default: compare with the leader).")] = None,
    account: Annotated[ColumnOpt, typer.Option("--account", metavar="COLUMN", help="Account column (with --role): where roles of one account disagree.")] = None,
    role: Annotated[ColumnOpt, typer.Option("--role", metavar="COLUMN", help="Respondent role column (with --account).")] = None,
    unit: Annotated[ColumnOpt, typer.Option("--unit", metavar="COLUMN", help="Team/branch column: league table with shrunken NPS.")] = None,
    population: Annotated[Optional[Path], typer.Option("--population", metavar="FILE", help="Segment shares of the customer base (segment column + share): representation and weighted NPS.")] = None,
    customer: Annotated[ColumnOpt, typer.Option("--customer", metavar="COLUMN", help="Customer id column: per-customer view (and, with --outcomes, churn by NPS group).")] = None,
    outcomes: Annotated[Optional[Path], typer.Option("--outcomes", metavar="FILE", help="One row per customer with the outcome (e.g. churned 0/1).")] = None,
    outcome: Annotated[str, typer.Option("--outcome", metavar="COLUMN", help="Outcome column of --outcomes.")] = "churned",
    taxonomy: TaxonomyOpt = None,
    mentions: MentionsOpt = None,
    outdir: Annotated[Optional[Path], typer.Option("-o", "--outdir", metavar="DIR", help="Write programme.json, programme_report.html (the sections as one HTML page, quotes redacted) and one CSV per table here.")] = None,
    level: LevelOpt = 0.95,
    format: Annotated[TextOrJson, typer.Option("--format", help="text for people; json for scripts.")] = TextOrJson.text,  # noqa: A002
    load: LoadOptions = LoadOptions(),
) -> None:
    """The NPS programme around the comments: benchmarks, competitors, B2B accounts, league table, weighting, promoters, churn.

    Each section runs when its options are given; promoters, testimonials and indifferent themes always.
    --format json prints {"benchmarks", "brands", "accounts", "league", "weighting", "promoters",
    "testimonials", "customers", "outcome", "indifferent"} (null for a section not asked for).
    """
    if outcomes is not None and customer is None:
        err.print("[bold red]Error:[/] --outcomes needs --customer COLUMN to join them to the survey.")
        raise typer.Exit(code=2)
    loaded = load.load(survey)
    _check_columns(loaded, {"--brand": brand, "--account": account, "--role": role, "--unit": unit,
                            "--customer": customer})
    result = programme_report(loaded, benchmarks=benchmarks, brand=brand, own_brand=own_brand,
                              account=account, role=role, unit=unit, population=population, customer=customer,
                              outcomes=outcomes, outcome=outcome, mentions=mentions, taxonomy=taxonomy, outdir=outdir,
                              level=level)
    if format is TextOrJson.json:
        sys.stdout.write(result.to_json() + "\n")
        return
    out.print(result.summary(), highlight=False, soft_wrap=True, markup=False)
    if outdir is not None:
        err.print(f"Wrote programme.json, programme_report.html and {len(result.tables)} CSV tables to {outdir}.",
                  highlight=False)


def _check_columns(loaded, options: dict[str, str | None]) -> None:
    """Each column option names a column of the survey; else one clear error with the survey's own columns."""
    responses = loaded.responses
    source = list(getattr(loaded.report, "source_columns", None) or []) or list(responses.columns)
    usable = [c for c in source if c in responses.columns]
    for option, column in options.items():
        if column is None or column in responses.columns:
            continue
        close = difflib.get_close_matches(column, usable, n=1, cutoff=0.6) or \
            [c for c in usable if c.lower() == column.lower()]
        hint = f" Did you mean {option} {close[0]}?" if close else ""
        raise ColumnError(f"Column {column!r} ({option}) is not in the survey.{hint} Its columns: {usable}. "
                          f"Pass {option} COLUMN with one of them.")
