"""Theme tagging on public labelled data: trained classifier, zero-shot, and baselines.

    python benchmarks/tagging.py [--shared ../shared/benchmarks] [--embedder e5] [--fine-tune-layers 2]
                                 [--blend-linear 0.5] [--fine-tune-folds 2] [--fine-tune-members 2]
                                 [--only semeval14_restaurants|germeval17|sample_zero_shot]

Writes benchmarks/tagging.json (``--only`` refreshes one section and keeps the other). Every
trained model records wall and process CPU time; the machine may be shared while measuring
(``machine_shared`` says so). Scores are micro-averaged precision/recall/F1 over the set of
categories of each item, every item counted (SemEval-2014 subtask 3 definition).

* SemEval-14 restaurants: ThemeClassifier (default: e5 + TF-IDF + logistic heads) and the
  fine-tuned ThemeClassifier (top ``--fine-tune-layers`` of e5-st, 4 epochs) trained on train, scored on test (training time and
  tagging speed on this machine, embeddings computed, not cached); TF-IDF + linear SVM baseline on the same split; zero-shot
  with only the category names and one-line descriptions in benchmarks/data/restaurant_categories_taxonomy.yaml.
  ``--blend-linear W`` (chosen on the train split by benchmarks/tagging_dev.py) averages the
  fine-tuned and the default classifier's probabilities with weight W on the default.
  ``--fine-tune-folds K`` also fine-tunes on K folds of the training data and tunes the cut-offs
  on those out-of-fold probabilities (``ThemeClassifier(fine_tune_folds=K)``). ``--fine-tune-members M``
  averages M fine-tunes with consecutive seeds (``ThemeClassifier(fine_tune_members=M)``).
* GermEval-17 (dev split as the only labelled pool): 5-fold cross-validation of ThemeClassifier
  and of the TF-IDF + linear SVM baseline on the same folds; with ``--fine-tune-layers K`` the
  blended classifier (max_length 128: these texts are longer) is scored in the same folds, next to
  its fine-tuned part alone (its default part is the default classifier itself) and, with
  ``--fine-tune-folds``, next to the blend cut at the fixed rule (the parts' cut-offs mixed by weight).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import KFold
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import MultiLabelBinarizer
from sklearn.svm import LinearSVC

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from _args import cpu_model, sample_gold  # noqa: E402


def micro(gold: list[list[str]], pred: list[list[str]]) -> dict[str, float]:
    from nps_text.tagging.training import evaluate

    return evaluate(gold, pred)["micro"]


def intervals(gold: list[list[str]], found: dict[str, list[list[str]]], baseline: list[list[str]]) -> dict:
    """95 % bootstrap intervals (over the items) of each system's micro-F1 and of its difference to the baseline."""
    from nps_text.tagging.training import micro_f1_interval

    return {name: micro_f1_interval(gold, predicted, baseline=baseline) for name, predicted in found.items()}


def labels(frame: pd.DataFrame) -> list[list[str]]:
    return [str(x).split("|") for x in frame["labels"]]


def svm_baseline(train_texts, train_labels, test_texts) -> list[list[str]]:
    binarizer = MultiLabelBinarizer().fit(train_labels)
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    model = OneVsRestClassifier(LinearSVC(C=1.0)).fit(vectorizer.fit_transform(train_texts),
                                                      binarizer.transform(train_labels))
    predicted = model.predict(vectorizer.transform(test_texts))
    return [list(binarizer.classes_[row.astype(bool)]) for row in predicted]


def classifier(train_texts, train_labels, test_texts, embedder: str, cache: bool = True,
               **params) -> tuple[object, list[list[str]], dict]:
    """Fit and predict; the timings (wall and this process's CPU seconds) include computing embeddings."""
    from nps_text.tagging import ThemeClassifier

    t0, c0 = time.perf_counter(), time.process_time()
    model = ThemeClassifier(embedder=embedder, cache=cache, **params).fit(train_texts, train_labels)
    t1, c1 = time.perf_counter(), time.process_time()
    predicted = model.predict_labels(test_texts)
    t2, c2 = time.perf_counter(), time.process_time()
    return model, predicted, {"train_wall_s": round(t1 - t0, 1), "train_cpu_s": round(c1 - c0, 1),
                       "tag_sentences_per_s": round(len(test_texts) / (t2 - t1), 1),
                       "tag_cpu_s_per_1000_sentences": round(1000 * (c2 - c1) / len(test_texts), 1)}


