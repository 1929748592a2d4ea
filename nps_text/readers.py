"""Read a survey export into a DataFrame of raw strings.

Everything is read as text so that the loader can report the exact value a user typed
("zehn", "9,0", " 9 ") when it rejects a row. Delimited files get their encoding and
delimiter detected, because German exports are routinely ``;``-separated cp1252.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import SurveyFileError

__all__ = ["RawTable", "read_table", "SUPPORTED_SUFFIXES"]

logger = logging.getLogger(__name__)

_DELIMITED = {".csv", ".tsv", ".txt", ".tab"}
_EXCEL = {".xlsx", ".xlsm"}
_PARQUET = {".parquet", ".pq"}
_JSONL = {".jsonl", ".ndjson"}
_JSON = {".json"}
SUPPORTED_SUFFIXES = sorted(_DELIMITED | _EXCEL | _PARQUET | _JSONL | _JSON)
_DELIMITER_CANDIDATES = ",;\t|"
_EXCEL_SEP_LINE = re.compile(r"^\ufeff?sep=(.)[ \t]*\r?\n")


@dataclass(frozen=True)
class RawTable:
    """A table of raw cell values plus how it was read."""

    frame: pd.DataFrame
    source: str
    format: str
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    header_rows: int = 1  # rows above the first data row, for spreadsheet-style row numbers
    sheets: tuple[str, ...] = ()  # all sheet names of a workbook


def read_table(source: str | Path | pd.DataFrame, *, sheet: str | int | None = None) -> RawTable:
    """Read ``source`` into a :class:`RawTable` of strings (missing cells are ``None``).

    Examples
    --------
    >>> import pandas as pd
    >>> read_table(pd.DataFrame({"score": [9, 3]})).frame["score"].tolist()
    ['9', '3']
    """
    if isinstance(source, pd.DataFrame):
        return RawTable(_as_text(source.copy()), source="<DataFrame>", format="dataframe", header_rows=0)
    if not isinstance(source, (str, Path)):
        raise SurveyFileError(
            f"Cannot read a survey from {type(source).__name__}. "
            "Pass a file path (CSV, TSV, XLSX, Parquet, JSONL) or a pandas DataFrame."
        )
    path = Path(source)
    if not path.exists():
        raise SurveyFileError(
            f"File '{path}' does not exist (looked in {Path.cwd()}). "
            "Check the path, or pass an absolute path."
        )
    if path.is_dir():
        raise SurveyFileError(f"'{path}' is a folder, not a file. Pass the export file inside it.")
    if path.stat().st_size == 0:
        raise SurveyFileError(f"File '{path}' is empty (0 bytes). Export it again.")
    suffix = path.suffix.lower()
    if suffix in _DELIMITED:
        return _read_delimited(path, tab=suffix in {".tsv", ".tab"})
    if suffix in _EXCEL:
        return _read_excel(path, sheet)
    if suffix in _PARQUET:
        return _wrap_reader(path, "parquet", lambda: pd.read_parquet(path))
    if suffix in _JSONL:
        return _wrap_reader(path, "jsonl", lambda: pd.read_json(path, lines=True, dtype=False))
    if suffix in _JSON:
        return _wrap_reader(path, "json", lambda: pd.read_json(path, dtype=False))
    if suffix == ".xls":
        raise SurveyFileError(
            f"'{path.name}' is an old Excel 97 .xls file, which nps-text does not read. "
            "Open it in Excel or LibreOffice and save it as .xlsx or .csv."
        )
    raise SurveyFileError(
        f"Unknown survey file type '{suffix or '(no extension)'}' for '{path.name}'. "
        f"Supported: {', '.join(SUPPORTED_SUFFIXES)}. Rename or convert the export."
    )


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as ``str`` or ``None``; integral floats from Excel lose their ``.0``."""

    def cell(value: object) -> str | None:
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return None
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        if isinstance(value, pd.Timestamp):
            return value.isoformat()
        return str(value)

    frame.columns = [str(c).strip() for c in frame.columns]
    return pd.DataFrame(
        {c: pd.Series([cell(v) for v in frame[c].tolist()], dtype=object) for c in frame.columns},
        columns=frame.columns,
    )


