"""analyze runs the NPS programme's sections when the survey has their columns, and its report shows them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from nps_text import analyze
from nps_text.cli import app
from nps_text.errors import ParameterError
from nps_text.jobs.programme import programme_columns

DATA = Path(__file__).resolve().parents[2] / "data"
runner = CliRunner()


def _survey(n: int = 120) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    team = np.where(np.arange(n) % 3 == 0, "Nord", np.where(np.arange(n) % 3 == 1, "Süd", "West"))
    score = np.where(team == "Nord", rng.integers(8, 11, n), rng.integers(0, 11, n))
    comments = np.array(["Die Lieferung kam pünktlich am nächsten Morgen und war sauber verpackt.",
                         "Viel zu teuer für das, was man bekommt.", "Der Kundenservice war freundlich und kompetent.",
                         "ok"])
    return pd.DataFrame({"response_id": [f"r{i}" for i in range(n)], "score": score, "Team": team,
                         "comment": comments[np.arange(n) % 4]})


def test_programme_columns_are_recognised_by_name_in_english_and_german():
    german = pd.read_csv(DATA / "sample_survey_de.csv", sep=";", encoding="cp1252", nrows=200)
    assert programme_columns(german) == {"brand": "Marke", "account": "Firma", "role": "Rolle", "unit": "Team",
                                         "customer": "Kunden-Nr"}
    english = pd.read_csv(DATA / "sample_survey.csv", nrows=200)
    assert programme_columns(english) == {"brand": "brand", "account": "account", "role": "role", "unit": "team",
                                          "customer": "customer_id"}
    assert programme_columns(english.drop(columns="role")).keys() == {"brand", "unit", "customer"}  # account needs role
    assert programme_columns(english.assign(team="Nord")).get("unit") is None  # one value: nothing to rank


def test_analyze_adds_the_sections_when_the_survey_has_the_columns(tmp_path):
    result = analyze(_survey(), outdir=tmp_path, discover=False)
    assert result.programme is not None and result.programme.sections["league"] is not None
    assert result.to_dict()["programme"]["sections"] == ["league", "promoters", "testimonials", "indifferent"]
    assert result.to_dict()["programme"]["options"] == {"unit": "Team"}
    written = json.loads((tmp_path / "programme.json").read_text(encoding="utf-8"))
    assert written["league"][0]["Team"] == "Nord"  # the team planted better leads
    assert (tmp_path / "league.csv").exists() and 'id="programme-league"' in (tmp_path / "report.html").read_text()
    assert "NPS programme: league" in result.summary()


def test_analyze_programme_option_switches_sections_on_and_off(tmp_path):
    survey = _survey()
    assert analyze(survey, discover=False, report=False, programme=False).programme is None
    assert analyze(survey, discover=False, report=False, programme={"unit": None}).programme is None
    forced = analyze(survey.drop(columns="Team"), discover=False, report=False, programme=True).programme
    assert forced is not None and forced.sections["league"] is None and forced.sections["promoters"] is not None
    given = analyze(survey.drop(columns="Team").assign(filiale=survey["Team"]), discover=False, report=False,
                    programme={"unit": "filiale", "benchmarks": DATA / "sample_benchmarks.csv"}).programme
    assert given.sections["league"]["filiale"].tolist()[0] == "Nord" and given.sections["benchmarks"] is not None
    with pytest.raises(ParameterError, match="programme must be"):
        analyze(survey, discover=False, report=False, programme="team")


def test_analyze_gives_its_tagged_themes_to_the_testimonials():
    result = analyze(_survey(), discover=False, report=False, taxonomy="default")
    testimonials = result.programme.sections["testimonials"]
    assert len(testimonials) and set(testimonials["theme"]) <= set(result.mentions["theme"])


def test_cli_analyze_programme_options_and_mistakes(tmp_path):
    path = tmp_path / "survey.csv"
    _survey().to_csv(path, index=False)
    ok = runner.invoke(app, ["analyze", str(path), "-o", str(tmp_path / "out"), "--no-discover", "--unit", "Team"])
    assert ok.exit_code == 0, ok.output
    assert (tmp_path / "out" / "league.csv").exists()
    typo = runner.invoke(app, ["analyze", str(path), "-o", str(tmp_path / "x"), "--unit", "Taem"])
    assert typo.exit_code == 2 and "Did you mean --unit Team?" in typo.output and "Traceback" not in typo.output
    both = runner.invoke(app, ["analyze", str(path), "-o", str(tmp_path / "y"), "--no-programme", "--unit", "Team"])
    assert both.exit_code == 2 and "Drop --no-programme or the options" in both.output
    off = runner.invoke(app, ["analyze", str(path), "-o", str(tmp_path / "z"), "--no-discover", "--no-programme"])
    assert off.exit_code == 0 and not (tmp_path / "z" / "programme.json").exists()


def test_a_one_to_ten_survey_flows_through_the_programme_sections():
    survey = _survey().assign(score=lambda d: d["score"].clip(lower=1))
    result = analyze(survey, discover=False, report=False, scale="1-10")
    promoters = result.programme.sections["promoters"]
    assert len(promoters) == int((survey["score"] >= 9).sum()) and promoters["score"].min() >= 9
    with pytest.raises(Exception, match="1-10"):  # a 0 is not an answer on that scale: rejected, not counted
        analyze(survey.assign(score=0), discover=False, report=False, scale="1-10", errors="raise")
