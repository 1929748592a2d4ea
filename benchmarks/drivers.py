"""Validate the driver statistics by simulation: recovery, false discoveries, interval coverage.

    python benchmarks/drivers.py            # writes benchmarks/drivers.json (about 10 minutes on 2 cores)
    python benchmarks/drivers.py --reps 50  # a quick look

Each simulated survey: three segments with different baselines (8.5 / 8.3 / 7.8), 15 % of
respondents write no usable comment (so they mention no theme), ten themes drawn per written
comment — five with planted effects on the latent score, four null themes drawn independently,
and one null theme co-mentioned with the strongest driver — and the 0-10 score
``round(baseline + sum of effects + Normal(0, 1.5))`` clipped to 0..10.

The truth each interval is checked against is the *population* impact of each theme over the
default base (respondents with a written comment): ``s (NPS_theme - NPS_rest)`` computed on a
simulated population of 2,000,000 respondents (its own sampling error is about ±0.03 points).
"Recovered" means significant after Benjamini-Hochberg at 5 % across the ten themes; a false
discovery is a significant independent null theme. The co-mentioned null theme *is* associated
with the score (through the driver it travels with), so it is a true association for the
one-theme-at-a-time table and a null for the multivariate logistic model, where it is counted.

The misclassification scenario tags the same surveys with a noisy tagger (each true mention found
with probability 0.75, each other written comment tagged by mistake with probability 0.02, whatever
the score), estimates its precision and recall on 400 labelled comments per survey, and checks the
corrected intervals (and the naive ones) against the true population impact.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _args import machine_load  # noqa: E402 - beside this script

from nps_text.drivers.misclassification import correct_misclassification  # noqa: E402
from nps_text.drivers.models import driver_regression  # noqa: E402
from nps_text.drivers.table import theme_table  # noqa: E402

THEMES = {  # name: (share among written comments, effect on the latent score)
    "delivery_neg": (0.12, -3.0), "service_pos": (0.16, 1.8), "quality_neg": (0.08, -1.5),
    "price_neg": (0.10, -1.0), "speed_pos": (0.10, 0.8),
    "null_a": (0.08, 0.0), "null_b": (0.10, 0.0), "null_c": (0.05, 0.0), "null_d": (0.15, 0.0),
    "null_comention": (None, 0.0),  # 50 % with delivery_neg, else 4 %
}
PLANTED = [t for t, (_, e) in THEMES.items() if e != 0]
NULL_INDEPENDENT = ["null_a", "null_b", "null_c", "null_d"]
BASELINE = np.array([8.5, 8.3, 7.8])
SEGMENT_P = [0.6, 0.28, 0.12]


def simulate(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(scores, written, theme matrix n × 10, segment codes)."""
    segment = rng.choice(3, size=n, p=SEGMENT_P)
    written = rng.random(n) < 0.85
    X = np.zeros((n, len(THEMES)), dtype=bool)
    for j, (name, (share, _)) in enumerate(THEMES.items()):
        if share is None:
            p = np.where(X[:, 0], 0.5, 0.04)
            X[:, j] = rng.random(n) < p
        else:
            X[:, j] = rng.random(n) < share
    X &= written[:, None]
    effects = np.array([e for _, e in THEMES.values()])
    latent = BASELINE[segment] + X @ effects + rng.normal(0, 1.5, n)
    return np.clip(np.rint(latent), 0, 10).astype(int), written, X, segment


def population_impact(scores: np.ndarray, written: np.ndarray, X: np.ndarray) -> np.ndarray:
    x = np.where(scores >= 9, 100.0, np.where(scores <= 6, -100.0, 0.0))[written]
    M = X[written]
    nps_all = x.mean()
    rest = ((~M) * x[:, None]).sum(axis=0) / (~M).sum(axis=0)
    return nps_all - rest


def to_frames(scores, written, X, segment):
    n = len(scores)
    ids = [f"r{i}" for i in range(n)]
    responses = pd.DataFrame({"response_id": ids, "score": scores,
                              "comment": np.where(written, "a written comment", ""),
                              "segment": np.array(["individual", "small_business", "enterprise"])[segment]})
    rows, cols = np.nonzero(X)
    names = np.array(list(THEMES))
    mentions = pd.DataFrame({"response_id": np.array(ids)[rows], "theme": names[cols]})
    return responses, mentions


