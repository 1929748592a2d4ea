"""The ``nps-text`` command line: a thin Typer layer over the library.

Each command parses options, calls one library function and renders its result. A user
mistake (missing file, wrong column, bad value) exits with code 2 and a one-paragraph
message, never a traceback.
"""

from __future__ import annotations

import csv
import functools
import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from .errors import NpsTextError
from .pipeline import analyze as analyze_survey
from .pipeline import score_survey
from .survey import load_survey

app = typer.Typer(
    name="nps-text",
    help="Turn NPS survey exports and their 'why' comments into numbers you can act on.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


class Period(str, Enum):
    week = "week"
    month = "month"
    quarter = "quarter"
    year = "year"


class Scale(str, Enum):
    zero_to_ten = "0-10"
    one_to_ten = "1-10"


class Errors(str, Enum):
    report = "report"
    raise_ = "raise"


SurveyArg = Annotated[Path, typer.Argument(help="Survey export: CSV/TSV, XLSX, Parquet or JSONL.", show_default=False)]
ScoreOpt = Annotated[Optional[str], typer.Option("--score", help="Score column (0-10). Default: found by header.")]
CommentOpt = Annotated[Optional[str], typer.Option("--comment", help="Comment ('why') column. Default: found by header.")]
IdOpt = Annotated[Optional[str], typer.Option("--id", help="Response id column. Default: found by header, else row numbers.")]
DateOpt = Annotated[Optional[str], typer.Option("--date", help="Date column. Default: found by header.")]
SheetOpt = Annotated[Optional[str], typer.Option("--sheet", help="Excel sheet name (default: the first).")]
ScaleOpt = Annotated[Scale, typer.Option("--scale", help="Answer scale; 1-10 must be asked for.")]
ErrorsOpt = Annotated[Errors, typer.Option("--errors", help="report: skip bad rows and list them; raise: stop at bad rows.")]
ByOpt = Annotated[Optional[list[str]], typer.Option("--by", help="Segment column to break NPS down by (repeatable).")]
PeriodOpt = Annotated[Optional[Period], typer.Option("--period", help="Trend period (needs a date column).")]
TargetOpt = Annotated[Optional[float], typer.Option("--target", help="Target NPS to report progress against.")]
LevelOpt = Annotated[float, typer.Option("--level", help="Confidence level of the intervals.")]


def _user_errors(func):
    """Turn library errors into exit code 2 with the message, instead of a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except NpsTextError as exc:
            err.print(f"[bold red]Error:[/] {exc}", markup=True, highlight=False, soft_wrap=True)
            raise typer.Exit(code=2) from None
        except OSError as exc:
            err.print(f"[bold red]Error:[/] {exc.strerror or exc}: {exc.filename or ''}. "
                      "Check the path and your permissions.", highlight=False, soft_wrap=True)
            raise typer.Exit(code=2) from None

    return wrapper


def _load_options(score, comment, id_, date, sheet, scale, errors) -> dict[str, Any]:
    sheet_value: str | int | None = int(sheet) if sheet is not None and sheet.isdigit() else sheet
    return dict(score=score, comment=comment, id=id_, date=date, sheet=sheet_value,
                scale=scale.value, errors=errors.value)


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _nps_table(title: str, rows: list[dict[str, Any]], label_keys: list[str]) -> Table:
    table = Table(title=title, title_justify="left")
    for key in label_keys:
        table.add_column(key)
    for key in ("n", "nps", "95% interval", "p vs rest" if "p_value_vs_rest" in (rows[0] if rows else {}) else "change"):
        table.add_column(key, justify="right")
    table.add_column("note")
    for row in rows:
        extra = row.get("p_value_vs_rest", row.get("change_p_value"))
        last = _fmt(extra, 3) if "p_value_vs_rest" in row else (
            f"{_fmt(row.get('change'))} (p={_fmt(extra, 3)})" if row.get("change") is not None else "–")
        table.add_row(*[str(row[k]) for k in label_keys], str(row["n"]), _fmt(row["nps"]),
                      f"{_fmt(row['ci_low'])} … {_fmt(row['ci_high'])}", last, row.get("warning") or "")
    return table


def _print_summary(summary: dict[str, Any], report_text: str | None = None) -> None:
    if report_text:
        err.print(report_text, highlight=False, soft_wrap=True)
    out.print(
        f"[bold]NPS {_fmt(summary['nps'])}[/] (95% interval {_fmt(summary['ci_low'])} to {_fmt(summary['ci_high'])}, "
        f"±{_fmt(summary['margin_of_error'])}) from {summary['n']} responses: "
        f"{summary['promoters']} promoters, {summary['passives']} passives, {summary['detractors']} detractors."
        .replace("95%", f"{round(summary['level'] * 100)}%"),
        highlight=False,
    )
    if summary.get("warning"):
        out.print(f"[yellow]{summary['warning']}[/]")
    if summary.get("by"):
        out.print(_nps_table("NPS by segment", summary["by"], ["column", "value"]))
    if summary.get("periods"):
        out.print(_nps_table(f"NPS by {summary['period']}", summary["periods"], ["period"]))
    if summary.get("target"):
        t = summary["target"]
        out.print(f"Target {_fmt(t['target'])}: NPS is {t['status']} (gap {_fmt(t['gap'])}, p={_fmt(t['p_value'], 3)}).")


@app.command()
@_user_errors
def score(
    survey: SurveyArg,
    score: ScoreOpt = None,
    comment: CommentOpt = None,
    id: IdOpt = None,  # noqa: A002
    date: DateOpt = None,
    sheet: SheetOpt = None,
    scale: ScaleOpt = Scale.zero_to_ten,
    errors: ErrorsOpt = Errors.report,
    by: ByOpt = None,
    period: PeriodOpt = None,
    target: TargetOpt = None,
    level: LevelOpt = 0.95,
    format: Annotated[Format, typer.Option("--format", help="table for people; json/csv for scripts.")] = Format.table,  # noqa: A002
) -> None:
    """NPS with its confidence interval, optionally by segment, by period and against a target."""
    responses, report = load_survey(survey, **_load_options(score, comment, id, date, sheet, scale, errors))
    summary = score_survey(responses, by=by, period=period.value if period else None, target=target,
                           level=level, report=report)
    if format is Format.json:
        sys.stdout.write(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    elif format is Format.csv:
        overall = {k: v for k, v in summary.items() if not isinstance(v, (list, dict))}
        rows = [{"column": "(overall)", "value": "(all)", **overall}] + summary["by"]
        pd.DataFrame(rows).to_csv(sys.stdout, index=False, quoting=csv.QUOTE_MINIMAL)
    else:
        _print_summary(summary, report.summary())


@app.command()
@_user_errors
def analyze(
    survey: SurveyArg,
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for the result tables.")] = Path("nps-text-output"),
    score: ScoreOpt = None,
    comment: CommentOpt = None,
    id: IdOpt = None,  # noqa: A002
    date: DateOpt = None,
    sheet: SheetOpt = None,
    scale: ScaleOpt = Scale.zero_to_ten,
    errors: ErrorsOpt = Errors.report,
    by: ByOpt = None,
    period: PeriodOpt = None,
    target: TargetOpt = None,
    level: LevelOpt = 0.95,
) -> None:
    """The main job: load, score overall / by segment / over time, and write all tables to OUTPUT."""
    result = analyze_survey(survey, outdir=output, by=by, period=period.value if period else None,
                            target=target, level=level,
                            **_load_options(score, comment, id, date, sheet, scale, errors))
    _print_summary(result.summary, result.report.summary())
    out.print(f"Wrote {len(result.files)} files to {output}/: " + ", ".join(p.name for p in result.files),
              highlight=False)


def main() -> None:  # pragma: no cover - console entry point
    app()
