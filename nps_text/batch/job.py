"""The nightly job: ``tag_to_store`` reads a source piece by piece and tags what is new into a store.

Per piece (default 5,000 rows) it loads and validates the rows, asks the store's ledger which
responses this tagger has not tagged with this comment yet, tags only those, and writes the
piece — responses, segments, mentions, ledger, rejects, run counts — in **one transaction**. So:

- a re-run of the same input tags nothing and adds no response or mention (it adds a run record);
- a changed comment is tagged again, its earlier mentions kept with ``current = false``;
- after SIGKILL or a power cut the uncommitted piece is rolled back by the database, and the next
  run skips every committed response: it goes on where the killed run stopped;
- SIGINT or SIGTERM finish the current piece, then the run ends as ``interrupted``;
- one job per store: a second one waits (``wait``) or stops with a clear message.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from .._core.deps import require
from .._core.results import Result
from ..errors import ParameterError
from ..io.load import LoadedSurvey, LoadOptions
from ..io.stream import SQL_PREFIX, iter_survey, survey_files
from ..store import Store, StorePiece, comment_hash, store_url
from ..text.redact import redact
from .drift import RunTally, drift_report
from .tagger import TaggedPiece, TaggerSpec, loaded

__all__ = ["tag_to_store", "BatchRun", "PieceProgress", "ENGINES"]

logger = logging.getLogger(__name__)
ENGINES = ("local", "dask")
_COUNTS = ("rows_read", "rows_rejected", "responses_new", "responses_changed", "responses_skipped",
           "mentions_written", "pieces")


@dataclass
class PieceProgress:
    """Where a running job stands after a piece: for a progress bar or a log line."""

    piece: int
    rows_read: int
    tagged: int
    skipped: int
    rejected: int
    mentions: int
    seconds: float
    total_rows: int | None = None
    run_id: int | None = None

    @property
    def rate(self) -> float:
        return self.rows_read / self.seconds if self.seconds > 0 else 0.0

    def line(self) -> str:
        """One log line per piece (what the job prints when not on a terminal)."""
        eta = ""
        if self.total_rows and self.rate > 0 and self.total_rows > self.rows_read:
            eta = f", about {(self.total_rows - self.rows_read) / self.rate:.0f} s left"
        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        return (f"{now} run {self.run_id} piece {self.piece}: so far {self.rows_read:,} rows read, {self.tagged:,} "
                f"tagged, {self.skipped:,} already tagged, {self.rejected:,} rejected, {self.mentions:,} mentions; "
                f"{self.rate:,.0f} rows/s{eta}")


@dataclass
class BatchRun(Result):
    """The summary of one run of the nightly job (also in the store's runs table).

    ``status`` is ``succeeded``, ``interrupted`` (SIGINT/SIGTERM: the pieces written so far are
    kept) or ``failed``; ``drift`` holds the untagged share, theme shares against earlier runs,
    and emerging themes.
    """

    run_id: int
    status: str
    store: str
    source: str
    tagger: str
    fingerprint: str
    tier: str | None
    kind: str  # model, rules or zero-shot: the runs table's ``tagger`` column
    engine: str
    seconds: float
    counts: dict[str, int]
    drift: dict[str, Any] | None = None
    crashed_runs: list[int] = field(default_factory=list)
    message: str | None = None
    warnings: list[str] = field(default_factory=list)  # from reading the input (each once)
    rejected_examples: list[str] = field(default_factory=list)  # the first rejected rows, with their reason

    def to_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "status": self.status, "store": self.store, "source": self.source,
                "tagger": self.kind, "tagger_name": self.tagger, "fingerprint": self.fingerprint, "tier": self.tier, "engine": self.engine,
                "seconds": round(self.seconds, 3),
                "rows_per_second": round(self.counts.get("rows_read", 0) / self.seconds, 1) if self.seconds else None,
                **self.counts, "crashed_runs_found": self.crashed_runs, "message": self.message,
                "warnings": self.warnings, "rejected_examples": self.rejected_examples, "drift": self.drift}

    def to_frame(self) -> pd.DataFrame:
        data = {k: v for k, v in self.to_dict().items()
                if k not in ("drift", "crashed_runs_found", "warnings", "rejected_examples")}
        return pd.DataFrame([data])

    def summary(self) -> str:
        c = self.counts
        lines = [f"Run {self.run_id} {self.status} in {self.seconds:.1f} s: {c.get('rows_read', 0):,} rows read, "
                 f"{c.get('responses_new', 0):,} new and {c.get('responses_changed', 0):,} changed responses "
                 f"tagged, {c.get('responses_skipped', 0):,} already tagged, {c.get('rows_rejected', 0):,} rejected, "
                 f"{c.get('mentions_written', 0):,} mentions written ({self.tagger}).",
                 f"Store: {self.store}."]
        if self.crashed_runs:
            lines.append(f"Earlier run(s) {self.crashed_runs} had stopped without finishing; this run went on from "
                         "their last committed piece.")
        if self.rejected_examples:
            more = c.get("rows_rejected", 0) - len(self.rejected_examples)
            lines += [f"  {example}" for example in self.rejected_examples]
            if more > 0:
                lines.append(f"  ... and {more:,} more (in nps_rejects, run {self.run_id}).")
        lines += [f"Warning: {w}" for w in self.warnings]
        if self.message:
            lines.append(self.message)
        lines += _drift_lines(self.drift)
        return "\n".join(lines)


def _drift_lines(drift: dict[str, Any] | None) -> list[str]:
    if not drift or not drift.get("responses"):
        return []
    lines = [f"No theme in {drift['untagged_share']:.0%} of the comments tagged now"
             + (f" (earlier runs: {drift['untagged_share_before']:.0%})." if drift.get("untagged_share_before")
                is not None else ".")]
    moved = [t for t in drift.get("themes", []) if t.get("significant")]
    for theme in moved[:8]:
        lines.append(f"  {theme['theme']}: {theme['share']:.0%} of comments now, {theme['share_before']:.0%} before "
                     f"(Holm-corrected p = {theme['p_holm']:.3g})")
    for item in drift.get("emerging", []):
        if item.get("emerging") is False:
            continue
        what = "Emerging theme" if item.get("emerging") else "Untagged topic (no earlier run to compare with)"
        lines.append(f"{what}: '{' · '.join(item['keywords'])}', about {item['clauses']:,} clauses no theme claims, "
                     f"first seen {item['first_seen'] or 'on an unknown date'}; e.g. "
                     + " / ".join(repr(q) for q in item["quotes"][:2]))
    return lines


class _Stop:
    """SIGINT/SIGTERM ask the job to stop after the piece it is writing (a second SIGINT stops at once)."""

    def __init__(self) -> None:
        self.requested: str | None = None
        self._old: dict[int, Any] = {}

    def __enter__(self) -> _Stop:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._old[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum: int, _frame) -> None:
        if self.requested and signum == signal.SIGINT:
            raise KeyboardInterrupt
        self.requested = signal.Signals(signum).name
        logger.warning("%s received: finishing the current piece, then stopping", self.requested)

    def __exit__(self, *_exc) -> None:
        for sig, handler in self._old.items():
            signal.signal(sig, handler)


def estimate_rows(source: Any) -> int | None:
    """About how many rows a file source holds (for the ETA); None when unknown."""
    if not isinstance(source, (str, Path)) or str(source).startswith(SQL_PREFIX):
        return None
    total = 0
    try:
        for path in survey_files(source):
            suffix = path.suffix.lower()
            if suffix in (".csv", ".tsv", ".txt", ".tab", ".jsonl", ".ndjson"):
                with path.open("rb") as handle:
                    lines = sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b""))
                total += lines - (suffix not in (".jsonl", ".ndjson"))  # the header line
            elif suffix in (".parquet", ".pq"):
                import pyarrow.parquet as pq  # pandas' Parquet engine

                total += pq.ParquetFile(path).metadata.num_rows
            else:
                return None
    except Exception:  # an estimate only: reading the source will report any real problem
        return None
    return total


def _rejects(piece: LoadedSurvey, *, redact_pii: bool) -> list[dict[str, Any]]:
    """The piece's rejected rows for nps_rejects; a rejected value may hold a whole row, comment included,
    so it is redacted like the comments."""
    def value(raw: Any) -> str | None:
        if raw is None:
            return None
        return redact(str(raw)) if redact_pii else str(raw)

    return [{"source": piece.report.source, "row": r.row, "column": r.column, "value": value(r.value),
             "reason": r.reason} for r in piece.report.rejected]


def tag_to_store(
    source: str | Path | pd.DataFrame,
    db: str | Path | Store,
    *,
    model: str | Path | None = None,
    taxonomy: str | Path | None = None,
    method: str = "rules",
    rows: int = 5_000,
    retag: bool = False,
    redact_pii: bool = True,
    options: LoadOptions | None = None,
    source_db: str | None = None,
    engine: str = "local",
    scheduler: str | None = None,
    workers: int = 2,
    wait: float = 0.0,
    progress: Callable[[PieceProgress], None] | None = None,
) -> BatchRun:
    """Tag what is new in ``source`` into the store ``db``, piece by piece, one transaction per piece.

    Parameters
    ----------
    source : path, glob, folder, DataFrame or "sql:<table or SELECT>"
        Files are streamed (CSV, Parquet, JSON Lines); a query runs on ``source_db`` (default: ``db``).
    db : path, URL or Store
        A SQLite file (created) or ``postgresql://user@host/dbname``.
    model, taxonomy, method
        A trained model folder, or a taxonomy file (default: the bundled one) with "rules" or "zero-shot".
    rows : int
        Rows per piece: per transaction, and what memory holds at once.
    retag : bool
        Tag again what an earlier run tagged with the same tagger (their mentions become history).
    redact_pii : bool
        Redact personal data before tagging and storing (default: yes, comments leave the analyst's machine).
    engine : {"local", "dask"}
        "dask" tags the pieces on a ``dask.distributed`` cluster (``scheduler`` address, or a
        LocalCluster of ``workers`` processes); writing stays here, in order.
    wait : float
        Seconds to wait for another job on the same store before giving up.
    progress : callable, optional
        Called with a :class:`PieceProgress` after each committed piece.

    Examples
    --------
    >>> import pandas as pd
    >>> survey = pd.DataFrame({"id": ["a", "b"], "score": [10, 2], "comment": ["Lieferung schnell", "zu teuer"]})
    >>> tag_to_store(survey, ":memory:").counts["responses_new"]
    2
    """
    if engine not in ENGINES:
        raise ParameterError(f"engine must be one of {list(ENGINES)}, got {engine!r}.")
    if rows < 1:
        raise ParameterError(f"rows (the piece size) must be at least 1, got {rows} (CLI: --chunk-rows N).")
    if workers < 1:
        raise ParameterError(f"workers must be at least 1, got {workers} (CLI: --workers N).")
    if wait < 0:
        raise ParameterError(f"wait must be 0 or more seconds, got {wait} (CLI: --wait SECONDS).")
    spec = TaggerSpec.make(model=model, taxonomy=taxonomy, method=method, redact_pii=redact_pii)
    store = db if isinstance(db, Store) else Store(db)
    if isinstance(source, pd.DataFrame):
        label = "<DataFrame>"
    elif str(source).startswith(SQL_PREFIX):
        label = str(source)
    else:
        label = str(Path(source).expanduser().absolute())  # the runs table says which files, from anywhere
    try:
        with store.job_lock(wait=wait):
            crashed = store.mark_crashed()
            run_id = store.start_run(source=label, tagger=spec.kind, tagger_name=spec.name,
                                     fingerprint=spec.fingerprint, tier=spec.tier, engine=engine)
            job = _Job(store, run_id, spec, retag=retag, progress=progress, total=estimate_rows(source))
            pieces = iter_survey(source, rows=rows, options=options, database=store_url(source_db) if source_db
                                 else store.url, bad_files="reject")
            status, message = "failed", None
            with _Stop() as stop:
                try:
                    if engine == "dask":
                        require("distributed", "'nps-text[dask]'", "Dask engine")
                        from .dask import dask_pieces  # loads dask.distributed

                        job.run(dask_pieces(job.planned(pieces, stop), spec, scheduler=scheduler, workers=workers))
                    else:
                        tagger = loaded(spec)
                        job.run((plan, tagger.tag(todo) if len(todo) else None)
                                for plan, todo in job.planned(pieces, stop))
                    status = "interrupted" if stop.requested else "succeeded"
                    if stop.requested:
                        message = (f"Stopped by {stop.requested} after piece {job.counts['pieces']}; the pieces "
                                   "written so far are kept, and the next run goes on from there.")
                except KeyboardInterrupt:
                    message = "stopped at once by a second Ctrl-C; the piece in progress was rolled back"
                    raise
                except BaseException as exc:
                    message = f"{type(exc).__name__}: {exc}"
                    raise
                finally:
                    drift = None
                    if status == "succeeded":
                        try:
                            drift = job.drift()
                        except Exception as exc:  # the tagging is done and committed: report, do not fail it
                            logger.warning("drift report failed: %s", exc)
                            message = f"the drift report failed ({type(exc).__name__}: {exc}); the tagging is complete"
                    store.finish_run(run_id, status=status, message=message,
                                     drift={**(drift or {}), "tally": job.tally.counts()})
        return BatchRun(run_id=run_id, status=status, store=store.where, source=label, tagger=spec.name,
                        kind=spec.kind, fingerprint=spec.fingerprint, tier=spec.tier, engine=engine,
                        seconds=time.monotonic() - job.started, counts=job.counts, drift=drift,
                        crashed_runs=crashed, message=message, warnings=job.warnings,
                        rejected_examples=job.rejected_examples)
    finally:
        if not isinstance(db, Store):
            store.close()


@dataclass
class _Plan:
    piece: LoadedSurvey
    responses: pd.DataFrame  # the piece's responses, not duplicates, with comment_hash
    todo_ids: set[str]
    counts: dict[str, int]
    rejects: list[dict[str, Any]]


class _Job:
    def __init__(self, store: Store, run_id: int, spec: TaggerSpec, *, retag: bool,
                 progress: Callable[[PieceProgress], None] | None, total: int | None) -> None:
        self.store, self.run_id, self.spec, self.retag = store, run_id, spec, retag
        self.progress, self.total = progress, total
        self.counts = dict.fromkeys(_COUNTS, 0)
        self.tally = RunTally()
        self.started = time.monotonic()
        self.warnings: list[str] = []
        self.rejected_examples: list[str] = []

    def _note(self, piece: LoadedSurvey, rejects: list[dict[str, Any]]) -> None:
        """Keep each reading warning once, the first rejected rows, and say when ids are made up."""
        report = piece.report
        notes = list(report.warnings)
        if report.format not in ("dataframe", "unreadable") and not report.columns.get("id") and report.rows_read:
            notes.append(f"'{Path(report.source).name}' has no response id column that nps-text recognises, so its "
                         "responses are identified by file name and row number; a re-exported or renamed file then "
                         "looks new. Pass --id COLUMN (id=...) when the export has a response id.")
        for note in notes:
            if note not in self.warnings and len(self.warnings) < 20:
                self.warnings.append(note)
        room = max(0, 5 - len(self.rejected_examples))
        for r in [r for r in rejects if r["column"] == "(file)"] + [r for r in rejects if r["column"] != "(file)"][:room]:
            where = f"row {r['row']} of {Path(str(r['source'])).name}" if r["row"] else f"{Path(str(r['source'])).name}"
            value = "" if r["value"] is None else f" ({r['column']}={r['value'][:40]!r})"
            self.rejected_examples.append(f"Rejected {where}: {r['reason']}{value}")

    def planned(self, pieces: Iterator[LoadedSurvey], stop: _Stop) -> Iterator[tuple[_Plan, pd.DataFrame]]:
        """Each piece with what of it to tag; stops reading when a stop was requested."""
        for piece in pieces:
            responses = piece.responses
            responses = responses.assign(comment_hash=[comment_hash(c) for c in responses["comment"]])
            ids = responses["response_id"].astype(str).tolist()
            plan = self.store.plan(self.run_id, self.spec.fingerprint, ids, responses["comment_hash"].tolist(),
                                   retag=self.retag)
            rejects = _rejects(piece, redact_pii=self.spec.redact_pii)
            if plan.duplicates:
                dup = responses["response_id"].isin(plan.duplicates)
                rejects += [{"source": piece.report.source, "row": int(r.source_row), "column": "response_id",
                             "value": str(r.response_id), "reason": "duplicate response id (already read earlier "
                                                                   "in this run)"}
                            for r in responses[dup].itertuples(index=False)]
                responses = responses[~dup]
            self._note(piece, rejects)
            counts = {"rows_read": piece.report.rows_read, "rows_rejected": len(rejects),
                      "responses_new": plan.new, "responses_changed": plan.changed + plan.retag,
                      "responses_skipped": plan.skipped}
            todo = set(plan.tag)
            yield _Plan(piece, responses, todo, counts, rejects), responses[responses["response_id"].isin(todo)]
            if stop.requested:
                return

    def run(self, results: Iterator[tuple[_Plan, TaggedPiece | None]]) -> None:
        for plan, tagged in results:
            self.write(plan, tagged)

    def write(self, plan: _Plan, tagged: TaggedPiece | None) -> None:
        responses = plan.responses.assign(tagged_now=plan.responses["response_id"].isin(plan.todo_ids))
        if tagged is not None:  # the comment as stored (redacted) and the language of what was tagged now
            fresh = tagged.responses.set_index("response_id")
            responses = responses.set_index("response_id")
            responses.loc[fresh.index, "comment"] = fresh["comment"]
            responses["lang"] = fresh["lang"].reindex(responses.index)
            responses = responses.reset_index()
        piece = StorePiece(
            responses=responses, segments=list(plan.piece.report.segments),
            tagged=tagged.tagged if tagged is not None else None,
            mentions=tagged.mentions if tagged is not None else None,
            rejects=plan.rejects, source=plan.piece.report.source, counts=plan.counts)
        added = self.store.write_piece(self.run_id, self.spec.fingerprint, piece)
        for name, value in added.items():
            self.counts[name] += value
        if tagged is not None:
            dates = responses.set_index("response_id")["date"] if "date" in responses else None
            self.tally.add(tagged.sentences, tagged.mentions, dates)
        if self.progress:
            self.progress(PieceProgress(piece=self.counts["pieces"], rows_read=self.counts["rows_read"],
                                        tagged=self.counts["responses_new"] + self.counts["responses_changed"],
                                        skipped=self.counts["responses_skipped"],
                                        rejected=self.counts["rows_rejected"], mentions=self.counts["mentions_written"],
                                        seconds=time.monotonic() - self.started, total_rows=self.total,
                                        run_id=self.run_id))

    def drift(self) -> dict[str, Any]:
        from ..tagging import lexicon_score  # loaded already by the tagger

        earlier = []
        for run in self.store.runs().itertuples(index=False):
            # a crashed run has no drift (NULL, which pandas reads as NaN): it is no baseline
            if run.run_id < self.run_id and run.fingerprint == self.spec.fingerprint and isinstance(run.drift, str):
                tally = json.loads(run.drift).get("tally")
                if tally:
                    earlier.append(tally)
        from spacy.lang.de.stop_words import STOP_WORDS as GERMAN  # spaCy is loaded by the tagger already
        from spacy.lang.en.stop_words import STOP_WORDS as ENGLISH

        def not_a_topic(lemma: str) -> bool:  # praise, complaint and filler words never make a theme
            return lexicon_score(lemma) != 0 or lemma in GERMAN or lemma in ENGLISH

        return drift_report(self.tally, earlier, is_tone_word=not_a_topic)
