"""Small samples (issue #14, item 3): every interval stays in the range of its quantity and holds its own
estimate, and shares / NPS of a few respondents are compared with exact tests, not normal approximations."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy.stats import fisher_exact

from nps_text.drivers.misclassification import correct_misclassification
from nps_text.drivers.table import theme_table
from nps_text.drivers.views import (
    driver_views,
    drivers_by,
    drivers_by_period,
    what_if,
    what_if_table,
)
from nps_text.stats.scores import compare_nps, nps_from_counts, nps_summary
from nps_text.stats.segments import nps_by, nps_by_period

NPS_RANGE, DIFF_RANGE, SHARE_RANGE = (-100, 100), (-200, 200), (0, 1)


def assert_holds(estimate, low, high, bounds):
    """Each (estimate, low, high) with a known estimate: bounds[0] <= low <= estimate <= high <= bounds[1]."""
    est, low, high = (np.atleast_1d(np.asarray(v, dtype="float64")) for v in (estimate, low, high))
    known = ~np.isnan(est)
    assert known.any()
    assert (low[known] >= bounds[0]).all() and (high[known] <= bounds[1]).all(), (low, high)
    assert (low[known] <= est[known]).all() and (est[known] <= high[known]).all(), (low, est, high)


def _to_points(scores):
    s = np.asarray(scores)
    return np.where(s >= 9, 100.0, np.where(s <= 6, -100.0, 0.0))


def brute_force_p(scores_a, scores_b):
    """Two-sided permutation p-value of NPS_a - NPS_b over every split of the pooled respondents (independent check)."""
    x = np.concatenate([_to_points(scores_a), _to_points(scores_b)])
    n_a = len(scores_a)
    observed = abs(x[:n_a].mean() - x[n_a:].mean())
    extreme = total = 0
    for chosen in itertools.combinations(range(len(x)), n_a):
        mask = np.zeros(len(x), bool)
        mask[list(chosen)] = True
        extreme += abs(x[mask].mean() - x[~mask].mean()) >= observed - 1e-9
        total += 1
    return extreme / total


def _responses(scores, **columns):
    n = len(scores)
    return pd.DataFrame({"response_id": [f"r{i}" for i in range(n)], "score": scores,
                         "comment": ["a real comment"] * n, **columns})


@pytest.fixture
def billing():
    """The report of issue #14: January 0 of 23 mention billing, February 1 of 2 (a detractor; the other a promoter)."""
    jan = [10, 9, 9, 10, 8, 7, 3, 10, 9, 6, 10, 9, 8, 10, 2, 9, 10, 7, 9, 10, 5, 9, 10]
    r = _responses(jan + [2, 10], date=["2025-01-10"] * 23 + ["2025-02-03", "2025-02-20"])
    m = pd.DataFrame({"response_id": ["r23", "r0", "r14"], "theme": ["billing", "app", "app"]})
    return r, m


# ----------------------------------------------------------------------------- NPS of one sample
@pytest.mark.parametrize("counts", [(0, 0, 1), (1, 0, 0)])
def test_nps_interval_holds_the_estimate_of_a_tiny_sample(counts):
    r = nps_from_counts(*counts)
    assert_holds(r.nps, r.ci_low, r.ci_high, NPS_RANGE)


def test_one_detractor_gets_an_interval_that_reaches_minus_100():
    # the report: n = 1, NPS -100, adjusted-Wald interval -98.5 ... 48.5 (missing its own estimate)
    r = nps_summary([0])
    assert r.nps == -100.0 and r.ci_low == -100.0
    assert r.ci_high == pytest.approx(48.5, abs=0.05)  # the far end is the adjusted-Wald one


# ----------------------------------------------------------------------------- two samples
@pytest.mark.parametrize("a, b", [([10] * 3, [0] * 3), ([10], [0]), ([10, 10, 8], [0, 8, 2, 1]),
                                  ([9, 9, 9, 9, 0], [1, 2, 3, 8, 10, 10]), ([7, 8], [0])])
def test_compare_nps_of_small_samples_is_exact(a, b):
    c = compare_nps(a, b)
    assert c.p_value == pytest.approx(brute_force_p(a, b))
    assert c.significant == (c.p_value < 0.05)
    assert_holds(c.difference, c.ci_low, c.ci_high, DIFF_RANGE)
    assert c.test == "exact"


