"""Multivariate drivers, relative importance, misclassification correction, close the loop, CLI."""

from __future__ import annotations

import json

import numpy as np
import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from nps_text.cli.main import app
from nps_text.drivers.followup import close_the_loop
from nps_text.drivers.misclassification import (
    correct_misclassification,
    corrected_counts,
)
from nps_text.drivers.models import driver_regression, relative_importance
from nps_text.errors import ParameterError
from nps_text.io.export import write_table
from tests.conftest import REPO
from tests.drivers.test_drivers import _responses, sample  # noqa: F401 - fixture

runner = CliRunner()


def _correlated(n, seed=0):
    """t0 drives scores; t1 has no effect but is mostly co-mentioned with t0."""
    rng = np.random.default_rng(seed)
    t0 = rng.random(n) < 0.2
    t1 = np.where(t0, rng.random(n) < 0.6, rng.random(n) < 0.05)
    latent = 8.0 - 3.0 * t0 + rng.normal(0, 1.5, n)
    r = _responses(np.clip(np.rint(latent), 0, 10).astype(int).tolist())
    rows = [(f"r{i}", "t0") for i in np.nonzero(t0)[0]] + [(f"r{i}", "t1") for i in np.nonzero(t1)[0]]
    return r, pd.DataFrame(rows, columns=["response_id", "theme"])


def test_regression_separates_a_co_mentioned_null_theme():
    from nps_text.drivers.table import theme_table

    r, m = _correlated(3000)
    uni = theme_table(r, m).set_index("theme")
    assert uni.loc["t1", "significant"]  # alone, the null theme looks like a driver (it travels with t0)
    for outcome in ("detractor", "score"):
        model = driver_regression(r, m, outcome=outcome).set_index("term")
        assert model.loc["t0", "significant"] and not model.loc["t1", "significant"]
    assert driver_regression(r, m, outcome="detractor").set_index("term").loc["t0", "odds_ratio"] > 1
    assert driver_regression(r, m, outcome="score").set_index("term").loc["t0", "odds_ratio"] < 1


def test_regression_flags_separation():
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 11, 300)
    scores[:6] = 0
    r = _responses(scores.tolist())
    m = pd.DataFrame({"response_id": [f"r{i}" for i in [*range(6), *range(50, 120)]], "theme": ["sep"] * 6 + ["other"] * 70})
    for outcome in ("detractor", "score"):
        table = driver_regression(r, m, outcome=outcome).set_index("term")
        assert table.loc["sep", "warning"].startswith("Separation") and not table.loc["sep", "significant"]
        assert table.loc["other", "warning"] is None or "Separation" not in table.loc["other", "warning"]


def test_regression_with_segment_controls(sample):  # noqa: F811
    responses, mentions = sample
    model = driver_regression(responses, mentions, outcome="detractor", controls=["customer_type"])
    assert set(model.loc[model["kind"] == "control", "term"]) == {"customer_type=individual", "customer_type=small_business"}
    themes = model[model["kind"] == "theme"].set_index("term")
    assert not themes.loc[["usability (negative)", "usability (positive)"], "significant"].any()
    assert themes["odds_ratio"].idxmax() == "delivery (negative)"
    with pytest.raises(ParameterError, match="outcome must be one of"):
        driver_regression(responses, mentions, outcome="nps")


def test_a_control_that_repeats_another_is_left_out_not_fatal(sample):  # noqa: F811
    responses, mentions = sample
    # "segment" says exactly what customer_type says (like role=(missing) = the individual customers in the sample)
    twin = responses.assign(segment=responses["customer_type"].map(lambda v: f"seg-{v}"))
    model = driver_regression(twin, mentions, outcome="detractor", controls=["customer_type", "segment"])
    controls = set(model.loc[model["kind"] == "control", "term"])
    assert controls == {"customer_type=individual", "customer_type=small_business"}


def test_shapley_equals_squared_correlations_for_orthogonal_drivers():
    # balanced 2 × 2 design: the two indicators are exactly uncorrelated
    t0 = np.tile([0, 0, 1, 1], 50).astype(bool)
    t1 = np.tile([0, 1, 0, 1], 50).astype(bool)
    score = np.where(t0, 3, 9) - np.where(t1, 1, 0) + np.tile([0, 1, 0, 0, 1, 0, 0, 1], 25)
    r = _responses(score.tolist())
    rows = [(f"r{i}", "t0") for i in np.nonzero(t0)[0]] + [(f"r{i}", "t1") for i in np.nonzero(t1)[0]]
    m = pd.DataFrame(rows, columns=["response_id", "theme"])
    ri = relative_importance(r, m, outcome="score").set_index("term")
    for theme, x in (("t0", t0), ("t1", t1)):
        assert ri.loc[theme, "share"] == pytest.approx(np.corrcoef(x, score)[0, 1] ** 2)
    assert ri["share"].sum() == pytest.approx(ri.attrs["r2"], abs=1e-12)