def semeval(shared: Path, embedder: str, fine_tune_layers: int, blend_linear: float, fine_tune_folds: int = 0,
            fine_tune_members: int = 1) -> dict:
    train = pd.read_csv(shared / "semeval14_restaurants_train.csv")
    test = pd.read_csv(shared / "semeval14_restaurants_test.csv")
    gold = labels(test)
    args = (train["text"].tolist(), labels(train), test["text"].tolist(), embedder)
    # no embedding cache here: training time and tagging speed include computing the embeddings
    _, predicted, cost = classifier(*args, cache=False)
    svm = svm_baseline(train["text"].tolist(), labels(train), test["text"].tolist())
    out = {"n_train": len(train), "n_test": len(test), "classifier": {**micro(gold, predicted), **cost},
           "tfidf_svm": micro(gold, svm)}
    found = {"classifier": predicted}
    if fine_tune_layers:
        model, predicted, cost = classifier(*args, fine_tune_layers=fine_tune_layers, fine_tune_epochs=4, max_length=64,
                                     blend_linear=blend_linear, fine_tune_folds=fine_tune_folds,
                                     fine_tune_members=fine_tune_members, cache=False)
        out[_fine_tuned_key(fine_tune_layers, blend_linear, fine_tune_folds, fine_tune_members)] = {
            **micro(gold, predicted), **cost, "fine_tune_layers": fine_tune_layers, "fine_tune_epochs": 4,
            "max_length": 64, "blend_linear": blend_linear, "fine_tune_folds": fine_tune_folds,
            "fine_tune_members": fine_tune_members, "threads": _threads()}
        found[_fine_tuned_key(fine_tune_layers, blend_linear, fine_tune_folds, fine_tune_members)] = predicted
        if fine_tune_members > 1:  # the first member alone is the model without members (same cut-offs without folds)
            test_texts = test["text"].tolist()
            parts = model.predict_proba_parts(test_texts)
            first = model.blend({**parts, "fine_tuned": model.encoder_.member_proba(test_texts)[0]})
            found[_fine_tuned_key(fine_tune_layers, blend_linear, fine_tune_folds) + "_first_member"] = [
                list(model.classes_[row]) for row in model.decide(first)]
        out.update({name: micro(gold, predicted) for name, predicted in found.items() if name.endswith("_first_member")})
    out["intervals_vs_tfidf_svm"] = intervals(gold, found, svm)
    out["zero_shot"] = {**zero_shot(test, embedder), "dev_train_split": zero_shot(train, embedder),
                        "how": "names, one-line descriptions and ~11 phrases per category written by us; the decision rule "
                               "and wording were chosen on the train split (labels used only to score choices), test scored once"}
    return out


def zero_shot(test: pd.DataFrame, embedder: str) -> dict:
    """Closest category centroid, a second category within 0.01, "misc" as the fallback (chosen on train)."""
    from nps_text.tagging import ZeroShotTagger

    sentences = pd.DataFrame({"response_id": test["id"].astype(str), "sentence_id": 0, "text": test["text"],
                              "lang": "en", "start": 0, "end": test["text"].str.len()})
    tagger = ZeroShotTagger(taxonomy=HERE / "data" / "restaurant_categories_taxonomy.yaml", embedder=embedder,
                            decision="argmax", fallback="misc", argmax_margin=0.01, floor=0.2)
    mentions = tagger.tag(sentences)
    names = {"misc": "anecdotes/miscellaneous"}
    found = mentions.groupby("response_id")["theme"].apply(lambda s: [names.get(t, t) for t in s])
    predicted = [found.get(str(i), []) for i in test["id"]]
    return micro(labels(test), predicted)


def sample_zero_shot(embedder: str) -> dict:
    """Default NPS taxonomy on the synthetic sample: response-level micro-F1 on its 8 planted themes
    (themes the sample does not plant are left out of the predictions), rank vs argmax decision."""
    from nps_text.tagging import ZeroShotTagger

    sentences, planted, ids, gold = sample_gold()
    out = {"n_responses": len(ids), "planted_themes": sorted(planted)}
    for decision in ("rank", "argmax"):
        found = ZeroShotTagger(embedder=embedder, decision=decision).tag(sentences).groupby("response_id")["theme"]
        found = found.apply(set)
        out[decision] = micro(gold, [sorted(found.get(i, set()) & planted) for i in ids])
    return out


