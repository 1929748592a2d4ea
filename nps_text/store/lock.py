"""One writing job per store at a time, with a lock that dies with its holder.

A lock row in a table would outlive a job killed with SIGKILL or a power cut, and the next night's
job would refuse to start. Both locks used here are released by the operating system or the
server when the holding process or connection dies:

- SQLite: an exclusive ``flock`` on ``<database file>.lock`` beside the database;
- PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) on a connection held for
  the whole job.
"""

from __future__ import annotations

import fcntl  # POSIX: the nightly job runs on Linux or macOS
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from ..errors import StoreBusyError

__all__ = ["job_lock"]

_ADVISORY_KEY = 0x6E70735F74616721 & 0x7FFFFFFFFFFFFFFF  # "nps_tag!" as a signed 64-bit key
_POLL_S = 0.5


def _busy(where: str, waited: float, holder: str) -> StoreBusyError:
    waited_text = f" (waited {waited:.0f} s)" if waited else ""
    return StoreBusyError(f"Another nps-text job is writing to the store {where}{waited_text}{holder}. This job did "
                          "not start and changed nothing. Let the other job finish, or pass --wait SECONDS "
                          "(wait=...) to queue behind it.")


@contextmanager
def job_lock(engine: sa.Engine, *, where: str, wait: float = 0.0,
             holder: Callable[[], str] | None = None) -> Iterator[None]:
    """Hold the store's job lock inside the ``with`` block; waits up to ``wait`` seconds, else
    raises :class:`~nps_text.errors.StoreBusyError`. ``holder`` describes the running job for the
    message (which run, since when)."""
    if engine.dialect.name == "postgresql":
        with _advisory_lock(engine, where=where, wait=wait, holder=holder):
            yield
    elif engine.dialect.name == "sqlite":
        database = engine.url.database
        if not database or database == ":memory:":
            yield  # a private in-memory database has no other writer
            return
        with _file_lock(Path(database).with_name(Path(database).name + ".lock"), where=where, wait=wait,
                        holder=holder):
            yield
    else:  # other databases: the ledger's primary key still refuses duplicates; no job lock
        yield


@contextmanager
def _file_lock(path: Path, *, where: str, wait: float, holder: Callable[[], str] | None) -> Iterator[None]:
    handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        started = time.monotonic()
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                waited = time.monotonic() - started
                if waited >= wait:
                    raise _busy(where, waited, holder() if holder else "") from None
                time.sleep(min(_POLL_S, wait - waited))
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        os.close(handle)


@contextmanager
def _advisory_lock(engine: sa.Engine, *, where: str, wait: float, holder: Callable[[], str] | None) -> Iterator[None]:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        started = time.monotonic()
        while not connection.execute(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": _ADVISORY_KEY}).scalar():
            waited = time.monotonic() - started
            if waited >= wait:
                raise _busy(where, waited, holder() if holder else "")
            time.sleep(min(_POLL_S, wait - waited))
        try:
            yield
        finally:
            connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": _ADVISORY_KEY})
