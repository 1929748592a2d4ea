"""Aspect sentiment: positive / negative / neutral for every sentence, hence for every mention.

Two sources, one output (``sentiment``, ``sentiment_score`` in [-1, 1]):

* the **lexicon prior** (:mod:`nps_text.tagging.polarity`): needs no data and no model;
* the **survey-fitted** :class:`SentimentScorer`: learns polarity from the survey's own scores.
  Clauses of promoter comments are weak positives, clauses of detractor comments weak negatives
  (passives are left out); a class-balanced logistic regression on sentence embeddings plus the
  lexicon score separates them. Its score is ``2·p − 1``; within ``neutral_band`` of 0 the
  sentence is neutral.

:func:`sentence_sentiment` picks between them (``method="auto"``: the survey model when there
are at least ``min_per_class`` clauses of promoters and of detractors, else the lexicon), and
:func:`add_sentiment` is the one place where a mentions table gets its sentiment columns: every
tagger calls it, and :func:`~nps_text.tag_survey` calls it again with the survey-fitted scores.
"""

from __future__ import annotations

import logging
import numbers
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.utils.validation import check_is_fitted

from .._core.params import Interval, validate_params
from ..embed.backends import Embedder, embed, get_embedder
from ..errors import ColumnError, ParameterError
from .polarity import lexicon_score

__all__ = ["SentimentScorer", "sentence_sentiment", "add_sentiment", "weak_polarity", "sentiment_labels",
           "SENTIMENTS", "SENTIMENT_METHODS"]

logger = logging.getLogger(__name__)

SENTIMENTS = ("positive", "negative", "neutral")
SENTIMENT_METHODS = ("auto", "survey", "lexicon")


def sentiment_labels(scores, *, neutral_band: float = 0.0) -> np.ndarray:
    """``"positive"`` above ``neutral_band``, ``"negative"`` below ``-neutral_band``, else ``"neutral"``.

    Examples
    --------
    >>> sentiment_labels([0.8, -0.1, 0.0], neutral_band=0.2).tolist()
    ['positive', 'neutral', 'neutral']
    """
    s = np.asarray(scores, dtype=float)
    return np.where(s > neutral_band, "positive", np.where(s < -neutral_band, "negative", "neutral"))


def _polarity_targets(polarity) -> np.ndarray:
    """+1 / −1 / NaN from numbers or ``"positive"``/``"negative"`` strings."""
    mapping = {"positive": 1.0, "negative": -1.0, "neutral": np.nan, "promoter": 1.0, "detractor": -1.0,
               "passive": np.nan}
    out = []
    for value in polarity:
        if isinstance(value, str):
            if value not in mapping:
                raise ParameterError(f"Polarity {value!r} is not one of {sorted(mapping)}; pass +1/-1 or those words.")
            out.append(mapping[value])
        elif value is None or pd.isna(value) or value == 0:
            out.append(np.nan)
        else:
            out.append(float(np.sign(value)))
    return np.asarray(out, dtype=float)


def _check_counts(y: np.ndarray) -> None:
    positive, negative = int((y == 1).sum()), int((y == -1).sum())
    if min(positive, negative) < 2:
        raise ParameterError(f"Need positive and negative examples to learn polarity, got {positive} positive and "
                             f"{negative} negative; use the lexicon (method='lexicon') for this survey.")


