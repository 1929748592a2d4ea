"""The default taxonomy, untrained, on real hospital feedback: NHS Friends-and-Family Test.

    python benchmarks/tagging_nhs.py [--shared ../shared/benchmarks] [--embedder e5]

Writes benchmarks/tagging_nhs.json. The 50 NHS framework themes are mapped to the default
taxonomy where they truly correspond (`benchmarks/data/nhs_framework_to_default_themes.csv`, one reason per
theme); a comment's gold set is the default themes of its NHS themes. RuleTagger, ZeroShotTagger
and their union tag the clauses of every comment with the default taxonomy and no training; a
comment's prediction is the union over its clauses, restricted to the default themes that have
an NHS counterpart (a predicted "price" can be neither right nor wrong here; how many comments got
such predictions is counted). Micro and per-theme precision, recall and F1 over comments, every
comment with an answer counted, also those with no gold theme ("Labelling not possible").
A second set of figures leaves out the rows whose answer is the export's placeholder "Did not
answer" (text preparation does not know it as filler, and "answer" is a support keyword).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pandas as pd
from _args import benchmark_args, machine_load  # noqa: E402 - beside this script

HERE = Path(__file__).resolve().parent
PLACEHOLDER = "did not answer"  # the trusts' export marker for "no comment", 1,189 rows, all "Labelling not possible"
ROOT = HERE.parent


def load(shared: Path) -> tuple[pd.DataFrame, list[list[str]], set[str], pd.DataFrame]:
    data = pd.read_csv(shared / "nhs_fft" / "v6framework_230831.csv")
    data = data[data["FFT answer"].notna() & data["FFT answer"].astype(str).str.strip().ne("")].reset_index(drop=True)
    mapping = pd.read_csv(HERE / "data" / "nhs_framework_to_default_themes.csv", dtype=str).fillna("")
    mapped = mapping[mapping["default_theme"] != ""]
    missing = sorted(set(mapping["nhs_theme"]) - set(data.columns))
    if missing:
        sys.exit(f"NHS theme columns not in the data: {missing}")
    gold = [sorted({t for nhs, t in zip(mapped["nhs_theme"], mapped["default_theme"]) if row[nhs] == 1})
            for _, row in data.iterrows()]
    return data, gold, set(mapped["default_theme"]), mapping


def by_comment(mentions: pd.DataFrame, ids: list[str], scored: set[str]) -> tuple[list[list[str]], int]:
    found = mentions.groupby("response_id")["theme"].apply(set)
    raw = [found.get(i, set()) for i in ids]
    return [sorted(s & scored) for s in raw], sum(bool(s - scored) for s in raw)


def main() -> None:
    args = benchmark_args(__doc__)
    from nps_text.tagging import RuleTagger, ZeroShotTagger
    from nps_text.tagging.training import evaluate
    from nps_text.text.prepare import prepare_text

    t0, c0 = time.perf_counter(), time.process_time()
    data, gold, scored, mapping = load(args.shared)
    ids = data["Comment ID"].astype(str).tolist()
    responses = pd.DataFrame({"response_id": ids, "comment": data["FFT answer"].astype(str)})
    _, sentences = prepare_text(responses)
    timings, predictions, other = {}, {}, {}
    for name, tagger in (("rules", RuleTagger()), ("zero_shot", ZeroShotTagger(embedder=args.embedder))):
        t = time.perf_counter()
        mentions = tagger.tag(sentences)
        timings[name] = round(time.perf_counter() - t, 1)
        predictions[name], other[name] = by_comment(mentions, ids, scored)
        predictions.setdefault("_mentions", []).append(mentions)
    union = pd.concat(predictions.pop("_mentions"))
    predictions["rules_or_zero_shot"], other["rules_or_zero_shot"] = by_comment(union, ids, scored)
    always = pd.Series([t for g in gold for t in g]).value_counts().index[0]
    predictions[f"always_{always}"] = [[always]] * len(ids)
    other[f"always_{always}"] = 0
    answered = [str(t).strip().lower().rstrip(".") != PLACEHOLDER for t in data["FFT answer"]]
    results, results_answered = {}, {}
    for name, predicted in predictions.items():
        metrics = evaluate(gold, predicted)
        results[name] = {"micro": metrics["micro"], "macro": metrics["macro"],
                         "per_theme": {t: metrics["per_label"].get(t) for t in sorted(scored)},
                         "comments_with_unscorable_predictions": other[name]}
        kept = evaluate([g for g, a in zip(gold, answered) if a], [p for p, a in zip(predicted, answered) if a])
        results_answered[name] = {"micro": kept["micro"], "macro": kept["macro"]}
    result = {
        "how to reproduce": "python benchmarks/tagging_nhs.py", "embedder": args.embedder,
        "comments": len(ids), "clauses": len(sentences),
        "comments_without_gold_theme": sum(not g for g in gold),
        "mapped_nhs_themes": int((mapping["default_theme"] != "").sum()), "nhs_themes": len(mapping),
        "scored_default_themes": sorted(scored),
        "gold_support": pd.Series([t for g in gold for t in g]).value_counts().to_dict(),
        "results": results,
        "placeholder_comments": len(ids) - sum(answered),
        "results_without_placeholder": results_answered,
        "timing": {"tag_s": timings, "wall_s": round(time.perf_counter() - t0, 1),
                   "cpu_s": round(time.process_time() - c0, 1),
                   "note": "embeddings come from the shared on-disk cache where present"},
        **machine_load(),
    }
    (HERE / "tagging_nhs.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
