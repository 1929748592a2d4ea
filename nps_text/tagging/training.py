"""Labelled data in, trained and honestly evaluated theme classifiers out.

* ``read_labelled``: CSV/XLSX (a text column and a label column with ``|`` or ``;`` separated
  themes, or one 0/1 column per theme), Label Studio JSON exports, doccano JSONL.
* ``evaluate``: micro, macro and per-theme precision, recall, F1 and support.
* ``cross_validate``: the same, out-of-fold, for a model that has not seen the items.
* ``suggest_for_labelling``: the next comments worth labelling (uncertain, and unlike each other).
* ``train``: fit a :class:`~nps_text.tagging.ThemeClassifier` and save it with honest metrics in its
  model card: by default from the out-of-fold predictions the classifier makes anyway while it
  chooses its settings (no extra fits), or from a full cross-validation (``folds=K``, K more fits);
  the card also states the model's tier (fast: a static encoder; quality: any other) and sums the
  metrics up as micro and macro F1.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import KFold

from .._core.safe_files import MAX_JSON_BYTES, read_json
from ..embed.backends import embed, get_embedder
from ..errors import ColumnError, ParameterError, SurveyFileError
from ..io.columns import resolve_column
from ..io.readers import read_table
from .classifier import (
    Progress,
    ThemeClassifier,
    _best_threshold,
    _decide,
    f1_summary,
    split_labels,
    training_data_hash,
)

__all__ = ["read_labelled", "evaluate", "trained_on", "micro_f1_interval", "cross_validate", "out_of_fold_metrics",
           "train", "suggest_for_labelling"]


def read_labelled(path: str | Path | pd.DataFrame, *, text: str = "text", labels: str | list[str] = "labels",
                  sheet: str | int | None = None) -> tuple[list[str], list[list[str]]]:
    """Texts and their theme lists from a labelled file.

    ``labels`` is one column of ``|``/``;``-separated themes, or a list of 0/1 columns (one per
    theme). ``.json`` files are read as Label Studio exports (choices of the first ``choices``
    result) and ``.jsonl`` files with a ``label`` field as doccano exports. ``sheet`` picks the sheet
    of an ``.xlsx`` workbook (name, or number from 0; default the first).
    """
    suffix = Path(path).suffix.lower() if not isinstance(path, pd.DataFrame) else ""
    if sheet is not None and suffix != ".xlsx":
        name = "the DataFrame" if isinstance(path, pd.DataFrame) else f"'{Path(path).name}'"
        raise ParameterError(f"sheet={sheet!r} picks a sheet of an Excel workbook (.xlsx), but {name} is not one. "
                             "Drop sheet= (CLI: --sheet).")
    if suffix == ".json":
        return _label_studio(Path(path))
    if suffix == ".jsonl":
        return _doccano(Path(path))
    table = read_table(path, sheet=sheet)
    frame = table.frame
    try:
        text_col = resolve_column(frame, text, "text")
        label_cols = [resolve_column(frame, c, "labels") for c in ([labels] if isinstance(labels, str) else labels)]
    except ColumnError as exc:
        if table.other_sheets_hint():
            raise ColumnError(f"{exc}{table.other_sheets_hint()}") from None
        raise
    if isinstance(labels, str):
        return frame[text_col].fillna("").tolist(), [split_labels(v) for v in frame[label_cols[0]]]
    columns = label_cols
    flags = frame[columns].fillna("0").astype(str).apply(lambda s: s.str.strip().isin(["1", "1.0", "true", "True", "x"]))
    return frame[text_col].fillna("").tolist(), [[c for c in columns if row[c]] for _, row in flags.iterrows()]


def _label_studio(path: Path) -> tuple[list[str], list[list[str]]]:
    tasks = read_json(path, what="Label Studio export", error=SurveyFileError,
                      fix="Export the project again from Label Studio as JSON.")
    if not isinstance(tasks, list):
        raise SurveyFileError(f"'{path.name}' is not a Label Studio JSON export (expected a list of tasks).")
    texts, labels = [], []
    for task in tasks:
        data = task.get("data", {})
        texts.append(str(data.get("text") or next(iter(data.values()), "")))
        choices: list[str] = []
        for annotation in task.get("annotations", [])[:1]:
            for result in annotation.get("result", []):
                choices += result.get("value", {}).get("choices", [])
        labels.append(choices)
    return texts, labels


def _doccano(path: Path) -> tuple[list[str], list[list[str]]]:
    texts, labels = [], []
    if path.stat().st_size > MAX_JSON_BYTES:
        raise SurveyFileError(f"'{path.name}' is {path.stat().st_size:,} bytes; nps-text reads labelled files of at "
                              f"most {MAX_JSON_BYTES:,}. Split it.")
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SurveyFileError(f"'{path.name}' line {number} is not JSON ({exc.msg}); expected doccano JSONL.") from None
        except RecursionError:
            raise SurveyFileError(f"'{path.name}' line {number} nests too deeply to be a doccano record.") from None
        texts.append(str(item.get("text", "")))
        value = item.get("label", item.get("labels", []))
        labels.append([str(v) for v in value] if isinstance(value, list) else split_labels(value))
    return texts, labels


def evaluate(gold: list[list[str]], predicted: list[list[str]]) -> dict:
    """``{"micro": {precision, recall, f1}, "macro": {...}, "per_label": {theme: {..., support}}, "n": N}``.

    >>> evaluate([["a"], ["a", "b"]], [["a"], ["b"]])["micro"]
    {'precision': 1.0, 'recall': 0.6667, 'f1': 0.8}
    """
    themes = sorted({t for row in gold + predicted for t in row})
    per_label, tp_all, fp_all, fn_all = {}, 0, 0, 0
    for theme in themes:
        tp = sum(theme in g and theme in p for g, p in zip(gold, predicted))
        fp = sum(theme not in g and theme in p for g, p in zip(gold, predicted))
        fn = sum(theme in g and theme not in p for g, p in zip(gold, predicted))
        per_label[theme] = {**_prf(tp, fp, fn), "support": tp + fn}
        tp_all, fp_all, fn_all = tp_all + tp, fp_all + fp, fn_all + fn
    macro = {k: round(float(np.mean([v[k] for v in per_label.values()])), 4) if per_label else 0.0
             for k in ("precision", "recall", "f1")}
    return {"micro": _prf(tp_all, fp_all, fn_all), "macro": macro, "per_label": per_label, "n": len(gold)}


def trained_on(model, texts: list[str], labels: list[list[str]]) -> bool:
    """Whether ``texts`` and ``labels`` are the very data ``model`` was fitted on (the hash its card records):
    scores on them are optimistic, not a measure on unseen comments."""
    return training_data_hash([str(t) for t in texts], labels) == getattr(model, "data_hash_", None)


def micro_f1_interval(gold: list[list[str]], predicted: list[list[str]], *, baseline: list[list[str]] | None = None,
                      level: float = 0.95, n_boot: int = 2000, seed: int = 0) -> dict:
    """A percentile bootstrap interval of micro-F1, over the labelled items (texts).

    Each draw resamples the items with replacement and recomputes micro-F1 from their summed true
    positives, false positives and false negatives. With ``baseline`` (another system's predictions
    for the same items) the same draws also give an interval for the difference ``F1 − F1(baseline)``
    (paired: both systems are scored on each draw's items) and the share of draws in which the
    difference is ≤ 0. Returns ``{"f1", "low", "high", "level", "n_boot", "seed"}`` plus, with a
    baseline, ``{"baseline_f1", "difference", "difference_low", "difference_high",
    "draws_not_better"}``.

    >>> r = micro_f1_interval([["a"], ["b"]] * 50, [["a"], ["a"]] * 50, n_boot=500)
    >>> r["f1"], r["low"] < 0.5 < r["high"]
    (0.5, True)
    """
    if len(gold) != len(predicted) or (baseline is not None and len(baseline) != len(gold)):
        raise ParameterError(f"Got {len(gold)} gold label rows but {len(predicted)} predicted"
                             + (f" and {len(baseline)} baseline" if baseline is not None else "")
                             + " rows; pass one row per labelled text to each.")
    if not gold:
        raise ParameterError("No labelled texts to score; pass at least one.")
    if not 0.0 < level < 1.0 or n_boot < 1:
        raise ParameterError(f"level must be between 0 and 1 and n_boot at least 1, got level={level!r}, n_boot={n_boot!r}.")

    def counts(rows: list[list[str]]) -> np.ndarray:  # per item: true positives, false positives, false negatives
        return np.array([(len(set(g) & set(p)), len(set(p) - set(g)), len(set(g) - set(p)))
                         for g, p in zip(gold, rows)], dtype=float).reshape(-1, 3)

    def f1(summed: np.ndarray) -> np.ndarray:
        tp, fp, fn = summed[..., 0], summed[..., 1], summed[..., 2]
        return np.divide(2 * tp, 2 * tp + fp + fn, out=np.zeros_like(tp), where=(2 * tp + fp + fn) > 0)

    weights = np.random.default_rng(seed).multinomial(len(gold), np.full(len(gold), 1.0 / len(gold)), size=n_boot)
    tails = [100 * (1 - level) / 2, 100 * (1 + level) / 2]
    mine = counts(predicted)
    draws = f1(weights @ mine)
    out = {"f1": round(float(f1(mine.sum(0))), 4), **dict(zip(("low", "high"), np.round(np.percentile(draws, tails), 4).tolist())),
           "level": level, "n_boot": n_boot, "seed": seed}
    if baseline is not None:
        theirs = counts(baseline)
        difference = draws - f1(weights @ theirs)
        low, high = np.round(np.percentile(difference, tails), 4).tolist()
        out.update({"baseline_f1": round(float(f1(theirs.sum(0))), 4),
                    "difference": round(float(f1(mine.sum(0)) - f1(theirs.sum(0))), 4),
                    "difference_low": low, "difference_high": high,
                    "draws_not_better": round(float((difference <= 0).mean()), 4)})
    return out


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def cross_validate(model, texts: list[str], labels: list[list[str]], *, folds: int = 5, seed: int = 0,
                   progress: Progress | None = None) -> dict:
    """:func:`evaluate` of out-of-fold predictions of clones of ``model``.

    ``progress(stage, done, total)`` hears stage ``"cross-validation"`` (folds done) and, within each
    fold, the stages of the model's own ``fit``.
    """
    predicted: list[list[str]] = [[] for _ in texts]
    if progress:
        progress("cross-validation", 0, folds)
    for done, (train_idx, test_idx) in enumerate(KFold(folds, shuffle=True, random_state=seed).split(texts), start=1):
        fit_params = {"progress": progress} if progress else {}
        fold = clone(model).fit([texts[i] for i in train_idx], [labels[i] for i in train_idx], **fit_params)
        for i, row in zip(test_idx, fold.predict_labels([texts[i] for i in test_idx])):
            predicted[i] = row
        if progress:
            progress("cross-validation", done, folds)
    return evaluate(labels, predicted)


def out_of_fold_metrics(model, labels: list[list[str]]) -> dict | None:
    """:func:`evaluate` of a fitted ThemeClassifier's own out-of-fold predictions of its training texts.

    Each text is scored by heads fitted without it (``model.oof_proba_``) and cut at cut-offs tuned
    on the *other* folds' out-of-fold predictions (cross-fitted, so no text's label sets its own
    cut-off), with at least ``min_themes_`` themes per text, as the model decides. ``labels`` are
    the training labels, in training order. ``None`` when the model has no out-of-fold predictions.
    Costs no fit. What it does not hold out: the choice of ``C`` and the embedding weight (made on
    these predictions) and the TF-IDF vocabulary (learnt from all texts), so it can read a little
    high; :func:`cross_validate` holds out everything, at the price of refitting the model per fold.
    """
    oof = getattr(model, "oof_proba_", None)
    if oof is None:
        return None
    Y = model.binarizer_.transform([list(row) for row in labels])
    if Y.shape != oof.shape:
        raise ParameterError(f"Got {len(labels)} label rows for a model with out-of-fold predictions of "
                             f"{oof.shape[0]} texts; pass the labels the model was trained on, in order.")
    chosen = np.zeros(Y.shape, dtype=bool)  # the folds the predictions come from (for a blend: its fine-tuned part's)
    for rest, held_out in KFold(_inner_folds(model), shuffle=True, random_state=model.seed).split(Y):
        cut_offs = np.array([_best_threshold(Y[rest, k], oof[rest, k]) for k in range(Y.shape[1])])
        chosen[held_out] = _decide(oof[held_out], cut_offs, model.min_themes_)
    predicted = [[str(c) for c in model.classes_[row]] for row in chosen]
    return evaluate([list(row) for row in labels], predicted)


def train(texts: list[str], labels: list[list[str]], output: str | Path, *, embedder: str = "e5", folds: int = 0,
          seed: int = 0, progress: Progress | None = None, **params):
    """Fit a ThemeClassifier, save it with honest metrics in its card; return the model.

    ``folds=0`` (default) takes the card's metrics from the classifier's own out-of-fold predictions
    (:func:`out_of_fold_metrics`: no extra fit); ``folds=K`` cross-validates the whole training
    (:func:`cross_validate`: K more fits, each with its own model selection; with fine-tuning, K
    more fine-tunes). ``card.json``'s ``metrics`` says which: ``method`` is ``"out-of-fold"``,
    ``"cross-validation"`` or ``"none"`` (a fine-tuned model without ``fine_tune_folds`` has no
    out-of-fold predictions), with the scores under ``out_of_fold`` or ``cross_validated`` and a
    ``description``. The card's top-level ``f1`` sums them up (micro and macro F1, the method and
    folds: :func:`~nps_text.tagging.classifier.f1_summary`; also the returned model's ``f1_``), next
    to its ``tier``: ``"fast"`` for a static encoder (``embedder="static"`` or ``"hashing"``), else
    ``"quality"`` (:func:`~nps_text.tagging.classifier.model_tier`; a fine-tuned model is quality).
    ``params`` go to :class:`~nps_text.tagging.ThemeClassifier` (``fine_tune_layers``,
    ``blend_linear``, ``max_length``, ...). ``progress(stage, done, total)`` is called as the work
    advances (stages ``"cross-validation"``, ``"embedding"``, ``"fitting"``, ``"fine-tuning"``); the
    library never prints.

    Examples
    --------
    >>> import json, tempfile
    >>> texts = ["zu teuer", "viel zu teuer", "Paket kam spät", "Lieferung zu spät"] * 5
    >>> labels = [["price"], ["price"], ["delivery"], ["delivery"]] * 5
    >>> folder = tempfile.mkdtemp()
    >>> _ = train(texts, labels, folder, embedder="hashing", cache=False)
    >>> card = json.load(open(f"{folder}/card.json"))
    >>> card["metrics"]["method"], card["tier"], card["f1"]["method"]
    ('out-of-fold', 'fast', 'out-of-fold')
    """

    if not texts:
        raise ColumnError("No labelled texts found; check the text and label columns.")
    if folds == 1 or folds < 0 or folds > len(texts) // 2:
        raise ParameterError(f"folds={folds} cannot cross-validate {len(texts)} labelled texts: use 0 (metrics from "
                             f"the classifier's own out-of-fold predictions, no extra fits) or 2 to "
                             f"{max(2, len(texts) // 2)} folds (CLI: --folds).")
    model = ThemeClassifier(embedder=embedder, seed=seed, **params)
    fit_params = {"progress": progress} if progress else {}
    if folds:
        metrics = {"method": "cross-validation", "folds": folds,
                   "cross_validated": cross_validate(model, texts, labels, folds=folds, seed=seed, progress=progress),
                   "description": f"{folds}-fold cross-validation of the whole training: each text predicted by a "
                                  "model fitted (settings, cut-offs and all) without it."}
        model.fit(texts, labels, **fit_params)
    else:
        model.fit(texts, labels, **fit_params)
        scores = out_of_fold_metrics(model, labels)
        if scores is None:
            metrics = {"method": "none", "folds": 0,
                       "description": "This model has no out-of-fold predictions (a fine-tuned model has them only "
                                      "with fine_tune_folds, a linear one only with threshold_folds); train with "
                                      "folds=K (CLI: --folds K) for cross-validated metrics."}
        else:
            metrics = {"method": "out-of-fold", "folds": 0, "inner_folds": _inner_folds(model),
                       "out_of_fold": scores,
                       "description": "The classifier's own out-of-fold predictions: each text scored by heads fitted "
                                      "without it, cut at cut-offs tuned on the other folds. C and the embedding weight "
                                      "were chosen on these predictions and the TF-IDF vocabulary saw every text, so "
                                      "they can read a little high; folds=K (CLI: --folds K) cross-validates the "
                                      "whole training instead."}
    model.save(output, metrics=metrics)
    model.f1_ = f1_summary(metrics)
    return model


def _inner_folds(model) -> int:
    """The folds the model's out-of-fold predictions come from (the fine-tuned part's, for a fine-tuned model)."""
    fine_tuned = bool(model.fine_tune_layers) and float(model.blend_linear) < 1.0
    return int(model.fine_tune_folds) if fine_tuned else int(model.threshold_folds)


def suggest_for_labelling(comments, model, n: int = 20, *, pool_factor: int = 5) -> pd.DataFrame:
    """Pick ``n`` comments whose labels would teach ``model`` most: uncertain and diverse.

    Uncertainty is how close a comment's probability for some theme lies to that theme's
    decision threshold; among the ``pool_factor × n`` most uncertain comments, a greedy
    farthest-point walk over their embeddings keeps the picks unlike each other (no ten
    near-copies of the same complaint). Returns ``[position, text, uncertainty]`` in picking order.
    """
    texts = [str(t) for t in comments]
    if n <= 0 or not texts:
        return pd.DataFrame(columns=["position", "text", "uncertainty"])
    distance = np.abs(model.predict_proba(texts) - model.thresholds_).min(axis=1)
    pool = np.argsort(distance, kind="stable")[: max(n, pool_factor * n)]
    vectors = embed([texts[i] for i in pool], get_embedder(model.embedder), cache=model.cache)
    picked = [0]
    closest = 1 - vectors @ vectors[0]
    while len(picked) < min(n, len(pool)):
        nxt = int(np.argmax(closest))
        picked.append(nxt)
        closest = np.minimum(closest, 1 - vectors @ vectors[nxt])
    chosen = pool[picked]
    return pd.DataFrame({"position": chosen, "text": [texts[i] for i in chosen],
                         "uncertainty": np.round(1 - 2 * distance[chosen], 4)})
