"""Every result object shows itself the same way: to_dict, to_frame, summary text, escaped _repr_html_."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from nps_text import analyze, load_survey, nps_summary, score_survey, tag_survey, target_progress
from nps_text.jobs import discover_survey, drivers_survey

PAYLOAD = '<script>alert(1)</script><img src=x onerror="alert(2)">'


def _survey(n: int = 20) -> pd.DataFrame:
    comments = [f"Viel zu teuer {PAYLOAD}", "Schnelle Lieferung, super Service", "Der Preis ist zu hoch",
                "Lieferung kam pünktlich"]
    return pd.DataFrame({"score": [2, 10, 3, 9] * n, "comment": comments * n, "segment": ["a", "b"] * (2 * n)})


def _html_is_safe(html: str) -> None:
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html or "script" not in html


@pytest.fixture(scope="module")
def results() -> dict[str, object]:
    survey = load_survey(_survey())
    return {
        "nps": nps_summary([10, 9, 3]),
        "target": target_progress([10, 9, 3] * 20, 0),
        "load": survey.report,
        "score": score_survey(survey.responses, by=["segment"], report=survey.report),
        "tag": tag_survey(survey, taxonomy="default", sentiment="lexicon"),
        "drivers": drivers_survey(survey, models=False, n_boot=0),
        "discover": discover_survey(survey, embedder="hashing", n_themes=2, sentiment="lexicon"),
        "analyze": analyze(survey, taxonomy="default", sentiment="lexicon"),
    }


@pytest.mark.parametrize("name", ["nps", "target", "load", "score", "tag", "drivers", "discover", "analyze"])
def test_result_shows_itself(results, name):
    result = results[name]
    data = result.to_dict()
    assert isinstance(data, dict) and data
    assert json.loads(result.to_json()) == json.loads(json.dumps(data, default=str))
    text = result.summary()
    assert isinstance(text, str) and text.strip()
    assert isinstance(result.to_frame(), pd.DataFrame)
    html = result._repr_html_()
    assert html.startswith('<div class="nps-text-result"><strong>' + type(result).__name__)
    _html_is_safe(html)


def test_untrusted_cells_are_escaped():
    frame = pd.DataFrame({"score": ["9", PAYLOAD], "comment": ["ok", PAYLOAD]})
    report = load_survey(frame).report  # the bad score is rejected with its value: the report's table shows it
    html = report._repr_html_()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    _html_is_safe(html)


def test_summaries_say_what_a_reader_needs(results):
    text = results["analyze"].summary()
    assert text.startswith("NPS 0.0 (95% interval")
    assert "Costing the most NPS: price" in text  # 'Viel zu teuer' / 'Preis zu hoch' are the detractors' theme
    assert "Drivers over 80 respondents" in results["drivers"].summary()
    assert results["score"].segments["value"].tolist() == ["a", "b"]


def test_old_dict_access_still_works_with_a_warning(results):
    with pytest.warns(FutureWarning, match=r"to_dict\(\)\['nps'\]"):
        assert results["score"]["nps"] == results["score"].to_dict()["nps"]
