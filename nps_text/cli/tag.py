"""``nps-text tag``: tag the themes of every comment and write the mentions table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import NpsTextError
from ..io.export import write_table
from ..io.load import LoadOptions
from ..jobs import tag_survey
from .app import (
    Command,
    Method,
    MethodOpt,
    ModelOpt,
    RedactOpt,
    Sentiment,
    SentimentOpt,
    SurveyArg,
    TaxonomyOpt,
    app,
    err,
    note_default_taxonomy,
    out,
    reads_a_survey,
    user_errors,
)


@app.command(cls=Command)
@user_errors
@reads_a_survey
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
    note_default_taxonomy(taxonomy, model)
    result = tag_survey(loaded_survey, taxonomy=taxonomy, model=model, method=method.value, redact_pii=redact,
                        sentiment=sentiment.value, embedder=embedder)
    write_table(result.mentions, output)  # .parquet as it is, .csv and .xlsx formula-safe
    err.print(result.report.summary(), highlight=False, soft_wrap=True)
    out.print(result.summary(), highlight=False)
    out.print(f"Mentions written to {output}.", highlight=False)
