"""The bundled sample survey: both exports load without arguments and agree."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd

from nps_text import load_survey, nps_by
from tests.conftest import REPO, SAMPLE, SAMPLE_DE


def test_both_exports_load_without_arguments_and_agree():
    en, en_report = load_survey(SAMPLE)
    de, de_report = load_survey(SAMPLE_DE)
    assert (en_report.encoding, en_report.delimiter) == ("utf-8", ",")
    assert (de_report.encoding, de_report.delimiter) == ("cp1252", ";")
    assert en_report.rows_kept == de_report.rows_kept == 3000
    assert [r.row for r in en_report.rejected] == [r.row for r in de_report.rejected]
    assert en_report.rows_rejected == 7
    assert en["score"].tolist() == de["score"].tolist()
    assert (en["date"] == de["date"]).all()  # ISO vs dd.mm.yyyy
    assert de["comment"].str.contains("ß|ä|ö|ü", regex=True).sum() > 100  # umlauts survive cp1252


def test_planted_segment_effect_is_visible():
    responses, _ = load_survey(SAMPLE)
    table = nps_by(responses, "customer_type").set_index("customer_type")
    assert table.loc["enterprise", "nps"] < table.loc["individual", "nps"]
    assert table.loc["enterprise", "p_value_vs_rest"] < 0.01


def test_generator_is_deterministic(tmp_path):
    subprocess.run([sys.executable, str(REPO / "data" / "generate_sample.py"), "--out-dir", str(tmp_path)],
                   check=True, capture_output=True)
    for name in ("sample_survey.csv", "sample_survey_de.csv", "sample_truth.csv"):
        assert (tmp_path / name).read_bytes() == (REPO / "data" / name).read_bytes(), name
    truth = pd.read_csv(tmp_path / "sample_truth.csv")
    assert {"response_id", "themes", "sentiments", "language"} <= set(truth.columns)