def germeval(shared: Path, embedder: str, fine_tune_layers: int, blend_linear: float, fine_tune_folds: int = 0,
             fine_tune_members: int = 1) -> dict:
    from nps_text.tagging import ThemeClassifier

    data = pd.read_csv(shared / "germeval17_dev.csv")
    texts, gold = data["text"].tolist(), labels(data)
    found: dict[str, list] = {}
    params = ({"fine_tune_layers": fine_tune_layers, "fine_tune_epochs": 4, "max_length": 128,
               "blend_linear": blend_linear, "fine_tune_folds": fine_tune_folds,
               **({"fine_tune_members": fine_tune_members} if fine_tune_members != 1 else {})} if fine_tune_layers else {})
    wall, cpu = 0.0, 0.0
    for train, test in KFold(5, shuffle=True, random_state=0).split(texts):
        tr_texts, tr_labels = [texts[i] for i in train], [gold[i] for i in train]
        te_texts = [texts[i] for i in test]
        t0, c0 = time.perf_counter(), time.process_time()
        model = ThemeClassifier(embedder=embedder, **params).fit(tr_texts, tr_labels)
        wall, cpu = wall + time.perf_counter() - t0, cpu + time.process_time() - c0
        parts = model.predict_proba_parts(te_texts)
        half = np.full(len(model.classes_), 0.5)
        default = model  # the default classifier is a blended model's linear part (same code, data and seed)
        if "linear" not in parts:  # fine-tuned alone: fit the default classifier too
            default = ThemeClassifier(embedder=embedder).fit(tr_texts, tr_labels)
            parts["linear"] = default.predict_proba(te_texts)
        predictions = {"classifier": default.decide(parts["linear"], default.linear_thresholds_),
                       "tfidf_svm": None}
        key = _fine_tuned_key(fine_tune_layers, blend_linear, fine_tune_folds, fine_tune_members)
        alone = _fine_tuned_key(fine_tune_layers, 0.0, 0, fine_tune_members) + "_alone"
        if fine_tune_layers:
            predictions[alone] = model.decide(parts["fine_tuned"], half)
        if fine_tune_layers and blend_linear:  # the model's own cut-offs, and the rules not chosen for comparison
            blended = model.blend(parts)  # = predict_proba, without encoding the texts again
            predictions[key] = model.decide(blended)
            predictions[key + "_threshold_0.5"] = model.decide(blended, half)
            if fine_tune_folds:  # the fixed rule the out-of-fold cut-offs replace
                predictions[key + "_mixed_cut_offs"] = model.decide(blended, model.mixed_cut_offs())
        if fine_tune_layers and fine_tune_members > 1:  # the first member alone is the model without members
            first = model.encoder_.member_proba(te_texts)[0]
            single = _fine_tuned_key(fine_tune_layers, blend_linear, fine_tune_folds)
            predictions[_fine_tuned_key(fine_tune_layers, 0.0) + "_alone"] = model.decide(first, half)
            if blend_linear and not fine_tune_folds:  # its cut-offs are the same mixed ones
                predictions[single] = model.decide(model.blend({**parts, "fine_tuned": first}))
        predictions["tfidf_svm"] = svm_baseline(tr_texts, tr_labels, te_texts)
        for name, predicted in predictions.items():
            rows = found.setdefault(name, [None] * len(texts))
            for i, row in zip(test, predicted):
                rows[i] = row if name == "tfidf_svm" else list(model.classes_[row])
    names = list(found)
    out = {"n": len(texts), "folds": 5, **{name: micro(gold, found[name]) for name in names},
           "intervals_vs_tfidf_svm": intervals(gold, {k: v for k, v in found.items() if k != "tfidf_svm"}, found["tfidf_svm"]),
           "train_wall_s_all_folds": round(wall, 1), "train_cpu_s_all_folds": round(cpu, 1)}
    if fine_tune_layers:
        out["fine_tuned_params"] = params
    return out


EARLIER_NOTE = ("measured at commit 0f0590e, before the linear heads chose C and the embeddings' weight on out-of-fold "
                "predictions and before min_themes; not re-run since (five fine-tunes cost about 40 minutes of 2-core CPU)")


