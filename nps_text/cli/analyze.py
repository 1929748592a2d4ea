"""``nps-text analyze``: the main job, every table written to a folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import ParameterError
from ..io.load import LoadOptions
from ..jobs import analyze as analyze_survey
from .app import (
    ByOpt,
    Command,
    DiscoverOpt,
    DriversOpt,
    EmbedderOpt,
    GuideOpt,
    LangOpt,
    LevelOpt,
    Method,
    MethodOpt,
    ModelOpt,
    PeriodOpt,
    RedactOpt,
    Sentiment,
    SentimentOpt,
    SinceOpt,
    SurveyArg,
    TargetOpt,
    TaxonomyOpt,
    UntilOpt,
    app,
    check_guide,
    check_programme_columns,
    out,
    reads_a_survey,
    survey_or_store,
    takes_programme_options,
    user_errors,
)
from .render import _print_discovered, _print_drivers, _print_summary, _print_themes

ProgrammeOpt = Annotated[Optional[bool], typer.Option("--programme/--no-programme", metavar=" ", help="The NPS programme's sections (brands, accounts, league table, customers, promoters, testimonials, indifferent themes) in the report. Default: when the survey has such columns (brand/Marke, account/Firma + role/Rolle, team, customer_id/Kunden-Nr) or their options are given.", show_default=False)]


@app.command(cls=Command)
@user_errors
@reads_a_survey
@takes_programme_options
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
    drivers: DriversOpt = True,
    discover: DiscoverOpt = None,
    guide: GuideOpt = None,
    embedder: EmbedderOpt = "auto",
    lang: LangOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    run_programme: ProgrammeOpt = None,
    load: LoadOptions = LoadOptions(),
    programme: dict | None = None,
) -> None:
    """The main job: load, score, discover or tag the themes, find the drivers; write it all to the --output folder.

    Without --by, every column with 2-20 distinct values is a segment; with a date column the
    trend is by month unless --period says otherwise. Writes summary.json, load_report.json,
    nps_by_segment.csv, nps_by_period.csv, rejected_rows.csv and nps_tables.xlsx. With
    --taxonomy or --model it also tags the comments and writes mentions.csv and theme_summary.csv
    (per theme: mentions, respondents, sentiment, NPS of those respondents); without them it
    discovers the themes as a two-level tree (discovered_themes.csv, the top level;
    discovered_subthemes.csv, their sub-themes; assignments.csv, each clause's theme;
    taxonomy_draft.yaml; mentions.csv) when 50+ responses have a comment. With themes, the driver
    tables follow (drivers.csv, strengths.csv, pain_points.csv, followup.csv, ...) unless --no-drivers. Last, report.html: the whole analysis
    as one self-contained page to pass on (personal data in its quotes redacted; see `report`).
    When the survey has a brand, account and role, team or customer id column (or --brand, --unit, ...,
    --benchmarks, --population, --outcomes are given), the NPS programme's sections follow:
    programme.json, their CSVs and sections of report.html (see `programme`).
    """
    if run_programme is False and programme:
        raise ParameterError(f"--no-programme switches the NPS programme off, but its options were given "
                             f"({', '.join(sorted(programme))}). Drop --no-programme or the options.")
    check_guide(guide, taxonomy, model, discover)
    source = survey_or_store(survey, load, since, until)
    check_programme_columns(source, programme)
    result = analyze_survey(source, outdir=output, by=by, period=period.value if period else None,
                            target=target, level=level, taxonomy=taxonomy, model=model, method=method.value,
                            redact_pii=redact, sentiment=sentiment.value, drivers=drivers, discover=discover, guide=guide,
                            embedder=embedder, lang=lang.value if lang else None, since=since, until=until,
                            programme=False if run_programme is False else programme or run_programme)
    summary = result.to_dict()
    _print_summary(summary, result.report.summary())
    if summary.get("themes"):
        _print_themes(summary["themes"])
    found = summary.get("discovered_themes") or {}
    if "skipped" in found:
        out.print(f"No theme discovery: {found['skipped']}", highlight=False)
    elif found:
        _print_discovered(found, found["top_themes"], found["themes"])
    if summary.get("drivers"):
        _print_drivers(summary["drivers"], result.tables, limit=10)
    out.print(f"Wrote {len(result.files)} files to {output}/: " + ", ".join(p.name for p in result.files),
              highlight=False)
