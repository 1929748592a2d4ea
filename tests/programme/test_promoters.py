"""Promoter programmes: the referral list and testimonial candidates."""

from __future__ import annotations

import pandas as pd
import pytest

from nps_text.errors import ColumnError, ParameterError
from nps_text.programme.promoters import promoter_list, testimonial_candidates
from nps_text.text.prepare import prepare_text

COMMENTS = {  # response id: (score, comment)
    "de_service": (10, "Der Kundenservice hat sich sofort um meine Rücksendung gekümmert und alles unkompliziert "
                       "erstattet."),
    "en_delivery": (9, "The delivery arrived a day early and the driver carried the heavy box upstairs for me."),
    "de_generic": (10, "Alles super, danke!"),
    "en_generic": (10, "Great, great, great! Highly recommend to everyone."),
    "de_email": (9, "Die Beraterin im Support hat mir per Mail an max.mustermann@example.com die Lösung geschickt."),
    "en_iban": (10, "Refund to my IBAN DE89 3704 0044 0532 0130 00 was processed within two days by the friendly "
                    "billing team."),
    "de_phone": (10, "Die Beraterin im Support war sehr geduldig, erreichbar unter 0151 23456789 für Rückfragen."),
    "en_phone": (9, "The support agent who called me back on 0151 23456789 fixed the router settings in minutes."),
    "de_detractor": (2, "Die Lieferung kam pünktlich und der Fahrer war freundlich, aber die Ware war kaputt."),
    "en_duplicate": (10, "The delivery arrived a day early and the driver carried the heavy box upstairs for me!"),
    "en_mixed": (9, "The app is easy to use, but the price is far too high for what you get."),
    "de_size": (9, "Die Größe der Schuhe passt perfekt, die Maße in der Tabelle stimmen genau."),
}
# (response id, a word of the clause, theme, sentiment)
MENTIONS = [
    ("de_service", "Kundenservice", "service", "positive"), ("de_service", "erstattet", "billing", "positive"),
    ("en_delivery", "delivery", "delivery", "positive"), ("de_generic", "super", "praise", "positive"),
    ("en_generic", "Great", "praise", "positive"), ("en_generic", "recommend", "praise", "positive"),
    ("de_email", "Support", "support", "positive"), ("en_iban", "billing", "billing", "positive"),
    ("de_phone", "Support", "support", "positive"), ("en_phone", "support", "support", "positive"),
    ("de_detractor", "Lieferung", "delivery", "positive"), ("de_detractor", "Fahrer", "service", "positive"),
    ("de_detractor", "Ware", "product_quality", "negative"),
    ("en_duplicate", "delivery", "delivery", "positive"), ("en_mixed", "app", "usability", "positive"),
    ("en_mixed", "price", "price", "negative"), ("de_size", "Größe", "product_quality", "positive"),
]


def _mentions(sentences: pd.DataFrame, rows=MENTIONS) -> pd.DataFrame:
    out = []
    for rid, word, theme, sentiment in rows:
        clause = sentences[(sentences["response_id"] == rid) & sentences["text"].str.contains(word, regex=False)].iloc[0]
        out.append({"response_id": rid, "sentence_id": clause["sentence_id"], "theme": theme, "sentiment": sentiment})
    return pd.DataFrame(out)


@pytest.fixture(scope="module")
def survey():
    responses = pd.DataFrame({"response_id": list(COMMENTS), "score": [s for s, _ in COMMENTS.values()],
                              "comment": [c for _, c in COMMENTS.values()]})
    prepared, sentences = prepare_text(responses)
    return prepared, sentences, _mentions(sentences)


# ----------------------------------------------------------------------------- promoter_list
@pytest.fixture
def responses():
    return pd.DataFrame({
        "response_id": ["a", "b", "c", "d", "e"],
        "score": [10, 3, 9, 10, 8],
        "date": pd.to_datetime(["2025-01-05", "2025-02-01", "2025-03-01", None, "2025-03-02"]),
        "email": ["a@x.de", "b@x.de", None, "d@x.de", "e@x.de"],
        "shop": ["Köln", "Bonn", "Köln", "Bonn", "Köln"],
        "comment": ["=HYPERLINK(\"http://evil\")", "zu teuer", "Schnelle Lieferung", "-", "ok"],
    })