def _fine_tuned_key(layers: int, blend_linear: float, folds: int = 0, members: int = 1) -> str:
    return (f"fine_tuned_top{layers}" + (f"_members{members}" if members != 1 else "")
            + (f"_blend{blend_linear:g}" if blend_linear else "") + (f"_oof{folds}" if folds else ""))


def _commit() -> str:
    """The code measured: the git commit, "+changes" when nps_text/ or benchmarks/ differ from it."""
    import subprocess

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    return (git("rev-parse", "--short", "HEAD") or "unknown") + ("+changes" if git("status", "--porcelain", "nps_text", "benchmarks/tagging.py") else "")


def _threads() -> int:
    import torch

    return torch.get_num_threads()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "benchmarks")
    parser.add_argument("--embedder", default="e5")
    parser.add_argument("--fine-tune-layers", type=int, default=2, help="0 skips the fine-tuned classifier")
    parser.add_argument("--blend-linear", type=float, default=0.0,
                        help="weight of the default classifier averaged into the fine-tuned one (0: fine-tuned alone)")
    parser.add_argument("--fine-tune-folds", type=int, default=0,
                        help="with --fine-tune-layers: tune the cut-offs on out-of-fold fine-tunes on K folds (0: fixed rule)")
    parser.add_argument("--fine-tune-members", type=int, default=1,
                        help="with --fine-tune-layers: average M fine-tunes with seeds 0, 1, ... (1: one)")
    parser.add_argument("--only", choices=["semeval14_restaurants", "germeval17", "sample_zero_shot"], default=None)
    parser.add_argument("--machine-shared", action="store_true",
                        help="say in the JSON that other jobs ran on the machine while measuring")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if not args.shared.exists():
        sys.exit(f"{args.shared} not found: pass --shared PATH to the benchmark data.")
    path = HERE / "tagging.json"
    result = json.loads(path.read_text()) if args.only and path.exists() else {}
    result.update({"how to reproduce": "python benchmarks/tagging.py", "cpu_count": os.cpu_count(),
                   "embedder": args.embedder})
    # each section says how busy the machine was when it was measured (sections are refreshed separately)
    machine = {"machine_shared": args.machine_shared, "load_average_1m_at_start": round(os.getloadavg()[0], 2),
               "cpu_note": "CPU seconds are this process's own (time.process_time)", "commit": _commit(),
               "cpu_model": cpu_model()}
    t0, c0 = time.perf_counter(), time.process_time()
    if args.only in (None, "semeval14_restaurants"):
        # results with another number of fine-tuned layers (--fine-tune-layers K) are kept side by side
        earlier = {k: v for k, v in result.get("semeval14_restaurants", {}).items() if k.startswith("fine_tuned_top")}
        result["semeval14_restaurants"] = {**earlier, **semeval(args.shared, args.embedder, args.fine_tune_layers, args.blend_linear,
                                                                args.fine_tune_folds, args.fine_tune_members),
                                           "machine": machine}
    if args.only in (None, "sample_zero_shot"):
        result["sample_zero_shot"] = {**sample_zero_shot(args.embedder), "machine": machine}
    if args.only in (None, "germeval17"):
        before = result.get("germeval17", {})
        result["germeval17"] = {**germeval(args.shared, args.embedder, args.fine_tune_layers, args.blend_linear,
                                           args.fine_tune_folds, args.fine_tune_members), "machine": machine}
        new_params = result["germeval17"].get("fine_tuned_params")
        # the fine-tuned results of earlier runs with other settings stay, marked, oldest first
        earlier = before.get("earlier_fine_tuned_runs") or ([before["earlier_fine_tuned_run"]]
                                                             if "earlier_fine_tuned_run" in before else [])
        if "fine_tuned_params" in before and before["fine_tuned_params"] != new_params:
            earlier = earlier + [{
                **({"note": EARLIER_NOTE} if "commit" not in before.get("machine", {}) else {}),
                **{k: v for k, v in before.items() if k.startswith("fine_tuned") or k.startswith("train_")
                   or k in ("classifier", "machine")}}]
        if earlier:
            result["germeval17"]["earlier_fine_tuned_runs"] = earlier
    result[f"last_run_{args.only or 'all'}"] = {"wall_s": round(time.perf_counter() - t0, 1),
                                                 "cpu_s": round(time.process_time() - c0, 1)}
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
