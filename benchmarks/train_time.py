"""How long `nps-text train` takes with its default settings and with a full outer cross-validation.

Runs the installed CLI on SemEval-14 restaurants' train split (3,041 labelled English sentences,
5 themes) with the default embedder: defaults with an empty embedding cache ("cold"), the same
again with that cache ("warm"), and `--folds 5` cold. Records wall and CPU seconds, the largest peak RSS
of the runs so far (what the OS reports for child processes), and the micro-F1 the model card reports, with the CPU model. Writes benchmarks/train_time.json.

    python benchmarks/train_time.py [--shared ../shared/benchmarks]
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _args import ROOT, benchmark_args, cpu_model  # noqa: E402

RUNS = [("defaults, cold", [], True), ("defaults, warm", [], False), ("--folds 5, cold", ["--folds", "5"], True)]


def _run(labelled: Path, extra: list[str], cache: Path, out: Path) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([str(Path(sys.executable).parent / "nps-text"), "train", str(labelled), "-o", str(out),
                    "--no-progress", *extra], check=True, env={**os.environ, "NPS_TEXT_CACHE_DIR": str(cache)},
                   capture_output=True, cwd=ROOT)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    card = json.loads((out / "card.json").read_text(encoding="utf-8"))
    return {"wall_s": round(wall, 1),
            "cpu_s": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1),
            "peak_rss_mb_max_so_far": round(after.ru_maxrss / 1024),
            "card_metrics_method": card["metrics"].get("method"),
            "card_micro_f1": round(_scores(card["metrics"])["micro"]["f1"], 4)}


def _scores(metrics: dict) -> dict:
    """The evaluate() result a card's metrics hold, whichever way they were made."""
    return metrics["out_of_fold"] if metrics["method"] == "out-of-fold" else metrics["cross_validated"]


def main() -> None:
    args = benchmark_args(__doc__)
    labelled = args.shared / "semeval14_restaurants_train.csv"
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "cache"
        for name, extra, cold in RUNS:
            if cold:
                cache = Path(tempfile.mkdtemp(dir=tmp))
            results[name] = _run(labelled, extra, cache, Path(tmp) / name.replace(" ", "_").replace(",", ""))
            print(name, results[name], flush=True)
    out = {"data": labelled.name, "cpu": cpu_model(), "cores": os.cpu_count(), "runs": results,
           "command": "python benchmarks/train_time.py"}
    (Path(__file__).with_suffix(".json")).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
