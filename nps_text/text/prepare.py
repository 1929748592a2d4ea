"""Prepare survey comments for theme work: flags, language, redaction, clauses and lemmas.

``prepare_text(responses)`` returns the responses with flags (``is_empty``, ``is_junk``,
``junk_reason``, ``duplicate_of``, ``lang``) and a long ``sentences`` table with one row per
clause: ``[response_id, sentence_id, text, lang, lemmas, start, end]``. ``start``/``end`` are
character offsets into the analysed comment (``comment``, or ``comment_redacted`` when
``redact_pii=True``), so evidence can be highlighted later. Nothing is dropped: empty and junk
comments stay in the responses, flagged, and simply contribute no sentences.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import NamedTuple

import pandas as pd

from ..errors import ColumnError
from .language import detect_language
from .redact import find_pii, redact_with_spans

__all__ = ["prepare_text", "PreparedText", "junk_reason", "normalise_comment", "FILLER"]

logger = logging.getLogger(__name__)

# Answers that say nothing, compared after normalise_comment(); "alles gut" / "ok" are kept:
# they are content-light praise, not non-answers.
FILLER = frozenset({
    "", "keine angabe", "k a", "ka", "k.a", "keine ahnung", "weiß nicht", "weiss nicht", "weis nicht",
    "nichts", "nix", "nichts weiter", "nichts hinzuzufügen", "kein kommentar", "keine", "keiner",
    "keine meinung", "entfällt", "siehe oben", "s o", "dito", "test", "egal", "nein", "no", "none",
    "n a", "na", "nothing", "nothing to add", "nothing else", "no comment", "no comments", "nothing to say",
    "dont know", "don t know", "do not know", "idk", "no idea", "not sure", "see above", "same", "nil",
    "null", "x", "xx", "xxx", "asdf", "qwert", "qwertz", "abc", "blabla", "bla", "bla bla",
    "hm", "hmm", "hmmm", "äh", "ähm", "ka", "k",
})
_VOWELS = set("aeiouyäöüáéíóúàèìòùâêîôû")
_KEYBOARD = ("qwertzuiop", "qwertyuiop", "asdfghjkl", "yxcvbnm", "zxcvbnm")
_NON_WORD = re.compile(r"[\W_]+")
_EDGE_PUNCT = frozenset({",", ";", "-", "–", "—", "/", "+", "•", "·", "▪", "◦", "*"})
_PLACEHOLDER = re.compile(r"<(?:EMAIL|PHONE|IBAN|URL|CARD|ID|NAME|[A-Z_]+)>")
# words that only introduce personal data ("Phone:", "Meine IBAN ist", "Rückfragen gerne an"), in
# normalise_comment form: a clause of these and the data itself says nothing about the experience
_CONTACT_WORDS = frozenset("""
telefon tel telefonnummer nummer handy handynummer mobil mobilnummer festnetz fax e mail email mailadresse adresse
anschrift iban bic konto kontonummer bankverbindung kundennummer kundennr bestellnummer bestellnr auftragsnummer
rechnungsnummer vertragsnummer ticket ticketnummer name rückfragen rückfrage fragen gerne erreichbar erreichen
kontakt meine mein meiner ist lautet an unter bei per oder und bitte gern
phone telephone tel number no mobile cell email address account customer order invoice contract reference ref id
contact details questions my is at on or and please via reach reachable name
""".split())


class PreparedText(NamedTuple):
    """``responses, sentences = prepare_text(...)``."""

    responses: pd.DataFrame
    sentences: pd.DataFrame


def normalise_comment(text: str) -> str:
    """Case-folded words only, for duplicate and filler checks (umlauts and ß kept).

    >>> normalise_comment("  Keine Angabe!!! ")
    'keine angabe'
    """
    text = unicodedata.normalize("NFC", str(text)).lower()
    return " ".join(_NON_WORD.sub(" ", text).split())


def _gibberish(word: str) -> bool:
    letters = "".join(ch for ch in word.lower() if ch.isalpha())
    if len(letters) < 3:
        return False
    if len(set(letters)) == 1 or not any(ch in _VOWELS for ch in letters):
        return True
    return any(letters in row for row in _KEYBOARD) and len(letters) >= 4


def _without_contact(text: str) -> tuple[str, bool]:
    """``text`` without its personal data (found by :func:`~nps_text.text.redact.find_pii`, or already redacted
    placeholders), and whether there was any."""
    had = bool(_PLACEHOLDER.search(text))
    text = _PLACEHOLDER.sub(" ", text)
    if any(ch.isdigit() for ch in text) or "@" in text or "www." in text.lower() or "http" in text.lower():
        for span in reversed(find_pii(text)):
            text, had = text[:span.start] + " " + text[span.end:], True
    return text, had


def junk_reason(text: str | None) -> str | None:
    """Why a comment says nothing: ``"empty"``, ``"no letters"``, ``"filler"``, ``"gibberish"``,
    ``"contact details"`` (personal data with only words that introduce it: "Phone: 0151 23456789",
    "Rückfragen gerne an erika@example.org"); else None.

    >>> [junk_reason(t) for t in ["", "-", "👍", "Keine Angabe", "asdfgh", "ok", "zu teuer"]]
    ['empty', 'no letters', 'no letters', 'filler', 'gibberish', None, None]
    >>> [junk_reason(t) for t in ["Meine IBAN ist DE89 3704 0044 0532 0130 00", "Tel. <PHONE>",
    ...                           "Call me at 0151 23456789", "Frau Müller war super"]]
    ['contact details', 'contact details', None, None]
    """
    if text is None or (not isinstance(text, str) and pd.isna(text)) or not str(text).strip():
        return "empty"
    text, contact = _without_contact(str(text))  # a redacted "<PHONE>" alone says nothing either
    if not any(ch.isalpha() for ch in text):
        return "no letters"
    normal = normalise_comment(text)
    if normal in FILLER:
        return "filler"
    words = normal.split()
    if contact and all(w in _CONTACT_WORDS for w in words):
        return "contact details"
    if words and all(_gibberish(w) for w in words):
        return "gibberish"
    if all(len(w) == 1 for w in words):
        return "filler"  # "k", "x y"
    return None


def _duplicates(ids: pd.Series, texts: pd.Series, usable: pd.Series) -> pd.Series:
    """For each usable comment, the response id of the first with the same normalised text."""
    first: dict[str, str] = {}
    out = pd.Series(pd.NA, index=texts.index, dtype="string")
    for idx in texts.index[usable]:
        key = normalise_comment(texts[idx])
        if key in first:
            out[idx] = first[key]
        else:
            first[key] = ids[idx]
    return out


def _clauses(text: str, lang: str):
    """(start, end, clause text, lemmas) of each clause of ``text``."""
    from .nlp import get_pipeline, is_content, is_placeholder

    spacy_text = text.replace("\ufe0f", " ")  # the emoji variation selector sticks to words; same length
    doc = get_pipeline(lang)(spacy_text)
    for sent in doc.sents:
        tokens = [t for t in sent if not t.is_space]
        while tokens and tokens[-1].text in _EDGE_PUNCT:
            tokens.pop()
        while tokens and tokens[0].text in _EDGE_PUNCT:
            tokens.pop(0)
        if not any(t.is_alpha and not is_placeholder(t) for t in tokens):
            continue
        start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)
        lemmas = " ".join(t.lemma_ for t in tokens if is_content(t))
        yield start, end, text[start:end], lemmas


def prepare_text(
    responses: pd.DataFrame,
    *,
    text: str = "comment",
    id: str = "response_id",  # noqa: A002
    redact_pii: bool = False,
    pii_kinds: Iterable[str] | None = None,
    pii_patterns: Mapping[str, str] | None = None,
    clause_lang_min_words: int = 4,
) -> PreparedText:
    """Flag, language-tag, optionally redact, and split comments into clauses with lemmas.

    Parameters
    ----------
    responses : DataFrame
        The responses table (from :func:`~nps_text.load_survey`), or any frame with an id and a
        text column.
    text, id : str
        Column names of the comment and the response id.
    redact_pii : bool
        Replace personal data (see :func:`~nps_text.text.redact.redact`) before anything else;
        adds ``comment_redacted`` and ``pii_found``, and all offsets refer to the redacted text.
    pii_kinds, pii_patterns
        Passed to the redaction.
    clause_lang_min_words : int
        A clause of at least this many words gets its own language (mixed comments); shorter
        clauses take the comment's.

    Returns
    -------
    PreparedText
        ``(responses, sentences)``. ``responses`` is a copy with ``lang``, ``is_empty``,
        ``is_junk``, ``junk_reason``, ``duplicate_of`` (id of the first response with the same
        normalised comment, else NA) and ``n_sentences``. ``sentences`` has ``response_id,
        sentence_id, text, lang, lemmas, start, end``.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame({"response_id": ["a", "b"], "comment": ["Service top, aber viel zu teuer", "-"]})
    >>> out, sentences = prepare_text(r)
    >>> sentences[["text", "start", "end"]].values.tolist()
    [['Service top', 0, 11], ['aber viel zu teuer', 13, 31]]
    >>> out["is_junk"].tolist()
    [False, True]
    """
    for column in (text, id):
        if column not in responses.columns:
            raise ColumnError(f"Column {column!r} not found in the responses. Available columns: "
                              f"{list(responses.columns)}. Pass text='<column>' / id='<column>'.")
    out = responses.reset_index(drop=True)  # positions, whatever the caller's index; restored below
    comments = out[text].astype("string")
    if redact_pii:
        redacted = [redact_with_spans(c, kinds=pii_kinds, patterns=pii_patterns) if isinstance(c, str) else (c, [])
                    for c in comments.tolist()]
        out["comment_redacted"] = pd.Series([r for r, _ in redacted], index=out.index, dtype="string")
        out["pii_found"] = [len(spans) for _, spans in redacted]
        comments = out["comment_redacted"]
    reasons = comments.map(junk_reason, na_action=None).astype(object)
    out["is_empty"] = reasons.eq("empty").astype(bool)
    out["is_junk"] = reasons.notna() & ~out["is_empty"]
    out["junk_reason"] = reasons.where(reasons.notna(), None)
    usable = reasons.isna()
    ids = out[id].astype(str)
    out["duplicate_of"] = _duplicates(ids, comments, usable)
    memo: dict[str, str] = {}
    langs = []
    for comment, ok in zip(comments, usable):
        if ok and comment not in memo:
            memo[comment] = detect_language(comment)
        langs.append(memo[comment] if ok else "und")
    out["lang"] = langs
    rows = []
    split: dict[tuple[str, str], list[tuple]] = {}  # a repeated comment ("Alles super") is parsed once
    for idx in out.index[usable]:
        comment, lang = comments[idx], out.at[idx, "lang"]
        if (comment, lang) not in split:
            clauses = []
            for start, end, clause, lemmas in _clauses(comment, lang):
                clause_lang = lang
                if len(clause.split()) >= clause_lang_min_words:
                    detected = detect_language(clause)
                    clause_lang = detected if detected != "und" else lang
                clauses.append((clause, clause_lang, lemmas, start, end))
            split[(comment, lang)] = clauses
        rows += [(ids[idx], k, *clause) for k, clause in enumerate(split[(comment, lang)])]
    sentences = pd.DataFrame(rows, columns=["response_id", "sentence_id", "text", "lang", "lemmas", "start", "end"])
    sentences = sentences.astype({"response_id": "string", "sentence_id": "int64", "text": "string",
                                  "lang": "string", "lemmas": "string", "start": "int64", "end": "int64"})
    counts = sentences.groupby("response_id").size()
    out["n_sentences"] = ids.map(counts).fillna(0).astype("int64")
    out.index = responses.index
    logger.info("prepared %d comments: %d empty, %d junk, %d duplicates, %d sentences",
                len(out), int(out["is_empty"].sum()), int(out["is_junk"].sum()),
                int(out["duplicate_of"].notna().sum()), len(sentences))
    return PreparedText(out, sentences)
