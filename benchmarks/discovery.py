"""Theme discovery against BERTopic and k-means, side by side in one run, on the same embeddings.

    python benchmarks/discovery.py [--shared ../shared/benchmarks] [--seeds 0 1] [--datasets semeval nhs germeval]

Datasets (public, third-party; read from --shared, never copied into the repo):

* SemEval-14 restaurants, train + test sentences (3,841), gold aspect categories;
* NHS Friends-and-Family Test comments (v6 framework), gold themes; "Labelling not possible"
  and "Not assigned" are no themes and are left out of the scores;
* GermEval-17 dev documents (German, 1,931), gold main aspect categories.

Every item (sentence or comment) is embedded once (cached) in this process with the encoder
``nps-text discover`` picks by default for the data (``embedder="auto"``: MiniLM for English-only
text, e5 otherwise); each tool and seed then runs in its own subprocess on the same vectors, so that wall time, CPU time
(``time.process_time``) and peak memory (``VmHWM`` of that subprocess, which includes the
Python and library baseline) are its own. Times cover the fit (clustering + keyword
description) only: embeddings are given to both, and our lemmas come from
``prepare_text``, which runs before the clock (BERTopic tokenises raw text inside its fit).

Scores: NMI and ARI against the gold label on single-label items (an outlier/unassigned bucket
counts as one cluster, as an analyst would see it); ours is scored at the top level of its theme
tree (``nmi``) and at the sub-theme level (``nmi_sub``); unassigned share over all items
(BERTopic: topic -1; ours: label -1 — our filler items are reported apart); seed stability: ARI
between the labels of two seeds over all items; resampling stability: ARI, on the items both
contain, between fits (first seed) on two fixed random 80% subsamples (the same for every tool).
k-means: scikit-learn ``KMeans(k = number of gold labels, n_init=4)`` on the language-centred,
normalised vectors, each item to its nearest centre (no unassigned).

BERTopic 0.17 is run as documented: ``BERTopic(language="multilingual", umap_model=UMAP(
n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=seed))`` with its
default HDBSCAN, ``fit_transform(texts, embeddings=vectors)``.

Our defaults were chosen on SemEval-14 only (n_components, the number-of-themes rule, see
docs/benchmarks.md); NHS FFT is reported with the same defaults, untouched.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
NOT_THEMES = ("Labelling not possible", "Not assigned")


def load_dataset(name: str, shared: Path):
    """(texts, gold label or None per item, single-label mask) of a benchmark dataset."""
    import numpy as np
    import pandas as pd

    if name == "germeval":
        frame = pd.read_csv(shared / "germeval17_dev.csv")
        labels = frame["labels"].fillna("").astype(str)
        single = ~labels.str.contains(r"\|").to_numpy() & (labels != "").to_numpy()
        return frame["text"].astype(str).tolist(), labels.to_numpy(dtype=object), single
    if name == "semeval":
        frame = pd.concat([pd.read_csv(shared / "semeval14_restaurants_train.csv"),
                           pd.read_csv(shared / "semeval14_restaurants_test.csv")], ignore_index=True)
        labels = frame["labels"].astype(str)
        return frame["text"].astype(str).tolist(), labels.to_numpy(), ~labels.str.contains(r"\|").to_numpy()
    frame = pd.read_csv(shared / "nhs_fft" / "v6framework_230831.csv")
    frame = frame[frame["FFT answer"].notna() & frame["FFT answer"].astype(str).str.strip().ne("")]
    onehot = frame[frame.columns[11:]].fillna(0).astype(int)
    gold = onehot.idxmax(axis=1).to_numpy()
    single = (onehot.sum(axis=1) == 1).to_numpy() & ~np.isin(gold, NOT_THEMES)
    return frame["FFT answer"].astype(str).tolist(), gold, single


def item_sentences(texts: list[str]):
    """One row per item with its lemmas and language from prepare_text (clauses joined back)."""
    import pandas as pd

    from nps_text.text.prepare import prepare_text

    ids = [str(i) for i in range(len(texts))]
    responses, sentences = prepare_text(pd.DataFrame({"response_id": ids, "comment": texts}))
    lemmas = sentences.groupby("response_id")["lemmas"].agg(lambda s: " ".join(x for x in s if x))
    return pd.DataFrame({"response_id": ids, "sentence_id": 0, "text": texts,
                         "lang": responses["lang"].astype(str).to_numpy(),
                         "lemmas": pd.Series(ids).map(lemmas).fillna("").to_numpy()})


# ----------------------------------------------------------------------------- worker side
def _subset(n: int, which: int):
    """One of the two fixed 80% subsamples used for the resampling check (the same for every tool)."""
    import numpy as np

    return np.sort(np.random.default_rng(12345 + which).choice(n, size=int(0.8 * n), replace=False))


def _worker(tool: str, seed: int, folder: Path, resample: int = 0) -> None:
    import numpy as np
    import pandas as pd

    vectors = np.load(folder / "vectors.npy", allow_pickle=False)
    texts = json.loads((folder / "texts.json").read_text(encoding="utf-8"))
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    rows = _subset(len(texts), resample) if resample else np.arange(len(texts))
    vectors, texts = vectors[rows], [texts[i] for i in rows]
    wall, cpu = time.perf_counter(), time.process_time()
    if tool == "bertopic":
        from bertopic import BERTopic
        from umap import UMAP

        model = BERTopic(language="multilingual",
                         umap_model=UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine",
                                         random_state=seed))
        labels, _ = model.fit_transform(texts, embeddings=vectors)
        labels = np.asarray(labels)
    elif tool == "kmeans":
        from sklearn.cluster import KMeans

        from nps_text.embed import center_by_language

        sentences = pd.read_json(folder / "sentences.json", orient="split", dtype=False).iloc[rows]
        x = center_by_language(vectors, sentences["lang"].astype(str).tolist())
        x = x / np.linalg.norm(x, axis=1, keepdims=True)
        labels = KMeans(n_clusters=meta["k_gold"], n_init=4, random_state=seed).fit_predict(x)
    else:
        from nps_text.discover import ThemeDiscovery

        sentences = pd.read_json(folder / "sentences.json", orient="split", dtype=False).iloc[rows]
        params = {"method": "hdbscan"} if tool == "ours-hdbscan" else {}
        model = ThemeDiscovery(seed=seed, **params).fit(sentences, vectors)
        labels = model.top_labels_
        np.save(folder / f"sublabels_{tool}_{seed}_{resample}.npy", model.labels_.astype(np.int64), allow_pickle=False)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    np.save(folder / f"labels_{tool}_{seed}_{resample}.npy", np.asarray(labels).astype(np.int64), allow_pickle=False)
    peak = _vm_hwm_mb()
    print(json.dumps({"wall_s": wall, "cpu_s": cpu, "peak_rss_mb": peak}))


def _vm_hwm_mb() -> float:
    """Peak resident memory of this process (VmHWM; unlike ru_maxrss it does not inherit the parent's)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _run(tool: str, seed: int, folder: Path, resample: int = 0) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "2",
           "MKL_NUM_THREADS": "2", "NUMBA_NUM_THREADS": "2", "TOKENIZERS_PARALLELISM": "false"}
    done = subprocess.run([sys.executable, __file__, "--worker", tool, str(seed), str(folder)]
                          + ["--resample", str(resample)],
                          capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{tool} seed {seed} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------------- parent side
def _scores(labels, gold, single) -> dict:
    import numpy as np
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    assigned = labels >= 0
    return {"nmi": round(float(normalized_mutual_info_score(gold[single], labels[single])), 4),
            "ari": round(float(adjusted_rand_score(gold[single], labels[single])), 4),
            "nmi_assigned_only": round(float(normalized_mutual_info_score(gold[single & assigned],
                                                                           labels[single & assigned])), 4),
            "unassigned_share": round(float((labels == -1).mean()), 4),
            "filler_share": round(float((labels == -2).mean()), 4),
            "n_themes": int(len(np.unique(labels[assigned])))}


def run_dataset(name: str, shared: Path, seeds: list[int], tools: list[str]) -> dict:
    import numpy as np
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    from nps_text.embed import choose_embedder
    from nps_text.embed.backends import embed

    texts, gold, single = load_dataset(name, shared)
    sentences = item_sentences(texts)
    embedder = choose_embedder("auto", sentences["lang"].astype(str).tolist())
    vectors = embed(texts, embedder, progress=False)
    k_gold = int(len(set(gold[single])))
    out = {"dataset": name, "n_items": len(texts), "n_single_label": int(single.sum()), "embedder": embedder,
           "n_gold_labels": k_gold, "tools": {}}
    with tempfile.TemporaryDirectory(prefix="nps-discovery-bench-") as tmp:
        folder = Path(tmp)
        np.save(folder / "vectors.npy", vectors, allow_pickle=False)
        (folder / "texts.json").write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
        sentences.to_json(folder / "sentences.json", orient="split", index=False, force_ascii=False)
        (folder / "meta.json").write_text(json.dumps({"k_gold": k_gold}), encoding="utf-8")
        for tool in tools:
            runs, labels = [], []
            for seed in seeds:
                timing = _run(tool, seed, folder)
                labels.append(np.load(folder / f"labels_{tool}_{seed}_0.npy", allow_pickle=False))
                runs.append({"seed": seed, **{k: round(v, 2) for k, v in timing.items()},
                             **_scores(labels[-1], gold, single)})
                sub = folder / f"sublabels_{tool}_{seed}_0.npy"
                if sub.is_file():
                    runs[-1]["nmi_sub"] = round(float(normalized_mutual_info_score(
                        gold[single], np.load(sub, allow_pickle=False)[single])), 4)
                print(name, tool, runs[-1], flush=True)
            stability = [round(float(adjusted_rand_score(labels[0], other)), 4) for other in labels[1:]]
            parts = []
            for which in (1, 2):
                _run(tool, seeds[0], folder, resample=which)
                part = np.load(folder / f"labels_{tool}_{seeds[0]}_{which}.npy", allow_pickle=False)
                parts.append(dict(zip(_subset(len(texts), which).tolist(), part.tolist())))
            common = sorted(set(parts[0]) & set(parts[1]))
            resample_ari = round(float(adjusted_rand_score([parts[0][i] for i in common],
                                                           [parts[1][i] for i in common])), 4)
            first = runs[0]
            out["tools"][tool] = {**{k: first[k] for k in ("nmi", "ari", "nmi_assigned_only", "unassigned_share",
                                                           "filler_share", "n_themes") + (
                                                               ("nmi_sub",) if "nmi_sub" in first else ())},
                                  "seed_stability_ari": min(stability) if stability else None,
                                  "resample_stability_ari": resample_ari,
                                  "wall_s_mean": round(sum(r["wall_s"] for r in runs) / len(runs), 2),
                                  "cpu_s_mean": round(sum(r["cpu_s"] for r in runs) / len(runs), 2),
                                  "peak_rss_mb_max": max(r["peak_rss_mb"] for r in runs), "runs": runs}
    if "ours" in out["tools"] and "bertopic" in out["tools"]:
        ours, theirs = out["tools"]["ours"], out["tools"]["bertopic"]
        out["speedup_wall"] = round(theirs["wall_s_mean"] / ours["wall_s_mean"], 1)
        out["speedup_cpu"] = round(theirs["cpu_s_mean"] / ours["cpu_s_mean"], 1)
        target_nmi = {"semeval": 0.40, "nhs": 0.50}.get(name)
        kmeans = out["tools"].get("kmeans", {}).get("nmi", 0)
        out["targets"] = {"nmi_target": target_nmi if target_nmi else "above BERTopic and k-means",
                          "nmi_met": ours["nmi"] >= target_nmi if target_nmi else ours["nmi"] > max(theirs["nmi"], kmeans),
                          "unassigned_le_5pct": ours["unassigned_share"] <= 0.05,
                          "seed_ari_ge_0.95": (ours["seed_stability_ari"] or 0) >= 0.95,
                          "resample_ari_ge_0.80": ours["resample_stability_ari"] >= 0.80}
    return out


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        _worker(sys.argv[2], int(sys.argv[3]), Path(sys.argv[4]), resample=int(sys.argv[sys.argv.index("--resample") + 1]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "benchmarks")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--datasets", nargs="+", default=["semeval", "nhs", "germeval"],
                        choices=["semeval", "nhs", "germeval"])
    parser.add_argument("--tools", nargs="+", default=["ours", "kmeans", "bertopic"])
    parser.add_argument("--out", type=Path, default=HERE / "discovery.json")
    args = parser.parse_args()
    import bertopic
    import sklearn

    load_before = os.getloadavg()
    datasets = [run_dataset(name, args.shared, args.seeds, args.tools) for name in args.datasets]
    load_after = os.getloadavg()
    busy = load_before[0] > (os.cpu_count() or 1) / 2  # after the run the load is mostly the run's own
    results = {"command": "python benchmarks/discovery.py " + " ".join(sys.argv[1:]),
               "embedder": "per dataset, as embedder='auto' chooses (see each dataset's 'embedder'); the same "
                           "vectors for every tool",
               "cpu_count": os.cpu_count(), "threads_per_tool": 2,
               "versions": {"bertopic": bertopic.__version__, "scikit-learn": sklearn.__version__},
               "loadavg_before": [round(x, 2) for x in load_before], "loadavg_after": [round(x, 2) for x in load_after],
               "machine_shared": busy,
               "machine_note": ("1-minute load average above half the CPU count before the run: other processes "
                                "used the cores, wall times are inflated; CPU times are the fairer comparison") if busy
                               else "1-minute load average at most half the CPU count before the run (the load after "
                                    "it is mostly the run's own 2 threads)",
               "peak_memory": "VmHWM (peak resident set) of each tool's own subprocess, interpreter and imports included",
               "datasets": datasets}
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
