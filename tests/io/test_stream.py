"""Reading a survey piece by piece gives what reading it whole gives, for any piece size."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from nps_text.errors import ParameterError, SurveyFileError
from nps_text.io import load_survey
from nps_text.io.load import LoadOptions
from nps_text.io.readers import stream_encoding
from nps_text.io.stream import iter_survey, survey_files

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample_survey.csv"


def _whole(pieces) -> tuple[pd.DataFrame, list]:
    responses = pd.concat([p.responses for p in pieces], ignore_index=True)
    rejected = [(r.row, r.reason) for p in pieces for r in p.report.rejected]
    return responses, rejected


@pytest.mark.parametrize("rows", [13, 1000, 10_000])
def test_pieces_of_a_csv_add_up_to_the_whole_file(rows):
    whole, report = load_survey(SAMPLE)
    pieces = list(iter_survey(SAMPLE, rows=rows))
    assert all(len(p.responses) + p.report.rows_rejected <= rows for p in pieces)
    streamed, rejected = _whole(pieces)
    # the one difference: a duplicate id in another piece is the caller's to find (the batch job asks its store)
    expected = [(r.row, r.reason) for r in report.rejected if not r.reason.startswith("duplicate")]
    assert [r for r in rejected if not r[1].startswith("duplicate")] == expected
    duplicate_rows = {r.row for r in report.rejected if r.reason.startswith("duplicate")}
    streamed = streamed[~streamed["source_row"].isin(duplicate_rows)].reset_index(drop=True)
    for column in ("response_id", "score", "comment", "date", "channel", "source_row"):
        pd.testing.assert_series_equal(streamed[column], whole[column], check_dtype=False, check_categorical=False)
    assert {tuple(p.report.segments) for p in pieces} == {tuple(report.segments)}  # held from the first piece


def test_a_german_cp1252_export_streams_with_its_encoding_found_past_the_first_block(tmp_path):
    lines = ["ID;Weiterempfehlung;Begründung;Datum"]
    lines += [f"K{i};{i % 11};Alles gut;{1 + i % 28:02d}.03.2025" for i in range(40_000)]  # ASCII for > 1 MB
    lines += ["K99999;2;Die Lieferung dauerte über zwei Wochen, ärgerlich;31.03.2025"]
    path = tmp_path / "export.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    assert path.stat().st_size > 1 << 20
    assert stream_encoding(path) == "cp1252"
    pieces = list(iter_survey(path, rows=15_000))
    last = pieces[-1].responses.iloc[-1]
    assert last["comment"] == "Die Lieferung dauerte über zwei Wochen, ärgerlich"
    assert last["response_id"] == "K99999" and last["date"] == pd.Timestamp("2025-03-31")
    assert sum(len(p.responses) for p in pieces) == 40_001


def test_a_broken_quote_in_a_later_piece_costs_one_row_not_the_rest(tmp_path):
    rows = ["id,score,comment"] + [f"{i},9,fine" for i in range(10)] + ['10,3,"broken quote'] + \
           [f"{i},8,ok" for i in range(11, 20)]
    path = tmp_path / "broken.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    whole, _ = load_survey(path)
    streamed, _ = _whole(list(iter_survey(path, rows=4)))
    assert streamed["response_id"].tolist() == whole["response_id"].tolist()
    assert len(streamed) == 20


def test_without_an_id_column_ids_name_the_file_so_that_files_cannot_collide(tmp_path):
    for name in ("2025-01-01.csv", "2025-01-02.csv"):
        (tmp_path / name).write_text("score,comment\n9,gut\n3,schlecht\n", encoding="utf-8")
    (tmp_path / "notes.md").write_text("not a survey", encoding="utf-8")
    pieces = list(iter_survey(tmp_path, rows=10))
    ids = [i for p in pieces for i in p.responses["response_id"]]
    assert ids == ["2025-01-01.csv:r2", "2025-01-01.csv:r3", "2025-01-02.csv:r2", "2025-01-02.csv:r3"]
    assert [f.name for f in survey_files(str(tmp_path / "*.csv"))] == ["2025-01-01.csv", "2025-01-02.csv"]


def test_a_pattern_that_matches_nothing_says_so_and_how_to_quote_it(tmp_path):
    with pytest.raises(SurveyFileError, match="No survey file matches .*quote it in the shell"):
        list(iter_survey(str(tmp_path / "*.csv")))
    with pytest.raises(SurveyFileError, match="holds no survey file"):
        list(iter_survey(tmp_path))


@pytest.mark.parametrize("suffix", [".parquet", ".jsonl"])
def test_parquet_and_json_lines_stream_in_pieces(tmp_path, suffix):
    frame = pd.DataFrame({"id": [f"a{i}" for i in range(25)], "score": [i % 11 for i in range(25)],
                          "comment": [f"Kommentar {i}" for i in range(25)]})
    path = tmp_path / f"survey{suffix}"
    frame.to_parquet(path) if suffix == ".parquet" else frame.to_json(path, orient="records", lines=True)
    pieces = list(iter_survey(path, rows=10))
    assert [len(p.responses) for p in pieces] == [10, 10, 5]
    assert pieces[-1].responses["response_id"].tolist()[0] == "a20"


def test_a_database_table_or_query_is_a_source(tmp_path):
    url = f"sqlite:///{tmp_path / 'src.db'}"
    engine = sa.create_engine(url)
    pd.DataFrame({"id": ["x1", "x2", "x3"], "score": [10, 0, 7], "kommentar": ["Top", "Nie wieder", "ok"],
                  "datum": ["2025-02-01", "2025-02-02", "2025-02-03"]}).to_sql("umfrage", engine, index=False)
    engine.dispose()
    pieces = list(iter_survey("sql:umfrage", rows=2, database=url))
    assert [len(p.responses) for p in pieces] == [2, 1]
    assert pieces[0].responses["comment"].tolist() == ["Top", "Nie wieder"]
    query = list(iter_survey("sql:SELECT * FROM umfrage WHERE score >= 7", database=url))
    assert query[0].responses["response_id"].tolist() == ["x1", "x3"]
    with pytest.raises(ParameterError, match="table name or a SELECT"):
        list(iter_survey("sql:DROP TABLE umfrage", database=url))
    with pytest.raises(SurveyFileError, match="no such table"):
        list(iter_survey("sql:nope", database=url))
    with pytest.raises(ParameterError, match="--source-db"):
        list(iter_survey("sql:umfrage"))


def test_given_columns_hold_for_every_piece():
    options = LoadOptions(score="score", comment="comment", segments=["channel"])
    pieces = list(iter_survey(SAMPLE, rows=500, options=options))
    assert {tuple(p.report.segments) for p in pieces} == {("channel",)}
