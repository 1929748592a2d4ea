"""Indifferent themes: the TOST by hand, and indifferent / matters / inconclusive on planted themes."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy.stats import norm

from nps_text.drivers import theme_table
from nps_text.errors import ParameterError
from nps_text.programme.indifferent import INDIFFERENT_COLUMNS, indifferent_themes


def _adjusted(P: int, A: int, D: int) -> tuple[float, float]:
    n = P + A + D + 3
    p, d = (P + 0.75) / n, (D + 0.75) / n
    return 100 * (p - d), 100 * math.sqrt((p + d - (p - d) ** 2) / n)


def _responses(scores: list[int]) -> pd.DataFrame:
    return pd.DataFrame({"response_id": [f"r{i}" for i in range(len(scores))], "score": scores,
                         "comment": "ein Kommentar"})


def _planted() -> tuple[pd.DataFrame, pd.DataFrame]:
    """10,000 respondents (2,000 detractors, 3,000 passives, 5,000 promoters) and four planted themes.

    app: 40% of every group (no effect, many mentions); price: 60% of detractors, 20% of passives,
    5% of promoters (strong); packaging: 6% of every group (no effect, but few mentions); gift: 1%.
    """
    scores = [3] * 2000 + [8] * 3000 + [10] * 5000
    r = _responses(scores)
    rows = []
    for group, start, size in ((0, 0, 2000), (1, 2000, 3000), (2, 5000, 5000)):
        for j in range(size):
            rid = f"r{start + j}"
            if j % 5 < 2:
                rows.append((rid, "app"))
            if j % 20 < (12, 4, 1)[group]:
                rows.append((rid, "price"))
            if j % 50 < 3:
                rows.append((rid, "packaging"))
            if j % 100 == 7:
                rows.append((rid, "gift"))
    return r, pd.DataFrame(rows, columns=["response_id", "theme"])


def test_tost_p_values_and_interval_by_hand():
    # 100 mentioners and 100 others, both 40 promoters, 30 passives, 30 detractors: no difference
    scores = [10] * 40 + [8] * 30 + [3] * 30
    r = _responses(scores * 2)
    m = pd.DataFrame({"response_id": [f"r{i}" for i in range(100)], "theme": "app"})
    _, se_group = _adjusted(40, 30, 30)
    se = math.sqrt(2) * se_group
    z = norm.ppf(0.95)
    t = indifferent_themes(r, m, margin=20)
    row = t.iloc[0]
    assert (row["n"], row["share"], row["estimate"], row["measure"]) == (100, 0.5, 0.0, "difference")
    assert row["se"] == pytest.approx(se)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((-z * se, z * se))  # ±18.97: inside ±20
    assert row["p_lower"] == pytest.approx(norm.sf(20 / se)) and row["p_upper"] == pytest.approx(norm.cdf(-20 / se))
    assert row["p_equivalence"] == pytest.approx(0.0414, abs=1e-4) and row["verdict"] == "indifferent"
    assert indifferent_themes(r, m, margin=15).loc[0, "verdict"] == "inconclusive"  # ±18.97 is not inside ±15
    assert t.columns.tolist() == INDIFFERENT_COLUMNS


def test_planted_themes_indifferent_matters_inconclusive_and_rare():
    r, m = _planted()
    t = indifferent_themes(r, m, margin=5.0).set_index("theme")
    assert t.index.tolist() == ["app", "price", "packaging"]  # most mentioned first; gift left out
    assert t.attrs["rare"] == ["gift"] and t.attrs["alpha"] == pytest.approx(0.05)
    app, price, packaging = t.loc["app"], t.loc["price"], t.loc["packaging"]
    assert app["verdict"] == "indifferent"
    assert -5 < app["ci_low"] and app["ci_high"] < 5 and max(app["p_lower"], app["p_upper"]) < 0.05
    assert price["verdict"] == "matters" and price["ci_high"] < -5
    assert packaging["verdict"] == "inconclusive" and packaging["ci_low"] < -5 < 5 < packaging["ci_high"]
    assert packaging["p_value_zero"] > 0.5  # not significant, and yet not shown to be irrelevant
    assert "gift" in indifferent_themes(r, m, margin=5.0, min_share=0.0)["theme"].tolist()


def test_the_impact_measure_uses_the_driver_table():
    r, m = _planted()
    t = indifferent_themes(r, m, measure="impact", margin=2.0).set_index("theme")
    drivers = theme_table(r, m, level=0.90).set_index("theme")
    for theme in t.index:
        assert t.loc[theme, "estimate"] == pytest.approx(drivers.loc[theme, "impact"])
        assert t.loc[theme, "se"] == pytest.approx(drivers.loc[theme, "impact_se"])
        assert t.loc[theme, "ci_low"] == pytest.approx(drivers.loc[theme, "impact_low"])
    assert t.loc["price", "verdict"] == "matters" and t.loc["app", "verdict"] == "indifferent"
    assert t.loc["packaging", "verdict"] == "indifferent"  # a rare theme barely moves the NPS


def test_a_polarised_theme_is_judged_by_sentiment():
    scores = [10] * 300 + [8] * 300 + [3] * 300
    r = _responses(scores)
    m = pd.DataFrame({"response_id": [f"r{i}" for i in list(range(0, 300, 2)) + list(range(600, 900, 2))],
                      "theme": "price", "sentiment": ["positive"] * 150 + ["negative"] * 150})
    split = indifferent_themes(r, m).set_index("theme")
    assert split.loc["price (positive)", "verdict"] == split.loc["price (negative)", "verdict"] == "matters"
    pooled = indifferent_themes(r, m, sentiment=False, margin=15)
    assert pooled.loc[0, "estimate"] == pytest.approx(0.0) and pooled.loc[0, "verdict"] == "indifferent"


def test_inputs_are_not_modified():
    r, m = _planted()
    before_r, before_m = r.copy(), m.copy()
    indifferent_themes(r, m)
    pd.testing.assert_frame_equal(r, before_r)
    pd.testing.assert_frame_equal(m, before_m)


@pytest.mark.parametrize("kwargs, match", [
    ({"margin": 0}, r"margin must be a positive number of NPS points \(at most 200\), got 0\. Pass e\.g\. margin=5"),
    ({"margin": -1}, r"margin must be a positive number of NPS points .*got -1"),
    ({"margin": "5"}, r"margin must be a positive number .*got '5'"),
    ({"margin": 300}, r"margin must be .*\(at most 200\), got 300"),
    ({"min_share": 5}, r"min_share must be a share from 0 to 1 \(exclusive\), got 5\. Pass min_share=0\.05 for 5%"),
    ({"min_share": -0.1}, r"min_share must be a share .*got -0\.1\. Pass e\.g\. min_share=0\.05"),
    ({"measure": "odds"}, r"measure must be one of \['difference', 'impact'\], got 'odds'"),
    ({"level": 90}, r"level must be between 0 and 1 \(exclusive\), got 90\. Pass level=0\.9"),
    ({"min_n": -3}, r"min_n must be a non-negative integer, got -3"),
    ({"base": "some"}, r"base must be one of \['commented', 'all'\], got 'some'"),
])
def test_errors_name_the_value_and_the_fix(kwargs, match):
    r, m = _responses([10, 3]), pd.DataFrame({"response_id": ["r0"], "theme": ["app"]})
    with pytest.raises(ParameterError, match=match):
        indifferent_themes(r, m, **kwargs)