def _wrap_reader(path: Path, fmt: str, read) -> RawTable:
    try:
        frame = read()
    except Exception as exc:  # the underlying reader's message is the useful part
        raise SurveyFileError(
            f"Could not read '{path.name}' as {fmt}: {exc}. "
            "Check that the file is a complete, valid export of that format."
        ) from exc
    return RawTable(_as_text(frame), source=str(path), format=fmt, header_rows=0)


def _read_excel(path: Path, sheet: str | int | None) -> RawTable:
    try:
        book = pd.ExcelFile(path, engine="openpyxl")
    except Exception as exc:
        raise SurveyFileError(
            f"Could not open '{path.name}' as an Excel workbook: {exc}. "
            "Check that the file is a valid .xlsx export."
        ) from exc
    with book:
        names = [str(n) for n in book.sheet_names]
        chosen = names[0] if sheet is None else sheet
        if str(chosen) in names:
            chosen = str(chosen)
        elif isinstance(chosen, str) and chosen.isdigit():
            chosen = int(chosen)
        if isinstance(chosen, int):
            if not 0 <= chosen < len(names):
                raise SurveyFileError(
                    f"Sheet {chosen} does not exist in '{path.name}': it has {len(names)} sheet(s): "
                    f"{names}. Pass a sheet name, or a number counted from 0 (CLI: --sheet NAME)."
                )
            chosen = names[chosen]
        if chosen not in names:
            raise SurveyFileError(
                f"Sheet '{chosen}' not found in '{path.name}'. Available sheets: {names}. "
                "Pass sheet='<name>' (CLI: --sheet)."
            )
        frame = pd.read_excel(book, sheet_name=chosen, dtype=object)
    if len(names) > 1 and sheet is None:
        logger.info("'%s' has %d sheets; read the first, '%s'", path.name, len(names), chosen)
    return RawTable(_as_text(frame), source=str(path), format="xlsx", sheet=str(chosen), sheets=tuple(names))


def detect_encoding(data: bytes) -> str:
    """Name the encoding of ``data``: UTF-8 (with or without BOM), UTF-16 with BOM, cp1252 or latin-1."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    for encoding in ("utf-8", "cp1252"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    return "latin-1"  # decodes any byte sequence


def detect_delimiter(text: str) -> str:
    """Pick the delimiter among ``, ; TAB |`` that splits the first lines most consistently.

    A header alone is no evidence of consistency (every character splits one line "consistently",
    and the sniffer would then prefer the comma inside a question such as "Wie wahrscheinlich ist
    es, dass ..."), so a file with one non-empty line is split at its most frequent candidate.
    """
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    if len(lines) >= 2:
        try:
            return csv.Sniffer().sniff("\n".join(lines), delimiters=_DELIMITER_CANDIDATES).delimiter
        except csv.Error:
            pass
    header = lines[0] if lines else ""
    counts = {d: header.count(d) for d in _DELIMITER_CANDIDATES}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _read_delimited(path: Path, *, tab: bool) -> RawTable:
    data = path.read_bytes()
    if data.startswith(b"PK\x03\x04"):
        raise SurveyFileError(
            f"'{path.name}' is an Excel workbook (or another zip file) with a text-file extension. "
            "Rename it to .xlsx, or export it from Excel as CSV."
        )
    encoding = detect_encoding(data)
    text = data.decode(encoding)
    if not text.strip():
        raise SurveyFileError(f"File '{path.name}' contains only blank lines. Export it again.")
    header_rows = 1
    excel_hint = _EXCEL_SEP_LINE.match(text)
    if excel_hint:  # Excel's "sep=;" first line names the delimiter
        delimiter = excel_hint.group(1)
        text = text[excel_hint.end():]
        header_rows = 2
    else:
        delimiter = "\t" if tab else detect_delimiter(text)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            dtype=str,
            keep_default_na=False,
            na_values=[],
            skip_blank_lines=False,  # keep them, so that row numbers are those of the file
        )
    except (pd.errors.ParserError, ValueError) as exc:
        reason = " ".join(str(exc).split())
        raise SurveyFileError(
            f"Could not parse '{path.name}' as delimited text (encoding {encoding}, "
            f"delimiter {delimiter!r}): {reason}. Check for unbalanced quotes or a truncated export."
        ) from exc
    frame = frame.replace({"": None})
    logger.info("read %s: encoding=%s delimiter=%r rows=%d", path.name, encoding, delimiter, len(frame))
    return RawTable(_as_text(frame), source=str(path), format="csv", encoding=encoding, delimiter=delimiter,
                    header_rows=header_rows)
