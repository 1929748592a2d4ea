"""analyze() and `nps-text analyze` with themes: mentions, theme summary, summary.json key."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from typer.testing import CliRunner

from nps_text import analyze, tag_survey
from nps_text.cli.main import app
from nps_text.errors import ParameterError, SurveyFileError
from nps_text.tagging.summary import THEME_SUMMARY_COLUMNS

runner = CliRunner()


def test_analyze_without_themes_is_unchanged(german_export):
    result = analyze(german_export)
    assert "themes" not in result.to_dict() and result.mentions is None and "theme_summary" not in result.tables


def test_analyze_with_the_default_taxonomy(tmp_path, german_export):
    result = analyze(german_export, outdir=tmp_path, taxonomy="default")
    themes = result.to_dict()["themes"]
    assert themes["tagger"] == "rules" and themes["sentiment_method"] == "lexicon"  # 4 responses: too few to learn
    assert themes["mentions"] == len(result.mentions) and themes["responses"] == 4
    rows = {row["theme"]: row for row in themes["by_theme"]}
    assert {"service", "price", "delivery"} <= set(rows)
    assert rows["price"]["respondents"] == 2 and rows["price"]["negative"] >= 1  # "Viel zu teuer"
    assert rows["price"]["nps"] == pytest.approx(0.0)  # a promoter (9,0: "Günstig") and a detractor (3)
    written = sorted(p.name for p in tmp_path.iterdir())
    assert {"mentions.csv", "theme_summary.csv", "summary.json", "nps_tables.xlsx"} <= set(written)
    sheets = pd.read_excel(tmp_path / "nps_tables.xlsx", sheet_name=None)
    assert list(sheets["theme_summary"].columns) == THEME_SUMMARY_COLUMNS
    mentions = pd.read_csv(tmp_path / "mentions.csv", encoding="utf-8-sig")
    assert {"sentiment", "sentiment_score"} <= set(mentions.columns)
    on_disk = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert on_disk["themes"]["by_theme"][0]["theme"] == themes["by_theme"][0]["theme"]
    assert on_disk["n"] == 4  # the NPS keys are still there


def test_tag_survey_sentiment_options(german_export):
    tagged = tag_survey(german_export, sentiment="lexicon")
    assert tagged.sentiment_method == "lexicon" and tagged.mentions["sentiment"].notna().all()
    with pytest.raises(ParameterError, match=r"sentiment must be one of \['auto', 'survey', 'lexicon'\]"):
        tag_survey(german_export, sentiment="stars")
    with pytest.raises(ParameterError, match="got 3 positive and 0 negative; use the lexicon"):
        analyze(pd.DataFrame({"score": [10, 9, 10], "comment": ["super", "gut", "top"]}), taxonomy="default",
                sentiment="survey")


def test_cli_analyze_with_taxonomy(tmp_path, german_export):
    outdir = tmp_path / "out"
    result = runner.invoke(app, ["analyze", str(german_export), "-o", str(outdir), "--taxonomy", "default",
                                 "--redact", "--sentiment", "lexicon"])
    assert result.exit_code == 0, result.output
    assert "Themes (rules; sentiment: lexicon)" in result.stdout and "mentions.csv" in result.stdout
    bad = runner.invoke(app, ["analyze", str(german_export), "-o", str(outdir), "--taxonomy", str(tmp_path / "no.yaml")])
    assert bad.exit_code == 2 and "does not exist" in bad.stderr


def test_analyze_with_a_trained_model(tmp_path, german_export):
    from nps_text.tagging import ThemeClassifier

    texts = ["zu teuer", "viel zu teuer", "Preis zu hoch", "Service super", "freundlicher Kundenservice",
             "Personal nett"] * 3
    labels = [["price"], ["price"], ["price"], ["service"], ["service"], ["service"]] * 3
    ThemeClassifier(embedder="hashing", threshold_folds=0, cache=tmp_path / "c").fit(texts, labels).save(tmp_path / "m")
    result = analyze(german_export, model=tmp_path / "m")
    assert result.to_dict()["themes"]["tagger"].startswith("model ")
    assert set(result.mentions["source"]) == {"classifier"}
    assert set(result.tables["theme_summary"]["theme"]) <= {"price", "service"}
    counts = result.tables["theme_summary"][["positive", "negative", "neutral"]].sum(axis=1)
    assert (counts == result.tables["theme_summary"]["mentions"]).all()  # every mention has a sentiment
    for extra in (["--taxonomy", "default"], ["--method", "zero-shot"]):
        bad = runner.invoke(app, ["analyze", str(german_export), "--model", str(tmp_path / "m"), *extra])
        assert bad.exit_code == 2 and "Pass a trained model OR a taxonomy/method, not both" in bad.stderr


def test_analyze_with_themes_adds_the_drivers(tmp_path, german_export):
    result = analyze(german_export, outdir=tmp_path, taxonomy="default", sentiment="lexicon")
    drivers = result.to_dict()["drivers"]
    assert drivers["base"] == "commented" and drivers["n_base"] == 3  # 4 kept responses, one with no comment
    keys = {"theme", "n", "share", "nps_with", "nps_without", "impact", "impact_low", "impact_high",
            "odds_ratio_detractor", "p_value", "q_value", "significant"}
    assert drivers["drivers"] and keys <= set(drivers["drivers"][0])
    price = next(row for row in drivers["drivers"] if row["theme"] == "price (negative)")
    assert price["n"] == 1 and price["nps_with"] == -100.0  # "Viel zu teuer" is the score-3 detractor
    assert {"drivers.csv", "strengths.csv", "pain_points.csv", "followup.csv"} <= {p.name for p in tmp_path.iterdir()}
    assert "drivers" in pd.read_excel(tmp_path / "nps_tables.xlsx", sheet_name=None)
    quiet = analyze(german_export, taxonomy="default", sentiment="lexicon", drivers=False)
    assert "drivers" not in quiet.to_dict() and "drivers" not in quiet.tables and "themes" in quiet.to_dict()


def test_analyze_skips_discovery_on_a_handful_of_comments(german_export):
    result = analyze(german_export)
    assert "needs at least 50" in result.to_dict()["discovered_themes"]["skipped"] and result.discovery is None


def test_analyze_discovers_themes_and_their_drivers_without_a_taxonomy(tmp_path):
    comments = ["Viel zu teuer", "Lieferung kam zu spät", "Sehr freundliches Personal"]
    frame = pd.DataFrame({"score": [2, 3, 10] * 30, "comment": comments * 30})
    result = analyze(frame, outdir=tmp_path, embedder="hashing", sentiment="lexicon")
    found = result.to_dict()["discovered_themes"]
    assert found["n_themes"] == len(found["themes"]) >= 2 and found["embedder"] == "hashing"
    assert set(result.mentions["source"]) == {"discovery"}
    names = {row["theme"] for row in result.to_dict()["drivers"]["drivers"]}
    top = result.discovery.top_themes
    # "name (sentiment)": the top-level topics in words, split by the clauses' tone; "[key]" only for a shared name
    assert all(re.fullmatch(r".+ \((positive|negative|neutral)\)", n) and "[" not in n for n in names), names
    assert {re.sub(r" \((positive|negative|neutral)\)$", "", n) for n in names} <= set(top["name"])
    promoters = [row for row in result.to_dict()["drivers"]["drivers"] if row["nps_with"] == 100.0]
    assert promoters and promoters[0]["impact"] > 0  # the friendly-staff theme lifts the NPS
    from nps_text.tagging.taxonomy import load_taxonomy

    topics = sum(t["kind"] == "topic" for t in found["themes"] + found["top_themes"])
    assert len(load_taxonomy(tmp_path / "taxonomy_draft.yaml").themes) == topics
    # each clause's theme, as `discover` writes it (a trial looked for it after `analyze`)
    assignments = pd.read_csv(tmp_path / "assignments.csv", encoding="utf-8-sig")
    assert len(assignments) == len(result.sentences) and {"theme", "top_theme", "status"} <= set(assignments)
    assert "discovered_themes" not in analyze(frame, discover=False, sentiment="lexicon").to_dict()


def _survey_with_pii(n: int = 20) -> pd.DataFrame:
    return pd.DataFrame({
        "score": [2, 9, 10, 3] * n,
        "comment": ["Viel zu teuer, ruft mich an: max.mustermann@example.org", "Freundliches Personal",
                    "Lieferung schnell", "Lieferung kam zu spät"] * n,
        "Kundennummer": [f"K-{i:04d}" for i in range(4 * n)],
    })


def test_analyze_redact_reaches_the_followup_list_and_the_quotes(tmp_path):
    result = analyze(_survey_with_pii(), outdir=tmp_path, taxonomy="default", sentiment="lexicon", redact_pii=True)
    followup = result.tables["followup"]
    assert followup["comment"].str.contains("<EMAIL>").any() and not followup["comment"].str.contains("@").any()
    assert "Kundennummer" in followup.columns  # the survey's own columns stay, so someone can call back
    for name in ("pain_points", "strengths"):
        assert not result.tables[name]["quotes"].str.contains("@").any()
    assert "@example" not in (tmp_path / "followup.csv").read_text(encoding="utf-8-sig")


def test_followup_severity_follows_the_negative_driver():
    result = analyze(_survey_with_pii(), taxonomy="default", sentiment="lexicon")
    top = result.tables["followup"].iloc[0]
    assert "(negative)" in top["themes"] and top["severity"] > 0


def test_drivers_are_split_by_lexicon_sentiment_not_by_one_learned_from_the_scores():
    from nps_text.jobs.analyze import AnalysisResult, driver_inputs

    tagged = tag_survey(_survey_with_pii(2), taxonomy="default", sentiment="lexicon")
    learned = tagged.mentions.assign(sentiment="positive")  # as if a score-trained model said so
    result = AnalysisResult(data={}, report=tagged.report, responses=tagged.responses, sentences=tagged.sentences,
                            mentions=learned, sentiment_method="survey")
    again, split = driver_inputs(result)
    assert (again["sentiment"] == tagged.mentions["sentiment"]).all() and (again["sentiment"] == "negative").any()
    assert split is None


def test_filler_comments_do_not_start_discovery_or_break_the_nps():
    frame = pd.DataFrame({"score": [9, 3, 7] * 25, "comment": ["-", "keine Angabe", "k.A."] * 25})
    result = analyze(frame, embedder="hashing")
    assert result.to_dict()["n"] == 75 and "0 comments with content" in result.to_dict()["discovered_themes"]["skipped"]


def test_analyze_output_must_be_a_folder(tmp_path, german_export):
    with pytest.raises(SurveyFileError, match="is an existing file. Pass a folder"):
        analyze(german_export, outdir=german_export)


def test_each_job_takes_a_survey_loaded_once():
    import pandas as pd

    from nps_text import load_survey
    from nps_text.errors import ParameterError
    from nps_text.jobs import discover_survey, drivers_survey, tag_survey

    frame = pd.DataFrame({"NPS": [1, 9, 10] * 20, "Kommentar": ["Viel zu teuer", "Schnelle Lieferung", "Top"] * 20})
    survey = load_survey(frame)
    tagged = tag_survey(survey, sentiment="lexicon")
    assert tagged.report is survey.report and tagged.mentions.equals(tag_survey(frame, sentiment="lexicon").mentions)
    assert discover_survey(survey, embedder="hashing", n_themes=2, sentiment="lexicon").report is survey.report
    assert drivers_survey(survey, models=False, n_boot=0).to_dict()["rows_read"] == 60
    with pytest.raises(ParameterError, match=r"already loaded, so \['score'\] cannot apply"):
        tag_survey(survey, score="NPS")


def test_discovered_drivers_keep_the_key_only_where_two_themes_share_a_name():
    from types import SimpleNamespace

    from nps_text.jobs.analyze import driver_inputs

    top = pd.DataFrame({"key": ["topic_00", "topic_01", "topic_02"], "name": ["Food", "Food", "Service"]})
    mentions = pd.DataFrame({"response_id": ["a", "b", "c"], "sentence_id": 0, "theme": list(top["key"]),
                             "score": 1.0, "source": "discovery", "start": 0, "end": 4, "text": ["x", "y", "z"]})
    sentences = pd.DataFrame({"response_id": ["a", "b", "c"], "sentence_id": 0, "text": ["gut", "schlecht", "ok"],
                              "lang": "de", "lemmas": ["gut", "schlecht", "ok"]})
    # the parts of an AnalysisResult that driver_inputs reads
    result = SimpleNamespace(mentions=mentions, discovery=SimpleNamespace(top_themes=top), sentiment_method="lexicon",
                             sentences=sentences)
    labelled, _ = driver_inputs(result)
    assert labelled["theme"].tolist() == ["Food [topic_00]", "Food [topic_01]", "Service"]


def test_discover_on_few_comments_runs_but_says_it_is_not_reliable(tmp_path):
    comments = ["Lieferung kam zu spät", "Preis viel zu hoch", "Service war freundlich", "App stürzt ab"] * 10
    survey = tmp_path / "few.csv"
    pd.DataFrame({"id": range(40), "score": [2, 9, 10, 4] * 10, "comment": comments}).to_csv(survey, index=False)
    result = runner.invoke(app, ["discover", str(survey), "-o", str(tmp_path / "out"), "--embedder", "hashing"],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Warning: Only 40 comments with content" in result.output and "not reliable" in result.output


def test_discover_accounts_for_the_comments_that_give_no_clauses(tmp_path):
    """A trial: 24 comments of only contact details vanished from discover's counts without a word."""
    comments = ["Lieferung kam zu spät", "Preis viel zu hoch", "Service war freundlich", "App stürzt ab"] * 15 + \
        ["Tel. 0151 23456789", "Meine IBAN ist DE89 3704 0044 0532 0130 00"] * 12 + ["keine Angabe"] * 3
    survey = tmp_path / "contacts.csv"
    pd.DataFrame({"id": range(len(comments)), "score": 7, "comment": comments}).to_csv(survey, index=False)
    result = runner.invoke(app, ["discover", str(survey), "-o", str(tmp_path / "out"), "--embedder", "hashing"],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "27 of 87 comments carry no content and give no clauses: 24 contact details, 3 filler." in result.output


def test_discover_and_analyze_take_a_guide(tmp_path):
    comments = ["Lieferung kam zu spät", "Preis viel zu hoch", "Rechnung war falsch", "Service war freundlich"] * 15
    survey = tmp_path / "guided.csv"
    pd.DataFrame({"id": range(60), "score": [2, 9, 3, 10] * 15, "comment": comments}).to_csv(survey, index=False)
    result = runner.invoke(app, ["discover", str(survey), "-o", str(tmp_path / "out"), "--embedder", "hashing",
                                 "--guide", "default"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    names = pd.read_csv(tmp_path / "out" / "discovered_themes.csv")["name"].tolist()
    assert "Rechnung & Zahlung / Billing & payment" in names
    assert (tmp_path / "out" / "model" / "guide.yaml").is_file()
    result = runner.invoke(app, ["analyze", str(survey), "-o", str(tmp_path / "a"), "--embedder", "hashing",
                                 "--guide", str(tmp_path / "missing.yaml")], env={"COLUMNS": "200"})
    assert result.exit_code != 0 and "missing.yaml' does not exist" in result.output
    assert "Traceback" not in result.output
    with pytest.raises(ParameterError, match="guide steers theme discovery, but taxonomy"):
        analyze(survey, taxonomy="default", guide="default")
    result = runner.invoke(app, ["analyze", str(survey), "--no-discover", "--guide", "default"], env={"COLUMNS": "200"})
    assert result.exit_code != 0 and "Drop --no-discover to discover the themes guided by the bundled" in result.output


def test_a_driver_that_is_a_mixed_discovered_theme_says_so():
    from nps_text.jobs.analyze import _warn_mixed

    top = pd.DataFrame({"key": ["topic_00", "topic_01", "topic_02"], "kind": ["topic", "mixed", "topic"],
                        "name": ["Preis / price", "Gemischt (Ticket) / mixed (Ticket)", "Preis / price"]})
    drivers = pd.DataFrame({"theme_id": ["Preis / price [topic_00]", "Gemischt (Ticket) / mixed (Ticket)",
                                         "Gemischt (Ticket) / mixed (Ticket)"],
                            "warning": [None, None, "few respondents"]})
    _warn_mixed(drivers, top)
    assert drivers["warning"].fillna("").tolist() == ["", "its keywords fit few of its clauses: split it",
                                                      "few respondents; its keywords fit few of its clauses: split it"]
