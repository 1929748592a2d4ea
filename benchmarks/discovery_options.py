"""Discovery's optional choices against its defaults, measured with resampling: which to make the default.

    python benchmarks/discovery_options.py [--shared ../shared/benchmarks] [--variants default fixed_n_top ...]

Same data, vectors (``embedder="auto"``) and scores as ``benchmarks/discovery.py``: top-level and
sub-theme NMI on single-label items. Stability is the mean ARI over the three pairs of three fixed
80 % subsamples (one pair, as in ``discovery.py``, is too noisy to choose by: its ARI moves by
±0.08 between pairs). The bundled sample survey is scored against ``data/sample_truth.csv`` (its
planted themes, single-theme responses). For every data set the top-level themes are recorded with
their names, kinds, keyword shares and purity (the share of their single-label items with the most
frequent gold label), because a setting has to give a tree a person accepts too; ``mixed_vs_topics``
compares the purity of the themes flagged mixed with the topics', and ``sample_drivers`` counts the tone
themes among the ten largest drivers of ``make demo`` (the issue's target: 0). Writes
benchmarks/discovery_options.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

# fixed_n_top: is the resample instability the chosen number of top-level themes or the partition itself?
# guided: the bundled NPS taxonomy as seed topics (opt-in guided discovery). Its keywords were written for NPS
# comments of many services, restaurants and trains among them, not fitted to any benchmark's labels; on the sample
# (generated from the same themes) the gain is in-sample
VARIANTS = {"default": {}, "no_negation_centring": {"remove_negation": False}, "fixed_n_top": {"n_top": 9},
            "guided": {"guide": "default"}}
SUBSAMPLES = (1, 2, 3)


def _data(name: str, shared: Path):
    """(sentences, vectors, gold, single-label mask) of a benchmark data set or of the sample survey."""
    import numpy as np
    import pandas as pd

    from nps_text.embed import choose_embedder, embed

    if name == "sample":
        from nps_text import load_survey
        from nps_text.text import prepare_text

        responses, _ = load_survey(ROOT / "data" / "sample_survey.csv")
        _, sentences = prepare_text(responses)
        truth = pd.read_csv(ROOT / "data" / "sample_truth.csv").drop_duplicates("response_id")
        themes = sentences["response_id"].astype(str).map(truth.set_index("response_id")["themes"]).fillna("")
        gold = themes.to_numpy(dtype=object)
        single = ((themes != "") & ~themes.str.contains(r"\|")).to_numpy()
        texts = sentences["text"].tolist()
    else:
        from discovery import item_sentences, load_dataset

        texts, gold, single = load_dataset(name, shared)
        sentences = item_sentences(texts)
    embedder = choose_embedder("auto", sentences["lang"].astype(str).tolist())
    return sentences, embed(texts, embedder, progress=False), gold, np.asarray(single, dtype=bool), embedder


def _measure(sentences, vectors, gold, single, params: dict) -> dict:
    import numpy as np
    from discovery import _subset
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    from nps_text.discover import ThemeDiscovery

    cpu = time.process_time()
    model = ThemeDiscovery(**params).fit(sentences, vectors)
    cpu = time.process_time() - cpu
    n = len(sentences)
    parts = []
    for which in SUBSAMPLES:
        rows = _subset(n, which)
        fitted = ThemeDiscovery(**params).fit(sentences.iloc[rows].reset_index(drop=True), vectors[rows])
        parts.append(dict(zip(rows.tolist(), fitted.top_labels_.tolist())))
    aris = []
    for a in range(len(parts)):
        for b in range(a + 1, len(parts)):
            common = sorted(set(parts[a]) & set(parts[b]))
            aris.append(float(adjusted_rand_score([parts[a][i] for i in common], [parts[b][i] for i in common])))
    return {"nmi_top": round(float(normalized_mutual_info_score(gold[single], model.top_labels_[single])), 4),
            "nmi_sub": round(float(normalized_mutual_info_score(gold[single], model.labels_[single])), 4),
            "n_top": model.report_["n_top_themes"], "n_sub": model.report_["n_themes"],
            "resample_ari_pairs": [round(x, 4) for x in aris], "resample_ari_mean": round(float(np.mean(aris)), 4),
            "top_themes": _purity(model, gold, single), "fit_cpu_s": round(cpu, 2)}


def _purity(model, gold, single) -> list[dict]:
    """Per top-level theme: its name and kind, its single-label items, their most frequent gold label and its share.

    A theme a person accepts as a topic is mostly one gold label; a mixed one is not (on the sample the
    gold is the planted theme of the whole response, so a clause counts for its response's theme).
    """
    import pandas as pd

    out = []
    labels = model.top_labels_
    for t in model.top_themes_:
        counts = pd.Series(gold[single & (labels == t["theme"])]).value_counts()
        out.append({"name": t["name"], "kind": t["kind"], "keyword_share": t["keyword_share"], "guide": t.get("guide"),
                    "n_single": int(counts.sum()),
                    "majority": str(counts.index[0]) if len(counts) else None,
                    "purity": round(float(counts.iloc[0] / counts.sum()), 3) if len(counts) else None})
    return out


def _sample_drivers(top: int = 10) -> dict:
    """The issue's target on the sample: how many of the ten largest drivers of ``make demo`` (``nps_text.analyze``,
    its defaults) are tone rather than topic. Per driver its theme's kind and whether its top keywords are all tone
    words (``is_tone_theme``); mixed themes counted apart."""
    import nps_text as nt
    from nps_text.discover._describe import is_tone_theme

    result = nt.analyze(ROOT / "data" / "sample_survey.csv", report=False)
    themes = {t["name"]: t for t in result.discovery.model.top_themes_}
    rows = []
    for _, d in result.tables["drivers"].head(top).iterrows():
        theme = themes[d["theme_id"]]
        rows.append({"driver": d["theme"], "impact": round(float(d["impact"]), 2), "kind": theme["kind"],
                     "keywords_all_tone": is_tone_theme({lang: theme[f"keywords_{lang}"] for lang in ("de", "en")})})
    return {"top_drivers": rows,
            "tone_drivers": sum(r["kind"] not in ("topic", "mixed") or r["keywords_all_tone"] for r in rows),
            "mixed_drivers": sum(r["kind"] == "mixed" for r in rows)}


def _mixed_vs_topics(datasets: dict, variant: str, unnamed: bool = False) -> dict:
    """Does the mixed flag find the impure themes? The purity of the themes flagged mixed against the topics',
    over every data set's top level (``variant``), weighted by their single-label items; ``unnamed``: only the
    themes no guide theme names."""
    out = {}
    for kind in ("mixed", "topic"):
        rows = [t for d in datasets.values() for t in d[variant]["top_themes"] if t["kind"] == kind and t["n_single"]
                and not (unnamed and t.get("guide"))]
        n = sum(t["n_single"] for t in rows)
        out[kind] = {"n_themes": len(rows), "purity": round(sum(t["purity"] * t["n_single"] for t in rows) / n, 3)
                     if n else None, "names": [t["name"] for t in rows] if kind == "mixed" else None}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "benchmarks")
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--datasets", nargs="+", default=["semeval", "nhs", "germeval", "sample"])
    args = parser.parse_args()
    results = {"variants": {v: VARIANTS[v] for v in args.variants}, "subsamples": list(SUBSAMPLES),
               "load_before": os.getloadavg()[0], "datasets": {}}
    for name in args.datasets:
        sentences, vectors, gold, single, embedder = _data(name, args.shared)
        results["datasets"][name] = {"embedder": embedder, "n_items": len(sentences), "n_single": int(single.sum())}
        for variant in args.variants:
            results["datasets"][name][variant] = _measure(sentences, vectors, gold, single, VARIANTS[variant])
            print(name, variant, {k: v for k, v in results["datasets"][name][variant].items() if k != "top_themes"},
                  flush=True)
    results["mixed_vs_topics"] = _mixed_vs_topics(results["datasets"], args.variants[0])
    if "guided" in args.variants:  # guided: the top-level themes no guide theme names, mixed (share < 1/2) or not
        results["guided_unnamed_mixed_vs_topics"] = _mixed_vs_topics(results["datasets"], "guided", unnamed=True)
    if "sample" in args.datasets:
        results["sample_drivers"] = _sample_drivers()
        print("sample drivers", {k: v for k, v in results["sample_drivers"].items() if k != "top_drivers"})
    results["load_after"] = os.getloadavg()[0]
    (HERE / "discovery_options.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n",
                                                  encoding="utf-8")


if __name__ == "__main__":
    main()
