"""Find the score, comment, id and date columns of a survey export by their headers.

Headers are matched after normalisation (case-folded, umlauts and punctuation folded), first
exactly against known English and German survey headers, then by a known word inside the
header ("Wie wahrscheinlich ... Weiterempfehlung"). Among candidates with the same kind of
match, the cell contents decide (a score column holds numbers, a comment column text). When
that still leaves more than one, or none where one is required, the error lists the columns
and says which argument to pass.
"""

from __future__ import annotations

import difflib
import re
import unicodedata

import pandas as pd

from ..errors import ColumnError

__all__ = ["ROLES", "normalise_header", "resolve_column", "guess_column", "closest_column"]

# role -> (exact normalised headers, words that may appear inside a header)
ROLES: dict[str, tuple[set[str], tuple[str, ...]]] = {
    "score": (
        {"score", "nps", "npsscore", "npswert", "rating", "recommend", "likelihood",
         "likelihoodtorecommend", "ltr", "weiterempfehlung", "empfehlung", "bewertung",
         "weiterempfehlungsbereitschaft", "punkte", "punktzahl"},
        ("likelihood", "recommend", "npsscore", "score", "weiterempfehl", "empfehlung", "empfehlen",
         "wahrscheinlich", "bewertung", "nps", "rating"),
    ),
    "comment": (
        {"comment", "comments", "why", "reason", "feedback", "verbatim", "text", "answer",
         "kommentar", "kommentare", "begrundung", "anmerkung", "anmerkungen", "freitext",
         "grund", "warum", "bemerkung", "antwort", "meinung"},
        ("comment", "why", "reason", "feedback", "verbatim", "kommentar", "begrundung",
         "anmerkung", "freitext", "warum", "grund", "bemerkung", "openend", "opentext"),
    ),
    "id": (
        {"id", "responseid", "respondentid", "surveyid", "antwortid", "teilnehmerid",
         "fallnummer", "lfdnr", "recordid", "uuid", "teilnehmernr", "teilnehmernummer", "teilnehmer",
         "respondent", "responsenumber", "responseno"},
        ("responseid", "respondentid", "antwortid", "teilnehmerid", "teilnehmernr", "fallnummer"),
    ),
    "date": (
        {"date", "datum", "timestamp", "zeitstempel", "created", "createdat", "submitted",
         "submittedat", "responsedate", "antwortdatum", "erstellt", "erstelltam",
         "eingangsdatum", "time", "zeit", "surveydate", "umfragedatum"},
        ("date", "datum", "timestamp", "zeitstempel", "submitted", "created"),
    ),
}

_ARGUMENT = {"score": "score", "comment": "comment", "id": "id", "date": "date", "segment": "segments"}
_CLI_FLAG = {"score": "--score", "comment": "--comment", "id": "--id", "date": "--date", "segment": "--by"}
_NUMBER = re.compile(r"^\s*[+-]?\d+([.,]\d+)?\s*$")


def normalise_header(name: str) -> str:
    """Case-fold, drop accents (ü→u, ß→ss) and everything but letters and digits.

    >>> normalise_header("Begründung (NPS)")
    'begrundungnps'
    """
    folded = unicodedata.normalize("NFKD", str(name).casefold())
    return re.sub(r"[^a-z0-9]", "", "".join(ch for ch in folded if not unicodedata.combining(ch)))


def _numeric_share(values: pd.Series) -> float:
    present = values.dropna()
    present = present[present.astype(str).str.strip() != ""]
    if present.empty:
        return 0.0
    return float(present.astype(str).str.match(_NUMBER).mean())


def _plausible(role: str, values: pd.Series) -> bool:
    if role == "score":
        return _numeric_share(values) >= 0.5
    if role == "comment":
        return _numeric_share(values) < 0.5
    return True


