from __future__ import annotations

import pandas as pd
import pytest

from nps_text.errors import ColumnError, ParameterError
from nps_text.tagging import MENTION_COLUMNS, RuleTagger
from nps_text.tagging.taxonomy import Taxonomy
from nps_text.text.prepare import prepare_text
from tests.tagging.test_taxonomy import SMALL


def tag(*comments: str, taxonomy="small", redact=False):
    responses = pd.DataFrame({"response_id": [f"r{i}" for i in range(len(comments))], "comment": list(comments)})
    out, sentences = prepare_text(responses, redact_pii=redact)
    mentions = RuleTagger(Taxonomy.from_yaml(SMALL) if taxonomy == "small" else taxonomy).tag(sentences)
    return out, sentences, mentions


def test_lemmas_compounds_and_phrases_with_evidence():
    comments = ["Lieferzeiten viel zu lang, aber teurer als früher",
                "Der Expressversand war schnell und das Preis-Leistungs-Verhältnis stimmt",
                "Great value for money, parcel arrived damaged"]
    out, _, mentions = tag(*comments)
    found = {(m.response_id, m.theme, m.evidence) for m in mentions.itertuples()}
    assert found == {
        ("r0", "delivery", "Lieferzeiten"), ("r0", "price", "teurer"),
        ("r1", "delivery", "Expressversand"), ("r1", "price", "Preis-Leistungs-Verhältnis"),
        ("r2", "price", "value for money"), ("r2", "delivery", "parcel"),
    }
    text = out.set_index("response_id")["comment"]
    for m in mentions.itertuples():  # evidence offsets point into the original comment
        assert text[m.response_id][m.start:m.end] == m.evidence
    assert list(mentions.columns) == MENTION_COLUMNS
    assert set(mentions["source"]) == {"rule"} and (mentions["score"] == 1.0).all()


def test_one_mention_per_sentence_and_theme():
    _, sentences, mentions = tag("Teuer, teuer, viel zu teuer und günstig ist anders")
    assert len(mentions) == mentions[["response_id", "sentence_id", "theme"]].drop_duplicates().shape[0]


def test_offsets_hold_after_redaction():
    out, _, mentions = tag("Mail an a@example.com: Paket kam nie an", redact=True)
    row = mentions.iloc[0]
    assert out["comment_redacted"].iloc[0][row.start:row.end] == "Paket"


def test_no_mentions_for_junk():
    _, sentences, mentions = tag("-", "keine Angabe")
    assert sentences.empty and mentions.empty and list(mentions.columns) == MENTION_COLUMNS


def test_default_taxonomy_on_realistic_comments():
    _, _, mentions = tag("Kundenservice war super freundlich, aber die Rechnung war falsch",
                         "The app keeps crashing and support never answers",
                         taxonomy=None)
    by_response = mentions.groupby("response_id")["theme"].apply(set).to_dict()
    assert {"service", "billing"} <= by_response["r0"] or {"support", "billing"} <= by_response["r0"]
    assert "reliability" in by_response["r1"] and "support" in by_response["r1"]


def test_bad_input():
    with pytest.raises(ColumnError, match=r"sentences lack column\(s\) \['sentence_id', 'lang', 'start'\]"):
        RuleTagger().tag(pd.DataFrame({"response_id": ["a"], "text": ["x"]}))


def test_longest_match_wins_across_themes():
    yaml_text = SMALL.replace('en: [expensive, cheap, "value for money"]', 'en: [expensive, cheap, "value for money", money]')
    _, _, mentions = tag("value for money", taxonomy=Taxonomy.from_yaml(yaml_text.replace(
        "en: [delivery, parcel, shipping]", "en: [delivery, parcel, shipping, value]")))
    assert mentions[["theme", "evidence"]].values.tolist() == [["price", "value for money"]]


def test_taggers_come_from_a_registry_that_takes_new_kinds():
    import pandas as pd

    from nps_text import tag_survey
    from nps_text.tagging import available_taggers, get_tagger, register_tagger
    from nps_text.tagging.contract import mentions_frame
    from nps_text.tagging.registry import _REGISTRY

    assert {"rules", "zero-shot", "model"} <= set(available_taggers())
    with pytest.raises(ParameterError, match=r"Unknown tagger 'regex'. Available: \['model', 'rules', 'zero-shot'\]"):
        get_tagger("regex")
    with pytest.raises(ParameterError, match=r"Tagger 'rules' does not take \['embedder'\]; it takes \['taxonomy'\]"):
        get_tagger("rules", embedder="e5")

    class Everything:
        def __init__(self, taxonomy=None):
            self.taxonomy = taxonomy

        def tag(self, sentences):
            return mentions_frame([(r.response_id, r.sentence_id, "everything", 1.0, "everything", 0, len(r.text), r.text)
                                   for r in sentences.itertuples()])

    register_tagger("everything", Everything)
    try:
        tagged = tag_survey(pd.DataFrame({"score": [9, 3], "comment": ["gut", "schlecht"]}), method="everything")
        assert tagged.mentions["theme"].tolist() == ["everything", "everything"] and tagged.tagger == "everything"
    finally:
        _REGISTRY.pop("everything")
