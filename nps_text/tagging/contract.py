"""The mentions table every tagger returns."""

from __future__ import annotations

import pandas as pd

from .sentiment import add_sentiment

__all__ = ["MENTION_COLUMNS", "empty_mentions", "mentions_frame"]

MENTION_COLUMNS = ["response_id", "sentence_id", "theme", "score", "source", "start", "end", "evidence",
                   "sentiment", "sentiment_score"]
_DTYPES = {"response_id": "string", "sentence_id": "int64", "theme": "string", "score": "float64",
           "source": "string", "start": "int64", "end": "int64", "evidence": "string",
           "sentiment": "string", "sentiment_score": "float64"}
_TAGGER_COLUMNS = MENTION_COLUMNS[:8]


def mentions_frame(rows: list[tuple], sentences: pd.DataFrame | None = None) -> pd.DataFrame:
    """Build a mentions table from row tuples with fixed dtypes.

    Rows hold the first eight :data:`MENTION_COLUMNS` (up to ``evidence``); the sentiment of each
    mention is that of its sentence in ``sentences`` (lexicon prior, see
    :func:`~nps_text.tagging.sentiment.add_sentiment`), or missing when no sentences are given.
    """
    frame = pd.DataFrame(rows, columns=_TAGGER_COLUMNS)
    frame["sentiment"], frame["sentiment_score"] = None, float("nan")
    frame = frame.astype(_DTYPES)
    if sentences is not None and len(frame):
        frame = add_sentiment(frame, sentences)
    return frame


def empty_mentions() -> pd.DataFrame:
    return mentions_frame([])
