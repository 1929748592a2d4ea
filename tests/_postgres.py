"""A throwaway PostgreSQL server for the tests: its own cluster in a temp folder, on a free local port.

``postgres_cluster()`` runs ``initdb`` and ``pg_ctl`` (from PATH or the newest ``/usr/lib/postgresql/*/bin``),
yields a SQLAlchemy URL to the database ``nps`` and always stops the server and removes the folder.
``fresh_database(url)`` makes another, empty database on the same server, so tests do not see each other's tables.
As root (as in CI) the server runs as ``postgres`` (the Debian package creates it) or else ``nobody``:
``initdb`` refuses to run as root.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

SUPERUSER = "postgres"  # the cluster's superuser (a role, not an OS user); trust auth, no password
DATABASE = "nps"
INSTALL_HINT = "to get them: apt-get install postgresql"
_SERVER_OPTIONS = "-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
# PG* variables of the caller's shell would redirect initdb/pg_ctl (PGDATA) or the client (PGHOST, PGPORT, ...)
_PG_ENV = ("PGDATA", "PGHOST", "PGHOSTADDR", "PGPORT", "PGUSER", "PGDATABASE", "PGOPTIONS", "PGPASSWORD",
           "PGSERVICE", "PGSERVICEFILE", "PGPASSFILE", "PGSSLMODE", "PGTZ", "PGCLIENTENCODING")


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries here, or the throwaway server did not start; the message says why."""


def find_bindir() -> Path:
    """The folder with ``initdb`` and ``pg_ctl``: the one on PATH, else the newest /usr/lib/postgresql/*/bin."""
    candidates = []
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).parent)

    def version(path: str) -> tuple[int, ...]:
        return tuple(int(n) for n in re.findall(r"\d+", Path(path).parent.name))

    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True)]
    for folder in candidates:
        if all(os.access(folder / tool, os.X_OK) for tool in ("initdb", "pg_ctl")):
            return folder
    raise PostgresUnavailable(f"no initdb/pg_ctl on PATH or in /usr/lib/postgresql/*/bin; {INSTALL_HINT}")


