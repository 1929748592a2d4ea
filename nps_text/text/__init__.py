"""Preparing comments: cleaning, language id, redaction, clause splitting and lemmas (spaCy, loaded on first use).

>>> from nps_text.text import prepare_text, redact
"""

from .language import LANGUAGES, detect_language, detect_languages
from .prepare import FILLER, PreparedText, junk_reason, normalise_comment, prepare_text
from .redact import PII_KINDS, PiiSpan, find_pii, redact, redact_with_spans

__all__ = ["prepare_text", "PreparedText", "junk_reason", "normalise_comment", "FILLER", "detect_language",
           "detect_languages", "LANGUAGES", "PII_KINDS", "PiiSpan", "find_pii", "redact", "redact_with_spans"]
