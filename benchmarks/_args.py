"""The command line every benchmark shares: where the public data lives, which embedder to use."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOAD_BEFORE = os.getloadavg()  # at import, before the benchmark adds its own load


def benchmark_args(doc: str | None) -> argparse.Namespace:
    """``--shared PATH`` (default ``../shared/benchmarks`` beside the checkout) and ``--embedder``; offline."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "benchmarks")
    parser.add_argument("--embedder", default="e5")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if not args.shared.exists():
        sys.exit(f"{args.shared} not found: pass --shared PATH to the benchmark data.")
    return args


def machine_load() -> dict:
    """Was the machine busy before this run? From the 1-minute load average at import, for the JSON."""
    shared = LOAD_BEFORE[0] > (os.cpu_count() or 1) / 2
    return {"loadavg_before": [round(x, 2) for x in LOAD_BEFORE], "machine_shared": shared,
            "machine_note": ("1-minute load average above half the CPU count before the run: other processes used "
                             "the cores, times are inflated") if shared else
                            "1-minute load average at most half the CPU count before the run",
            "cpu_count": os.cpu_count()}


def cpu_model() -> str:
    """The processor's name, for the JSON (floating-point results can differ in the last digits between processors)."""
    import platform

    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def sample_gold():
    """The synthetic sample with its planted themes: ``(sentences, planted themes, response ids, gold labels)``."""
    import pandas as pd

    from nps_text.io.load import load_survey
    from nps_text.text.prepare import prepare_text

    responses = load_survey(ROOT / "data" / "sample_survey.csv").responses
    truth = pd.read_csv(ROOT / "data" / "sample_truth.csv")
    sentences = prepare_text(responses).sentences
    planted = set(truth["themes"].dropna().str.split("|").explode())
    gold_by_id = dict(zip(truth["response_id"], truth["themes"].fillna("")))
    ids = responses["response_id"].tolist()
    return sentences, planted, ids, [[t for t in gold_by_id.get(i, "").split("|") if t] for i in ids]
