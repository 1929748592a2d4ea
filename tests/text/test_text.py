from __future__ import annotations

import pandas as pd
import pytest

from nps_text import load_survey
from nps_text.errors import ColumnError
from nps_text.text.nlp import get_pipeline
from nps_text.text.prepare import junk_reason, prepare_text
from tests.conftest import REPO, SAMPLE

GERMEVAL = REPO.parent / "shared" / "benchmarks" / "germeval17_dev.csv"


def frame(*comments: str | None) -> pd.DataFrame:
    return pd.DataFrame({"response_id": [f"r{i}" for i in range(len(comments))], "comment": list(comments)})


@pytest.fixture(scope="module")
def sample_prepared():
    responses, _ = load_survey(SAMPLE)
    return responses, *prepare_text(responses, redact_pii=True)


@pytest.mark.parametrize("comment, clauses", [
    ("Service top, aber viel zu teuer", ["Service top", "aber viel zu teuer"]),
    ("Super Service, schnelle Lieferung, fairer Preis", ["Super Service", "schnelle Lieferung", "fairer Preis"]),
    ("Die Lieferung war schnell und der Service freundlich", ["Die Lieferung war schnell", "und der Service freundlich"]),
    ("Schnelle, freundliche Lieferung", ["Schnelle, freundliche Lieferung"]),
    ("Preis und Leistung stimmen", ["Preis und Leistung stimmen"]),
    ("Ich finde, dass der Preis zu hoch ist", ["Ich finde, dass der Preis zu hoch ist"]),
    ("Great service but way too expensive. Delivery was late!!", ["Great service", "but way too expensive.", "Delivery was late!!"]),
    ("Service top\nPreis zu hoch", ["Service top", "Preis zu hoch"]),
    ("Guter Service, leider zu teuer 😡", ["Guter Service", "leider zu teuer 😡"]),
    # a discourse opener stays with its clause; coordinated adjectives after a word of degree are one clause
    ("On the plus side, the team is always so kind", ["On the plus side, the team is always so kind"]),
    ("Alles in allem, sehr zufrieden mit dem Service", ["Alles in allem, sehr zufrieden mit dem Service"]),
    ("On the other hand, if you are not fooled easily, you will find better food",
     ["On the other hand, if you are not fooled easily, you will find better food"]),
    ("The app is confusing, but very helpful and friendly people.",
     ["The app is confusing", "but very helpful and friendly people."]),
    ("Sehr freundlich und kompetente Beratung", ["Sehr freundlich und kompetente Beratung"]),
    ("sehr schnell und Preis gut", ["sehr schnell", "und Preis gut"]),
    ("very fast and the price is fair", ["very fast", "and the price is fair"]),
])
def test_clauses(comment, clauses):
    _, sentences = prepare_text(frame(comment))
    assert sentences["text"].tolist() == clauses
    assert sentences["sentence_id"].tolist() == list(range(len(clauses)))


def test_offsets_point_into_the_comment(sample_prepared):
    _, out, sentences = sample_prepared
    text = out.set_index("response_id")["comment_redacted"]
    assert len(sentences) > 3000
    for row in sentences.itertuples():
        assert text[row.response_id][row.start:row.end] == row.text


def test_umlauts_and_sharp_s_survive_in_text_and_lemmas():
    _, sentences = prepare_text(frame("Die Qualität der Größe passt schließlich, Rückerstattung kam später"))
    lemmas = " ".join(sentences["lemmas"])
    for word in ("Qualität", "Größe", "schließlich", "Rückerstattung"):
        assert word in lemmas
    assert "Qualitat" not in lemmas and "Grosse" not in lemmas


def test_lemmas_keep_negations_and_drop_stop_words():
    _, sentences = prepare_text(frame("Die Mitarbeiter waren nicht freundlich", "The staff was not helpful at all"))
    assert sentences["lemmas"].tolist() == ["Mitarbeiter nicht freundlich", "staff not helpful"]


def test_german_compounds_and_lowercase_nouns_are_lemmatised():
    _, sentences = prepare_text(frame("lieferzeiten viel zu lang, kundenservices nie erreichbar"))
    lemmas = " ".join(sentences["lemmas"])
    assert "Lieferzeit" in lemmas and "Kundenservice" in lemmas and "nie" in lemmas