def _hint(role: str, columns: list[str]) -> str:
    if role in ("text", "labels"):  # labelled data for train/evaluate
        return (f"Available columns: {columns}. Pass {role}='<column>' to read_labelled() "
                f"(CLI: --{role} COLUMN).")
    return (
        f"Available columns: {columns}. Pass {_ARGUMENT[role]}='<column>' to load_survey() "
        f"(CLI: {_CLI_FLAG[role]} COLUMN)."
    )


def resolve_column(frame: pd.DataFrame, name: str, role: str) -> str:
    """Return the column called ``name`` (exact, else case-insensitive), or raise ColumnError."""
    columns = [str(c) for c in frame.columns]
    if name in columns:
        return name
    folded = [c for c in columns if c.casefold() == str(name).casefold()]
    if len(folded) == 1:
        return folded[0]
    raise ColumnError(f"Column {name!r} (given as the {role} column) not found.{_suggest(frame, name, role)} "
                      f"{_hint(role, columns)}")


def _suggest(frame: pd.DataFrame, name: str, role: str) -> str:
    """The column the loader would take for ``role`` ("... looks like ..."), else a header close to ``name``.

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"Weiterempfehlung": ["9"], "Begründung": ["gut"], "Kanal": ["App"]})
    >>> print(_suggest(frame, "Bewertung", "score"))
     The score column looks like 'Weiterempfehlung': pass it, or leave the option out to have it found.
    >>> print(_suggest(frame, "Kanall", "segment"))
     Did you mean 'Kanal'?
    """
    try:
        guess = guess_column(frame, role, required=False) if role in ROLES else None
    except ColumnError:  # several candidates: the hint lists the columns
        guess = None
    if guess:
        return f" The {role} column looks like {guess!r}: pass it, or leave the option out to have it found."
    close = closest_column(str(name), [str(c) for c in frame.columns])
    return f" Did you mean {close!r}?" if close else ""


def closest_column(name: str, columns: list[str]) -> str | None:
    """The column a misspelt ``name`` most likely means ("Kanall" -> "Kanal", "marke" -> "Marke"), or None.

    >>> closest_column("Kanall", ["Kundentyp", "Kanal"]), closest_column("xyz", ["Kanal"])
    ('Kanal', None)
    """
    close = difflib.get_close_matches(name, columns, n=1, cutoff=0.6)
    return close[0] if close else next((c for c in columns if c.lower() == name.lower()), None)


def guess_column(frame: pd.DataFrame, role: str, *, exclude: set[str] = frozenset(),
                 required: bool = True) -> str | None:
    """Guess the column playing ``role`` from its header and contents.

    Returns None when nothing matches and ``required`` is False; raises ColumnError when the
    guess is ambiguous, or when nothing matches and ``required`` is True.

    >>> import pandas as pd
    >>> guess_column(pd.DataFrame({"Weiterempfehlung": ["9"], "Begründung": ["gut"]}), "score")
    'Weiterempfehlung'
    """
    exact, words = ROLES[role]
    columns = [str(c) for c in frame.columns if str(c) not in exclude]
    normalised = {c: normalise_header(c) for c in columns}
    tiers = [
        [c for c in columns if normalised[c] in exact],
        [c for c in columns if normalised[c] not in exact and any(w in normalised[c] for w in words)],
    ]
    for rank, tier in enumerate(tiers):
        # A single exact header match is trusted even if its cells look wrong: the loader then
        # reports the bad values, which says more than "column not found".
        plausible = tier if rank == 0 and len(tier) == 1 else [c for c in tier if _plausible(role, frame[c])]
        if len(plausible) == 1:
            return plausible[0]
        if len(plausible) > 1:
            raise ColumnError(
                f"More than one column could be the {role} column: {plausible}. "
                f"{_hint(role, [str(c) for c in frame.columns])}"
            )
    if required:
        raise ColumnError(
            f"Could not find the {role} column by its header. {_hint(role, [str(c) for c in frame.columns])}"
        )
    return None
