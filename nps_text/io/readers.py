"""Read a survey export into a DataFrame of raw strings.

Everything is read as text so that the loader can report the exact value a user typed
("zehn", "9,0", " 9 ") when it rejects a row. Delimited files get their encoding and
delimiter detected, because German exports are routinely ``;``-separated cp1252.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import logging
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable, Iterator

import pandas as pd

from ..errors import SurveyFileError

__all__ = ["RawTable", "read_table", "iter_table", "iter_records", "SUPPORTED_SUFFIXES"]

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
    # delimited files: frame index -> number of fields, for rows with more fields than the header; their
    # extra fields are joined (with the delimiter) into the last column, and the loader decides what to do
    overflow: dict[int, int] = field(default_factory=dict)
    unbalanced: tuple[int, ...] = ()  # delimited files: rows with a broken quote, read as written (see parse_delimited)

    def other_sheets_hint(self) -> str:
        """For a column error: the workbook's other sheets and how to pick one ("" unless it has several)."""
        if len(self.sheets) <= 1:
            return ""
        others = [name for name in self.sheets if name != self.sheet]
        return (f" This was sheet {self.sheet!r}; the workbook also has {others}: pass sheet='<name>' "
                "(CLI: --sheet NAME).")


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


def iter_table(source: str | Path | pd.DataFrame, *, rows: int = 10_000,
               sheet: str | int | None = None) -> Iterator[RawTable]:
    """:func:`read_table` in pieces of at most ``rows`` data rows, for files too big to hold at once.

    CSV/TSV, Parquet and JSON Lines are streamed: memory holds one piece, whatever the file's size.
    XLSX, JSON and DataFrames are read whole and then cut. Each piece's ``header_rows`` counts the
    rows above its first row, so the loader's row numbers are the file's.

    >>> import pandas as pd
    >>> [(len(t.frame), t.header_rows) for t in iter_table(pd.DataFrame({"score": range(5)}), rows=2)]
    [(2, 0), (2, 2), (1, 4)]
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        suffix = path.suffix.lower()
        if path.is_file() and path.stat().st_size > 0:
            if suffix in _DELIMITED:
                yield from _iter_delimited(path, rows=rows, tab=suffix in {".tsv", ".tab"})
                return
            if suffix in _PARQUET:
                yield from _iter_frames(path, "parquet", _parquet_batches(path, rows))
                return
            if suffix in _JSONL:
                yield from _iter_frames(path, "jsonl", pd.read_json(path, lines=True, dtype=False, chunksize=rows))
                return
    table = read_table(source, sheet=sheet)
    for start in range(0, max(len(table.frame), 1), rows):
        piece = table.frame.iloc[start:start + rows].reset_index(drop=True)
        yield replace(table, frame=piece, header_rows=table.header_rows + start,
                      overflow={i - start: n for i, n in table.overflow.items() if start <= i < start + rows},
                      unbalanced=tuple(i - start for i in table.unbalanced if start <= i < start + rows))


def _parquet_batches(path: Path, rows: int) -> Iterator[pd.DataFrame]:
    import pyarrow.parquet as pq  # pyarrow is pandas' Parquet engine; loaded only for Parquet input

    for batch in pq.ParquetFile(path).iter_batches(batch_size=rows):
        yield batch.to_pandas()


def _iter_frames(path: Path, fmt: str, frames: Iterable[pd.DataFrame]) -> Iterator[RawTable]:
    done = 0
    frames = iter(frames)
    while True:
        try:
            frame = next(frames)
        except StopIteration:
            return
        except Exception as exc:  # the underlying reader's message is the useful part
            raise SurveyFileError(f"Could not read '{path.name}' as {fmt} after row {done}: {exc}. "
                                  "Check that the file is a complete, valid export of that format.") from exc
        yield RawTable(_as_text(frame.reset_index(drop=True)), source=str(path), format=fmt, header_rows=done)
        done += len(frame)


def stream_encoding(path: Path) -> str:
    """:func:`detect_encoding` for a file of any size: decodes it block by block, holding one block."""
    with path.open("rb") as handle:
        head = handle.read(4)
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    for encoding in ("utf-8", "cp1252"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as handle:
                while block := handle.read(1 << 20):
                    decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    return "latin-1"


def _iter_delimited(path: Path, *, rows: int, tab: bool) -> Iterator[RawTable]:
    encoding = stream_encoding(path)
    with path.open("rb") as handle:
        head_bytes = handle.read(65536)
    with path.open(encoding=encoding, newline="") as handle:
        head = handle.read(65536)
    if head_bytes.startswith(b"PK\x03\x04") or _looks_binary(head_bytes, head, encoding):
        _read_delimited(path, tab=tab)  # raises the reader's own message for a workbook or a binary file
    with path.open(encoding=encoding, newline="") as handle:
        header_rows = 1
        excel_hint = _EXCEL_SEP_LINE.match(head)
        if excel_hint:  # Excel's "sep=;" first line names the delimiter
            delimiter = excel_hint.group(1)
            handle.readline()
            header_rows = 2
        else:
            delimiter = "\t" if tab else detect_delimiter(head)
        records = iter_records(handle, delimiter)
        first = next(records, None)
        if first is None or not any(field.strip() for field in first[0]):
            raise SurveyFileError(f"File '{path.name}' has no header line. Export it again, with column names.")
        header = _unique_names(first[0])
        done = 0
        while True:
            piece, overflow, unbalanced = [], {}, []
            for fields, broken in itertools.islice(records, rows):
                row, n_fields = _fit(fields, len(header), delimiter)
                if n_fields:
                    overflow[len(piece)] = n_fields
                if broken:
                    unbalanced.append(len(piece))
                piece.append(row)
            if not piece:
                return
            frame = pd.DataFrame(piece, columns=header, dtype=object).replace({"": None})
            yield RawTable(_as_text(frame), source=str(path), format="csv", encoding=encoding, delimiter=delimiter,
                           header_rows=header_rows + done, overflow=overflow, unbalanced=tuple(unbalanced))
            done += len(piece)


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
    es, dass ..."), so a file with one non-empty line is split as :func:`_header_delimiter` says.
    """
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    if len(lines) >= 2:
        try:
            return csv.Sniffer().sniff("\n".join(lines), delimiters=_DELIMITER_CANDIDATES).delimiter
        except csv.Error:
            pass
    return _header_delimiter(lines[0] if lines else "")


