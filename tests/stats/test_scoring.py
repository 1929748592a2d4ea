"""Tests of nps_text.scoring: hand-computed values, coverage by simulation, tables, errors."""

from __future__ import annotations

import doctest
import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

import nps_text.stats.scores as scoring
from nps_text.errors import ColumnError, ParameterError
from nps_text.stats.scores import (
    NPSResult,
    compare_nps,
    nps,
    nps_from_counts,
    nps_group,
    nps_summary,
    sample_size_for_margin,
    target_progress,
)
from nps_text.stats.segments import nps_by, nps_by_period

Z95 = 1.959963984540054

# 5 promoters, 3 passives, 2 detractors (n = 10)
SCORES_10 = [10, 9, 9, 10, 9, 7, 8, 7, 3, 6]


def _scores(promoters: int, passives: int, detractors: int) -> list[int]:
    return [10] * promoters + [8] * passives + [2] * detractors


def test_docstring_examples_run():
    result = doctest.testmod(scoring, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0


# ----------------------------------------------------------------------------- groups
def test_group_boundaries():
    groups = nps_group([0, 6, 7, 8, 9, 10])
    assert groups.tolist() == ["detractor", "detractor", "passive", "passive", "promoter", "promoter"]
    assert list(groups.cat.categories) == ["detractor", "passive", "promoter"]
    assert groups.cat.ordered
    assert groups.iloc[0] < groups.iloc[2] < groups.iloc[4]


def test_group_keeps_index_and_handles_nullable_ints():
    s = pd.Series([9, pd.NA, 6], index=["x", "y", "z"], dtype="Int64")
    groups = nps_group(s)
    assert list(groups.index) == ["x", "y", "z"]
    assert groups["x"] == "promoter" and groups["z"] == "detractor"
    assert pd.isna(groups["y"])


def test_group_accepts_numpy_and_integer_floats():
    assert nps_group(np.array([9.0, 7.0, np.nan])).tolist()[:2] == ["promoter", "passive"]


def test_scale_1_10_rejects_zero_but_0_10_accepts_it():
    assert nps_group([1, 10], scale="1-10").tolist() == ["detractor", "promoter"]
    assert nps_group([0]).tolist() == ["detractor"]
    with pytest.raises(ParameterError, match=r"from 1 to 10.*0 is not on the 1-10 scale"):
        nps_group([5, 0, 9], scale="1-10")


@pytest.mark.parametrize("bad, shown", [([3, 11, 9], r"\[11\]"), ([-1, 5], r"\[-1\]"),
                                        ([7.5, 8], r"\[7.5\]"), (["ten", 9], r"\['ten'\]")])
def test_group_rejects_values_off_the_scale(bad, shown):
    with pytest.raises(ParameterError, match=rf"scores must be whole numbers from 0 to 10.*first: {shown}"):
        nps_group(bad)


def test_group_rejects_unknown_scale_and_booleans():
    with pytest.raises(ParameterError, match=r"scale must be one of \['0-10', '1-10'\], got '1-5'"):
        nps_group([1], scale="1-5")
    with pytest.raises(ParameterError, match="got booleans"):
        nps_group(pd.Series([True, False]))


# ----------------------------------------------------------------------------- one sample
def test_hand_computed_summary():
    r = nps_summary(SCORES_10)
    assert (r.n, r.promoters, r.passives, r.detractors) == (10, 5, 3, 2)
    assert (r.share_promoters, r.share_passives, r.share_detractors) == (0.5, 0.3, 0.2)
    # nps = 100 * (5 - 2) / 10
    assert r.nps == pytest.approx(30.0)
    # se = 100 * sqrt((0.5 + 0.2 - 0.3**2) / 10) = 100 * sqrt(0.061)
    assert r.se == pytest.approx(100 * math.sqrt(0.061))
    assert r.se == pytest.approx(24.6982, abs=1e-4)
    # adjusted Wald: n' = 13, p' = 5.75/13, d' = 2.75/13, center = 3/13
    p_adj, d_adj, n_adj = 5.75 / 13, 2.75 / 13, 13
    center = p_adj - d_adj
    se_adj = math.sqrt((p_adj + d_adj - center**2) / n_adj)
    assert center == pytest.approx(0.230769, abs=1e-6)
    assert se_adj == pytest.approx(0.214941, abs=1e-6)
    assert r.margin_of_error == pytest.approx(100 * Z95 * se_adj)
    assert r.margin_of_error == pytest.approx(42.127, abs=1e-3)
    assert r.ci_low == pytest.approx(100 * (center - Z95 * se_adj))
    assert r.ci_high == pytest.approx(100 * (center + Z95 * se_adj))
    assert (round(r.ci_low, 2), round(r.ci_high, 2)) == (-19.05, 65.20)
    assert r.level == 0.95
    assert r.warning == ("Only 10 responses: the NPS is very uncertain (±42 points); "
                         "treat it as indicative.")
    assert nps(SCORES_10) == pytest.approx(30.0)
    assert nps_from_counts(5, 3, 2) == r


def test_level_changes_width():
    r90 = nps_from_counts(5, 3, 2, level=0.90)
    assert r90.margin_of_error == pytest.approx(100 * norm.ppf(0.95) * 0.214941, abs=1e-3)
    assert r90.margin_of_error < nps_from_counts(5, 3, 2).margin_of_error


def test_interval_is_clipped_and_warning_off_above_min_n():
    r = nps_from_counts(40, 0, 0)
    assert r.nps == 100.0 and r.ci_high == 100.0 and r.ci_low < 100.0
    assert r.warning is None
    assert nps_from_counts(40, 0, 0, min_n=50).warning.startswith("Only 40 responses")
    assert nps_from_counts(1, 0, 0).warning.startswith("Only 1 response:")


def test_empty_sample_gives_nan_and_warning_not_exception():
    r = nps_summary([None, None])
    assert r.n == 0
    assert all(math.isnan(v) for v in (r.nps, r.se, r.ci_low, r.ci_high, r.margin_of_error))
    assert r.warning == "No responses: the NPS cannot be computed."
    assert math.isnan(nps([]))


def test_missing_scores_left_out_of_n():
    assert nps_summary([10, None, 2, np.nan]).n == 2


def test_to_dict_is_json_safe_and_keyed_by_fields():
    d = nps_from_counts(np.int64(5), 3, 2).to_dict()
    assert list(d) == list(NPSResult.__dataclass_fields__)
    assert type(d["n"]) is int and type(d["nps"]) is float
    json.dumps(d, allow_nan=False)
    empty = nps_from_counts(0, 0, 0).to_dict()
    assert empty["nps"] is None
    json.dumps(empty, allow_nan=False)


@pytest.mark.parametrize("kwargs, pattern", [
    ({"level": 95}, r"level must be between 0 and 1 \(exclusive\), got 95\. Pass level=0\.95"),
    ({"level": 0}, r"level must be between 0 and 1 \(exclusive\), got 0\."),
    ({"min_n": -1}, r"min_n must be a non-negative integer, got -1"),
])
def test_bad_parameters_of_summary(kwargs, pattern):
    with pytest.raises(ParameterError, match=pattern):
        nps_summary(SCORES_10, **kwargs)


@pytest.mark.parametrize("counts, pattern", [((-1, 0, 0), r"promoters must be .* got -1"),
                                             ((1, 0.5, 0), r"passives must be .* got 0\.5"),
                                             ((1, 0, "3"), r"detractors must be .* got '3'")])
def test_bad_counts(counts, pattern):
    with pytest.raises(ParameterError, match=pattern):
        nps_from_counts(*counts)


@pytest.mark.parametrize("n", [50, 1000])
def test_adjusted_wald_coverage_by_simulation(n):
    probs = (0.45, 0.30, 0.25)
    true_nps = 100 * (probs[0] - probs[2])
    draws = np.random.default_rng(20240 + n).multinomial(n, probs, size=2000)
    covered = 0
    for P, A, D in draws:
        r = nps_from_counts(int(P), int(A), int(D))
        covered += r.ci_low <= true_nps <= r.ci_high
    assert 0.93 <= covered / len(draws) <= 0.97


# ----------------------------------------------------------------------------- sample size
def test_sample_size_monotone_and_achieves_margin():
    sizes = [sample_size_for_margin(m) for m in (20, 10, 5, 3)]
    assert sizes == sorted(sizes) and len(set(sizes)) == 4
    for margin, n in zip((20, 10, 5, 3), sizes):
        var = 0.5 + 0.2 - 0.3**2
        assert 100 * Z95 * math.sqrt(var / n) <= margin
        assert 100 * Z95 * math.sqrt(var / (n - 1)) > margin  # smallest such n
    worst = sample_size_for_margin(5, promoters=0.5, detractors=0.5)
    assert worst == math.ceil((100 * Z95 / 5) ** 2) and worst > sizes[2]


def test_sample_size_achieves_margin_in_adjusted_wald_too():
    n = sample_size_for_margin(10)
    assert nps_from_counts(n // 2, round(0.3 * n), n - n // 2 - round(0.3 * n)).margin_of_error <= 10.1


@pytest.mark.parametrize("kwargs, pattern", [
    ({"margin": 0}, r"margin must be a positive number of NPS points, got 0\. Pass e\.g\. margin=5"),
    ({"margin": -3}, r"margin must be a positive number .* got -3"),
    ({"margin": 5, "promoters": 50}, r"promoters must be an expected share between 0 and 1, got 50"),
    ({"margin": 5, "promoters": 0.7, "detractors": 0.5}, r"promoters \+ detractors must be at most 1"),
    ({"margin": 5, "level": 1.5}, r"level must be between 0 and 1"),
])
def test_sample_size_bad_parameters(kwargs, pattern):
    with pytest.raises(ParameterError, match=pattern):
        sample_size_for_margin(**kwargs)


# ----------------------------------------------------------------------------- comparisons
def test_compare_identical_samples():
    c = compare_nps(SCORES_10 * 5, SCORES_10 * 5)
    assert c.difference == 0 and c.z == 0
    assert c.p_value == pytest.approx(1.0)
    assert not c.significant
    assert c.ci_low < 0 < c.ci_high


def test_compare_clearly_different_and_sign_convention():
    a, b = _scores(60, 20, 20), _scores(30, 20, 50)  # NPS 40 vs -20
    c = compare_nps(a, b)
    assert (c.n_a, c.n_b, c.nps_a, c.nps_b) == (100, 100, 40.0, -20.0)
    assert c.difference == pytest.approx(60.0)
    assert c.z > 0 and c.ci_low > 0
    assert c.p_value < 0.001 and c.significant
    # hand computation with adjusted shares (n' = 103 each)
    pa, da, pb, db = 60.75 / 103, 20.75 / 103, 30.75 / 103, 50.75 / 103
    se = 100 * math.sqrt((pa + da - (pa - da) ** 2) / 103 + (pb + db - (pb - db) ** 2) / 103)
    assert c.se == pytest.approx(se)
    assert c.z == pytest.approx(100 * ((pa - da) - (pb - db)) / se)
    reverse = compare_nps(b, a)
    assert reverse.difference == pytest.approx(-60.0) and reverse.z < 0
    assert reverse.p_value == pytest.approx(c.p_value)
    assert c.to_dict()["significant"] is True


# ----------------------------------------------------------------------------- target
def test_target_progress_statuses():
    scores = _scores(60, 20, 20)  # NPS 40, interval about 24..54
    above = target_progress(scores, 10).to_dict()
    assert above["status"] == "above target" and above["gap"] == pytest.approx(30)
    assert above["p_value"] < 0.05 and above["ci_low"] > 10
    below = target_progress(scores, 70).to_dict()
    assert below["status"] == "below target" and below["gap"] == pytest.approx(-30)
    close = target_progress(scores, 40).to_dict()
    assert close["status"] == "not distinguishable from target" and close["p_value"] > 0.5
    assert set(above) >= {"nps", "target", "gap", "ci_low", "ci_high", "p_value", "status"}
    with pytest.raises(ParameterError, match=r"target must be an NPS in points between -100 and 100, got 150"):
        target_progress(scores, 150)


def test_target_progress_is_a_result_and_dict_access_warns():
    result = target_progress(_scores(60, 20, 20), 10)
    assert result.status == "above target"
    assert result.summary().startswith("Target 10.0: NPS is above target (gap 30.0, p ")
    assert "<td>above target</td>" in result._repr_html_()
    with pytest.warns(FutureWarning, match=r"result.to_dict\(\)\[key\]"):
        assert result["status"] == "above target"


# ----------------------------------------------------------------------------- segments
@pytest.fixture
def segmented() -> pd.DataFrame:
    plan = ["basic"] * 40 + ["pro"] * 40 + [None] * 5 + ["tiny"] * 3
    score = _scores(10, 10, 20) + _scores(30, 5, 5) + _scores(2, 2, 1) + [10, 9, 3]
    return pd.DataFrame({"plan": plan, "score": score, "region": ["n", "s"] * 44})


def test_nps_by_segments(segmented):
    before = segmented.copy()
    out = nps_by(segmented, "plan")
    pd.testing.assert_frame_equal(segmented, before)
    assert out["plan"].tolist() == ["basic", "pro", "tiny", "(missing)"]
    assert list(out.columns) == ["plan", "n", "promoters", "passives", "detractors", "nps", "ci_low",
                                 "ci_high", "margin_of_error", "warning", "diff_vs_rest",
                                 "p_value_vs_rest"]
    assert out["n"].sum() == len(segmented)
    assert (out["promoters"] + out["passives"] + out["detractors"] == out["n"]).all()
    row = out.set_index("plan").loc["pro"]
    assert row["nps"] == pytest.approx(62.5)
    assert row["warning"] is None
    tiny = out.set_index("plan").loc["tiny"]
    assert tiny["warning"].startswith("Only 3 responses")
    # pro vs everyone else, equals compare_nps on the split
    others = segmented.loc[segmented["plan"] != "pro", "score"]
    c = compare_nps(segmented.loc[segmented["plan"] == "pro", "score"], others)
    assert row["diff_vs_rest"] == pytest.approx(c.difference)
    assert row["p_value_vs_rest"] == pytest.approx(c.p_value)
    assert row["p_value_vs_rest"] < 0.001


def test_nps_by_several_columns_and_missing_scores(segmented):
    df = segmented.assign(score=segmented["score"].astype("Int64"))
    df.loc[0, "score"] = pd.NA
    out = nps_by(df, ["plan", "region"])
    assert list(out.columns[:2]) == ["plan", "region"]
    assert len(out) == 8
    assert out["n"].sum() == len(df) - 1  # the row without a score is in no n
    assert set(out["plan"]) == {"basic", "pro", "tiny", "(missing)"}


def test_nps_by_errors(segmented):
    with pytest.raises(ColumnError, match=r"Column 'tier' \(given as by\) not found"):
        nps_by(segmented, "tier")
    with pytest.raises(ColumnError, match=r"Column 'nps' \(given as score\) not found"):
        nps_by(segmented, "plan", score="nps")
    with pytest.raises(ParameterError, match=r"by must name at least one column"):
        nps_by(segmented, [])
    with pytest.raises(ParameterError, match=r"responses must be a pandas DataFrame"):
        nps_by([1, 2], "plan")


# ----------------------------------------------------------------------------- periods
@pytest.fixture
def dated() -> pd.DataFrame:
    jan = _scores(60, 20, 20)
    mar = _scores(30, 20, 50)
    dates = ["2025-01-15"] * 100 + ["2025-03-10"] * 100 + [None] * 2
    return pd.DataFrame({"date": pd.to_datetime(dates), "score": jan + mar + [9, 1]})


def test_nps_by_period_month_gap_and_no_date(dated):
    before = dated.copy()
    out = nps_by_period(dated)
    pd.testing.assert_frame_equal(dated, before)
    assert out["period"].tolist() == ["2025-01", "2025-02", "2025-03", "(no date)"]
    assert out["n"].tolist() == [100, 0, 100, 2]
    assert out["n"].sum() == len(dated)
    assert out.loc[1, "warning"] == "No responses: the NPS cannot be computed."
    assert math.isnan(out.loc[1, "nps"])
    assert out.loc[0, "period_start"] == pd.Timestamp("2025-01-01")
    assert pd.isna(out.loc[3, "period_start"])
    assert out.loc[3, "warning"].startswith("Only 2 responses")
    # change needs two non-empty consecutive periods: none here
    assert out["change"].isna().all()


def test_nps_by_period_change_and_p_value(dated):
    df = dated.assign(date=dated["date"].where(dated["date"] != pd.Timestamp("2025-03-10"),
                                               pd.Timestamp("2025-02-10")))
    out = nps_by_period(df)
    assert out["period"].tolist() == ["2025-01", "2025-02", "(no date)"]
    assert out["nps"].tolist()[:2] == [40.0, -20.0]
    assert out.loc[1, "change"] == pytest.approx(-60.0)
    c = compare_nps(_scores(30, 20, 50), _scores(60, 20, 20))
    assert out.loc[1, "change_p_value"] == pytest.approx(c.p_value)
    assert out.loc[1, "change_p_value"] < 0.001
    assert bool(out.loc[1, "change_significant"]) is True
    assert pd.isna(out.loc[0, "change"]) and pd.isna(out.loc[0, "change_significant"])
    assert pd.isna(out.loc[2, "change"])  # "(no date)" has no previous period


def test_nps_by_period_quarter_year_week_labels():
    df = pd.DataFrame({"when": ["2024-12-31", "2025-01-06", "2025-01-20", "2025-07-01"],
                       "score": [9, 9, 3, 8]})
    before = df.copy()
    q = nps_by_period(df, date="when", period="quarter")
    pd.testing.assert_frame_equal(df, before)
    assert q["period"].tolist() == ["2024-Q4", "2025-Q1", "2025-Q2", "2025-Q3"]
    assert q["n"].tolist() == [1, 2, 0, 1]
    assert q.loc[1, "period_start"] == pd.Timestamp("2025-01-01")
    y = nps_by_period(df, date="when", period="year")
    assert y["period"].tolist() == ["2024", "2025"]
    w = nps_by_period(df.iloc[:3], date="when", period="week")
    # 2024-12-31 is a Tuesday in ISO week 2025-W01 (starts Monday 2024-12-30)
    assert w["period"].tolist() == ["2025-W01", "2025-W02", "2025-W03", "2025-W04"]
    assert w.loc[0, "period_start"] == pd.Timestamp("2024-12-30")
    assert w["n"].tolist() == [1, 1, 0, 1]


def test_nps_by_period_timezone_aware_dates():
    df = pd.DataFrame({"date": pd.to_datetime(["2025-01-31 23:30", "2025-02-01 00:30"]).tz_localize(
        "Europe/Berlin"), "score": [10, 0]})
    out = nps_by_period(df)
    assert out["period"].tolist() == ["2025-01", "2025-02"]


def test_nps_by_period_errors(dated):
    with pytest.raises(ParameterError, match=r"period must be one of \['week', 'month', 'quarter', "
                                             r"'year'\], got 'day'"):
        nps_by_period(dated, period="day")
    with pytest.raises(ColumnError, match=r"Column 'when' \(given as date\) not found"):
        nps_by_period(dated, date="when")
    with pytest.raises(ParameterError, match=r"level must be between 0 and 1"):
        nps_by_period(dated, level=95)


def test_inputs_not_mutated():
    s = pd.Series([9, 7, 3, None], index=[5, 6, 7, 8], dtype="Float64")
    s_before = s.copy()
    nps_group(s), nps(s), nps_summary(s), compare_nps(s, s), target_progress(s, 0)
    pd.testing.assert_series_equal(s, s_before)
    arr = np.array([9, 7, 3])
    nps_summary(arr)
    np.testing.assert_array_equal(arr, [9, 7, 3])
