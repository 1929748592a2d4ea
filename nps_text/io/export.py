"""Write tables that are safe to open in a spreadsheet.

Survey comments and segment labels are untrusted text. A cell that starts with ``=``, ``+``,
``-``, ``@``, TAB or CR is run as a formula by Excel and LibreOffice (CSV/formula injection),
so text cells starting with one of them get a leading apostrophe. Numbers are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from .._core.results import to_jsonable  # noqa: F401  (re-exported: its 0.1 home)
from ..errors import ParameterError

__all__ = ["neutralise_formulas", "round_table", "to_jsonable", "write_table"]

_P_OR_Q = re.compile(r"(p_value|q_value|_p$|_q$)")  # p- and q-values keep their small magnitudes
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")  # "-1" is a number to Excel, not a formula


def _neutralise_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy in which text cells that a spreadsheet would run as formulas are quoted.

    >>> import pandas as pd
    >>> neutralise_formulas(pd.DataFrame({"c": ["=1+1", "ok"], "n": [-1, 2]}))["c"].tolist()
    ["'=1+1", 'ok']
    """
    out = frame.copy()
    for column in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[column]) or pd.api.types.is_bool_dtype(out[column])):
            out[column] = out[column].map(_neutralise_cell).astype(object)
    return out


def round_table(frame: pd.DataFrame, digits: int = 4) -> pd.DataFrame:
    """Round float columns for people, except p-values, which keep their small magnitudes."""
    numeric = frame.select_dtypes("number").columns
    return frame.round({c: digits for c in numeric if not _P_OR_Q.search(str(c))})


def write_table(frame: pd.DataFrame | Mapping[str, pd.DataFrame], path: str | Path, *, sep: str = ",") -> Path:
    """Write a table, formula-safe, to ``.csv`` (UTF-8 with BOM so Excel shows umlauts) or ``.xlsx``;
    or, as it is, to ``.parquet`` (typed values that no spreadsheet runs as formulas).

    A mapping of name to frame writes one sheet each to ``.xlsx``. ``sep=";"`` gives the CSV
    that German-locale Excel opens in columns.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".parquet") or (suffix != ".xlsx" and not isinstance(frame, pd.DataFrame)):
        raise ParameterError(f"Cannot write to '{path.name}': use a .csv file name for one table, or .xlsx "
                             "(or .parquet for one table).")
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".parquet":
        frame.to_parquet(path, index=False)
        return path
    if suffix == ".csv":
        neutralise_formulas(frame).to_csv(path, index=False, encoding="utf-8-sig", sep=sep,
                                          date_format="%Y-%m-%d" if _dates_only(frame) else None)
        return path
    sheets = {"table": frame} if isinstance(frame, pd.DataFrame) else frame
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, table in sheets.items():
            neutralise_formulas(table).to_excel(writer, sheet_name=str(name)[:31], index=False)
    return path


def _dates_only(frame: pd.DataFrame) -> bool:
    """Whether every datetime column holds dates without a time of day (written as 2025-12-31, not 00:00:00)."""
    columns = [frame[c] for c in frame.columns if pd.api.types.is_datetime64_any_dtype(frame[c])]
    return bool(columns) and all((c.dropna() == c.dropna().dt.normalize()).all() for c in columns)


