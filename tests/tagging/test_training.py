from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from nps_text.cli.main import app
from nps_text.errors import ParameterError
from nps_text.tagging.training import evaluate, micro_f1_interval, read_labelled

ROWS = [("viel zu teuer", "price"), ("Preis zu hoch", "price"), ("way too expensive", "price"),
        ("Paket kam spät", "delivery"), ("Lieferung dauerte ewig", "delivery"), ("parcel arrived late", "delivery"),
        ("teuer und zu spät geliefert", "price|delivery"), ("expensive; late parcel", "price;delivery")] * 3


@pytest.fixture
def labelled_csv(tmp_path):
    path = tmp_path / "labelled.csv"
    path.write_text("text,labels\n" + "\n".join(f'"{t}",{l}' for t, l in ROWS) + "\n", encoding="utf-8")
    return path


def test_read_formats_agree(tmp_path, labelled_csv):
    texts, labels = read_labelled(labelled_csv)
    assert labels[6] == ["price", "delivery"] and labels[7] == ["price", "delivery"]
    onehot = tmp_path / "onehot.csv"
    onehot.write_text("text,price,delivery\n" + "\n".join(
        f'"{t}",{int("price" in l)},{int("delivery" in l)}' for t, l in ROWS) + "\n", encoding="utf-8")
    assert read_labelled(onehot, labels=["price", "delivery"]) == (texts, [sorted(x, key=["price", "delivery"].index) for x in labels])
    studio = tmp_path / "studio.json"
    studio.write_text(json.dumps([{"data": {"text": t}, "annotations": [{"result": [{"value": {"choices": l}}]}]}
                                  for t, l in zip(texts, labels)]), encoding="utf-8")
    assert read_labelled(studio) == (texts, labels)
    doccano = tmp_path / "doccano.jsonl"
    doccano.write_text("\n".join(json.dumps({"text": t, "label": l}) for t, l in zip(texts, labels)), encoding="utf-8")
    assert read_labelled(doccano) == (texts, labels)


def test_evaluate_numbers():
    metrics = evaluate([["a"], ["a", "b"], ["b"]], [["a"], ["b"], []])
    assert metrics["micro"] == {"precision": 1.0, "recall": 0.5, "f1": 0.6667}
    assert metrics["per_label"]["a"] == {"precision": 1.0, "recall": 0.5, "f1": 0.6667, "support": 2}
    assert metrics["macro"]["recall"] == 0.5 and metrics["n"] == 3


def test_micro_f1_interval_bootstraps_the_items():
    rng = np.random.default_rng(1)
    gold = [[t] for t in rng.choice(["a", "b", "c"], 300)]
    good = [g if rng.random() < 0.85 else ["a"] for g in gold]  # right 85 % of the time (plus lucky "a"s)
    worse = [g if rng.random() < 0.6 else ["b"] for g in gold]
    result = micro_f1_interval(gold, good, baseline=worse, seed=4)
    assert result["f1"] == evaluate(gold, good)["micro"]["f1"] and result["baseline_f1"] == evaluate(gold, worse)["micro"]["f1"]
    assert result["low"] < result["f1"] < result["high"] and result["difference_low"] > 0 and result["draws_not_better"] == 0
    # the same percentiles as resampling the items by hand, up to bootstrap noise
    by_hand = []
    for _ in range(2000):
        idx = rng.integers(0, len(gold), len(gold))
        by_hand.append(evaluate([gold[i] for i in idx], [good[i] for i in idx])["micro"]["f1"])
    assert abs(np.percentile(by_hand, 2.5) - result["low"]) < 0.01 and abs(np.percentile(by_hand, 97.5) - result["high"]) < 0.01
    assert micro_f1_interval(gold, good, baseline=worse, seed=4) == result  # same seed, same interval
    few = micro_f1_interval(gold[:30], good[:30], seed=4)
    assert few["high"] - few["low"] > result["high"] - result["low"]  # fewer texts, wider interval
    same = micro_f1_interval(gold, good, baseline=good)
    assert same["difference"] == same["difference_low"] == same["difference_high"] == 0 and same["draws_not_better"] == 1
    with pytest.raises(ParameterError, match="Got 300 gold label rows but 299 predicted rows"):
        micro_f1_interval(gold, good[:-1])


