"""The one way every result object shows itself: ``to_dict`` / ``to_frame`` / ``summary`` / ``_repr_html_``.

A result class (``NPSResult``, ``TargetProgress``, ``ScoreResult``, ``TaggedSurvey``,
``DriversResult``, ``AnalysisResult``, ``LoadReport``, ...) defines what it is as data:
``to_dict()`` (JSON-safe, the shape the CLI's ``--format json`` and ``summary.json`` write),
``to_frame()`` (its main table) and ``summary()`` (a few lines of plain text). Jupyter's rich
display (``_repr_html_``) and ``to_json`` are written once, here, from those three, so a shape is
defined in one place. Comments inside a result are untrusted text: the HTML escapes every cell.
"""

from __future__ import annotations

import html
import json
import math
import warnings
from typing import Any

import pandas as pd

MAX_HTML_ROWS = 20


def to_jsonable(value: Any) -> Any:
    """Turn numpy/pandas scalars, NaN/NA and timestamps into plain JSON values (NaN -> None)."""
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def format_p(value: Any) -> str:
    """A p-value as people read it: "<0.001", "0.042", or "–" when there is none."""
    if value is None or value != value:
        return "–"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def frame_html(frame: pd.DataFrame, max_rows: int = MAX_HTML_ROWS) -> str:
    """A compact, escaped HTML table of the first ``max_rows`` rows, saying how many were left out."""
    shown = frame.head(max_rows)
    table = shown.to_html(index=False, escape=True, border=0, na_rep="–", float_format=lambda v: f"{v:.3g}",
                          classes="nps-text-table")
    more = len(frame) - len(shown)
    return table + (f"<p><small>… {more} more rows (<code>.to_frame()</code> has them all)</small></p>" if more > 0 else "")


class Result:
    """Mixin: a result defines ``to_dict``, ``to_frame`` and ``summary``; display and JSON follow from them."""

    def to_dict(self) -> dict[str, Any]:  # pragma: no cover - every result overrides it
        """The result as a JSON-safe dict."""
        raise NotImplementedError

    def to_frame(self) -> pd.DataFrame:
        """The result's main table (an empty frame when it has none)."""
        return pd.DataFrame()

    def summary(self) -> str:  # pragma: no cover - every result overrides it
        """A few lines of plain text for a person."""
        raise NotImplementedError

    def to_json(self, indent: int | None = 2) -> str:
        """``to_dict()`` as JSON text (NaN as null, non-ASCII kept)."""
        return json.dumps(to_jsonable(self.to_dict()), indent=indent, ensure_ascii=False)

    def _repr_html_(self) -> str:
        head = f"<strong>{html.escape(type(self).__name__)}</strong>"
        text = "<br>".join(html.escape(line) for line in self.summary().splitlines())
        frame = self.to_frame()
        table = frame_html(frame) if frame is not None and len(frame.columns) else ""
        return f'<div class="nps-text-result">{head}<p>{text}</p>{table}</div>'


class DictAccess:
    """``result[key]`` on a result that used to be a dict in 0.1: still works, with a FutureWarning."""

    def __getitem__(self, key: str) -> Any:
        warnings.warn(f"{type(self).__name__} is a result object now: use result.to_dict()[{key!r}] (or its "
                      "attributes) instead of result[key].", FutureWarning, stacklevel=2)
        return self.to_dict()[key]  # type: ignore[attr-defined]


class TableSet(Result):
    """Mixin for a result made of named tables (``TABLES``): ``result["name"]``, ``keys()``, JSON as records."""

    TABLES: tuple[str, ...] = ()

    def __getitem__(self, key: str) -> pd.DataFrame:
        if key not in self.TABLES:
            raise KeyError(f"{key!r}: the tables are {list(self.TABLES)}")
        return getattr(self, key)

    def keys(self) -> tuple[str, ...]:
        """The names of the tables."""
        return self.TABLES

    def _tables_dict(self, **extra: Any) -> dict[str, Any]:
        """``extra`` first, then each table as a list of records, JSON-safe."""
        return to_jsonable({**extra, **{k: getattr(self, k).to_dict("records") for k in self.TABLES}})


def records(value: Any) -> list[dict[str, Any]]:
    """Records from a DataFrame or a list of mappings; ``[]`` for None."""
    if value is None:
        return []
    if isinstance(value, pd.DataFrame):
        return value.to_dict("records")
    return [dict(r) for r in value]
