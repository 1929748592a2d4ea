"""Embedding backends side by side: speed, memory, cold start, cross-lingual and theme quality.

    python benchmarks/embeddings.py [--shared ../shared/benchmarks] [--backends e5 e5-st static minilm hashing]

Each backend runs in its own subprocess (so cold start and peak memory are its own), on the
machine's cores as they are. Writes benchmarks/embeddings.json. Measures:

* cold start: import + model load + first encode, seconds (a generated model already built;
  its one-off build time is reported separately as build_s);
* speed: sentences per second over 2,000 distinct clauses of the sample survey, no cache;
* peak RSS of the worker process (VmHWM);
* translation retrieval: top-1 accuracy de→en and en→de on benchmarks/data/parallel_de_en.csv
  (120 customer-feedback pairs written for this project), with and without per-language centring;
* theme separability: macro-F1 of a 5-fold cross-validated logistic regression on the vectors
  of single-label items of SemEval-14 restaurants (English) and GermEval-17 (German).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BACKENDS = ["e5", "e5-st", "static", "minilm", "hashing"]


def _sample_sentences(n: int) -> list[str]:
    from nps_text import load_survey
    from nps_text.text.prepare import prepare_text

    responses, _ = load_survey(ROOT / "data" / "sample_survey.csv")
    _, sentences = prepare_text(responses)
    unique = list(dict.fromkeys(sentences["text"]))
    return (unique * (n // len(unique) + 1))[:n] if len(unique) < n else unique[:n]


def _single_label(path: Path, text: str, labels: str, limit: int) -> tuple[list[str], list[str]]:
    import pandas as pd

    frame = pd.read_csv(path)
    frame = frame[frame[labels].notna() & ~frame[labels].astype(str).str.contains(r"\|")]
    counts = frame[labels].value_counts()
    frame = frame[frame[labels].isin(counts[counts >= 10].index)].head(limit)
    return frame[text].astype(str).tolist(), frame[labels].astype(str).tolist()


def _probe(vectors, labels) -> float:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score

    model = LogisticRegression(max_iter=2000, C=1.0, class_weight="balanced")
    return float(cross_val_score(model, vectors, labels, cv=5, scoring="f1_macro").mean())


def _peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM, because ru_maxrss survives exec on Linux and
    would report the parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _retrieval(de, en) -> dict[str, float]:
    import numpy as np

    sims = de @ en.T
    target = np.arange(len(de))
    return {"de_to_en": float((sims.argmax(axis=1) == target).mean()),
            "en_to_de": float((sims.argmax(axis=0) == target).mean())}


def worker(backend: str, shared: Path, sentences: Path) -> dict:
    t0 = time.perf_counter()
    import numpy as np
    import pandas as pd

    from nps_text.embed.backends import center_by_language, get_embedder

    model = get_embedder(backend)
    model.encode(["Der Service war gut."])
    cold = time.perf_counter() - t0
    texts = json.loads(sentences.read_text(encoding="utf-8"))
    t1 = time.perf_counter()
    for start in range(0, len(texts), 64):
        model.encode(texts[start:start + 64])
    speed = len(texts) / (time.perf_counter() - t1)
    pairs = pd.read_csv(HERE / "data" / "parallel_de_en.csv")
    de, en = model.encode(pairs["de"].tolist()), model.encode(pairs["en"].tolist())
    both = center_by_language(np.vstack([de, en]), ["de"] * len(de) + ["en"] * len(en), min_count=1)
    result = {
        "backend": backend, "name": model.name, "dim": int(model.dim), "cold_start_s": round(cold, 2),
        "sentences_per_s": round(speed, 1),
        "retrieval": _retrieval(de, en),
        "retrieval_centred": _retrieval(both[:len(de)], both[len(de):]),
    }
    separability = {}
    for key, path, limit in (("semeval14_en", shared / "semeval14_restaurants_train.csv", 1500),
                             ("germeval17_de", shared / "germeval17_dev.csv", 1500)):
        if path.exists():
            texts, labels = _single_label(path, "text", "labels", limit)
            separability[key] = {"macro_f1": round(_probe(model.encode(texts), labels), 4), "n": len(texts)}
    result["separability"] = separability
    result["peak_rss_mb"] = _peak_rss_mb()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "benchmarks")
    parser.add_argument("--backends", nargs="+", default=BACKENDS)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--sentences", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    if args.worker:
        print(json.dumps(worker(args.worker, args.shared, args.sentences)))
        return
    sentences = HERE / ".sample_sentences.json"  # prepared once here, so workers measure only the model
    sentences.write_text(json.dumps(_sample_sentences(2000), ensure_ascii=False), encoding="utf-8")
    from nps_text.embed.model_build import (
        build_e5_sentence_transformer,
        build_static_model,
        e5_model_dir,
        static_model_dir,
    )

    builds = {}
    for name, target, build in (("e5-st", e5_model_dir(), build_e5_sentence_transformer),
                                ("static", static_model_dir("e5"), build_static_model)):
        if name in args.backends and not target.exists():
            t0 = time.perf_counter()
            build()
            builds[name] = round(time.perf_counter() - t0, 1)
    results = []
    for backend in args.backends:
        out = subprocess.run([sys.executable, __file__, "--worker", backend, "--shared", str(args.shared),
                              "--sentences", str(sentences)], capture_output=True, text=True, check=True)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        result["build_s"] = builds.get(backend)
        results.append(result)
        print(json.dumps(result))
    sentences.unlink()
    payload = {"cpu_count": os.cpu_count(), "python": sys.version.split()[0], "results": results}
    (HERE / "embeddings.json").write_text(json.dumps(payload, indent=2) + "\n")


if __name__ == "__main__":
    main()
