from __future__ import annotations

import json
import pickle
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from nps_text.errors import ParameterError
from nps_text.tagging import ModelFileError, ThemeClassifier

TEXTS = ["viel zu teuer", "Preis zu hoch", "way too expensive", "overpriced", "Paket kam spät",
         "Lieferung dauerte ewig", "parcel arrived late", "delivery was slow", "teuer und Lieferung zu spät",
         "expensive and the parcel was late", "freundliches Personal", "staff were friendly"] * 3
LABELS = [["price"], ["price"], ["price"], ["price"], ["delivery"], ["delivery"], ["delivery"], ["delivery"],
          ["price", "delivery"], ["price", "delivery"], ["service"], ["service"]] * 3


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return ThemeClassifier(embedder="hashing", threshold_folds=3, cache=tmp_path_factory.mktemp("c")).fit(TEXTS, LABELS)


def test_fit_predict_multilabel(model):
    assert model.classes_.tolist() == ["delivery", "price", "service"]
    assert model.predict_labels(["viel zu teuer", "parcel arrived late"]) == [["price"], ["delivery"]]
    proba = model.predict_proba(TEXTS)
    assert proba.shape == (len(TEXTS), 3) and ((proba >= 0) & (proba <= 1)).all()
    assert model.thresholds_.shape == (3,)


def test_label_formats_agree(tmp_path):
    strings = ["|".join(labels) for labels in LABELS]
    onehot = pd.DataFrame([{c: int(c in labels) for c in ("delivery", "price", "service")} for labels in LABELS])
    a = ThemeClassifier(embedder="hashing", threshold_folds=0, cache=tmp_path).fit(TEXTS, strings)
    b = ThemeClassifier(embedder="hashing", threshold_folds=0, cache=tmp_path).fit(TEXTS, onehot)
    np.testing.assert_array_equal(a.predict_proba(TEXTS), b.predict_proba(TEXTS))


def test_estimator_contract_and_determinism(model, tmp_path):
    copy = clone(model)
    assert copy.get_params() == model.get_params() and not hasattr(copy, "coef_")
    again = copy.fit(TEXTS, LABELS)
    np.testing.assert_array_equal(again.predict_proba(TEXTS), model.predict_proba(TEXTS))
    np.testing.assert_array_equal(again.thresholds_, model.thresholds_)


def test_saved_model_predicts_identically_in_a_fresh_process(model, tmp_path):
    folder = model.save(tmp_path / "m", metrics={"note": "test"})
    card = json.loads((folder / "card.json").read_text())
    assert card["labels"] == ["delivery", "price", "service"] and card["n_train"] == len(TEXTS)
    assert len(card["training_data_sha256"]) == 64 and card["seed"] == 0
    code = ("import sys, json; from nps_text.tagging import ThemeClassifier; "
            "m = ThemeClassifier.load(sys.argv[1]); print(json.dumps(m.predict_proba(json.loads(sys.argv[2])).tolist()))")
    out = subprocess.run([sys.executable, "-c", code, str(folder), json.dumps(TEXTS)], capture_output=True, text=True,
                         check=True)
    np.testing.assert_array_equal(np.array(json.loads(out.stdout)), model.predict_proba(TEXTS))


