"""``nps-text discover``: discover the themes of the comments and write them, with a taxonomy draft."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..io.load import LoadOptions
from ..jobs import discover_survey
from .app import Command, SeedOpt, SurveyArg, app, err, out, reads_a_survey, user_errors
from .render import _print_discovered


@app.command(cls=Command)
@user_errors
@reads_a_survey
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