def test_promoter_list_keeps_promoters_newest_first_with_themes(responses):
    mentions = pd.DataFrame({"response_id": ["c", "c", "a", "b"], "theme": ["delivery", "price", "service", "price"]})
    before = responses.copy()
    out = promoter_list(responses, mentions=mentions, contact="email")
    assert out.columns.tolist() == ["response_id", "email", "has_contact", "score", "date", "shop", "themes", "comment"]
    assert out["response_id"].tolist() == ["c", "a", "d"]  # by date, newest first; undated last
    assert out["themes"].tolist() == ["delivery; price", "service", ""]
    assert out["has_contact"].tolist() == [False, True, True]  # kept without contact data, marked
    assert out.index.tolist() == [2, 0, 3]
    pd.testing.assert_frame_equal(responses, before)


def test_promoter_list_since_and_carry(responses):
    out = promoter_list(responses, since="2025-02-01", carry=["shop"])
    assert out["response_id"].tolist() == ["c"]
    assert out.columns.tolist() == ["response_id", "score", "date", "shop", "themes", "comment"]


def test_promoter_list_formula_safe_reuses_export_helper(responses):
    out = promoter_list(responses, formula_safe=True)
    assert out.loc[0, "comment"] == "'=HYPERLINK(\"http://evil\")"
    assert out.loc[3, "comment"] == "'-"
    assert pd.api.types.is_datetime64_any_dtype(out["date"]) and pd.api.types.is_integer_dtype(out["score"])
    assert promoter_list(responses).loc[0, "comment"].startswith("=")  # only on request


def test_promoter_list_shows_redacted_comment():
    r = pd.DataFrame({"response_id": ["a"], "score": [10], "comment": ["Ruf an: 0151 23456789"],
                      "comment_redacted": ["Ruf an: <PHONE>"]})
    out = promoter_list(r)
    assert out["comment"].tolist() == ["Ruf an: <PHONE>"] and "comment_redacted" not in out


def test_promoter_list_one_to_ten_scale_flows_through(responses):
    ten = responses.assign(score=[10, 1, 9, 10, 8])
    assert promoter_list(ten, scale="1-10")["response_id"].tolist() == ["c", "a", "d"]
    with pytest.raises(ParameterError, match=r"0 is not on the 1-10 scale"):
        promoter_list(responses.assign(score=[10, 0, 9, 10, 8]), scale="1-10")
    with pytest.raises(ParameterError, match=r"scale must be one of \['0-10', '1-10'\], got '1-5'"):
        promoter_list(responses, scale="1-5")


def test_promoter_list_errors(responses):
    with pytest.raises(ColumnError, match=r"Column\(s\) \['phone'\] not found in responses\. Available columns: "
                                          r"\['response_id', 'score'"):
        promoter_list(responses, contact="phone")
    with pytest.raises(ColumnError, match=r"since='2025-01-01' needs a date column, but 'date' is not"):
        promoter_list(responses.drop(columns="date"), since="2025-01-01")
    with pytest.raises(ParameterError, match=r"since must be a date such as '2025-01-01', got 'yesterday'"):
        promoter_list(responses, since="yesterday")
    with pytest.raises(ParameterError, match=r"responses must be a pandas DataFrame, got list"):
        promoter_list([1, 2])


# ----------------------------------------------------------------------------- testimonials
def test_testimonials_keep_specific_german_and_english_praise(survey):
    responses, sentences, mentions = survey
    out = testimonial_candidates(responses, sentences, mentions)
    assert set(out["response_id"]) == {"de_service", "en_delivery", "de_size", "de_phone"}
    assert set(out["lang"]) == {"de", "en"}
    service = out.set_index("response_id").loc["de_service"]
    assert service["text"] == COMMENTS["de_service"][1]  # two clauses of one comment, joined as written
    assert (service["first_sentence"], service["last_sentence"]) == (0, 1)
    assert service["themes"] == "service; billing"
    assert "Größe" in out.set_index("response_id").loc["de_size", "text"]  # umlauts and ß survive
    assert out["rank"].tolist() == [1, 2, 3, 4]
    assert out["candidate_score"].is_monotonic_decreasing


def test_testimonials_exclude_generic_pii_detractors_negatives_and_near_duplicates(survey):
    responses, sentences, mentions = survey
    out = testimonial_candidates(responses, sentences, mentions)
    ids = set(out["response_id"])
    assert not ids & {"de_generic", "en_generic"}  # generic praise only
    assert not ids & {"de_email", "en_iban", "en_phone"}  # personal data: dropped, not shown redacted
    phone = out.set_index("response_id").loc["de_phone", "text"]
    assert phone == "Die Beraterin im Support war sehr geduldig"  # the clause without the phone number is fine
    assert not out["text"].str.contains(r"@|0151|DE89").any()
    assert "de_detractor" not in ids  # a detractor's positive clause is no testimonial
    assert "en_mixed" not in ids  # the praised clause is too short, the window holds a negative mention
    assert len(ids & {"en_delivery", "en_duplicate"}) == 1  # near-duplicates: the best (first id of equals) stays
    kept = testimonial_candidates(responses, sentences, mentions, redact=False)
    assert {"de_email", "en_iban", "en_phone"} <= set(kept["response_id"])  # the redaction check is what removed them


