"""The survey-fitted sentiment with the real e5 model (slow: loads the model, still runs in CI)."""

from __future__ import annotations

import pandas as pd
import pytest

from nps_text import tag_survey
from tests.conftest import REPO, SAMPLE

pytestmark = pytest.mark.slow


def test_sentiment_learned_from_the_sample_survey_matches_the_planted_sentiment():
    survey = pd.read_csv(SAMPLE, dtype=str).iloc[:300]
    tagged = tag_survey(survey)  # auto: enough promoter and detractor clauses to learn from
    assert tagged.sentiment_method == "survey"
    truth = pd.read_csv(REPO / "data" / "sample_truth.csv", dtype=str).fillna("")
    planted = {r: dict(zip(t.split("|"), s.split("|"))) for r, t, s in zip(truth["response_id"], truth["themes"],
                                                                           truth["sentiments"]) if t}
    mentions = tagged.mentions
    gold = pd.Series([planted.get(r, {}).get(t) for r, t in zip(mentions["response_id"], mentions["theme"])],
                     index=mentions.index)
    scored = gold.notna()
    assert scored.sum() > 150
    accuracy = (mentions.loc[scored, "sentiment"] == gold[scored]).mean()
    assert accuracy > 0.65  # two planted classes; a neutral prediction counts as wrong
