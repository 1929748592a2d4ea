"""Benchmarks: own NPS against a fixed number, a sample and an interval, by hand; benchmark tables, German ones too."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from nps_text.errors import ColumnError, ParameterError, SurveyFileError
from nps_text.programme.benchmark import (
    BENCHMARK_COLUMNS,
    compare_to_benchmark,
    compare_to_benchmarks,
    holm_pvalues,
    read_benchmarks,
)

Z = norm.ppf(0.975)
SCORES = [10] * 50 + [8] * 40 + [3] * 10  # 50 promoters, 40 passives, 10 detractors: NPS 40 from 100


def _adjusted(P: int, A: int, D: int) -> tuple[float, float]:
    """Rocks (2016) adjusted centre and SE, in points."""
    n = P + A + D + 3
    p, d = (P + 0.75) / n, (D + 0.75) / n
    return 100 * (p - d), 100 * math.sqrt((p + d - (p - d) ** 2) / n)


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


# ----------------------------------------------------------------------------- one benchmark, by hand
def test_nps_40_on_100_against_a_fixed_30_by_hand():
    center, se = _adjusted(50, 40, 10)
    r = compare_to_benchmark(SCORES, 30)
    assert (r.n, r.nps, r.difference) == (100, 40.0, 10.0)
    assert (r.treated_as, r.basis, r.benchmark_se) == ("fixed", "fixed", 0.0)
    assert r.se == pytest.approx(se)
    assert r.z == pytest.approx((center - 30) / se)
    assert r.p_value == pytest.approx(2 * norm.sf((center - 30) / se))
    assert r.difference_low == pytest.approx(center - 30 - Z * se)
    assert r.difference_high == pytest.approx(center - 30 + Z * se)
    assert r.verdict == "not distinguishable from the benchmark"
    assert "treated as a fixed number" in r.warning


def test_a_benchmark_with_n_adds_its_conservative_variance():
    center, se_own = _adjusted(50, 40, 10)
    se_b = 100 * math.sqrt((1 - 0.3 ** 2) / 200)  # no passives assumed: the largest variance with NPS 30
    r = compare_to_benchmark(SCORES, 30, 200)
    assert (r.treated_as, r.basis, r.benchmark_n) == ("sample", "n", 200)
    assert r.benchmark_se == pytest.approx(se_b)
    assert r.se == pytest.approx(math.hypot(se_own, se_b))
    assert r.p_value == pytest.approx(2 * norm.sf((center - 30) / math.hypot(se_own, se_b)))
    assert r.warning is None
    assumed = compare_to_benchmark(SCORES, 30, 200, benchmark_passives=0.4)
    assert assumed.benchmark_se == pytest.approx(100 * math.sqrt((0.6 - 0.09) / 200))
    assert assumed.benchmark_se < r.benchmark_se


def test_a_published_interval_gives_the_benchmark_se_and_wins_over_n():
    r = compare_to_benchmark(SCORES, 30, 50, benchmark_interval=(25.0, 35.0))
    assert (r.treated_as, r.basis) == ("sample", "interval")
    assert r.benchmark_se == pytest.approx(10 / (2 * Z))
    at_90 = compare_to_benchmark(SCORES, 30, benchmark_interval=(25.0, 35.0), benchmark_level=0.90)
    assert at_90.benchmark_se == pytest.approx(10 / (2 * norm.ppf(0.95)))


def test_verdicts_above_and_below_follow_the_interval():
    many = [10] * 500 + [8] * 400 + [3] * 100
    above, below = compare_to_benchmark(many, 30, 5000), compare_to_benchmark(many, 50, 5000)
    assert above.verdict == "above the benchmark" and above.difference_low > 0 and above.p_value < 0.05
    assert below.verdict == "below the benchmark" and below.difference_high < 0 and below.p_value < 0.05


def test_no_responses_and_missing_scores():
    r = compare_to_benchmark([None, None], 30)
    assert r.n == 0 and math.isnan(r.nps) and math.isnan(r.p_value)
    assert r.verdict == "not distinguishable from the benchmark"
    assert r.warning.startswith("No responses")
    assert compare_to_benchmark(SCORES + [None], 30).n == 100


def test_the_1_10_scale_and_the_result_object():
    r = compare_to_benchmark([1, 10, 10], -20, name="Branche", scale="1-10")
    assert r.n == 3 and "Only 3 responses" in r.warning
    with pytest.raises(ParameterError, match=r"0 is not on the 1-10 scale"):
        compare_to_benchmark([0, 10], 30, scale="1-10")
    d = compare_to_benchmark(SCORES, 30, name="Branche").to_dict()
    json.dumps(d)
    assert d["name"] == "Branche" and d["verdict"] == "not distinguishable from the benchmark"
    assert "benchmark 'Branche'" in compare_to_benchmark(SCORES, 30, name="Branche").summary()
    assert compare_to_benchmark(SCORES, 30).to_frame().shape[0] == 1


@pytest.mark.parametrize("kwargs, match", [
    ({"benchmark_nps": 150}, r"benchmark_nps must be an NPS in points between -100 and 100, got 150"),
    ({"benchmark_nps": "30"}, r"benchmark_nps must be an NPS in points"),
    ({"benchmark_nps": 30, "benchmark_n": 0}, r"benchmark_n must be a positive whole number of respondents, got 0"),
    ({"benchmark_nps": 30, "benchmark_n": 10.5}, r"benchmark_n must be a positive whole number.*got 10.5"),
    ({"benchmark_nps": 30, "benchmark_interval": (35, 25)},
     r"benchmark_interval must be \(low, high\).*got \(35, 25\)"),
    ({"benchmark_nps": 30, "benchmark_interval": (35, 45)}, r"holding benchmark_nps=30"),
    ({"benchmark_nps": 30, "benchmark_interval": 5}, r"benchmark_interval must be \(low, high\)"),
    ({"benchmark_nps": 30, "benchmark_passives": 0.9}, r"benchmark_passives must be .* between 0 and 0.7 .* got 0.9"),
    ({"benchmark_nps": 30, "level": 95}, r"level must be between 0 and 1 \(exclusive\), got 95"),
    ({"benchmark_nps": 30, "benchmark_level": 1.5}, r"level must be between 0 and 1"),
])
def test_parameter_errors_name_the_value_and_the_fix(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        compare_to_benchmark(SCORES, **kwargs)


# ----------------------------------------------------------------------------- benchmark tables
def test_read_benchmarks_german_semicolon_cp1252(tmp_path):
    text = ("Name;NPS;Stichprobe;Untergrenze;Obergrenze;Quelle;Jahr\n"
            "Branche Energie;31,5;1.200;;;Studie Ä;2024\n"
            "Wettbewerber Müller;\u221212;;-20;-4;Website;2023\n"
            "Markt;25;;;;;\n")
    table = read_benchmarks(_write(tmp_path / "benchmarks.csv", text.replace("\u2212", "-"), "cp1252"))
    assert table.columns.tolist() == BENCHMARK_COLUMNS
    assert table["name"].tolist() == ["Branche Energie", "Wettbewerber Müller", "Markt"]
    assert table["nps"].tolist() == [31.5, -12.0, 25.0]
    assert table["n"].tolist() == [1200, pd.NA, pd.NA]
    assert table["ci_low"].iloc[1] == -20.0 and table["ci_high"].iloc[1] == -4.0
    assert table["source"].iloc[0] == "Studie Ä" and table["year"].tolist() == [2024, 2023, pd.NA]
    assert str(table["n"].dtype) == "Int64"


def test_read_benchmarks_english_keeps_other_columns(tmp_path):
    text = ("name,nps,n,ci_low,ci_high,source,year,notes\nIndustry,30,800,,,Report,2024,telecom\n"
            "Rival,\u221212,\"1,500\",,,,,\n")
    table = read_benchmarks(_write(tmp_path / "b.csv", text))
    assert table.columns.tolist() == [*BENCHMARK_COLUMNS, "notes"]
    assert table.loc[1, "nps"] == -12.0 and table.loc[1, "n"] == 1500  # a typographic minus, a thousands comma
    assert table.loc[0, "notes"] == "telecom" and table.loc[0, "n"] == 800


@pytest.mark.parametrize("text, error, match", [
    ("Name;Quelle\nA;x\n", ColumnError, r"lacks the column\(s\) \['nps'\]; its columns: \['Name', 'Quelle'\]"),
    ("Name;NPS;Score\nA;1;2\n", ColumnError, r"more than one column could be the 'nps' column: \['NPS', 'Score'\]"),
    ("Name;NPS\n", ParameterError, r"holds no benchmarks"),
    ("Name;NPS\nA;abc\n", ParameterError, r"row 2: nps 'abc' is not an NPS in points between -100 and 100"),
    ("Name;NPS\nA;150\n", ParameterError, r"row 2: nps '150' is not an NPS"),
    ("Name;NPS;n\nA;30;-5\n", ParameterError, r"row 2: n '-5' is not a positive whole number"),
    ("Name;NPS;n\nA;30;12,5\n", ParameterError, r"row 2: n '12,5' is not a positive whole number"),
    ("Name;NPS;ci_low\nA;30;20\n", ParameterError, r"row 2: give both ci_low and ci_high, or neither"),
    ("Name;NPS;ci_low;ci_high\nA;30;35;40\n", ParameterError, r"row 2: the interval \('35', '40'\) must hold the nps"),
    ("Name;NPS;Jahr\nA;30;2024a\n", ParameterError, r"row 2: year '2024a' is not a whole number"),
    ("Name;NPS\n;30\n", ParameterError, r"row 2: the name is empty"),
    ("Name;NPS\nA;30\nA;31\n", ParameterError, r"the name\(s\) \['A'\] appear more than once"),
])
def test_read_benchmarks_errors(tmp_path, text, error, match):
    with pytest.raises(error, match=match):
        read_benchmarks(_write(tmp_path / "bench.csv", text))


def test_read_benchmarks_lists_several_problems_at_once(tmp_path):
    text = "Name;NPS\nA;x\nB;y\nC;z\nD;w\nE;v\nF;u\n"
    with pytest.raises(ParameterError, match=r"row 2: .*row 6: .*\(and 1 more\)\. Correct the table"):
        read_benchmarks(_write(tmp_path / "bench.csv", text))


def test_read_benchmarks_missing_file(tmp_path):
    with pytest.raises(SurveyFileError, match=r"does not exist"):
        read_benchmarks(tmp_path / "nope.csv")


def test_compare_to_benchmarks_rows_match_single_comparisons_and_holm_by_hand(tmp_path):
    table = pd.DataFrame({"name": ["fixed 30", "sample 25", "interval 33"], "nps": [30.0, 25.0, 33.0],
                          "n": [None, 2000, None], "ci_low": [None, None, 31.0], "ci_high": [None, None, 35.0],
                          "source": ["a", "b", "c"], "year": [2024, 2023, None]})
    out = compare_to_benchmarks(SCORES, table)
    singles = [compare_to_benchmark(SCORES, 30), compare_to_benchmark(SCORES, 25, 2000),
               compare_to_benchmark(SCORES, 33, benchmark_interval=(31, 35))]
    assert out["name"].tolist() == table["name"].tolist()
    assert out["treated_as"].tolist() == ["fixed", "sample", "sample"]
    assert out["basis"].tolist() == ["fixed", "n", "interval"]
    assert out["p_value"].tolist() == pytest.approx([s.p_value for s in singles])
    assert out["difference_low"].tolist() == pytest.approx([s.difference_low for s in singles])
    p = np.array([s.p_value for s in singles])
    order = np.argsort(p)
    holm = np.maximum.accumulate(np.minimum(p[order] * np.array([3, 2, 1]), 1))
    expected = np.empty(3)
    expected[order] = holm
    assert out["p_holm"].to_numpy() == pytest.approx(expected)
    # the verdict is the Holm-adjusted one: 'sample 25' is below 0.05 alone, not after the adjustment
    assert singles[1].verdict == "above the benchmark" and out.loc[1, "p_holm"] > 0.05
    assert out.loc[1, "verdict"] == "not distinguishable from the benchmark"
    path = _write(tmp_path / "b.csv", "Name;NPS;Stichprobe\nfixed 30;30;\nsample 25;25;2000\n")
    assert compare_to_benchmarks(SCORES, path)["p_value"].tolist() == pytest.approx([p[0], p[1]])


def test_compare_to_benchmarks_errors():
    with pytest.raises(ParameterError, match=r"table must be a DataFrame of benchmarks or the path.*got list"):
        compare_to_benchmarks(SCORES, [30])
    with pytest.raises(ColumnError, match=r"The benchmark table lacks the column\(s\) \['name'\]"):
        compare_to_benchmarks(SCORES, pd.DataFrame({"nps": [30]}))
    with pytest.raises(ParameterError, match=r"row 1: nps 300.0 is not an NPS"):
        compare_to_benchmarks(SCORES, pd.DataFrame({"name": ["x"], "nps": [300.0]}))


def test_inputs_are_not_modified():
    table = pd.DataFrame({"Name": ["A"], "NPS": ["31,5"], "n": [100]})
    before = table.copy()
    scores = pd.Series(SCORES)
    compare_to_benchmarks(scores, table)
    pd.testing.assert_frame_equal(table, before)
    assert scores.tolist() == SCORES


def test_holm_by_hand():
    assert holm_pvalues([0.01, 0.04, 0.03]).tolist() == pytest.approx([0.03, 0.06, 0.06])
    assert np.isnan(holm_pvalues([np.nan, 0.5])[0]) and holm_pvalues([np.nan, 0.5])[1] == 0.5
