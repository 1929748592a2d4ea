"""The ``nps-text`` command line: a thin Typer layer over the library.

Each command parses options, calls one library function and renders its result. A user
mistake (missing file, wrong column, bad value) exits with code 2 and a one-paragraph
message, never a traceback.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import inspect
import json
import sys
import typing
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperArgument, TyperCommand, TyperGroup

from .. import __version__
from ..errors import NpsTextError, ParameterError
from ..io.export import neutralise_formulas, round_table, write_table
from ..io.load import LoadOptions
from ..jobs import analyze as analyze_survey
from ..jobs import (
    discover_survey,
    drivers_survey,
    followup_survey,
    score_survey,
    tag_survey,
)
from ..stats.scores import TargetProgress, headline


class _PlainHelp:
    """Help that names values by their metavar (FILE, COLUMN, N) and shows no type placeholders.

    Typer puts ``<bool>`` after ``--help`` (a flag takes no value) and ``<path>`` after an argument
    that is already called SURVEY or LABELLED; both are left out. Every option of ours has a metavar.
    """

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)
        if option is not None:
            option.metavar = ""
        return option

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if isinstance(param, TyperArgument) and param.metavar:
                param.display_type_rich = _no_type  # its metavar (SURVEY, LABELLED) already says what it is


def _no_type(ctx: Any) -> None:
    return None


class _Command(_PlainHelp, TyperCommand):
    pass


class _Group(_PlainHelp, TyperGroup):
    pass


app = typer.Typer(
    name="nps-text",
    help="Turn NPS survey exports and their 'why' comments into numbers you can act on.",
    cls=_Group,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# piped or redirected output gets a width for reading, not the 80-column fallback that folds every cell
out = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 160)


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


SurveyArg = Annotated[Path, typer.Argument(metavar="SURVEY", show_default=False,
                                           help="Survey export: CSV/TSV/TXT, XLSX, Parquet, JSON Lines.")]
ScoreOpt = Annotated[Optional[str], typer.Option("--score", metavar="COLUMN", help="Score column (0-10). Default: found by its header.")]
CommentOpt = Annotated[Optional[str], typer.Option("--comment", metavar="COLUMN", help="Comment ('why') column. Default: found by its header.")]
IdOpt = Annotated[Optional[str], typer.Option("--id", metavar="COLUMN", help="Response id column. Default: found by its header, else row numbers.")]
DateOpt = Annotated[Optional[str], typer.Option("--date", metavar="COLUMN", help="Date column. Default: found by its header.")]
DayfirstOpt = Annotated[Optional[bool], typer.Option("--dayfirst/--monthfirst", metavar=" ", help="Read 01/02/2025 as 1 Feb (dayfirst) or 2 Jan. Default: detected; dotted dates are day first.", show_default=False)]
SheetOpt = Annotated[Optional[str], typer.Option("--sheet", metavar="NAME", help="Excel sheet name, or number from 0. Default: the first sheet.")]
ScaleOpt = Annotated[Scale, typer.Option("--scale", help="Answer scale; a 1-10 scale must be asked for.")]
ErrorsOpt = Annotated[Errors, typer.Option("--errors", help="report: skip bad rows and list them; raise: stop at the first bad rows.")]
ByOpt = Annotated[Optional[list[str]], typer.Option("--by", metavar="COLUMN", help="Segment column to break NPS down by; repeat for several.")]
PeriodOpt = Annotated[Optional[Period], typer.Option("--period", help="Trend period (needs a date column).")]
TargetOpt = Annotated[Optional[float], typer.Option("--target", metavar="NPS", help="Target NPS (-100..100) to report progress against.")]
LevelOpt = Annotated[float, typer.Option("--level", metavar="0..1", help="Confidence level of the intervals, between 0 and 1.")]


class Method(str, Enum):
    rules = "rules"
    zero_shot = "zero-shot"


class Sentiment(str, Enum):
    auto = "auto"
    survey = "survey"
    lexicon = "lexicon"


TaxonomyOpt = Annotated[Optional[str], typer.Option("--taxonomy", metavar="FILE", help="Taxonomy YAML, or 'default' for the bundled NPS taxonomy.")]
ModelOpt = Annotated[Optional[Path], typer.Option("--model", metavar="DIR", help="A trained ThemeClassifier folder (instead of a taxonomy).")]
MethodOpt = Annotated[Method, typer.Option("--method", help="With a taxonomy: keyword rules or zero-shot embeddings.")]
RedactOpt = Annotated[bool, typer.Option("--redact/--no-redact", metavar=" ", help="Redact personal data before tagging.")]
SentimentOpt = Annotated[Sentiment, typer.Option("--sentiment", help="Mention sentiment: learned from this survey's scores, the polarity lexicon, or auto (survey when it has 50+ promoter and detractor clauses).")]
EmbedderOpt = Annotated[str, typer.Option("--embedder", metavar="NAME", help="Embedding backend for theme discovery and the survey-learned sentiment (e5, minilm, static, hashing, ...).")]
SeedOpt = Annotated[int, typer.Option("--seed", metavar="N", help="Random seed: same data and seed give the same result.")]


def _note_default_taxonomy(taxonomy: str | None, model: Path | None, mentions: Path | None = None) -> None:
    """Say on stderr that the bundled taxonomy tags the comments when no themes were given."""
    if taxonomy is None and model is None and mentions is None:
        from ..tagging.taxonomy import default_taxonomy

        themes = default_taxonomy().ids
        err.print(f"No --taxonomy given: using the bundled default taxonomy ({len(themes)} themes: {', '.join(themes)}). "
                  "Pass --taxonomy FILE for your own themes, or --model DIR for a trained classifier.",
                  highlight=False, soft_wrap=True)


def _user_errors(func):
    """Turn library errors into exit code 2 with the message, instead of a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except NpsTextError as exc:
            err.print(f"[bold red]Error:[/] {exc}", markup=True, highlight=False, soft_wrap=True)
            raise typer.Exit(code=2) from None
        except BrokenPipeError:  # output piped into `head` and closed: not an error
            raise typer.Exit(code=0) from None
        except OSError as exc:
            err.print(f"[bold red]Error:[/] {exc.strerror or exc}: {exc.filename or ''}. "
                      "Check the path and your permissions.", highlight=False, soft_wrap=True)
            raise typer.Exit(code=2) from None

    return wrapper


