"""``nps-text tag SOURCE --db URL``: the nightly job's command line."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from nps_text.cli import app

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample_survey.csv"
runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


def _german_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "exports"
    folder.mkdir()
    for day, rows in (("2025-03-01", ["7;Lieferung zu spät", "10;Super Service"]), ("2025-03-02", ["2;Viel zu teuer"])):
        text = "Weiterempfehlung;Begründung\r\n" + "\r\n".join(rows) + "\r\n"
        (folder / f"{day}.csv").write_bytes(text.encode("cp1252"))
    return folder


def test_a_folder_of_german_exports_goes_into_the_store_and_a_rerun_adds_nothing(tmp_path):
    folder, db = _german_folder(tmp_path), tmp_path / "nps.db"
    first = run("tag", folder, "--db", db, "--format", "json")
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout)
    assert summary["status"] == "succeeded" and summary["responses_new"] == 3 and summary["tagger"] == "rules"
    assert {"run_id", "tagger_name", "fingerprint", "tier", "rows_per_second", "drift"} <= set(summary)
    again = json.loads(run("tag", str(folder / "*.csv"), "--db", db, "--format", "json").stdout)
    assert again["responses_new"] == 0 and again["responses_skipped"] == 3 and again["mentions_written"] == 0


def test_the_job_prints_one_line_per_piece_and_a_summary(tmp_path):
    result = run("tag", SAMPLE, "--db", tmp_path / "nps.db", "--chunk-rows", "1000")
    assert result.exit_code == 0, result.output
    assert result.output.count("rows/s") >= 4 and "run 1 piece 4: so far 3,007 rows read" in result.output
    assert "Run 1 succeeded" in result.output and "7 rejected" in result.output


def test_wrong_combinations_say_what_to_do(tmp_path):
    folder = _german_folder(tmp_path)
    cases = [
        (("tag", folder), "Add --db nps.db"),
        (("tag", "sql:survey"), "Add --db nps.db"),
        (("tag", SAMPLE, "--db", tmp_path / "a.db", "-o", tmp_path / "m.csv"), "not both"),
        (("tag", SAMPLE, "--db", tmp_path / "a.db", "--sentiment", "survey"), "do not apply with --db"),
        (("tag", SAMPLE, "--db", tmp_path / "a.db", "--format", "csv"), "use table or json"),
        (("tag", SAMPLE, "--db", tmp_path / "no" / "a.db"), "does not exist"),
        (("tag", str(tmp_path / "nothing*.csv"), "--db", tmp_path / "a.db"), "No survey file matches"),
        (("tag", SAMPLE, "--db", tmp_path / "a.db", "--score", "Nope"), "Nope"),
    ]
    for args, message in cases:
        result = run(*args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output and "Traceback" not in result.output, (args, result.output)


def test_help_groups_the_nightly_options():
    result = run("tag", "--help")
    assert result.exit_code == 0
    for option in ("--db", "--source-db", "--chunk-rows", "--retag", "--engine", "--scheduler", "--wait"):
        assert option in result.output
    assert "Nightly job" in result.output


def test_engine_dask_starts_a_local_cluster_and_writes_the_same_store(tmp_path):
    local = json.loads(run("tag", SAMPLE, "--db", tmp_path / "local.db", "--format", "json").stdout)
    remote = run("tag", SAMPLE, "--db", tmp_path / "dask.db", "--engine", "dask", "--workers", "2", "--format", "json")
    assert remote.exit_code == 0, remote.output
    remote = json.loads(remote.stdout)
    assert remote["engine"] == "dask"
    assert {k: remote[k] for k in ("rows_read", "rows_rejected", "responses_new", "mentions_written")} == \
           {k: local[k] for k in ("rows_read", "rows_rejected", "responses_new", "mentions_written")}


def test_json_mode_prints_an_object_on_errors_too(tmp_path):
    result = run("tag", SAMPLE, "--db", tmp_path / "a.db", "--workers", "0", "--format", "json")
    assert result.exit_code == 2
    assert json.loads(result.stdout) == {"status": "error", "exit_code": 2,
                                         "message": "workers must be at least 1, got 0 (CLI: --workers N)."}
    not_a_db = tmp_path / "notes.txt"
    not_a_db.write_text("hello", encoding="utf-8")
    result = run("tag", SAMPLE, "--db", not_a_db)
    assert result.exit_code == 2 and "not a SQLite database" in result.output


def test_segment_names_the_segments_to_store(tmp_path):
    folder = _german_folder(tmp_path)
    for path in folder.iterdir():
        text = path.read_bytes().decode("cp1252").replace("Begründung", "Begründung;Filiale")
        path.write_bytes("\r\n".join(line + (";Köln" if i else "") for i, line in enumerate(text.splitlines()))
                         .encode("cp1252"))
    result = run("tag", folder, "--db", tmp_path / "nps.db", "--segment", "Filiale")
    assert result.exit_code == 0, result.output
    from nps_text.store import Store

    with Store(tmp_path / "nps.db") as store:
        assert set(store.responses()["Filiale"]) == {"Köln"}