def test_train_then_evaluate_from_the_cli(tmp_path, labelled_csv):
    runner = CliRunner()
    result = runner.invoke(app, ["train", str(labelled_csv), "-o", str(tmp_path / "model"), "--embedder", "hashing",
                                 "--folds", "3"])
    assert result.exit_code == 0, result.output
    card = json.loads((tmp_path / "model" / "card.json").read_text())
    assert card["metrics"]["folds"] == 3 and "micro" in card["metrics"]["cross_validated"]
    result = runner.invoke(app, ["evaluate", str(labelled_csv), "--model", str(tmp_path / "model"), "--format", "json"])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)
    assert set(metrics) == {"micro", "macro", "per_label", "n", "micro_f1_interval"} and metrics["n"] == len(ROWS)
    interval = metrics["micro_f1_interval"]
    assert interval["low"] <= metrics["micro"]["f1"] <= interval["high"] and interval["level"] == 0.95
    assert metrics["micro"]["f1"] > 0.8  # on its own training data
    assert "is the data this model was trained on" in result.stderr
    result = runner.invoke(app, ["evaluate", str(labelled_csv), "--model", str(tmp_path / "model"), "--format", "csv"])
    lines = result.stdout.splitlines()
    assert result.exit_code == 0 and lines[0] == "theme,precision,recall,f1,support"
    assert [line.split(",")[0] for line in lines[1:]] == ["delivery", "price", "micro", "macro"]
    assert lines[1].split(",")[-1] == str(metrics["per_label"]["delivery"]["support"])  # 12, not 12.0
    assert lines[-2] == f"micro,{metrics['micro']['precision']},{metrics['micro']['recall']},{metrics['micro']['f1']},"
    other = tmp_path / "capitalised.csv"
    other.write_text(labelled_csv.read_text(encoding="utf-8").replace(",price", ",Price"), encoding="utf-8")
    result = runner.invoke(app, ["evaluate", str(other), "--model", str(tmp_path / "model"), "--format", "json"])
    assert result.exit_code == 0 and "labels ['Price'] in capitalised.csv are not themes of this model" in result.stderr


def test_training_on_one_theme_warns(tmp_path):
    path = tmp_path / "one.csv"
    path.write_text("text,labels\n" + "\n".join(f'"{t}",{"price" if "price" in l else ""}' for t, l in ROWS) + "\n",
                    encoding="utf-8")
    result = CliRunner().invoke(app, ["train", str(path), "-o", str(tmp_path / "m"), "--embedder", "hashing", "--folds", "0"])
    assert result.exit_code == 0, result.output
    assert "every label in one.csv is the one theme 'price'" in " ".join(result.stderr.split())


def test_wrong_label_column_exits_2(labelled_csv, tmp_path):
    result = CliRunner().invoke(app, ["train", str(labelled_csv), "-o", str(tmp_path / "m"), "--labels", "themes"])
    assert result.exit_code == 2 and "Column 'themes'" in result.output


@pytest.mark.parametrize(("option", "message"), [
    (["--fine-tune-layers", "13"], "fine_tune_layers must be between 0 and 12 (the layers of e5-small), got 13"),
    (["--fine-tune-layers", "2", "--blend-linear", "1.5"], "blend_linear must be between 0 and 1, got 1.5"),
    (["--blend-linear", "0.5"], "--blend-linear 0.5 needs --fine-tune-layers K"),
    (["--fine-tune-folds", "2"], "--fine-tune-folds 2 needs --fine-tune-layers K"),
    (["--max-length", "128"], "--max-length 128 needs --fine-tune-layers K"),
    (["--fine-tune-members", "2"], "--fine-tune-members 2 needs --fine-tune-layers K"),
    (["--fine-tune-layers", "1", "--fine-tune-members", "0"], "fine_tune_members must be 1, or with fine_tune_layers > 0 between 2 and 20, got 0"),
    (["--fine-tune-layers", "1", "--fine-tune-folds", "1"], "fine_tune_folds must be 0, or with fine_tune_layers > 0 between 2 and"),
    (["--folds", "1"], ("folds=1 cannot cross-validate 24 labelled texts: use 0 (metrics from the classifier's own "
                        "out-of-fold predictions, no extra fits) or 2 to 12")),
    (["--folds", "50"], "folds=50 cannot cross-validate 24"),
    (["--labels", "label"], "Pass labels='<column>' to read_labelled() (CLI: --labels COLUMN)"),
])
def test_bad_fine_tuning_options_are_refused_before_training(labelled_csv, tmp_path, option, message):
    result = CliRunner().invoke(app, ["train", str(labelled_csv), "-o", str(tmp_path / "m"), "--embedder", "hashing",
                                      *option])
    assert result.exit_code == 2 and message in " ".join(result.output.split()), result.output
    assert not (tmp_path / "m").exists()