# the options that say how to read the survey: defined once, added to every command that reads one
_LOAD_PARAMS = [
    inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default)
    for name, annotation, default in (
        ("score", ScoreOpt, None), ("comment", CommentOpt, None), ("id", IdOpt, None), ("date", DateOpt, None),
        ("dayfirst", DayfirstOpt, None), ("sheet", SheetOpt, None), ("scale", ScaleOpt, Scale.zero_to_ten),
        ("errors", ErrorsOpt, Errors.report))
]


def _reads_a_survey(func):
    """Give a command the load options (--score, --comment, --id, --date, --dayfirst, --sheet, --scale,
    --errors) as one ``load: LoadOptions`` argument: they are declared once, here, for every command."""
    hints = {k: v for k, v in typing.get_type_hints(func, include_extras=True).items() if k != "load"}
    own = [p.replace(annotation=hints[p.name]) for p in inspect.signature(func).parameters.values() if p.name != "load"]

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        given = {p.name: kwargs.pop(p.name, p.default) for p in _LOAD_PARAMS}
        given["scale"], given["errors"] = given["scale"].value, given["errors"].value
        return func(*args, load=LoadOptions(**given), **kwargs)

    positional = [p for p in own if p.kind is not inspect.Parameter.KEYWORD_ONLY]
    keyword = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own if p.kind is inspect.Parameter.KEYWORD_ONLY]
    wrapper.__signature__ = inspect.Signature(positional + _LOAD_PARAMS + keyword)
    wrapper.__annotations__ = {**hints, **{p.name: p.annotation for p in _LOAD_PARAMS}}
    del wrapper.__wrapped__  # Typer must read the signature above, not the function's own
    return wrapper


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _p(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


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
        if "p_value_vs_rest" in row:
            last = _p(row["p_value_vs_rest"])
        else:
            last = f"{_fmt(row.get('change'))} (p {_p(row.get('change_p_value'))})" if row.get("change") is not None else "–"
        note = "small sample" if row.get("warning") and row["n"] else ("no responses" if not row["n"] else "")
        table.add_row(*[str(row[k]) for k in label_keys], str(row["n"]), _fmt(row["nps"]),
                      f"{_fmt(row['ci_low'])} … {_fmt(row['ci_high'])}", last, note)
    return table


def _print_summary(summary: dict[str, Any], report_text: str | None = None) -> None:
    if report_text:
        err.print(report_text, highlight=False, soft_wrap=True)
    out.print(headline(summary), style="bold", highlight=False)
    if summary.get("warning"):
        out.print(f"[yellow]{summary['warning']}[/]")
    if summary.get("by"):
        out.print(_nps_table("NPS by segment", summary["by"], ["column", "value"]))
    if summary.get("periods"):
        out.print(_nps_table(f"NPS by {summary['period']}", summary["periods"], ["period"]))
    if summary.get("target"):
        out.print(TargetProgress(**summary["target"]).summary(), highlight=False)


def _print_themes(themes: dict[str, Any]) -> None:
    table = Table(title=f"Themes ({themes['tagger']}; sentiment: {themes['sentiment_method']})", title_justify="left")
    table.add_column("theme")
    for key in ("respondents", "share", "+", "-", "=", "nps", "95% interval"):
        table.add_column(key, justify="right")
    for row in themes["by_theme"]:
        table.add_row(row["theme"], str(row["respondents"]), f"{100 * row['share_of_commenters']:.0f}%",
                      str(row["positive"]), str(row["negative"]), str(row["neutral"]), _fmt(row["nps"]),
                      f"{_fmt(row['ci_low'])} … {_fmt(row['ci_high'])}")
    out.print(table)


def _version(value: bool) -> None:
    if value:
        out.print(f"nps-text {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[Optional[bool], typer.Option("--version", metavar=" ", callback=_version, is_eager=True,
                                                    help="Print the version and exit.")] = None,
) -> None:
    """Turn NPS survey exports and their 'why' comments into numbers you can act on."""