def test_tampered_folders_are_refused(model, tmp_path):
    folder = model.save(tmp_path / "m")
    (folder / "weights.pkl").write_bytes(pickle.dumps({"x": 1}))
    with pytest.raises(ModelFileError, match=r"unexpected \['weights.pkl'\]\. Nothing was loaded"):
        ThemeClassifier.load(folder)
    (folder / "weights.pkl").unlink()
    np.save(folder / "coef.npy", np.array([{"evil": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ModelFileError, match=r"holds an array that needs pickle to load .* refused") as refused:
        ThemeClassifier.load(folder)
    assert "damaged or was edited" not in str(refused.value)  # said once, not wrapped in a second message
    (folder / "thresholds.npy").unlink()
    with pytest.raises(ModelFileError, match=r"missing \['thresholds.npy'\]"):
        ThemeClassifier.load(folder)
    with pytest.raises(ModelFileError, match=r"Model folder '.*nope' does not exist"):
        ThemeClassifier.load(tmp_path / "nope")


def test_bad_training_input():
    with pytest.raises(ParameterError, match=r"Got 3 texts but 2 label rows"):
        ThemeClassifier(embedder="hashing").fit(["a", "b", "c"], [["x"], ["y"]])


def test_a_folder_without_a_card_is_not_a_model(tmp_path):
    from nps_text.errors import NpsTextError
    from nps_text.tagging import ThemeClassifier

    (tmp_path / "notes.txt").write_text("not a model", encoding="utf-8")
    with pytest.raises(NpsTextError, match="is not a model folder: it has no card.json"):
        ThemeClassifier.load(tmp_path)


def test_auto_settings_are_chosen_from_the_grid_and_saved(model, tmp_path):
    from nps_text.tagging.classifier import AUTO_C, AUTO_EMBEDDING_WEIGHTS

    assert model.C == "auto" and model.C_ in AUTO_C and model.embedding_weight_ in AUTO_EMBEDDING_WEIGHTS
    fixed = ThemeClassifier(embedder="hashing", threshold_folds=3, C=model.C_, embedding_weight=model.embedding_weight_,
                            cache=tmp_path / "c").fit(TEXTS, LABELS)
    # the auto model is the fixed one with the chosen values, thresholds included
    np.testing.assert_array_equal(fixed.predict_proba(TEXTS), model.predict_proba(TEXTS))
    np.testing.assert_array_equal(fixed.thresholds_, model.thresholds_)
    other = ThemeClassifier(embedder="hashing", threshold_folds=3, C=0.01, embedding_weight=5.0,
                            cache=tmp_path / "c").fit(TEXTS, LABELS)
    assert not np.allclose(other.predict_proba(TEXTS), model.predict_proba(TEXTS))
    loaded = ThemeClassifier.load(model.save(tmp_path / "m"))
    assert (loaded.C_, loaded.embedding_weight_, loaded.min_themes_) == (model.C_, model.embedding_weight_, 1)
    without_folds = ThemeClassifier(embedder="hashing", threshold_folds=0, cache=tmp_path / "c").fit(TEXTS, LABELS)
    assert (without_folds.C_, without_folds.embedding_weight_) == (4.0, 1.0)  # nothing to choose on


def test_min_themes_gives_every_text_its_most_likely_theme(tmp_path):
    params = dict(embedder="hashing", threshold_folds=0, cache=tmp_path)
    texts = ["xyzzy plugh"]  # shares no n-gram with the training texts
    auto = ThemeClassifier(**params).fit(TEXTS, LABELS)
    assert auto.min_themes_ == 1  # every training text has a theme
    proba = auto.predict_proba(texts)
    assert (proba < auto.thresholds_).all()  # below every cut-off, yet it gets the most likely theme
    assert auto.predict_labels(texts) == [[str(auto.classes_[proba[0].argmax()])]]
    off = ThemeClassifier(min_themes=0, **params).fit(TEXTS, LABELS)
    assert off.predict_labels(texts) == [[]]
    unlabelled = ThemeClassifier(**params).fit(TEXTS + ["ok", "nichts"], LABELS + [[], []])
    assert unlabelled.min_themes_ == 0  # some training texts have no theme: no theme is forced
    sentences = pd.DataFrame({"response_id": ["r1"], "sentence_id": [0], "text": texts, "start": [0], "end": [11]})
    assert auto.tag(sentences)["theme"].tolist() == auto.predict_labels(texts)[0]


@pytest.mark.parametrize("param, value, message", [
    ("C", 0, r"C must be a positive number or 'auto', got 0"),
    ("embedding_weight", "high", r"embedding_weight must be a positive number or 'auto', got 'high'"),
    ("min_themes", 2, r"min_themes must be 0, 1 or None"),
])
def test_bad_settings_are_refused(param, value, message):
    with pytest.raises(ParameterError, match=message):
        ThemeClassifier(embedder="hashing", **{param: value}).fit(TEXTS, LABELS)


def test_tampered_fitted_settings_are_refused(model, tmp_path):
    folder = model.save(tmp_path / "m")
    config = json.loads((folder / "config.json").read_text())
    config["fitted"]["embedding_weight"] = "__import__('os')"
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelFileError, match=r"invalid fitted settings .* refused"):
        ThemeClassifier.load(folder)


@pytest.mark.parametrize("damage", ["not json", "fitted list", "nan weight", "extra class", "bad threshold"])
def test_edited_or_damaged_folders_are_refused_without_a_traceback(model, tmp_path, damage):
    folder = model.save(tmp_path / "m")
    path = folder / "config.json"
    config = json.loads(path.read_text())
    if damage == "not json":
        path.write_text("{ not json")
    else:
        if damage == "fitted list":
            config["fitted"] = [1, 2]
        elif damage == "nan weight":
            config["fitted"]["embedding_weight"] = float("nan")
        elif damage == "extra class":
            config["classes"].append("zzz")
        else:
            config["linear_thresholds"][0] = "x"
        path.write_text(json.dumps(config))
    with pytest.raises(ModelFileError, match=r"refused|damaged or was edited"):
        ThemeClassifier.load(folder)


def test_min_themes_applies_per_comment_when_tagging(tmp_path):
    model = ThemeClassifier(embedder="hashing", threshold_folds=0, cache=tmp_path).fit(TEXTS, LABELS)
    assert model.min_themes_ == 1
    sentences = pd.DataFrame({"response_id": ["r1", "r1", "r2"], "sentence_id": [0, 1, 0],
                              "text": ["viel zu teuer", "xyzzy plugh", "qwrtz"], "start": [0, 15, 0], "end": [13, 26, 5]})
    mentions = model.tag(sentences)
    # r1 already has a theme, so its unthemed second sentence gets none; r2 gets its likeliest theme
    assert mentions.loc[mentions["response_id"] == "r1", "sentence_id"].tolist() == [0]
    assert mentions.loc[mentions["response_id"] == "r2", "theme"].tolist() == model.predict_labels(["qwrtz"])[0]


def test_labels_without_any_theme_are_refused():
    with pytest.raises(ParameterError, match=r"None of the 4 labelled texts has a theme"):
        ThemeClassifier(embedder="hashing").fit(["a", "b", "c", "d"], [[], "", None, []])


def test_platt_scaling_recovers_a_known_miscalibration():
    from nps_text._core.arrays import logit as _logit
    from nps_text.tagging.classifier import _platt

    rng = np.random.default_rng(0)
    p = rng.uniform(0.01, 0.99, 5000)  # overconfident scores: the truth is sigmoid(0.5 · logit(p) − 0.3)
    y = (rng.random(5000) < 1 / (1 + np.exp(-(0.5 * _logit(p) - 0.3)))).astype(int)
    a, b = _platt(y, p)
    assert abs(a - 0.5) < 0.05 and abs(b + 0.3) < 0.08
    assert _platt(y[:40] * 0, p[:40]) == (1.0, 0.0)  # no positives: left as it is
    assert _platt(1 - (p > 0.5), p) == (1.0, 0.0)  # a decreasing fit would reorder the scores: left as it is


def test_calibration_moves_probabilities_and_cut_offs_together(tmp_path):
    params = dict(embedder="hashing", threshold_folds=3, cache=tmp_path, min_themes=0, C=4.0, embedding_weight=1.0)
    raw = ThemeClassifier(calibrate=False, **params).fit(TEXTS, LABELS)
    calibrated = ThemeClassifier(**params).fit(TEXTS, LABELS)
    assert calibrated.calibrate and (calibrated.calibration_ != [1.0, 0.0]).any(axis=1).all()  # every theme mapped
    texts = TEXTS + ["teuer", "spät", "nett", "xyzzy"]
    assert not np.allclose(calibrated.predict_proba(texts), raw.predict_proba(texts))
    np.testing.assert_array_equal(calibrated.predict(texts), raw.predict(texts))  # the same decisions
    a, b = calibrated.calibration_.T  # each theme's map, applied to the raw model's probabilities
    mapped = 1 / (1 + np.exp(-(a * np.log(raw.predict_proba(texts) / (1 - raw.predict_proba(texts))) + b)))
    np.testing.assert_allclose(calibrated.predict_proba(texts), mapped, rtol=1e-6)
    loaded = ThemeClassifier.load(calibrated.save(tmp_path / "m"))
    np.testing.assert_array_equal(loaded.predict_proba(texts), calibrated.predict_proba(texts))
    np.testing.assert_array_equal(loaded.calibration_, calibrated.calibration_)
    # min_themes ranks as before calibration: a text below every cut-off gets the same theme either way
    forced = {**params, "min_themes": 1}
    raw, calibrated = (ThemeClassifier(calibrate=c, **forced).fit(TEXTS, LABELS) for c in (False, True))
    odd = ["xyzzy plugh", "qwertz", "nichts"]
    np.testing.assert_array_equal(calibrated.predict(texts + odd), raw.predict(texts + odd))
    raw.thresholds_ = calibrated.thresholds_ = np.ones(3)  # nothing reaches a cut-off: every pick is min_themes'
    picks = calibrated.predict(texts + odd)
    assert picks.sum(axis=1).tolist() == [1] * len(texts + odd)
    np.testing.assert_array_equal(picks, raw.predict(texts + odd))
    ranked_after = calibrated.predict_proba(texts + odd).argmax(axis=1)
    assert (ranked_after != picks.argmax(axis=1)).any()  # the calibrated order differs; the pick does not
    sentences = pd.DataFrame({"response_id": ["r1", "r2", "r2"], "sentence_id": [0, 0, 1], "text": odd,
                              "start": [0, 0, 7], "end": [11, 6, 13]})
    assert calibrated.tag(sentences)[["response_id", "theme"]].equals(raw.tag(sentences)[["response_id", "theme"]])
    assert ThemeClassifier(calibrate=True, **{**params, "threshold_folds": 0}).fit(TEXTS, LABELS).calibration_.tolist() \
        == [[1.0, 0.0]] * 3  # no out-of-fold predictions: nothing to calibrate on


def _junk(folder):
    """Add what Finder, Explorer and macOS zip archives leave in a folder they show, copy or zip."""
    (folder / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (folder / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0")
    (folder / "desktop.ini").write_text("[.ShellClassInfo]\n")
    (folder / "._coef.npy").write_bytes(pickle.dumps({"never": "opened"}))  # AppleDouble: a pickle, and never read
    (folder / "__MACOSX").mkdir()
    (folder / "__MACOSX" / "._card.json").write_bytes(b"\x00\x05\x16\x07")


def test_a_folder_copied_or_unzipped_by_an_operating_system_loads(model, tmp_path):
    folder = model.save(tmp_path / "m")
    _junk(folder)
    loaded = ThemeClassifier.load(folder)
    np.testing.assert_array_equal(loaded.predict_proba(TEXTS), model.predict_proba(TEXTS))


def test_a_refused_folder_names_only_what_is_wrong(model, tmp_path):
    folder = model.save(tmp_path / "m")
    _junk(folder)  # ignored: never listed as unexpected
    (folder / "weights.pkl").write_bytes(pickle.dumps({"x": 1}))
    with pytest.raises(ModelFileError, match=r"is not a ThemeClassifier as saved: unexpected \['weights\.pkl'\]\. "
                                             r"Nothing was loaded\. .*move the unexpected files out") as refused:
        ThemeClassifier.load(folder)
    assert "missing" not in str(refused.value)
    (folder / "weights.pkl").unlink()
    (folder / "thresholds.npy").unlink()
    with pytest.raises(ModelFileError, match=r"is not a ThemeClassifier as saved: missing \['thresholds\.npy'\]\. "
                                             r"Nothing was loaded\. Copy the whole folder again") as refused:
        ThemeClassifier.load(folder)
    assert "unexpected" not in str(refused.value)
    (folder / "model.joblib").write_bytes(b"x")
    with pytest.raises(ModelFileError, match=r"as saved: missing \['thresholds\.npy'\]; unexpected \['model\.joblib'\]\."):
        ThemeClassifier.load(folder)


def test_out_of_fold_probabilities_are_kept_after_fitting(model, tmp_path):
    assert model.oof_proba_.shape == (len(TEXTS), 3) and ((model.oof_proba_ >= 0) & (model.oof_proba_ <= 1)).all()
    # they are the raw heads' (before calibration), fitted without each text: not the final model's own scores
    assert not np.allclose(model.oof_proba_, model.predict_proba(TEXTS))
    again = clone(model).fit(TEXTS, LABELS)
    np.testing.assert_array_equal(again.oof_proba_, model.oof_proba_)
    assert ThemeClassifier(embedder="hashing", threshold_folds=0, cache=tmp_path).fit(TEXTS, LABELS).oof_proba_ is None
    assert not hasattr(ThemeClassifier.load(model.save(tmp_path / "m")), "oof_proba_")  # training-time data, not saved


def test_fit_reports_progress_and_prints_nothing(tmp_path, capsys):
    calls = []
    fitted = ThemeClassifier(embedder="hashing", threshold_folds=3, C=4.0, embedding_weight=1.0, cache=tmp_path).fit(
        TEXTS, LABELS, progress=lambda *call: calls.append(call))
    stages = {}
    for stage, done, total in calls:
        assert 0 <= done <= total and done >= stages.get(stage, (0, 0))[0]  # counts only go up within a stage
        stages[stage] = (done, total)
    # 12 distinct texts to embed; one setting x 3 folds x 3 themes, then the 3 final heads
    assert stages == {"embedding": (12, 12), "fitting": (12, 12)}
    assert calls[0] == ("embedding", 0, 12) and calls[-1] == ("fitting", 12, 12)
    np.testing.assert_array_equal(fitted.predict_proba(TEXTS), ThemeClassifier(
        embedder="hashing", threshold_folds=3, C=4.0, embedding_weight=1.0, cache=tmp_path).fit(TEXTS, LABELS).predict_proba(TEXTS))
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize("content, message", [
    ("[1, 2]", r"model card .* holds a list, not the object"),
    ("[" * 100_000 + "]" * 100_000, r"model card .* nests its values too deeply"),
    ('{"n_train": 1', r"model card .* is not valid JSON \(line 1"),
])
def test_model_card_json_is_read_safely(model, tmp_path, content, message):
    folder = model.save(tmp_path / "m")
    (folder / "card.json").write_text(content)
    with pytest.raises(ModelFileError, match=message):
        ThemeClassifier.load(folder)


def test_grid_search_works_with_its_default_scoring(tmp_path):
    from sklearn.model_selection import GridSearchCV

    from nps_text.tagging.training import evaluate

    search = GridSearchCV(ThemeClassifier(embedder="hashing", threshold_folds=0, cache=tmp_path), {"C": [0.5, 4.0]},
                          cv=3).fit(TEXTS, LABELS)
    assert search.best_params_["C"] in (0.5, 4.0) and 0.0 <= search.best_score_ <= 1.0
    model = search.best_estimator_
    expected = evaluate(LABELS, model.predict_labels(TEXTS))["micro"]["f1"]
    assert model.score(TEXTS, LABELS) == pytest.approx(expected)
    assert model.score(TEXTS[:2], [["price", "unheard-of"], ["price"]]) < 1.0  # an unknown theme counts as missed


@pytest.mark.parametrize("param, value, message", [
    ("tfidf", "yes", r"ThemeClassifier's parameter 'tfidf' must be an instance of bool; got 'yes'"),
    ("threshold_folds", 1, r"'threshold_folds' must be one of 0 or a whole number in \[2, inf\); got 1"),
    ("fine_tune_epochs", 0, r"'fine_tune_epochs' must be a whole number in \[1, inf\); got 0"),
])
def test_parameters_are_checked_against_declared_constraints(param, value, message):
    assert set(ThemeClassifier._parameter_constraints) == set(ThemeClassifier().get_params())
    with pytest.raises(ParameterError, match=message):
        ThemeClassifier(embedder="hashing", **{param: value}).fit(TEXTS, LABELS)


def test_sentiment_scorer_declares_its_constraints():
    from nps_text.tagging import SentimentScorer

    assert set(SentimentScorer._parameter_constraints) == set(SentimentScorer().get_params())
    with pytest.raises(ParameterError, match=r"SentimentScorer's parameter 'C' must be a number in \(0, inf\); got -1"):
        SentimentScorer(embedder="hashing", C=-1).fit(["gut", "schlecht"] * 5, [1, -1] * 5)