def test_testimonials_drop_placeholders_of_prepare_text_redaction():
    r = pd.DataFrame({"response_id": ["a"], "score": [10],
                      "comment": ["Die Beraterin im Support hat mir per Mail an max@example.com die Lösung geschickt."]})
    prepared, sentences = prepare_text(r, redact_pii=True)
    m = _mentions(sentences, [("a", "Support", "support", "positive")])
    assert testimonial_candidates(prepared, sentences, m).empty
    assert testimonial_candidates(prepared, sentences, m, redact=False)["text"].str.contains("<EMAIL>").all()


def test_testimonial_score_is_hand_computed():
    text = "Die Lieferung kam schon am nächsten Morgen, bestens verpackt."
    r = pd.DataFrame({"response_id": ["b"], "score": [10], "comment": [text]})
    s = pd.DataFrame({"response_id": ["b"], "sentence_id": [0], "text": [text], "lang": ["de"],
                      "lemmas": ["Lieferung nächster Morgen bestens verpacken"], "start": [0], "end": [len(text)]})
    m = pd.DataFrame({"response_id": ["b"], "sentence_id": [0], "theme": ["delivery"], "sentiment": ["positive"]})
    row = testimonial_candidates(r, s, m).iloc[0]
    # 4 content words ("bestens" is generic): 4/8; 61 chars: 1 - |61 - 120| / (300 - 40); one theme: importance 1
    assert (row["content_words"], row["n_chars"]) == (4, 61)
    assert row["specificity"] == pytest.approx(0.5)
    assert row["length_fit"] == pytest.approx(1 - 59 / 260)
    assert row["candidate_score"] == pytest.approx(0.5 * 0.5 + 0.3 * (1 - 59 / 260) + 0.2 * 1.0)
    weighted = testimonial_candidates(r, s, m, importance={"delivery": 1.0, "price": 4.0}).iloc[0]
    assert weighted["importance"] == pytest.approx(0.25)


def test_testimonials_language_filter_and_one_to_ten_scale(survey):
    responses, sentences, mentions = survey
    german = testimonial_candidates(responses, sentences, mentions, langs=("de",))
    assert set(german["lang"]) == {"de"}
    assert len(testimonial_candidates(responses, sentences, mentions, n=1)) == 1
    with pytest.raises(ParameterError, match=r"0 is not on the 1-10 scale"):
        testimonial_candidates(responses.assign(score=0), sentences, mentions, scale="1-10")


def test_testimonial_errors(survey):
    responses, sentences, mentions = survey
    with pytest.raises(ParameterError, match=r"min_chars must be below max_chars, got min_chars=300 and max_chars=40"):
        testimonial_candidates(responses, sentences, mentions, min_chars=300, max_chars=40)
    with pytest.raises(ParameterError, match=r"langs must be a non-empty sequence of language codes, got 'de'"):
        testimonial_candidates(responses, sentences, mentions, langs="de")
    with pytest.raises(ParameterError, match=r"n must be a positive whole number, got 0"):
        testimonial_candidates(responses, sentences, mentions, n=0)
    with pytest.raises(ParameterError, match=r"similarity must be in \(0, 1\], got 1.5"):
        testimonial_candidates(responses, sentences, mentions, similarity=1.5)
    with pytest.raises(ColumnError, match=r"\['sentiment'\] not found in mentions\. Available columns: "
                                          r"\['response_id', 'sentence_id', 'theme'\]\. Pass the mentions table"):
        testimonial_candidates(responses, sentences, mentions.drop(columns="sentiment"))


def test_a_negative_clause_without_a_mention_stays_out_of_the_testimonial():
    comment = "Die Hotline ist ein schlechter Witz. Die Dame im Kundenservice hat mir sehr freundlich geholfen."
    r = pd.DataFrame({"response_id": ["h"], "score": [10], "comment": [comment]})
    prepared, sentences = prepare_text(r)
    praised = sentences.loc[sentences["text"].str.contains("Kundenservice"), "text"].tolist()
    m = _mentions(sentences, [("h", "Kundenservice", "service", "positive")])
    out = testimonial_candidates(prepared, sentences, m, min_chars=20)
    assert out["text"].tolist() == praised and "Witz" not in out["text"].iloc[0]  # not the complaint before it


