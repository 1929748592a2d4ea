"""Discovery at scale: batched passes over the rows, float16 vectors beyond max_fit, the same answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nps_text.discover import ThemeDiscovery
from nps_text.discover import _cluster as C
from nps_text.discover._describe import keyword_coverage
from nps_text.text.prepare import prepare_text
from tests.discover.test_discover import FAKE_SPACE, GROUPS, _responses
from tests.fakes import LexiconEmbedder

MICRO = dict(n_themes=4, min_size=5, max_fit=100, n_micro=40, **FAKE_SPACE)


@pytest.fixture(scope="module")
def prepared():
    _, sentences = prepare_text(_responses())
    vectors = LexiconEmbedder(GROUPS).encode(sentences["text"].tolist())
    return sentences, vectors + np.random.default_rng(0).normal(0, 0.02, vectors.shape).astype(np.float32)


@pytest.fixture(scope="module")
def micro(prepared):
    sentences, vectors = prepared
    return ThemeDiscovery(**MICRO).fit(sentences, vectors)


def test_beyond_max_fit_the_vectors_are_float16_and_predict_still_gives_the_labels(prepared, micro):
    sentences, vectors = prepared
    assert micro.vectors_.dtype == np.float16 and micro.report_["tree"] == "micro"
    np.testing.assert_array_equal(micro.predict(sentences, vectors), micro.labels_)
    similarity = micro.transform(sentences, vectors)
    assert similarity.dtype == np.float32 and similarity.shape == (len(sentences), len(micro.theme_ids_))
    exact = ThemeDiscovery(**{**MICRO, "max_fit": 10_000}).fit(sentences, vectors)
    assert exact.vectors_.dtype == np.float32


def test_saved_float16_model_predicts_the_same(tmp_path, prepared, micro):
    sentences, vectors = prepared
    loaded = ThemeDiscovery.load(micro.save(tmp_path / "m", include_texts=True))
    assert loaded.vectors_.dtype == np.float16
    np.testing.assert_array_equal(loaded.predict(sentences, vectors), micro.labels_)


def test_edits_share_the_stored_vectors_and_keep_the_original(micro):
    before = micro.labels_.copy()
    merged = micro.merge([0, 1])
    assert merged.vectors_ is micro.vectors_ and len(merged.themes_) == len(micro.themes_) - 1
    np.testing.assert_array_equal(micro.labels_, before)
    split = merged.split(0, 2)
    assert len(split.themes_) == len(micro.themes_)


def test_language_means_of_selected_rows_in_batches():
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(45_000, 4)).astype(np.float32)
    langs = np.array(["de", "en", "und"])[rng.integers(0, 3, len(vectors))]
    rows = np.flatnonzero(rng.random(len(vectors)) < 0.7)
    means = C.language_means(vectors, langs, 20, rows=rows)
    assert sorted(means) == ["*", "de", "en"]
    np.testing.assert_allclose(means["*"], vectors[rows].mean(axis=0, dtype=np.float64), atol=1e-6)
    de = rows[langs[rows] == "de"]
    np.testing.assert_allclose(means["de"], vectors[de].mean(axis=0, dtype=np.float64), atol=1e-6)


def test_centroids_and_nearest_of_float16_rows_match_float32():
    rng = np.random.default_rng(1)
    vectors = C._l2(rng.normal(size=(45_000, 8)))
    labels = rng.integers(-1, 60, len(vectors))  # -1: in no cluster, ignored
    ids = list(range(60))
    wide = C.centroids_of(vectors, labels, ids)
    narrow = C.centroids_of(vectors.astype(np.float16), labels, ids)
    expected = C._l2(np.vstack([vectors[labels == i].astype(np.float64).sum(axis=0) for i in ids]))
    np.testing.assert_allclose(wide, expected, atol=1e-5)
    np.testing.assert_allclose(narrow, expected, atol=2e-3)
    best, sim = C.nearest(vectors.astype(np.float16), wide)
    assert sim.dtype == np.float32 and (best == C.nearest(vectors, wide)[0]).mean() > 0.99


def test_micro_seeds_then_micro_clusters_is_the_default_tree():
    x = C._l2(np.random.default_rng(2).normal(size=(600, 6)))
    seeds = C.micro_seeds(x[C.systematic(len(x), 200)], 30)
    given = C.build_tree(x, max_fit=200, n_micro=30, seeds=seeds)
    default = C.build_tree(x, max_fit=200, n_micro=30)
    for a, b in zip(given, default):
        np.testing.assert_array_equal(a, b)


def test_keyword_coverage_scores_every_theme_from_one_split():
    lemmas = pd.Series(["Lieferung spät", "Lieferung Woche", "Woche Preis", None, "Preis teuer"])
    labels = np.array([0, 0, 1, 0, 1])
    out = keyword_coverage(lemmas, labels, {0: ["Lieferung", "Lieferung spät"], 1: ["Preis", "Woche"], 2: ["x"]})
    assert out[0] == {"Lieferung": 1.0, "Lieferung spät": 0.5}
    assert out[1]["Preis"] == 1.0 and out[1]["Woche"] == pytest.approx(0.5 * 0.5 ** 0.5)
    assert out[2] == {}  # no clauses: nothing to score
