from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from nps_text.errors import ColumnError, ParameterError
from nps_text.tagging import (
    MENTION_COLUMNS,
    RuleTagger,
    SentimentScorer,
    ZeroShotTagger,
    add_sentiment,
    lexicon_polarity,
    sentence_sentiment,
    weak_polarity,
)
from nps_text.tagging.summary import THEME_SUMMARY_COLUMNS, theme_summary
from nps_text.tagging.taxonomy import Taxonomy
from nps_text.text.prepare import prepare_text
from tests.tagging.test_taxonomy import SMALL


@pytest.mark.parametrize("text, sign", [
    ("Sehr freundliche Mitarbeiter", 1), ("Die Mitarbeiter waren nicht freundlich", -1), ("kein Problem", 1),
    ("keine Probleme mit der Lieferung", 1), ("Das gefällt mir nicht", -1), ("viel zu lange Wartezeit", -1),
    ("nichts zu meckern", 1), ("könnte besser sein", -1), ("Paket kam am Dienstag", 0),
    ("not bad at all", 1), ("staff were not helpful", -1), ("no problems", 1), ("never again", -1),
    ("room for improvement", -1), ("way too slow", -1), ("I can't fault them", 1), ("The room", 0), ("👍", 1),
])
def test_lexicon_polarity_with_negation(text, sign):
    assert np.sign(lexicon_polarity(text)) == sign


def _survey(n: int = 40):
    comments = (["Super freundlicher Service", "Lieferung war schnell", "Great staff, very helpful", "Alles top"] * n
                + ["Viel zu teuer", "Paket kam nie an", "rude staff and slow delivery", "schlechter Service"] * n)
    scores = [10] * (4 * n) + [2] * (4 * n)
    responses = pd.DataFrame({"response_id": [f"r{i}" for i in range(len(comments))], "comment": comments,
                              "score": scores})
    responses, sentences = prepare_text(responses)
    return responses, sentences


def test_mentions_carry_the_sentiment_of_their_clause_and_spans_hold():
    comments = ["Service top, aber viel zu teuer", "Die Lieferung war nicht pünktlich",
                "Great value for money, but the parcel arrived damaged"]
    responses = pd.DataFrame({"response_id": ["a", "b", "c"], "comment": comments})
    out, sentences = prepare_text(responses)
    mentions = RuleTagger(Taxonomy.from_yaml(SMALL)).tag(sentences)
    assert list(mentions.columns) == MENTION_COLUMNS
    found = {(m.response_id, m.theme, m.sentiment) for m in mentions.itertuples()}
    assert ("a", "price", "negative") in found and ("b", "delivery", "negative") in found
    assert ("c", "price", "positive") in found and ("c", "delivery", "negative") in found
    assert mentions["sentiment_score"].between(-1, 1).all()
    text = out.set_index("response_id")["comment"]
    for m in mentions.itertuples():  # the new columns did not move the evidence offsets
        assert text[m.response_id][m.start:m.end] == m.evidence


def test_every_tagger_fills_sentiment(tmp_path):
    _, sentences = _survey(3)
    mentions = ZeroShotTagger(taxonomy=Taxonomy.from_yaml(SMALL), embedder="hashing", cache=tmp_path,
                              min_rank=0.3).tag(sentences)
    assert len(mentions) and mentions["sentiment"].isin(["positive", "negative", "neutral"]).all()
    by_sentence = sentences.set_index(["response_id", "sentence_id"])["text"]
    for m in mentions.itertuples():
        assert m.sentiment == sentence_sentiment(pd.DataFrame({"text": [by_sentence[(m.response_id, m.sentence_id)]]}),
                                                 method="lexicon")["sentiment"].iloc[0]


def test_add_sentiment_joins_by_sentence_and_does_not_mutate():
    sentences = pd.DataFrame({"response_id": ["a", "a", "b"], "sentence_id": [0, 1, 0],
                              "text": ["gut", "schlecht", "ok"]}, index=[5, 6, 7])
    mentions = pd.DataFrame({"response_id": ["b", "a", "a"], "sentence_id": [0, 1, 1], "theme": ["x", "y", "z"]},
                            index=[10, 11, 12])
    scores = pd.DataFrame({"sentiment": ["positive", "negative", "neutral"], "sentiment_score": [0.9, -0.9, 0.0]},
                          index=sentences.index)
    out = add_sentiment(mentions, sentences, scores)
    assert out["sentiment"].tolist() == ["neutral", "negative", "negative"]
    assert list(out.index) == [10, 11, 12] and "sentiment" not in mentions
    with pytest.raises(ColumnError, match=r"need column\(s\) \['sentence_id'\]"):
        add_sentiment(mentions.drop(columns="sentence_id"), sentences)