def test_praise_with_a_reservation_is_no_testimonial():
    comment = "Die Dame in der Filiale hat sich richtig Zeit genommen, aber der Login ist jedes Mal ein Krampf."
    r = pd.DataFrame({"response_id": ["k"], "score": [9], "comment": [comment]})
    prepared, sentences = prepare_text(r)
    m = _mentions(sentences, [("k", "Filiale", "service", "positive")])
    out = testimonial_candidates(prepared, sentences, m, min_chars=20)
    assert not out["text"].str.contains("aber|Krampf").any()


def test_testimonials_speak_for_several_themes_not_only_the_most_praised():
    """Eight long service quotes would fill the list; the cap leaves room for the delivery and app quotes."""
    service = [f"Die Beraterin im Laden Nummer {i} hat sich viel Zeit genommen und jede Frage zur Garantie "
               f"geduldig beantwortet." for i in range(8)]
    others = ["Lieferung kam am nächsten Morgen, sauber verpackt.", "Die App zeigt jede Rechnung übersichtlich an."]
    texts = service + others
    r = pd.DataFrame({"response_id": [f"r{i}" for i in range(len(texts))], "score": 10, "comment": texts})
    prepared, sentences = prepare_text(r)
    themes = ["service"] * 8 + ["delivery", "usability"]
    m = pd.DataFrame({"response_id": r["response_id"], "sentence_id": 0, "theme": themes, "sentiment": "positive"})
    uncapped = testimonial_candidates(prepared, sentences, m, n=4, per_theme=4, similarity=1.0)
    assert set(uncapped["theme"]) == {"service"}  # longer and more specific: they win on score alone
    capped = testimonial_candidates(prepared, sentences, m, n=4, similarity=1.0)  # default cap: max(2, 4/3) = 2
    assert capped["theme"].value_counts().to_dict() == {"service": 2, "delivery": 1, "usability": 1}
    assert capped["rank"].tolist() == [1, 2, 3, 4] and capped["candidate_score"].is_monotonic_decreasing
    filled = testimonial_candidates(prepared, sentences, m, n=6, per_theme=1, similarity=1.0)
    assert len(filled) == 6 and set(filled["theme"]) == {"service", "delivery", "usability"}  # the rest fill up
    with pytest.raises(ParameterError, match="per_theme"):
        testimonial_candidates(prepared, sentences, m, per_theme=0)


@pytest.mark.parametrize("comment", [
    "Mahnung bekommen obwohl bezahlt, immerhin super nette und kompetente Beratung in der Filiale.",
    "Die Lieferung dauerte ewig. Dafür war die Beratung in der Filiale kompetent und freundlich.",
    "Ehrlich gesagt bin ich hin- und hergerissen. Die Beratung in der Filiale war kompetent und freundlich.",
    "Gutschrift wurde nicht verrechnet. Die Beratung in der Filiale war kompetent und freundlich.",
])
def test_a_concession_or_an_unread_complaint_ends_the_testimonial(comment):
    r = pd.DataFrame({"response_id": ["a"], "score": [10], "comment": [comment]})
    prepared, sentences = prepare_text(r)
    m = _mentions(sentences, [("a", "Beratung", "service", "positive")])
    out = testimonial_candidates(prepared, sentences, m, min_chars=20)
    assert "Beratung" in " ".join(out["text"]) or out.empty
    assert not out["text"].str.contains(r"bezahlt|ewig|hergerissen|Gutschrift|immerhin|Dafür", case=False).any()


def test_a_clause_the_tagger_read_as_neutral_ends_the_testimonial():
    comment = "Login ist jedes Mal ein Krampf. Die Beratung in der Filiale war kompetent und freundlich."
    r = pd.DataFrame({"response_id": ["a"], "score": [10], "comment": [comment]})
    prepared, sentences = prepare_text(r)
    praise = [("a", "Beratung", "service", "positive")]
    m = _mentions(sentences, praise + [("a", "Login", "usability", "neutral")])
    assert not testimonial_candidates(prepared, sentences, m, min_chars=20)["text"].str.contains("Login").any()
    both = testimonial_candidates(prepared, sentences, _mentions(sentences, praise + [("a", "Login", "usability", "positive")]),
                                  min_chars=20)
    assert both["text"].str.contains("Login").any()  # the same clause read as praise would be kept: the rule bites
