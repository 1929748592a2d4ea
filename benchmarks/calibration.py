"""Are ThemeClassifier's probabilities calibrated? Platt scaling (``calibrate=True``, the default) against the raw heads.

    python benchmarks/calibration.py [--shared ../shared/benchmarks] [--embedder e5]

Writes benchmarks/calibration.json. The default classifier (e5 + TF-IDF, logistic heads) is trained
once per split, on SemEval-14 restaurants train → test and in GermEval-17's 5 folds (the folds of
benchmarks/tagging.py). Its raw probabilities are recovered exactly from the calibrated ones through
the per-theme maps it learned (``calibration_``: slope and intercept on the logit), so both are
scored on the same model and the same items:

* ``ece``: expected calibration error over every (item, theme) cell, 10 equal-width bins;
* ``ece_predicted``: the same over the cells the model tags (what an analyst reads as ``score``);
* ``brier``: mean squared error of the probabilities over every cell;
* ``mean_score_of_tags`` next to ``precision_of_tags``: a calibrated tagger's mean score on its
  tags is their precision;
* ``micro_f1``: the decisions (identical by construction; checked here).
"""

from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd
from _args import benchmark_args  # noqa: E402 - beside this script
from sklearn.model_selection import KFold
from tagging import HERE, _commit, _cpu_model, labels, micro  # noqa: E402


def ece(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error: bin-size-weighted gap between mean probability and frequency."""
    if not len(p):
        return 0.0
    which = np.minimum((p * bins).astype(int), bins - 1)
    return float(sum((which == b).mean() * abs(y[which == b].mean() - p[which == b].mean())
                     for b in range(bins) if (which == b).any()))


def scores(Y: np.ndarray, P: np.ndarray, D: np.ndarray) -> dict:
    tagged = D.astype(bool)
    return {"ece": round(ece(Y.ravel(), P.ravel()), 4), "ece_predicted": round(ece(Y[tagged], P[tagged]), 4),
            "brier": round(float(((P - Y) ** 2).mean()), 5), "mean_score_of_tags": round(float(P[tagged].mean()), 3),
            "precision_of_tags": round(float(Y[tagged].mean()), 3)}


def raw_proba(model, calibrated: np.ndarray) -> np.ndarray:
    """The heads' probabilities before Platt scaling, from the calibrated ones and the learned maps."""
    from nps_text._core.arrays import sigmoid
    from nps_text.tagging.classifier import _uncalibrated

    return sigmoid(_uncalibrated(calibrated, model.calibration_))


def run(splits, texts: list[str], gold: list[list[str]], embedder: str) -> dict:
    from nps_text.tagging import ThemeClassifier
    from nps_text.tagging.classifier import _decide

    cells = {"raw": [], "calibrated": []}
    found = {"raw": [None] * len(texts), "calibrated": [None] * len(texts)}
    t0, slopes = time.perf_counter(), []
    for train, test in splits:
        model = ThemeClassifier(embedder=embedder).fit([texts[i] for i in train], [gold[i] for i in train])
        te = [texts[i] for i in test]
        known = [[t for t in gold[i] if t in set(model.classes_)] for i in test]  # a theme unseen in training: no column
        Y = model.binarizer_.transform(known)
        calibrated = model.predict_proba(te)
        raw = raw_proba(model, calibrated)
        # the raw model's decisions: its cut-offs (the calibrated ones mapped back) and min_themes on raw probabilities
        raw_cut = raw_proba(model, model.thresholds_[None, :])[0]
        for name, P, D in (("raw", raw, _decide(raw, raw_cut, model.min_themes_)),
                           ("calibrated", calibrated, model.decide(calibrated))):
            cells[name].append((Y.ravel(), P.ravel(), D.ravel()))  # folds may differ in themes: pool the cells
            for i, row in zip(test, D):
                found[name][i] = list(model.classes_[row])
        slopes += model.calibration_[:, 0].tolist()
    scored = sorted({int(i) for _, test in splits for i in test})
    out = {"n_scored": len(scored)}
    for name, parts in cells.items():
        Y, P, D = (np.concatenate([part[k] for part in parts]) for k in range(3))
        out[name] = {**scores(Y, P, D), "micro_f1": micro([gold[i] for i in scored], [found[name][i] for i in scored])["f1"]}
    out["same_decisions"] = found["raw"] == found["calibrated"]
    out["platt_slopes"] = {"min": round(min(slopes), 3), "median": round(float(np.median(slopes)), 3),
                           "max": round(max(slopes), 3), "left_unchanged": int(sum(s == 1.0 for s in slopes)),
                           "themes_times_splits": len(slopes)}
    out["wall_s"] = round(time.perf_counter() - t0, 1)
    return out


def main() -> None:
    args = benchmark_args(__doc__)
    train = pd.read_csv(args.shared / "semeval14_restaurants_train.csv")
    test = pd.read_csv(args.shared / "semeval14_restaurants_test.csv")
    texts, gold = train["text"].tolist() + test["text"].tolist(), labels(train) + labels(test)
    semeval = run([(np.arange(len(train)), np.arange(len(train), len(texts)))], texts, gold, args.embedder)
    data = pd.read_csv(args.shared / "germeval17_dev.csv")
    texts, gold = data["text"].tolist(), labels(data)
    germeval = run(list(KFold(5, shuffle=True, random_state=0).split(texts)), texts, gold, args.embedder)
    result = {"how to reproduce": "python benchmarks/calibration.py", "embedder": args.embedder,
              "classifier": "ThemeClassifier() default: e5 + TF-IDF, logistic heads, Platt scaling on out-of-fold predictions",
              "semeval14_restaurants_test": semeval, "germeval17_5_fold": germeval,
              "machine": {"commit": _commit(), "cpu_model": _cpu_model()}}
    (HERE / "calibration.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