@app.command(cls=_Command)
@_user_errors
@_reads_a_survey
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


@app.command(cls=_Command)
@_user_errors
@_reads_a_survey
def analyze(
    survey: SurveyArg,
    output: Annotated[Path, typer.Option("--output", "-o", metavar="FOLDER", help="Folder for the result tables.")] = Path("nps-text-output"),
    by: ByOpt = None,
    period: PeriodOpt = None,
    target: TargetOpt = None,
    level: LevelOpt = 0.95,
    taxonomy: TaxonomyOpt = None,
    model: ModelOpt = None,
    method: MethodOpt = Method.rules,
    redact: RedactOpt = False,
    sentiment: SentimentOpt = Sentiment.auto,
    drivers: Annotated[bool, typer.Option("--drivers/--no-drivers", metavar=" ", help="With themes: also the driver tables (impact, odds, models, strengths, pain points, follow-up list).")] = True,
    discover: Annotated[Optional[bool], typer.Option("--discover/--no-discover", metavar=" ", help="Without --taxonomy/--model: discover the themes (default: when 50+ responses have a comment).", show_default=False)] = None,
    embedder: EmbedderOpt = "e5",
    load: LoadOptions = LoadOptions(),
) -> None:
    """The main job: load, score overall, by segment and over time; write the tables to OUTPUT.

    Without --by, every column with 2-20 distinct values is a segment; with a date column the
    trend is by month unless --period says otherwise. Writes summary.json, load_report.json,
    nps_by_segment.csv, nps_by_period.csv, rejected_rows.csv and nps_tables.xlsx. With
    --taxonomy or --model it also tags the comments and writes mentions.csv and theme_summary.csv
    (per theme: mentions, respondents, sentiment, NPS of those respondents); without them it
    discovers the themes (discovered_themes.csv, taxonomy_draft.yaml, mentions.csv) when 50+
    responses have a comment. With themes, the driver tables follow (drivers.csv, strengths.csv,
    pain_points.csv, followup.csv, ...) unless --no-drivers.
    """
    result = analyze_survey(load.load(survey), outdir=output, by=by, period=period.value if period else None,
                            target=target, level=level, taxonomy=taxonomy, model=model, method=method.value,
                            redact_pii=redact, sentiment=sentiment.value, drivers=drivers, discover=discover,
                            embedder=embedder)
    summary = result.to_dict()
    _print_summary(summary, result.report.summary())
    if summary.get("themes"):
        _print_themes(summary["themes"])
    found = summary.get("discovered_themes") or {}
    if "skipped" in found:
        out.print(f"No theme discovery: {found['skipped']}", highlight=False)
    elif found:
        _print_discovered(found, found["themes"])
    if summary.get("drivers"):
        _print_drivers(summary["drivers"], result.tables, limit=10)
    out.print(f"Wrote {len(result.files)} files to {output}/: " + ", ".join(p.name for p in result.files),
              highlight=False)


