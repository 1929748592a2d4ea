"""ThemeClassifier: a multi-label theme classifier trained on labelled comments.

Features are sentence embeddings (any nps-text embedder) next to TF-IDF word and character
n-grams (which carry rare product words and German compounds); one logistic regression per
theme on top. Each theme's decision threshold is tuned on out-of-fold probabilities of the
training data (cross-validation), so rare themes are not starved by a 0.5 cut-off. The same
out-of-fold probabilities choose the regularisation ``C`` and the weight of the embeddings against
the n-grams (``"auto"``, a small grid scored by micro-F1), and when every training text has a theme
the model gives every text at least its most likely one (``min_themes``). Follows the
scikit-learn estimator contract: keyword-only ``__init__`` that only stores, ``fit`` returns
self, learned state ends in ``_``; ``clone`` and grid search work.

With ``fine_tune_layers=k`` the classifier instead fine-tunes the top ``k`` layers of the e5
encoder (``e5-st``) with a multi-label head (:mod:`nps_text.tagging.finetune`); it is more
accurate and costs minutes of CPU instead of seconds, so it is opt-in. ``blend_linear=w`` then
also fits the embeddings + TF-IDF heads and averages the two: ``w · linear + (1 − w) · fine-tuned``
probabilities, cut at the same mix of the parts' cut-offs (``w ·`` the linear heads' tuned ones
``+ (1 − w) · 0.5``); this rule was chosen over one 0.5 cut-off on a dev split of SemEval-14's
train data (``benchmarks/tagging_dev.py``). ``fine_tune_folds=k`` instead tunes each theme's cut-off
on out-of-fold probabilities of ``k`` extra fine-tunes, like the linear heads' (about ``k − 1`` more
fine-tunes of CPU).

``save(folder)`` writes JSON, ``.npy`` and safetensors files only (never pickle); ``load(folder)``
reads them back with ``allow_pickle=False`` and safetensors, so a model folder cannot run code.

Every model belongs to a **tier** (:func:`model_tier`), which its card (``card.json``) states: ``"fast"``
when the texts are embedded by a static encoder (``FAST_EMBEDDERS``: model2vec vectors, ``"static"``,
or ``"hashing"``), ``"quality"`` otherwise (e5, e5-st, minilm, a fine-tuned e5, ...). Next to it the card
holds the encoder's ``embedder`` name and an ``f1`` summary (:func:`f1_summary`: micro and macro F1 and
how they were measured), both read back by ``load`` (as ``tier_`` and ``f1_``; older cards without them
get them derived from the embedder and the metrics).
"""

from __future__ import annotations

import hashlib
import json
import numbers
import platform
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
from scipy.sparse import csr_matrix, hstack
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from sklearn.preprocessing import MultiLabelBinarizer
from sklearn.utils.validation import check_is_fitted

from .._core.arrays import logit, sigmoid
from .._core.params import Interval, Options, validate_params
from .._core.safe_files import is_os_file, read_json
from ..embed.backends import embed, get_embedder
from ..embed.cache import normalise_for_cache
from ..errors import ModelFileError, ParameterError
from .contract import mentions_frame
from .finetune import FineTunedEncoder, fine_tune

__all__ = ["ThemeClassifier", "ModelFileError", "FAST_EMBEDDERS", "TIERS", "model_tier", "f1_summary"]

FORMAT_VERSION = 1
_FILES = {"card.json", "config.json", "coef.npy", "intercept.npy", "thresholds.npy", "word_idf.npy", "char_idf.npy",
          "word_vocabulary.json", "char_vocabulary.json"}
_ENCODER_FILES = {"encoder.safetensors", "encoder.json"}
_E5_LAYERS = 12  # transformer layers of multilingual-e5-small (checked again against the model)

FAST_EMBEDDERS = ("static", "hashing")
"""Embedders of the fast tier (static encoders: a vector per token, no network at run time); every other
encoder is the quality tier. Names are matched on their part before the first ``/``, so a registry key
(``"static"``) and an embedder's full name (``"static/static-e5-..."``, ``"hashing/char3-5+word/..."``) agree."""
TIERS = ("fast", "quality")


def model_tier(embedder_name: str) -> str:
    """``"fast"`` when ``embedder_name`` (a registry key or an embedder's full ``name``, as a model card's
    ``embedder``) is a static encoder of ``FAST_EMBEDDERS``, else ``"quality"``.

    >>> model_tier("hashing/char3-5+word/262144/256/seed0"), model_tier("static"), model_tier("e5-st")
    ('fast', 'fast', 'quality')
    """
    return "fast" if str(embedder_name).split("/")[0] in FAST_EMBEDDERS else "quality"


_F1_SOURCES = {"out-of-fold": "out_of_fold", "cross-validation": "cross_validated"}


def f1_summary(metrics: dict | None) -> dict:
    """The model card's ``f1``: micro and macro F1 of a card's ``metrics`` (as ``training.train`` writes
    them) and how they were measured.

    ``{"micro", "macro", "method", "folds", "n", "measured"}``: ``method`` is ``"out-of-fold"`` (the
    classifier's own out-of-fold predictions; ``folds`` are its tuning folds), ``"cross-validation"``
    (``folds``-fold cross-validation of the whole training) or ``"none"`` (not measured: ``micro`` and
    ``macro`` are None); ``n`` is the number of labelled texts scored, ``measured`` says it in words.

    >>> f1_summary({"method": "cross-validation", "folds": 3,
    ...             "cross_validated": {"micro": {"f1": 0.9}, "macro": {"f1": 0.8}, "n": 24}})["measured"]
    '3-fold cross-validation of the whole training on 24 labelled texts'
    >>> f1_summary({})["micro"] is None
    True
    """
    metrics = metrics if isinstance(metrics, dict) else {}
    method = metrics.get("method")
    scores = metrics.get(_F1_SOURCES.get(method, ""))
    if not isinstance(scores, dict):
        return {"micro": None, "macro": None, "method": "none", "folds": 0, "n": None,
                "measured": "not measured: train with folds=K (CLI: --folds K) for cross-validated F1"}
    n = scores.get("n")
    if method == "out-of-fold":
        folds = metrics.get("inner_folds")
        measured = (f"out-of-fold predictions of the {n} training texts from the classifier's own {folds}-fold "
                    "tuning (can read a little high)")
    else:
        folds = metrics.get("folds")
        measured = f"{folds}-fold cross-validation of the whole training on {n} labelled texts"
    return {"micro": float(scores["micro"]["f1"]), "macro": float(scores["macro"]["f1"]), "method": method,
            "folds": folds, "n": n, "measured": measured}