def _header_delimiter(header: str) -> str:
    """The candidate that splits a lone header line into the most name-like fields.

    Question texts hold commas ("Wie wahrscheinlich ist es, dass ..."), and a comma that starts a
    field with a space is prose, not a separator: fields are counted outside quotes, and a split
    whose fields start with a space loses to one whose fields do not.
    """
    best, best_key = ",", (0.0, 0)
    for candidate in _DELIMITER_CANDIDATES:
        fields = next(csv.reader([header], delimiter=candidate))
        if len(fields) < 2:
            continue
        tidy = sum(not f.startswith(" ") for f in fields[1:]) / (len(fields) - 1)
        key = (tidy, len(fields))
        if key > best_key:
            best, best_key = candidate, key
    return best


def _read_delimited(path: Path, *, tab: bool) -> RawTable:
    data = path.read_bytes()
    if data.startswith(b"PK\x03\x04"):
        raise SurveyFileError(
            f"'{path.name}' is an Excel workbook (or another zip file) with a text-file extension. "
            "Rename it to .xlsx, or export it from Excel as CSV."
        )
    encoding = detect_encoding(data)
    text = data.decode(encoding)
    if _looks_binary(data, text, encoding):
        raise SurveyFileError(
            f"'{path.name}' is not a text or spreadsheet export: it holds binary data (control bytes that "
            "no CSV contains). Export the survey as CSV, XLSX, Parquet or JSON Lines and pass that file."
        )
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
    header, records, overflow, unbalanced = parse_delimited(text, delimiter)
    frame = pd.DataFrame(records, columns=header, dtype=object).replace({"": None})
    logger.info("read %s: encoding=%s delimiter=%r rows=%d", path.name, encoding, delimiter, len(frame))
    return RawTable(_as_text(frame), source=str(path), format="csv", encoding=encoding, delimiter=delimiter,
                    header_rows=header_rows, overflow=overflow,
                    unbalanced=tuple(unbalanced))


