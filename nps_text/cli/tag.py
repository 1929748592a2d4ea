"""``nps-text tag``: tag the themes of every comment and write the mentions table."""

from __future__ import annotations

import dataclasses
import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from ..errors import NpsTextError, StoreBusyError
from ..io.export import write_table
from ..io.load import LoadOptions
from ..jobs import tag_survey
from .app import (
    Command,
    Format,
    Method,
    MethodOpt,
    ModelOpt,
    Sentiment,
    SentimentOpt,
    TaxonomyOpt,
    app,
    err,
    note_default_taxonomy,
    out,
    reads_a_survey,
    user_errors,
)


class Engine(str, Enum):
    local = "local"
    dask = "dask"


_BATCH = "Nightly job (with --db)"


@app.command(cls=Command)
@user_errors
@reads_a_survey
def tag(
    survey: Annotated[Path, typer.Argument(metavar="SURVEY", show_default=False, help="Survey export (CSV/TSV/TXT, XLSX, Parquet, JSON Lines); with --db also a folder, a quoted glob ('exports/*.csv') or 'sql:TABLE' / 'sql:SELECT ...'.")],
    output: Annotated[Optional[Path], typer.Option("--output", "-o", metavar="FILE", help="Mentions table: .csv, .xlsx or .parquet (default mentions.csv; not with --db).")] = None,
    taxonomy: TaxonomyOpt = None,
    model: ModelOpt = None,
    method: MethodOpt = Method.rules,
    redact: Annotated[Optional[bool], typer.Option("--redact/--no-redact", metavar=" ", show_default=False, help="Redact personal data before tagging (and storing). Default: off for a file, on with --db.")] = None,
    sentiment: SentimentOpt = Sentiment.auto,
    embedder: Annotated[str, typer.Option("--embedder", metavar="NAME", help="Embedding backend for the survey-learned sentiment (e5, minilm, static, hashing, ...).")] = "e5",
    segment: Annotated[Optional[list[str]], typer.Option("--segment", metavar="COLUMN", help="A segment column to store with each response; repeat for several. Default: found per file (columns with 2-20 values); name them for small daily files.")] = None,
    db: Annotated[Optional[str], typer.Option("--db", metavar="URL", rich_help_panel=_BATCH, help="Tag into this store instead of a file: a SQLite path (nps.db) or postgresql://user@host/db. Only what is new or changed is tagged.")] = None,
    source_db: Annotated[Optional[str], typer.Option("--source-db", metavar="URL", rich_help_panel=_BATCH, help="The database a 'sql:TABLE' or 'sql:SELECT ...' SURVEY runs on. Default: --db.")] = None,
    rows: Annotated[int, typer.Option("--chunk-rows", metavar="N", rich_help_panel=_BATCH, help="Rows per piece: one transaction each, and what memory holds at once.")] = 5000,
    retag: Annotated[bool, typer.Option("--retag", metavar=" ", rich_help_panel=_BATCH, help="Tag again what this tagger tagged before (the earlier mentions stay as history).")] = False,
    engine: Annotated[Engine, typer.Option("--engine", rich_help_panel=_BATCH, help="local: this process; dask: the workers of a dask.distributed cluster.")] = Engine.local,
    scheduler: Annotated[Optional[str], typer.Option("--scheduler", metavar="ADDRESS", rich_help_panel=_BATCH, help="Dask scheduler (tcp://host:8786). Default: a local cluster of --workers processes.")] = None,
    workers: Annotated[int, typer.Option("--workers", metavar="N", rich_help_panel=_BATCH, help="Processes of the local Dask cluster.")] = 2,
    wait: Annotated[float, typer.Option("--wait", metavar="SECONDS", rich_help_panel=_BATCH, help="Wait this long for another job on the same store, then give up.")] = 0.0,
    format: Annotated[Format, typer.Option("--format", rich_help_panel=_BATCH, help="table for people; json: the run summary as one JSON object.")] = Format.table,  # noqa: A002
    load: LoadOptions = LoadOptions(),
) -> None:
    """Tag the themes of every comment: into a mentions file, or with --db into a store, incrementally.

    Without --taxonomy or --model it tags with the bundled default NPS taxonomy (and says so).

    With --db it is the nightly job: SURVEY may be a file, a folder, a quoted glob ('exports/*.csv')
    or 'sql:TABLE' / 'sql:SELECT ...'; it is read piece by piece, each piece written in one
    transaction, and only responses this tagger has not tagged with this comment are tagged, so a
    re-run adds nothing and a killed run is resumed by running it again. Exit codes: 2 bad input,
    3 stopped by SIGINT/SIGTERM after a complete piece, 4 another job holds the store.
    """
    if db is not None:
        if output is not None:
            raise NpsTextError("Pass --db (tag into a store) or --output (write a mentions file), not both.")
        if sentiment is not Sentiment.auto or embedder != "e5":
            raise NpsTextError("--sentiment and --embedder do not apply with --db: the nightly job takes each "
                               "mention's sentiment from the lexicon, which depends on the clause alone, so a "
                               "response is tagged the same whatever else is in the night's input. Drop them.")
        if format is Format.csv:
            raise NpsTextError("--format csv does not apply with --db: use table or json (the run summary); the "
                               "mentions are in the store (Store(...).mentions()).")
        note_default_taxonomy(taxonomy, model)
        if segment:
            load = dataclasses.replace(load, segments=list(segment))
        _nightly(str(survey), db, taxonomy=taxonomy, model=model, method=method.value,
                 redact_pii=True if redact is None else redact, load=load, source_db=source_db, rows=rows, retag=retag,
                 engine=engine.value, scheduler=scheduler, workers=workers, wait=wait, as_json=format is Format.json)
        return
    if segment:
        raise NpsTextError("--segment applies to the nightly job (with --db); the mentions file has no segments. "
                           "Drop it, or add --db nps.db.")
    text = str(survey)
    if text.startswith("sql:") or any(ch in text for ch in "*?[") or survey.is_dir():
        raise NpsTextError(f"'{text}' is a folder, a pattern or a query: those are read by the nightly job. Add "
                           "--db nps.db (or a postgresql:// URL) to tag them into a store, or pass one file.")
    output = output or Path("mentions.csv")
    if output.suffix.lower() not in (".csv", ".xlsx", ".parquet"):
        raise NpsTextError(f"Cannot write mentions to '{output.name}': use a .csv, .xlsx or .parquet file name.")
    loaded_survey = load.load(survey)
    note_default_taxonomy(taxonomy, model)
    result = tag_survey(loaded_survey, taxonomy=taxonomy, model=model, method=method.value, redact_pii=bool(redact),
                        sentiment=sentiment.value, embedder=embedder)
    write_table(result.mentions, output)  # .parquet as it is, .csv and .xlsx formula-safe
    err.print(result.report.summary(), highlight=False, soft_wrap=True)
    out.print(result.summary(), highlight=False)
    out.print(f"Mentions written to {output}.", highlight=False)