@app.command(cls=_Command)
@_user_errors
@_reads_a_survey
def tag(
    survey: SurveyArg,
    output: Annotated[Path, typer.Option("--output", "-o", metavar="FILE", help="Mentions table: .csv, .xlsx or .parquet.")] = Path("mentions.csv"),
    taxonomy: TaxonomyOpt = None,
    model: ModelOpt = None,
    method: MethodOpt = Method.rules,
    redact: RedactOpt = False,
    sentiment: SentimentOpt = Sentiment.auto,
    embedder: Annotated[str, typer.Option("--embedder", metavar="NAME", help="Embedding backend for the survey-learned sentiment (e5, minilm, static, hashing, ...).")] = "e5",
    load: LoadOptions = LoadOptions(),
) -> None:
    """Tag the themes of every comment and write the mentions table (one row per sentence and theme).

    Without --taxonomy or --model it tags with the bundled default NPS taxonomy (and says so).
    """
    if output.suffix.lower() not in (".csv", ".xlsx", ".parquet"):
        raise NpsTextError(f"Cannot write mentions to '{output.name}': use a .csv, .xlsx or .parquet file name.")
    loaded_survey = load.load(survey)
    _note_default_taxonomy(taxonomy, model)
    result = tag_survey(loaded_survey, taxonomy=taxonomy, model=model, method=method.value, redact_pii=redact,
                        sentiment=sentiment.value, embedder=embedder)
    if output.suffix.lower() == ".parquet":
        output.parent.mkdir(parents=True, exist_ok=True)
        result.mentions.to_parquet(output, index=False)
    else:
        write_table(result.mentions, output)
    err.print(result.report.summary(), highlight=False, soft_wrap=True)
    out.print(result.summary(), highlight=False)
    out.print(f"Mentions written to {output}.", highlight=False)


class Base(str, Enum):
    commented = "commented"
    all = "all"


class Group(str, Enum):
    detractor = "detractor"
    passive = "passive"
    promoter = "promoter"


class Priority(str, Enum):
    severity = "severity"
    recency = "recency"
    value = "value"
    score = "score"


MentionsOpt = Annotated[Optional[Path], typer.Option("--mentions", metavar="FILE", help="A mentions table from `nps-text tag` (.csv/.xlsx/.parquet) instead of tagging.")]


@app.command(cls=_Command)
@_user_errors
@_reads_a_survey
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
    _note_default_taxonomy(taxonomy, model, mentions)
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


def _print_drivers(summary: dict[str, Any], tables: dict[str, pd.DataFrame], limit: int | None = None) -> None:
    pct = round(summary["level"] * 100)
    out.print(f"Drivers over {_plural(summary['n_base'], 'respondent')} (base: {summary['base']}; "
              f"{summary['n_not_in_base']} without a real comment and {summary['n_no_score']} without a score left out).",
              highlight=False)
    table = Table(title="Impact on NPS (NPS of the base minus NPS without the theme)", title_justify="left")
    for column in ("theme", "n", "share", "NPS with", "NPS without", "impact", f"{pct}% interval", "OR detractor", "q", "note"):
        table.add_column(column, justify="left" if column in ("theme", "note") else "right")
    for row in summary["drivers"][:limit]:
        small = "small sample" if row.get("warning") and row["n"] < 30 else ""
        flag = "; ".join(x for x in ("significant" if row["significant"] else "", small) if x)
        table.add_row(row["theme"], str(row["n"]), f"{row['share']:.1%}", _fmt(row["nps_with"]), _fmt(row["nps_without"]),
                      _fmt(row["impact"]), f"{_fmt(row['impact_low'])} … {_fmt(row['impact_high'])}",
                      _fmt(row["odds_ratio_detractor"], 2), _p(row["q_value"]), flag)
    out.print(table)
    if summary.get("models_skipped"):
        out.print(f"Driver models skipped: {summary['models_skipped']}", highlight=False)
    if limit is not None and len(summary["drivers"]) > limit:
        out.print(f"… {len(summary['drivers']) - limit} more drivers in drivers.csv (largest |impact| shown).", highlight=False)
    segments = tables.get("drivers_by_segment")
    if segments is not None and len(segments):
        differ = segments[(segments["share_vs_rest_q"] < 0.05) & (segments["share_vs_rest"] > 0) & (segments["n"] > 0)]
        if len(differ):
            out.print("Themes more common in a segment than in the others (q < 0.05, FDR-controlled): " + "; ".join(
                f"{r.theme} in {r.column}={r.value} ({r.share:.0%} vs {r.share - r.share_vs_rest:.0%})"
                for r in differ.sort_values("share_vs_rest_p").head(8).itertuples()), highlight=False)
    periods = tables.get("drivers_by_period")
    if periods is not None and len(periods):
        moved = periods[periods["share_change_q"] < 0.05]
        if len(moved):
            out.print("Significant changes in a theme's share from the previous period (q < 0.05, FDR-controlled): " + "; ".join(
                f"{r.theme} {r.period} {r.share_change:+.0%}" for r in moved.sort_values("share_change_p").head(8).itertuples()),
                highlight=False)
    if "drivers_corrected" in tables:
        table = Table(title="Corrected for tagging errors (precision/recall of the tagger)", title_justify="left")
        for column in ("theme", "share observed", "share corrected", "impact observed", "impact corrected", "interval"):
            table.add_column(column, justify="left" if column == "theme" else "right")
        for row in tables["drivers_corrected"].dropna(subset=["impact_corrected"]).itertuples():
            table.add_row(row.theme, f"{row.share_observed:.1%}", f"{row.share_corrected:.1%}", _fmt(row.impact_observed),
                          _fmt(row.impact_corrected), f"{_fmt(row.impact_low)} … {_fmt(row.impact_high)}")
        out.print(table)
    if "relative_importance" in tables and len(tables["relative_importance"]):
        ri = tables["relative_importance"]
        shares = ri["share_of_r2"].head(5)
        if shares.notna().any():
            out.print(f"Relative importance ({ri['method'].iloc[0]}, R² {ri['r2'].iloc[0]:.3f}): " + ", ".join(
                f"{t} {s:.0%}" for t, s in zip(ri["term"].head(5), shares) if pd.notna(s)), highlight=False)
        else:  # R² of 0: there is nothing to share out (too few responses or no variation)
            out.print(f"Relative importance: not computed (R² {ri['r2'].iloc[0]:.3f}; too little data to share out).",
                      highlight=False)