def test_suggestions_are_uncertain_and_diverse(tmp_path):
    from nps_text.tagging import ThemeClassifier
    from nps_text.tagging.training import suggest_for_labelling

    texts, labels = zip(*[(t, l.replace(";", "|").split("|")) for t, l in ROWS])
    model = ThemeClassifier(embedder="hashing", threshold_folds=0, cache=tmp_path).fit(list(texts), list(labels))
    pool = ["viel zu teuer"] * 10 + ["Preis zu hoch und Paket spät", "App stürzt ab", "Hotline nie erreichbar",
                                      "alles super"]
    picks = suggest_for_labelling(pool, model, n=3)
    assert list(picks.columns) == ["position", "text", "uncertainty"] and len(picks) == 3
    assert picks["text"].nunique() == 3  # no near-duplicates picked twice
    assert picks["uncertainty"].between(-1, 1).all()


def test_default_training_fits_once_and_scores_the_out_of_fold_predictions(tmp_path, monkeypatch):
    from nps_text.tagging import ThemeClassifier
    from nps_text.tagging.training import out_of_fold_metrics, train

    texts, labels = zip(*[(t, l.replace(";", "|").split("|")) for t, l in ROWS])
    fits = []
    real_fit = ThemeClassifier.fit
    monkeypatch.setattr(ThemeClassifier, "fit", lambda self, *a, **k: fits.append(1) or real_fit(self, *a, **k))
    model = train(list(texts), list(labels), tmp_path / "m", embedder="hashing", cache=tmp_path / "c")
    assert len(fits) == 1  # no outer cross-validation unless asked for
    metrics = json.loads((tmp_path / "m" / "card.json").read_text())["metrics"]
    assert metrics["method"] == "out-of-fold" and metrics["folds"] == 0 and metrics["inner_folds"] == 5
    assert "cross_validated" not in metrics and "out-of-fold predictions" in metrics["description"]
    assert metrics["out_of_fold"] == out_of_fold_metrics(model, list(labels)) and metrics["out_of_fold"]["n"] == len(ROWS)
    fits.clear()
    train(list(texts), list(labels), tmp_path / "cv", embedder="hashing", cache=tmp_path / "c", folds=3)
    assert len(fits) == 4  # three folds, then the model itself
    metrics = json.loads((tmp_path / "cv" / "card.json").read_text())["metrics"]
    assert metrics["method"] == "cross-validation" and metrics["folds"] == 3 and "micro" in metrics["cross_validated"]


def test_out_of_fold_cut_offs_never_see_the_texts_they_cut(tmp_path):
    from nps_text.tagging import ThemeClassifier
    from nps_text.tagging.classifier import _best_threshold
    from nps_text.tagging.training import out_of_fold_metrics

    texts, labels = zip(*[(t, l.replace(";", "|").split("|")) for t, l in ROWS])
    model = ThemeClassifier(embedder="hashing", threshold_folds=3, min_themes=0, cache=tmp_path).fit(list(texts), list(labels))
    # noise probabilities: cut-offs tuned on the very texts they cut would find a lucky one; cross-fitted ones cannot
    rng = np.random.default_rng(0)
    model.oof_proba_ = rng.random(model.oof_proba_.shape)
    Y = model.binarizer_.transform(list(labels))
    in_sample = np.array([_best_threshold(Y[:, k], model.oof_proba_[:, k]) for k in range(Y.shape[1])])
    lucky = evaluate(list(labels), [[str(c) for c in model.classes_[row]] for row in model.oof_proba_ >= in_sample])
    honest = out_of_fold_metrics(model, list(labels))
    assert honest["micro"]["f1"] < lucky["micro"]["f1"]
    model.oof_proba_ = None
    assert out_of_fold_metrics(model, list(labels)) is None
    with pytest.raises(ParameterError, match="pass the labels the model was trained on"):
        out_of_fold_metrics(ThemeClassifier(embedder="hashing", threshold_folds=3, cache=tmp_path).fit(
            list(texts), list(labels)), list(labels)[:-1])


