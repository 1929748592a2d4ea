"""Fine-tuned ThemeClassifier: determinism, safe save/load in a fresh process, tampering (slow: builds e5-st)."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys

import numpy as np
import pytest

from nps_text.errors import ParameterError
from nps_text.tagging import ModelFileError, ThemeClassifier
from tests.tagging.test_classifier import LABELS, TEXTS
from tests.tagging.test_models_e2e import offline  # noqa: F401 - autouse fixture: no hub access

pytestmark = pytest.mark.slow


def test_fine_tuned_classifier_is_deterministic_saved_safely_and_reloaded(tmp_path):
    texts, labels = TEXTS[:12], LABELS[:12]
    params = dict(fine_tune_layers=1, fine_tune_epochs=1, max_length=16, seed=3)
    model = ThemeClassifier(**params).fit(texts, labels)
    again = ThemeClassifier(**params).fit(texts, labels)
    proba = model.predict_proba(texts)
    assert proba.shape == (12, 3) and ((proba > 0) & (proba < 1)).all()
    np.testing.assert_array_equal(again.predict_proba(texts), proba)  # same data + seed → same model

    folder = model.save(tmp_path / "m")
    assert (folder / "encoder.safetensors").exists() and not list(folder.rglob("*.bin"))
    config = json.loads((folder / "encoder.json").read_text())
    assert config["layers"] == 1 and config["base"] == "e5-st"
    code = ("import sys, json; from nps_text.tagging import ThemeClassifier; "
            "m = ThemeClassifier.load(sys.argv[1]); print(json.dumps(m.predict_proba(json.loads(sys.argv[2])).tolist()))")
    out = subprocess.run([sys.executable, "-c", code, str(folder), json.dumps(texts)], capture_output=True, text=True,
                         check=True)
    np.testing.assert_array_equal(np.array(json.loads(out.stdout)), proba)

    (folder / "pytorch_model.bin").write_bytes(pickle.dumps({"x": 1}))  # a pickle where weights could go
    with pytest.raises(ModelFileError, match=r"unexpected \['pytorch_model.bin'\]\. Nothing was loaded"):
        ThemeClassifier.load(folder)
    (folder / "pytorch_model.bin").unlink()
    weights = (folder / "encoder.safetensors").read_bytes()
    (folder / "encoder.safetensors").write_bytes(pickle.dumps({"evil": 1}))
    with pytest.raises(ModelFileError, match=r"encoder.safetensors' is not a valid safetensors file .* refused"):
        ThemeClassifier.load(folder)
    (folder / "encoder.safetensors").write_bytes(weights)
    (folder / "encoder.json").unlink()
    with pytest.raises(ModelFileError, match=r"missing \['encoder.json'\]"):
        ThemeClassifier.load(folder)


def test_blended_classifier_averages_its_parts_and_reloads(tmp_path):
    texts, labels = TEXTS[:12], LABELS[:12]
    params = dict(fine_tune_layers=1, fine_tune_epochs=1, max_length=16, seed=3, threshold_folds=2)
    blended = ThemeClassifier(blend_linear=0.25, **params).fit(texts, labels)
    parts = blended.predict_proba_parts(texts)
    assert set(parts) == {"linear", "fine_tuned"}
    np.testing.assert_allclose(blended.predict_proba(texts), 0.25 * parts["linear"] + 0.75 * parts["fine_tuned"])
    # its parts are the two classifiers trained on their own: same data, same seed
    alone = ThemeClassifier(**params).fit(texts, labels).predict_proba(texts)
    linear = ThemeClassifier(threshold_folds=2, seed=3, calibrate=False).fit(texts, labels)  # a blend's linear part is not calibrated
    np.testing.assert_array_equal(parts["fine_tuned"], alone)
    np.testing.assert_allclose(parts["linear"], linear.predict_proba(texts))
    np.testing.assert_array_equal(blended.linear_thresholds_, linear.thresholds_)
    # cut at the parts' cut-offs mixed by their weights (0.5 is the fine-tuned head's)
    np.testing.assert_allclose(blended.thresholds_, 0.25 * linear.thresholds_ + 0.75 * 0.5)
    assert ThemeClassifier(**params).fit(texts, labels).thresholds_.tolist() == [0.5] * len(blended.classes_)

    loaded = ThemeClassifier.load(blended.save(tmp_path / "m"))
    np.testing.assert_array_equal(loaded.predict_proba(texts), blended.predict_proba(texts))
    np.testing.assert_array_equal(loaded.thresholds_, blended.thresholds_)
    with pytest.raises(ParameterError, match="blend_linear must be between 0 and 1, got 1.5"):
        ThemeClassifier(blend_linear=1.5, **params).fit(texts, labels)


def test_fine_tune_folds_tune_the_cut_offs_on_out_of_fold_probabilities():
    from sklearn.model_selection import KFold

    from nps_text.tagging.classifier import _best_threshold
    from nps_text.tagging.finetune import fine_tune

    texts, labels = TEXTS[:12], LABELS[:12]
    settings = dict(layers=1, epochs=1, max_length=16, seed=3)
    model = ThemeClassifier(fine_tune_layers=1, fine_tune_epochs=1, max_length=16, seed=3, fine_tune_folds=2).fit(texts, labels)
    Y = model.binarizer_.transform(labels)
    crossed, plain = fine_tune(texts, Y, oof_folds=2, **settings), fine_tune(texts, Y, **settings)
    np.testing.assert_array_equal(crossed.encode(texts)[1], plain.encode(texts)[1])  # the final encoder is unchanged
    for fit_rows, held_out in KFold(2, shuffle=True, random_state=3).split(texts):  # each text scored by the run without it
        alone = fine_tune([texts[i] for i in fit_rows], Y[fit_rows], **settings)
        np.testing.assert_allclose(crossed.oof_proba[held_out], alone.encode([texts[i] for i in held_out])[1], atol=1e-5)
    expected = [_best_threshold(Y[:, k], crossed.oof_proba[:, k]) for k in range(Y.shape[1])]
    np.testing.assert_array_equal(model.thresholds_, expected)
    assert model.classes_.tolist() == ["delivery", "price", "service"] and expected[2] == 0.5  # 2 examples: untuned
    assert expected[:2] != [0.5, 0.5]  # the two themes with 6 examples each are tuned
    assert model.encoder_.oof_proba is None  # training-time data is not kept in the model
    with pytest.raises(ParameterError, match=r"fine_tune_folds must be 0, or with fine_tune_layers > 0 between 2 and 6"):
        ThemeClassifier(fine_tune_folds=2).fit(texts, labels)


def test_fine_tune_members_average_seeded_runs_and_reload_in_a_fresh_process(tmp_path):
    from nps_text.tagging.finetune import fine_tune

    texts, labels = TEXTS[:12], LABELS[:12]
    params = dict(fine_tune_layers=1, fine_tune_epochs=1, max_length=16, seed=3)
    model = ThemeClassifier(fine_tune_members=2, **params).fit(texts, labels)
    Y = model.binarizer_.transform(labels)
    settings = dict(layers=1, epochs=1, max_length=16)
    first, second = fine_tune(texts, Y, seed=3, **settings), fine_tune(texts, Y, seed=4, **settings)
    assert not np.allclose(first.encode(texts)[1], second.encode(texts)[1])  # the seeds give different members
    proba = model.predict_proba(texts)  # the mean of the two runs, each as trained alone
    np.testing.assert_allclose(proba, (first.encode(texts)[1] + second.encode(texts)[1]) / 2, atol=1e-5)
    np.testing.assert_array_equal(model.encoder_.encode(texts)[0], first.encode(texts)[0])  # embeddings: the first's

    folder = model.save(tmp_path / "m")
    assert json.loads((folder / "encoder.json").read_text())["members"] == 2
    code = ("import sys, json; from nps_text.tagging import ThemeClassifier; "
            "m = ThemeClassifier.load(sys.argv[1]); print(json.dumps(m.predict_proba(json.loads(sys.argv[2])).tolist()))")
    out = subprocess.run([sys.executable, "-c", code, str(folder), json.dumps(texts)], capture_output=True, text=True,
                         check=True)
    np.testing.assert_array_equal(np.array(json.loads(out.stdout)), proba)

    config = json.loads((folder / "encoder.json").read_text())
    (folder / "encoder.json").write_text(json.dumps({**config, "members": 1}))  # the second member's tensors are now unexpected
    with pytest.raises(ModelFileError, match=r"does not hold the tensors of a fine-tuned e5-st encoder; refused"):
        ThemeClassifier.load(folder)
    with pytest.raises(ParameterError, match=r"fine_tune_members must be 1, or with fine_tune_layers > 0 between 2 and 20, got 2"):
        ThemeClassifier(fine_tune_members=2).fit(texts, labels)


def test_trained_layers_see_the_same_padding_mask_as_the_whole_model():
    """The top layers run on cached lower-layer states with a mask built by nps-text (no private
    transformers helper): on a padded batch their output must equal the model's own forward pass."""
    import torch

    from nps_text.tagging.finetune import PREFIX, _load_base, _mean_pool, _through

    model, tokenizer = _load_base()
    model.eval()
    texts = ["kurz", "Die Lieferung kam eine Woche zu spät und der Service war unfreundlich"]
    batch = tokenizer([PREFIX + t for t in texts], padding=True, return_tensors="pt")
    assert batch["attention_mask"][0].sum() < batch["attention_mask"][1].sum()  # the first text is padded
    first = model.config.num_hidden_layers - 2
    with torch.inference_mode():
        out = model(**batch, output_hidden_states=True)
        ours = _through(model.encoder.layer[first:], out.hidden_states[first], batch["attention_mask"])
    np.testing.assert_allclose(ours.numpy(), _mean_pool(out.last_hidden_state, batch["attention_mask"]).numpy(),
                               atol=1e-5)
