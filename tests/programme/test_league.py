from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.special import gammaln
from scipy.stats import spearmanr

from nps_text.errors import ColumnError, ParameterError
from nps_text.programme.league import dirichlet_concentration, funnel_data, league_table
from nps_text.stats import nps_from_counts

SCORE = {"promoter": 10, "passive": 8, "detractor": 3}


def frame(counts: dict[str, tuple[int, int, int]], column: str = "unit") -> pd.DataFrame:
    """One row per response from {unit: (promoters, passives, detractors)}."""
    rows = [(u, SCORE[g]) for u, c in counts.items() for g, k in zip(SCORE, c) for _ in range(k)]
    return pd.DataFrame(rows, columns=[column, "score"])


def simulated(rng: np.random.Generator, units: int, concentration: float) -> tuple[pd.DataFrame, np.ndarray]:
    """Units with true shares from a Dirichlet around (0.45, 0.30, 0.25), sizes 5-60 (log-uniform: many small)."""
    theta = rng.dirichlet(concentration * np.array([0.45, 0.30, 0.25]), size=units)
    sizes = np.round(np.exp(rng.uniform(math.log(5), math.log(60), units))).astype(int)
    counts = np.array([rng.multinomial(s, t) for s, t in zip(sizes, theta)])
    names = np.array([f"u{u:02d}" for u in range(units)])
    df = pd.DataFrame({"unit": np.repeat(np.repeat(names, 3), counts.ravel()),
                       "score": np.repeat(np.tile([10, 8, 3], units), counts.ravel())})
    return df, 100 * (theta[:, 0] - theta[:, 2])


def log_likelihood(a: float, counts: np.ndarray) -> float:
    """Dirichlet-multinomial log-likelihood written out unit by unit (multinomial coefficients left out)."""
    m = counts.sum(axis=0) / counts.sum()
    total = 0.0
    for c in counts:
        total += gammaln(a) - gammaln(c.sum() + a)
        total += sum(gammaln(ck + a * mk) - gammaln(a * mk) for ck, mk in zip(c, m))
    return total


# ----------------------------------------------------------------------------- league_table: hand-computed values
def test_fixed_prior_gives_hand_computed_shrunken_nps():
    # overall shares (4/8, 2/8, 2/8): prior Dirichlet(5, 2.5, 2.5) with A = 10
    # a: (3 + 5, 1 + 2.5, 0 + 2.5) / 14 -> 100 (8 - 2.5) / 14; b: (1 + 5, 1 + 2.5, 2 + 2.5) / 14 -> 100 (6 - 4.5) / 14
    t = league_table(frame({"a": (3, 1, 0), "b": (1, 1, 2)}), "unit", prior=10)
    assert t["unit"].tolist() == ["a", "b"]
    assert t["shrunken_nps"].tolist() == pytest.approx([100 * 5.5 / 14, 100 * 1.5 / 14])
    assert t["nps"].tolist() == pytest.approx([75.0, -25.0])
    assert t["shrinkage"].tolist() == pytest.approx([10 / 14, 10 / 14])
    assert t["diff_vs_average"].tolist() == pytest.approx([100 * 5.5 / 14 - 25, 100 * 1.5 / 14 - 25])
    raw = nps_from_counts(3, 1, 0)
    assert (t.loc[0, "ci_low"], t.loc[0, "ci_high"]) == pytest.approx((raw.ci_low, raw.ci_high))
    assert t[["n", "promoters", "passives", "detractors"]].values.tolist() == [[4, 3, 1, 0], [4, 1, 1, 2]]
    assert t["raw_rank"].tolist() == [1, 2] and t["shrunken_rank"].tolist() == [1, 2]
    assert t["small_n"].all()
    assert t.attrs["overall_nps"] == pytest.approx(25.0)
    assert t.attrs["prior_concentration"] == 10.0


def test_posterior_interval_matches_the_dirichlet_moments():
    # under Dirichlet(alpha): Var(p - d) = (E p + E d - (E p - E d)^2) / (alpha_0 + 1); big counts: near normal
    t = league_table(frame({"a": (300, 100, 100), "b": (200, 150, 150)}), "unit", prior=50, n_draws=20_000)
    m = np.array([500, 250, 250]) / 1000
    for _, row in t.iterrows():
        counts = row[["promoters", "passives", "detractors"]].to_numpy(float)
        alpha = counts + 50 * m
        e = alpha / alpha.sum()
        sd = 100 * math.sqrt((e[0] + e[2] - (e[0] - e[2]) ** 2) / (alpha.sum() + 1))
        assert row["shrunken_low"] == pytest.approx(row["shrunken_nps"] - 1.96 * sd, abs=0.6)
        assert row["shrunken_high"] == pytest.approx(row["shrunken_nps"] + 1.96 * sd, abs=0.6)