def test_training_reports_progress_without_printing(tmp_path, capsys):
    from nps_text.tagging.training import train

    texts, labels = zip(*[(t, l.replace(";", "|").split("|")) for t, l in ROWS])
    calls = []
    train(list(texts), list(labels), tmp_path / "m", embedder="hashing", cache=tmp_path / "c", folds=2,
          progress=lambda *call: calls.append(call))
    assert [c for c in calls if c[0] == "cross-validation"] == [("cross-validation", 0, 2), ("cross-validation", 1, 2),
                                                              ("cross-validation", 2, 2)]
    assert {c[0] for c in calls} == {"cross-validation", "embedding", "fitting"} and calls[-1][1] == calls[-1][2]
    assert capsys.readouterr() == ("", "")


def test_train_prints_its_card_metrics_method_and_draws_progress_on_request(tmp_path, labelled_csv):
    runner = CliRunner()
    result = runner.invoke(app, ["train", str(labelled_csv), "-o", str(tmp_path / "m"), "--embedder", "hashing"])
    assert result.exit_code == 0, result.output
    assert "out-of-fold micro-F1" in result.stdout and "--folds K for a full cross-validation" in " ".join(result.stdout.split())
    assert result.stderr == ""  # not a terminal: no progress bars unless asked for
    result = runner.invoke(app, ["train", str(labelled_csv), "-o", str(tmp_path / "m"), "--embedder", "hashing",
                                 "--folds", "2", "--progress"])
    assert result.exit_code == 0, result.output
    assert "2-fold cross-validated micro-F1" in result.stdout
    assert "cross-validation (folds)" in result.stderr and "fitting classifier heads" in result.stderr and "ETA" in result.stderr


def test_train_and_evaluate_read_the_sheet_asked_for(tmp_path):
    import pandas as pd

    path = tmp_path / "labelled.xlsx"
    with pd.ExcelWriter(path) as book:
        pd.DataFrame({"note": ["exported 2025-03-01"]}).to_excel(book, sheet_name="Info", index=False)
        pd.DataFrame(ROWS, columns=["text", "labels"]).to_excel(book, sheet_name="Labels", index=False)
    runner = CliRunner()
    result = runner.invoke(app, ["train", str(path), "-o", str(tmp_path / "m"), "--embedder", "hashing", "--sheet", "Labels"])
    assert result.exit_code == 0, result.output
    assert f"Trained on {len(ROWS)} texts, 2 themes" in result.stdout
    result = runner.invoke(app, ["evaluate", str(path), "--model", str(tmp_path / "m"), "--sheet", "1", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["n"] == len(ROWS)
    result = runner.invoke(app, ["evaluate", str(path), "--model", str(tmp_path / "m")])  # the first sheet has no texts
    assert result.exit_code == 2 and "This was sheet 'Info'; the workbook also has ['Labels']" in " ".join(result.output.split())
    with pytest.raises(ParameterError, match=r"sheet='Labels' picks a sheet of an Excel workbook \(\.xlsx\), but "
                                             r"'labelled\.csv' is not one"):
        read_labelled(tmp_path / "labelled.csv", sheet="Labels")


@pytest.mark.parametrize(("option", "message"), [
    (["--fine-tune-members", "0"], ("--fine-tune-members must be between 1 and 20 (1: one fine-tuned model; 2 or "
                                    "more: an ensemble), got 0.")),
    (["--fine-tune-folds", "1"], "--fine-tune-folds must be 0 (fixed cut-offs) or 2 or more folds, got 1."),
    (["--blend-linear", "1.5"], "--blend-linear must be a weight between 0 and 1, got 1.5."),
    (["--max-length", "4"], "--max-length must be at least 8 tokens, got 4."),
])
def test_values_out_of_range_are_named_before_the_missing_fine_tuning(labelled_csv, tmp_path, option, message):
    result = CliRunner().invoke(app, ["train", str(labelled_csv), "-o", str(tmp_path / "m"), "--embedder", "hashing",
                                      *option])
    assert result.exit_code == 2 and message in " ".join(result.output.split()), result.output
    assert "needs --fine-tune-layers" not in result.output and not (tmp_path / "m").exists()


def test_label_studio_exports_are_read_through_the_capped_json_reader(tmp_path):
    from nps_text.errors import SurveyFileError
    from nps_text.tagging.training import read_labelled

    path = tmp_path / "export.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(SurveyFileError, match=r"Label Studio export .* nests its values too deeply"):
        read_labelled(path)
    path.write_text('[{"data": {"text": "zu teuer"}, "annotations": [{"result": [{"value": {"choices": ["price"]}}]}]}]')
    assert read_labelled(path) == (["zu teuer"], [["price"]])