def run_scenario(n: int, reps: int, truth: pd.Series, rng: np.random.Generator, *, models_every: int,
                 boot_every: int, base_all: bool = True) -> dict:
    sig = {t: 0 for t in THEMES}
    sig_all = {t: 0 for t in THEMES}
    covered = {t: 0 for t in THEMES}
    boot_cov, boot_n = 0, 0
    fdp, model_null, model_planted, model_runs = [], {t: 0 for t in THEMES}, 0, 0
    for rep in range(reps):
        responses, mentions = to_frames(*simulate(n, rng))
        boot = 500 if boot_every and rep % boot_every == 0 else 0
        table = theme_table(responses, mentions, n_boot=boot, seed=rep).set_index("theme").reindex(list(THEMES))
        for t in THEMES:
            sig[t] += bool(table.loc[t, "significant"])
            covered[t] += bool(table.loc[t, "impact_low"] <= truth[t] <= table.loc[t, "impact_high"])
        discoveries = int(table["significant"].fillna(False).sum())
        false = int(table.loc[NULL_INDEPENDENT, "significant"].fillna(False).sum())
        fdp.append(false / discoveries if discoveries else 0.0)
        if boot:
            inside = (table["impact_boot_low"] <= truth) & (truth <= table["impact_boot_high"])
            boot_cov += int(inside.sum())
            boot_n += len(THEMES)
        if base_all:
            table_all = theme_table(responses, mentions, base="all").set_index("theme").reindex(list(THEMES))
            for t in THEMES:
                sig_all[t] += bool(table_all.loc[t, "significant"])
        if models_every and rep % models_every == 0:
            model = driver_regression(responses, mentions, outcome="detractor", controls=["segment"],
                                      min_mentions=1).set_index("term")
            model_runs += 1
            for t in THEMES:
                model_null[t] += bool(t in model.index and model.loc[t, "significant"])
            model_planted += sum(bool(t in model.index and model.loc[t, "significant"]) for t in PLANTED)
    nulls_all = NULL_INDEPENDENT + ["null_comention"]
    out = {
        "n": n, "reps": reps,
        "recovery_rate": {t: sig[t] / reps for t in PLANTED},
        "recovery_rate_all_planted": sum(sig[t] for t in PLANTED) / (reps * len(PLANTED)),
        "false_positive_rate_independent_nulls": sum(sig[t] for t in NULL_INDEPENDENT) / (reps * len(NULL_INDEPENDENT)),
        "false_discovery_rate": float(np.mean(fdp)),
        "comentioned_null_flagged_univariate": sig["null_comention"] / reps,
        "coverage": {t: covered[t] / reps for t in THEMES},
        "coverage_all_themes": sum(covered.values()) / (reps * len(THEMES)),
    }
    if boot_n:
        out["bootstrap_coverage_all_themes"] = boot_cov / boot_n
        out["bootstrap_reps"] = boot_n // len(THEMES)
    if base_all:
        out["base_all_false_positive_rate_independent_nulls"] = \
            sum(sig_all[t] for t in NULL_INDEPENDENT) / (reps * len(NULL_INDEPENDENT))
    if model_runs:
        out["logistic_model"] = {
            "reps": model_runs,
            "recovery_rate_all_planted": model_planted / (model_runs * len(PLANTED)),
            "false_positive_rate_all_nulls": sum(model_null[t] for t in nulls_all) / (model_runs * len(nulls_all)),
            "comentioned_null_flagged": model_null["null_comention"] / model_runs,
        }
    return out


def noisy_tagger(X: np.ndarray, written: np.ndarray, rng: np.random.Generator, sensitivity: float,
                 false_rate: float) -> np.ndarray:
    """Non-differential tagging errors: each true mention found with ``sensitivity``, each other written comment
    tagged by mistake with ``false_rate``, whatever the score."""
    found = X & (rng.random(X.shape) < sensitivity)
    false = ~X & written[:, None] & (rng.random(X.shape) < false_rate)
    return found | false


