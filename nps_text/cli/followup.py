"""``nps-text followup``: the respondents to contact, by priority, written to a file."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import NpsTextError
from ..io.export import round_table, write_table
from ..io.load import LoadOptions
from ..jobs import followup_survey
from .app import (
    ByOpt,
    Command,
    MentionsOpt,
    Method,
    MethodOpt,
    ModelOpt,
    SurveyArg,
    TaxonomyOpt,
    app,
    note_default_taxonomy,
    out,
    reads_a_survey,
    user_errors,
)
from .render import _plural


class Group(str, Enum):
    detractor = "detractor"
    passive = "passive"
    promoter = "promoter"


class Priority(str, Enum):
    severity = "severity"
    recency = "recency"
    value = "value"
    score = "score"


@app.command(cls=Command)
@user_errors
@reads_a_survey
def followup(
    survey: SurveyArg,
    output: Annotated[Path, typer.Option("--output", "-o", metavar="FILE", help="Follow-up list: .csv or .xlsx (formula-safe).")] = Path("followup.xlsx"),
    taxonomy: TaxonomyOpt = None,
    model: ModelOpt = None,
    mentions: MentionsOpt = None,
    method: MethodOpt = Method.rules,
    group: Annotated[Optional[list[Group]], typer.Option("--group", metavar="GROUP", help="NPS group to list: detractor, passive or promoter; repeat (default: detractor).")] = None,
    priority: Annotated[Optional[list[Priority]], typer.Option("--priority", metavar="KEY", help="Sort key, first decides: severity, recency, value or score; repeat (default: severity, then score, then recency).")] = None,
    value: Annotated[Optional[str], typer.Option("--value", metavar="COLUMN", help="Customer value column for --priority value.")] = None,
    by: ByOpt = None,
    redact: Annotated[bool, typer.Option("--redact/--no-redact", metavar=" ", help="Redact personal data in the comments.")] = False,
    load: LoadOptions = LoadOptions(),
) -> None:
    """Close the loop: detractors (and --group passive) with comment, themes, segments and date, by priority, to the --output file."""
    if output.suffix.lower() not in (".csv", ".xlsx"):
        raise NpsTextError(f"Cannot write the follow-up list to '{output.name}': use a .csv or .xlsx file name.")
    note_default_taxonomy(taxonomy, model, mentions)
    table = followup_survey(load.load(survey), taxonomy=taxonomy, model=model, mentions=mentions, method=method.value,
                            groups=tuple(g.value for g in group) if group else ("detractor",),
                            priority=tuple(p.value for p in priority) if priority else None, value=value,
                            segments=by, redact_pii=redact)
    write_table(round_table(table), output)  # rounded like analyze's followup.csv
    out.print(f"{_plural(len(table), 'response')} to follow up written to {output}.", highlight=False)