@pytest.mark.parametrize("method,max_exact", [("shapley", 12), ("shapley", 3), ("johnson", 12)])
def test_relative_importance_shares_add_up_to_r2(sample, method, max_exact):  # noqa: F811
    responses, mentions = sample
    ri = relative_importance(responses, mentions, method=method, max_exact=max_exact, n_permutations=200,
                             sentiment=False, controls=["customer_type"])
    X = pd.get_dummies(responses.set_index("response_id")["customer_type"], drop_first=True, dtype=float)
    assert ri["share"].sum() == pytest.approx(ri.attrs["r2"], abs=1e-9)
    assert ri["share_of_r2"].sum() == pytest.approx(1.0, abs=1e-9)
    assert ri.loc[0, "term"] == "delivery" and "(customer_type)" in set(ri["term"])
    assert ri.attrs["method"].startswith("shapley (200" if max_exact == 3 else method)
    # the R² is the OLS R² of the NPS outcome on the drivers and controls
    from nps_text.drivers.models import _design

    frame, design, _, _ = _design(responses, mentions, controls=["customer_type"], base="commented",
                                  sentiment=False, min_mentions=5)
    A = np.column_stack([np.ones(len(design)), design.to_numpy(float)])
    beta, *_ = np.linalg.lstsq(A, frame["_nps"].to_numpy(), rcond=None)
    resid = frame["_nps"].to_numpy() - A @ beta
    assert ri.attrs["r2"] == pytest.approx(1 - resid.var() / frame["_nps"].var(ddof=0))
    del X


def test_corrected_counts_by_hand():
    # P = 0.8, R = 0.5: true = observed * 1.6
    assert corrected_counts([10, 20, 30], [50, 100, 200], precision=0.8, recall=0.5).tolist() == [16.0, 32.0, 48.0]
    # Rogan-Gladen: q = 0.3, Se = 0.8, Sp = 0.9 -> (0.3 + 0.9 - 1) / (0.8 + 0.9 - 1) = 0.2857
    assert corrected_counts([30], [100], precision=None, recall=0.8, specificity=0.9)[0] == pytest.approx(100 * 0.2 / 0.7)
    assert corrected_counts([90], [100], precision=1.0, recall=0.5)[0] == 100  # clipped to the group size


def test_misclassification_correction_recovers_true_prevalence_and_impact(sample):  # noqa: F811
    from nps_text.drivers.table import theme_table

    responses, mentions = sample
    truth = mentions.drop(columns="sentiment")
    true_table = theme_table(responses, truth, sentiment=False).set_index("theme")
    rng = np.random.default_rng(5)
    # a noisy tagger: recall 0.7 (drops 30% of true mentions), plus false mentions of "delivery" on 3% of others
    kept = truth[rng.random(len(truth)) < 0.7]
    commented = responses.loc[responses["comment"].fillna("").str.len() > 3, "response_id"]
    false = commented[rng.random(len(commented)) < 0.03]
    noisy = pd.concat([kept, pd.DataFrame({"response_id": false, "theme": "delivery"})], ignore_index=True)
    tp = kept[kept["theme"] == "delivery"]["response_id"].nunique()
    fp = len(set(false) - set(truth.loc[truth["theme"] == "delivery", "response_id"]))
    support = truth[truth["theme"] == "delivery"]["response_id"].nunique()
    metrics = {"delivery": {"precision": tp / (tp + fp), "recall": tp / support, "support": support}}
    out = correct_misclassification(responses, noisy, metrics, n_boot=1000).set_index("theme")
    row = out.loc["delivery"]
    assert row["method"] == "ppv"
    true_share, true_impact = true_table.loc["delivery", "share"], true_table.loc["delivery", "impact"]
    assert abs(row["share_corrected"] - true_share) < abs(row["share_observed"] - true_share) / 3
    assert abs(row["impact_corrected"] - true_impact) < abs(row["impact_observed"] - true_impact)
    assert row["share_low"] <= true_share <= row["share_high"]
    assert row["impact_low"] <= true_impact <= row["impact_high"]
    assert row["widening"] > 1
    assert out.loc["price", "note"].startswith("no precision/recall")
    with pytest.raises(ParameterError, match="needs the number of labelled texts"):
        correct_misclassification(responses, noisy, metrics, method="rogan-gladen", n_boot=10)
    rg = correct_misclassification(responses, noisy, {"per_label": metrics, "n": len(responses)}, n_boot=200)
    assert rg.set_index("theme").loc["delivery", "method"] == "rogan-gladen"