@app.command(cls=_Command)
@_user_errors
@_reads_a_survey
def followup(
    survey: SurveyArg,
    output: Annotated[Path, typer.Option("--output", "-o", metavar="FILE", help="Follow-up list: .csv or .xlsx (formula-safe).")] = Path("followup.xlsx"),
    taxonomy: TaxonomyOpt = None,
    model: ModelOpt = None,
    mentions: MentionsOpt = None,
    method: MethodOpt = Method.rules,
    group: Annotated[Optional[list[Group]], typer.Option("--group", metavar="GROUP", help="NPS group to list: detractor, passive or promoter; repeat (default: detractor).")] = None,
    priority: Annotated[Optional[list[Priority]], typer.Option("--priority", metavar="KEY", help="Sort key, first decides: severity, recency, value or score; repeat (default: severity, then recency).")] = None,
    value: Annotated[Optional[str], typer.Option("--value", metavar="COLUMN", help="Customer value column for --priority value.")] = None,
    by: ByOpt = None,
    redact: Annotated[bool, typer.Option("--redact/--no-redact", metavar=" ", help="Redact personal data in the comments.")] = False,
    load: LoadOptions = LoadOptions(),
) -> None:
    """Close the loop: detractors (and --group passive) with comment, themes, segments and date, by priority, to OUTPUT."""
    if output.suffix.lower() not in (".csv", ".xlsx"):
        raise NpsTextError(f"Cannot write the follow-up list to '{output.name}': use a .csv or .xlsx file name.")
    _note_default_taxonomy(taxonomy, model, mentions)
    table = followup_survey(load.load(survey), taxonomy=taxonomy, model=model, mentions=mentions, method=method.value,
                            groups=tuple(g.value for g in group) if group else ("detractor",),
                            priority=tuple(p.value for p in priority) if priority else None, value=value,
                            segments=by, redact_pii=redact)
    write_table(round_table(table), output)  # rounded like analyze's followup.csv
    out.print(f"{_plural(len(table), 'response')} to follow up written to {output}.", highlight=False)


def _print_discovered(rep: dict[str, Any], themes: list[dict[str, Any]]) -> None:
    out.print(f"{rep['n_themes']} themes in {rep['n_clustered']} clauses ({rep['n_filler']} filler clauses set aside, "
              f"{rep['share_unassigned']:.1%} unassigned).", highlight=False)
    table = Table(title="Discovered themes", title_justify="left")
    for column, justify in (("id", "right"), ("name", "left"), ("clauses", "right"), ("responses", "right"),
                            ("NPS", "right"), ("95% interval", "right")):
        table.add_column(column, justify=justify)
    for row in themes:
        table.add_row(str(row["theme"]), row["name"], str(row["size"]), f"{row['share_responses']:.1%}",
                      _fmt(row.get("nps")), f"{_fmt(row.get('ci_low'))} … {_fmt(row.get('ci_high'))}")
    out.print(table)