def parse_delimited(text: str, delimiter: str) -> tuple[list[str], list[list[str | None]], dict[int, int], list[int]]:
    """Split delimited ``text`` into (header, rows, overflow, unbalanced), keeping every row.

    Rows shorter than the header are padded with ``None``. Trailing empty fields beyond the header
    are dropped (a trailing delimiter loses nothing). A row with more non-empty fields than the
    header keeps its extra fields joined into the last column, as they were written, and is listed
    in ``overflow`` (row index -> field count) so that the loader can keep or reject it. Header
    names are made unique and non-empty the way pandas does (``Unnamed: 2``, ``Kommentar.1``).

    A quote that does not close where CSV says it must (``"bad, really`` on one line, its partner
    lines later or never) would swallow the following rows into one value. Such a line is read as
    written instead, split at every delimiter, listed in ``unbalanced`` (row indices), and reading
    goes on with the next line, so no row disappears into another.

    Examples
    --------
    >>> header, rows, overflow, unbalanced = parse_delimited("score,comment\\n3,zu teuer, und langsam\\n9,gut,\\n", ",")
    >>> rows, overflow
    ([['3', 'zu teuer, und langsam'], ['9', 'gut']], {0: 3})
    >>> parse_delimited('id,comment\\n1,"bad\\n2,great\\n3,"ok"\\n', ",")[1:]
    ([['1', '"bad'], ['2', 'great'], ['3', 'ok']], {}, [0])
    """
    records, unbalanced_records = _records(text, delimiter)
    header = _unique_names(records[0] if records else [])
    rows, overflow = [], {}
    for index, fields in enumerate(records[1:]):
        row, n_fields = _fit(fields, len(header), delimiter)
        if n_fields:
            overflow[index] = n_fields
        rows.append(row)
    return header, rows, overflow, [r - 1 for r in unbalanced_records if r > 0]


def _fit(fields: list[str], width: int, delimiter: str) -> tuple[list[str | None], int]:
    """A record fitted to the header's width, and its field count when it overflowed (else 0)."""
    while len(fields) > width and fields[-1] == "":
        fields = fields[:-1]
    overflowed = len(fields) if len(fields) > width else 0
    if overflowed:
        fields = fields[:width - 1] + [delimiter.join(fields[width - 1:])]
    return fields + [None] * (width - len(fields)), overflowed


def _records(text: str, delimiter: str) -> tuple[list[list[str]], list[int]]:
    """The records of ``text`` by the strict CSV rules, resynchronising after a line with a broken quote.

    Returns the records and the indices of those read as written (a broken line: split at every
    delimiter, quotes kept as characters).
    """
    records: list[list[str]] = []
    unbalanced: list[int] = []
    for fields, broken in iter_records(io.StringIO(text, newline=""), delimiter):
        if broken:
            unbalanced.append(len(records))
        records.append(fields)
    return records, unbalanced


def iter_records(lines: Iterable[str], delimiter: str) -> Iterator[tuple[list[str], bool]]:
    """``(fields, broken)`` for each record of ``lines`` (split at LF, CRLF, CR only), one at a time.

    The strict CSV rules apply; a record whose quote never closes properly is read as written
    instead (its first line split at every delimiter, ``broken=True``) and reading resumes at the
    next line, so no row disappears into another. Only the lines of the record being read are held.

    >>> list(iter_records(io.StringIO('a,b\\n"x,1\\ny,2\\n'), ","))
    [(['a', 'b'], False), (['"x', '1'], True), (['y', '2'], False)]
    """
    source = iter(lines)
    replay: list[str] = []  # lines to read again after a broken record
    while True:
        pending: list[str] = []  # the lines of the record being read

        def feed() -> Iterator[str]:
            while replay:
                pending.append(replay.pop(0))
                yield pending[-1]
            for line in source:
                pending.append(line)
                yield line

        reader = csv.reader(feed(), delimiter=delimiter, strict=True)
        try:
            for fields in reader:
                pending.clear()
                yield fields, False
            return
        except csv.Error:
            yield pending[0].rstrip("\r\n").split(delimiter), True
            replay = pending[1:] + replay


def _unique_names(names: list[str]) -> list[str]:
    out: list[str] = []
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        name = name.strip() or f"Unnamed: {i}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        seen.setdefault(name, 0)
        out.append(name)
    return out


def _looks_binary(data: bytes, text: str, encoding: str) -> bool:
    """NUL bytes outside UTF-16, or more than 1 % control characters among the first 64 KiB."""
    if not encoding.startswith("utf-16") and b"\x00" in data[:65536]:
        return True
    head = text[:65536]
    controls = sum(1 for ch in head if ord(ch) < 32 and ch not in "\t\r\n\x0c")
    return controls > max(2, len(head) // 100)