def test_close_the_loop_orders_redacts_and_exports_formula_safe(tmp_path):
    r = pd.DataFrame({
        "response_id": ["a", "b", "c", "d", "e"], "score": [2, 9, 5, 7, 0],
        "comment": ['=HYPERLINK("http://evil.example","click")', "great", "-5 stars, call me at max@example.org",
                    "ok-ish", "@everyone late"],
        "date": pd.to_datetime(["2025-01-05", "2025-01-02", "2025-01-09", "2025-01-03", "2025-01-01"]),
        "revenue": [10.0, 5.0, 300.0, 50.0, 20.0], "segment": ["x", "y", "x", "y", "y"]})
    m = pd.DataFrame({"response_id": ["a", "e", "e"], "theme": ["delivery", "delivery", "price"]})
    by_sev = close_the_loop(r, m, severity={"delivery": 5, "price": 9}, segments=["segment"])
    assert by_sev["response_id"].tolist() == ["e", "a", "c"]  # severity, then newest first
    assert by_sev.loc[by_sev["response_id"] == "e", "themes"].item() == "delivery; price"
    assert close_the_loop(r, m, priority="value", value="revenue")["response_id"].tolist() == ["c", "e", "a"]
    assert close_the_loop(r, m, priority="recency", groups=["detractor", "passive"])["response_id"].tolist() == \
        ["c", "a", "d", "e"]
    table = close_the_loop(r, m, priority="score", redact_pii=True)
    assert "<EMAIL>" in table.loc[table["response_id"] == "c", "comment"].item()
    write_table(table, tmp_path / "f.csv")
    write_table(table, tmp_path / "f.xlsx")
    csv = pd.read_csv(tmp_path / "f.csv", encoding="utf-8-sig")
    assert set(csv["comment"]) == {"'=HYPERLINK(\"<URL>\",\"click\")", "'-5 stars, call me at <EMAIL>",
                                   "'@everyone late"}
    sheet = openpyxl.load_workbook(tmp_path / "f.xlsx").active
    cells = [c.value for row in sheet.iter_rows() for c in row]
    assert all(not (isinstance(v, str) and v[:1] in "=+-@") for v in cells)
    assert sum(isinstance(v, str) and v.startswith("'=HYPERLINK") for v in cells) == 1
    with pytest.raises(ParameterError, match="priority must be one or more of"):
        close_the_loop(r, m, priority="urgency")
    with pytest.raises(ParameterError, match="priority 'value' needs the customer value column"):
        close_the_loop(r, m, priority="value")


def _mentions_file(tmp_path, sample):  # noqa: F811
    responses, mentions = sample
    path = tmp_path / "mentions.csv"
    write_table(mentions, path)
    return path


