from __future__ import annotations

import pandas as pd
import pytest

from nps_text.errors import ColumnError, ParameterError
from nps_text.tagging import MENTION_COLUMNS, ZeroShotTagger
from nps_text.tagging.taxonomy import Taxonomy
from nps_text.text.prepare import prepare_text
from tests.fakes import LexiconEmbedder
from tests.tagging.test_taxonomy import SMALL

LEXICON = LexiconEmbedder({"price": ("teuer", "expensive", "preis", "günstig", "cheap"),
                           "delivery": ("paket", "liefer", "parcel", "delivery", "versand"),
                           "filler": ("ok", "alles gut", "passt", "nothing", "keine angabe", "nichts")})


@pytest.fixture(scope="module")
def sentences():
    comments = ["Viel zu teuer", "viel zu teuer geworden", "teuer teuer teuer", "Paket kam nie an",
                "Paket kam beschädigt an", "das Paket war zu spät", "ok", "Way too expensive"] * 3
    responses = pd.DataFrame({"response_id": [f"r{i}" for i in range(len(comments))], "comment": comments})
    return prepare_text(responses)[1]


def test_zero_shot_logic(sentences, tmp_path):
    tagger = ZeroShotTagger(taxonomy=Taxonomy.from_yaml(SMALL), embedder=LEXICON, cache=tmp_path, min_rank=0.5)
    mentions = tagger.tag(sentences)
    assert list(mentions.columns) == MENTION_COLUMNS and set(mentions["source"]) == {"zero-shot"}
    themes = mentions.groupby("evidence")["theme"].apply(set)
    assert themes["Viel zu teuer"] == {"price"}
    assert themes["Paket kam nie an"] == {"delivery", "delivery_time"}  # the child theme has only its names
    assert "ok" not in themes.index  # closer to filler than to any theme
    assert mentions["score"].between(0, 1).all()
    by_sentence = sentences.set_index(["response_id", "sentence_id"])
    for m in mentions.itertuples():  # evidence is the whole sentence, at its offsets
        assert by_sentence.loc[(m.response_id, m.sentence_id), "text"] == m.evidence


def test_deterministic(sentences, tmp_path):
    tagger = ZeroShotTagger(taxonomy=Taxonomy.from_yaml(SMALL), embedder="hashing", cache=tmp_path)
    pd.testing.assert_frame_equal(tagger.tag(sentences), tagger.tag(sentences))


def test_errors(sentences):
    with pytest.raises(ParameterError, match=r"min_rank must be in \[0, 1\), got 70"):
        ZeroShotTagger(min_rank=70).tag(sentences)
    with pytest.raises(ColumnError, match=r"sentences lack column\(s\) \['sentence_id', 'start', 'end'\]"):
        ZeroShotTagger().tag(pd.DataFrame({"response_id": ["a"], "text": ["x"]}))


ARGMAX_TAXONOMY = SMALL.replace("  - id: delivery_time\n    parent: delivery\n    name: {de: Lieferzeit, en: Delivery time}\n",
                                "  - id: misc\n    name: {de: Sonstiges, en: Other}\n")


def test_argmax_decision_with_fallback(tmp_path):
    comments = ["Viel zu teuer", "Paket kam nie an", "ok", "teuer und das Paket kam nie an"] * 6
    responses = pd.DataFrame({"response_id": [f"r{i}" for i in range(len(comments))], "comment": comments})
    sentences = prepare_text(responses)[1]
    tagger = ZeroShotTagger(taxonomy=Taxonomy.from_yaml(ARGMAX_TAXONOMY), embedder=LEXICON, cache=tmp_path,
                            decision="argmax", fallback="misc", argmax_margin=0.3, floor=0.0)
    themes = tagger.tag(sentences).groupby("evidence")["theme"].apply(set)
    assert themes["Viel zu teuer"] == {"price"} and themes["Paket kam nie an"] == {"delivery"}
    assert themes["ok"] == {"misc"}  # nothing is closer than the fallback's own centroid
    assert themes["teuer und das Paket kam nie an"] == {"price", "delivery"}  # second theme within the margin
    untagged = ZeroShotTagger(taxonomy=Taxonomy.from_yaml(ARGMAX_TAXONOMY), embedder=LEXICON, cache=tmp_path,
                              decision="argmax", argmax_margin=0.0, floor=0.0).tag(sentences)
    assert untagged.groupby("evidence")["theme"].apply(set)["Viel zu teuer"] == {"price"}
    with pytest.raises(ParameterError, match=r"fallback 'other' is not a theme of the taxonomy; choose one of"):
        ZeroShotTagger(taxonomy=Taxonomy.from_yaml(ARGMAX_TAXONOMY), embedder=LEXICON, cache=tmp_path,
                       decision="argmax", fallback="other").tag(sentences)
    with pytest.raises(ParameterError, match=r"decision must be 'rank' or 'argmax', got 'best'"):
        ZeroShotTagger(decision="best").tag(sentences)
