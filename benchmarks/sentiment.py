"""Aspect sentiment against labelled polarities: lexicon prior vs. models learned from scores.

    python benchmarks/sentiment.py [--shared ../shared/benchmarks] [--embedder e5]

Writes benchmarks/sentiment.json. Three-class (positive / negative / neutral) macro-F1 and
accuracy on

* SemEval-14 restaurants, test: one item per (sentence, aspect category) with its polarity;
  ``conflict`` pairs are skipped (counted in the JSON). The sentence's polarity is predicted, so a
  sentence with two aspects of different polarity is half wrong by construction;
* GermEval-17 dev (German): document sentiment;
* NHS FFT: the labeller's comment sentiment (1-2 positive, 3 neutral/mixed, 4-5 negative);
* the project's synthetic sample survey: end to end, each RuleTagger mention's sentiment against the
  planted sentiment of that theme (`data/sample_truth.csv`); the truth has no neutral class, so
  macro-F1 is over positive and negative (a neutral prediction counts as wrong).

Scorers: the test set's majority class; the lexicon (`nps_text.tagging.polarity`, neutral at 0);
`SentimentScorer` (e5 + lexicon score, logistic regression, neutral band 0.3) trained with *weak*
labels only — clauses of promoter comments positive, of detractor comments negative, passives out —
(a) on the synthetic sample survey's 0-10 scores, (b) on the NHS FFT 1-5 experience scores
(1 promoter-like, 3-5 detractor-like, 2 passive-like and 6/7 unknown left out). Every test is then
cross-domain and, for GermEval, cross-lingual; on NHS FFT the FFT-trained model is scored
out-of-fold (5 folds by respondent). Nothing here is shipped: the library fits its survey model at
run time on the user's own survey. The neutral-band sweep is a diagnostic, not used to set the default.
"""

from __future__ import annotations

import json
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _args import benchmark_args, machine_load  # noqa: E402 - beside this script
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import GroupKFold

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LABELS = ["positive", "negative", "neutral"]
BANDS = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6]


def scores_table(gold, predicted, labels=LABELS) -> dict:
    gold, predicted = list(gold), list(predicted)
    return {"macro_f1": round(float(f1_score(gold, predicted, labels=labels, average="macro", zero_division=0)), 3),
            "accuracy": round(float(accuracy_score(gold, predicted)), 3), "n": len(gold)}


# ----------------------------------------------------------------------------- data
def semeval(shared: Path) -> tuple[pd.DataFrame, int]:
    data = pd.read_csv(shared / "semeval14_restaurants_test.csv")
    rows, conflict = [], 0
    for text, aspects in zip(data["text"], data["aspects"]):
        for item in str(aspects).split("|"):
            category, polarity = item.rsplit(":", 1)
            if polarity == "conflict":
                conflict += 1
                continue
            rows.append((text, polarity))
    return pd.DataFrame(rows, columns=["text", "gold"]), conflict


def germeval(shared: Path) -> pd.DataFrame:
    data = pd.read_csv(shared / "germeval17_dev.csv")
    return pd.DataFrame({"text": data["text"].astype(str), "gold": data["sentiment"]})


def nhs(shared: Path) -> pd.DataFrame:
    data = pd.read_csv(shared / "nhs_fft" / "v6framework_230831.csv")
    data = data[data["FFT answer"].notna() & data["FFT answer"].astype(str).str.strip().ne("")]
    return data.reset_index(drop=True)


def nhs_test(data: pd.DataFrame) -> pd.DataFrame:
    labelled = data[data["Comment sentiment"].notna()]
    gold = labelled["Comment sentiment"].map({1: "positive", 2: "positive", 3: "neutral", 4: "negative", 5: "negative"})
    return pd.DataFrame({"text": labelled["FFT answer"].astype(str), "gold": gold,
                         "respondent": labelled["Respondent ID"].astype(str)}).reset_index(drop=True)


