from __future__ import annotations

import pytest

from nps_text.errors import ParameterError
from nps_text.text.redact import find_pii, redact, redact_with_spans


@pytest.mark.parametrize("text, expected", [
    ("Bitte ruft mich zurück: 0151 23456789", "Bitte ruft mich zurück: <PHONE>"),
    ("Tel. +49 30 1234567, danke", "Tel. <PHONE>, danke"),
    ("Festnetz (030) 123 456 78", "Festnetz <PHONE>"),
    ("Handy 0171/1234567!", "Handy <PHONE>!"),
    ("Tel.06102-814767 Fax:06102-3697273", "Tel.<PHONE> Fax:<PHONE>"),
    ("+49 (0)89 12345-678 erreichbar", "<PHONE> erreichbar"),
    ("call me on +44 20 7946 0958 please", "call me on <PHONE> please"),
    ("Mail an max.mustermann@example.com bitte", "Mail an <EMAIL> bitte"),
    ("my email: jane_doe+nps@mail.example.org.", "my email: <EMAIL>."),
    ("IBAN DE89 3704 0044 0532 0130 00 wurde doppelt belastet", "IBAN <IBAN> wurde doppelt belastet"),
    ("IBAN DE89370400440532013000", "IBAN <IBAN>"),
    ("siehe https://example.com/bestellung?id=5.", "siehe <URL>."),
    ("www.example.de ist langsam", "<URL> ist langsam"),
    ("Bestellnr. 123-4567890 kam nie an", "Bestellnr. <ID> kam nie an"),
    ("Kundennummer: K-12345 falsch", "Kundennummer: <ID> falsch"),
    ("order #A12345 was late", "order #<ID> was late"),
    ("Frau Müller war super freundlich", "Frau <NAME> war super freundlich"),
    ("Mr. Smith helped me", "Mr. <NAME> helped me"),
    ("card 4111 1111 1111 1111 charged twice", "card <CARD> charged twice"),
    ("Herrn Dr. Weber und Frau Prof. Öztürk", "Herrn Dr. <NAME> und Frau Prof. <NAME>"),
    ("IBAN de89 3704 0044 0532 0130 00", "IBAN <IBAN>"),
    ("IBAN DE89 3704 0044 0532 0130 01 (Tippfehler)", "IBAN <IBAN> (Tippfehler)"),
])
def test_redacts_realistic_personal_data(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize("text", [
    "49,99 € im Monat ist zu viel",
    "$20 a month is too much, 1.299,00 EUR total",
    "Lieferung am 31.12.2025 statt am 24.12.2025",
    "delivered on 2025-03-01, ordered 2025-02-20",
    "9/10, seit 2012 Kunde, 3 Wochen gewartet",
    "Preis von 1.000 € auf 1.200 € erhöht",
    "Rechnung 04/2025 doppelt",
    "Vertrag DE00 1234 5678 9012 3456 78 (no IBAN: invalid checksum, no keyword)",
    "4111 1111 1111 1112 is not a valid card",
    "0 Punkte, 10 Minuten Wartezeit, 24/7 Hotline",
    "Stand 30/09/2015 14:13 Uhr, Tel.06102 wird nicht erkannt",
    "Frau und Kinder sind zufrieden",
    "Bestellt am 05/03/2025, kam am 07/03/2025",
    "Lieferung 01-12-2025, am 03 04 2025 bestellt",
    "Fr. Nachmittag geliefert",
])
def test_leaves_prices_dates_and_scores_alone(text):
    assert redact(text) == text


def test_spans_point_into_original_text():
    text = "Tel 0151 23456789 / mail a@example.com"
    redacted, spans = redact_with_spans(text)
    assert redacted == "Tel <PHONE> / mail <EMAIL>"
    assert [(s.kind, text[s.start:s.end]) for s in spans] == [("PHONE", "0151 23456789"), ("EMAIL", "a@example.com")]


def test_kinds_and_custom_patterns():
    text = "Vertrag V-20251234, mail a@example.com"
    assert redact(text, kinds=["email"]) == "Vertrag V-20251234, mail <EMAIL>"
    assert redact(text, kinds=[], patterns={"CONTRACT": r"V-\d{8}"}) == "Vertrag <CONTRACT>, mail a@example.com"
    with pytest.raises(ParameterError, match=r"Unknown PII kind\(s\) \['SSN'\]\. Choose from \['EMAIL'"):
        redact(text, kinds=["ssn"])
    with pytest.raises(ParameterError, match=r"Pattern for 'X' is not a valid regular expression"):
        redact(text, patterns={"X": "("})


def test_non_text_passes_through():
    assert redact(None) is None
    assert find_pii(float("nan")) == []
