"""Read a survey of any size piece by piece: files, folders, globs and database queries.

``iter_survey`` is :func:`~nps_text.io.load_survey` for inputs too big to hold at once (the nightly
batch job reads with it). It yields one :class:`~nps_text.io.LoadedSurvey` per piece of at most
``rows`` rows; every rejected row is in its piece's report, with the file's own row number. The
columns are found once per file (on its first piece) and then held, so that a later piece cannot be
read differently; so is the day/month order of its dates.
"""

from __future__ import annotations

import glob
import itertools
import re
from collections.abc import Iterator
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import NpsTextError, ParameterError, SurveyFileError
from .load import LoadedSurvey, LoadOptions, LoadReport, RejectedRow, _infer_dayfirst, load_table
from .readers import SUPPORTED_SUFFIXES, RawTable, _as_text, iter_table

__all__ = ["iter_survey", "survey_files", "iter_sql", "is_store", "SQL_PREFIX"]

SQL_PREFIX = "sql:"
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")


def is_store(source: Any) -> bool:
    """Whether ``source`` names a results store rather than a survey: a
    :class:`~nps_text.store.Store`, a database URL, or a SQLite file (known by its header, whatever its name).

    >>> is_store("postgresql://me@db/nps"), is_store("survey.csv")
    (True, False)
    """
    if getattr(source, "is_nps_store", False):
        return True
    if not isinstance(source, (str, Path)):
        return False
    if re.match(r"^(sqlite|postgresql|postgres)(\+\w+)?://", str(source)):
        return True
    try:
        with Path(source).open("rb") as handle:
            return handle.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def survey_files(source: str | Path) -> list[Path]:
    """The survey files that ``source`` names: a file, a folder (its survey files), or a glob pattern.

    Sorted by name, so that a folder of daily exports is read in date order.

    >>> survey_files("no/such/*.csv")
    Traceback (most recent call last):
    ...
    nps_text.errors.SurveyFileError: No survey file matches 'no/such/*.csv'. Check the pattern; ...
    """
    text = str(source)
    path = Path(text)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)
        if not files:
            raise SurveyFileError(f"Folder '{path}' holds no survey file ({', '.join(SUPPORTED_SUFFIXES)}). "
                                  "Put the exports there, or pass a file or a pattern such as 'exports/*.csv'.")
        return files
    if glob.has_magic(text):
        files = sorted(Path(p) for p in glob.glob(text, recursive=True) if Path(p).is_file())
        if not files:
            raise SurveyFileError(f"No survey file matches '{text}'. Check the pattern; quote it in the shell "
                                  "('exports/*.csv') so that nps-text sees it whole.")
        return files
    return [path]  # read_table names the problem when it does not exist


def iter_sql(url: str, query: str, *, rows: int = 10_000) -> Iterator[RawTable]:
    """The rows of a table or ``SELECT`` query of a database, ``rows`` at a time, as raw tables.

    ``query`` is a table name (``survey`` or ``schema.survey``) or a ``SELECT`` statement. Rows
    are streamed (a server-side cursor on PostgreSQL), so memory holds one piece.
    """
    import sqlalchemy as sa  # loaded only for a database source

    statement = query.strip()
    if _IDENTIFIER.match(statement):
        statement = f"SELECT * FROM {statement}"
    elif not statement.lower().startswith(("select", "with")):
        raise ParameterError(f"A database source is a table name or a SELECT query, got {query!r}. "
                             "Write e.g. 'sql:survey' or 'sql:SELECT * FROM survey WHERE day = CURRENT_DATE'.")
    try:
        engine = sa.create_engine(url)
    except Exception as exc:  # sqlalchemy's message names the bad part of the URL
        raise ParameterError(f"Cannot use the source database {url!r}: {exc}. Pass a SQLAlchemy URL such as "
                             "sqlite:///survey.db or postgresql+psycopg://user@host/db.") from exc
    done = 0
    try:
        with engine.connect() as connection:
            streaming = connection.execution_options(stream_results=True, max_row_buffer=rows)
            try:
                pieces = pd.read_sql_query(sa.text(statement), streaming, chunksize=rows)
                for frame in pieces:
                    yield RawTable(_as_text(frame), source=f"{SQL_PREFIX}{query}", format="sql", header_rows=done)
                    done += len(frame)
            except (sa.exc.SQLAlchemyError, pd.errors.DatabaseError) as exc:
                raise SurveyFileError(f"The source query {query!r} failed after {done} rows: "
                                      f"{str(exc).splitlines()[0]}. Check the table name or the SQL.") from exc
    finally:
        engine.dispose()


