"""Drivers: hand-computed formulas, base populations, sentiment, and the planted drivers of the sample data."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency
from scipy.stats.contingency import odds_ratio as scipy_odds_ratio

from nps_text import load_survey
from nps_text.drivers.table import (
    bh_qvalues,
    driver_frame,
    group_table_test,
    odds_ratio,
    theme_table,
)
from nps_text.drivers.views import driver_views, drivers_by, drivers_by_period, what_if
from nps_text.errors import ColumnError, ParameterError
from tests.conftest import REPO

Z = 1.959963984540054


def _responses(scores, comments=None):
    n = len(scores)
    return pd.DataFrame({"response_id": [f"r{i}" for i in range(n)], "score": scores,
                         "comment": comments if comments is not None else ["a real comment"] * n})


@pytest.fixture(scope="module")
def small():
    # with theme: 2 promoters, 1 passive, 5 detractors (8); without: 10 promoters, 6 passives, 4 detractors (20)
    scores = [10, 9, 7, 0, 1, 2, 3, 4] + [10] * 5 + [9] * 5 + [8] * 6 + [5] * 4
    r = _responses(scores)
    m = pd.DataFrame({"response_id": [f"r{i}" for i in range(8)] + ["r0"], "theme": ["delivery"] * 9,
                      "sentence_id": list(range(8)) + [1]})
    return r, m


def test_theme_table_matches_hand_computation(small):
    r, m = small
    row = theme_table(r, m).iloc[0]
    n, nt = 28, 8
    s = nt / n
    nps_t, nps_r = 100 * (2 - 5) / 8, 100 * (10 - 4) / 20
    assert (row["n"], row["mentions"]) == (8, 9)  # r0 mentions it twice: one respondent, two mentions
    assert row["share"] == pytest.approx(s)
    assert row["nps_with"] == pytest.approx(nps_t) and row["nps_without"] == pytest.approx(nps_r)
    nps_all = 100 * (12 - 9) / 28
    assert row["impact"] == pytest.approx(s * (nps_t - nps_r)) == pytest.approx(nps_all - nps_r)
    assert row["share_promoters"] == pytest.approx(2 / 12) and row["share_detractors"] == pytest.approx(5 / 9)

    def adj_var(P, A, D):  # Rocks (2016) adjusted shares, in points², per respondent
        k = P + A + D + 3
        p, d = (P + 0.75) / k, (D + 0.75) / k
        return 1e4 * (p + d - (p - d) ** 2) / k

    se_diff = math.sqrt(adj_var(2, 1, 5) + adj_var(10, 6, 4))
    se = math.sqrt(s ** 2 * se_diff ** 2 + (nps_t - nps_r) ** 2 * s * (1 - s) / n)
    assert row["impact_se"] == pytest.approx(se)
    assert row["impact_low"] == pytest.approx(row["impact"] - Z * se)
    # odds of being a detractor: with 5 of 8, without 4 of 20
    assert row["odds_ratio_detractor"] == pytest.approx((5 * 16) / (3 * 4))
    log_se = math.sqrt(1 / 5 + 1 / 3 + 1 / 4 + 1 / 16)
    assert row["odds_ratio_detractor_low"] == pytest.approx(math.exp(math.log(80 / 12) - Z * log_se))
    assert row["odds_ratio_promoter"] == pytest.approx((2 * 10) / (6 * 10))
    # small expected counts: the p-value is a Monte Carlo exact test, and is said so
    assert row["test"] == "exact (Monte Carlo)" and "Monte Carlo" in row["warning"]
    assert "Only 8 respondents" in row["warning"]
    assert row["chi2"] == pytest.approx(chi2_contingency([[5, 1, 2], [4, 6, 10]], correction=False)[0])


def test_odds_ratio_and_chi2_agree_with_scipy():
    table = [[20, 80], [10, 90]]
    ref = scipy_odds_ratio(table, kind="sample")
    ci = ref.confidence_interval(0.95)
    est, low, high = odds_ratio(20, 80, 10, 90)
    assert est == pytest.approx(ref.statistic) and low == pytest.approx(ci.low) and high == pytest.approx(ci.high)
    est, low, high = odds_ratio(0, 10, 5, 5)  # zero cell: 0.5 added to every cell
    assert est == pytest.approx((0.5 * 5.5) / (10.5 * 5.5))
    big = [[60, 40, 100], [200, 150, 450]]
    stat, p, method = group_table_test(big)
    ref_stat, ref_p, _, _ = chi2_contingency(big, correction=False)
    assert method == "chi2" and stat == pytest.approx(ref_stat) and p == pytest.approx(ref_p)
    assert math.isnan(group_table_test([[3, 0, 0], [4, 0, 0]])[1])  # one group only: nothing to test


def test_exact_test_is_calibrated_under_the_null():
    rng = np.random.default_rng(1)
    pvalues = []
    for _ in range(200):
        groups = rng.choice(3, size=40, p=[0.3, 0.3, 0.4])
        theme = rng.random(40) < 0.1
        table = [np.bincount(groups[theme], minlength=3), np.bincount(groups[~theme], minlength=3)]
        pvalues.append(group_table_test(table, n_mc=999, seed=0)[1])
    pvalues = np.array([p for p in pvalues if not math.isnan(p)])
    assert np.mean(pvalues < 0.05) <= 0.08


def test_bh_qvalues_by_hand_and_against_statsmodels():
    from statsmodels.stats.multitest import multipletests

    p = [0.01, 0.02, 0.03, 0.04, 0.20]
    # by hand: 5p/rank = 0.05, 0.05, 0.05, 0.05, 0.20; monotone from the top
    assert bh_qvalues(p).tolist() == pytest.approx([0.05, 0.05, 0.05, 0.05, 0.20])
    q = bh_qvalues([0.04, 0.001, 0.03, np.nan])
    assert q[:3].tolist() == pytest.approx([0.04, 0.003, 0.04]) and np.isnan(q[3])
    rng = np.random.default_rng(0)
    many = rng.random(40) ** 3
    assert bh_qvalues(many) == pytest.approx(multipletests(many, method="fdr_bh")[1])


def test_base_commented_leaves_out_empty_and_junk_comments_but_keeps_mentioned():
    r = _responses([10, 3, 9, 2, 8], ["super", "", "-", "zu teuer", ""])
    m = pd.DataFrame({"response_id": ["r3", "r4"], "theme": ["price", "price"]})
    frame, _, info = driver_frame(r, m)
    assert frame.index.tolist() == ["r0", "r3", "r4"]  # r4 has no text but a mention: it counts
    assert info["n_not_in_base"] == 2 and info["n_base"] == 3
    everyone, _, info_all = driver_frame(r, m, base="all")
    assert len(everyone) == 5 and info_all["n_not_in_base"] == 0


def test_sentiment_splits_drivers_and_is_optional():
    r = _responses([10, 9, 2, 3, 8, 9])
    m = pd.DataFrame({"response_id": ["r0", "r1", "r2", "r3", "r2"], "theme": ["price"] * 4 + ["service"],
                      "sentiment": ["positive", "positive", "negative", "negative", pd.NA]})
    table = theme_table(r, m)
    assert set(table["theme"]) == {"price (positive)", "price (negative)", "service"}
    assert table.set_index("theme").loc["price (negative)", "sentiment"] == "negative"
    plain = theme_table(r, m, sentiment=False)
    assert set(plain["theme"]) == {"price", "service"}
    assert plain.set_index("theme").loc["price", "n"] == 4
    with pytest.raises(ColumnError, match="sentiment=True needs a 'sentiment' column"):
        theme_table(r, m.drop(columns="sentiment"), sentiment=True)


def test_bad_inputs_raise_clear_errors():
    r = _responses([10, 3])
    with pytest.raises(ParameterError, match="base must be one of"):
        theme_table(r, pd.DataFrame({"response_id": ["r0"], "theme": ["x"]}), base="written")
    with pytest.raises(ParameterError, match="None of the 1 mentions belongs"):
        theme_table(r, pd.DataFrame({"response_id": ["7"], "theme": ["x"]}))
    with pytest.raises(ColumnError, match="lacks \\['theme'\\]"):
        theme_table(r, pd.DataFrame({"response_id": ["r0"]}))
    with pytest.raises(ParameterError, match="response_id must be unique"):
        theme_table(pd.concat([r, r]), pd.DataFrame({"response_id": ["r0"], "theme": ["x"]}))
    with pytest.raises(ColumnError, match="base='commented' needs to know who wrote a comment"):
        theme_table(r.drop(columns="comment"), pd.DataFrame({"response_id": ["r0"], "theme": ["x"]}))


def test_any_theme_name_works_and_reserved_names_are_refused():
    r = _responses([10, 9, 2, 3])
    for name in ("x", "group", "score", "n"):
        table = theme_table(r, pd.DataFrame({"response_id": ["r2", "r3"], "theme": [name, name]}))
        assert table["theme"].tolist() == [name] and table.loc[0, "nps_with"] == -100.0
    everyone = theme_table(r, pd.DataFrame({"response_id": ["r0", "r1", "r2", "r3"], "theme": "x"}))
    assert "nobody to compare with" in everyone.loc[0, "warning"] and np.isnan(everyone.loc[0, "impact"])
    with pytest.raises(ParameterError, match="reserved"):
        theme_table(r, pd.DataFrame({"response_id": ["r0"], "theme": ["_nps"]}))


def test_empty_mentions_give_empty_tables():
    from nps_text.jobs import driver_tables
    from nps_text.tagging.contract import empty_mentions

    r = _responses([10, 9, 2, 3]).assign(seg=list("aabb"), date=pd.to_datetime(["2025-01-02"] * 4))
    tables = driver_tables(r, empty_mentions(), by=["seg"], period="month")
    assert len(tables["drivers"]) == 0 and len(tables["pain_points"]) == 0
    assert tables["followup"]["response_id"].tolist() == ["r2", "r3"]


def test_caller_frames_are_not_modified(small):
    r, m = small
    before_r, before_m = r.copy(), m.copy()
    theme_table(r, m, n_boot=50)
    pd.testing.assert_frame_equal(r, before_r)
    pd.testing.assert_frame_equal(m, before_m)


def _simulate(n, rng, effects, share=0.15, noise=1.6):
    """Respondents with independent themes; latent score = 7.6 + sum of effects + noise."""
    X = rng.random((n, len(effects))) < share
    latent = 7.6 + X @ np.asarray(effects) + rng.normal(0, noise, n)
    scores = np.clip(np.rint(latent), 0, 10).astype(int)
    r = _responses(scores.tolist())
    rows = [(f"r{i}", f"t{j}") for i, j in zip(*np.nonzero(X))]
    return r, pd.DataFrame(rows, columns=["response_id", "theme"])


def test_small_simulation_recovers_effects_controls_false_discoveries_and_covers():
    """A fast version of benchmarks/drivers.py: planted effects found, null themes rarely flagged, intervals cover."""
    rng = np.random.default_rng(7)
    effects = [-2.5, 1.5, 0.0, 0.0, 0.0]
    big_r, big_m = _simulate(200_000, rng, effects)
    truth = theme_table(big_r, big_m, min_n=0).set_index("theme")["impact"]
    found, false, covered, total = 0, 0, 0, 0
    reps = 40
    for _ in range(reps):
        r, m = _simulate(1500, rng, effects)
        t = theme_table(r, m).set_index("theme")
        found += int(t.loc["t0", "significant"]) + int(t.loc["t1", "significant"])
        false += int(t.loc[["t2", "t3", "t4"], "significant"].sum())
        inside = (t["impact_low"] <= truth[t.index]) & (truth[t.index] <= t["impact_high"])
        covered += int(inside.sum())
        total += len(t)
    assert found / (2 * reps) >= 0.95
    assert false / (3 * reps) <= 0.08
    assert 0.88 <= covered / total <= 0.99


def test_bootstrap_agrees_with_the_delta_method(small):
    rng = np.random.default_rng(3)
    r, m = _simulate(3000, rng, [-2.0, 1.0])
    t = theme_table(r, m, n_boot=800, seed=1)
    width_delta = t["impact_high"] - t["impact_low"]
    width_boot = t["impact_boot_high"] - t["impact_boot_low"]
    assert np.allclose(width_boot / width_delta, 1, atol=0.15)


@pytest.fixture(scope="module")
def sample():
    responses, _ = load_survey(REPO / "data" / "sample_survey.csv")
    truth = pd.read_csv(REPO / "data" / "sample_truth.csv", dtype=str, keep_default_na=False)
    rows = [(rid, t, s) for rid, themes, sents in truth[["response_id", "themes", "sentiments"]].itertuples(index=False)
            if themes for t, s in zip(themes.split("|"), sents.split("|"))]
    return responses, pd.DataFrame(rows, columns=["response_id", "theme", "sentiment"])


def test_planted_drivers_of_the_sample_come_out_on_top(sample):
    responses, mentions = sample
    table = theme_table(responses, mentions).set_index("theme")
    assert table["impact"].idxmin() == "delivery (negative)"
    assert table["impact"].idxmax() == "service (positive)"
    assert table["odds_ratio_detractor"].idxmax() == "delivery (negative)"
    assert not table.loc[["usability (negative)", "usability (positive)"], "significant"].any()
    assert table.loc[["delivery (negative)", "service (positive)"], "significant"].all()
    assert table.attrs["n_base"] < len(responses)  # empty and filler comments are not in the base
    plain = theme_table(responses, mentions, sentiment=False).set_index("theme")
    assert not plain.loc["usability", "significant"] and plain["impact"].idxmin() == "delivery"


def test_support_complaints_concentrate_in_enterprise(sample):
    responses, mentions = sample
    by = drivers_by(responses, mentions, "customer_type")
    support = by[by["theme"] == "support (negative)"].set_index("value")
    assert support["share"].idxmax() == "enterprise"
    assert support.loc["enterprise", "share_vs_rest"] > 0.1 and support.loc["enterprise", "share_vs_rest_p"] < 1e-6
    assert support.loc["enterprise", "share_vs_rest_q"] < 1e-4  # still clear after FDR control across rows
    assert support["share_p_value"].iloc[0] < 1e-6
    usability = by[by["theme"] == "usability (negative)"]
    assert usability["share_p_value"].iloc[0] > 0.01


def test_price_complaints_rise_among_small_businesses_in_q4(sample):
    responses, mentions = sample
    small = responses[responses["customer_type"] == "small_business"]
    trend = drivers_by_period(small, mentions, period="quarter")
    price = trend[trend["theme"] == "price (negative)"].set_index("period")
    assert price.loc["2025-Q4", "share_change"] > 0.2 and price.loc["2025-Q4", "share_change_p"] < 1e-6
    assert price.loc["2025-Q3", "share_change_p"] > 0.05
    assert price.loc["2025-Q4", "share_change_q"] < 1e-4 and price.loc["2025-Q3", "share_change_q"] > 0.05


def test_views_and_what_if_on_the_sample(sample):
    responses, mentions = sample
    views = driver_views(responses, mentions)
    assert views["pain_points"].loc[0, "theme"] == "delivery (negative)"
    assert views["strengths"].loc[0, "theme"] == "service (positive)"
    assert all(t.endswith("(negative)") for t in views["pain_points"]["theme"])
    assert 1 <= len(views["pain_points"].loc[0, "quotes"]) <= 3
    out = what_if(responses, mentions, "delivery")
    assert out["theme"] == "delivery (negative)" and out["change"] > 0
    assert out["change_low"] < out["change"] < out["change_high"] and out["expected_nps"] > out["nps"]
    none = what_if(responses, mentions, "delivery", reduction=0.0)
    assert none["change"] == pytest.approx(0.0)
    with pytest.raises(ParameterError, match="is not among the drivers"):
        what_if(responses, mentions, "parking")


def test_what_if_interval_matches_bootstrap():
    """The delta-method SE of the change against a bootstrap of the plain estimator, computed independently."""
    rng = np.random.default_rng(11)
    r, m = _simulate(2000, rng, [-2.5])
    out = what_if(r, m, "t0")
    x = np.where(r["score"] >= 9, 100.0, np.where(r["score"] <= 6, -100.0, 0.0))
    hit = r["response_id"].isin(set(m["response_id"])).to_numpy().astype(float)
    draws = []
    for _ in range(2000):
        i = rng.integers(0, len(x), len(x))
        xb, mb = x[i], hit[i]
        draws.append(-0.5 * (np.mean(mb * xb) - np.mean(mb) * np.mean((1 - mb) * xb) / np.mean(1 - mb)))
    se_delta = (out["change_high"] - out["change_low"]) / (2 * Z)
    assert out["change"] == pytest.approx(-0.5 * (np.mean(hit * x) - np.mean(hit) * np.mean((1 - hit) * x) / np.mean(1 - hit)))
    assert np.std(draws) == pytest.approx(se_delta, rel=0.1)


def test_what_if_table_lists_nps_lowering_drivers(sample):
    from nps_text.drivers.views import what_if_table

    responses, mentions = sample
    table = what_if_table(responses, mentions)
    assert table.loc[0, "theme"] == "delivery (negative)"
    assert not table["theme"].str.endswith("(positive)").any()
    single = what_if(responses, mentions, "delivery (negative)")
    assert table.loc[0, "change"] == pytest.approx(single["change"])
    assert table.loc[0, "change_low"] == pytest.approx(single["change_low"])
