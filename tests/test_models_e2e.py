"""End-to-end checks with the real offline models (slow: each loads a model, still run in CI)."""

from __future__ import annotations

import os

import numpy as np
import pytest

from nps_text.embed import embed, get_embedder

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