def _server_user() -> pwd.struct_passwd | None:
    """The OS user to run the server as when we are root (None: run as ourselves)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise PostgresUnavailable("running as root, and neither the user 'postgres' nor 'nobody' exists to run initdb")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Runner:
    """Runs the PostgreSQL tools as the server's user, in the cluster's folder, with a clean environment."""

    def __init__(self, user: pwd.struct_passwd | None, cwd: Path):
        self.user = user
        self.cwd = cwd
        self.env = {k: v for k, v in os.environ.items() if k not in _PG_ENV}
        self.env.update(LC_ALL="C", LANG="C")
        self.runuser = shutil.which("runuser") if user else None

    def __call__(self, args: list[str], *, timeout: float, log: Path | None = None) -> subprocess.CompletedProcess:
        kwargs: dict = {}
        if self.user and self.runuser:
            args = [self.runuser, "-u", self.user.pw_name, "--", *args]
            if self.user.pw_name != "root":
                self.env["HOME"] = self.user.pw_dir
        elif self.user:  # no runuser (not Debian): let Python switch the user
            kwargs = dict(user=self.user.pw_uid, group=self.user.pw_gid, extra_groups=[])
        # the server pg_ctl starts outlives it: output to a file, never a pipe it could hold open
        out = open(log, "ab") if log else subprocess.PIPE  # noqa: SIM115
        try:
            return subprocess.run(args, cwd=self.cwd, env=self.env, stdin=subprocess.DEVNULL, stdout=out,
                                  stderr=subprocess.STDOUT, timeout=timeout, check=False, **kwargs)
        finally:
            if log:
                out.close()


def _tail(*texts: str | bytes | None, lines: int = 25) -> str:
    text = "\n".join(t.decode(errors="replace") if isinstance(t, bytes) else t for t in texts if t)
    return "\n".join(text.strip().splitlines()[-lines:])


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


@contextlib.contextmanager
def postgres_cluster(*, start_timeout: float = 60) -> Iterator[str]:
    """Start a throwaway PostgreSQL server and yield ``postgresql+psycopg://postgres@127.0.0.1:PORT/nps``.

    Raises PostgresUnavailable when there are no binaries or the server does not come up. On leaving (errors too)
    the server is stopped with ``pg_ctl -m immediate`` and its folder removed.
    """
    bindir = find_bindir()
    user = _server_user()
    # short path: the unix socket's path must stay under ~100 bytes; as root, /tmp so the server user can reach it
    root = Path(tempfile.mkdtemp(prefix="nps-pg-", dir="/tmp" if user and os.path.isdir("/tmp") else None))
    data, sockets, log = root / "data", root / "sock", root / "server.log"
    sockets.mkdir()
    if user:
        for path in (root, sockets):
            os.chown(path, user.pw_uid, user.pw_gid)
    run = _Runner(user, root)
    try:
        port = _start(run, bindir, data, sockets, log, start_timeout)
    except BaseException:
        _stop(run, bindir, data)
        shutil.rmtree(root, ignore_errors=True)
        raise
    try:
        yield f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{port}/{DATABASE}"
    finally:
        _stop(run, bindir, data)
        shutil.rmtree(root, ignore_errors=True)


def _start(run: _Runner, bindir: Path, data: Path, sockets: Path, log: Path, timeout: float) -> int:
    """initdb, pg_ctl start on a free port, CREATE DATABASE nps; the port. Any failure: PostgresUnavailable."""
    pg_ctl_log = data.parent / "pg_ctl.log"
    try:
        done = run([str(bindir / "initdb"), "-D", str(data), "-U", SUPERUSER, "-A", "trust", "--auth-local=trust",
                    "-E", "UTF8", "--locale=C", "--no-sync"], timeout=timeout)
        if done.returncode:
            raise PostgresUnavailable(f"initdb ({bindir}) failed, exit {done.returncode}:\n{_tail(done.stdout)}")
        for attempt in range(3):  # the free port can be taken between choosing and binding it
            port = _free_port()
            done = run([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", str(int(timeout)),
                        "-o", f"-p {port} -k {shlex.quote(str(sockets))} {_SERVER_OPTIONS}", "start"],
                       timeout=timeout + 10, log=pg_ctl_log)
            if done.returncode == 0:
                break
            if attempt == 2 or "could not bind" not in _read(log) + _read(pg_ctl_log):
                raise PostgresUnavailable(f"pg_ctl start ({bindir}) failed, exit {done.returncode}:\n"
                                          f"{_tail(_read(pg_ctl_log), _read(log))}")
            _stop(run, bindir, data)
        _execute(f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{port}/postgres", f'CREATE DATABASE "{DATABASE}"')
        return port
    except subprocess.TimeoutExpired as exc:
        raise PostgresUnavailable(f"{shlex.join(exc.cmd)} timed out:\n{_tail(exc.output, _read(log))}") from exc
    except PostgresUnavailable:
        raise
    except Exception as exc:  # the server came up but does not answer, say
        raise PostgresUnavailable(f"{type(exc).__name__}: {exc}\n{_tail(_read(log))}") from exc


def _stop(run: _Runner, bindir: Path, data: Path) -> None:
    """Immediate shutdown, if a server runs; if pg_ctl cannot do it, signal the postmaster itself."""
    if not (data / "postmaster.pid").exists():
        return
    with contextlib.suppress(subprocess.TimeoutExpired):
        if run([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "-t", "20", "stop"],
               timeout=30).returncode == 0:
            return
    with contextlib.suppress(OSError, ValueError, IndexError):
        pid = int((data / "postmaster.pid").read_text().split()[0])
        os.kill(pid, signal.SIGQUIT)  # the postmaster's "immediate shutdown"
        for _ in range(100):
            os.kill(pid, 0)  # raises once it is gone
            time.sleep(0.05)
        os.kill(pid, signal.SIGKILL)


def _execute(url: str, sql: str) -> None:
    """Run one statement outside a transaction (CREATE/DROP DATABASE need that)."""
    import psycopg
    from sqlalchemy.engine import make_url

    parts = make_url(url)
    with psycopg.connect(host=parts.host, port=parts.port, user=parts.username, dbname=parts.database,
                         autocommit=True, connect_timeout=10) as conn:
        conn.execute(sql)


def fresh_database(base_url: str) -> str:
    """Create an empty database with a unique name on the server of ``base_url``; return its URL."""
    from sqlalchemy.engine import make_url

    base = make_url(base_url)
    name = f"t_{uuid.uuid4().hex[:16]}"
    _execute(base.render_as_string(hide_password=False), f'CREATE DATABASE "{name}"')
    return base.set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    """Drop the database of ``url`` (PostgreSQL 13+: closing the connections still open to it)."""
    from sqlalchemy.engine import make_url

    target = make_url(url)
    _execute(target.set(database="postgres").render_as_string(hide_password=False),
             f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