def iter_survey(source: str | Path | pd.DataFrame, *, rows: int = 10_000, options: LoadOptions | None = None,
                database: str | None = None, bad_files: str = "raise") -> Iterator[LoadedSurvey]:
    """Load ``source`` piece by piece: each piece a :class:`~nps_text.io.LoadedSurvey` of at most ``rows`` rows.

    ``source`` is a file, a folder, a glob pattern, a DataFrame, or ``"sql:<table or SELECT>"`` read
    from ``database`` (a SQLAlchemy URL). Without an id column a response's id is its file's name
    and row number (``export.csv:r12``), so that ids of different files cannot collide.

    With several files, an error names the file; ``bad_files="reject"`` instead yields that file
    as one rejected row (row 0, column ``(file)``, the reason) and goes on with the others.

    >>> import pandas as pd
    >>> survey = pd.DataFrame({"NPS": ["9", "x", "3"], "Kommentar": ["gut", "?", "teuer"]})
    >>> [(len(p.responses), p.report.rows_rejected) for p in iter_survey(survey, rows=2)]
    [(1, 1), (1, 0)]
    """
    options = options or LoadOptions()
    if rows < 1:
        raise ParameterError(f"rows must be at least 1, got {rows}.")
    if isinstance(source, str) and source.startswith(SQL_PREFIX):
        if not database:
            raise ParameterError(f"The source {source!r} is a database query: name the database it runs on "
                                 "(CLI: --source-db URL; by default the store's --db).")
        yield from _load_pieces(iter_sql(database, source[len(SQL_PREFIX):], rows=rows), options, qualify=None)
        return
    if isinstance(source, pd.DataFrame):
        yield from _load_pieces(iter_table(source, rows=rows), options, qualify=None)
        return
    if bad_files not in ("raise", "reject"):
        raise ParameterError(f"bad_files must be 'raise' or 'reject', got {bad_files!r}.")
    files = survey_files(source)
    for number, path in enumerate(files, 1):
        try:
            yield from _load_pieces(iter_table(path, rows=rows, sheet=options.sheet), options, qualify=path.name)
        except NpsTextError as exc:
            if len(files) == 1:
                raise
            if bad_files == "raise":
                raise type(exc)(f"In '{path}' (file {number} of {len(files)}): {exc}") from None
            yield _rejected_file(path, exc)


def _rejected_file(path: Path, exc: Exception) -> LoadedSurvey:
    """A file of a folder or pattern that cannot be read: one rejection for the whole file, and the others go on."""
    report = LoadReport(source=str(path), format="unreadable", rows_read=0, rows_kept=0,
                        columns=dict.fromkeys(("score", "comment", "id", "date")), segments=[], scale="0-10",
                        rejected=[RejectedRow(0, "(file)", path.name, f"the file could not be used: {exc}")])
    return LoadedSurvey(pd.DataFrame(columns=["response_id", "score", "nps_group", "comment", "has_comment",
                                              "source_row"]), report)


_PROBE_ROWS = 1_000  # rows that columns, segments and date order are found on, however small the pieces


def _load_pieces(tables: Iterator[RawTable], options: LoadOptions, *, qualify: str | None) -> Iterator[LoadedSurvey]:
    given = {k: v for k, v in asdict(options).items() if k != "sheet"}
    tables = iter(tables)
    buffered: list[RawTable] = []
    for table in tables:  # hold up to _PROBE_ROWS rows, so that a 1-row first piece does not decide the columns
        buffered.append(table)
        if sum(len(t.frame) for t in buffered) >= _PROBE_ROWS:
            break
    if not buffered:
        return
    held = _held_columns(buffered, given)
    for table in itertools.chain(buffered, tables):
        responses, report = load_table(table, **{**given, **held}, piece=True)
        if qualify and not report.columns.get("id") and len(responses):
            responses = responses.assign(response_id=f"{qualify}:" + responses["response_id"].astype(str))
            responses["response_id"] = responses["response_id"].astype("string")
        yield LoadedSurvey(responses, report)


def _held_columns(buffered: list[RawTable], given: dict[str, Any]) -> dict[str, Any]:
    """The columns, segments and date order found on the first rows, for every piece of the file."""
    frame = pd.concat([t.frame for t in buffered], ignore_index=True)
    probe = replace(buffered[0], frame=frame, overflow={}, unbalanced=())
    _, report = load_table(probe, **given, piece=True)
    held: dict[str, Any] = {role: report.columns.get(role) for role in ("score", "comment", "id", "date")}
    held["segments"] = report.segments
    if report.columns.get("date") and given.get("dayfirst") is None:
        held["dayfirst"] = _infer_dayfirst(frame[report.columns["date"]].dropna())[0]
    return held