def test_three_promoters_against_three_detractors_is_not_significant():
    c = compare_nps([10] * 3, [0] * 3)  # the z-test said p = 0.014; 2 of the C(6, 3) = 20 splits are as extreme
    assert c.p_value == pytest.approx(0.1) and not c.significant
    assert c.difference == 200.0 and c.ci_high == 200.0


def test_compare_nps_keeps_the_z_test_for_large_samples():
    c = compare_nps([10] * 60 + [8] * 20 + [3] * 20, [10] * 30 + [8] * 20 + [3] * 50)
    assert c.test == "z" and c.p_value < 0.001


# ----------------------------------------------------------------------------- segment and period tables
def test_nps_by_segment_of_one_respondent():
    df = pd.DataFrame({"plan": ["tiny"] + ["big"] * 30, "score": [0] + [10, 9, 8, 7, 3, 10] * 5})
    out = nps_by(df, "plan").set_index("plan")
    assert_holds(out["nps"], out["ci_low"], out["ci_high"], NPS_RANGE)
    assert out.loc["tiny", "ci_low"] == -100.0
    rest = df.loc[df["plan"] == "big", "score"].tolist()
    assert out.loc["tiny", "p_value_vs_rest"] == pytest.approx(brute_force_p([0], rest))


def test_nps_by_period_with_tiny_periods():
    df = pd.DataFrame({"date": ["2025-01-05", "2025-02-03", "2025-02-04", "2025-02-20"], "score": [0, 10, 9, 10]})
    out = nps_by_period(df)
    assert_holds(out["nps"], out["ci_low"], out["ci_high"], NPS_RANGE)
    assert out.loc[0, "ci_low"] == -100.0 and out.loc[1, "ci_high"] == 100.0
    # permutation p: the January respondent is the one detractor of four in 1 of 4 splits
    assert out.loc[1, "change_p_value"] == pytest.approx(brute_force_p([10, 9, 10], [0])) == pytest.approx(0.25)
    assert not out.loc[1, "change_significant"]


# ----------------------------------------------------------------------------- driver tables
def test_theme_table_of_one_mentioner(billing):
    r, m = billing
    feb = r.iloc[23:]  # two respondents: a detractor mentioning billing, a promoter
    t = theme_table(feb, m[m["response_id"] == "r23"], n_boot=200).iloc[0]
    assert (t["n"], t["nps_with"], t["nps_without"], t["impact"]) == (1, -100.0, 100.0, -100.0)
    assert_holds(t["nps_with"], t["nps_with_low"], t["nps_with_high"], NPS_RANGE)
    assert_holds(t["nps_without"], t["nps_without_low"], t["nps_without_high"], NPS_RANGE)
    assert_holds(t["difference"], t["difference_low"], t["difference_high"], DIFF_RANGE)
    # the report: -248 ... 48, below the lowest possible impact
    assert_holds(t["impact"], t["impact_low"], t["impact_high"], DIFF_RANGE)
    assert t["impact_low"] == -200.0 and t["impact_high"] == pytest.approx(48.0, abs=0.5)
    assert_holds(t["impact"], t["impact_boot_low"], t["impact_boot_high"], DIFF_RANGE)
    for kind in ("detractor", "promoter"):
        assert_holds(t[f"odds_ratio_{kind}"], t[f"odds_ratio_{kind}_low"], t[f"odds_ratio_{kind}_high"], (0, np.inf))
    assert t["p_value_nps"] == pytest.approx(brute_force_p([2], [10])) == pytest.approx(1.0)


def test_theme_table_of_small_samples_holds_every_estimate():
    rng = np.random.default_rng(5)
    for _ in range(20):
        n = int(rng.integers(3, 12))
        r = _responses(rng.choice([0, 8, 10], n).tolist())
        hits = rng.choice(n, size=int(rng.integers(1, n)), replace=False)
        t = theme_table(r, pd.DataFrame({"response_id": [f"r{i}" for i in hits], "theme": "x"}), n_boot=50)
        for col, bounds in (("nps_with", NPS_RANGE), ("nps_without", NPS_RANGE), ("difference", DIFF_RANGE),
                            ("impact", DIFF_RANGE), ("impact_boot", DIFF_RANGE)):
            est = t["impact"] if col == "impact_boot" else t[col]
            if est.notna().any():
                assert_holds(est, t[f"{col}_low"], t[f"{col}_high"], bounds)