@app.command(cls=_Command)
@_user_errors
@_reads_a_survey
def discover(
    survey: SurveyArg,
    output: Annotated[Path, typer.Option("--output", "-o", metavar="FOLDER", help="Folder for the themes, assignments, mentions, taxonomy draft and model.")] = Path("discovery"),
    embedder: Annotated[str, typer.Option("--embedder", metavar="NAME", help="Embedding backend for the clauses (e5, minilm, hashing, ...).")] = "e5",
    n_themes: Annotated[Optional[int], typer.Option("--n-themes", metavar="N", help="Number of themes. Default: as many as the data supports (at most 30).")] = None,
    min_size: Annotated[Optional[int], typer.Option("--min-size", metavar="N", help="Smallest theme in clauses. Default: 1% of the clauses, at least 5.")] = None,
    seed: SeedOpt = 0,
    redact: Annotated[bool, typer.Option("--redact/--no-redact", metavar=" ", help="Redact personal data before anything else.")] = False,
    load: LoadOptions = LoadOptions(),
) -> None:
    """Discover the themes of the comments: write themes.csv (with NPS per theme), assignments.csv,
    mentions.csv, taxonomy_draft.yaml (edit it, then use it with `nps-text tag --taxonomy`),
    discovery_report.json and the model folder."""
    result = discover_survey(load.load(survey), outdir=output, embedder=embedder, n_themes=n_themes, min_size=min_size,
                             seed=seed, redact_pii=redact)
    err.print(result.report.summary(), highlight=False, soft_wrap=True)
    _print_discovered(result.discovery.report, result.discovery.themes.to_dict(orient="records"))
    out.print(f"Wrote {len(result.files)} files to {output}/: " + ", ".join(p.name for p in result.files),
              highlight=False)


LabelsOpt = Annotated[list[str], typer.Option("--labels", metavar="COLUMN", help="Label column ('a|b' per row), or repeat for one 0/1 column per theme.")]
TextOpt = Annotated[str, typer.Option("--text", metavar="COLUMN", help="Text column.")]
LabelledSheetOpt = Annotated[Optional[str], typer.Option("--sheet", metavar="NAME", help="Sheet of an .xlsx labelled file: name, or number from 0. Default: the first sheet.")]


_STAGE_LABELS = {"cross-validation": "cross-validation (folds)", "embedding": "embedding texts",
                 "fitting": "fitting classifier heads", "fine-tuning": "fine-tuning e5"}


class _TrainingProgress:
    """Progress bars with an ETA on stderr, one per stage the library reports (it never draws them itself)."""

    def __init__(self, console: Console) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.bars = Progress(TextColumn("{task.description:<26}"), BarColumn(), MofNCompleteColumn(),
                             TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), console=console)
        self.tasks: dict[str, Any] = {}
        self.done: dict[str, int] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.bars.add_task(_STAGE_LABELS.get(stage, stage), total=total, completed=done)
        elif done < self.done[stage]:  # the stage starts again (in the next cross-validation fold)
            self.bars.reset(self.tasks[stage], total=total, completed=done)
        else:
            self.bars.update(self.tasks[stage], total=total, completed=done)
        self.done[stage] = done

    def __enter__(self) -> _TrainingProgress:  # noqa: PYI034 - a private class, never subclassed
        self.bars.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bars.stop()


def _check_training_options(*, fine_tune_layers: int, blend_linear: float, max_length: int, fine_tune_folds: int,
                            fine_tune_members: int) -> None:
    """Refuse options that only make sense with fine-tuning, saying first when a value is out of range anyway
    (with --fine-tune-layers the library checks the values, knowing the data)."""
    checks = [  # (option, value, set?, what it does, valid?, what is valid)
        ("--max-length", max_length, max_length != 64, "only the fine-tuned encoder cuts texts to a number of tokens",
         max_length >= 8, "at least 8 tokens"),
        ("--fine-tune-folds", fine_tune_folds, bool(fine_tune_folds), "it tunes the cut-offs of a fine-tuned classifier",
         fine_tune_folds == 0 or fine_tune_folds >= 2, "0 (fixed cut-offs) or 2 or more folds"),
        ("--fine-tune-members", fine_tune_members, fine_tune_members != 1, "it averages several fine-tuned classifiers",
         1 <= fine_tune_members <= 20, "between 1 and 20 (1: one fine-tuned model; 2 or more: an ensemble)"),
        ("--blend-linear", f"{blend_linear:g}", bool(blend_linear),
         "it weighs the embeddings + TF-IDF classifier against a fine-tuned one", 0.0 <= blend_linear <= 1.0,
         "a weight between 0 and 1")]
    for option, value, given, why, valid, expected in checks:
        if given and not fine_tune_layers:
            if not valid:
                raise ParameterError(f"{option} must be {expected}, got {value}.")
            raise ParameterError(f"{option} {value} needs --fine-tune-layers K: {why}. Add --fine-tune-layers 4, or drop it.")


