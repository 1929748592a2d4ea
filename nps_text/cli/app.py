"""The ``nps-text`` Typer app and what its commands share: consoles, option types, the load options, error handling.

A command is one module of this package that decorates its function with ``@app.command(cls=Command)``
(and ``@user_errors``, and ``@reads_a_survey`` when it reads a survey); ``nps_text/cli/__init__.py``
imports it, in the order ``nps-text --help`` lists the commands.
"""

from __future__ import annotations

import functools
import inspect
import re
import shutil
import sys
import typing
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperArgument, TyperCommand, TyperGroup

from .. import __version__
from ..errors import ColumnError, NpsTextError, ParameterError
from ..io.load import LoadOptions, closest_column
from ..io.stream import is_store


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

    def format_help(self, ctx: Any, formatter: Any) -> None:
        """Rich's boxed tables below 100 columns squeeze every option's help into a narrow column (a trial's
        finding at 80): there, click's plain layout, which wraps the help under each option."""
        if shutil.get_terminal_size().columns >= 100:
            return super().format_help(ctx, formatter)
        mode, self.rich_markup_mode = self.rich_markup_mode, None  # Typer's switch to the plain layout
        try:
            return super().format_help(ctx, formatter)
        finally:
            self.rich_markup_mode = mode

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.help:
            self.help = _unwrapped(self.help)
        for param in self.params:
            if isinstance(param, TyperArgument) and param.metavar:
                param.display_type_rich = _no_type  # its metavar (SURVEY, LABELLED) already says what it is


def _no_type(ctx: Any) -> None:
    return None


def _unwrapped(help_text: str) -> str:
    r"""A docstring's paragraphs each on one line (a ``\b`` paragraph as written): Typer keeps the line breaks of
    every paragraph but the first, and its console rewraps the lines, so an 80-column terminal showed ragged
    half-lines (a trial's finding on ``analyze --help``).

    >>> _unwrapped("First line.\n\n    Second paragraph\n    goes on.")
    'First line.\n\nSecond paragraph goes on.'
    """
    text, cut, rest = inspect.cleandoc(help_text).partition("\f")
    paragraphs = [p if p.startswith("\b") else " ".join(p.split()) for p in text.split("\n\n")]
    return "\n\n".join(paragraphs) + cut + rest


class Command(_PlainHelp, TyperCommand):
    """The class of every command: ``@app.command(cls=Command)``."""


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
GuideOpt = Annotated[Optional[str], typer.Option("--guide", metavar="FILE", help="Guided discovery: a taxonomy YAML (or 'default', the bundled one) whose themes seed the discovered ones, which take their names; themes it lacks are still found.")]
ModelOpt = Annotated[Optional[Path], typer.Option("--model", metavar="DIR", help="A trained ThemeClassifier folder (instead of a taxonomy).")]
MethodOpt = Annotated[Method, typer.Option("--method", help="With a taxonomy: keyword rules or zero-shot embeddings.")]
RedactOpt = Annotated[bool, typer.Option("--redact/--no-redact", metavar=" ", help="Redact personal data before tagging.")]
SentimentOpt = Annotated[Sentiment, typer.Option("--sentiment", help="Mention sentiment: learned from this survey's scores, the polarity lexicon, or auto (survey when it has 50+ promoter and detractor clauses).")]
EmbedderOpt = Annotated[str, typer.Option("--embedder", metavar="NAME", help="Embedding backend for theme discovery and the survey-learned sentiment (auto, e5, minilm, static, hashing, ...); auto: MiniLM for English-only comments, else e5.")]
DriversOpt = Annotated[bool, typer.Option("--drivers/--no-drivers", metavar=" ", help="With themes: also the driver tables (impact, odds, models, strengths, pain points, follow-up list).")]
DiscoverOpt = Annotated[Optional[bool], typer.Option("--discover/--no-discover", metavar=" ", help="Without --taxonomy/--model: discover the themes (default: when 50+ responses have a comment).", show_default=False)]


class Lang(str, Enum):
    en = "en"
    de = "de"


LangOpt = Annotated[Optional[Lang], typer.Option("--lang", help="Language of the HTML report. Default: the language of most comments.", show_default=False)]
SeedOpt = Annotated[int, typer.Option("--seed", metavar="N", help="Random seed: same data and seed give the same result.")]
MentionsOpt = Annotated[Optional[Path], typer.Option("--mentions", metavar="FILE", help="A mentions table from `nps-text tag` (.csv/.xlsx/.parquet) instead of tagging.")]

