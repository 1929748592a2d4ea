"""The tables of a results store, and the migrations that build them (SQLAlchemy Core).

Every table is prefixed ``nps_`` so that the store can live in a database that holds other
tables too (the survey source, say). A dashboard reads:

- ``nps_responses``: one row per response (id, score, group, date, comment as stored, its hash);
- ``nps_segments``: the response's segment values, one row per (response, segment);
- ``nps_mentions``: one row per (sentence, theme) a tagger found, with the run that wrote it and
  ``current`` (false once the response was tagged again: the earlier rows stay as history);
- ``nps_tagged``: the ledger of what is done: one row per (response, tagger fingerprint) with the
  comment hash that was tagged; a response is tagged again only when its hash changes;
- ``nps_runs`` and ``nps_rejects``: each job's summary and the rows its input could not use.

``nps_schema`` holds the schema version; :func:`migrate` applies the missing migrations in
order, each in its own transaction. Alembic was not taken: the library owns a handful of tables
and migrates them itself when a store is opened, with no migration scripts folder to ship.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

import sqlalchemy as sa

from .._core.version import VERSION
from ..errors import StoreError

__all__ = ["METADATA", "SCHEMA_VERSION", "responses", "segments", "mentions", "tagged", "runs", "rejects",
           "schema_version", "migrate"]

METADATA = sa.MetaData()
_ID = sa.String(255)
_BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite autoincrements INTEGER keys only
_NOW = sa.DateTime(timezone=True)

schema_version = sa.Table(
    "nps_schema", METADATA,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("applied_at", _NOW, nullable=False),
    sa.Column("nps_text_version", sa.String(64), nullable=False),
)

runs = sa.Table(
    "nps_runs", METADATA,
    sa.Column("run_id", sa.Integer, primary_key=True),
    sa.Column("started_at", _NOW, nullable=False),
    sa.Column("finished_at", _NOW),
    sa.Column("status", sa.String(16), nullable=False),  # running, succeeded, interrupted, failed, crashed
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("tagger", sa.String(16), nullable=False),  # model, rules, zero-shot
    sa.Column("tagger_name", sa.Text, nullable=False),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("tier", sa.String(16)),  # fast / quality (a model's encoder), or null for rules
    sa.Column("nps_text_version", sa.String(64), nullable=False),
    sa.Column("engine", sa.String(16), nullable=False),
    sa.Column("host", sa.String(255)),
    sa.Column("pid", sa.Integer),
    sa.Column("rows_read", sa.Integer, nullable=False, default=0),
    sa.Column("rows_rejected", sa.Integer, nullable=False, default=0),
    sa.Column("responses_new", sa.Integer, nullable=False, default=0),
    sa.Column("responses_changed", sa.Integer, nullable=False, default=0),
    sa.Column("responses_skipped", sa.Integer, nullable=False, default=0),
    sa.Column("mentions_written", sa.Integer, nullable=False, default=0),
    sa.Column("pieces", sa.Integer, nullable=False, default=0),
    sa.Column("message", sa.Text),
    sa.Column("drift", sa.Text),  # JSON: untagged share, theme shares vs earlier runs, emerging themes
)

responses = sa.Table(
    "nps_responses", METADATA,
    sa.Column("response_id", _ID, primary_key=True),
    sa.Column("score", sa.SmallInteger, nullable=False),
    sa.Column("nps_group", sa.String(12), nullable=False),
    sa.Column("date", sa.DateTime),
    sa.Column("comment", sa.Text),
    sa.Column("comment_hash", sa.String(64), nullable=False),
    sa.Column("lang", sa.String(8)),
    sa.Column("source", sa.Text),
    sa.Column("source_row", sa.Integer),
    sa.Column("first_run_id", sa.Integer, nullable=False),
    sa.Column("last_run_id", sa.Integer, nullable=False),
    sa.Index("ix_nps_responses_date", "date"),
)

segments = sa.Table(
    "nps_segments", METADATA,
    sa.Column("response_id", _ID, primary_key=True),
    sa.Column("name", sa.String(255), primary_key=True),
    sa.Column("value", sa.Text),
    sa.Index("ix_nps_segments_name_value", "name", "value"),
)

mentions = sa.Table(
    "nps_mentions", METADATA,
    sa.Column("mention_id", _BIGINT, primary_key=True),
    sa.Column("run_id", sa.Integer, nullable=False),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("response_id", _ID, nullable=False),
    sa.Column("sentence_id", sa.Integer, nullable=False),
    sa.Column("theme", sa.String(255), nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("source", sa.String(32)),
    sa.Column("sentiment", sa.String(12)),
    sa.Column("sentiment_score", sa.Float),
    sa.Column("start", sa.Integer),
    sa.Column("end", sa.Integer),
    sa.Column("evidence", sa.Text),
    sa.Column("sentence", sa.Text),
    sa.Column("current", sa.Boolean, nullable=False),
    sa.Index("ix_nps_mentions_theme", "theme", "current"),
    sa.Index("ix_nps_mentions_response", "response_id", "fingerprint", "current"),
    sa.Index("ix_nps_mentions_run", "run_id"),
)

tagged = sa.Table(
    "nps_tagged", METADATA,
    sa.Column("response_id", _ID, primary_key=True),
    sa.Column("fingerprint", sa.String(64), primary_key=True),
    sa.Column("comment_hash", sa.String(64), nullable=False),
    sa.Column("run_id", sa.Integer, nullable=False),
    sa.Column("sentences", sa.Integer, nullable=False),
    sa.Column("mentions", sa.Integer, nullable=False),
)

rejects = sa.Table(
    "nps_rejects", METADATA,
    sa.Column("reject_id", _BIGINT, primary_key=True),
    sa.Column("run_id", sa.Integer, nullable=False),
    sa.Column("source", sa.Text),
    sa.Column("row", sa.Integer),
    sa.Column("column", sa.String(255)),
    sa.Column("value", sa.Text),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Index("ix_nps_rejects_run", "run_id"),
)

_V1_TABLES = [runs, responses, segments, mentions, tagged, rejects]


def _v1(connection: sa.Connection) -> None:
    METADATA.create_all(connection, tables=_V1_TABLES)


MIGRATIONS: dict[int, Callable[[sa.Connection], None]] = {1: _v1}
SCHEMA_VERSION = max(MIGRATIONS)


def current_version(connection: sa.Connection) -> int:
    """The store's schema version: 0 for a database nps-text has not written to yet."""
    if not sa.inspect(connection).has_table(schema_version.name):
        return 0
    return int(connection.execute(sa.select(sa.func.max(schema_version.c.version))).scalar() or 0)


def migrate(engine: sa.Engine, *, where: str) -> int:
    """Bring the store's tables up to :data:`SCHEMA_VERSION`; returns the version it found.

    Refuses a store written by a newer nps-text (its tables may mean something this version does
    not know) instead of writing into it.
    """
    with engine.begin() as connection:
        found = current_version(connection)
        if found > SCHEMA_VERSION:
            raise StoreError(f"The store {where} has schema version {found}, newer than this nps-text ({VERSION}) "
                             f"knows ({SCHEMA_VERSION}). Upgrade nps-text (pip install -U nps-text) to use it.")
        if found == 0:
            METADATA.create_all(connection, tables=[schema_version])
    for version in range(found + 1, SCHEMA_VERSION + 1):
        with engine.begin() as connection:
            MIGRATIONS[version](connection)
            connection.execute(schema_version.insert().values(
                version=version, applied_at=datetime.now(timezone.utc), nps_text_version=VERSION))
    return found
