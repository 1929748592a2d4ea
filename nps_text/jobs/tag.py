"""Prepare and tag a survey: ``tag_survey`` (what ``nps-text tag`` runs)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .._core.results import Result
from ..errors import ParameterError
from ..io.load import LoadedSurvey, LoadReport
from ..text.prepare import prepare_text
from ._source import loaded


@dataclass
class TaggedSurvey(Result):
    """What ``tag_survey`` produced: the flagged responses, their sentences, and the mentions.

    ``to_frame()`` is the mentions table (one row per sentence and theme), ``to_dict()`` the
    tagging set-up and counts, ``summary()`` the mentions per theme in text.
    """

    responses: pd.DataFrame
    sentences: pd.DataFrame
    mentions: pd.DataFrame
    report: LoadReport | None
    tagger: str = "rules"
    sentiment_method: str = "lexicon"

    def setup(self) -> dict[str, Any]:
        """How the mentions were made, and how many: the ``themes`` header of ``summary.json``."""
        return {"tagger": self.tagger, "sentiment_method": self.sentiment_method, "mentions": len(self.mentions),
                "responses_with_mentions": int(self.mentions["response_id"].nunique()),
                "responses": len(self.responses), "sentences": len(self.sentences)}

    def to_dict(self) -> dict[str, Any]:
        return {**self.setup(), "by_theme": {str(k): int(v) for k, v in self.mentions["theme"].value_counts().items()}}

    def to_frame(self) -> pd.DataFrame:
        return self.mentions

    def summary(self) -> str:
        data = self.to_dict()
        return "\n".join([f"{data['mentions']} mentions in {data['responses_with_mentions']} of {data['responses']} "
                          f"responses ({data['tagger']}; sentiment: {data['sentiment_method']})."]
                         + [f"  {theme}: {n}" for theme, n in data["by_theme"].items()])


def tag_survey(
    source: str | Path | pd.DataFrame | LoadedSurvey,
    *,
    taxonomy: str | Path | None = None,
    model: str | Path | None = None,
    method: str = "rules",
    redact_pii: bool = False,
    sentiment: str = "auto",
    embedder: str = "e5",
    **load_options: Any,
) -> TaggedSurvey:
    """Load a survey, prepare its comments and tag themes: rules or zero-shot on a taxonomy, or a trained model.

    ``source`` is a file or DataFrame (loaded with ``load_options``) or a
    :class:`~nps_text.io.LoadedSurvey` (used as it is).

    Parameters
    ----------
    taxonomy : path or "default", optional
        Taxonomy YAML (default, or ``"default"``: the bundled NPS taxonomy); used by ``method="rules"`` / ``"zero-shot"``.
    model : path, optional
        A folder saved by ``ThemeClassifier.save``; overrides ``method``.
    method : {"rules", "zero-shot"}
    redact_pii : bool
        Redact personal data before anything else (offsets then refer to ``comment_redacted``).
    sentiment : {"auto", "survey", "lexicon"}
        The sentiment of each mention: learned from this survey's scores (promoters' clauses as
        weak positives, detractors' as weak negatives), from the polarity lexicon, or ``"auto"``:
        the survey model when there are at least 50 clauses of promoters and of detractors
        (see :func:`~nps_text.tagging.sentence_sentiment`).

    Examples
    --------
    >>> import pandas as pd
    >>> survey = pd.DataFrame({"score": [10, 2], "comment": ["Lieferung super schnell", "Viel zu teuer"]})
    >>> tag_survey(survey).mentions[["theme", "sentiment"]].values.tolist()
    [['delivery', 'positive'], ['price', 'negative']]
    """
    from ..tagging import (
        add_sentiment,
        available_taggers,
        get_tagger,
        sentence_sentiment,
    )
    from ..tagging.sentiment import SENTIMENT_METHODS

    if model is not None and (taxonomy is not None or method != "rules"):
        given = f"taxonomy={str(taxonomy)!r}" if taxonomy is not None else f"method={method!r}"
        raise ParameterError(f"Pass a trained model OR a taxonomy/method, not both (got model={str(model)!r} and "
                             f"{given}): a model tags with the themes it was trained on. Drop one of them "
                             "(CLI: --model DIR, or --taxonomy FILE with --method).")
    methods = [m for m in available_taggers() if m != "model"]
    if model is None and method not in methods:
        raise ParameterError(f"method must be one of {methods}, got {method!r}; or pass model=<folder>.")
    if sentiment not in SENTIMENT_METHODS:
        raise ParameterError(f"sentiment must be one of {list(SENTIMENT_METHODS)}, got {sentiment!r}.")
    if isinstance(taxonomy, str) and taxonomy == "default":
        taxonomy = None  # the bundled NPS taxonomy
    responses, report = loaded(source, load_options)
    responses, sentences = prepare_text(responses, redact_pii=redact_pii)
    if model is not None:
        tagger, name = get_tagger("model", path=model), f"model {model}"
    else:
        tagger, name = get_tagger(method, taxonomy=taxonomy), method
    mentions = tagger.tag(sentences)
    scores = sentence_sentiment(sentences, responses, method=sentiment, embedder=embedder)
    mentions = add_sentiment(mentions, sentences, scores)
    return TaggedSurvey(responses, sentences, mentions, report, tagger=name, sentiment_method=scores.attrs["method"])


def tag_responses(responses: pd.DataFrame, **options: Any) -> TaggedSurvey:
    """Tag responses that are already loaded: :func:`tag_survey` of ``LoadedSurvey(responses, None)``."""
    return tag_survey(LoadedSurvey(responses, None), **options)
