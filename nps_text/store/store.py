"""``Store``: a results database (SQLite file or PostgreSQL) that jobs write to and analysts read from."""

from __future__ import annotations

import hashlib
import json
import os
import socket
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from .._core.version import VERSION
from ..errors import ParameterError, StoreError
from ..io.load import LoadedSurvey, LoadReport, RejectedRow
from . import schema as t
from .lock import job_lock
from .schema import migrate

__all__ = ["Store", "store_url", "comment_hash", "PiecePlan", "StorePiece"]

_IN_BATCH = 900  # ids per IN (...) list: under SQLite's oldest variable limit
MENTION_COLUMNS = ["response_id", "sentence_id", "theme", "score", "source", "start", "end", "evidence",
                   "sentiment", "sentiment_score"]


def store_url(db: str | Path) -> str:
    """A SQLAlchemy URL for ``db``: a URL as it is, a file path as a SQLite database.

    >>> store_url("postgresql+psycopg://me@db/nps")
    'postgresql+psycopg://me@db/nps'
    >>> store_url("nps.db").startswith("sqlite:///") and store_url("nps.db").endswith("nps.db")
    True
    """
    text = str(db)
    if "://" in text:
        if text.startswith("postgresql://") or text.startswith("postgres://"):
            return "postgresql+psycopg://" + text.split("://", 1)[1]  # psycopg 3, the driver nps-text installs
        return text
    if text in ("", ":memory:"):
        return "sqlite://"
    return f"sqlite:///{Path(text).expanduser().resolve()}"


def comment_hash(comment: object) -> str:
    """The hash that tells a changed comment from the one already tagged (SHA-256 of its text).

    >>> comment_hash("gut") == comment_hash("gut"), comment_hash("gut") == comment_hash("gut!")
    (True, False)
    """
    text = comment if isinstance(comment, str) else ""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _chunks(values: Sequence, size: int = _IN_BATCH) -> Iterator[Sequence]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers (the dashboard) never block the job, nor it them
    cursor.execute("PRAGMA synchronous=FULL")  # a committed piece survives a power cut
    cursor.execute("PRAGMA busy_timeout=60000")
    cursor.close()


@dataclass
class PiecePlan:
    """What a piece of input needs, decided from the ledger before the (slow) tagging."""

    tag: list[str] = field(default_factory=list)  # response ids to tag now
    new: int = 0
    changed: int = 0
    retag: int = 0
    skipped: int = 0  # already tagged with the same comment by the same tagger
    duplicates: list[str] = field(default_factory=list)  # ids already read earlier in this run


@dataclass
class StorePiece:
    """One piece to write in one transaction."""

    # response_id, score, nps_group, date?, comment, comment_hash, lang?, source_row, and ``tagged_now``:
    # False for a response already tagged with this comment, whose stored comment and language stay
    responses: pd.DataFrame
    segments: list[str]  # the segment columns of ``responses``
    tagged: pd.DataFrame | None  # response_id, comment_hash, sentences, mentions: the ledger rows of what was tagged now
    mentions: pd.DataFrame | None  # the mention contract (plus ``sentence``) of the responses in ``tagged``
    rejects: list[dict[str, Any]]  # source, row, column, value, reason
    source: str = ""
    counts: dict[str, int] = field(default_factory=dict)  # rows_read, rows_rejected, ... added to the run


