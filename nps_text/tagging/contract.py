"""The mentions table every tagger returns."""

from __future__ import annotations

import pandas as pd

__all__ = ["MENTION_COLUMNS", "empty_mentions", "mentions_frame"]

MENTION_COLUMNS = ["response_id", "sentence_id", "theme", "score", "source", "start", "end", "evidence"]
_DTYPES = {"response_id": "string", "sentence_id": "int64", "theme": "string", "score": "float64",
           "source": "string", "start": "int64", "end": "int64", "evidence": "string"}


def mentions_frame(rows: list[tuple]) -> pd.DataFrame:
    """Build a mentions table from row tuples in :data:`MENTION_COLUMNS` order, with fixed dtypes."""
    return pd.DataFrame(rows, columns=MENTION_COLUMNS).astype(_DTYPES)


def empty_mentions() -> pd.DataFrame:
    return mentions_frame([])
