"""Redact personal data from comments: emails, phone numbers, IBANs, URLs, card numbers,
customer/order numbers and names after a salutation, replaced by typed placeholders.

Comments are untrusted text that often carries personal data ("ruft mich an: 0151 23456789").
The patterns are tuned not to touch what survey comments are full of: prices ("49,99 €",
"$20 a month"), dates ("31.12.2025", "2025-03-01"), scores ("9/10") and years ("seit 2012").
IBANs and card numbers are only redacted when their checksum holds.

``find_pii`` returns the spans, ``redact`` the redacted text and an offset map, so that
character offsets into the redacted text can be traced back to the original.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..errors import ParameterError

__all__ = ["PII_KINDS", "PiiSpan", "find_pii", "redact", "redact_with_spans"]

_SEP = r"[ \t\-/]"
_PATTERNS: dict[str, re.Pattern[str]] = {
    "EMAIL": re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b"),
    "URL": re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+[^\s<>\"'.,;:!?)]", re.IGNORECASE),
    "IBAN": re.compile(r"(?i)\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b"),
    "CARD": re.compile(r"\b\d{4}(?:[ -]?\d{4}){2}[ -]?\d{1,7}\b"),
    # phone: starts with +CC or a trunk 0 (optionally in brackets), 7-15 digits in all,
    # separated by space, dash or slash; dots are excluded so that dates never match
    "PHONE": re.compile(
        r"(?<![\w+])(?<!\d[/.])(?:\+\d{1,3}[ \-]?(?:\(0\)[ \-]?)?|\(0\d{1,5}\)[ \-]?|0)\d[\d \t\-/]{5,18}\d(?![\w])"
    ),
    "ID": re.compile(
        r"(?i)\b(?:bestell(?:ung)?s?[- ]?(?:nr|nummer)|kunden[- ]?(?:nr|nummer)|auftrags[- ]?(?:nr|nummer)"
        r"|vertrags[- ]?(?:nr|nummer)|rechnungs[- ]?(?:nr|nummer)|ticket[- ]?(?:nr|nummer)?"
        r"|order[ ]?(?:no|number|id|#)|customer[ ]?(?:no|number|id)|account[ ]?(?:no|number)"
        r"|invoice[ ]?(?:no|number)|case[ ]?(?:no|number)|ref(?:erence)?[ ]?(?:no|number)?)"
        r"\.?\s*[:#]?\s*(?P<value>[A-Z0-9](?:[A-Z0-9\-/]*\d[A-Z0-9\-/]*))"
    ),
    "NAME": re.compile(
        r"\b(?:Herrn?|Frau|Hr\.|Mr\.?|Mrs\.?|Ms\.?|Dr\.)\s+(?:(?:Dr|Prof)\.\s+)?"
        r"(?P<value>[A-ZÄÖÜ][a-zäöüß]+(?:[- ][A-ZÄÖÜ][a-zäöüß]+)?)"
    ),
}
PII_KINDS = tuple(_PATTERNS)


@dataclass(frozen=True)
class PiiSpan:
    """A piece of personal data found in a text: ``text[start:end]`` of kind ``kind``."""

    start: int
    end: int
    kind: str
    text: str


def _iban_ok(value: str, before: str = "") -> bool:
    """A valid IBAN checksum, or any IBAN-shaped string right after the word "IBAN" (a typo'd IBAN
    is still personal data)."""
    compact = value.replace(" ", "").upper()
    if "iban" in before.lower() and 15 <= len(compact) <= 34:
        return True
    if not 15 <= len(compact) <= 34:
        return False
    moved = compact[4:] + compact[:4]
    digits = "".join(str(int(ch, 36)) for ch in moved)
    return int(digits) % 97 == 1


def _luhn_ok(value: str, before: str = "") -> bool:
    digits = [int(ch) for ch in value if ch.isdigit()]
    if not 13 <= len(digits) <= 19:
        return False
    total = 0
    for i, digit in enumerate(reversed(digits)):
        if i % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


_DATE_SHAPE = re.compile(r"^\d{1,2}[/\-. ]\d{1,2}[/\-. ]\d{2,4}$")


def _phone_ok(value: str, before: str = "") -> bool:
    digits = sum(ch.isdigit() for ch in value)
    return 7 <= digits <= 15 and not _DATE_SHAPE.match(value.strip())


_VALIDATORS = {"IBAN": _iban_ok, "CARD": _luhn_ok, "PHONE": _phone_ok}


def _check_kinds(kinds: Iterable[str] | None, patterns: Mapping[str, str] | None) -> dict[str, re.Pattern[str]]:
    chosen = list(PII_KINDS) if kinds is None else [str(k).upper() for k in kinds]
    unknown = [k for k in chosen if k not in _PATTERNS]
    if unknown:
        raise ParameterError(
            f"Unknown PII kind(s) {unknown}. Choose from {list(PII_KINDS)}, or pass your own "
            "regular expressions as patterns={'CONTRACT': r'V-\\d{8}'}."
        )
    compiled = {k: _PATTERNS[k] for k in chosen}
    for name, pattern in (patterns or {}).items():
        try:
            compiled[str(name).upper()] = re.compile(pattern)
        except re.error as exc:
            raise ParameterError(f"Pattern for {name!r} is not a valid regular expression: {exc}. "
                                 f"Got {pattern!r}.") from exc
    return compiled


def find_pii(text: str, *, kinds: Iterable[str] | None = None,
             patterns: Mapping[str, str] | None = None) -> list[PiiSpan]:
    """Find personal data in ``text``; overlapping finds keep the earliest, then the longest.

    Parameters
    ----------
    kinds : iterable of str, optional
        Subset of :data:`PII_KINDS` (default: all).
    patterns : mapping, optional
        Extra ``{KIND: regex}`` for customer-specific numbers. A named group ``value``
        limits the redaction to that group.

    Examples
    --------
    >>> [s.kind for s in find_pii("Mail: a.b@example.com, Tel. 0151 23456789, 49,99 € am 31.12.2025")]
    ['EMAIL', 'PHONE']
    """
    if not isinstance(text, str):
        return []
    found: list[PiiSpan] = []
    for kind, pattern in _check_kinds(kinds, patterns).items():
        for match in pattern.finditer(text):
            group = "value" if "value" in pattern.groupindex else 0
            start, end = match.span(group)
            value = text[start:end]
            if start == end or not _VALIDATORS.get(kind, lambda *_: True)(value, text[max(0, start - 12):start]):
                continue
            found.append(PiiSpan(start, end, kind, value))
    found.sort(key=lambda s: (s.start, -(s.end - s.start)))
    kept: list[PiiSpan] = []
    for span in found:
        if not kept or span.start >= kept[-1].end:
            kept.append(span)
    return kept


def redact_with_spans(text: str, *, kinds: Iterable[str] | None = None,
                      patterns: Mapping[str, str] | None = None) -> tuple[str, list[PiiSpan]]:
    """Redacted text and the spans that were replaced (offsets into the original text)."""
    spans = find_pii(text, kinds=kinds, patterns=patterns)
    if not spans:
        return text, []
    pieces, last = [], 0
    for span in spans:
        pieces += [text[last:span.start], f"<{span.kind}>"]
        last = span.end
    pieces.append(text[last:])
    return "".join(pieces), spans


def redact(text: str, *, kinds: Iterable[str] | None = None,
           patterns: Mapping[str, str] | None = None) -> str:
    """Replace personal data by typed placeholders (``<EMAIL>``, ``<PHONE>``, ``<IBAN>``, ...).

    Examples
    --------
    >>> redact("Bitte ruft mich an: +49 30 1234567 oder max@example.org")
    'Bitte ruft mich an: <PHONE> oder <EMAIL>'
    >>> redact("49,99 € im Monat, seit 2012 Kunde, 9/10, Lieferung am 03.04.2025")
    '49,99 € im Monat, seit 2012 Kunde, 9/10, Lieferung am 03.04.2025'
    """
    if not isinstance(text, str):
        return text
    return redact_with_spans(text, kinds=kinds, patterns=patterns)[0]
