"""Theme taggers. Every tagger has ``tag(sentences) -> mentions`` and emits the same long table:

``response_id, sentence_id, theme, score, source, start, end, evidence, sentiment, sentiment_score``

one row per (sentence, theme) found; ``start``/``end`` are character offsets of the evidence in
the analysed comment (the same offsets as the sentences table), ``score`` is in 0..1, and
``source`` names the tagger ("rule", "zero-shot", "classifier"), ``sentiment`` is the
polarity of the mention's sentence (positive / negative / neutral, with ``sentiment_score`` in
[-1, 1]; see :mod:`nps_text.tagging.sentiment`). Drivers, reports and the store
read only this table, so they never care which tagger produced it.
"""

from __future__ import annotations

from .classifier import ModelFileError, ThemeClassifier
from .contract import MENTION_COLUMNS, empty_mentions, mentions_frame
from .polarity import lexicon_polarity, lexicon_score
from .registry import Tagger, available_taggers, get_tagger, register_tagger
from .rules import RuleTagger
from .sentiment import SentimentScorer, add_sentiment, sentence_sentiment, weak_polarity
from .zeroshot import ZeroShotTagger

__all__ = ["Tagger", "get_tagger", "register_tagger", "available_taggers", "RuleTagger", "ZeroShotTagger", "ThemeClassifier", "ModelFileError", "MENTION_COLUMNS", "empty_mentions", "mentions_frame",
           "SentimentScorer", "add_sentiment", "sentence_sentiment", "weak_polarity", "lexicon_polarity", "lexicon_score"]