# the labelled files of train and evaluate
LabelsOpt = Annotated[list[str], typer.Option("--labels", metavar="COLUMN", help="Label column ('a|b' per row), or repeat for one 0/1 column per theme.")]
TextOpt = Annotated[str, typer.Option("--text", metavar="COLUMN", help="Text column.")]
LabelledSheetOpt = Annotated[Optional[str], typer.Option("--sheet", metavar="NAME", help="Sheet of an .xlsx labelled file: name, or number from 0. Default: the first sheet.")]


def check_guide(guide: str | None, taxonomy: str | None, model: Path | None, discover: bool | None) -> None:
    """``--guide`` steers discovery: refuse it, in the CLI's words, beside the options that mean no discovery."""
    if guide is None or (taxonomy is None and model is None and discover is not False):
        return
    given = f"--taxonomy {taxonomy}" if taxonomy is not None else f"--model {model}" if model is not None \
        else "--no-discover"
    instead = "the comments are tagged instead" if given != "--no-discover" else "no themes at all"
    by = "the bundled taxonomy" if guide == "default" else guide
    raise ParameterError(f"--guide {guide} steers theme discovery, but {given} means {instead}. Drop "
                         f"{given.split()[0]} to discover the themes guided by {by}, or drop --guide.")


def note_default_taxonomy(taxonomy: str | None, model: Path | None, mentions: Path | None = None) -> None:
    """Say on stderr that the bundled taxonomy tags the comments when no themes were given."""
    if taxonomy is None and model is None and mentions is None:
        from ..tagging.taxonomy import default_taxonomy

        themes = default_taxonomy().ids
        err.print(f"No --taxonomy given: using the bundled default taxonomy ({len(themes)} themes: {', '.join(themes)}). "
                  "Pass --taxonomy FILE for your own themes, or --model DIR for a trained classifier.",
                  highlight=False, soft_wrap=True)


SinceOpt = Annotated[Optional[str], typer.Option("--since", metavar="DATE", help="With a store as SURVEY: only responses dated on or after DATE (2026-01-31).")]
UntilOpt = Annotated[Optional[str], typer.Option("--until", metavar="DATE", help="With a store as SURVEY: only responses dated on or before DATE.")]
_URL_FOLDED = re.compile(r"^((?:postgresql|postgres)(?:\+\w+)?):/(?!/)")


def survey_or_store(survey: Path, load: LoadOptions, since: str | None = None, until: str | None = None):
    """What a command reads: a survey file (loaded with ``load``), or a results store (a SQLite file the
    nightly job wrote, or a postgresql:// URL) whose responses and mentions are used as they are."""
    text = _URL_FOLDED.sub(r"\1://", str(survey))  # the shell's path type folds '//' into '/'
    if is_store(text):
        if load != LoadOptions():
            raise NpsTextError("--score, --comment, --id, --date, --sheet, --scale and --errors read a survey file; "
                               f"'{survey}' is a results store, whose responses are loaded already. Drop them.")
        return text
    if since is not None or until is not None:
        raise NpsTextError(f"--since/--until select the responses of a results store; '{survey}' is a survey file. "
                           "Filter the export, or tag it into a store first (nps-text tag SURVEY --db nps.db).")
    return load.load(survey)


