"""The per-customer view and whether NPS groups and themes go with a later outcome."""

from __future__ import annotations

import json
import logging

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ttest_ind
from statsmodels.stats.oneway import anova_oneway
from statsmodels.stats.proportion import proportion_confint

from nps_text.errors import ColumnError, ParameterError
from nps_text.programme.customers import CAVEAT, customer_view, relate_outcome


@pytest.fixture
def responses():
    # customer 7 answered three times, listed out of time order: 3 (Jan), 8 (Mar), 10 (Feb)
    return pd.DataFrame({
        "response_id": ["r1", "r2", "r3", "r4", "r5"],
        "customer_id": [7, 7, 8, 7, None],
        "score": [3, 8, 9, 10, 5],
        "date": pd.to_datetime(["2025-01-10", "2025-03-10", "2025-02-01", "2025-02-10", "2025-02-11"]),
        "comment": ["viel zu teuer", "", "schnelle Lieferung", "Service top", "naja"],
        "plan": ["basic", None, "pro", "plus", "basic"],
    })


@pytest.fixture
def mentions():
    return pd.DataFrame({"response_id": ["r1", "r2", "r2", "r3", "r4"],
                         "theme": ["price", "delivery", "price", "delivery", "service"]})


# ----------------------------------------------------------------------------- customer_view
def test_customer_view_three_responses(responses, mentions):
    before = responses.copy()
    view = customer_view(responses, "customer_id", mentions=mentions, segments=["plan"])
    assert view.columns.tolist() == [
        "customer_id", "n_responses", "first_date", "last_date", "latest_response_id", "latest_score", "latest_group",
        "previous_score", "previous_group", "score_change", "themes_all", "themes_latest", "last_comment", "plan"]
    seven = view.set_index("customer_id").loc[7]
    assert seven["n_responses"] == 3
    assert (seven["first_date"], seven["last_date"]) == (pd.Timestamp("2025-01-10"), pd.Timestamp("2025-03-10"))
    assert (seven["latest_score"], seven["previous_score"], seven["score_change"]) == (8.0, 10.0, -2.0)
    assert (seven["latest_group"], seven["previous_group"]) == ("passive", "promoter")
    assert seven["latest_response_id"] == "r2"
    assert seven["themes_all"] == "delivery; price; service"
    assert seven["themes_latest"] == "delivery; price"
    assert seven["last_comment"] == "Service top"  # the latest comment that says something
    assert seven["plan"] == "plus"  # the latest known value
    eight = view.set_index("customer_id").loc[8]
    assert eight["n_responses"] == 1 and np.isnan(eight["previous_score"]) and np.isnan(eight["score_change"])
    pd.testing.assert_frame_equal(responses, before)


def test_customer_view_logs_responses_without_customer(responses, caplog):
    with caplog.at_level(logging.WARNING, logger="nps_text.programme.customers"):
        view = customer_view(responses, "customer_id")
    assert view["customer_id"].tolist() == [7, 8]
    assert "left out 1 response(s) without a customer id" in caplog.text


def test_customer_view_without_dates_keeps_input_order(responses):
    view = customer_view(responses.drop(columns="date"), "customer_id", date=None)
    seven = view.set_index("customer_id").loc[7]
    assert (seven["latest_score"], seven["previous_score"], seven["score_change"]) == (10.0, 8.0, 2.0)


def test_customer_view_one_to_ten_scale(responses):
    view = customer_view(responses.assign(score=[1, 8, 9, 10, 5]), "customer_id", scale="1-10")
    assert view["latest_group"].tolist() == ["passive", "promoter"]
    with pytest.raises(ParameterError, match=r"0 is not on the 1-10 scale"):
        customer_view(responses.assign(score=[0, 8, 9, 10, 5]), "customer_id", scale="1-10")


def test_customer_view_errors(responses):
    with pytest.raises(ColumnError, match=r"Column\(s\) \['kunde'\] not found in responses\. Available columns: "
                                          r"\['response_id', 'customer_id'"):
        customer_view(responses, "kunde")
    with pytest.raises(ColumnError, match=r"Column\(s\) \['date'\] not found.*date=None"):
        customer_view(responses.drop(columns="date"), "customer_id")
    with pytest.raises(ParameterError, match=r"Column 'date' holds values that are not dates, first: \['gestern'\]"):
        customer_view(responses.assign(date=["gestern", None, None, None, None]), "customer_id")