def test_cli_drivers_json_has_the_documented_keys(tmp_path, sample):  # noqa: F811
    path = _mentions_file(tmp_path, sample)
    result = runner.invoke(app, ["drivers", str(REPO / "data" / "sample_survey.csv"), "--mentions", str(path),
                                 "--by", "customer_type", "--period", "quarter", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    keys = {"theme", "n", "share", "nps_with", "nps_without", "impact", "impact_low", "impact_high",
            "odds_ratio_detractor", "p_value", "q_value", "significant"}
    assert keys <= set(data["drivers"][0])
    assert data["drivers"][0]["theme"] in ("delivery (negative)", "service (positive)")
    assert data["base"] == "commented" and data["n_base"] < data["n_responses"] == 3000
    assert {row["value"] for row in data["by"]} == {"enterprise", "individual", "small_business"}
    assert {row["period"] for row in data["periods"]} == {"2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"}
    csv = runner.invoke(app, ["drivers", str(REPO / "data" / "sample_survey.csv"), "--mentions", str(path),
                              "--format", "csv"])
    assert csv.exit_code == 0 and csv.stdout.startswith("theme,theme_id,sentiment,n,")


def test_mentions_resaved_by_excel_read_like_the_original(tmp_path, sample):  # noqa: F811
    from nps_text.jobs import read_mentions

    original = read_mentions(_mentions_file(tmp_path, sample))
    excel = tmp_path / "mentions_excel.csv"
    original.to_csv(excel, sep=";", index=False, encoding="cp1252", errors="replace")
    again = read_mentions(excel)
    assert list(again.columns) == list(original.columns) and len(again) == len(original)
    assert again["response_id"].tolist() == original["response_id"].tolist()
    assert again["theme"].tolist() == original["theme"].tolist()
    bad = tmp_path / "metrics.json"
    bad.write_bytes('{"Präzision": 1}'.encode("cp1252"))
    result = runner.invoke(app, ["drivers", str(REPO / "data" / "sample_survey.csv"), "--mentions", str(excel),
                                 "--metrics", str(bad)])
    assert result.exit_code == 2 and "is not UTF-8 text" in result.output


def test_cli_followup_writes_a_safe_xlsx_and_mistakes_exit_2(tmp_path, sample):  # noqa: F811
    path = _mentions_file(tmp_path, sample)
    out = tmp_path / "calls.xlsx"
    survey = str(REPO / "data" / "sample_survey.csv")
    result = runner.invoke(app, ["followup", survey, "--mentions", str(path), "-o", str(out), "--redact",
                                 "--group", "detractor", "--group", "passive", "--by", "customer_type"])
    assert result.exit_code == 0, result.output
    frame = pd.read_excel(out)
    assert set(frame["nps_group"]) == {"detractor", "passive"} and "customer_type" in frame
    assert frame["rank"].tolist() == list(range(1, len(frame) + 1))
    assert (frame["severity"].dropna() == frame["severity"].dropna().round(4)).all()  # rounded like analyze's
    assert not frame["comment"].fillna("").str.contains("@example").any()
    bad = runner.invoke(app, ["followup", survey, "--mentions", str(path), "-o", str(tmp_path / "x.txt")])
    assert bad.exit_code == 2 and "use a .csv or .xlsx file name" in bad.output
    bad = runner.invoke(app, ["drivers", survey, "--mentions", str(tmp_path / "none.csv")])
    assert bad.exit_code == 2 and "Mentions file not found" in bad.output
    bad = runner.invoke(app, ["followup", survey, "--mentions", str(path), "--priority", "value", "-o", str(out)])
    assert bad.exit_code == 2 and "needs the customer value column" in " ".join(bad.output.split())


def test_import_stays_light():
    import subprocess
    import sys

    code = ("import sys, nps_text, nps_text.drivers; "
            "print([m for m in ('statsmodels', 'torch', 'spacy') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_cli_drivers_with_metrics_adds_corrected_estimates(tmp_path, sample):  # noqa: F811
    path = _mentions_file(tmp_path, sample)
    metrics = tmp_path / "eval.json"
    metrics.write_text(json.dumps({"per_label": {"delivery": {"precision": 0.9, "recall": 0.6, "support": 120}},
                                   "n": 500}))
    survey = str(REPO / "data" / "sample_survey.csv")
    result = runner.invoke(app, ["drivers", survey, "--mentions", str(path), "--metrics", str(metrics), "--format", "json"])
    assert result.exit_code == 0, result.output
    corrected = {row["theme"]: row for row in json.loads(result.stdout)["corrected"]}
    assert corrected["delivery"]["method"] == "rogan-gladen"
    assert corrected["delivery"]["share_corrected"] > corrected["delivery"]["share_observed"]
    assert corrected["price"]["impact_corrected"] is None
    (tmp_path / "bad.json").write_text("[1, 2]")
    bad = runner.invoke(app, ["drivers", survey, "--mentions", str(path), "--metrics", str(tmp_path / "bad.json")])
    assert bad.exit_code == 2 and "not the object" in " ".join(bad.output.split())


def test_collinear_themes_get_a_clear_error_and_driver_tables_still_stand():
    from nps_text.jobs import driver_tables

    ids = [str(i) for i in range(60)]
    responses = pd.DataFrame({"response_id": ids, "score": [2, 9, 10] * 20, "comment": ["x y"] * 60})
    mentions = pd.DataFrame({"response_id": ids, "theme": ["price", "service", "service"] * 20})  # one theme each
    with pytest.raises(ParameterError, match="collinear .* exactly one theme"):
        driver_regression(responses, mentions, outcome="score")
    tables = driver_tables(responses, mentions)
    assert "driver_models" not in tables and len(tables["drivers"]) == 2


def test_followup_puts_the_lowest_score_first_among_equally_severe_themes():
    r = pd.DataFrame({"response_id": ["a", "b", "c"], "score": [6, 2, 4], "comment": ["spät", "spät!", "zu spät"],
                      "date": pd.to_datetime(["2025-03-03", "2025-03-01", "2025-03-02"])})
    m = pd.DataFrame({"response_id": ["a", "b", "c"], "sentence_id": 0, "theme": "delivery"})
    assert close_the_loop(r, m, severity={"delivery": 5.0})["response_id"].tolist() == ["b", "c", "a"]
    assert close_the_loop(r, m, severity={"delivery": 5.0}, priority=["severity", "recency"])["response_id"].tolist() \
        == ["a", "c", "b"]
