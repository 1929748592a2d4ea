"""Brands: NPS and pairwise tests from known counts, and a competitor ahead because of price."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from nps_text._core.results import to_jsonable
from nps_text.errors import ColumnError, ParameterError
from nps_text.programme.brands import BRAND_KEYS, GAP_COLUMNS, THEME_COLUMNS, compare_brands
from nps_text.stats import compare_nps, nps_from_counts


def _scores(P: int, A: int, D: int) -> list[int]:
    return [10] * P + [8] * A + [3] * D


def _brands(counts: dict[str, tuple[int, int, int]]) -> pd.DataFrame:
    rows = [(brand, s) for brand, c in counts.items() for s in _scores(*c)]
    return pd.DataFrame({"response_id": [f"r{i}" for i in range(len(rows))], "brand": [b for b, _ in rows],
                         "score": [s for _, s in rows], "comment": "a comment"})


COUNTS = {"A": (30, 10, 10), "B": (10, 20, 20), "C": (20, 20, 10)}


def simulate(seed: int = 0, n: int = 600, polarity: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """'us' and 'them' share every theme's effect; 'them' is ahead because of price.

    Without ``polarity``: 45% of 'us' mention price (which goes with detractors), 10% of 'them'.
    With ``polarity``: both mention price as often, but 'them' mostly praises it (positive mentions go
    with promoters) while 'us' mostly complains. Service and delivery are noise in both brands.
    """
    rng = np.random.default_rng(seed)
    rows, mentions = [], []
    for brand in ("us", "them"):
        for i in range(n):
            rid = f"{brand}{i}"
            price = rng.random() < (0.4 if polarity else {"us": 0.45, "them": 0.10}[brand])
            positive = polarity and price and rng.random() < {"us": 0.1, "them": 0.8}[brand]
            probs = [0.6, 0.3, 0.1] if price and not positive else [0.1, 0.3, 0.6] if positive else [0.15, 0.35, 0.5]
            rows.append((rid, brand, [3, 8, 10][rng.choice(3, p=probs)], "a comment"))
            if price:
                mentions.append((rid, "price", "positive" if positive else "negative"))
            for theme, share in (("service", 0.3), ("delivery", 0.2)):
                if rng.random() < share:
                    mentions.append((rid, theme, "neutral"))
    m = pd.DataFrame(mentions, columns=["response_id", "theme", "sentiment"])
    return pd.DataFrame(rows, columns=["response_id", "brand", "score", "comment"]), m if polarity else m.drop(
        columns="sentiment")


# ----------------------------------------------------------------------------- known counts
def test_brand_nps_and_intervals_from_known_counts():
    out = compare_brands(_brands(COUNTS), "brand")
    assert out.brands["brand"].tolist() == ["A", "C", "B"]  # highest NPS first
    assert out.brands["rank"].tolist() == [1, 2, 3]
    for row in out.brands.itertuples():
        ref = nps_from_counts(*COUNTS[row.brand])
        assert (row.n, row.nps) == (ref.n, ref.nps)
        assert (row.ci_low, row.ci_high) == pytest.approx((ref.ci_low, ref.ci_high))
    assert out.brands["nps"].tolist() == [40.0, 20.0, -20.0]


def test_pairwise_tests_match_compare_nps_and_are_holm_corrected_by_hand():
    out = compare_brands(_brands(COUNTS), "brand")
    pairs = out.pairs
    assert list(zip(pairs["brand_a"], pairs["brand_b"])) == [("A", "C"), ("A", "B"), ("C", "B")]
    for row in pairs.itertuples():
        ref = compare_nps(_scores(*COUNTS[row.brand_a]), _scores(*COUNTS[row.brand_b]))
        assert row.difference == ref.difference and row.test == ref.test == "z"
        assert row.p_value == pytest.approx(ref.p_value)
        assert (row.difference_low, row.difference_high) == pytest.approx((ref.ci_low, ref.ci_high))
    assert pairs["difference"].tolist() == [20.0, 60.0, 40.0]
    p = pairs["p_value"].to_numpy()
    order = np.argsort(p)
    expected = np.empty(3)
    expected[order] = np.minimum(np.maximum.accumulate(p[order] * np.array([3, 2, 1])), 1)
    assert pairs["p_holm"].to_numpy() == pytest.approx(expected)
    assert pairs["significant"].tolist() == (expected < 0.05).tolist()


def test_small_brands_use_the_exact_test_and_are_flagged():
    r = _brands({"x": (3, 0, 0), "y": (0, 0, 3)})
    out = compare_brands(r, "brand")
    assert out.pairs.loc[0, "test"] == "exact"
    assert out.pairs.loc[0, "p_value"] == pytest.approx(compare_nps([10] * 3, [3] * 3).p_value)  # 0.1
    assert out.brands["small_n"].all()
    assert out.themes.columns.tolist() == ["brand", *THEME_COLUMNS] and out.themes.empty
    assert out.gap.columns.tolist() == GAP_COLUMNS and out.gap.empty


# ----------------------------------------------------------------------------- why the competitor is ahead
def test_a_competitor_ahead_because_it_is_mentioned_less_for_price():
    r, m = simulate()
    out = compare_brands(r, "brand", mentions=m, own="us")
    assert out.brands.loc[0, "brand"] == "them" and out.pairs.loc[0, "significant"]
    gap = out.gap
    assert set(gap["brand"]) == {"them"} and set(gap["versus"]) == {"us"}
    top = gap.iloc[0]
    assert (top["rank"], top["theme"], top["explains_gap"]) == (1, "price", True)
    assert top["share_difference"] < -0.25 and top["q_value_share"] < 0.001 and top["contribution"] > 15
    assert top["nps_gap"] == pytest.approx(out.brands.loc[0, "nps"] - out.brands.loc[1, "nps"])
    noise = gap[gap["theme"] != "price"]
    assert (noise["contribution"].abs() < 5).all()
    # the impact gap splits exactly into the share part and the effect part
    total = gap["contribution"] + gap["contribution_effect"]
    assert total.to_numpy() == pytest.approx(gap["impact_difference"].to_numpy())
    assert "them vs us" in out.summary() and "price" in out.summary()


def test_without_own_the_leader_is_the_reference_and_the_ranking_follows_the_gap():
    r, m = simulate(seed=1)
    out = compare_brands(r, "brand", mentions=m)
    assert out.own is None
    gap = out.gap
    assert set(gap["versus"]) == {"them"} and (gap["nps_gap"] < 0).all()
    assert gap.iloc[0]["theme"] == "price" and gap.iloc[0]["contribution"] < 0  # why 'us' scores lower


def test_a_competitor_whose_price_mentions_are_more_positive():
    r, m = simulate(seed=2, polarity=True)
    out = compare_brands(r, "brand", mentions=m, own="us")
    assert {"price (negative)", "price (positive)"} <= set(out.themes["theme"])
    top = out.gap.iloc[0]
    assert top["theme_id"] == "price" and top["explains_gap"]
    assert set(out.gap.iloc[:2]["theme_id"]) == {"price"}


def test_theme_table_is_a_full_brand_by_theme_grid():
    r = _brands({"x": (2, 1, 1), "y": (1, 1, 2)})
    m = pd.DataFrame({"response_id": ["r0", "r3"], "theme": ["service", "price"]})  # both in brand x
    out = compare_brands(r, "brand", mentions=m, min_n=1)
    themes = out.themes.set_index(["brand", "theme"])
    assert len(themes) == 4
    assert themes.loc[("x", "price"), "n"] == 1 and themes.loc[("x", "price"), "share"] == 0.25
    assert themes.loc[("x", "price"), "impact"] == pytest.approx(0.25 * (-100 - 100 * 2 / 3))
    absent = themes.loc[("y", "price")]
    assert (absent["n"], absent["share"], absent["impact"], absent["n_base"]) == (0, 0.0, 0.0, 4)
    assert np.isnan(absent["effect"])


# ----------------------------------------------------------------------------- inputs and errors
def test_rows_without_a_brand_are_left_out_and_counted_and_inputs_are_not_modified():
    r = _brands(COUNTS)
    r.loc[0, "brand"] = None
    before = r.copy()
    out = compare_brands(r, "brand")
    pd.testing.assert_frame_equal(r, before)
    assert out.info["n_no_brand"] == 1 and out.brands["n"].sum() == 149


def test_result_access_and_json():
    out = compare_brands(_brands(COUNTS), "brand", own="B")
    assert out.keys() == BRAND_KEYS and out["pairs"] is out.pairs
    with pytest.raises(KeyError, match=r"'nope': the tables are \['brands', 'pairs', 'themes', 'gap'\]"):
        out["nope"]
    data = out.to_dict()
    json.dumps(to_jsonable(data))
    assert data["own"] == "B" and len(data["pairs"]) == 3
    assert out.to_frame() is out.brands


@pytest.mark.parametrize("call, error, match", [
    (lambda r: compare_brands(r, "marke"), ColumnError,
     r"Column 'marke' \(given as brand\) not found; available columns: \['response_id', 'brand', 'score', 'comment'\]"),
    (lambda r: compare_brands(r.drop(columns="score"), "brand"), ColumnError, r"responses need a 'score' column"),
    (lambda r: compare_brands(r.assign(brand="A"), "brand"), ParameterError,
     r"needs at least two brands in column 'brand', got \['A'\]"),
    (lambda r: compare_brands(r, "brand", own="D"), ParameterError,
     r"own='D' is not a brand of column 'brand'; brands: \['A', 'B', 'C'\]"),
    (lambda r: compare_brands(r.to_dict(), "brand"), ParameterError, r"responses must be a pandas DataFrame, got dict"),
    (lambda r: compare_brands(r, "brand", min_n=-1), ParameterError, r"min_n must be a non-negative integer, got -1"),
    (lambda r: compare_brands(r, "brand", level=95), ParameterError, r"level must be between 0 and 1"),
    (lambda r: compare_brands(r.assign(score=11), "brand"), ParameterError,
     r"scores must be whole numbers from 0 to 10"),
    (lambda r: compare_brands(r, "brand", mentions=pd.DataFrame({"response_id": ["zz"], "theme": ["p"]})),
     ParameterError, r"None of the 1 mentions belongs to a response in the table"),
    (lambda r: compare_brands(r, "brand", mentions=pd.DataFrame({"id": ["r0"]})), ColumnError,
     r"The mentions table lacks \['response_id', 'theme'\]"),
])
def test_errors_name_the_problem_and_the_fix(call, error, match):
    with pytest.raises(error, match=match):
        call(_brands(COUNTS))