def _duration(seconds: float) -> str:
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"


@app.command(cls=_Command)
@_user_errors
def train(
    labelled: Annotated[Path, typer.Argument(metavar="LABELLED", help="CSV/XLSX, Label Studio JSON or doccano JSONL.")],
    output: Annotated[Path, typer.Option("--output", "-o", metavar="DIR", help="Folder for the model.")],
    text: TextOpt = "text",
    labels: LabelsOpt = ["labels"],  # noqa: B006 - typer default
    sheet: LabelledSheetOpt = None,
    embedder: Annotated[str, typer.Option("--embedder", metavar="NAME", help="Embedding backend (e5, minilm, static, hashing, ...).")] = "e5",
    folds: Annotated[int, typer.Option(
        "--folds", metavar="K", help="Metrics in the model card. 0: from the out-of-fold predictions the classifier "
        "makes anyway while it tunes itself (no extra fits). K >= 2: a K-fold cross-validation of the whole "
        "training (K more fits: about K+1 times as long).")] = 0,
    seed: SeedOpt = 0,
    fine_tune_layers: Annotated[int, typer.Option(
        "--fine-tune-layers", metavar="K", help="Fine-tune the top K layers of e5 (more accurate; minutes of CPU per fit, "
        "once more per --folds). 0: embeddings + TF-IDF only.")] = 0,
    blend_linear: Annotated[float, typer.Option(
        "--blend-linear", metavar="0..1", help="With --fine-tune-layers: weight (0-1) of the embeddings + TF-IDF classifier "
        "averaged into the fine-tuned one.")] = 0.0,
    max_length: Annotated[int, typer.Option("--max-length", metavar="N", help="Tokens per text the fine-tuned encoder reads.")] = 64,
    fine_tune_folds: Annotated[int, typer.Option(
        "--fine-tune-folds", metavar="K", help="With --fine-tune-layers: also fine-tune on K folds (2 or more) to tune "
        "each theme's cut-off on out-of-fold probabilities; about K-1 more fine-tunes. 0: fixed cut-offs.")] = 0,
    fine_tune_members: Annotated[int, typer.Option(
        "--fine-tune-members", metavar="M", help="With --fine-tune-layers: fine-tune M times with seeds SEED, SEED+1, "
        "... and average them (an ensemble); about M-1 more fine-tunes. 1: one.")] = 1,
    progress: Annotated[Optional[bool], typer.Option(
        "--progress/--no-progress", metavar=" ", help="Progress bars with the time left, on stderr. Default: when "
        "stderr is a terminal.", show_default=False)] = None,
) -> None:
    """Train a theme classifier on labelled comments and save it (JSON + .npy/safetensors, no pickle).

    The model card (card.json) carries its metrics and says how they were made: by default from
    the classifier's own out-of-fold predictions, with --folds K from a K-fold cross-validation.
    """
    import time

    from ..tagging.training import read_labelled
    from ..tagging.training import train as train_model

    _check_training_options(fine_tune_layers=fine_tune_layers, blend_linear=blend_linear,
                            max_length=max_length, fine_tune_folds=fine_tune_folds, fine_tune_members=fine_tune_members)
    texts, label_lists = read_labelled(labelled, text=text, labels=labels[0] if len(labels) == 1 else labels, sheet=sheet)
    started = time.perf_counter()
    bars = _TrainingProgress(err) if (progress if progress is not None else err.is_terminal) else None
    with bars or contextlib.nullcontext():
        model = train_model(texts, label_lists, output, embedder=embedder, folds=folds, seed=seed, progress=bars,
                            fine_tune_layers=fine_tune_layers, blend_linear=blend_linear, max_length=max_length,
                            fine_tune_folds=fine_tune_folds, fine_tune_members=fine_tune_members)
    took = _duration(time.perf_counter() - started)
    if len(model.classes_) == 1:
        err.print(f"Warning: every label in {labelled.name} is the one theme {model.classes_[0]!r}, so the model can only "
                  "say whether a comment is about it. If rows hold several themes, separate them with '|' or ';' "
                  "(or pass one 0/1 column per theme with --labels).", highlight=False, soft_wrap=True)
    metrics = json.loads((output / "card.json").read_text(encoding="utf-8"))["metrics"]
    if metrics["method"] == "cross-validation":
        scored = f"; {folds}-fold cross-validated micro-F1 {metrics['cross_validated']['micro']['f1']:.3f}"
    elif metrics["method"] == "out-of-fold":
        scored = (f"; out-of-fold micro-F1 {metrics['out_of_fold']['micro']['f1']:.3f} (from its own "
                  f"{metrics['inner_folds']}-fold tuning; --folds K for a full cross-validation)")
    else:
        scored = ""
    out.print(f"Trained on {len(texts)} texts, {len(model.classes_)} themes in {took}; saved to {output}/{scored}",
              highlight=False)
    if metrics["method"] == "none":
        err.print("No metrics in the model card: this model has no out-of-fold predictions (a fine-tuned one has them "
                  "only with --fine-tune-folds K; fewer than 10 labelled texts give none). Pass --folds K for a "
                  "cross-validation.", highlight=False, soft_wrap=True)


