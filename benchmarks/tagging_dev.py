"""Choosing how to combine the fine-tuned and the linear classifier, on SemEval-14's train split only.

    python benchmarks/tagging_dev.py [--shared ../shared/benchmarks] [--fine-tune-layers 4]

The test split is not read. The train split is cut 80/20 (the first fold of a seeded 5-fold split);
``ThemeClassifier(fine_tune_layers=K, blend_linear=0.5)`` is trained on the 80 % and its parts are
scored on the 20 %: the fine-tuned head alone (cut-off 0.5), the embeddings + TF-IDF heads alone
(their tuned cut-offs), and their mean with either cut-off rule. Only the equal-weight mean is tried
(no weight is tuned), so the dev set picks between five fixed candidates (the fifth: the 0.5 cut without min_themes). Writes
benchmarks/tagging_dev.json; benchmarks/tagging.py then scores the chosen candidate on test once.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import KFold

from tagging import HERE, ROOT, labels, micro  # noqa: E402 - benchmarks/ is the script's folder


def candidates(model, texts: list[str]) -> dict[str, np.ndarray]:
    """0/1 predictions of the five fixed ways to use a blended model's parts."""
    parts = model.predict_proba_parts(texts)
    mean = model.blend(parts)  # the model is fitted with blend_linear=0.5
    half = np.full(len(model.classes_), 0.5)
    return {"fine_tuned_alone": model.decide(parts["fine_tuned"], half),
            "linear_alone": model.decide(parts["linear"], model.linear_thresholds_),
            "mean_thresholds_mean": model.decide(mean),  # the model's own cut-offs
            "mean_threshold_0.5": model.decide(mean, half),
            # the model gives every text at least one theme (min_themes_ = 1: every training text has one); without it:
            "mean_threshold_0.5_without_min_themes": mean >= half}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "benchmarks")
    parser.add_argument("--fine-tune-layers", type=int, default=4)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from nps_text.tagging import ThemeClassifier

    train = pd.read_csv(args.shared / "semeval14_restaurants_train.csv")
    texts, gold = train["text"].tolist(), labels(train)
    fit_idx, dev_idx = next(KFold(5, shuffle=True, random_state=0).split(texts))
    t0, c0 = time.perf_counter(), time.process_time()
    model = ThemeClassifier(fine_tune_layers=args.fine_tune_layers, fine_tune_epochs=4, max_length=64,
                            blend_linear=0.5).fit([texts[i] for i in fit_idx], [gold[i] for i in fit_idx])
    dev_texts, dev_gold = [texts[i] for i in dev_idx], [gold[i] for i in dev_idx]
    scores = {name: micro(dev_gold, [list(model.classes_[row]) for row in predicted])
              for name, predicted in candidates(model, dev_texts).items()}
    result = {"how to reproduce": "python benchmarks/tagging_dev.py", "data": "SemEval-14 restaurants train split",
              "n_fit": len(fit_idx), "n_dev": len(dev_idx), "fine_tune_layers": args.fine_tune_layers,
              "candidates": scores, "chosen": max(scores, key=lambda k: scores[k]["f1"]),
              "wall_s": round(time.perf_counter() - t0, 1), "cpu_s": round(time.process_time() - c0, 1),
              "load_average_1m_at_start": round(os.getloadavg()[0], 2)}
    path = HERE / "tagging_dev.json"
    if path.exists():  # the run before keeps its place, marked
        before = json.loads(path.read_text())
        result["earlier_run"] = before.get("earlier_run") or {
            "note": "measured at commit 0f0590e, before the linear heads chose C / embedding weight and min_themes",
            **{k: before[k] for k in ("candidates", "chosen") if k in before}}
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
