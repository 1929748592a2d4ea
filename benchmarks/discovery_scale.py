"""How theme discovery's cost grows with the number of clauses: 10k, 100k, 1M on 2 threads.

    python benchmarks/discovery_scale.py [--shared ../shared/benchmarks] [--sizes 10000 100000 1000000]

The vectors are NOT 100,000 freshly encoded comments (encoding them with e5 would take hours on
this machine): they are real e5 vectors of ~11,000 distinct texts (the sample survey's clauses,
SemEval-14 sentences, NHS FFT comments), resampled with replacement and perturbed with Gaussian
noise (sigma 0.01 per dimension, then re-normalised), each row keeping its text's lemmas and
language. This measures the clustering + description cost honestly; it says nothing about theme
quality. Encoding cost is separate (``benchmarks/embeddings.py``: e5 sentences per second).

Each size runs ``ThemeDiscovery()`` with its defaults in its own subprocess (2 BLAS threads);
recorded: wall and CPU seconds of ``fit`` (which assigns every clause) and of ``predict`` on all
clauses again, VmHWM (peak resident memory of the subprocess, interpreter and the loaded
vectors and clauses included), and the machine's load average before and after (the machine is
shared: a load above 2 on its 2 cores inflates the wall times). Above ``max_fit`` (10,000) the
tree is built on ``n_micro`` micro-clusters: the exact Ward tree of a systematic sample cut into
``n_micro`` clusters, every clause assigned to the nearest of them, the upper tree Ward on their
weighted centroids; the reduced vectors are kept as float16 there. No step uses the seed, so there
a second fit with seed 1 checks that the seed changes nothing: ARI between the two labelings of
all clauses, at the top level and at the sub-theme level (1.0 expected). Targets (issue #18): 100,000
clauses fitted within 60 s CPU, 1,000,000 within 4 GB peak memory.
Writes benchmarks/discovery_scale.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from _args import machine_load  # noqa: E402 - beside this script


def _base(shared: Path):
    import numpy as np
    import pandas as pd
    from discovery import item_sentences, load_dataset

    from nps_text import load_survey
    from nps_text.embed.backends import embed
    from nps_text.text.prepare import prepare_text

    responses, _ = load_survey(ROOT / "data" / "sample_survey.csv")
    _, sample = prepare_text(responses)
    frames = [sample[["response_id", "sentence_id", "text", "lang", "lemmas"]]]
    for name in ("semeval", "nhs"):
        texts, _, _ = load_dataset(name, shared)
        frames.append(item_sentences(texts).assign(response_id=lambda f, n=name: n + f["response_id"]))
    frame = pd.concat(frames, ignore_index=True).drop_duplicates("text", ignore_index=True)
    return frame, embed(frame["text"].tolist(), "e5").astype(np.float32)


def _vm_hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _worker(folder: Path, seed: int) -> None:
    import numpy as np
    import pandas as pd

    from nps_text.discover import ThemeDiscovery

    vectors = np.load(folder / "vectors.npy", allow_pickle=False)
    sentences = pd.read_parquet(folder / "sentences.parquet")
    before = _vm_hwm_mb()
    wall, cpu = time.perf_counter(), time.process_time()
    model = ThemeDiscovery(seed=seed).fit(sentences, vectors)
    fit_wall, fit_cpu = time.perf_counter() - wall, time.process_time() - cpu
    wall, cpu = time.perf_counter(), time.process_time()
    np.save(folder / f"labels_{seed}.npy", model.predict(sentences, vectors), allow_pickle=False)
    np.save(folder / f"top_{seed}.npy", model.top_labels_, allow_pickle=False)
    print(json.dumps({"fit_wall_s": round(fit_wall, 2), "fit_cpu_s": round(fit_cpu, 2),
                      "predict_wall_s": round(time.perf_counter() - wall, 2),
                      "predict_cpu_s": round(time.process_time() - cpu, 2),
                      "peak_rss_mb": round(_vm_hwm_mb(), 1), "rss_after_loading_data_mb": round(before, 1),
                      "n_themes": model.report_["n_themes"], "n_top_themes": model.report_["n_top_themes"],
                      "tree": model.report_.get("tree"), "n_fit": model.report_["n_fit"],
                      "share_unassigned": round(model.report_["share_unassigned"], 4)}))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        _worker(Path(sys.argv[2]), int(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "benchmarks")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    import numpy as np

    frame, vectors = _base(args.shared)
    rng = np.random.default_rng(args.seed)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "2",
           "MKL_NUM_THREADS": "2"}
    results = []
    for n in args.sizes:
        rows = rng.integers(0, len(frame), size=n)
        noisy = vectors[rows] + rng.normal(0, 0.01, size=(n, vectors.shape[1])).astype(np.float32)
        noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
        sentences = frame.iloc[rows].reset_index(drop=True)
        sentences["response_id"] = [f"r{i}" for i in range(n)]
        with tempfile.TemporaryDirectory(prefix="nps-discovery-scale-") as tmp:
            folder = Path(tmp)
            np.save(folder / "vectors.npy", noisy, allow_pickle=False)
            sentences.to_parquet(folder / "sentences.parquet", index=False)
            del noisy, sentences
            runs = []
            load_before = os.getloadavg()[0]
            for seed in (0, 1) if n > 10_000 else (0,):  # beyond max_fit a second seed must change nothing
                done = subprocess.run([sys.executable, __file__, "--worker", str(folder), str(seed)],
                                      capture_output=True, text=True, env=env, check=False)
                if done.returncode != 0:
                    raise RuntimeError(done.stderr[-3000:])
                runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
            result = {"n_clauses": n, **runs[0], "load_avg_1min_before": round(load_before, 2),
                      "load_avg_1min_after": round(os.getloadavg()[0], 2)}
            if len(runs) > 1:
                from sklearn.metrics import adjusted_rand_score

                labels = [np.load(folder / f"labels_{seed}.npy", allow_pickle=False) for seed in (0, 1)]
                result["seed_stability_ari_sub"] = round(float(adjusted_rand_score(*labels)), 4)
                tops = [np.load(folder / f"top_{seed}.npy", allow_pickle=False) for seed in (0, 1)]
                result["seed_stability_ari_top"] = round(float(adjusted_rand_score(*tops)), 4)
                result["seed_1_fit_wall_s"] = runs[1]["fit_wall_s"]
        results.append(result)
        print(results[-1], flush=True)
        out = {"command": "python benchmarks/discovery_scale.py " + " ".join(sys.argv[1:]),
               "vectors": f"{len(frame)} distinct real e5 vectors (sample clauses, SemEval-14, NHS FFT), resampled "
                          "with replacement + N(0, 0.01) noise per dimension, re-normalised",
               "dim": int(vectors.shape[1]), "threads": 2, **machine_load(),
               "targets": {"fit_cpu_s_at_100000": 60, "peak_rss_mb_at_1000000": 4000},
               "sizes_requested": args.sizes, "results": results}
        # written after every size, so that a long last size leaves the smaller ones on record
        (HERE / "discovery_scale.json").write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
