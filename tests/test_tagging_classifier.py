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
    with pytest.raises(ModelFileError, match=r"holds an array that needs pickle to load .* refused"):
        ThemeClassifier.load(folder)
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
