"""The PostgreSQL test harness itself: a real server, reachable with SQLAlchemy, one fresh database per test."""

from __future__ import annotations

# sqlalchemy is imported inside the tests: without it the fixtures skip (or fail on CI) with a clear reason


def test_server_is_postgres_and_round_trips_rows(postgres_db: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(postgres_db)
    try:
        with engine.begin() as conn:
            assert "PostgreSQL" in conn.execute(text("SELECT version()")).scalar_one()
            conn.execute(text("CREATE TABLE answers (id integer PRIMARY KEY, score integer, comment text)"))
            conn.execute(text("INSERT INTO answers VALUES (:id, :score, :comment)"),
                         [{"id": 1, "score": 10, "comment": "Günstig und zuverlässig"},
                          {"id": 2, "score": 3, "comment": None}])
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, score, comment FROM answers ORDER BY id")).all()
            assert [tuple(r) for r in rows] == [(1, 10, "Günstig und zuverlässig"), (2, 3, None)]
            assert conn.execute(text("SHOW server_encoding")).scalar_one() == "UTF8"
    finally:
        engine.dispose()


def test_each_test_database_is_separate(postgres_url: str, postgres_db: str) -> None:
    from sqlalchemy import create_engine, text

    from tests._postgres import fresh_database

    other = fresh_database(postgres_url)
    assert other != postgres_db
    first, second = create_engine(postgres_db), create_engine(other)
    try:
        with first.begin() as conn:
            conn.execute(text("CREATE TABLE only_here (x integer)"))
            assert conn.execute(text("SELECT current_database()")).scalar_one() == postgres_db.rsplit("/", 1)[1]
        with second.connect() as conn:
            assert conn.execute(text("SELECT current_database()")).scalar_one() == other.rsplit("/", 1)[1]
            assert conn.execute(text("SELECT to_regclass('only_here')")).scalar_one() is None
    finally:
        first.dispose()
        second.dispose()
