"""Load a survey export into the canonical ``responses`` table, accounting for every row.

``load_survey`` reads CSV/TSV (encoding and delimiter detected), XLSX, Parquet, JSON Lines or
a DataFrame, finds the score/comment/id/date columns by their English or German headers,
validates scores, and returns the responses plus a :class:`LoadReport`. Each row that cannot
be used is listed in the report with its row number, value and reason; ``rows_read ==
rows_kept + len(rejected)`` always holds.
"""

from __future__ import annotations

import html
import math
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal, NamedTuple

import pandas as pd

from .._core.results import Result
from ..errors import ColumnError, ParameterError, ScoreError, SurveyFileError
from ..stats.scores import nps_group
from .columns import closest_column, guess_column, resolve_column
from .readers import RawTable, read_table

__all__ = ["load_survey", "load_table", "LoadOptions", "resolve_segments", "closest_column", "LoadReport", "RejectedRow", "LoadedSurvey", "SCALES",
           "CANONICAL_COLUMNS"]

SCALES: dict[str, tuple[int, int]] = {"0-10": (0, 10), "1-10": (1, 10)}
CANONICAL_COLUMNS = ("response_id", "score", "nps_group", "comment", "has_comment", "date", "source_row")
_MAX_SEGMENT_LEVELS = 20
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
_DOTTED_DATE = re.compile(r"^\d{1,2}\.\d{1,2}\.\d{2,4}")
_SLASHED_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/\d{2,4}")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class RejectedRow:
    """One row that was not kept: its row number in the source, the column, value and reason."""

    row: int
    column: str
    value: str | None
    reason: str