def test_concentration_maximises_the_marginal_likelihood():
    counts = np.array([[9, 3, 2], [4, 4, 6], [12, 2, 1], [3, 5, 7], [6, 2, 2], [20, 10, 5]], float)
    a = dirichlet_concentration(counts)
    assert 0.1 < a < 1e3
    best = log_likelihood(a, counts)
    for other in (a * 0.98, a * 1.02, a / 3, a * 3, 1.0, 100.0):
        assert best >= log_likelihood(other, counts)


def test_identical_units_pool_fully_and_very_different_ones_hardly_at_all():
    same = league_table(frame({u: (5, 3, 2) for u in "abcdef"}), "unit")
    assert same.attrs["prior_concentration"] > 1e4
    assert np.allclose(same["shrunken_nps"], same.attrs["overall_nps"], atol=0.01)
    apart = league_table(frame({"a": (40, 0, 0), "b": (0, 0, 40), "c": (38, 1, 1), "d": (1, 1, 38)}), "unit")
    assert apart.attrs["prior_concentration"] < 1
    assert (apart["shrinkage"] < 0.05).all()


def test_a_truly_better_large_unit_is_distinguishable_and_a_lucky_small_one_is_not():
    counts = {f"branch {i}": (45 + i, 30, 25 - i) for i in range(-4, 5)}  # nine ordinary branches, NPS 12-28
    counts["flagship"] = (280, 80, 40)  # NPS +60 from 400 responses
    counts["kiosk"] = (4, 0, 0)  # NPS +100 from 4 lucky responses
    t = league_table(frame(counts), "unit").set_index("unit")
    assert t.loc["kiosk", "raw_rank"] == 1 and t.loc["flagship", "raw_rank"] == 2
    assert t.loc["flagship", "shrunken_rank"] == 1
    assert t.loc["flagship", "distinguishable"] and t.loc["flagship", "verdict"] == "above average"
    assert not t.loc["kiosk", "distinguishable"]
    assert t.loc["kiosk", "verdict"] == "not distinguishable from the average"
    assert t.loc["kiosk", "small_n"] and not t.loc["flagship", "small_n"]


def test_a_clearly_worse_unit_is_below_average():
    counts = {f"team {i}": (50, 30, 20) for i in range(6)}
    counts["night shift"] = (40, 60, 100)
    t = league_table(frame(counts), "unit").set_index("unit")
    assert t.loc["night shift", "verdict"] == "below average"
    assert t.loc["night shift", "diff_high"] < 0
    assert t.loc["night shift", "shrunken_rank"] == 7


def test_shrunken_ranks_follow_the_true_ranks_better_than_raw_ranks():
    """40 units of 5-60 responses, 50 replications: shrinkage wins on rank correlation and on error."""
    rng = np.random.default_rng(20240611)
    raw_rho, shrunk_rho, raw_err, shrunk_err = [], [], [], []
    for _ in range(50):
        df, true = simulated(rng, units=40, concentration=20.0)
        t = league_table(df, "unit", n_draws=200).set_index("unit").sort_index()
        raw_rho.append(spearmanr(t["nps"], true)[0])
        shrunk_rho.append(spearmanr(t["shrunken_nps"], true)[0])
        raw_err.append(np.sqrt(np.mean((t["nps"] - true) ** 2)))
        shrunk_err.append(np.sqrt(np.mean((t["shrunken_nps"] - true) ** 2)))
    gain = np.array(shrunk_rho) - np.array(raw_rho)
    # over 30 seeds the mean gain was 0.016-0.035 (raw rho about 0.64), shrinkage won in 68-90% of replications
    # and its RMSE was at most 0.64 of the raw RMSE
    assert gain.mean() > 0.01
    assert (gain > 0).mean() > 0.6
    assert np.mean(shrunk_err) < 0.8 * np.mean(raw_err)


# ----------------------------------------------------------------------------- league_table: behaviour
def test_missing_scores_are_dropped_and_counted_and_missing_units_kept():
    df = frame({"a": (3, 1, 0), "b": (1, 1, 2)})
    df.loc[len(df)] = ["a", np.nan]
    df.loc[len(df)] = ["c", np.nan]  # a unit with no score at all: no row, n = 0 is impossible
    df.loc[len(df)] = [None, 9]
    t = league_table(df, "unit", prior=5)
    assert t.attrs["missing_scores"] == 2
    assert sorted(t["unit"]) == ["(missing)", "a", "b"]
    assert (t["n"] > 0).all()
    assert t.set_index("unit").loc["a", "n"] == 4


def test_same_seed_same_table_and_input_unchanged():
    df = frame({"a": (3, 1, 0), "b": (1, 1, 2), "c": (2, 2, 2)}, column="agent")
    before = df.copy()
    one = league_table(df, "agent", random_state=7)
    pd.testing.assert_frame_equal(one, league_table(df, "agent", random_state=7))
    pd.testing.assert_frame_equal(df, before)
    gen = league_table(df, "agent", random_state=np.random.default_rng(7))
    assert list(gen.columns) == list(one.columns)
    assert one.columns[0] == "agent"


