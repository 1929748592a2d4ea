"""discover_survey's stages run as fast as the machine allows without changing what they compute."""

from __future__ import annotations

import pandas as pd
from threadpoolctl import threadpool_info

from nps_text import tagging
from nps_text.jobs import discover_survey


def _blas_threads() -> set[int]:
    return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}


def test_sentiment_stage_runs_on_one_blas_thread_and_gives_the_threads_back(monkeypatch):
    seen, real = [], tagging.sentence_sentiment

    def spy(*args, **kwargs):
        seen.append(_blas_threads())
        return real(*args, **kwargs)

    monkeypatch.setattr(tagging, "sentence_sentiment", spy)
    before = _blas_threads()
    frame = pd.DataFrame({"score": [1, 9, 10] * 20,
                          "comment": ["Viel zu teuer", "Schnelle Lieferung", "Lieferung pünktlich"] * 20})
    out = discover_survey(frame, embedder="hashing", n_themes=2, sentiment="lexicon")
    assert seen == [{1}] and _blas_threads() == before
    assert out.discovery.mentions["sentiment"].notna().all()
