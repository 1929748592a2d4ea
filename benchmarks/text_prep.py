"""Text-preparation choices of nps-text, measured: language id, lemmas, prepare_text, clauses.

    python benchmarks/text_prep.py [--shared ../shared/benchmarks]

Writes benchmarks/text_prep.json. Parts that need --shared (public corpora) are skipped when it
is missing; the optional comparisons (lingua, spaCy lookup lemmas) are skipped when not installed.

1. language: accuracy of ``nps_text.text.language.detect_language`` on
   * the sample survey (data/sample_truth.csv ``language`` joined on response_id, duplicate ids
     dropped): de/en correct when equal, ``mixed`` correct when de or en, ``none`` when "und";
     per truth class and overall;
   * 500 GermEval-17 dev docs (German) and 500 English texts (SemEval-14 restaurants test +
     NHS FFT answers), both sampled with random_state=0;
   * benchmarks/data/short_answers.csv: 1-4 word de/en survey answers plus junk labelled "und".
   The same for lingua-language-detector (same 8 languages, high-accuracy mode, same rules:
   no letters -> und; another language only with confidence >= 0.9; below 0.2 -> und; else the
   larger of de/en) when importable. Throughput (texts/s, one pass over all sets) and model load
   time of both.
2. lemmas: exact match, ignoring case, of ``nps_text.text.nlp.lemma(token, lang)`` and of spaCy's
   lookup lemmatizer (needs spacy-lookups-data) against benchmarks/data/lemma_gold_{de,en}.csv;
   plus umlaut/ß preservation: gold lemmas containing ä/ö/ü/ß whose prediction keeps them.
3. prepare_text: one-off warm-up time (first call, 50 rows: spaCy, simplemma, py3langid load),
   then comments/s and sentences/s on the whole sample survey and on 1,000 GermEval docs;
   sentences per usable comment; share of responses flagged empty / junk / duplicate, and
   disagreements of the junk flag with the truth file (``none`` not flagged, or flagged but
   carrying themes) and with the short-answer list.
4. clauses: on benchmarks/data/clauses_gold.csv (clauses separated by " || "), exact match of
   the list of ``prepare_text`` sentence texts with the gold list (trailing punctuation and
   whitespace stripped from both), and micro boundary precision/recall, a boundary being the
   character offset of each clause start after the first.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections import Counter
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"
LANGS = ("de", "en", "fr", "es", "it", "nl", "tr", "pl")
LETTER = re.compile(r"[^\W\d_]")
UMLAUTS = set("äöüß")


def correct(truth: str, pred: str) -> bool:
    """de/en must match; "mixed" accepts de or en; "none"/"und" wants "und"."""
    if truth == "mixed":
        return pred in ("de", "en")
    return pred == ("und" if truth in ("none", "und") else truth)


def language_sets(shared: Path | None) -> dict[str, tuple[list, list[str]]]:
    """name -> (texts, truth labels)."""
    survey = pd.read_csv(ROOT / "data" / "sample_survey.csv", dtype=str).drop_duplicates("response_id")
    truth = pd.read_csv(ROOT / "data" / "sample_truth.csv", dtype=str).drop_duplicates("response_id")
    joined = survey.merge(truth[["response_id", "language"]], on="response_id", how="inner")
    sets = {"sample_survey": (joined["comment"].tolist(), joined["language"].tolist())}
    if shared is not None:
        germ = pd.read_csv(shared / "germeval17_dev.csv")["text"].dropna().astype(str)
        germ = germ[germ.str.strip() != ""].sample(500, random_state=0).tolist()
        sem = pd.read_csv(shared / "semeval14_restaurants_test.csv")["text"]
        nhs = pd.read_csv(shared / "nhs_fft" / "v6framework_230831.csv")["FFT answer"]
        eng = pd.concat([sem, nhs]).dropna().astype(str)
        eng = eng[eng.str.strip() != ""].sample(500, random_state=0).tolist()
        sets["germeval_de"] = (germ, ["de"] * len(germ))
        sets["english_semeval_nhs"] = (eng, ["en"] * len(eng))
    short = pd.read_csv(DATA / "short_answers.csv", dtype=str, keep_default_na=False)
    sets["short_answers"] = (short["text"].tolist(), short["lang"].tolist())
    return sets


def lingua_detector():
    """(detect function with nps_text's rules, load seconds), or None when lingua is missing."""
    try:
        from lingua import Language, LanguageDetectorBuilder
    except ImportError:
        return None
    codes = {Language.GERMAN: "de", Language.ENGLISH: "en", Language.FRENCH: "fr", Language.SPANISH: "es",
             Language.ITALIAN: "it", Language.DUTCH: "nl", Language.TURKISH: "tr", Language.POLISH: "pl"}
    t0 = time.perf_counter()
    detector = LanguageDetectorBuilder.from_languages(*codes).with_preloaded_language_models().build()
    load = time.perf_counter() - t0

    def detect(text) -> str:
        if not isinstance(text, str) or not LETTER.search(text):
            return "und"
        probs = {codes[c.language]: c.value for c in detector.compute_language_confidence_values(text)}
        top = max(probs, key=probs.get)
        if top not in ("de", "en") and probs[top] >= 0.9:
            return top
        if probs[top] < 0.2:
            return "und"
        return "de" if probs.get("de", 0) >= probs.get("en", 0) else "en"

    return detect, load


def evaluate_language(sets, detect, load_s: float) -> dict:
    """Accuracy per set and per truth class, failures, throughput."""
    result, n_total, seconds = {"load_s": round(load_s, 3)}, 0, 0.0
    for name, (texts, truths) in sets.items():
        t0 = time.perf_counter()
        preds = [detect(t) for t in texts]
        seconds += time.perf_counter() - t0
        n_total += len(texts)
        ok = [correct(t, p) for t, p in zip(truths, preds)]
        per_class = {}
        for cls in sorted(set(truths)):
            hits = [o for o, t in zip(ok, truths) if t == cls]
            per_class[cls] = {"n": len(hits), "accuracy": round(sum(hits) / len(hits), 4)}
        wrong = Counter((str(x)[:80], t, p) for x, t, p, o in zip(texts, truths, preds, ok) if not o)
        result[name] = {"n": len(texts), "accuracy": round(sum(ok) / len(ok), 4), "per_class": per_class,
                        "predicted": dict(Counter(preds)),
                        "failures": [f"{x!r} truth={t} pred={p} (x{c})" for (x, t, p), c in wrong.most_common(15)]}
    result["texts_per_s"] = round(n_total / seconds, 1)
    return result


def language_part(shared: Path | None) -> dict:
    from nps_text.text.language import _identifier, detect_language

    sets = language_sets(shared)
    _identifier.cache_clear()
    t0 = time.perf_counter()
    _identifier()
    out = {"nps_text_py3langid": evaluate_language(sets, detect_language, time.perf_counter() - t0)}
    lingua = lingua_detector()
    out["lingua"] = evaluate_language(sets, *lingua) if lingua else "skipped: lingua not installed"
    return out


def spacy_lookup(lang: str):
    import spacy

    nlp = spacy.blank(lang)
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return lambda tok: "".join(t.lemma_ + t.whitespace_ for t in nlp(tok))


def score_lemmas(gold: pd.DataFrame, predict) -> dict:
    preds = [predict(t) for t in gold["token"]]
    ok = [p.lower() == g.lower() for p, g in zip(preds, gold["lemma"])]
    uml = [(g, p) for g, p in zip(gold["lemma"], preds) if UMLAUTS & set(g.lower())]
    kept = sum((UMLAUTS & set(g.lower())) <= set(p.lower()) for g, p in uml)
    return {"accuracy": round(sum(ok) / len(ok), 4), "correct": sum(ok), "n": len(ok),
            "umlaut_kept": f"{kept}/{len(uml)}",
            "errors": [f"{t}->{p} (gold {g})" for t, p, g, o in zip(gold["token"], preds, gold["lemma"], ok) if not o]}


def lemma_part() -> dict:
    from nps_text.text.nlp import lemma

    out = {}
    for lang in ("de", "en"):
        gold = pd.read_csv(DATA / f"lemma_gold_{lang}.csv", dtype=str, keep_default_na=False)
        res = {"nps_text_simplemma": score_lemmas(gold, lambda t: lemma(t, lang))}
        try:
            res["spacy_lookup"] = score_lemmas(gold, spacy_lookup(lang))
        except (ImportError, ValueError, OSError) as exc:  # spacy-lookups-data missing
            res["spacy_lookup"] = f"skipped: {type(exc).__name__}: {str(exc)[:120]}"
        out[lang] = res
    return out


def _throughput(frame: pd.DataFrame) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    from nps_text.text.prepare import prepare_text

    t0 = time.perf_counter()
    out, sents = prepare_text(frame)
    dt = time.perf_counter() - t0
    usable = out[~out["is_junk"] & ~out["is_empty"]]
    n = usable["n_sentences"]
    stats = {"comments": len(out), "sentences": len(sents), "seconds": round(dt, 3),
             "comments_per_s": round(len(out) / dt, 1), "sentences_per_s": round(len(sents) / dt, 1),
             "sentences_per_usable_comment": {"mean": round(float(n.mean()), 3), "median": float(n.median()),
                                              "max": int(n.max()),
                                              "distribution": {str(k): int(v) for k, v in
                                                               n.clip(upper=4).value_counts().sort_index().items()}}}
    return stats, out, sents


def prepare_part(shared: Path | None) -> dict:
    from nps_text import load_survey
    from nps_text.text.prepare import junk_reason, prepare_text

    responses, _ = load_survey(ROOT / "data" / "sample_survey.csv")
    t0 = time.perf_counter()
    prepare_text(responses.head(50))
    result = {"warmup_first_call_50_rows_s": round(time.perf_counter() - t0, 3)}
    stats, out, _ = _throughput(responses)
    stats["share_empty"] = round(float(out["is_empty"].mean()), 4)
    stats["share_junk"] = round(float(out["is_junk"].mean()), 4)
    stats["share_duplicate"] = round(float(out["duplicate_of"].notna().mean()), 4)
    stats["junk_reasons"] = {str(k): int(v) for k, v in out["junk_reason"].value_counts().items()}
    truth = pd.read_csv(ROOT / "data" / "sample_truth.csv", dtype=str).drop_duplicates("response_id")
    merged = out.astype({"response_id": str}).merge(truth, on="response_id", how="left")
    missed = merged[(merged["language"] == "none") & ~merged["is_junk"] & ~merged["is_empty"]]
    false = merged[merged["is_junk"] & merged["themes"].notna()]
    stats["truth_none_not_flagged"] = {str(k): int(v) for k, v in missed["comment"].value_counts().items()}
    stats["flagged_junk_with_themes"] = {str(k): int(v) for k, v in false["comment"].value_counts().items()}
    result["sample_survey"] = stats
    short = pd.read_csv(DATA / "short_answers.csv", dtype=str, keep_default_na=False)
    flags = [(t, lang, junk_reason(t)) for t, lang in zip(short["text"], short["lang"])]
    result["short_answers_junk_flag"] = {
        "und_flagged": f"{sum(r is not None for _, l, r in flags if l == 'und')}/{(short['lang'] == 'und').sum()}",
        "und_not_flagged": [t for t, l, r in flags if l == "und" and r is None],
        "words_flagged": [f"{t} ({r})" for t, l, r in flags if l != "und" and r is not None]}
    if shared is not None:
        germ = pd.read_csv(shared / "germeval17_dev.csv").dropna(subset=["text"]).sample(1000, random_state=0)
        frame = pd.DataFrame({"response_id": germ["id"].astype(str), "comment": germ["text"].astype(str)})
        result["germeval_1000"] = _throughput(frame)[0]
    return result


def _clean(text: str) -> str:
    return re.sub(r"[\s\W_]+$", "", text.strip())


def clause_part() -> dict:
    from nps_text.text.prepare import prepare_text

    gold = pd.read_csv(DATA / "clauses_gold.csv", dtype=str, keep_default_na=False)
    frame = pd.DataFrame({"response_id": [str(i) for i in range(len(gold))], "comment": gold["comment"]})
    _, sents = prepare_text(frame)
    exact, tp, n_pred, n_gold, failures = 0, 0, 0, 0, []
    for i, (comment, clauses) in enumerate(zip(gold["comment"], gold["clauses"])):
        rows = sents[sents["response_id"] == str(i)].sort_values("sentence_id")
        pred = [_clean(t) for t in rows["text"]]
        want = [_clean(c) for c in clauses.split(" || ")]
        starts, pos = [], 0
        for clause in clauses.split(" || "):
            pos = comment.index(clause, pos)
            starts.append(pos)
            pos += len(clause)
        gold_b, pred_b = set(starts[1:]), set(rows["start"].tolist()[1:])
        tp, n_pred, n_gold = tp + len(gold_b & pred_b), n_pred + len(pred_b), n_gold + len(gold_b)
        if pred == want:
            exact += 1
        else:
            failures.append({"comment": comment, "gold": " || ".join(want), "pred": " || ".join(pred)})
    return {"n": len(gold), "exact_match": round(exact / len(gold), 4),
            "boundary_precision": round(tp / n_pred, 4) if n_pred else None,
            "boundary_recall": round(tp / n_gold, 4) if n_gold else None,
            "boundaries": {"gold": n_gold, "predicted": n_pred, "correct": tp}, "failures": failures}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "benchmarks")
    parser.add_argument("--out", type=Path, default=HERE / "text_prep.json")
    args = parser.parse_args(argv)
    shared = args.shared if args.shared.is_dir() else None
    sys.path.insert(0, str(ROOT))
    result = {"how to reproduce": "python benchmarks/text_prep.py", "cpu_count": os.cpu_count(),
              "python": sys.version.split()[0],
              "shared": str(args.shared) if shared else f"missing ({args.shared}): GermEval/SemEval/NHS parts skipped"}
    result["prepare_text"] = prepare_part(shared)  # first, so its warm-up includes the one-off loading
    result["language"] = language_part(shared)
    result["lemmas"] = lemma_part()
    result["clauses"] = clause_part()
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
