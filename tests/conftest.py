from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

# tests never write into the user's cache folder
os.environ["NPS_TEXT_CACHE_DIR"] = tempfile.mkdtemp(prefix="nps-text-test-cache-")

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "sample_survey.csv"
SAMPLE_DE = REPO / "data" / "sample_survey_de.csv"


@pytest.fixture
def german_export(tmp_path: Path) -> Path:
    """A typical German export: ';', cp1252, decimal comma, German headers."""
    text = (
        "Antwort-ID;Datum;Weiterempfehlung;Begründung;Kundentyp\n"
        "A1;03.01.2025;10;Super Kundenservice, schnelle Lieferung;Privatkunde\n"
        "A2;15.01.2025;9,0;Günstig und zuverlässig;Privatkunde\n"
        "A3;02.02.2025;3;Viel zu teuer, 49,99 € im Monat;Großkunde\n"
        "A4;20.02.2025;7;;Großkunde\n"
        "A5;28.02.2025;zehn;Schließlich doch zufrieden;Privatkunde\n"
    )
    path = tmp_path / "export_de.csv"
    path.write_bytes(text.encode("cp1252"))
    return path


@pytest.fixture
def bad_rows_csv(tmp_path: Path) -> Path:
    text = (
        "id,score,comment\n"
        "1,9,great\n"
        "2,11,too high\n"
        "3,,no score\n"
        "4,7.5,fraction\n"
        "5, 8 ,spaces ok\n"
        "6,nine,text\n"
        "1,10,duplicate id\n"
        "7,-1,negative\n"
        "8,0,zero ok\n"
    )
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def small_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "NPS": ["10", "9", "8", "3", "0"],
        "Kommentar": ["Top", "gut", None, "teuer", "  "],
        "segment": ["a", "a", "b", "b", "b"],
    })


def _postgres_unavailable(why: str) -> None:
    """No PostgreSQL server for the tests: a failure on CI (it must run there), a visible skip elsewhere."""
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL is required on CI (CI is set), but the test server is not available: {why}\n"
                    "(.ci/run installs it with: apt-get install -y postgresql)", pytrace=False)
    reason = why.splitlines()[0]
    if "apt-get install" not in reason:
        reason += "; to run these tests: apt-get install postgresql"
    pytest.skip(f"no PostgreSQL test server: {reason}")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL (postgresql+psycopg://postgres@127.0.0.1:PORT/nps) of a throwaway PostgreSQL server, one per session.

    Without PostgreSQL (binaries, or the server does not start): fails when CI is set, else skips.
    """
    try:
        import psycopg  # noqa: F401
        import sqlalchemy  # noqa: F401
    except ImportError as exc:
        missing = exc.name
    else:
        missing = None
    if missing:
        _postgres_unavailable(f"the Python package {missing} is not installed (pip install sqlalchemy 'psycopg[binary]')")
    from tests._postgres import PostgresUnavailable, postgres_cluster

    with contextlib.ExitStack() as stack:
        why = None
        try:
            url = stack.enter_context(postgres_cluster())
        except PostgresUnavailable as exc:
            why = str(exc)
        if why is not None:
            _postgres_unavailable(why)
        yield url


@pytest.fixture
def postgres_db(postgres_url: str) -> Iterator[str]:
    """URL of a new, empty database on the session's server, for this test alone; dropped afterwards."""
    from tests._postgres import drop_database, fresh_database

    url = fresh_database(postgres_url)
    yield url
    with contextlib.suppress(Exception):  # the server is thrown away at the end anyway
        drop_database(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_db(request, tmp_path) -> str:
    """A new, empty store location: a SQLite file, then a PostgreSQL database (each test runs on both)."""
    if request.param == "sqlite":
        return str(tmp_path / "nps.db")
    return request.getfixturevalue("postgres_db")