@pytest.mark.parametrize("comment, reason", [
    (None, "empty"), ("   ", "empty"), ("-", "no letters"), ("👍👍", "no letters"), ("10/10", "no letters"),
    ("keine Angabe", "filler"), ("k.A.", "filler"), ("Weiß nicht", "filler"), ("n/a", "filler"),
    ("No comment.", "filler"), ("nichts", "filler"), ("asdfgh", "gibberish"), ("xxxx", "gibberish"),
    ("alles gut", None), ("ok", None), ("Top!", None), ("zu teuer", None), ("nichts zu meckern", None),
])
def test_junk(comment, reason):
    assert junk_reason(comment) == reason


def test_flags_and_nothing_dropped():
    comments = ["Alles super!", "alles super", "-", None, "Viel zu teuer", "Alles   SUPER!!!", "keine Angabe"]
    source = frame(*comments)
    before = source.copy()
    out, sentences = prepare_text(source)
    pd.testing.assert_frame_equal(source, before)
    assert len(out) == len(source)
    assert out["is_empty"].tolist() == [False, False, False, True, False, False, False]
    assert out["is_junk"].tolist() == [False, False, True, False, False, False, True]
    assert pd.isna(out["duplicate_of"].iloc[0])
    assert out.loc[[1, 5], "duplicate_of"].tolist() == ["r0", "r0"]
    assert out["n_sentences"].tolist() == [1, 1, 0, 0, 1, 1, 0]
    assert set(sentences["response_id"]) == {"r0", "r1", "r4", "r5"}


def test_language_per_comment_and_per_clause():
    out, sentences = prepare_text(frame(
        "Die Lieferung kam leider zu spät", "The delivery arrived far too late", "ok",
        "Der Service war wirklich sehr gut, but the prices are way too high for me",
    ))
    assert out["lang"].tolist() == ["de", "en", "und", out["lang"].iloc[3]]
    mixed = sentences[sentences["response_id"] == "r3"]
    assert mixed["lang"].tolist() == ["de", "en"]


def test_redaction_before_everything(sample_prepared):
    _, out, sentences = sample_prepared
    assert out["pii_found"].sum() >= 20
    assert not sentences["text"].str.contains("@example|0151 23456789|DE89 3704", regex=True).any()
    assert not sentences["lemmas"].str.contains("EMAIL|PHONE", regex=True).any()  # "IBAN" itself is a word
    assert out["comment"].str.contains("@example", regex=False).sum() >= 5  # the original stays


def test_sample_flags(sample_prepared):
    _, out, _ = sample_prepared
    assert out.loc[out["comment"].isin(["-", ".", "???"]), "is_junk"].all()
    assert out.loc[out["comment"].isin(["keine Angabe", "n/a", "weiß nicht"]), "junk_reason"].eq("filler").all()
    assert out["duplicate_of"].notna().sum() > 100  # "Alles super!" and friends
    assert {"de", "en"} <= set(out["lang"])


def test_missing_column_is_a_clear_error():
    with pytest.raises(ColumnError, match=r"Column 'text' not found in the responses\. Available columns: \['response_id', 'comment'\]"):
        prepare_text(frame("x"), text="text")


@pytest.mark.skipif(not GERMEVAL.exists(), reason="../shared/benchmarks not beside the checkout")
def test_germeval_keeps_umlauts_and_splits():
    data = pd.read_csv(GERMEVAL).head(400).rename(columns={"id": "response_id", "text": "comment"})
    out, sentences = prepare_text(data)
    umlaut_in = data["comment"].str.count("[äöüÄÖÜß]").sum()
    umlaut_out = out["comment"].str.count("[äöüÄÖÜß]").sum()
    assert umlaut_in == umlaut_out and sentences["text"].str.contains("[äöüß]").sum() > 100
    assert len(sentences) > len(data)
    assert (out["lang"] == "de").mean() > 0.95


def test_repeated_index_from_concatenated_waves():
    wave = frame("Viel zu teuer", "Service top")
    both = pd.concat([wave, wave.assign(response_id=["c", "d"])])
    out, sentences = prepare_text(both)
    assert list(out.index) == [0, 1, 0, 1] and out["n_sentences"].tolist() == [1, 1, 1, 1]
    assert out["duplicate_of"].tolist()[2:] == ["r0", "r1"]


def test_redacted_placeholder_alone_is_junk():
    out, sentences = prepare_text(frame("0171-1234567", "Mail: a@example.com", "Mail me: the app crashes"),
                                  redact_pii=True)
    assert out["is_junk"].tolist() == [True, True, False]
    assert out["junk_reason"].tolist()[:2] == ["no letters", "contact details"]
    assert sentences["response_id"].tolist() == ["r2"]


