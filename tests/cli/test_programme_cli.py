from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from nps_text.cli import app

DATA = Path(__file__).resolve().parents[2] / "data"
runner = CliRunner()


def run(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def test_programme_json_finds_the_planted_effects(tmp_path):
    result = run("programme", DATA / "sample_survey.csv", "--brand", "brand", "--own-brand", "Lumio",
                 "--account", "account", "--role", "role", "--unit", "team",
                 "--population", DATA / "sample_population.csv", "--customer", "customer_id",
                 "--outcomes", DATA / "sample_outcomes.csv", "--benchmarks", DATA / "sample_benchmarks.csv",
                 "-o", tmp_path, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["brands"]["brands"][0]["brand"] == "Wettbewerber A"
    assert data["accounts"]["disagreement"][0]["account"] == "Nordwind Logistik GmbH"
    assert data["league"][0]["team"] == "Team Ost"
    assert (tmp_path / "programme.json").exists() and (tmp_path / "league.csv").exists()


def test_programme_user_mistake_exits_2_without_traceback():
    result = run("programme", DATA / "sample_survey.csv", "--unit", "branch")
    assert result.exit_code == 2
    assert "Column 'branch' (--unit) is not in the survey" in result.output and "Traceback" not in result.output
    assert "Pass --unit COLUMN" in result.output


def test_a_misspelt_column_gets_the_close_match_of_the_german_export():
    result = run("programme", DATA / "sample_survey_de.csv", "--brand", "marke")
    assert result.exit_code == 2 and "Did you mean --brand Marke?" in result.output


def test_programme_names_the_recognised_columns_it_was_not_given():
    result = run("programme", DATA / "sample_survey_de.csv", "--unit", "Team", "--format", "json")
    assert result.exit_code == 0
    assert "add --brand Marke --account Firma --role Rolle --customer Kunden-Nr" in result.output
