"""Choosing how to combine the fine-tuned and the linear classifier, on SemEval-14's train split only.

    python benchmarks/tagging_dev.py [--shared ../shared/benchmarks] [--fine-tune-layers 4] [--fine-tune-folds 2]
                                     [--fine-tune-members 2]

The test split is not read. The train split is cut 80/20 (the first fold of a seeded 5-fold split);
``ThemeClassifier(fine_tune_layers=K, blend_linear=0.5)`` is trained on the 80 % and its parts are
scored on the 20 %: the fine-tuned head alone (cut-off 0.5), the embeddings + TF-IDF heads alone
(their tuned cut-offs), and their mean with either cut-off rule. Only the equal-weight mean is tried
(no weight is tuned), so the dev set picks between five fixed candidates (the fifth: the 0.5 cut without min_themes),
and with ``--fine-tune-folds K`` a sixth: the mean cut at per-theme cut-offs tuned on out-of-fold
probabilities of K fine-tunes on the 80 % (``ThemeClassifier(fine_tune_folds=K)``; its encoder and
linear heads are the same as without, so one model gives all six). ``--fine-tune-members M`` makes
the fine-tuned part an ensemble of M seeded fine-tunes (``ThemeClassifier(fine_tune_members=M)``; its
first member is the model without). Writes benchmarks/tagging_dev.json;
benchmarks/tagging.py then scores the chosen candidate on test once.
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
from tagging import HERE, ROOT, _commit, _cpu_model, labels, micro  # noqa: E402 - benchmarks/ is the script's folder


def candidates(model, texts: list[str]) -> dict[str, np.ndarray]:
    """0/1 predictions of the fixed ways to use a blended model's parts."""
    parts = model.predict_proba_parts(texts)
    mean = model.blend(parts)  # the model is fitted with blend_linear=0.5
    half = np.full(len(model.classes_), 0.5)
    out = {"mean_out_of_fold_cut_offs": model.decide(mean)} if model.fine_tune_folds else {}  # the model's own cut-offs
    return {**out, "fine_tuned_alone": model.decide(parts["fine_tuned"], half),
            "linear_alone": model.decide(parts["linear"], model.linear_thresholds_),
            "mean_thresholds_mean": model.decide(mean, model.mixed_cut_offs()),  # the fixed rule
            "mean_threshold_0.5": model.decide(mean, half),
            # the model gives every text at least one theme (min_themes_ = 1: every training text has one); without it:
            "mean_threshold_0.5_without_min_themes": mean >= half}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "benchmarks")
    parser.add_argument("--fine-tune-layers", type=int, default=4)
    parser.add_argument("--fine-tune-folds", type=int, default=0)
    parser.add_argument("--fine-tune-members", type=int, default=1)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from nps_text.tagging import ThemeClassifier

    train = pd.read_csv(args.shared / "semeval14_restaurants_train.csv")
    texts, gold = train["text"].tolist(), labels(train)
    fit_idx, dev_idx = next(KFold(5, shuffle=True, random_state=0).split(texts))
    t0, c0 = time.perf_counter(), time.process_time()
    model = ThemeClassifier(fine_tune_layers=args.fine_tune_layers, fine_tune_epochs=4, max_length=64,
                            blend_linear=0.5, fine_tune_folds=args.fine_tune_folds,
                            fine_tune_members=args.fine_tune_members).fit([texts[i] for i in fit_idx], [gold[i] for i in fit_idx])
    dev_texts, dev_gold = [texts[i] for i in dev_idx], [gold[i] for i in dev_idx]
    scores = {name: micro(dev_gold, [list(model.classes_[row]) for row in predicted])
              for name, predicted in candidates(model, dev_texts).items()}
    result = {"how to reproduce": "python benchmarks/tagging_dev.py", "data": "SemEval-14 restaurants train split",
              "n_fit": len(fit_idx), "n_dev": len(dev_idx), "fine_tune_layers": args.fine_tune_layers,
              "fine_tune_folds": args.fine_tune_folds, "fine_tune_members": args.fine_tune_members,
              "candidates": scores, "chosen": max(scores, key=lambda k: scores[k]["f1"]),
              "wall_s": round(time.perf_counter() - t0, 1), "cpu_s": round(time.process_time() - c0, 1),
              "load_average_1m_at_start": round(os.getloadavg()[0], 2), "commit": _commit(),
              "cpu_model": _cpu_model()}
    path = HERE / "tagging_dev.json"
    if path.exists():  # the runs before keep their place, newest last
        before = json.loads(path.read_text())
        earlier = before.get("earlier_runs") or ([before["earlier_run"]] if "earlier_run" in before else [])
        result["earlier_runs"] = earlier + [{
            "commit": before.get("commit", "990d4e5 (with min_themes and the linear heads choosing C / embedding weight)"),
            **{k: before[k] for k in ("fine_tune_folds", "fine_tune_members", "candidates", "chosen", "wall_s", "cpu_s") if k in before}}]
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
