"""Real-data check of the drivers: NHS Friends-and-Family Test answers with labelled themes.

    python benchmarks/drivers_nhs.py [--shared ../shared/benchmarks]   # writes benchmarks/drivers_nhs.json

The 1-5 experience score stands in for NPS groups (1 very good → promoter-like, 2 → passive-like,
3-5 → detractor-like); 6 and 7 are undocumented, so those respondents are excluded and counted.
A respondent answered up to two questions ("FFT Why?", "What could we do better?", ...); the
50 labelled theme columns of all their answers are the mentions, counted once per respondent.
The labeller's sentiment of each answer (1-2 positive, 3 mixed/neutral, 4-5 negative) is the
sentiment of its mentions for the sentiment-split table ("Staff manner (negative)").
"Labelling not possible" and "Not assigned" (mostly "Did not answer", "Nothing", "N/A") are not
themes: a respondent with only such answers has no real comment and is outside the default base.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _args import machine_load  # noqa: E402 - beside this script

from nps_text.drivers.models import driver_regression, relative_importance  # noqa: E402
from nps_text.drivers.table import theme_table  # noqa: E402

NOT_THEMES = ("Labelling not possible", "Not assigned")
SENTIMENT = {1: "positive", 2: "positive", 3: "neutral", 4: "negative", 5: "negative"}  # labeller's, per answer
GROUP = {1: "promoter", 2: "passive", 3: "detractor", 4: "detractor", 5: "detractor"}


def load(path: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    raw = pd.read_csv(path)
    theme_cols = list(raw.columns[raw.columns.get_loc("Not assigned"):])
    raw["response_id"] = raw["Trust"] + "|" + raw["Respondent ID"].astype(str)
    answer = raw["FFT categorical answer"]
    known = answer.isin(list(GROUP))
    counts = {"answers": int(len(raw)), "respondents": int(raw["response_id"].nunique()),
              "answers_unknown_score_6_7": int((~known).sum()),
              "respondents_unknown_score_6_7": int(raw.loc[~known, "response_id"].nunique())}
    raw = raw[known]
    real = raw[theme_cols].drop(columns=list(NOT_THEMES)).fillna(0).sum(axis=1) > 0
    per = raw.assign(real=real).groupby("response_id").agg(
        score=("FFT categorical answer", "first"), trust=("Trust", "first"), real=("real", "any")).reset_index()
    responses = pd.DataFrame({
        "response_id": per["response_id"],
        "nps_group": pd.Categorical(per["score"].map(GROUP), categories=["detractor", "passive", "promoter"],
                                    ordered=True),
        "score": 6 - per["score"],  # 5 = very good ... 1 = very poor, for the ordinal model
        "trust": per["trust"], "is_empty": False, "is_junk": ~per["real"]})
    raw = raw.assign(sentiment=raw["Comment sentiment"].map(SENTIMENT))
    long = raw.melt(id_vars=["response_id", "sentiment"], value_vars=[c for c in theme_cols if c not in NOT_THEMES],
                    var_name="theme", value_name="flag")
    mentions = long[long["flag"] == 1][["response_id", "theme", "sentiment"]].reset_index(drop=True)
    return responses, mentions, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "benchmarks")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_suffix(".json"))
    args = parser.parse_args()
    wall, cpu = time.perf_counter(), time.process_time()
    responses, mentions, counts = load(args.shared / "nhs_fft" / "v6framework_230831.csv")
    table = theme_table(responses, mentions, sentiment=False, n_boot=1000)
    by_sentiment = theme_table(responses, mentions, sentiment=True)
    keep = ["theme", "n", "share", "share_promoters", "share_detractors", "nps_with", "nps_without", "impact",
            "impact_low", "impact_high", "impact_boot_low", "impact_boot_high", "odds_ratio_detractor",
            "odds_ratio_detractor_low", "odds_ratio_detractor_high", "p_value", "q_value", "significant", "warning"]
    mentions = mentions.drop(columns="sentiment")
    model = driver_regression(responses, mentions, outcome="detractor", controls=["trust"], min_mentions=20)
    ordinal = driver_regression(responses, mentions, outcome="score", controls=["trust"], min_mentions=20)
    importance = relative_importance(responses, mentions, controls=["trust"], min_mentions=20, n_permutations=2000)
    groups = responses.loc[~responses["is_junk"], "nps_group"].value_counts().to_dict()
    result = {
        "counts": {**counts, **table.attrs, "groups_in_base": {str(k): int(v) for k, v in groups.items()}},
        "drivers": table[keep].round(4).to_dict(orient="records"),
        "drivers_by_sentiment": by_sentiment[["theme", "n", "share", "nps_with", "nps_without", "impact", "impact_low",
                                              "impact_high", "odds_ratio_detractor", "q_value", "significant"]]
        .head(15).round(4).to_dict(orient="records"),
        "logistic_detractor": model[["term", "kind", "odds_ratio", "odds_ratio_low", "odds_ratio_high", "p_value",
                                     "q_value", "significant"]].round(4).to_dict(orient="records"),
        "ordinal_score": ordinal[["term", "kind", "odds_ratio", "p_value", "q_value", "significant"]]
        .round(4).to_dict(orient="records"),
        "relative_importance": {"r2": importance.attrs["r2"], "method": importance.attrs["method"],
                                "shares": importance[["term", "share", "share_of_r2"]].round(5).to_dict(orient="records")},
        "wall_s": round(time.perf_counter() - wall, 1), "cpu_s": round(time.process_time() - cpu, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        **machine_load(),
    }
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    top = table[table["significant"]].head(12)
    print(top[["theme", "n", "share", "nps_with", "nps_without", "impact", "impact_low", "impact_high",
               "odds_ratio_detractor", "q_value"]].round(3).to_string(index=False))


if __name__ == "__main__":
    main()