class Store:
    """A results store: responses, mentions, runs and rejects in SQLite or PostgreSQL.

    ``Store("nps.db")`` opens (and creates) a SQLite file; ``Store("postgresql://user@host/db")``
    a PostgreSQL database (psycopg 3). The tables are created or migrated on opening.

    >>> store = Store(":memory:")
    >>> store.mentions().empty, list(store.runs().columns[:3])
    (True, ['run_id', 'started_at', 'finished_at'])
    """

    is_nps_store = True  # what jobs check, without importing this module (and SQLAlchemy)

    def __init__(self, db: str | Path, *, echo: bool = False) -> None:
        self.url = store_url(db)
        try:
            url = sa.make_url(self.url)
        except sa.exc.ArgumentError as exc:
            raise StoreError(f"{db!r} is not a database URL or a file path: {exc}. Pass a SQLite file "
                             "(nps.db) or a URL such as postgresql://user@host/dbname.") from None
        self.where = url.render_as_string(hide_password=True)
        options: dict[str, Any] = {"echo": echo}
        if url.get_backend_name() == "sqlite":
            options["connect_args"] = {"timeout": 60}
            if not url.database or url.database == ":memory:":
                options["poolclass"] = sa.pool.StaticPool  # one connection, or every connection is a new database
            else:
                folder = Path(url.database).parent
                if not folder.is_dir():
                    raise StoreError(f"Cannot create the store {url.database}: folder '{folder}' does not exist. "
                                     "Create it, or pass another path.")
        try:
            self.engine = sa.create_engine(url, **options)
        except (ImportError, sa.exc.ArgumentError, sa.exc.NoSuchModuleError) as exc:
            raise StoreError(f"Cannot open the store {self.where}: {exc}. Use sqlite:///FILE or "
                             "postgresql://user@host/dbname.") from None
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        try:
            migrate(self.engine, where=self.where)
        except sa.exc.DatabaseError as exc:
            self.engine.dispose()
            if self.engine.dialect.name == "sqlite" and "not a database" in str(exc.orig):
                raise StoreError(f"'{url.database}' is a file but not a SQLite database. Pass a new file name (it is "
                                 "created) or the store an earlier job wrote.") from None
            raise StoreError(f"Cannot connect to the store {self.where}: {str(exc.orig).strip().splitlines()[0]}. "
                             "Check the URL, that the server runs, and the user's rights.") from None

    # -- life cycle ---------------------------------------------------------------------------------
    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.where!r})"

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    # -- the writing job --------------------------------------------------------------------------
    @contextmanager
    def job_lock(self, wait: float = 0.0) -> Iterator[None]:
        """The store's one-writer lock; see :mod:`nps_text.store.lock`."""
        with job_lock(self.engine, where=self.where, wait=wait, holder=self._running_job):
            yield

    def _running_job(self) -> str:
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(t.runs.c.run_id, t.runs.c.started_at, t.runs.c.host, t.runs.c.pid)
                                     .where(t.runs.c.status == "running").order_by(t.runs.c.run_id.desc())).first()
        return f": run {row.run_id}, started {row.started_at:%Y-%m-%d %H:%M} by pid {row.pid} on {row.host}" if row else ""

    def mark_crashed(self) -> list[int]:
        """Runs still marked running although no job holds the lock: they died (SIGKILL, power cut).

        Call with the job lock held. Their committed pieces stay; the next run goes on from there.
        """
        with self.engine.begin() as connection:
            ids = [r[0] for r in connection.execute(sa.select(t.runs.c.run_id).where(t.runs.c.status == "running"))]
            if ids:
                connection.execute(t.runs.update().where(t.runs.c.run_id.in_(ids)).values(
                    status="crashed", message="the job stopped without finishing (killed or lost power); its "
                                              "committed pieces are kept and the next run continued from there"))
        return ids

    def start_run(self, *, source: str, tagger: str, tagger_name: str, fingerprint: str, tier: str | None,
                  engine: str) -> int:
        with self.engine.begin() as connection:
            return int(connection.execute(t.runs.insert().values(
                started_at=datetime.now(timezone.utc), status="running", source=source, tagger=tagger,
                tagger_name=tagger_name, fingerprint=fingerprint, tier=tier, nps_text_version=VERSION,
                engine=engine, host=socket.gethostname(), pid=os.getpid(), rows_read=0, rows_rejected=0,
                responses_new=0, responses_changed=0, responses_skipped=0, mentions_written=0, pieces=0,
            ).returning(t.runs.c.run_id)).scalar_one())

    def finish_run(self, run_id: int, *, status: str, message: str | None = None,
                   drift: dict[str, Any] | None = None) -> None:
        with self.engine.begin() as connection:
            connection.execute(t.runs.update().where(t.runs.c.run_id == run_id).values(
                status=status, finished_at=datetime.now(timezone.utc), message=message,
                drift=json.dumps(drift, ensure_ascii=False) if drift is not None else None))

    def plan(self, run_id: int, fingerprint: str, ids: Sequence[str], hashes: Sequence[str], *,
             retag: bool = False) -> PiecePlan:
        """Which of a piece's responses to tag: new ones, changed comments, and with ``retag`` all
        that an earlier run tagged; not those already tagged with the same comment."""
        with self.engine.connect() as connection:
            done = self._ledger(connection, fingerprint, ids)
            seen = self._seen_in_run(connection, run_id, ids)
        plan = PiecePlan()
        for rid, digest in zip(ids, hashes):
            if rid in seen:
                plan.duplicates.append(rid)
            elif rid not in done:
                plan.new += 1
                plan.tag.append(rid)
            elif done[rid][0] != digest:
                plan.changed += 1
                plan.tag.append(rid)
            elif retag and done[rid][1] < run_id:
                plan.retag += 1
                plan.tag.append(rid)
            else:
                plan.skipped += 1
        return plan

    @staticmethod
    def _ledger(connection: sa.Connection, fingerprint: str, ids: Sequence[str]) -> dict[str, tuple[str, int]]:
        out: dict[str, tuple[str, int]] = {}
        for part in _chunks(list(ids)):
            rows = connection.execute(sa.select(t.tagged.c.response_id, t.tagged.c.comment_hash, t.tagged.c.run_id)
                                      .where(t.tagged.c.fingerprint == fingerprint, t.tagged.c.response_id.in_(part)))
            out.update({r.response_id: (r.comment_hash, r.run_id) for r in rows})
        return out

    @staticmethod
    def _seen_in_run(connection: sa.Connection, run_id: int, ids: Sequence[str]) -> set[str]:
        seen: set[str] = set()
        for part in _chunks(list(ids)):
            seen.update(connection.execute(sa.select(t.responses.c.response_id).where(
                t.responses.c.last_run_id == run_id, t.responses.c.response_id.in_(part))).scalars())
        return seen

    def write_piece(self, run_id: int, fingerprint: str, piece: StorePiece) -> dict[str, int]:
        """Write one piece in one transaction: its responses, their segments, the new mentions (earlier
        ones of the same responses and tagger become history), the ledger, the rejects, the run's counts.

        Ids that another piece of this run wrote meanwhile are duplicates: rejected, not written.
        Returns the counts added to the run.
        """
        responses = piece.responses
        with self.engine.begin() as connection:
            late = self._seen_in_run(connection, run_id, responses["response_id"].tolist())
            rejects = list(piece.rejects)
            counts = dict(piece.counts)
            if late:
                dup = responses["response_id"].isin(late)
                rejects += [_duplicate_reject(row, piece.source) for row in responses[dup].itertuples(index=False)]
                responses = responses[~dup]
                counts["rows_rejected"] = counts.get("rows_rejected", 0) + int(dup.sum())
                if piece.tagged is not None:  # planned as new before the other piece was written
                    counts["responses_new"] = counts.get("responses_new", 0) - int(piece.tagged["response_id"].isin(late).sum())
            tagged = piece.tagged if piece.tagged is not None else pd.DataFrame(columns=["response_id"])
            tagged = tagged[~tagged["response_id"].isin(late)]
            mentions = piece.mentions if piece.mentions is not None else pd.DataFrame(columns=["response_id"])
            mentions = mentions[~mentions["response_id"].isin(late)]
            self._upsert_responses(connection, run_id, responses, piece.segments, piece.source)
            tagged_ids = tagged["response_id"].tolist()
            for part in _chunks(tagged_ids):
                connection.execute(t.mentions.update().where(
                    t.mentions.c.fingerprint == fingerprint, t.mentions.c.response_id.in_(part),
                    t.mentions.c.current.is_(True)).values(current=False))
            if len(mentions):
                connection.execute(t.mentions.insert(), _mention_rows(mentions, run_id, fingerprint))
            self._upsert(connection, t.tagged, ["response_id", "fingerprint"], [
                {"response_id": r.response_id, "fingerprint": fingerprint, "comment_hash": r.comment_hash,
                 "run_id": run_id, "sentences": int(r.sentences), "mentions": int(r.mentions)}
                for r in tagged.itertuples(index=False)])
            if rejects:
                connection.execute(t.rejects.insert(), [{**r, "run_id": run_id} for r in rejects])
            counts["mentions_written"] = counts.get("mentions_written", 0) + len(mentions)
            counts["pieces"] = counts.get("pieces", 0) + 1
            connection.execute(t.runs.update().where(t.runs.c.run_id == run_id).values(
                **{name: getattr(t.runs.c, name) + value for name, value in counts.items()}))
        return counts

    def _upsert_responses(self, connection: sa.Connection, run_id: int, responses: pd.DataFrame,
                          segment_columns: list[str], source: str) -> None:
        if responses.empty:
            return
        dates = responses["date"] if "date" in responses else pd.Series(pd.NaT, index=responses.index)
        missing = pd.Series(None, index=responses.index, dtype=object)
        now = responses["tagged_now"] if "tagged_now" in responses else pd.Series(True, index=responses.index)
        fresh, kept = [], []
        for rid, score, group, date, comment, digest, lang, row, is_now in zip(
                responses["response_id"], responses["score"], responses["nps_group"], dates, responses["comment"],
                responses["comment_hash"], responses.get("lang", missing), responses.get("source_row", missing), now):
            record = {"response_id": str(rid), "score": int(score), "nps_group": str(group),
                      "date": None if pd.isna(date) else pd.Timestamp(date).to_pydatetime(),
                      "source": source, "source_row": None if pd.isna(row) else int(row),
                      "first_run_id": run_id, "last_run_id": run_id}
            if is_now:
                record.update(comment=None if pd.isna(comment) else str(comment), comment_hash=digest,
                              lang=None if pd.isna(lang) else str(lang))
                fresh.append(record)
            else:  # already tagged with this comment: score, date and segments may change, the stored text stays
                kept.append(record)
        self._upsert(connection, t.responses, ["response_id"], fresh, keep=["first_run_id"])
        if kept:
            for part in _chunks(kept):
                connection.execute(t.responses.update().where(t.responses.c.response_id == sa.bindparam("rid")).values(
                    score=sa.bindparam("score"), nps_group=sa.bindparam("nps_group"), date=sa.bindparam("date"),
                    source=sa.bindparam("source"), source_row=sa.bindparam("source_row"),
                    last_run_id=sa.bindparam("last_run_id")),
                    [{**{k: v for k, v in r.items() if k not in ("response_id", "first_run_id")},
                      "rid": r["response_id"]} for r in part])
        ids = responses["response_id"].tolist()
        named = [name for name in segment_columns if name in responses]
        for part in _chunks(ids):  # only the segments this piece has: a small file that finds none keeps them
            connection.execute(t.segments.delete().where(t.segments.c.response_id.in_(part),
                                                         t.segments.c.name.in_(named)))
        segment_rows = [{"response_id": rid, "name": name, "value": None if pd.isna(value) else str(value)}
                        for name in segment_columns if name in responses
                        for rid, value in zip(ids, responses[name])]
        if segment_rows:
            connection.execute(t.segments.insert(), segment_rows)

    def _upsert(self, connection: sa.Connection, table: sa.Table, keys: list[str], rows: list[dict[str, Any]],
                *, keep: Iterable[str] = ()) -> None:
        """INSERT ... ON CONFLICT (keys) DO UPDATE for SQLite and PostgreSQL."""
        if not rows:
            return
        if self.dialect == "postgresql":
            insert = postgresql.insert
        elif self.dialect == "sqlite":
            insert = sqlite.insert
        else:
            raise StoreError(f"nps-text stores results in SQLite or PostgreSQL, not {self.dialect}.")
        statement = insert(table)
        update = {c: statement.excluded[c] for c in rows[0] if c not in keys and c not in set(keep)}
        connection.execute(statement.on_conflict_do_update(index_elements=keys, set_=update), rows)

    # -- reading back -----------------------------------------------------------------------------
    def _frame(self, query: sa.Select) -> pd.DataFrame:
        with self.engine.connect() as connection:
            return pd.read_sql_query(query, connection)

    def runs(self) -> pd.DataFrame:
        """One row per job run, newest last: status, tagger, counts and the drift summary (JSON)."""
        return self._frame(sa.select(t.runs).order_by(t.runs.c.run_id))

    def run(self, run_id: int | None = None) -> dict[str, Any]:
        """One run as a dict (the latest by default), with ``drift`` decoded."""
        query = sa.select(t.runs).order_by(t.runs.c.run_id.desc())
        if run_id is not None:
            query = query.where(t.runs.c.run_id == run_id)
        with self.engine.connect() as connection:
            row = connection.execute(query).mappings().first()
        if row is None:
            raise StoreError(f"The store {self.where} has no run {run_id if run_id is not None else ''}".rstrip()
                             + ". Run `nps-text tag SOURCE --db ...` first.")
        out = dict(row)
        out["drift"] = json.loads(out["drift"]) if out.get("drift") else None
        return out

    def rejects(self, run_id: int | None = None) -> pd.DataFrame:
        """The rows a run's input could not use (all runs by default), with row number, value and reason."""
        query = sa.select(t.rejects).order_by(t.rejects.c.reject_id)
        if run_id is not None:
            query = query.where(t.rejects.c.run_id == run_id)
        return self._frame(query)

    def fingerprints(self) -> list[str]:
        """The taggers (by fingerprint) whose mentions the store holds, the one that tagged last first.

        Read from the ledger, so a run that failed before tagging anything does not count."""
        query = (sa.select(t.tagged.c.fingerprint, sa.func.max(t.tagged.c.run_id).label("last"))
                 .group_by(t.tagged.c.fingerprint).order_by(sa.desc("last")))
        with self.engine.connect() as connection:
            return [r[0] for r in connection.execute(query)]

    def responses(self, *, since: Any = None, until: Any = None) -> pd.DataFrame:
        """The responses table as :func:`~nps_text.load_survey` gives it, segments as columns.

        ``since``/``until`` filter on the response date (inclusive; responses without a date are
        left out when either is given).
        """
        query = sa.select(t.responses).order_by(t.responses.c.response_id)
        query = _date_filter(query, since, until)
        frame = self._frame(query)
        frame["score"] = frame["score"].astype("Int64")
        frame["nps_group"] = pd.Categorical(frame["nps_group"], categories=["detractor", "passive", "promoter"])
        frame["comment"] = frame["comment"].astype("string")
        frame["has_comment"] = frame["comment"].fillna("").str.strip().ne("")
        frame["date"] = pd.to_datetime(frame["date"])
        segs = self._frame(sa.select(t.segments).where(t.segments.c.response_id.in_(
            _date_filter(sa.select(t.responses.c.response_id), since, until).scalar_subquery())))
        if len(segs):
            wide = segs.pivot(index="response_id", columns="name", values="value")
            wide.columns.name = None
            frame = frame.merge(wide, left_on="response_id", right_index=True, how="left")
        frame.attrs["segments"] = sorted(segs["name"].unique()) if len(segs) else []
        return frame.drop(columns=["first_run_id", "last_run_id"])

    def mentions(self, *, since: Any = None, until: Any = None, theme: str | Sequence[str] | None = None,
                 fingerprint: str | None = None, run_id: int | None = None, current: bool = True) -> pd.DataFrame:
        """The mentions table (see :mod:`nps_text.tagging`), plus ``run_id``, ``date`` and ``nps_group``.

        By default the current mentions of the tagger that ran last (``fingerprint`` picks another);
        ``current=False`` adds the history that later runs replaced. ``since``/``until`` filter on the
        response date, ``theme`` on one or more themes, ``run_id`` on the run that wrote them.
        """
        if fingerprint is None:
            known = self.fingerprints()
            fingerprint = known[0] if known else ""
        m, r = t.mentions.c, t.responses.c
        query = (sa.select(*[getattr(m, c) for c in MENTION_COLUMNS], m.sentence, m.run_id, m.current, r.date, r.nps_group)
                 .join_from(t.mentions, t.responses, m.response_id == r.response_id)
                 .where(m.fingerprint == fingerprint).order_by(m.response_id, m.sentence_id, m.mention_id))
        if current:
            query = query.where(m.current.is_(True))
        if theme is not None:
            query = query.where(m.theme.in_([theme] if isinstance(theme, str) else list(theme)))
        if run_id is not None:
            query = query.where(m.run_id == run_id)
        frame = self._frame(_date_filter(query, since, until))
        frame["date"] = pd.to_datetime(frame["date"])
        frame.attrs["fingerprint"] = fingerprint
        return frame

    def load(self, *, since: Any = None, until: Any = None) -> LoadedSurvey:
        """The stored responses as :func:`~nps_text.io.load_survey` returns a survey, for every job that
        takes one (``analyze``, ``score_survey``, the drivers and the report).

        The report's rejected rows are those of every run (each once, though every run that re-read
        a file recorded them again), so that the rows the store never got are still accounted for.
        """
        responses = self.responses(since=since, until=until)
        if responses.empty:
            window = "" if since is None and until is None else f" between {since or 'the start'} and {until or 'now'}"
            raise StoreError(f"The store {self.where} holds no responses{window}. Run `nps-text tag SOURCE --db ...` "
                             "first, or widen since/until.")
        rejects = self.rejects().drop_duplicates(["source", "row", "column", "value", "reason"])  # each run re-reads
        rejected = [RejectedRow(int(r.row) if pd.notna(r.row) else 0, str(r.column), None if pd.isna(r.value) else
                                str(r.value), f"{r.reason} (in {Path(str(r.source)).name})")
                    for r in rejects.itertuples(index=False)]
        report = LoadReport(source=self.where, format="store", rows_read=len(responses) + len(rejected),
                            rows_kept=len(responses), rejected=rejected,
                            columns={"score": "score", "comment": "comment", "id": "response_id",
                                     "date": "date" if responses["date"].notna().any() else None},
                            segments=list(responses.attrs.get("segments", [])), scale="0-10",
                            source_columns=[str(c) for c in responses.columns],
                            empty_comments=int((~responses["has_comment"]).sum()))
        return LoadedSurvey(responses, report)

    def counts(self) -> dict[str, int]:
        """Rows per table: a quick look at what the store holds."""
        with self.engine.connect() as connection:
            return {table.name: int(connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
                    for table in (t.responses, t.segments, t.mentions, t.tagged, t.runs, t.rejects)}


def _date_filter(query: sa.Select, since: Any, until: Any) -> sa.Select:
    for bound, compare in ((since, "__ge__"), (until, "__le__")):
        if bound is not None:
            try:
                value = pd.Timestamp(bound).to_pydatetime()
            except (ValueError, TypeError):
                raise ParameterError(f"since/until must be a date such as '2026-01-31', got {bound!r}.") from None
            query = query.where(getattr(t.responses.c.date, compare)(value))
    return query


def _duplicate_reject(row: Any, source: str) -> dict[str, Any]:
    return {"source": source, "row": None if pd.isna(getattr(row, "source_row", None)) else int(row.source_row),
            "column": "response_id", "value": str(row.response_id),
            "reason": "duplicate response id (already read earlier in this run)"}


def _mention_rows(mentions: pd.DataFrame, run_id: int, fingerprint: str) -> list[dict[str, Any]]:
    def value(v: Any) -> Any:
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            return None
        return v.item() if hasattr(v, "item") else v

    columns = MENTION_COLUMNS + (["sentence"] if "sentence" in mentions else [])
    return [{**{c: value(v) for c, v in zip(columns, values)}, "run_id": run_id, "fingerprint": fingerprint,
             "current": True}
            for values in zip(*(mentions[c] for c in columns))]

