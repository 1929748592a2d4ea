"""Encoding speed-ups that must not change the vectors: length-sorted batches, the torch thread count per batch."""

from __future__ import annotations

import numpy as np
import pytest

from nps_text.embed.backends import CachedEmbedder, _ThreadChooser, get_embedder
from tests.fakes import CountingEmbedder


class LengthAwareEmbedder(CountingEmbedder):
    """A counting embedder that tells its texts' lengths, as a sentence-transformers one does with tokens."""

    def token_lengths(self, texts):
        return np.array([len(t.split()) for t in texts])


def test_texts_to_encode_go_shortest_first_and_come_back_row_aligned(tmp_path):
    texts = ["a b c d e", "a", "a b c", "a b", "a b c d", "x y z w v u", "q"]
    plain = CachedEmbedder(CountingEmbedder(), cache_dir=tmp_path / "plain", batch_size=2).encode(texts)
    aware = LengthAwareEmbedder()
    vectors = CachedEmbedder(aware, cache_dir=tmp_path / "aware", batch_size=2).encode(texts)
    assert aware.calls == [["a", "q"], ["a b", "a b c"], ["a b c d", "a b c d e"], ["x y z w v u"]]
    np.testing.assert_array_equal(vectors, plain)  # hashing vectors do not depend on the batch


def test_one_batch_is_not_reordered(tmp_path):
    aware = LengthAwareEmbedder()
    CachedEmbedder(aware, cache_dir=tmp_path, batch_size=8).encode(["a b c", "a"])
    assert aware.calls == [["a b c", "a"]]  # fewer texts than a batch: no need to ask for lengths


class FakeTorch:
    def __init__(self):
        self.threads = 2

    def set_num_threads(self, n):
        self.threads = n


def _chooser(monkeypatch, most=2, probe_every=2):
    chooser = _ThreadChooser(most, probe_every=probe_every)
    monkeypatch.setattr(chooser, "_torch", FakeTorch())
    return chooser


def test_chooser_keeps_the_faster_thread_count_and_probes_the_other_ever_less_often(monkeypatch):
    chooser = _chooser(monkeypatch)
    speed = {1: 1.0, 2: 4.0}  # seconds per 100 tokens: a busy machine, 2 threads stall
    used = []
    for _ in range(20):
        threads = chooser.next()
        assert chooser._torch.threads == threads
        used.append(threads)
        chooser.record(threads, speed[threads], 100)
    assert used[:3] == [1, 2, 1]  # set-up batch, then each count measured once
    probes = [i for i, n in enumerate(used) if n == 2 and i > 1]
    assert probes == [5, 10, 19]  # after 2, then 4, then 8 batches on 1 thread: the probe lost each time
    chooser.restore()
    assert chooser._torch.threads == 2


def test_chooser_switches_when_the_load_changes(monkeypatch):
    chooser = _chooser(monkeypatch)
    speed = {1: 1.0, 2: 4.0}
    used = []
    for step in range(16):
        if step == 6:
            speed = {1: 1.0, 2: 0.6}  # the other jobs finished: 2 threads are faster now
        threads = chooser.next()
        used.append(threads)
        chooser.record(threads, speed[threads], 100)
    assert used[5:] == [2, 1, 1, 1, 1, 2, 2, 2, 1, 2, 2]  # the probe at 10 wins; 1 thread loses its probe at 13


def test_chooser_is_not_used_with_one_thread_or_when_turned_off(monkeypatch):
    torch = pytest.importorskip("torch")
    from nps_text.embed.backends import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder.__new__(SentenceTransformerEmbedder)
    embedder.adapt_threads, embedder.device, embedder._threads = True, "cpu", None
    monkeypatch.setattr(torch, "get_num_threads", lambda: 1)
    assert embedder._thread_chooser() is None
    monkeypatch.setattr(torch, "get_num_threads", lambda: 4)
    assert embedder._thread_chooser().most == 4
    embedder.adapt_threads = False
    assert embedder._thread_chooser() is None


@pytest.mark.slow
def test_minilm_vectors_do_not_depend_on_order_threads_or_the_chooser(monkeypatch):
    torch = pytest.importorskip("torch")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    model = get_embedder("minilm")
    texts = ["great service", "the food was cold and the waiter never came back", "too loud",
             "friendly staff", "we waited forty minutes for a table although we had booked"] * 30
    before = torch.get_num_threads()
    adaptive = model.encode(texts)
    assert torch.get_num_threads() == before  # torch's own setting is restored
    reversed_ = model.encode(texts[::-1])[::-1]
    np.testing.assert_allclose(adaptive, reversed_, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(adaptive, axis=1), 1, rtol=1e-5)
    torch.set_num_threads(1)
    try:
        one = model.encode(texts)
    finally:
        torch.set_num_threads(before)
    np.testing.assert_allclose(adaptive, one, atol=1e-6)
    assert adaptive[0] @ adaptive[3] > adaptive[0] @ adaptive[2]
