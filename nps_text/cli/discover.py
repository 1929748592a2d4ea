"""``nps-text discover``: discover the themes of the comments and write them, with a taxonomy draft."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..io.load import LoadOptions
from ..jobs import discover_survey
from ..jobs.discover import comments_without_content, discovery_warnings
from .app import Command, GuideOpt, SeedOpt, SurveyArg, app, err, out, reads_a_survey, user_errors
from .render import _print_discovered


@app.command(cls=Command)
@user_errors
@reads_a_survey
def discover(
    survey: SurveyArg,
    output: Annotated[Path, typer.Option("--output", "-o", metavar="FOLDER", help="Folder for the themes, assignments, mentions, taxonomy draft and model.")] = Path("discovery"),
    embedder: Annotated[str, typer.Option("--embedder", metavar="NAME", help="Embedding backend for the clauses (auto, e5, minilm, hashing, ...); auto: MiniLM for English-only comments, else e5.")] = "auto",
    n_top: Annotated[Optional[int], typer.Option("--n-top", metavar="N", help="Number of top-level themes. Default: where the theme tree has its largest gap, 5 to 12 (context, churn-intent and tone themes come on top).")] = None,
    n_themes: Annotated[Optional[int], typer.Option("--n-themes", metavar="N", help="Number of sub-themes. Default: as many as the data supports (at most 30).")] = None,
    min_size: Annotated[Optional[int], typer.Option("--min-size", metavar="N", help="Smallest theme in clauses. Default: 1% of the clauses, at least 5.")] = None,
    guide: GuideOpt = None,
    seed: SeedOpt = 0,
    redact: Annotated[bool, typer.Option("--redact/--no-redact", metavar=" ", help="Redact personal data before anything else.")] = False,
    load: LoadOptions = LoadOptions(),
) -> None:
    """Discover the themes of the comments as a two-level tree: write discovered_themes.csv (the top
    level) and discovered_subthemes.csv (each with NPS), assignments.csv, mentions.csv (top-level
    themes), taxonomy_draft.yaml (both levels; edit it, then use it with `nps-text tag --taxonomy`),
    discovery_report.json (with the time of each stage) and the model folder. With --guide, your taxonomy's
    themes seed the discovered ones and name them."""
    result = discover_survey(load.load(survey), outdir=output, embedder=embedder, n_themes=n_themes, n_top=n_top,
                             min_size=min_size, seed=seed, redact_pii=redact, guide=guide)
    err.print(result.report.summary(), highlight=False, soft_wrap=True)
    accounting = comments_without_content(result.responses)
    if accounting:
        err.print(accounting, highlight=False, soft_wrap=True)
    for warning in discovery_warnings(result.responses, result.discovery.report):
        err.print(f"Warning: {warning}", highlight=False, soft_wrap=True, style="yellow")
    _print_discovered(result.discovery.report, result.discovery.top_themes.to_dict(orient="records"),
                      result.discovery.themes.to_dict(orient="records"))
    stages = ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in result.timings.items())
    err.print(f"Embedder: {result.embedder}. Time: {stages}.", highlight=False)
    out.print(f"Wrote {len(result.files)} files to {output}/: " + ", ".join(p.name for p in result.files),
              highlight=False)