def test_weak_labels_from_scores():
    sentences = pd.DataFrame({"response_id": ["a", "b", "c", "zz"]})
    responses = pd.DataFrame({"response_id": ["a", "b", "c"], "score": [9, 8, 6]})
    np.testing.assert_array_equal(weak_polarity(sentences, responses).to_numpy(), [1.0, np.nan, -1.0, np.nan])
    # a passive (8) and an unknown response carry no label
    with pytest.raises(ColumnError, match="need 'response_id' and 'score' or 'nps_group'"):
        weak_polarity(sentences, pd.DataFrame({"response_id": ["a"]}))


def test_survey_model_learns_from_scores_and_auto_falls_back(tmp_path):
    responses, sentences = _survey()
    learned = sentence_sentiment(sentences, responses, method="survey", embedder="hashing", cache=tmp_path)
    assert learned.attrs["method"] == "survey" and list(learned.index) == list(sentences.index)
    weak = weak_polarity(sentences, responses)
    agree = (np.sign(learned["sentiment_score"]) == weak).mean()
    assert agree > 0.9  # out-of-fold, on repeated comments
    few = responses.head(6)
    small = sentence_sentiment(sentences[sentences["response_id"].isin(few["response_id"])], few, embedder="hashing")
    assert small.attrs["method"] == "lexicon"
    assert sentence_sentiment(sentences, None).attrs["method"] == "lexicon"
    with pytest.raises(ParameterError, match="pass responses="):
        sentence_sentiment(sentences, None, method="survey")
    with pytest.raises(ParameterError, match=r"one of \['auto', 'survey', 'lexicon'\], got 'vader'"):
        sentence_sentiment(sentences, responses, method="vader")


def test_scorer_estimator_contract(tmp_path):
    texts = ["super schnell", "sehr freundlich", "toll", "zu teuer", "schlecht", "nie wieder"] * 5
    model = SentimentScorer(embedder="hashing", cache=tmp_path)
    assert model.fit(texts, [1, 1, 1, -1, -1, -1] * 5) is model and model.n_train_ == {"positive": 15, "negative": 15}
    twin = clone(model).fit(texts, ["positive", "positive", "positive", "negative", "negative", "negative"] * 5)
    np.testing.assert_allclose(model.decision_score(texts), twin.decision_score(texts))
    assert set(model.predict(["toll", "schlecht", "xyz"])) <= {"positive", "negative", "neutral"}
    with pytest.raises(ParameterError, match="got 2 positive and 0 negative; use the lexicon"):
        SentimentScorer(embedder="hashing").fit(["a", "b", "c"], [1, 1, 0])
    with pytest.raises(ParameterError, match="Polarity 'good' is not one of"):
        SentimentScorer(embedder="hashing").fit(["a"], ["good"])


def test_theme_summary_by_hand():
    mentions = pd.DataFrame({"response_id": ["a", "a", "b", "c", "d"], "theme": ["price", "price", "price", "service", "price"],
                             "sentiment": ["negative", "negative", "positive", "positive", "neutral"]})
    responses = pd.DataFrame({"response_id": ["a", "b", "c", "d", "e"], "score": [2, 10, 9, 8, 10],
                              "is_empty": [False, False, False, False, True], "is_junk": [False] * 5})
    table = theme_summary(mentions, responses)
    assert list(table.columns) == THEME_SUMMARY_COLUMNS and table["theme"].tolist() == ["price", "service"]
    price = table.iloc[0]
    assert (price.mentions, price.respondents, price.positive, price.negative, price.neutral) == (4, 3, 1, 2, 1)
    assert price.share_of_responses == pytest.approx(3 / 5) and price.share_of_commenters == pytest.approx(3 / 4)
    assert price.nps == pytest.approx(0.0) and price.n == 3 and price.warning  # one promoter, one detractor
    assert price.ci_low < 0 < price.ci_high
    assert theme_summary(mentions.iloc[:0], responses).empty