def test_one_comment_is_not_a_significant_change(billing):
    """Issue #14: February 1 of 2 vs January 0 of 23 gave p 0.0005 from the z-test; Fisher's exact test gives 0.08."""
    r, m = billing
    trend = drivers_by_period(r, m)
    row = trend[(trend["theme"] == "billing") & (trend["period"] == "2025-02")].iloc[0]
    assert (row["n"], row["n_period"], row["share_change"]) == (1, 2, 0.5)
    fisher = fisher_exact([[1, 1], [0, 23]]).pvalue
    assert fisher == pytest.approx(0.08)
    assert row["share_change_p"] == pytest.approx(fisher)
    assert row["share_change_q"] >= 0.05  # what `nps-text drivers` flags as a change: q < 0.05
    assert_holds(row["impact"], row["impact_low"], row["impact_high"], DIFF_RANGE)
    assert_holds(trend["impact"], trend["impact_low"], trend["impact_high"], DIFF_RANGE)
    assert_holds(trend["share"], trend["share"], trend["share"], SHARE_RANGE)


def test_drivers_by_small_segment(billing):
    r, m = billing
    by = drivers_by(r.assign(plan=["basic"] * 23 + ["pro"] * 2), m, "plan")
    row = by[(by["theme"] == "billing") & (by["value"] == "pro")].iloc[0]
    assert row["share_vs_rest_p"] == pytest.approx(fisher_exact([[1, 1], [0, 23]]).pvalue)
    assert row["share_vs_rest_q"] >= 0.05
    assert_holds(by["impact"], by["impact_low"], by["impact_high"], DIFF_RANGE)
    assert "impact_se" not in by.columns


def test_driver_views_compare_small_groups_with_fisher():
    r = _responses([10, 9, 2, 3])
    views = driver_views(r, pd.DataFrame({"response_id": ["r2", "r3"], "theme": ["delivery"] * 2}))
    row = views["pain_points"].iloc[0]  # 2 of 2 detractors vs 0 of 2 others: z-test p 0.046, Fisher 1/3
    assert row["p_value"] == pytest.approx(fisher_exact([[2, 0], [0, 2]]).pvalue) == pytest.approx(1 / 3)
    assert not row["over_represented"]


def test_what_if_intervals_stay_in_range():
    r = _responses([10, 10, 10, 2])  # NPS 50 with a delta interval of about 50 ± 98
    m = pd.DataFrame({"response_id": ["r3"], "theme": ["delivery"]})
    for out in (what_if(r, m, "delivery"), what_if_table(r, m).iloc[0]):
        assert_holds(out["nps"], out["nps_low"], out["nps_high"], NPS_RANGE)
        assert_holds(out["expected_nps"], out["expected_low"], out["expected_high"], NPS_RANGE)
        assert_holds(out["change"], out["change_low"], out["change_high"], DIFF_RANGE)


def test_misclassification_intervals_hold_their_estimates():
    # few bootstrap draws: a percentile interval of 5 draws can miss the point estimate
    r = _responses([8, 8, 2, 8, 8, 8, 9, 9, 8, 9, 9, 8, 8, 2, 8, 2, 8, 2, 9, 9, 2, 9, 8, 2, 9, 9, 2, 8, 9, 9, 8, 9])
    m = pd.DataFrame({"response_id": ["r3", "r25"], "theme": "x"})
    for seed in range(10):
        out = correct_misclassification(r, m, {"x": {"precision": 1.0, "recall": 0.95, "support": 2}},
                                        n_boot=5, seed=seed).iloc[0]
        assert_holds(out["share_corrected"], out["share_low"], out["share_high"], SHARE_RANGE)
        assert_holds(out["impact_corrected"], out["impact_low"], out["impact_high"], DIFF_RANGE)
        assert_holds(out["impact_observed"], out["impact_naive_low"], out["impact_naive_high"], DIFF_RANGE)