def misclassification_scenario(n: int, reps: int, n_labelled: int, truth: pd.Series, rng: np.random.Generator,
                               sensitivity: float = 0.75, false_rate: float = 0.02) -> dict:
    """Coverage of the corrected and the naive impact intervals when the tagger errs and P/R are estimated."""
    themes = list(THEMES)
    covered = {m: {t: 0 for t in themes} for m in ("naive", "rogan-gladen", "ppv")}
    bias = {m: {t: [] for t in themes} for m in ("naive", "rogan-gladen", "ppv")}
    for _ in range(reps):
        scores, written, X, segment = simulate(n, rng)
        observed = noisy_tagger(X, written, rng, sensitivity, false_rate)
        responses, mentions = to_frames(scores, written, observed, segment)
        # the labelled set: n_labelled written comments tagged by the same tagger
        _, w_lab, X_lab, _ = simulate(int(n_labelled / 0.85) + 50, rng)
        X_lab, w_lab = X_lab[w_lab][:n_labelled], w_lab[w_lab][:n_labelled]
        pred = noisy_tagger(X_lab, w_lab, rng, sensitivity, false_rate)
        per_label = {}
        for j, t in enumerate(themes):
            tp, fp, fn = int((pred[:, j] & X_lab[:, j]).sum()), int((pred[:, j] & ~X_lab[:, j]).sum()), \
                int((~pred[:, j] & X_lab[:, j]).sum())
            if tp:
                per_label[t] = {"precision": tp / (tp + fp), "recall": tp / (tp + fn), "support": tp + fn}
        naive = theme_table(responses, mentions).set_index("theme").reindex(themes)
        for t in themes:
            covered["naive"][t] += bool(naive.loc[t, "impact_low"] <= truth[t] <= naive.loc[t, "impact_high"])
            bias["naive"][t].append(naive.loc[t, "impact"] - truth[t])
        for method, metrics in (("rogan-gladen", {"per_label": per_label, "n": n_labelled}), ("ppv", per_label)):
            out = correct_misclassification(responses, mentions, metrics, method=method, n_boot=1000,
                                            seed=int(rng.integers(1 << 30))).set_index("theme").reindex(themes)
            for t in themes:
                covered[method][t] += bool(out.loc[t, "impact_low"] <= truth[t] <= out.loc[t, "impact_high"])
                bias[method][t].append(out.loc[t, "impact_corrected"] - truth[t])
    return {
        "n": n, "reps": reps, "n_labelled": n_labelled, "sensitivity": sensitivity, "false_tag_rate": false_rate,
        **{f"coverage_{m}": {t: c / reps for t, c in v.items()} for m, v in covered.items()},
        **{f"coverage_{m}_all_themes": sum(v.values()) / (reps * len(themes)) for m, v in covered.items()},
        **{f"mean_bias_{m}": {t: round(float(np.nanmean(b)), 3) for t, b in v.items()} for m, v in bias.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=400)
    parser.add_argument("--population", type=int, default=2_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_suffix(".json"))
    args = parser.parse_args()
    wall, cpu = time.perf_counter(), time.process_time()
    rng = np.random.default_rng(args.seed)
    truth = pd.Series(population_impact(*simulate(args.population, rng)[:3]), index=list(THEMES))
    results = {
        "truth_population_impact": truth.round(4).to_dict(),
        "planted_effects_latent": {t: e for t, (_, e) in THEMES.items()},
        "scenarios": [
            run_scenario(2000, args.reps, truth, rng, models_every=5, boot_every=5),
            run_scenario(500, args.reps, truth, rng, models_every=0, boot_every=0, base_all=False),
            run_scenario(200, args.reps, truth, rng, models_every=0, boot_every=0, base_all=False),
        ],
        "misclassification": misclassification_scenario(2000, max(args.reps // 2, 10), 400, truth, rng),
        "targets": {"recovery_at_2000": ">= 0.95", "false_discoveries_among_nulls": "<= 0.05", "coverage": "0.93-0.97"},
        "seed": args.seed, "population": args.population,
        "wall_s": round(time.perf_counter() - wall, 1), "cpu_s": round(time.process_time() - cpu, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        **machine_load(),
    }
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({s["n"]: {k: v for k, v in s.items() if not isinstance(v, dict)} for s in results["scenarios"]},
                     indent=1))
    print(json.dumps({k: v for k, v in results["misclassification"].items() if not isinstance(v, dict)}, indent=1))


if __name__ == "__main__":
    main()