# ----------------------------------------------------------------------------- relate_outcome: hand-computed
def _view(groups, themes=None):
    return pd.DataFrame({"customer_id": range(1, len(groups) + 1), "latest_group": groups,
                         "themes_all": themes or [""] * len(groups)})


def test_binary_outcome_hand_computed():
    # detractors 2 of 4 churned, passives 0 of 2, promoters 1 of 4
    view = _view(["detractor"] * 4 + ["passive"] * 2 + ["promoter"] * 4)
    outcomes = pd.DataFrame({"customer_id": range(1, 11), "churned": [1, 1, 0, 0, 0, 0, 1, 0, 0, 0]})
    r = relate_outcome(view, outcomes)
    assert r.kind == "binary" and r.n_matched == 10 and r.unmatched.empty
    assert r.groups["events"].tolist() == [2, 0, 1] and r.groups["rate"].tolist() == [0.5, 0.0, 0.25]
    low, high = proportion_confint(2, 4, alpha=0.05, method="wilson")
    assert (r.groups.loc[0, "ci_low"], r.groups.loc[0, "ci_high"]) == (pytest.approx(low), pytest.approx(high))
    det = r.comparisons.set_index("comparison").loc["detractor vs promoter"]
    assert det["estimate"] == pytest.approx((2 * 3) / (2 * 1))  # (a d) / (b c)
    se = np.sqrt(1 / 2 + 1 / 2 + 1 / 1 + 1 / 3)
    assert det["ci_low"] == pytest.approx(3 * np.exp(-1.959964 * se), rel=1e-5)
    assert det["test"] == "fisher"
    assert r.test["method"] == "exact (Monte Carlo)"  # expected counts below 5
    assert "not causation" in r.caveat and r.caveat == CAVEAT and CAVEAT in r.summary()
    assert json.loads(r.to_json())["groups"][1]["rate"] == 0.0 and r.to_frame() is r.groups


def test_numeric_outcome_hand_computed_welch():
    view = _view(["detractor"] * 3 + ["passive"] * 2 + ["promoter"] * 3)
    outcomes = pd.DataFrame({"customer_id": range(1, 9), "revenue_change": [1.0, 2.0, 3.0, 5.0, 5.5, 4.0, 6.0, 8.0]})
    r = relate_outcome(view, outcomes, outcome="revenue_change")
    assert r.kind == "numeric"
    assert r.groups["mean"].tolist() == [2.0, 5.25, 6.0]
    det = r.comparisons.set_index("comparison").loc["detractor vs promoter"]
    welch = ttest_ind([1.0, 2.0, 3.0], [4.0, 6.0, 8.0], equal_var=False)
    ci = welch.confidence_interval(0.95)
    assert det["estimate"] == -4.0
    assert (det["ci_low"], det["ci_high"], det["p_value"]) == (pytest.approx(ci.low), pytest.approx(ci.high),
                                                               pytest.approx(welch.pvalue))
    anova = anova_oneway([[1.0, 2.0, 3.0], [5.0, 5.5], [4.0, 6.0, 8.0]], use_var="unequal")
    assert r.test["method"] == "welch anova"
    assert (r.test["statistic"], r.test["p_value"]) == (pytest.approx(anova.statistic), pytest.approx(anova.pvalue))


# ----------------------------------------------------------------------------- relate_outcome: simulated
def test_simulated_churn_by_group_gives_significant_odds_ratio():
    rng = np.random.default_rng(7)
    n = 3000
    score = rng.choice([2, 5, 7, 8, 9, 10], size=n)
    group = np.where(score <= 6, "detractor", np.where(score <= 8, "passive", "promoter"))
    p = np.select([group == "detractor", group == "passive"], [0.30, 0.15], 0.05)
    churned = rng.random(n) < p
    ids = [f"C{i:05d}" for i in range(n)]
    responses = pd.DataFrame({"customer_id": ids, "score": score, "response_id": [f"R{i}" for i in range(n)]})
    outcomes = pd.DataFrame({"customer_id": ids, "churned": churned})
    r = relate_outcome(responses, outcomes)
    det = r.comparisons.set_index("comparison").loc["detractor vs promoter"]
    true_or = (0.30 / 0.70) / (0.05 / 0.95)
    assert det["ci_low"] > 1 and det["p_value"] < 1e-6 and det["ci_low"] < true_or < det["ci_high"]
    assert r.test["method"] == "chi2" and r.test["p_value"] < 1e-6
    rates = r.groups.set_index("group")["rate"]
    assert rates["detractor"] == pytest.approx(0.30, abs=0.04) and rates["promoter"] == pytest.approx(0.05, abs=0.02)