def nhs_weak(data: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Clauses of FFT comments with weak polarity from the 1-5 experience score."""
    from nps_text.text.prepare import prepare_text

    score = pd.to_numeric(data["FFT categorical answer"], errors="coerce")
    polarity = np.where(score == 1, 1.0, np.where(score.between(3, 5), -1.0, np.nan))
    responses = pd.DataFrame({"response_id": data["Comment ID"].astype(str), "comment": data["FFT answer"].astype(str),
                              "respondent": data["Respondent ID"].astype(str), "polarity": polarity})
    responses, sentences = prepare_text(responses)
    info = responses.set_index("response_id")
    sentences["polarity"] = sentences["response_id"].map(info["polarity"])
    sentences["respondent"] = sentences["response_id"].map(info["respondent"])
    return responses, sentences


def sample_weak() -> tuple[pd.DataFrame, pd.DataFrame]:
    from nps_text import load_survey
    from nps_text.tagging import weak_polarity
    from nps_text.text.prepare import prepare_text

    responses, _ = load_survey(ROOT / "data" / "sample_survey.csv")
    responses, sentences = prepare_text(responses)
    sentences["polarity"] = weak_polarity(sentences, responses)
    return responses, sentences


def sample_aspects(responses: pd.DataFrame, sentences: pd.DataFrame) -> pd.DataFrame:
    """RuleTagger mentions of the sample survey joined to the planted sentiment of their theme."""
    from nps_text.tagging import RuleTagger

    truth = pd.read_csv(ROOT / "data" / "sample_truth.csv", dtype=str).fillna("")
    planted = {}
    for rid, themes, sentiments in zip(truth["response_id"], truth["themes"], truth["sentiments"]):
        pairs = list(zip(themes.split("|"), sentiments.split("|"))) if themes else []
        planted[rid] = dict(pairs) if len({t for t, _ in pairs}) == len(pairs) else {}  # a theme twice: ambiguous
    mentions = RuleTagger().tag(sentences)
    gold = [planted.get(r, {}).get(t) for r, t in zip(mentions["response_id"], mentions["theme"])]
    mentions["gold"] = gold
    keep = mentions["gold"].notna() & mentions["response_id"].isin(responses["response_id"])
    return mentions[keep].reset_index(drop=True)


# ----------------------------------------------------------------------------- scorers
def lexicon(texts) -> np.ndarray:
    from nps_text.tagging import lexicon_score

    return np.array([lexicon_score(t) for t in texts])


def fit_scorer(sentences: pd.DataFrame, embedder: str, lexicon_feature: bool = True):
    from nps_text.tagging import SentimentScorer

    labelled = sentences[sentences["polarity"].notna()]
    return SentimentScorer(embedder=embedder, lexicon=lexicon_feature).fit(labelled["text"].tolist(),
                                                                           labelled["polarity"].to_numpy())


def labels_at(scores: np.ndarray, band: float) -> np.ndarray:
    from nps_text.tagging.sentiment import sentiment_labels

    return sentiment_labels(scores, neutral_band=band)


def evaluate_all(test: pd.DataFrame, scores: dict[str, np.ndarray], default_band: float) -> dict:
    """Macro-F1 over the classes the gold data has (the sample survey has no neutral truth)."""
    gold = test["gold"].tolist()
    classes = [c for c in LABELS if c in set(gold)]
    majority = pd.Series(gold).value_counts().index[0]
    out = {"n": len(gold), "gold_counts": pd.Series(gold).value_counts().to_dict(), "macro_over": classes,
           "majority": {"class": majority, **scores_table(gold, [majority] * len(gold), classes)},
           "lexicon": scores_table(gold, labels_at(scores["lexicon"], 0.0), classes)}
    for name, s in scores.items():
        if name == "lexicon":
            continue
        out[name] = {**scores_table(gold, labels_at(s, default_band), classes),
                     "band_sweep_macro_f1": {str(b): scores_table(gold, labels_at(s, b), classes)["macro_f1"]
                                             for b in BANDS}}
    return out


def nhs_out_of_fold(test: pd.DataFrame, weak: pd.DataFrame, embedder: str) -> np.ndarray:
    """Score each labelled FFT comment with a model trained on the weak labels of other respondents only."""
    scores = np.zeros(len(test))
    for train, held in GroupKFold(n_splits=5).split(test, groups=test["respondent"]):
        held_out = set(test["respondent"].iloc[held])
        model = fit_scorer(weak[~weak["respondent"].isin(held_out)], embedder)
        scores[held] = model.decision_score(test["text"].iloc[held].tolist())
    return scores


def main() -> None:
    args = benchmark_args(__doc__)
    from nps_text.tagging import SentimentScorer

    band = SentimentScorer().neutral_band
    t0, c0 = time.perf_counter(), time.process_time()
    sample_responses, sample_sentences = sample_weak()
    nhs_data = nhs(args.shared)
    _, nhs_sentences = nhs_weak(nhs_data)
    tests = {"semeval14_restaurants_test": semeval(args.shared)[0], "germeval17_dev": germeval(args.shared),
             "nhs_fft": nhs_test(nhs_data), "sample_survey_aspects": sample_aspects(sample_responses, sample_sentences)}
    t_fit = time.perf_counter()
    trained = {"weak_sample": fit_scorer(sample_sentences, args.embedder),
               "weak_nhs": fit_scorer(nhs_sentences, args.embedder),
               "weak_nhs_no_lexicon": fit_scorer(nhs_sentences, args.embedder, lexicon_feature=False)}
    fit_s = time.perf_counter() - t_fit
    results = {}
    for name, test in tests.items():
        texts = test["text" if "text" in test else "evidence"].astype(str).tolist()
        if name == "sample_survey_aspects":  # the sentence of each mention, not its keyword
            by_sentence = sample_sentences.set_index(["response_id", "sentence_id"])["text"]
            texts = [by_sentence[(r, s)] for r, s in zip(test["response_id"], test["sentence_id"])]
        scores = {"lexicon": lexicon(texts)}
        for model_name, model in trained.items():
            if name == "nhs_fft" and model_name.startswith("weak_nhs"):
                continue
            scores[model_name] = model.decision_score(texts)
        if name == "nhs_fft":
            scores["weak_nhs_out_of_fold"] = nhs_out_of_fold(test, nhs_sentences, args.embedder)
        if name == "sample_survey_aspects":  # what tag_survey does: fitted on this survey, out of fold
            from nps_text.tagging import sentence_sentiment

            fitted = sentence_sentiment(sample_sentences, sample_responses, method="survey", embedder=args.embedder)
            key = pd.MultiIndex.from_frame(sample_sentences[["response_id", "sentence_id"]])
            fitted.index = key
            scores["survey_fitted_out_of_fold"] = fitted.loc[list(zip(test["response_id"], test["sentence_id"])),
                                                             "sentiment_score"].to_numpy()
        results[name] = evaluate_all(test, scores, band)
    t_lex = time.perf_counter()
    lexicon(sample_sentences["text"].tolist())
    lexicon_per_s = len(sample_sentences) / (time.perf_counter() - t_lex)
    conflict = semeval(args.shared)[1]
    results["semeval14_restaurants_test"]["skipped_conflict_pairs"] = conflict
    result = {
        "how to reproduce": "python benchmarks/sentiment.py", "embedder": args.embedder, "neutral_band": band,
        "weak_training": {"weak_sample": trained["weak_sample"].n_train_, "weak_nhs": trained["weak_nhs"].n_train_},
        "results": results,
        "timing": {"wall_s": round(time.perf_counter() - t0, 1), "cpu_s": round(time.process_time() - c0, 1),
                   "fit_three_models_s": round(fit_s, 1), "lexicon_sentences_per_s": round(lexicon_per_s),
                   "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                   "note": "embeddings come from the shared on-disk cache where present"},
        **machine_load(),
    }
    (HERE / "sentiment.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