class SentimentScorer(BaseEstimator):
    """Sentence polarity learned from weak labels: embeddings + lexicon score → logistic regression.

    Parameters
    ----------
    embedder : str or Embedder
        Sentence embeddings (``"e5"``: German and English in one space).
    lexicon : bool
        Add the lexicon score (:func:`~nps_text.tagging.polarity.lexicon_score`) as a feature.
    C : float
        Inverse regularisation strength.
    neutral_band : float
        Scores within this of 0 are neutral.
    seed : int
        Seed of the solver (the result is deterministic anyway).
    cache : bool or path
        Embedding cache.

    Examples
    --------
    >>> texts = ["super schnell", "sehr freundlich", "toll", "zu teuer", "schlecht", "nie wieder"] * 5
    >>> model = SentimentScorer(embedder="hashing", cache=False).fit(texts, [1, 1, 1, -1, -1, -1] * 5)
    >>> model.predict(["toll", "schlecht"]).tolist()
    ['positive', 'negative']
    """

    _parameter_constraints: dict = {
        "embedder": [str, Embedder],
        "lexicon": [bool],
        "C": [Interval(numbers.Real, 0, None, "neither")],
        "neutral_band": [Interval(numbers.Real, 0, 1, "left")],
        "seed": [Interval(numbers.Integral, 0, None)],
        "cache": [bool, str, Path],
    }

    def __init__(self, *, embedder: str | Embedder = "e5", lexicon: bool = True, C: float = 1.0,
                 neutral_band: float = 0.3, seed: int = 0, cache: bool | str = True) -> None:
        self.embedder = embedder
        self.lexicon = lexicon
        self.C = C
        self.neutral_band = neutral_band
        self.seed = seed
        self.cache = cache

    def _features(self, texts: list[str]) -> np.ndarray:
        X = embed(texts, get_embedder(self.embedder), cache=self.cache).astype(float)
        if self.lexicon:
            X = np.hstack([X, np.array([[lexicon_score(t)] for t in texts])])
        return X

    def fit(self, texts, polarity) -> SentimentScorer:
        """Learn from ``texts`` and their weak ``polarity`` (+1/−1 or words); NaN/0 rows are ignored."""
        validate_params(self)
        texts = [str(t) for t in texts]
        y = _polarity_targets(polarity)
        if len(texts) != len(y):
            raise ParameterError(f"Got {len(texts)} texts but {len(y)} polarities; pass one per text.")
        keep = ~np.isnan(y)
        _check_counts(y[keep])
        return self._fit_features(self._features([t for t, k in zip(texts, keep) if k]), y[keep])

    def _fit_features(self, X: np.ndarray, y: np.ndarray) -> SentimentScorer:
        model = LogisticRegression(C=self.C, class_weight="balanced", max_iter=2000, random_state=self.seed)
        model.fit(X, y)
        self.coef_, self.intercept_ = model.coef_[0], float(model.intercept_[0])
        self.n_train_ = {"positive": int((y == 1).sum()), "negative": int((y == -1).sum())}
        return self

    def _score_features(self, X: np.ndarray) -> np.ndarray:
        return 2.0 / (1.0 + np.exp(-(X @ self.coef_ + self.intercept_))) - 1.0

    def cross_fit_score(self, texts, polarity, groups, *, folds: int = 5) -> np.ndarray:
        """Scores of ``texts`` where each labelled text is scored by a model not trained on its group.

        Fits the scorer on all labelled texts (so it is fitted afterwards), and scores every
        labelled text out of fold (folds by ``groups``, e.g. the response id) so that a clause is not
        judged by a model that memorised its own weak label ("aber teuer" in a promoter's comment);
        unlabelled texts get the full model's score.
        """
        texts = [str(t) for t in texts]
        y = _polarity_targets(polarity)
        keep = ~np.isnan(y)
        _check_counts(y[keep])
        X = self._features(texts)
        scores = self._fit_features(X[keep], y[keep])._score_features(X)
        coef, intercept, n_train = self.coef_, self.intercept_, self.n_train_
        labelled = np.flatnonzero(keep)
        groups = np.asarray(groups)[labelled]
        n_splits = min(folds, len(np.unique(groups)))
        if n_splits >= 2:
            for train, test in GroupKFold(n_splits=n_splits).split(labelled, groups=groups):
                if len(np.unique(y[labelled[train]])) == 2:
                    scores[labelled[test]] = self._fit_features(X[labelled[train]], y[labelled[train]])._score_features(
                        X[labelled[test]])
                else:  # no out-of-fold model: neutral rather than the full model, which saw these labels
                    logger.info("sentiment: a training fold has one class only; %d clauses scored neutral", len(test))
                    scores[labelled[test]] = 0.0
        self.coef_, self.intercept_, self.n_train_ = coef, intercept, n_train
        return scores

    def decision_score(self, texts) -> np.ndarray:
        """Polarity in [−1, 1]: ``2·P(positive) − 1``."""
        check_is_fitted(self, "coef_")
        texts = [str(t) for t in texts]
        if not texts:
            return np.zeros(0)
        return self._score_features(self._features(texts))

    def predict(self, texts) -> np.ndarray:
        """``"positive"``, ``"negative"`` or ``"neutral"`` per text."""
        return sentiment_labels(self.decision_score(texts), neutral_band=self.neutral_band)


def weak_polarity(sentences: pd.DataFrame, responses: pd.DataFrame) -> pd.Series:
    """+1 for clauses of promoters, −1 for detractors, NaN for passives and unknown scores.

    Examples
    --------
    >>> s = pd.DataFrame({"response_id": ["a", "a", "b", "c"]})
    >>> r = pd.DataFrame({"response_id": ["a", "b", "c"], "score": [10, 7, 2]})
    >>> weak_polarity(s, r).tolist()
    [1.0, 1.0, nan, -1.0]
    """
    if "response_id" not in responses or not ({"nps_group", "score"} & set(responses.columns)):
        raise ColumnError("responses need 'response_id' and 'score' or 'nps_group' columns to learn sentiment from "
                          f"scores; got {list(responses.columns)}. Pass the responses from load_survey().")
    if "nps_group" in responses:
        group = responses["nps_group"].astype("string")
    else:
        score = pd.to_numeric(responses["score"], errors="coerce")
        group = pd.Series(np.where(score >= 9, "promoter", np.where(score <= 6, "detractor", "passive")),
                          index=responses.index).where(score.notna())
    by_id = pd.Series(group.map({"promoter": 1.0, "detractor": -1.0}).astype(float).to_numpy(),
                      index=responses["response_id"].astype(str).to_numpy())
    return pd.Series(sentences["response_id"].astype(str).map(by_id).astype(float).to_numpy(), index=sentences.index,
                     name="weak_polarity")