def user_errors(func):
    """Turn library errors into exit code 2 with the message, instead of a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except NpsTextError as exc:
            err.print(f"[bold red]Error:[/] {escape(str(exc))}", markup=True, highlight=False, soft_wrap=True)
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


def _grouped(func, params: list[inspect.Parameter], name: str, make):
    """``func`` with ``params`` as CLI options in place of its argument ``name``, which gets ``make(given)``."""
    hints = {k: v for k, v in typing.get_type_hints(func, include_extras=True).items() if k != name}
    own = [p.replace(annotation=hints[p.name]) for p in inspect.signature(func).parameters.values() if p.name != name]

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        given = {p.name: kwargs.pop(p.name, p.default) for p in params}
        return func(*args, **{name: make(given)}, **kwargs)

    positional = [p for p in own if p.kind is not inspect.Parameter.KEYWORD_ONLY]
    keyword = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own if p.kind is inspect.Parameter.KEYWORD_ONLY]
    wrapper.__signature__ = inspect.Signature(positional + params + keyword)
    wrapper.__annotations__ = {**hints, **{p.name: p.annotation for p in params}}
    del wrapper.__wrapped__  # Typer must read the signature above, not the function's own
    return wrapper


def reads_a_survey(func):
    """Give a command the load options (--score, --comment, --id, --date, --dayfirst, --sheet, --scale,
    --errors) as one ``load: LoadOptions`` argument: they are declared once, here, for every command."""
    def make(given: dict[str, Any]) -> LoadOptions:
        return LoadOptions(**{**given, "scale": given["scale"].value, "errors": given["errors"].value})

    return _grouped(func, _LOAD_PARAMS, "load", make)


# the NPS programme's options (nps-text programme, nps-text analyze): declared once
_COLUMN = Optional[str]
_PROGRAMME_SPEC = (
    ("benchmarks", Optional[Path], "--benchmarks", "FILE", "Published NPS values to compare with (name, nps, n, source, year).", None),
    ("brand", _COLUMN, "--brand", "COLUMN", "Brand column: NPS per brand and which themes explain the gaps.", None),
    ("own_brand", _COLUMN, "--own-brand", "NAME", "Your brand in --brand (default: compare with the leader).", None),
    ("account", _COLUMN, "--account", "COLUMN", "Account column (with --role): where roles of one account disagree.", None),
    ("role", _COLUMN, "--role", "COLUMN", "Respondent role column (with --account).", None),
    ("unit", _COLUMN, "--unit", "COLUMN", "Team/branch column: league table with shrunken NPS.", None),
    ("population", Optional[Path], "--population", "FILE", "Segment shares of the customer base (segment column + share): representation and weighted NPS.", None),
    ("customer", _COLUMN, "--customer", "COLUMN", "Customer id column: per-customer view (and, with --outcomes, churn by NPS group).", None),
    ("outcomes", Optional[Path], "--outcomes", "FILE", "One row per customer with the outcome (e.g. churned 0/1).", None),
    ("outcome", str, "--outcome", "COLUMN", "Outcome column of --outcomes.", "churned"))
_PROGRAMME_PARAMS = [
    inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=Annotated[kind, typer.Option(flag, metavar=metavar, help=text)],
                      default=default)
    for name, kind, flag, metavar, text, default in _PROGRAMME_SPEC
]
PROGRAMME_FLAGS = {name: flag for name, _, flag, *_ in _PROGRAMME_SPEC}
_COLUMN_OPTIONS = ("brand", "account", "role", "unit", "customer")


def takes_programme_options(func):
    """Give a command the NPS programme's options (--benchmarks, --brand, --own-brand, --account, --role,
    --unit, --population, --customer, --outcomes, --outcome) as one ``programme: dict`` argument holding
    the options given (``outcome`` only when it differs from its default)."""
    def make(given: dict[str, Any]) -> dict[str, Any]:
        if given["outcomes"] is not None and given["customer"] is None:
            raise ParameterError("--outcomes needs --customer COLUMN to join them to the survey.")
        return {k: v for k, v in given.items() if v is not None and not (k == "outcome" and v == "churned")}

    return _grouped(func, _PROGRAMME_PARAMS, "programme", make)


def check_programme_columns(loaded: Any, programme: dict[str, Any]) -> None:
    """Each column option of ``programme`` names a column of the survey; else one clear error with the
    survey's own columns and the closest match."""
    responses = getattr(loaded, "responses", None)
    if responses is None:  # a results store: its columns are checked when it is read
        return
    source = list(getattr(loaded.report, "source_columns", None) or []) or list(responses.columns)
    usable = [c for c in source if c in responses.columns]
    for option in _COLUMN_OPTIONS:
        column, flag = programme.get(option), PROGRAMME_FLAGS[option]
        if column is None or column in responses.columns:
            continue
        close = closest_column(column, usable)
        hint = f" Did you mean {flag} {close}?" if close else ""
        raise ColumnError(f"Column {column!r} ({flag}) is not in the survey.{hint} Its columns: {usable}. "
                           f"Pass {flag} COLUMN with one of them.")


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