@pytest.mark.parametrize("redact_pii", [False, True])
def test_clause_of_only_contact_details_is_filler_for_discovery(redact_pii):
    """"Meine IBAN ist ..." clustered into a support theme when redaction was off (a trial); it says nothing."""
    from nps_text.discover._model import filler_mask

    out, sentences = prepare_text(frame("Lieferung viel zu spät. Rückfragen gerne an erika.musterfrau@example.org",
                                        "Meine IBAN ist DE89 3704 0044 0532 0130 00", "Phone: 0151 23456789",
                                        "Please call me on 0151 23456789 about the broken app"), redact_pii=redact_pii)
    assert out["junk_reason"].tolist() == [None, "contact details", "contact details", None]
    filler = dict(zip(sentences["text"].str[:12], filler_mask(sentences)))
    assert filler == {"Lieferung vi": False, "Rückfragen g": True, "Please call ": False}


def test_bullets_split_and_sentence_start_lemmas():
    _, sentences = prepare_text(frame("• Preis zu hoch • Gute Beratung"))
    assert sentences["text"].tolist() == ["Preis zu hoch", "Gute Beratung"]
    assert sentences["lemmas"].tolist() == ["Preis hoch", "gut Beratung"]


def test_languages_without_their_own_pipeline_share_the_english_one():
    assert get_pipeline("fr") is get_pipeline("it") is get_pipeline("en")
    assert get_pipeline("de") is not get_pipeline("en")
    assert [s.text for s in get_pipeline("fr")("Service top, but far too expensive").sents] == \
        [s.text for s in get_pipeline("en")("Service top, but far too expensive").sents]


def test_english_lemmas_without_simplemmas_spurious_e_or_doubled_l():
    from nps_text.text.nlp import lemma

    words = ["thinking", "thanked", "fixed", "mixed", "growing", "cancelling", "hoping", "changed", "called", "using"]
    assert [lemma(w, "en") for w in words] == ["think", "thank", "fix", "mix", "grow", "cancel", "hope", "change",
                                               "call", "use"]


def test_typing_slips_are_read_as_the_word_meant():
    """A doubled letter, ae/oe/ue and a missing umlaut: "Bin sehr zufriedeen" sat in a mixed theme, unread as tone."""
    from nps_text.discover._model import tone_mask
    from nps_text.tagging.polarity import lexicon_score

    _, sentences = prepare_text(frame("Bin sehr zufriedeen", "Die Hottline ist nie erreichbar", "Qualitat top",
                                      "Terriible experience", "Das war schon ok"))
    assert sentences["lemmas"].tolist() == ["zufrieden", "Hotline nie erreichbar", "Qualität top",
                                            "terrible experience", "ok"]
    assert tone_mask(sentences).tolist() == [True, False, False, True, True]
    assert lexicon_score("Terriible experience") < 0 < lexicon_score("Bin sehr zufriedeen")
    # a known word is never changed: "schon" is no "schön", "konnte" no "könnte"
    assert lexicon_score("Das war schon da") == 0 and lexicon_score("Ich konnte bestellen") == 0


@pytest.mark.parametrize("comment, clauses", [
    ("Im Großen und Ganzen zufrieden.", ["Im Großen und Ganzen zufrieden."]),  # a trial: "Im Großen" + the rest
    ("Wir wurden hin und her geschickt", ["Wir wurden hin und her geschickt"]),
    ("Order no. 123-4567890 never arrived", ["Order no. 123-4567890 never arrived"]),  # no "Order no." clause
    ("Bestellnr. 4711 kam nie an", ["Bestellnr. 4711 kam nie an"]),
    ("Lieferung kam spät. 5 Sterne trotzdem", ["Lieferung kam spät.", "5 Sterne trotzdem"]),
    ("Service top und Preis fair", ["Service top", "und Preis fair"]),
    ("Lieferung langsam - Preis hoch", ["Lieferung langsam", "Preis hoch"]),
])
def test_fixed_phrases_and_abbreviations_do_not_split(comment, clauses):
    _, sentences = prepare_text(frame(comment))
    assert sentences["text"].tolist() == clauses


def test_a_capitalised_noun_at_the_start_is_no_verb():
    """A trial: "Ticket seit Wochen offen" gave the keyword "ticken", "Bitte ..." a theme named "Bitten"."""
    _, sentences = prepare_text(frame("Ticket seit Wochen offen", "Gute Beratung", "Preise zu hoch"))
    assert [s.split()[0] for s in sentences["lemmas"]] == ["Ticket", "gut", "Preis"]
