"""``nps-text report``: the analysis as one self-contained HTML page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..io.load import LoadOptions
from ..jobs import report_survey
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
    out,
    reads_a_survey,
    survey_or_store,
    user_errors,
)


@app.command(cls=Command)
@user_errors
@reads_a_survey
def report(
    survey: SurveyArg,
    output: Annotated[Path, typer.Option("--output", "-o", metavar="FILE", help="The report: an .html file.")] = Path("report.html"),
    lang: LangOpt = None,
    show_pii: Annotated[bool, typer.Option("--show-pii", metavar=" ", help="Show personal data in quotes and comments as written (default: replaced by placeholders, since the report is made to be passed on).")] = False,
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
    since: SinceOpt = None,
    until: UntilOpt = None,
    load: LoadOptions = LoadOptions(),
) -> None:
    """The analysis of `analyze` as one HTML page for people who will not open a CSV.

    Headline NPS with its interval and change, trend, segments, the themes that cost and earn
    the most NPS with quotes, what to fix first, and whom to call back; charts and styles are
    inside the file, which loads nothing from anywhere. Takes the options of `analyze`; writes no
    tables (`analyze` writes both).
    """
    check_guide(guide, taxonomy, model, discover)
    path = report_survey(survey_or_store(survey, load, since, until), output, lang=lang.value if lang else None, redact=not show_pii, by=by,
                         period=period.value if period else None, target=target, level=level, taxonomy=taxonomy,
                         model=model, method=method.value, redact_pii=redact, sentiment=sentiment.value,
                         drivers=drivers, discover=discover, guide=guide, embedder=embedder, since=since,
                         until=until)
    out.print(f"Wrote the report to {path}.", highlight=False)