def sentence_sentiment(sentences: pd.DataFrame, responses: pd.DataFrame | None = None, *, method: str = "auto",
                       embedder: str | Embedder = "e5", min_per_class: int = 50, neutral_band: float = 0.3,
                       cache: bool | str = True) -> pd.DataFrame:
    """``sentiment`` and ``sentiment_score`` of every sentence (same index), from the lexicon or the survey.

    Parameters
    ----------
    sentences : DataFrame
        From :func:`~nps_text.text.prepare_text` (needs ``text``; ``response_id`` for ``"survey"``).
    responses : DataFrame, optional
        With ``score`` or ``nps_group``: the weak labels of the survey-fitted model.
    method : {"auto", "survey", "lexicon"}
        ``"auto"``: the survey model when responses are given and there are ``min_per_class``
        clauses of promoters and of detractors, else the lexicon.
    neutral_band : float
        Survey model scores within this of 0 are neutral (the lexicon is neutral at exactly 0).

    Returns
    -------
    DataFrame
        ``sentiment`` and ``sentiment_score``; the chosen method is in ``result.attrs["method"]``.

    Examples
    --------
    >>> s = pd.DataFrame({"text": ["sehr freundlich", "nicht freundlich", "Paket am Montag"]})
    >>> sentence_sentiment(s, method="lexicon")["sentiment"].tolist()
    ['positive', 'negative', 'neutral']
    """
    if method not in SENTIMENT_METHODS:
        raise ParameterError(f"sentiment method must be one of {list(SENTIMENT_METHODS)}, got {method!r}.")
    if "text" not in sentences:
        raise ColumnError(f"sentences lack column 'text' (got {list(sentences.columns)}); pass the sentences from prepare_text().")
    texts = sentences["text"].astype(str).tolist()
    chosen, scores, band = "lexicon", None, 0.0
    if method == "survey" and responses is None:
        raise ParameterError("method='survey' learns from the scores: pass responses=<the responses table>.")
    if method != "lexicon" and responses is not None:
        weak = weak_polarity(sentences, responses)
        counts = (int((weak == 1).sum()), int((weak == -1).sum()))
        if method == "survey" or min(counts) >= min_per_class:
            model = SentimentScorer(embedder=embedder, neutral_band=neutral_band, cache=cache)
            scores = model.cross_fit_score(texts, weak.to_numpy(), sentences["response_id"].astype(str).to_numpy())
            chosen, band = "survey", neutral_band
            logger.info("sentiment: learned from %d promoter and %d detractor clauses", *counts)
        else:
            logger.info("sentiment: %d promoter and %d detractor clauses (< %d each): using the lexicon",
                        *counts, min_per_class)
    if scores is None:
        scores = np.array([lexicon_score(t) for t in texts], dtype=float)
    out = pd.DataFrame({"sentiment": pd.array(sentiment_labels(scores, neutral_band=band), dtype="string"),
                        "sentiment_score": scores.astype("float64")}, index=sentences.index)
    out.attrs["method"] = chosen
    return out


def add_sentiment(mentions: pd.DataFrame, sentences: pd.DataFrame, sentiment: pd.DataFrame | None = None) -> pd.DataFrame:
    """A copy of ``mentions`` whose ``sentiment``/``sentiment_score`` are those of the mention's sentence.

    Parameters
    ----------
    mentions : DataFrame
        A mentions table (see :mod:`nps_text.tagging`).
    sentences : DataFrame
        The sentences the mentions were tagged on (``response_id``, ``sentence_id``, ``text``).
    sentiment : DataFrame, optional
        From :func:`sentence_sentiment` on ``sentences`` (same index); default: the lexicon.

    Examples
    --------
    >>> s = pd.DataFrame({"response_id": ["a", "a"], "sentence_id": [0, 1], "text": ["Service top", "aber teuer"]})
    >>> m = pd.DataFrame({"response_id": ["a", "a"], "sentence_id": [0, 1], "theme": ["service", "price"]})
    >>> add_sentiment(m, s)[["theme", "sentiment"]].values.tolist()
    [['service', 'positive'], ['price', 'negative']]
    """
    missing = [c for c in ("response_id", "sentence_id") if c not in sentences or c not in mentions]
    if missing:
        raise ColumnError(f"mentions and sentences both need column(s) {missing}; pass the tables of prepare_text() "
                          "and a tagger.")
    if sentiment is None:
        sentiment = sentence_sentiment(sentences.loc[:, ["text"]], method="lexicon")
    key = pd.MultiIndex.from_arrays([sentences["response_id"].astype(str), sentences["sentence_id"].astype("int64")])
    table = pd.DataFrame({"sentiment": sentiment["sentiment"].to_numpy(),
                          "sentiment_score": sentiment["sentiment_score"].to_numpy()}, index=key)
    table = table[~table.index.duplicated()]
    wanted = pd.MultiIndex.from_arrays([mentions["response_id"].astype(str), mentions["sentence_id"].astype("int64")])
    found = table.reindex(wanted)
    out = mentions.copy()
    out["sentiment"] = pd.array(found["sentiment"].to_numpy(), dtype="string")
    out["sentiment_score"] = found["sentiment_score"].to_numpy(dtype="float64")
    return out