def _valid_f1(value) -> bool:
    """Whether a card's ``f1`` is a summary as :func:`f1_summary` makes one."""
    def score(x) -> bool:
        return x is None or (isinstance(x, (int, float)) and not isinstance(x, bool) and 0.0 <= x <= 1.0)

    return (isinstance(value, dict) and score(value.get("micro")) and score(value.get("macro"))
            and value.get("method") in ("none", *_F1_SOURCES))


def _read_json(path: Path, what: str, *, max_bytes: int = 2**24) -> dict:
    """A model file's JSON object, size-capped; anything else is a :class:`ModelFileError`."""
    value = read_json(path, what=what, error=ModelFileError, max_bytes=max_bytes,
                      fix="Nothing was loaded (refused): retrain the model with `nps-text train` (ThemeClassifier.save()).")
    if not isinstance(value, dict):
        raise ModelFileError(f"The {what} '{path}' holds a {type(value).__name__}, not the object ThemeClassifier.save() "
                             "writes; refused, nothing was loaded. Retrain the model with `nps-text train`.")
    return value


def split_labels(value) -> list[str]:
    """Themes of one label cell: ``"a|b"`` or ``"a; b"`` → ``["a", "b"]``; missing → ``[]``."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    return [x.strip() for x in str(value).replace(";", "|").split("|") if x.strip()]


def _labels_to_lists(labels) -> list[list[str]]:
    if isinstance(labels, pd.DataFrame):  # one 0/1 column per theme
        return [[c for c in labels.columns if row[c]] for _, row in labels.iterrows()]
    return [split_labels(item) if item is None or isinstance(item, (str, float)) else [str(x) for x in item]
            for item in labels]


def training_data_hash(texts: list[str], labels: list[list[str]]) -> str:
    """SHA-256 of labelled data, as the model card records it (same texts and labels → same hash)."""
    return hashlib.sha256(json.dumps([texts, labels], ensure_ascii=False).encode()).hexdigest()


def _micro_f1(Y: np.ndarray, chosen: np.ndarray, *, missed: int = 0) -> float:
    """F1 of 0/1 ``chosen`` against 0/1 ``Y``, pooled over every cell (one theme's F1 for 1-D arrays);
    ``missed`` more gold labels (themes outside ``Y``'s columns) count as false negatives."""
    tp = float((chosen & (Y == 1)).sum())
    total = float(chosen.sum() + Y.sum() + missed)
    return 2 * tp / total if total else 0.0


def _best_threshold(y: np.ndarray, p: np.ndarray, *, min_positives: int = 5) -> float:
    """The cut-off on out-of-fold probabilities that maximises F1 for one theme, within 0.1–0.9;
    0.5 for themes with too few examples to tune on."""
    if y.sum() < min_positives:
        return 0.5
    best, best_f1 = 0.5, -1.0
    for t in np.unique(np.clip(np.round(p, 3), 0.1, 0.9)):
        f1 = _micro_f1(y, p >= t)
        if f1 > best_f1:
            best, best_f1 = float(t), f1
    return best


def _platt(y: np.ndarray, p: np.ndarray, *, min_examples: int = 5) -> tuple[float, float]:
    """Platt scaling of one theme: slope and intercept of a logistic fit of ``y`` on logit(``p``), the
    out-of-fold probabilities, with Platt's smoothed targets ((N₊ + 1) / (N₊ + 2) for positives,
    1 / (N₋ + 2) for negatives) so that separable scores do not give an infinitely steep map;
    (1, 0) — unchanged — with too few examples either way, or a fit that does not increase (the
    map must keep the order of the probabilities)."""
    positives, negatives = int(y.sum()), int(len(y) - y.sum())
    if positives < min_examples or negatives < min_examples:
        return 1.0, 0.0
    target = np.where(y == 1, (positives + 1) / (positives + 2), 1 / (negatives + 2))
    z = logit(p)[:, None]  # soft targets as two weighted copies of each example
    fit = LogisticRegression(C=1e4, max_iter=1000).fit(np.vstack([z, z]), np.r_[np.ones(len(y)), np.zeros(len(y))],
                                                       sample_weight=np.r_[target, 1 - target])
    a, b = float(fit.coef_[0, 0]), float(fit.intercept_[0])
    return (a, b) if a > 0 and np.isfinite(a) and np.isfinite(b) else (1.0, 0.0)


Progress = Callable[[str, int, int], None]
"""A progress callback: ``progress(stage, done, total)``, see :meth:`ThemeClassifier.fit`."""


class _Stage:
    """Counts the finished steps of one stage of a fit and reports them to a progress callback."""

    def __init__(self, progress: Progress | None, name: str, total: int) -> None:
        self.progress, self.name, self.total, self.done = progress, name, int(total), 0
        self.advance(0)

    def advance(self, steps: int = 1) -> None:
        self.done = min(self.total, self.done + int(steps))
        if self.progress is not None:
            self.progress(self.name, self.done, self.total)

    def finish(self) -> None:
        self.advance(self.total - self.done)


AUTO_C = (2.0, 4.0, 8.0)
AUTO_EMBEDDING_WEIGHTS = (1.0, 3.0)


def _decide(proba: np.ndarray, thresholds: np.ndarray, min_themes: int, calibration: np.ndarray | None = None
            ) -> np.ndarray:
    """Themes at or above their thresholds; a text with none gets its most likely one if ``min_themes``
    (ranked on the scale before ``calibration``, so that calibrating never changes a decision)."""
    chosen = proba >= thresholds
    if min_themes and proba.shape[1]:
        empty = ~chosen.any(axis=1)
        chosen[np.flatnonzero(empty), _uncalibrated(proba[empty], calibration).argmax(axis=1)] = True
    return chosen


def _uncalibrated(proba: np.ndarray, calibration: np.ndarray | None) -> np.ndarray:
    """Each theme's logit before calibration (the order in which min_themes picks); ``proba`` without one."""
    if calibration is None:
        return proba
    return (logit(proba) - calibration[:, 1]) / calibration[:, 0]


class ThemeClassifier(BaseEstimator):
    """Multi-label theme classifier: embeddings + TF-IDF n-grams → per-theme logistic regression.

    Parameters
    ----------
    embedder : str
        Embedder name (see :func:`nps_text.embed.get_embedder`); ``"hashing"`` needs no model.
    C : float or "auto"
        Inverse regularisation strength of each logistic regression; ``"auto"`` picks one of
        ``AUTO_C`` by the micro-F1 of the out-of-fold predictions (needs ``threshold_folds``; else 4).
    embedding_weight : float or "auto"
        Factor on the embeddings next to the TF-IDF n-grams (which have unit norm each); ``"auto"``
        picks one of ``AUTO_EMBEDDING_WEIGHTS`` the same way (1 without TF-IDF or folds).
    min_themes : int or None
        Themes every text gets at least (its most likely ones, even below their thresholds): 0 or 1;
        ``None`` (default) is 1 when every training text has a theme, else 0. :meth:`tag` applies it per
        comment (``response_id``), not per sentence: a comment's likeliest sentence and theme.
    tfidf : bool
        Add TF-IDF word (1–2) and character (2–5, within words) n-grams to the embeddings.
    threshold_folds : int
        Folds for tuning per-theme thresholds; 0 keeps 0.5.
    calibrate : bool
        Platt-scale each theme's probabilities on the out-of-fold predictions (needs ``threshold_folds``),
        so that a 0.8 means about 8 in 10. The map is increasing and the cut-offs move with it, so a
        theme's decisions stay the same, and ``min_themes`` ranks the themes as before calibration: the
        decisions of a calibrated model are those of the uncalibrated one, only the probabilities move.
        Embeddings + TF-IDF models only: a fine-tuned or blended model's probabilities are not calibrated.
    seed : int
        Seed of the folds; same data and seed give the same model.
    cache : bool or path
        Embedding cache.
    fine_tune_layers : int
        0 (default): embeddings + TF-IDF + logistic heads. ``k`` > 0: fine-tune the top ``k`` layers of
        ``e5-st`` with a multi-label head instead (needs torch and transformers; minutes of CPU).
    fine_tune_epochs : int
        Epochs of fine-tuning.
    max_length : int
        Tokens per text seen by the fine-tuned encoder (longer texts are cut).
    blend_linear : float
        With ``fine_tune_layers`` > 0: weight (0–1) of the embeddings + TF-IDF heads averaged into the
        fine-tuned probabilities; 0 (default) uses the fine-tuned head alone. Ignored without fine-tuning.
    fine_tune_folds : int
        With ``fine_tune_layers`` > 0: ``k`` ≥ 2 also fine-tunes ``k`` times on all but one fold of the
        training data (the lower layers run once for all), and tunes each theme's cut-off on those
        out-of-fold probabilities (of the blend, with ``blend_linear``; the linear heads' are their own
        out-of-fold ones), like the linear heads' cut-offs. Costs about ``k − 1`` more fine-tunes.
        0 (default): cut at 0.5, or with ``blend_linear`` at the parts' cut-offs mixed by weight —
        with ``k = 2`` that fixed rule did better on GermEval-17 (the half-data fine-tunes are less
        sure, so their cut-offs come out too low; see the tagging benchmark in docs/benchmarks.md).
    fine_tune_members : int
        With ``fine_tune_layers`` > 0: ``m`` ≥ 2 fine-tunes the top layers and head ``m`` times, with
        seeds ``seed``, ``seed + 1``, …, and averages their probabilities (an ensemble; the lower layers
        run once for all). Costs about ``m − 1`` more fine-tunes, and the top layers run ``m`` times when
        predicting. 1 (default): one fine-tuned model.

    Attributes
    ----------
    oof_proba_ : ndarray or None
        Out-of-fold probabilities of the training texts (rows in training order, columns in ``classes_``
        order, before calibration): each text's from heads fitted without it, for the settings the model
        chose — the predictions its cut-offs were tuned on. ``None`` when the model has none (no
        ``threshold_folds``, or a fine-tuned model without ``fine_tune_folds``). Training-time data:
        :meth:`save` does not write it, so a loaded model has none.
    tier_ : str
        ``"fast"`` or ``"quality"`` (:func:`model_tier` of the encoder that embeds the texts; a fine-tuned
        model is ``"quality"``); :meth:`save` writes it to the card, :meth:`load` reads it back.
    f1_ : dict
        Only on a model from :meth:`load` or ``training.train``: the card's F1 summary (:func:`f1_summary`).

    Examples
    --------
    >>> clf = ThemeClassifier(embedder="hashing", threshold_folds=0)
    >>> texts = ["zu teuer", "viel zu teuer", "Paket kam spät", "Lieferung zu spät"] * 3
    >>> clf.fit(texts, [["price"], ["price"], ["delivery"], ["delivery"]] * 3).classes_.tolist()
    ['delivery', 'price']
    """

    _parameter_constraints: dict = {
        "embedder": [str],
        "C": [Options(("auto",)), Interval(numbers.Real, 0, None, "neither")],
        "embedding_weight": [Options(("auto",)), Interval(numbers.Real, 0, None, "neither")],
        "min_themes": [None, Options((0, 1))],
        "tfidf": [bool],
        "threshold_folds": [Options((0,)), Interval(numbers.Integral, 2, None)],
        "seed": [Interval(numbers.Integral, 0, None)],
        "cache": [bool, str, Path],
        "fine_tune_layers": [Interval(numbers.Integral, 0, _E5_LAYERS)],
        "fine_tune_epochs": [Interval(numbers.Integral, 1, None)],
        "max_length": [Interval(numbers.Integral, 8, None)],
        "blend_linear": [Interval(numbers.Real, 0, 1)],
        "fine_tune_folds": [Interval(numbers.Integral, 0, None)],
        "fine_tune_members": [Interval(numbers.Integral, 1, 20)],
        "calibrate": [bool],
    }

    def __init__(self, *, embedder: str = "e5", C: float | str = "auto", embedding_weight: float | str = "auto",
                 min_themes: int | None = None, tfidf: bool = True, threshold_folds: int = 5, seed: int = 0,
                 cache: bool | str = True, fine_tune_layers: int = 0, fine_tune_epochs: int = 4, max_length: int = 64,
                 blend_linear: float = 0.0, fine_tune_folds: int = 0, fine_tune_members: int = 1,
                 calibrate: bool = True) -> None:
        self.embedder = embedder
        self.C = C
        self.embedding_weight = embedding_weight
        self.min_themes = min_themes
        self.tfidf = tfidf
        self.threshold_folds = threshold_folds
        self.seed = seed
        self.cache = cache
        self.fine_tune_layers = fine_tune_layers
        self.fine_tune_epochs = fine_tune_epochs
        self.max_length = max_length
        self.blend_linear = blend_linear
        self.fine_tune_folds = fine_tune_folds
        self.fine_tune_members = fine_tune_members
        self.calibrate = calibrate

    # ---------------------------------------------------------------- features
    def _fit_vectorizers(self, texts: list[str]) -> None:
        self.word_vectorizer_ = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, lowercase=True)
        self.char_vectorizer_ = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True,
                                                max_features=100_000)
        self.word_vectorizer_.fit(texts)
        self.char_vectorizer_.fit(texts)

    def _feature_blocks(self, texts: list[str], progress: Progress | None = None) -> tuple:
        """The embeddings (dense, unweighted) and the TF-IDF n-grams (sparse, or None without ``tfidf``)."""
        # stage "embedding", in distinct texts; texts already in the cache are skipped, so it may end early
        stage = _Stage(progress, "embedding", len(set(map(normalise_for_cache, texts)))) if progress else None
        dense = embed(texts, get_embedder(self.embedder), cache=self.cache, progress=stage.advance if stage else False)
        if stage:
            stage.finish()
        if not self.tfidf:
            return dense, None
        return dense, hstack([self.word_vectorizer_.transform(texts), self.char_vectorizer_.transform(texts)]).tocsr()

    @staticmethod
    def _stack(blocks: tuple, weight: float):
        dense, sparse = blocks
        return csr_matrix(dense * weight) if sparse is None else hstack([csr_matrix(dense * weight), sparse]).tocsr()

    def _features(self, texts: list[str]):
        return self._stack(self._feature_blocks(texts), self.embedding_weight_)

    def _fit_heads(self, X, Y: np.ndarray, C: float | None = None, stage: _Stage | None = None
                   ) -> tuple[np.ndarray, np.ndarray]:
        coef, intercept = np.zeros((Y.shape[1], X.shape[1])), np.zeros(Y.shape[1])
        for k in range(Y.shape[1]):
            if Y[:, k].min() == Y[:, k].max():  # a theme always or never present: constant
                intercept[k] = 10.0 if Y[0, k] else -10.0
            else:
                head = LogisticRegression(C=self.C_ if C is None else C, max_iter=3000, solver="liblinear")
                head.fit(X, Y[:, k])
                coef[k], intercept[k] = head.coef_[0], head.intercept_[0]
            if stage is not None:
                stage.advance()
        return coef, intercept

    @staticmethod
    def _proba(X, coef: np.ndarray, intercept: np.ndarray) -> np.ndarray:
        return sigmoid(X @ coef.T + intercept)

    # ---------------------------------------------------------------- estimator API
    def fit(self, texts, labels, *, progress: Progress | None = None) -> ThemeClassifier:
        """Learn from ``texts`` and their theme ``labels`` (lists, ``"a|b"`` strings, or a 0/1 DataFrame).

        ``progress``, if given, is called as ``progress(stage, done, total)`` whenever a step of a stage
        finishes (and with ``done=0`` when it starts): ``"embedding"`` (distinct texts to embed),
        ``"fitting"`` (logistic heads: one per theme, for every setting tried on every fold, then the
        final ones) and ``"fine-tuning"`` (one step). The model never prints; the CLI draws the bars.
        """
        texts = [str(t) for t in texts]
        lists = _labels_to_lists(labels)
        if len(texts) != len(lists):
            raise ParameterError(f"Got {len(texts)} texts but {len(lists)} label rows; pass one label row per text.")
        if len(texts) < 4:
            raise ParameterError(f"Need at least 4 labelled texts to train, got {len(texts)}.")
        self.binarizer_ = MultiLabelBinarizer().fit(lists)
        self.classes_ = np.asarray(self.binarizer_.classes_)
        if not len(self.classes_):
            raise ParameterError(f"None of the {len(texts)} labelled texts has a theme, so there is nothing to learn; "
                                 "check the labels column (themes separated by '|' or ';').")
        Y = self.binarizer_.transform(lists)
        self.n_train_ = len(texts)
        self.data_hash_ = training_data_hash(texts, lists)
        if not 0.0 <= float(self.blend_linear) <= 1.0:
            raise ParameterError(f"blend_linear must be between 0 and 1, got {self.blend_linear!r}.")
        if not 0 <= int(self.fine_tune_layers) <= _E5_LAYERS:
            raise ParameterError(f"fine_tune_layers must be between 0 and {_E5_LAYERS} (the layers of e5-small), "
                                 f"got {self.fine_tune_layers!r}.")
        if self.fine_tune_folds and not (self.fine_tune_layers and 2 <= int(self.fine_tune_folds) <= len(texts) // 2):
            raise ParameterError(f"fine_tune_folds must be 0, or with fine_tune_layers > 0 between 2 and "
                                 f"{len(texts) // 2} (half the {len(texts)} texts), got {self.fine_tune_folds!r} "
                                 f"(fine_tune_layers={self.fine_tune_layers!r}).")
        if self.fine_tune_members != 1 and not (self.fine_tune_layers and type(self.fine_tune_members) is int
                                                and 2 <= self.fine_tune_members <= 20):
            raise ParameterError(f"fine_tune_members must be 1, or with fine_tune_layers > 0 between 2 and 20, got "
                                 f"{self.fine_tune_members!r} (fine_tune_layers={self.fine_tune_layers!r}).")
        if self.fine_tune_layers and int(self.max_length) < 8:
            raise ParameterError(f"max_length must be at least 8 tokens, got {self.max_length!r}.")
        for name in ("C", "embedding_weight"):
            value = getattr(self, name)
            if value != "auto" and not (isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0):
                raise ParameterError(f"{name} must be a positive number or 'auto', got {value!r}.")
        if self.min_themes not in (None, 0, 1):
            raise ParameterError(f"min_themes must be 0, 1 or None (1 when every training text has a theme), "
                                 f"got {self.min_themes!r}.")
        validate_params(self)  # the rest: types and ranges as declared (the dependent rules above say more)
        self.min_themes_ = int(all(lists)) if self.min_themes is None else int(self.min_themes)
        self.encoder_ = None
        if self.fine_tune_layers:
            stage = _Stage(progress, "fine-tuning", 1)
            self.encoder_ = fine_tune(texts, Y, layers=int(self.fine_tune_layers), epochs=int(self.fine_tune_epochs),
                                      max_length=int(self.max_length), seed=self.seed,
                                      oof_folds=int(self.fine_tune_folds), members=int(self.fine_tune_members))
            stage.finish()
        weight = self._linear_weight()
        if weight == 0.0:  # the fine-tuned head alone: no linear heads
            self.C_, self.embedding_weight_ = None, None
            self.coef_, self.intercept_ = np.zeros((Y.shape[1], 0)), np.zeros(Y.shape[1])
            self.linear_thresholds_ = np.full(Y.shape[1], 0.5)
            linear_oof = None
        else:
            linear_oof = self._fit_linear(texts, Y, progress)
        fine_tuned_oof = getattr(self.encoder_, "oof_proba", None)
        if fine_tuned_oof is not None and (weight == 0.0 or linear_oof is not None):
            # cut-offs tuned on out-of-fold probabilities of the model as a whole (fine_tune_folds)
            oof = self.blend({"fine_tuned": fine_tuned_oof, **({"linear": linear_oof} if weight else {})})
            self.thresholds_ = np.array([_best_threshold(Y[:, k], oof[:, k]) for k in range(Y.shape[1])])
            self.oof_proba_ = oof
        else:
            self.thresholds_ = self.mixed_cut_offs()
            self.oof_proba_ = linear_oof if weight == 1.0 else None  # a blend's linear part alone is not the model
        if self.encoder_ is not None:
            self.encoder_.oof_proba = None  # training-time data, not part of the model
        self.tier_ = model_tier(self._encoder_name())
        return self

    def _encoder_name(self, embedder_name: str | None = None) -> str:
        """The card's ``embedder``: the full name of the encoder that embeds the texts (``embedder_name``, or
        that of ``embedder``); for a fine-tuned model the fine-tuned e5 first (it decides the tier), then the
        embedder of the linear heads it is blended with, if any."""
        linear = self._linear_weight() > 0.0
        if linear and embedder_name is None:
            embedder_name = get_embedder(self.embedder).name
        if not self.fine_tune_layers:
            return str(embedder_name)
        tuned = f"e5-st/fine-tuned-top-{int(self.fine_tune_layers)}-layers"
        return f"{tuned}+{embedder_name}" if linear else tuned

    def mixed_cut_offs(self) -> np.ndarray:
        """The fixed cut-off rule: each part's cut-offs (the linear heads' tuned ones, 0.5 for the
        fine-tuned head) mixed by the parts' weights; the model's own without ``fine_tune_folds``."""
        weight = self._linear_weight()
        return weight * self.linear_thresholds_ + (1.0 - weight) * 0.5

    def _linear_weight(self) -> float:
        """Weight of the embeddings + TF-IDF heads in the probabilities (1 without fine-tuning)."""
        return float(self.blend_linear) if self.fine_tune_layers else 1.0

    def _fit_linear(self, texts: list[str], Y: np.ndarray, progress: Progress | None = None) -> np.ndarray | None:
        """Fit the embeddings + TF-IDF heads; their out-of-fold probabilities for the chosen settings
        (None without ``threshold_folds``)."""
        if self.tfidf:
            self._fit_vectorizers(texts)
        blocks = self._feature_blocks(texts, progress)
        tune = bool(self.threshold_folds) and len(texts) >= 2 * self.threshold_folds
        def options(value, auto: tuple, fallback: float, can_choose: bool) -> tuple:
            """The grid for a setting: all of ``auto`` if it is "auto" and can be chosen, else one value."""
            return auto if value == "auto" and can_choose else ((fallback if value == "auto" else value),)

        grid = [(c, w) for c in options(self.C, AUTO_C, 4.0, tune)
                for w in options(self.embedding_weight, AUTO_EMBEDDING_WEIGHTS, 1.0, tune and self.tfidf)]
        heads = (len(grid) * self.threshold_folds * tune + 1) * Y.shape[1]  # every fit of one theme's head
        stage = _Stage(progress, "fitting", heads) if progress else None
        best = None
        for C, weight in grid:  # each candidate scored on out-of-fold predictions of the training data
            X = self._stack(blocks, weight)
            thresholds, score, oof = np.full(len(self.classes_), 0.5), -1.0, None
            if tune:
                oof = np.zeros(Y.shape, dtype=float)
                for train, test in KFold(self.threshold_folds, shuffle=True, random_state=self.seed).split(texts):
                    coef, intercept = self._fit_heads(X[train], Y[train], C, stage)
                    oof[test] = self._proba(X[test], coef, intercept)
                thresholds = np.array([_best_threshold(Y[:, k], oof[:, k]) for k in range(Y.shape[1])])
                score = _micro_f1(Y, _decide(oof, thresholds, self.min_themes_))
            if best is None or score > best[0] + 1e-9:  # ties keep the earlier (smaller C, lower weight)
                best = (score, C, weight, X, thresholds, oof)
        _, self.C_, self.embedding_weight_, X, self.linear_thresholds_, oof = best
        self.C_, self.embedding_weight_ = float(self.C_), float(self.embedding_weight_)
        self.coef_, self.intercept_ = self._fit_heads(X, Y, stage=stage)
        self.calibration_ = np.tile([1.0, 0.0], (Y.shape[1], 1))  # slope, intercept on the logit; folded into the heads
        if self.calibrate and oof is not None and not self.fine_tune_layers:
            self.calibration_ = np.array([_platt(Y[:, k], oof[:, k]) for k in range(Y.shape[1])])
            a, b = self.calibration_[:, 0], self.calibration_[:, 1]
            self.coef_, self.intercept_ = self.coef_ * a[:, None], self.intercept_ * a + b
            self.linear_thresholds_ = sigmoid(a * logit(self.linear_thresholds_) + b)
        return oof

    def predict_proba_parts(self, texts) -> dict[str, np.ndarray]:
        """The probabilities of each part of the model: ``"linear"`` (embeddings + TF-IDF heads) and/or
        ``"fine_tuned"``, whichever the model has; :meth:`predict_proba` is their weighted mean."""
        check_is_fitted(self, "coef_")
        texts = [str(t) for t in texts]
        parts = {}
        if self._linear_weight() > 0.0:
            parts["linear"] = (self._proba(self._features(texts), self.coef_, self.intercept_) if texts
                               else np.zeros((0, len(self.classes_))))
        if getattr(self, "encoder_", None) is not None:
            parts["fine_tuned"] = self.encoder_.encode(texts)[1] if texts else np.zeros((0, len(self.classes_)))
        return parts

    def blend(self, parts: dict[str, np.ndarray]) -> np.ndarray:
        """The model's probabilities from its :meth:`predict_proba_parts`: their weighted mean."""
        if len(parts) == 1:
            return next(iter(parts.values()))
        weight = self._linear_weight()
        return weight * parts["linear"] + (1.0 - weight) * parts["fine_tuned"]

    def predict_proba(self, texts) -> np.ndarray:
        """Probability of each theme (columns in ``classes_`` order)."""
        return self.blend(self.predict_proba_parts(texts))

    def predict(self, texts) -> np.ndarray:
        """0/1 matrix of themes: per-theme thresholds, and at least ``min_themes_`` per text."""
        return self.decide(self.predict_proba(texts)).astype(int)

    def decide(self, proba: np.ndarray, thresholds: np.ndarray | None = None) -> np.ndarray:
        """Boolean themes from probabilities (as :meth:`predict_proba` gives them), cut at ``thresholds``
        (default: the model's) and with at least ``min_themes_`` per text."""
        return _decide(proba, self.thresholds_ if thresholds is None else thresholds, getattr(self, "min_themes_", 0),
                       getattr(self, "calibration_", None))

    def score(self, texts, labels) -> float:
        """Micro-F1 of the predicted themes against ``labels`` (as :meth:`fit` takes them): the default
        score of ``GridSearchCV`` and ``cross_val_score``.

        A multi-label tagger is not a scikit-learn *classifier* (whose targets are one class per
        text, and whose default cross-validation stratifies by it): ``ThemeClassifier`` leaves out
        ``ClassifierMixin``, so grid search splits with plain K-fold and scores with this method.
        Themes the model does not know count as missed.
        """
        check_is_fitted(self)
        lists = _labels_to_lists(labels)
        known = set(self.classes_)
        Y = self.binarizer_.transform([[t for t in row if t in known] for row in lists])
        unknown = sum(t not in known for row in lists for t in row)
        return _micro_f1(Y, self.predict(texts).astype(int), missed=unknown)

    def predict_labels(self, texts) -> list[list[str]]:
        """The themes of each text as lists."""
        return [[str(c) for c in self.classes_[row.astype(bool)]] for row in self.predict(texts)]

    def tag(self, sentences: pd.DataFrame) -> pd.DataFrame:
        """Mentions (see :mod:`nps_text.tagging`) of the themes predicted for each sentence."""
        if sentences.empty:
            return mentions_frame([])
        proba = self.predict_proba(sentences["text"].astype(str).tolist())
        chosen = _decide(proba, self.thresholds_, 0)
        if getattr(self, "min_themes_", 0):  # at least one theme per comment (not per sentence): its likeliest
            ranks = _uncalibrated(proba, getattr(self, "calibration_", None))
            for rows in pd.Series(np.arange(len(sentences))).groupby(sentences["response_id"].to_numpy()).groups.values():
                rows = np.asarray(list(rows))
                if not chosen[rows].any():
                    i, k = np.unravel_index(ranks[rows].argmax(), ranks[rows].shape)
                    chosen[rows[i], k] = True
        rows = []
        for i, row in enumerate(sentences.itertuples(index=False)):
            for k in np.flatnonzero(chosen[i]):
                rows.append((row.response_id, row.sentence_id, str(self.classes_[k]), float(proba[i, k]),
                             "classifier", int(row.start), int(row.end), str(row.text)))
        return mentions_frame(rows, sentences)

    # ---------------------------------------------------------------- safe persistence
    def save(self, folder: str | Path, *, metrics: dict | None = None) -> Path:
        """Write the model as JSON and .npy files plus a model card (no pickle).

        The card (``card.json``) holds ``tier`` (``"fast"`` or ``"quality"``, :func:`model_tier`), ``embedder``
        (the full name of the encoder, which decides the tier), ``f1`` (:func:`f1_summary` of ``metrics``),
        ``metrics`` as given, the labels, the training data's size and hash, the seed and library versions.
        """
        check_is_fitted(self, "coef_")
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        np.save(folder / "coef.npy", self.coef_, allow_pickle=False)
        np.save(folder / "intercept.npy", self.intercept_, allow_pickle=False)
        np.save(folder / "thresholds.npy", self.thresholds_, allow_pickle=False)
        for name in ("word", "char"):
            vectorizer = getattr(self, f"{name}_vectorizer_", None)
            vocab = {k: int(v) for k, v in vectorizer.vocabulary_.items()} if vectorizer is not None else {}
            (folder / f"{name}_vocabulary.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
            np.save(folder / f"{name}_idf.npy", vectorizer.idf_ if vectorizer is not None else np.zeros(0),
                    allow_pickle=False)
        params = {k: (v if isinstance(v, (bool, int, float, str, type(None))) else str(v))
                  for k, v in self.get_params().items()}
        embedder_name = get_embedder(self.embedder).name
        encoder = self._encoder_name(embedder_name)
        config = {"format_version": FORMAT_VERSION, "params": params, "classes": self.classes_.tolist(),
                  "embedder_name": embedder_name,
                  "linear_thresholds": [float(x) for x in self.linear_thresholds_],
                  "fitted": {"C": self.C_, "embedding_weight": self.embedding_weight_, "min_themes": self.min_themes_,
                             "calibration": np.asarray(getattr(self, "calibration_", np.tile([1.0, 0.0], (len(self.classes_), 1)))).tolist()}}
        (folder / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
        card = {"model": "nps-text ThemeClassifier", "tier": model_tier(encoder), "embedder": encoder,
                "f1": f1_summary(metrics), "labels": self.classes_.tolist(), "n_train": self.n_train_,
                "training_data_sha256": self.data_hash_, "seed": self.seed, "metrics": metrics or {},
                "versions": {"python": platform.python_version(), "scikit-learn": sklearn.__version__,
                             "numpy": np.__version__}}
        (folder / "card.json").write_text(json.dumps(card, indent=2), encoding="utf-8")
        for name in _ENCODER_FILES:
            (folder / name).unlink(missing_ok=True)
        if getattr(self, "encoder_", None) is not None:
            self.encoder_.save(folder)
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> ThemeClassifier:
        """Read a saved model; refuses folders with missing, unexpected or pickled files."""
        folder = Path(folder)
        if not folder.is_dir():
            raise ModelFileError(f"Model folder '{folder}' does not exist. Train one with `nps-text train`.")
        present = {p.name for p in folder.iterdir() if not is_os_file(p.name)}
        if "card.json" not in present:
            raise ModelFileError(f"'{folder}' is not a model folder: it has no card.json. Pass the folder that "
                                 "`nps-text train -o FOLDER` (ThemeClassifier.save) wrote.")
        expected = _FILES | (_ENCODER_FILES if _ENCODER_FILES & present else set())
        missing, unexpected = sorted(expected - present), sorted(present - expected - {"taxonomy.yaml", "README.md"})
        if missing or unexpected:
            problems = "; ".join(f"{what} {names}" for what, names in (("missing", missing), ("unexpected", unexpected))
                                 if names)
            fix = ("A model folder holds only what ThemeClassifier.save() writes (files that operating systems add, "
                   "such as .DS_Store, Thumbs.db or ._* files, are ignored): move the unexpected files out if you "
                   "added them (they were not opened), or re-save the model." if unexpected else
                   "Copy the whole folder again, or re-save the model with ThemeClassifier.save() (`nps-text train`).")
            raise ModelFileError(f"Model folder '{folder}' is not a ThemeClassifier as saved: {problems}. "
                                 f"Nothing was loaded. {fix}")
        try:
            return cls._read(folder, present)
        except ModelFileError:  # already says what is wrong
            raise
        except (ValueError, TypeError, KeyError, AttributeError, IndexError) as exc:  # edited or damaged files
            raise ModelFileError(f"Model folder '{folder}' is damaged or was edited ({type(exc).__name__}: {exc}). "
                                 "Nothing was loaded; retrain it with `nps-text train` (ThemeClassifier.save()).") from None

    @classmethod
    def _read(cls, folder: Path, present: set[str]) -> ThemeClassifier:
        config = _read_json(folder / "config.json", "model config")
        if config.get("format_version") != FORMAT_VERSION:
            raise ModelFileError(f"Model folder '{folder}' has format {config.get('format_version')!r}; this version "
                                 f"of nps-text reads format {FORMAT_VERSION}.")
        model = cls(**config["params"])
        if bool(model.fine_tune_layers) != bool(_ENCODER_FILES & present):
            raise ModelFileError(f"Model folder '{folder}' is {'missing' if model.fine_tune_layers else 'not expected to hold'} "
                                 f"the fine-tuned encoder files {sorted(_ENCODER_FILES)}; refused. Re-save the model.")
        try:
            arrays = {name: np.load(folder / f"{name}.npy", allow_pickle=False)
                      for name in ("coef", "intercept", "thresholds", "word_idf", "char_idf")}
        except ValueError:
            raise ModelFileError(f"Model folder '{folder}' holds an array that needs pickle to load (an object array); "
                                 "refused, since unpickling can run code. Retrain the model with `nps-text train`.") from None
        model.coef_, model.intercept_, model.thresholds_ = arrays["coef"], arrays["intercept"], arrays["thresholds"]
        model.classes_ = np.asarray(config["classes"])
        model.linear_thresholds_ = np.asarray(config.get("linear_thresholds", arrays["thresholds"]), dtype=float)
        linear = model._linear_weight() > 0.0
        fitted = config.get("fitted", {})
        if not isinstance(fitted, dict):
            raise ValueError(f"config.json's 'fitted' is {fitted!r}, not a mapping")
        model.C_ = fitted.get("C", model.C if model.C != "auto" else 4.0)
        model.embedding_weight_ = fitted.get("embedding_weight", 1.0)
        model.min_themes_ = fitted.get("min_themes", 0)
        # (slope, intercept) per theme, already folded into coef/intercept: kept to show what calibration did
        model.calibration_ = np.asarray(fitted.get("calibration", [[1.0, 0.0]] * len(config["classes"])), dtype=float)
        numbers = [model.C_, model.embedding_weight_] if linear else []
        if (any(not isinstance(v, (int, float)) or isinstance(v, bool) or not np.isfinite(v) or v <= 0 for v in numbers)
                or type(model.min_themes_) is not int or model.min_themes_ not in (0, 1)):
            raise ModelFileError(f"Model folder '{folder}' has invalid fitted settings {fitted!r} in config.json; refused. "
                                 "Re-save the model with ThemeClassifier.save().")
        n = len(model.classes_)
        shapes = {"coef.npy": (model.coef_.shape[0], model.coef_.ndim), "intercept.npy": (len(model.intercept_), 1),
                  "thresholds.npy": (len(model.thresholds_), model.thresholds_.ndim),
                  "linear_thresholds": (len(model.linear_thresholds_), model.linear_thresholds_.ndim),
                  "calibration": (len(model.calibration_), model.calibration_.ndim if model.calibration_.shape[1:] == (2,) else 0)}
        wrong = [name for name, (rows, ndim) in shapes.items()
                 if rows != n or ndim != (2 if name in ("coef.npy", "calibration") else 1)]
        arrays_ok = all(np.isfinite(np.asarray(a, dtype=float)).all() for a in
                        (model.coef_, model.intercept_, model.thresholds_, model.linear_thresholds_, model.calibration_))
        if wrong or not arrays_ok:
            raise ModelFileError(f"Model folder '{folder}' does not fit together: {wrong or 'non-finite numbers'} "
                                 f"against {n} themes in config.json; refused. Retrain it with `nps-text train`.")
        model.binarizer_ = MultiLabelBinarizer(classes=config["classes"]).fit([config["classes"]])
        if model.tfidf and linear:
            for name, kwargs in (("word", {"ngram_range": (1, 2), "sublinear_tf": True}),
                                 ("char", {"analyzer": "char_wb", "ngram_range": (2, 5), "sublinear_tf": True})):
                vocab = _read_json(folder / f"{name}_vocabulary.json", "vocabulary", max_bytes=2**28)
                vectorizer = TfidfVectorizer(vocabulary=vocab, **kwargs)
                vectorizer.idf_ = arrays[f"{name}_idf"]
                setattr(model, f"{name}_vectorizer_", vectorizer)
        card = _read_json(folder / "card.json", "model card")
        model.n_train_, model.data_hash_ = card["n_train"], card["training_data_sha256"]
        # older cards have no tier, embedder or f1: derived from the config's embedder and the card's metrics
        model.tier_ = card.get("tier", model_tier(model._encoder_name(config["embedder_name"])))
        model.f1_ = card.get("f1", f1_summary(card.get("metrics")))
        wrong = ([f"tier {model.tier_!r} (not one of {list(TIERS)})"] if model.tier_ not in TIERS else []) + (
            [f"f1 {model.f1_!r} (not micro and macro F1 between 0 and 1 with their method)"]
            if not _valid_f1(model.f1_) else [])
        if wrong:
            raise ModelFileError(f"Model card '{folder / 'card.json'}' has {' and '.join(wrong)}: not what "
                                 "ThemeClassifier.save() writes, so the card was edited. Nothing was loaded; retrain "
                                 "the model with `nps-text train`.")
        model.encoder_ = None
        if model.fine_tune_layers:
            model.encoder_ = FineTunedEncoder.load(folder)
        if linear and get_embedder(model.embedder).name != config["embedder_name"]:
            raise ModelFileError(f"Model in '{folder}' was trained on embeddings of {config['embedder_name']!r}, but "
                                 f"{get_embedder(model.embedder).name!r} is installed; predictions would be wrong.")
        return model
