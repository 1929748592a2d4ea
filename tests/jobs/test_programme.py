"""programme_report on the bundled sample finds the effects planted by data/generate_sample.py."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from nps_text.errors import ColumnError, ParameterError
from nps_text.jobs.programme import PROGRAMME_KEYS, programme_report

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="session")
def report(tmp_path_factory):
    outdir = tmp_path_factory.mktemp("programme")
    result = programme_report(DATA / "sample_survey.csv", benchmarks=DATA / "sample_benchmarks.csv", brand="brand",
                              own_brand="Lumio", account="account", role="role", unit="team",
                              population=DATA / "sample_population.csv", customer="customer_id",
                              outcomes=DATA / "sample_outcomes.csv", outdir=outdir)
    return result, outdir


def test_every_section_is_in_the_json_with_stable_keys(report):
    result, outdir = report
    data = json.loads((outdir / "programme.json").read_text(encoding="utf-8"))
    assert tuple(data) == PROGRAMME_KEYS and all(data[k] is not None for k in PROGRAMME_KEYS)
    assert {"brands.csv", "brand_gap.csv", "league.csv", "account_disagreement.csv", "representation.csv",
            "outcome_comparisons.csv", "promoters.csv"} <= {p.name for p in outdir.glob("*.csv")}


def test_price_competitor_is_ahead_and_price_tops_its_gap(report):
    brands = report[0].sections["brands"]
    assert brands.brands["brand"].iloc[0] == "Wettbewerber A"
    gap = brands.gap[brands.gap["brand"] == "Wettbewerber A"]
    top = gap.sort_values("rank").iloc[0]
    assert top["theme_id"] == "price" and top["share_difference"] < 0 and top["explains_gap"]


def test_account_whose_users_and_decision_maker_disagree_is_on_top(report):
    top = report[0].sections["accounts"].disagreement.iloc[0]
    assert top["account"] == "Nordwind Logistik GmbH"
    assert (top["best_role"], top["worst_role"]) == ("decision_maker", "user") and top["p_holm"] < 0.05


def test_truly_better_team_is_distinguishable_the_small_lucky_one_is_not(report):
    league = report[0].sections["league"].set_index("team")
    assert league.loc["Team Ost", "verdict"] == "above average" and league.loc["Team Ost", "shrunken_rank"] == 1
    insel = league.loc["Team Insel"]
    assert insel["raw_rank"] == 1 and insel["small_n"] and not insel["distinguishable"]


def test_over_represented_segment_is_flagged(report):
    rep = pd.DataFrame(report[0].sections["weighting"]["representation"]).set_index("customer_type")
    assert rep.loc["enterprise", "flag"] == "over-represented"
    weighted = report[0].sections["weighting"]["weighted"]
    assert weighted["weighted_nps"] > weighted["nps"]  # enterprise scores low and is down-weighted


def test_churn_odds_ratio_detractor_vs_promoter_is_significant(report):
    comp = report[0].sections["outcome"].comparisons.set_index("comparison")
    row = comp.loc["detractor vs promoter"]
    assert row["estimate"] > 2 and row["ci_low"] > 1 and row["p_value"] < 0.001


def test_only_the_asked_sections_run():
    survey = pd.DataFrame({"score": [10, 9, 3, 8] * 10, "team": ["a", "b"] * 20,
                           "comment": ["Super Service", "günstig", "zu teuer", "ok"] * 10})
    data = programme_report(survey, unit="team").to_dict()
    assert [k for k in PROGRAMME_KEYS if data[k] is not None] == ["league", "promoters", "testimonials",
                                                                  "indifferent"]


@pytest.mark.parametrize(("options", "error", "match"), [
    ({"account": "team"}, ParameterError, "Pass account and role together"),
    ({"unit": "branch"}, ColumnError, r"Column 'branch' \(given as unit\) not found"),
])
def test_mistakes_are_explained(options, error, match):
    survey = pd.DataFrame({"score": [10, 2], "comment": ["gut", "schlecht"], "team": ["a", "b"]})
    with pytest.raises(error, match=match):
        programme_report(survey, **options)


def test_indifferent_themes_leave_out_general_praise_and_complaint():
    result = programme_report(DATA / "sample_survey.csv")
    assert not set(result.tables["indifferent"]["theme"].astype(str)) & {"praise", "complaint"}


def test_the_german_export_joins_outcomes_whose_id_column_has_the_english_name():
    result = programme_report(DATA / "sample_survey_de.csv", customer="Kunden-Nr",
                              outcomes=DATA / "sample_outcomes.csv")  # its id column is "customer_id"
    assert result.sections["outcome"].n_matched > 2800


def test_with_an_own_brand_the_promoters_and_testimonials_are_its_own(report):
    result, _ = report
    survey = pd.read_csv(DATA / "sample_survey.csv", dtype=str).set_index("response_id")
    for key in ("promoters", "testimonials"):
        ids = result.sections[key]["response_id"].astype(str)
        assert len(ids) and set(survey.loc[ids, "brand"]) == {"Lumio"}, key