@dataclass
class LoadReport(Result):
    """What ``load_survey`` read, kept, rejected and warned about.

    ``summary()`` is a few lines for a person, ``to_dict()`` the ``load_report.json``, and
    ``to_frame()`` the rejected rows; in Jupyter it displays itself.

    ``row`` numbers are as a person sees them in the source: for CSV and Excel the header is
    row 1 and the first data row is row 2; for JSON Lines, Parquet and DataFrames the first
    record is row 1.
    """

    source: str
    format: str
    rows_read: int
    rows_kept: int
    columns: dict[str, str | None]
    segments: list[str]
    scale: str
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    source_columns: list[str] = field(default_factory=list)
    empty_comments: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def rows_rejected(self) -> int:
        return len(self.rejected)

    def rejected_frame(self) -> pd.DataFrame:
        """The rejected rows as a DataFrame ``[row, column, value, reason]``."""
        return pd.DataFrame([asdict(r) for r in self.rejected], columns=["row", "column", "value", "reason"])

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict (the CLI writes it as ``load_report.json``)."""
        out = asdict(self)
        out["rows_rejected"] = self.rows_rejected
        return out

    def to_frame(self) -> pd.DataFrame:
        """The rejected rows (:meth:`rejected_frame`)."""
        return self.rejected_frame()

    def summary(self) -> str:
        """A few human-readable lines about the load."""
        mapping = ", ".join(f"{role}={col!r}" for role, col in self.columns.items() if col)
        how = ", ".join(
            f"{k} {v!r}" for k, v in (("encoding", self.encoding), ("delimiter", self.delimiter),
                                       ("sheet", self.sheet)) if v
        )
        lines = [
            f"Read {self.rows_read} rows from {self.source} ({self.format}{', ' + how if how else ''}).",
            f"Kept {self.rows_kept}, rejected {self.rows_rejected}; {self.empty_comments} kept rows have no comment.",
            f"Columns: {mapping}; segments: {self.segments or 'none'}; scale {self.scale}.",
        ]
        lines += [f"Rejected row {r.row}: {r.reason} ({r.column}=" + ("empty" if r.value is None else repr(r.value)) + ")"
                  for r in self.rejected[:10]]
        if self.rows_rejected > 10:
            lines.append(f"... and {self.rows_rejected - 10} more rejected rows (see the load report).")
        lines += [f"Warning: {w}" for w in self.warnings]
        return "\n".join(lines)


@dataclass(frozen=True)
class LoadOptions:
    """How to read a survey export: the keyword arguments of :func:`load_survey` as one value.

    Jobs and the CLI pass one of these instead of repeating eight keywords.

    >>> import pandas as pd
    >>> LoadOptions(score="NPS").load(pd.DataFrame({"NPS": ["9", "3"]})).report.rows_kept
    2
    """

    score: str | None = None
    comment: str | None = None
    id: str | None = None  # noqa: A003 - the name users expect
    date: str | None = None
    segments: list[str] | None = None
    scale: Literal["0-10", "1-10"] = "0-10"
    errors: Literal["report", "raise"] = "report"
    sheet: str | int | None = None
    dayfirst: bool | None = None

    def load(self, source: str | Path | pd.DataFrame) -> LoadedSurvey:
        """``load_survey(source, **options)``."""
        return load_survey(source, **asdict(self))


class LoadedSurvey(NamedTuple):
    """``responses, report = load_survey(...)``."""

    responses: pd.DataFrame
    report: LoadReport


def load_survey(
    source: str | Path | pd.DataFrame,
    *,
    score: str | None = None,
    comment: str | None = None,
    id: str | None = None,  # noqa: A002 - the name users expect
    date: str | None = None,
    segments: list[str] | None = None,
    scale: Literal["0-10", "1-10"] = "0-10",
    errors: Literal["report", "raise"] = "report",
    sheet: str | int | None = None,
    dayfirst: bool | None = None,
) -> LoadedSurvey:
    """Load a survey export into the canonical responses table plus a load report.

    Parameters
    ----------
    source : path or DataFrame
        CSV/TSV/TXT (UTF-8 with or without BOM, cp1252 or latin-1; ``,`` ``;`` TAB or ``|``),
        XLSX, Parquet, JSON Lines (``.jsonl``), JSON records, or a DataFrame.
    score, comment, id, date : str, optional
        Column names. When not given they are found by English or German headers
        ("NPS", "Weiterempfehlung", "Kommentar", "Begründung", "Datum", ...). Without an id
        column, ids ``r<row>`` are made from the row numbers; date is optional.
    segments : list of str, optional
        Columns to compare NPS across. By default every other column with 2–20 distinct values.
    scale : {"0-10", "1-10"}
        The answer scale. Groups are the same on both (detractor ≤ 6, passive 7–8,
        promoter 9–10); on "1-10" a 0 is invalid.
    errors : {"report", "raise"}
        "report" keeps going and lists each bad row in ``report.rejected``; "raise" raises
        :class:`~nps_text.errors.ScoreError` naming the first bad rows.
    sheet : str or int, optional
        Excel sheet name, or number counted from 0 (default: the first).
    dayfirst : bool, optional
        Whether dates are day/month. By default dotted dates (31.12.2025) are day first, and
        slashed dates are day first when some day is above 12, else month first with a warning.

    Returns
    -------
    LoadedSurvey
        ``(responses, report)``. ``responses`` has ``response_id, score, nps_group, comment,
        has_comment``, ``date`` when there is one, the segment and all other source columns,
        and ``source_row``.

    Examples
    --------
    >>> import pandas as pd
    >>> raw = pd.DataFrame({"NPS": ["10", "zehn", " 3 "], "Kommentar": ["Top", "gut", None]})
    >>> responses, report = load_survey(raw)
    >>> responses["score"].tolist(), report.rows_rejected
    ([10, 3], 1)
    """
    if scale not in SCALES:
        raise ParameterError(f"scale must be one of {list(SCALES)}, got {scale!r}. Pass scale='0-10' (standard NPS).")
    if errors not in ("report", "raise"):
        raise ParameterError(f"errors must be 'report' or 'raise', got {errors!r}.")
    return load_table(read_table(source, sheet=sheet), score=score, comment=comment, id=id, date=date,
                      segments=segments, scale=scale, errors=errors, dayfirst=dayfirst)


def load_table(
    table: RawTable,
    *,
    score: str | None = None,
    comment: str | None = None,
    id: str | None = None,  # noqa: A002
    date: str | None = None,
    segments: list[str] | None = None,
    scale: Literal["0-10", "1-10"] = "0-10",
    errors: Literal["report", "raise"] = "report",
    dayfirst: bool | None = None,
    piece: bool = False,
) -> LoadedSurvey:
    """:func:`load_survey` of a table already read (:func:`~nps_text.io.readers.read_table`).

    ``piece=True`` is for one piece of a longer input (:func:`~nps_text.io.iter_survey`): a piece
    with no usable row gives an empty responses table and its report instead of an error.
    """
    if scale not in SCALES:
        raise ParameterError(f"scale must be one of {list(SCALES)}, got {scale!r}. Pass scale='0-10' (standard NPS).")
    blank = table.frame.isna().all(axis=1)
    raw = table.frame[~blank]
    if len(raw) == 0 and not piece:
        raise SurveyFileError(
            f"'{table.source}' has a header but no data rows (columns: {list(raw.columns)}). Export the responses too."
        )
    cols = _map_columns(raw, table, score=score, comment=comment, id=id, date=date)
    rows = pd.Series(raw.index, index=raw.index) + table.header_rows + 1  # as numbered in the file
    low, high = SCALES[scale]
    overflow_rejected, overflow_warning = _overflow(raw, table, cols, rows)
    parsed = [(None, "") if i in overflow_rejected else _parse_score(v, low, high)
              for i, v in zip(raw.index, raw[cols["score"]].tolist())]
    rejected = [
        RejectedRow(int(rows.iloc[i]), cols["score"], raw[cols["score"]].iloc[i], reason)
        for i, (_, reason) in enumerate(parsed) if reason
    ] + list(overflow_rejected.values())
    keep = pd.Series([reason is None for _, reason in parsed], index=raw.index, dtype=bool)
    ids = raw[cols["id"]] if cols["id"] else ("r" + rows.astype(str))
    rejected += _duplicate_ids(ids, keep, rows, cols["id"] or "(row number)")
    if errors == "raise" and rejected:
        raise ScoreError(_raise_message(rejected, cols["score"]))
    if not keep.any() and not piece:
        raise ScoreError(
            f"None of the {len(raw)} rows has a valid {scale} score in column {cols['score']!r}. "
            f"{_raise_message(rejected, cols['score'], skippable=False)}"
        )
    segment_cols = _segments(raw, segments, cols)
    responses, warnings = _build(raw[keep], ids[keep], [p for p, _ in parsed], keep, rows[keep], cols, scale,
                                 dayfirst)
    warnings += _scale_warnings(responses["score"]) + overflow_warning + _unbalanced_warning(table, raw, rows)
    if blank.any():
        shown = ", ".join(str(int(i) + table.header_rows + 1) for i in blank[blank].index[:10])
        warnings.insert(0, f"Skipped {int(blank.sum())} blank row(s) with no value in any column: {shown}.")
    report = LoadReport(
        source=table.source, format=table.format, encoding=table.encoding, delimiter=table.delimiter,
        sheet=table.sheet, rows_read=len(raw), rows_kept=len(responses), columns=cols,
        segments=segment_cols, scale=scale, source_columns=[str(c) for c in raw.columns], empty_comments=int((~responses["has_comment"]).sum()),
        rejected=sorted(rejected, key=lambda r: r.row), warnings=warnings,
    )
    return LoadedSurvey(responses, report)


def _map_columns(raw: pd.DataFrame, table: RawTable, **given: str | None) -> dict[str, str | None]:
    cols: dict[str, str | None] = {}
    for role in ("score", "comment", "id", "date"):
        if given[role] is not None:
            cols[role] = resolve_column(raw, given[role], role)
    for role in ("score", "comment", "id", "date"):
        if role not in cols:
            taken = {c for c in cols.values() if c}
            try:
                cols[role] = guess_column(raw, role, exclude=taken, required=role == "score")
            except ColumnError as exc:
                if table.other_sheets_hint():
                    raise ColumnError(f"{exc}{table.other_sheets_hint()}") from None
                raise
    return {role: cols[role] for role in ("score", "comment", "id", "date")}


def _overflow(raw: pd.DataFrame, table: RawTable, cols: dict[str, str | None],
              rows: pd.Series) -> tuple[dict[int, RejectedRow], list[str]]:
    """Rows of a delimited file with more fields than its header: (rejected by index, warnings).

    When the comment is the last column, the extra fields can only be the rest of a comment that
    held an unquoted delimiter: the row is kept, comment whole, with a warning. Otherwise nobody can
    tell which value the extra field belongs to, and the row is rejected with its field count.
    """
    present = {i: n for i, n in table.overflow.items() if i in raw.index}
    if not present:
        return {}, []
    width, last = len(raw.columns), str(raw.columns[-1])
    shown = _row_numbers(rows, present)
    if cols["comment"] == last:
        return {}, [f"{len(present)} row(s) had more fields than the header's {width} (row {shown}): an unquoted "
                    f"{table.delimiter!r} inside the comment, the last column. The extra fields were kept as part "
                    "of the comment; quote comments in the export to avoid this."]
    rejected = {i: RejectedRow(int(rows[i]), "(whole row)", table.delimiter.join(str(v) for v in raw.loc[i] if v),
                               f"the row has {n} fields but the header has {width}, so its values cannot be "
                               f"matched to columns (an unquoted {table.delimiter!r} inside a value?); quote that "
                               "value in the export")
                for i, n in present.items()}
    return rejected, []


def _row_numbers(rows: pd.Series, indices) -> str:
    """The file row numbers of the first ten ``indices``, for a warning."""
    return ", ".join(str(int(rows[i])) for i in list(indices)[:10])


def _unbalanced_warning(table: RawTable, raw: pd.DataFrame, rows: pd.Series) -> list[str]:
    present = [i for i in table.unbalanced if i in raw.index]
    if not present:
        return []
    shown = _row_numbers(rows, present)
    return [f"{len(present)} row(s) hold a quote that does not close where it should (row {shown}); each was read "
            f"as written, split at every {table.delimiter!r}, so that it cannot swallow the rows after it. Check "
            "those rows in the export."]


def _parse_score(raw: str | None, low: int, high: int) -> tuple[int | None, str | None]:
    """Return (score, None) or (None, reason)."""
    if raw is None or not str(raw).strip():
        return None, "empty score"
    text = str(raw).strip()
    if _DECIMAL_COMMA.match(text):
        text = text.replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        return None, "score is not a number"
    if not math.isfinite(value):
        return None, "score is not a finite number"
    if not value.is_integer():
        return None, f"fractional score (NPS answers are whole numbers {low}-{high})"
    if not low <= value <= high:
        hint = " (a 0-10 survey? pass scale='0-10')" if value == 0 and low == 1 else ""
        return None, f"score outside the {low}-{high} scale{hint}"
    return int(value), None


def _duplicate_ids(ids: pd.Series, keep: pd.Series, rows: pd.Series, column: str) -> list[RejectedRow]:
    valid = ids[keep]
    first_row = {}
    out = []
    for idx, value in valid.items():
        if value is None:
            continue
        if value in first_row:
            out.append(RejectedRow(int(rows[idx]), column, value,
                                   f"duplicate response id (first seen on row {first_row[value]})"))
            keep[idx] = False
        else:
            first_row[value] = int(rows[idx])
    return out


def _raise_message(rejected: list[RejectedRow], score_col: str, *, skippable: bool = True) -> str:
    shown = "; ".join(f"row {r.row}: " + ("empty" if r.value is None else repr(r.value)) + f" ({r.reason})"
                      for r in rejected[:5])
    more = f" and {len(rejected) - 5} more" if len(rejected) > 5 else ""
    skip = "pass errors='report' (CLI: --errors report) to skip them with a report, " if skippable else ""
    return (
        f"{len(rejected)} invalid row(s): {shown}{more}. Fix these rows in the export, {skip}or pass score='<column>' "
        f"(CLI: --score COLUMN) if {score_col!r} is not the 0-10 recommendation question."
    )


def _segments(raw: pd.DataFrame, segments: list[str] | None, cols: dict[str, str | None]) -> list[str]:
    if segments is not None:
        if isinstance(segments, str):
            segments = [segments]
        return [resolve_column(raw, s, "segment") for s in segments]
    taken = {c for c in cols.values() if c}
    return [
        c for c in raw.columns
        if c not in taken and 2 <= raw[c].nunique(dropna=True) <= min(_MAX_SEGMENT_LEVELS, max(2, len(raw) // 2))
    ]


def _build(raw, ids, scores, keep, rows, cols, scale, dayfirst) -> tuple[pd.DataFrame, list[str]]:
    kept_scores = pd.Series([s for s, k in zip(scores, keep) if k], index=raw.index, dtype="Int64")
    comment = raw[cols["comment"]] if cols["comment"] else pd.Series(None, index=raw.index, dtype=object)
    comment = comment.map(clean_comment, na_action="ignore").astype("string")
    out = pd.DataFrame({
        "response_id": ids.astype("string"),
        "score": kept_scores,
        "nps_group": nps_group(kept_scores, scale=scale),
        "comment": comment,
        "has_comment": comment.fillna("").str.strip().ne("").astype(bool),
    }, index=raw.index)
    warnings: list[str] = []
    if cols["comment"] is None:
        warnings.append("No comment column found by its header; only scores were loaded. "
                        "Pass comment='<column>' (CLI: --comment) to analyse comments.")
    if cols["date"]:
        out["date"], bad, note = _parse_dates(raw[cols["date"]], dayfirst)
        if note:
            warnings.append(note)
        if bad.any():
            shown = ", ".join(f"row {int(rows[i])}: {raw.at[i, cols['date']]!r}" for i in bad[bad].index[:5])
            warnings.append(f"{int(bad.sum())} date(s) in {cols['date']!r} could not be read and were left "
                            f"empty (the rows are kept): {shown}. Use ISO (2025-03-31) or dd.mm.yyyy dates.")
    taken = {c for c in cols.values() if c}
    for c in raw.columns:
        if c not in taken:
            out[c if c not in CANONICAL_COLUMNS else f"{c}_source"] = raw[c]
    out["source_row"] = rows.astype("int64")
    return out.reset_index(drop=True), warnings


_ENTITY = re.compile(r"&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u2060\ufeff\u00ad"))  # zero-width space, word joiner, BOM, soft hyphen


def clean_comment(text: str) -> str:
    """The comment as a person reads it: NFC (decomposed umlauts composed), HTML entities and
    ``<br>`` from web exports decoded, invisible characters removed.

    >>> clean_comment("Gro\\u0308ße &amp; Preis<br>passt\\u200b").splitlines()
    ['Größe & Preis', 'passt']
    """
    text = unicodedata.normalize("NFC", str(text)).translate(_INVISIBLE)
    if "&" in text and _ENTITY.search(text):
        text = html.unescape(text)
    return _BREAK.sub("\n", text) if "<" in text else text


def _infer_dayfirst(text: pd.Series) -> tuple[bool, str | None]:
    """Day first for dotted dates (German); for d/m/y slashes, decide from the whole column."""
    if text.str.match(_DOTTED_DATE).any():
        return True, None
    parts = text.str.extract(_SLASHED_DATE).dropna().astype(int)
    if parts.empty:
        return False, None
    if (parts[0] > 12).any():
        return True, None
    if (parts[1] > 12).any():
        return False, None
    return False, ("Dates like {!r} could be day/month or month/day; they were read as month/day (US). "
                   "Pass dayfirst=True (CLI: --dayfirst) if they are day/month.").format(text.iloc[0])


def _parse_dates(values: pd.Series, dayfirst: bool | None) -> tuple[pd.Series, pd.Series, str | None]:
    text = values.astype("string").str.strip()
    present = text.notna() & text.ne("")
    note = None
    if dayfirst is None:
        dayfirst, note = _infer_dayfirst(text[present])
    iso = present & text.str.match(_ISO_DATE).fillna(False)  # never day-first, whatever the column says
    parsed = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns, UTC]")
    for mask, options in ((iso, {"format": "ISO8601"}), (present & ~iso, {"format": "mixed", "dayfirst": dayfirst})):
        if mask.any():
            parsed[mask] = pd.to_datetime(text[mask], errors="coerce", utc=True, **options)
    parsed = parsed.dt.tz_localize(None)
    return parsed, present & parsed.isna(), note


def _scale_warnings(scores: pd.Series) -> list[str]:
    if len(scores) >= 10 and scores.max() <= 5:
        return [f"All {len(scores)} scores are 5 or below: this looks like a 1-5 rating, not the 0-10 "
                "recommendation question, and the NPS will be meaningless. Pass score='<column>' "
                "(CLI: --score COLUMN) for the 0-10 question."]
    return []


_NOT_SEGMENTS = {"response_id", "score", "nps_group", "comment", "has_comment", "source_row"}


def resolve_segments(responses: pd.DataFrame, by: str | list[str] | None,
                     report: LoadReport | None = None) -> list[str]:
    """Map segment names as the user knows them to columns of ``responses``.

    A name may be a column of ``responses``, a header of the source file (``"Datum"`` for
    ``date``), in any letter case. Score, comment and id columns are not segments.

    >>> import pandas as pd
    >>> resolve_segments(pd.DataFrame({"score": [9], "Region": ["Nord"]}), ["region"])
    ['Region']
    """
    if by is None:
        return []
    names = [by] if isinstance(by, str) else list(by)
    renamed = {src.casefold(): role for role, src in (report.columns if report else {}).items() if src}
    columns = {str(c).casefold(): str(c) for c in responses.columns}
    choices = [c for c in map(str, responses.columns) if c not in _NOT_SEGMENTS | {"date"}]
    out = []
    for name in names:
        key = str(name).casefold()
        column = columns.get(key) or ("date" if renamed.get(key) == "date" else None)
        if column is None or column in _NOT_SEGMENTS or renamed.get(key) in ("score", "comment", "id"):
            what = "is not a segment column" if column or key in renamed else "not found"
            close = closest_column(str(name), choices)
            hint = f" Did you mean {close!r}?" if close else ""
            raise ColumnError(f"Segment {name!r} {what}.{hint} Segment columns available: {choices}. "
                              "Pass one of them (Python: by=['<column>']; CLI: --by COLUMN).")
        out.append(column)
    return out
