"""How ThemeDiscovery's defaults were chosen: variants on SemEval-14 only (NHS FFT is never used here).

    python benchmarks/discovery_choices.py [--shared ../shared/benchmarks]

Same data and e5 vectors as ``benchmarks/discovery.py``. For each variant: NMI against the gold
category on single-label sentences (unassigned/filler as one cluster), themes, unassigned share.
Also the number of clusters the best cosine silhouette over Ward cuts (2..40) would choose,
the rule we did not take. Writes benchmarks/discovery_choices.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

VARIANTS = {
    "default (Ward, all dimensions, max_themes=30)": {},
    "PCA 16": {"n_components": 16},
    "PCA 64": {"n_components": 64},
    "PCA 128": {"n_components": 128},
    "max_themes=20": {"max_themes": 20},
    "max_themes=40": {"max_themes": 40},
    "min_similarity=0.3": {"min_similarity": 0.3},
    "HDBSCAN (PCA 16)": {"method": "hdbscan"},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "benchmarks")
    args = parser.parse_args()
    import numpy as np
    from discovery import item_sentences, load_dataset
    from sklearn.metrics import normalized_mutual_info_score, silhouette_score

    from nps_text.discover import ThemeDiscovery
    from nps_text.discover import _cluster as C
    from nps_text.embed.backends import embed

    texts, gold, single = load_dataset("semeval", args.shared)
    vectors = embed(texts, "e5")
    sentences = item_sentences(texts)
    rows = []
    for name, params in VARIANTS.items():
        model = ThemeDiscovery(**params).fit(sentences, vectors)
        labels = model.labels_
        rows.append({"variant": name, "params": params, "n_themes": model.report_["n_themes"],
                     "nmi": round(float(normalized_mutual_info_score(gold[single], labels[single])), 4),
                     "unassigned_share": round(model.report_["share_unassigned"], 4)})
        print(rows[-1], flush=True)
    x = C.reduce(C._l2(vectors), *C.fit_reduction(C._l2(vectors), None))
    tree = C.ward_tree(x)
    sample = np.sort(np.random.default_rng(0).choice(len(x), size=2000, replace=False))
    distances = np.clip(1 - x[sample] @ x[sample].T, 0, 2)
    np.fill_diagonal(distances, 0)
    silhouettes = {k: float(silhouette_score(distances, C.cut_tree(tree, k)[sample], metric="precomputed"))
                   for k in range(2, 41)}
    best = max(silhouettes, key=silhouettes.get)
    out = {"command": "python benchmarks/discovery_choices.py " + " ".join(sys.argv[1:]), "dataset": "semeval",
           "variants": rows, "silhouette_best_k": best,
           "silhouette_by_k": {k: round(v, 4) for k, v in silhouettes.items()},
           "nmi_at_silhouette_best_k": round(float(normalized_mutual_info_score(
               gold[single], C.cut_tree(tree, best)[single])), 4)}
    (HERE / "discovery_choices.json").write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