def test_scale_1_10_is_passed_on():
    df = pd.DataFrame({"unit": ["a", "a", "b", "b"], "score": [1, 10, 9, 10]})
    t = league_table(df, "unit", scale="1-10", prior=4).set_index("unit")
    assert t.loc["a", "nps"] == 0.0 and t.loc["b", "nps"] == 100.0
    with pytest.raises(ParameterError, match="0 is not on the 1-10 scale"):
        league_table(df.assign(score=[0, 10, 9, 10]), "unit", scale="1-10")


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"unit": "team"}, ColumnError, r"Column 'team' \(given as unit\) not found; available columns: \['unit', 'score'\]"),
    ({"unit": "unit", "score": "nps"}, ColumnError, r"Column 'nps' \(given as score\) not found"),
    ({"unit": "unit", "prior": "flat"}, ParameterError, r"prior must be 'dirichlet' .* got 'flat'"),
    ({"unit": "unit", "prior": -1}, ParameterError, r"prior must be .*a positive number.* got -1"),
    ({"unit": "unit", "n_draws": 10}, ParameterError, r"n_draws must be a whole number of at least 100, got 10"),
    ({"unit": "unit", "level": 95}, ParameterError, r"level must be between 0 and 1.*level=0.95"),
    ({"unit": "unit", "min_n": -3}, ParameterError, r"min_n must be a non-negative integer, got -3"),
    ({"unit": "unit", "random_state": "seed"}, ParameterError, r"random_state must be .* got 'seed'"),
])
def test_league_table_errors_name_the_problem_and_the_fix(kwargs, error, match):
    df = frame({"a": (3, 1, 0), "b": (1, 1, 2)})
    with pytest.raises(error, match=match):
        league_table(df, **kwargs)


def test_no_scores_at_all_is_an_error():
    df = pd.DataFrame({"unit": ["a", "b"], "score": [np.nan, np.nan]})
    with pytest.raises(ParameterError, match=r"Column 'score' holds no scores \(2 row\(s\), all missing\)"):
        league_table(df, "unit")
    with pytest.raises(ParameterError, match="responses must be a pandas DataFrame, got list"):
        league_table([1, 2], "unit")
    with pytest.raises(ParameterError, match=r"counts must be a 2-D table .* got shape \(3,\)"):
        dirichlet_concentration([1, 2, 3])


# ----------------------------------------------------------------------------- funnel_data
def test_funnel_limits_are_overall_nps_plus_minus_z_standard_errors():
    df = frame({"a": (45, 0, 5), "b": (15, 0, 35), "c": (20, 10, 10)})  # overall p = 80/140, d = 50/140
    f = funnel_data(df, "unit", n_grid=5)
    p, d = 80 / 140, 50 / 140
    overall = 100 * (p - d)
    sd = 100 * math.sqrt(p + d - (p - d) ** 2)
    assert f.overall_nps == pytest.approx(overall)
    assert f.limits["n"].tolist() == pytest.approx([40, 40 * 1.25 ** 0.25, 40 * 1.25 ** 0.5, 40 * 1.25 ** 0.75, 50])
    assert f.limits["upper_95"].tolist() == pytest.approx(overall + 1.959964 * sd / np.sqrt(f.limits["n"]))
    assert f.limits["lower_998"].tolist() == pytest.approx(overall - 3.090232 * sd / np.sqrt(f.limits["n"]))
    u = f.units.set_index("unit")
    assert u["nps"].tolist() == pytest.approx([80.0, -40.0, 25.0])
    assert u.loc["c", "upper_95"] == pytest.approx(overall + 1.959964 * sd / math.sqrt(40))
    assert u["z_score"].tolist() == pytest.approx([(x - overall) / (sd / math.sqrt(k)) for x, k in
                                                   ((80, 50), (-40, 50), (25, 40))])
    assert u["outside_95"].tolist() == [True, True, False]
    assert u["outside_998"].tolist() == [True, True, False]
    assert f.to_frame() is f.units
    assert f.to_dict()["units"][0]["unit"] == "a"
    assert f.summary() == ("3 units around an overall NPS of 21.4: 2 outside the 95% limits, "
                           "2 outside the 99.8% limits.")


def test_funnel_limits_stay_within_the_nps_range_and_take_other_levels():
    df = frame({"a": (1, 0, 0), "b": (30, 10, 10)})
    f = funnel_data(df, "unit", levels=(0.9,))
    assert list(f.limits.columns) == ["n", "lower_90", "upper_90"]
    assert f.limits[["lower_90", "upper_90"]].abs().max().max() <= 100
    assert f.units["outside_90"].tolist() == [False, False]


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"levels": ()}, r"levels must name at least one level, got \(\)"),
    ({"levels": (0.95, 0.95)}, r"levels must differ, got \(0.95, 0.95\)"),
    ({"levels": (95,)}, r"level must be between 0 and 1"),
    ({"n_grid": 1}, r"n_grid must be a whole number of at least 2, got 1"),
])
def test_funnel_errors(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        funnel_data(frame({"a": (3, 1, 0), "b": (1, 1, 2)}), "unit", **kwargs)