def _nightly(source: str, db: str, *, as_json: bool, **options) -> None:
    from ..batch import tag_to_store  # the store and the batch job load SQLAlchemy

    load = options.pop("load")
    try:
        with _progress() as progress:
            result = tag_to_store(source, db, options=load, progress=progress, **options)
    except StoreBusyError as exc:  # exit code 4, so that cron can tell "busy, try later" from bad input (2)
        if as_json:
            out.print_json(json.dumps({"status": "busy", "exit_code": 4, "message": str(exc)}, ensure_ascii=False))
        err.print(f"[bold red]Busy:[/] {escape(str(exc))}", markup=True, highlight=False, soft_wrap=True)
        raise typer.Exit(code=4) from None
    except NpsTextError as exc:
        if as_json:  # a script reading stdout gets an object, not nothing
            out.print_json(json.dumps({"status": "error", "exit_code": 2, "message": str(exc)}, ensure_ascii=False))
        raise
    if as_json:
        out.print_json(json.dumps(result.to_dict(), ensure_ascii=False, default=str))
    else:
        out.print(result.summary(), highlight=False, soft_wrap=True)
    if result.status == "interrupted":
        raise typer.Exit(code=3)


class _progress:
    """A progress bar with rate and ETA on a terminal; one log line per piece otherwise."""

    def __enter__(self):
        self.bar = None
        if sys.stderr.isatty():
            from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

            self.bar = Progress(TextColumn("tagging"), BarColumn(), TextColumn("{task.completed:,} rows"),
                                TextColumn("{task.fields[rate]:,.0f} rows/s"), TimeRemainingColumn(), console=err)
            self.bar.start()
            self.task = self.bar.add_task("tag", total=None, rate=0.0)
        return self.update

    def update(self, piece) -> None:
        if self.bar is None:
            err.print(piece.line(), highlight=False, soft_wrap=True)
        else:
            self.bar.update(self.task, completed=piece.rows_read, total=piece.total_rows, rate=piece.rate)

    def __exit__(self, *_exc) -> None:
        if self.bar is not None:
            self.bar.stop()