def test_evidence_offsets_of_every_tagger_point_into_the_comment(tmp_path):
    from nps_text.tagging import ThemeClassifier

    comments = ["Der Kundenservice war super freundlich, aber die Lieferung kam viel zu spät",
                "Größte Enttäuschung: Paket beschädigt. Preis völlig überteuert!",
                "Great value for money, but the parcel arrived damaged and late",
                "  Leading spaces; the delivery was quick, the price fair."]
    responses = pd.DataFrame({"response_id": [f"r{i}" for i in range(len(comments))], "comment": comments})
    out, sentences = prepare_text(responses)
    taxonomy = Taxonomy.from_yaml(SMALL)
    texts = ["zu teuer", "viel zu teuer", "expensive", "Paket kam spät", "parcel late", "Lieferung zu spät"] * 3
    labels = [["price"], ["price"], ["price"], ["delivery"], ["delivery"], ["delivery"]] * 3
    classifier = ThemeClassifier(embedder="hashing", threshold_folds=0, tfidf=False, cache=tmp_path).fit(texts, labels)
    classifier.thresholds_[:] = 0.0  # tag every sentence with every theme: all offsets get checked
    taggers = [RuleTagger(taxonomy), ZeroShotTagger(taxonomy=taxonomy, embedder="hashing", cache=tmp_path, min_rank=0.0,
                                                    margin=1.0), classifier]
    comment = out.set_index("response_id")["comment"]
    for tagger in taggers:
        mentions = tagger.tag(sentences)
        assert len(mentions) and list(mentions.columns) == MENTION_COLUMNS
        assert mentions["sentiment"].notna().all()
        for m in mentions.itertuples():
            assert comment[m.response_id][m.start:m.end] == m.evidence, (type(tagger).__name__, m)


@pytest.mark.parametrize("text, sign", [
    ("Die Mitarbeiter sind einfach unhöflich", -1),  # "einfach" is mostly a filler: weak
    ("Beratung war lieblos und oberflächlich", -1),
    ("So verliert ihr Kunden", -1), ("This is how you lose customers", -1),
    ("Not worth the money", -1), ("Worth every penny", 1),
    ("Seriously thinking about cancelling", -1),
    ("Ueberlege ernsthaft zu kuendigen", -1), ("Lieferung zu spaet", -1),  # umlauts typed as ae/oe/ue
    ("Produkte halten ewig", 1), ("The support team solved my problem right away", 1),
    ("Das Problem wurde nicht gelöst", -1), ("Einfach zu bedienen", 1),
    # a new user's trial found these read as neutral or positive
    ("Ticket seit Wochen offen", -1), ("Warte seit 10 Tagen auf meine Bestellung", -1), ("Cheap materials.", -1),
    ("Another price increase, seriously.", -1), ("Schon wieder eine Preiserhöhung", -1), ("Cheap and good", 1),
    ("Bin seit Jahren Kunde", 0),
    # and these, in a second trial
    ("Die Preise sind ordentlich gestiegen", -1), ("Prices went up again", -1), ("Products last forever", 1),
    ("Kurze Wartezeit an der Hotline", 1), ("Sendungsverfolgung ging nicht", -1), ("Support reagiert nicht", -1),
    ("Nach dem Update funktioniert nichts mehr", -1), ("Lieferung einwandfrei", 1),
    ("Problem wurde von der Hotline sofort gelöst", 1), ("The delivery date was missed again", -1),
    ("Expressversand hat wirklich geklappt", 1), ("Package came earlier than expected", 1),
    # a third trial: "kein"/"nichts" after a complaint does not turn it into praise
    ("Seit Wochen keine Antwort vom Support", -1), ("Seit Wochen nichts passiert", -1),
    ("Leider keine Antwort erhalten", -1), ("Gefällt mir nicht", -1), ("Könnte günstiger sein", -1),
    ("Could be cheaper", -1), ("Die Preise sind schon wieder gestiegen", -1), ("Der Beitrag wurde erhöht", -1),
    ("Artikel entsprach nicht der Beschreibung", -1), ("The app keeps crashing", -1),
    ("Support closed my ticket without fixing anything", -1), ("Refund took over a month", -1),
    ("Mahnung bekommen obwohl bezahlt", -1), ("Akku hält nicht mal einen Tag", -1), ("Keine Lösung in Sicht", -1),
    ("Ticket innerhalb von einem Tag erledigt", 1), ("Never had any issues", 1), ("Nicht schlecht", 1),
    # complaints without a word of complaint sat in a context theme: a stressed negation, a double debit, chasing
    ("Der Bote hat nicht mal geklingelt", -1), ("The driver didn't even ring", -1),
    ("Paket ist immer noch nicht da", -1), ("Refund still not received", -1), ("Still no answer", -1),
    ("Lastschrift ging zweimal raus", -1), ("Musste dreimal anrufen", -1), ("Had to call three times", -1),
    ("Keiner hat zurückgerufen", -1), ("Teillieferung, der Rest kam eine Woche später", -1),
    # the stress keeps the negation: what follows is still turned round
    ("Nicht mal schlecht", 1), ("Still not fixed", -1), ("Noch nicht ausprobiert", 0), ("Still the best shop", 1),
])
def test_lexicon_reads_common_survey_complaints_and_praise(text, sign):
    from nps_text.tagging.polarity import lexicon_score

    assert np.sign(lexicon_score(text)) == sign
