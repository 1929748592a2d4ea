"""The store: schema and migrations, the one-writer lock, SQLite and PostgreSQL alike."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from nps_text.errors import StoreBusyError, StoreError
from nps_text.store import SCHEMA_VERSION, Store, store_url


@pytest.fixture
def db(store_db):
    return store_db


def test_a_new_store_gets_every_table_and_the_schema_version(db):
    with Store(db) as store:
        tables = set(sa.inspect(store.engine).get_table_names())
        assert {"nps_schema", "nps_runs", "nps_responses", "nps_segments", "nps_mentions", "nps_tagged",
                "nps_rejects"} <= tables
        with store.engine.connect() as connection:
            assert connection.execute(sa.text("SELECT max(version) FROM nps_schema")).scalar() == SCHEMA_VERSION
        indexes = {ix["name"] for ix in sa.inspect(store.engine).get_indexes("nps_mentions")}
        assert "ix_nps_mentions_theme" in indexes  # the dashboard's theme x date x segment query
    Store(db).close()  # opening again migrates nothing and loses nothing


def test_a_store_from_a_newer_nps_text_is_refused_not_written(db):
    Store(db).close()
    engine = sa.create_engine(store_url(db))
    with engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO nps_schema (version, applied_at, nps_text_version) "
                                   "VALUES (99, CURRENT_TIMESTAMP, '9.0')"))
    engine.dispose()
    with pytest.raises(StoreError, match="schema version 99, newer than this nps-text.*Upgrade nps-text"):
        Store(db)


def test_bad_locations_get_a_message_that_says_what_to_pass(tmp_path):
    with pytest.raises(StoreError, match="folder .* does not exist"):
        Store(tmp_path / "missing" / "nps.db")
    with pytest.raises(StoreError, match="Cannot (connect to|open) the store"):
        Store("postgresql://nobody@127.0.0.1:1/nothing")
    assert store_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"


def test_a_second_writer_is_refused_with_a_clear_message(db):
    first, second = Store(db), Store(db)
    with first.job_lock():
        with pytest.raises(StoreBusyError, match="Another nps-text job is writing to the store.*changed nothing"):
            with second.job_lock(wait=0.6):
                pass
    with second.job_lock():  # free again once the first let go
        pass
    first.close(), second.close()


_HOLD = """
import sys, time
from nps_text.store import Store
store = Store(sys.argv[1])
with store.job_lock():
    print("locked", flush=True)
    time.sleep(60)
"""


def test_the_lock_dies_with_a_killed_holder(db):
    """A lock row would outlive SIGKILL; the flock and the advisory lock do not."""
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, db], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with Store(db) as store:
            with pytest.raises(StoreBusyError):
                with store.job_lock():
                    pass
            os.kill(holder.pid, signal.SIGKILL)
            holder.wait(10)
            deadline = time.monotonic() + 10
            while True:  # PostgreSQL notices the dead connection within moments
                try:
                    with store.job_lock(wait=1):
                        break
                except StoreBusyError:
                    assert time.monotonic() < deadline, "the lock outlived its holder"
    finally:
        holder.kill()