def test_themes_and_responses_input_with_one_to_ten_scale(mentions):
    rng = np.random.default_rng(3)
    n = 400
    ids = [f"K{i}" for i in range(n)]
    price = rng.random(n) < 0.4
    responses = pd.DataFrame({"customer_id": ids, "score": rng.integers(1, 11, size=n),
                              "response_id": [f"R{i}" for i in range(n)]})
    theme_rows = pd.DataFrame({"response_id": responses["response_id"][price], "theme": "price"})
    churned = rng.random(n) < np.where(price, 0.5, 0.1)
    r = relate_outcome(responses, pd.DataFrame({"customer_id": ids, "churned": churned}), mentions=theme_rows,
                       scale="1-10")
    row = r.themes.set_index("theme").loc["price"]
    assert row["odds_ratio"] > 3 and row["ci_low"] > 1 and row["q_value"] < 0.001
    assert relate_outcome(responses, pd.DataFrame({"customer_id": ids, "churned": churned}), mentions=theme_rows,
                          themes=[]).themes.empty
    with pytest.raises(ParameterError, match=r"0 is not on the 1-10 scale"):
        relate_outcome(responses.assign(score=0), pd.DataFrame({"customer_id": ids, "churned": churned}), scale="1-10")


def test_unmatched_customers_are_reported_on_both_sides():
    view = _view(["detractor", "promoter", "passive", "promoter", None])
    outcomes = pd.DataFrame({"customer_id": [1, 2, 3, 5, 9], "churned": [1, 0, np.nan, 0, 1]})
    r = relate_outcome(view, outcomes)
    assert r.n_matched == 2
    reasons = dict(zip(r.unmatched["customer_id"], r.unmatched["reason"]))
    assert reasons == {4: "no outcome row", 3: "outcome missing", 5: "no NPS score", 9: "no survey response"}
    assert "Not used:" in r.summary()
    passive = r.comparisons.set_index("comparison").loc["passive vs promoter"]  # no passive matched
    assert np.isnan(passive["estimate"]) and np.isnan(passive["ci_low"]) and passive["test"] == "none"
    assert r.to_dict()["unmatched"] == {"no outcome row": 1, "outcome missing": 1, "no NPS score": 1,
                                        "no survey response": 1}


def test_relate_outcome_errors():
    view = _view(["detractor", "promoter"])
    with pytest.raises(ColumnError, match=r"Column\(s\) \['churned'\] not found in outcomes\. Available columns: "
                                          r"\['customer_id', 'churn'\]\. Pass outcome="):
        relate_outcome(view, pd.DataFrame({"customer_id": [1, 2], "churn": [0, 1]}))
    with pytest.raises(ParameterError, match=r"must be 0/1 or True/False for kind='binary', found other values, "
                                             r"first: \[2\.0\]"):
        relate_outcome(view, pd.DataFrame({"customer_id": [1, 2], "churned": [0, 2]}), kind="binary")
    with pytest.raises(ParameterError, match=r"Outcome 'churned' must be numbers or True/False, found values "
                                             r"\['no', 'yes'\]"):
        relate_outcome(view, pd.DataFrame({"customer_id": [1, 2], "churned": ["yes", "no"]}))
    with pytest.raises(ParameterError, match=r"outcomes must hold one row per customer; ids repeat, first: \[1\]"):
        relate_outcome(view, pd.DataFrame({"customer_id": [1, 1], "churned": [0, 1]}))
    with pytest.raises(ParameterError, match=r"No customer id of the survey is in the outcomes"):
        relate_outcome(view, pd.DataFrame({"customer_id": ["A", "B"], "churned": [0, 1]}))
    with pytest.raises(ParameterError, match=r"kind must be one of \['auto', 'binary', 'numeric'\], got 'yes/no'"):
        relate_outcome(view, pd.DataFrame({"customer_id": [1, 2], "churned": [0, 1]}), kind="yes/no")
    with pytest.raises(ParameterError, match=r"level must be between 0 and 1"):
        relate_outcome(view, pd.DataFrame({"customer_id": [1, 2], "churned": [0, 1]}), level=95)
