"""Write tables that are safe to open in a spreadsheet.

Survey comments and segment labels are untrusted text. A cell that starts with ``=``, ``+``,
``-``, ``@``, TAB or CR is run as a formula by Excel and LibreOffice (CSV/formula injection),
so text cells starting with one of them get a leading apostrophe. Numbers are left alone.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .errors import ParameterError

__all__ = ["neutralise_formulas", "write_table"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _neutralise_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
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


def write_table(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` to ``.csv`` (UTF-8 with BOM, so Excel shows umlauts) or ``.xlsx``, formula-safe."""
    path = Path(path)
    safe = neutralise_formulas(frame)
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        safe.to_csv(path, index=False, encoding="utf-8-sig")
    elif suffix == ".xlsx":
        safe.to_excel(path, index=False, engine="openpyxl")
    else:
        raise ParameterError(f"Cannot write a table to '{path.name}': use a .csv or .xlsx file name.")
    return path