@app.command(cls=_Command)
@_user_errors
def evaluate(
    labelled: Annotated[Path, typer.Argument(metavar="LABELLED", help="CSV/XLSX, Label Studio JSON or doccano JSONL.")],
    model: Annotated[Path, typer.Option("--model", metavar="DIR", help="A trained model folder.")],
    text: TextOpt = "text",
    labels: LabelsOpt = ["labels"],  # noqa: B006 - typer default
    sheet: LabelledSheetOpt = None,
    format: Annotated[Format, typer.Option("--format", help="table, json, or csv (one row per theme, then micro and macro).")] = Format.table,  # noqa: A002
) -> None:
    """Precision, recall and F1 (micro, macro, per theme) of a saved model on labelled comments."""
    from ..tagging import ThemeClassifier
    from ..tagging.training import evaluate as score_labels
    from ..tagging.training import micro_f1_interval, read_labelled

    classifier = ThemeClassifier.load(model)  # a wrong model folder is the first thing to report
    texts, gold = read_labelled(labelled, text=text, labels=labels[0] if len(labels) == 1 else labels, sheet=sheet)
    predicted = classifier.predict_labels(texts)
    metrics = score_labels(gold, predicted)
    from ..tagging.classifier import training_data_hash

    if training_data_hash([str(t) for t in texts], gold) == getattr(classifier, "data_hash_", None):
        err.print(f"Warning: {labelled.name} is the data this model was trained on, so these scores are optimistic; "
                  "evaluate on held-out comments, or see the out-of-fold or cross-validated metrics in the model's card.json.",
                  highlight=False, soft_wrap=True)
    unknown = sorted({t for row in gold for t in row} - set(classifier.classes_.tolist()))
    if unknown:
        err.print(f"Warning: labels {unknown} in {labelled.name} are not themes of this model "
                  f"({classifier.classes_.tolist()}; names are case-sensitive), so they count as missed. Rename them "
                  "to the model's themes, or train a model on them.", highlight=False, soft_wrap=True)
    interval = {k: v for k, v in micro_f1_interval(gold, predicted).items() if k != "f1"}
    if format is Format.json:
        sys.stdout.write(json.dumps({**metrics, "micro_f1_interval": interval}, indent=2) + "\n")
        return
    if format is Format.csv:
        rows = [{"theme": theme, **row} for theme, row in metrics["per_label"].items()]
        rows += [{"theme": name, **metrics[name], "support": None} for name in ("micro", "macro")]
        frame = pd.DataFrame(rows).astype({"support": "Int64"})  # whole numbers, blank for micro and macro
        neutralise_formulas(frame).to_csv(sys.stdout, index=False)
        return
    table = Table(title=f"{metrics['n']} labelled texts", title_justify="left")
    for column in ("theme", "precision", "recall", "f1", "support"):
        table.add_column(column, justify="left" if column == "theme" else "right")
    for theme, row in metrics["per_label"].items():
        table.add_row(theme, *(f"{row[k]:.3f}" for k in ("precision", "recall", "f1")), str(row["support"]))
    for name in ("micro", "macro"):
        table.add_row(f"[bold]{name}[/]", *(f"{metrics[name][k]:.3f}" for k in ("precision", "recall", "f1")), "")
    table.caption = (f"micro-F1 {interval['level']:.0%} interval {interval['low']:.3f} … {interval['high']:.3f} "
                     f"(bootstrap over the {metrics['n']} texts)")
    table.caption_justify = "left"
    out.print(table)


def main() -> None:  # pragma: no cover - console entry point
    app()
