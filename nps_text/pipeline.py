"""The main jobs, composed from the library's steps: ``score_survey`` and ``analyze``.

This module only composes; the logic lives in survey, scoring and export.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .export import write_table
from .scoring import nps_by, nps_by_period, nps_summary, target_progress
from .survey import LoadReport, load_survey

__all__ = ["score_survey", "analyze", "AnalysisResult", "to_jsonable"]


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


def _segment_rows(responses: pd.DataFrame, by: list[str], level: float, min_n: int) -> pd.DataFrame:
    """NPS per value of each ``by`` column, stacked long: ``column, value, n, nps, ...``."""
    frames = []
    for column in by:
        table = nps_by(responses, column, level=level, min_n=min_n).rename(columns={column: "value"})
        table.insert(0, "column", column)
        table["value"] = table["value"].astype(str)
        frames.append(table)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def score_survey(
    responses: pd.DataFrame,
    *,
    by: list[str] | None = None,
    period: str | None = None,
    target: float | None = None,
    level: float = 0.95,
    min_n: int = 30,
    report: LoadReport | None = None,
) -> dict[str, Any]:
    """NPS of ``responses`` with interval, by segment, by period and against a target, as a JSON-safe dict.

    This dict is what ``nps-text score --format json`` prints; its keys are stable (see README).

    Examples
    --------
    >>> import pandas as pd
    >>> out = score_survey(pd.DataFrame({"score": [10, 9, 7, 3]}))
    >>> out["n"], out["nps"]
    (4, 25.0)
    """
    overall = nps_summary(responses["score"], level=level, min_n=min_n).to_dict()
    segments = _segment_rows(responses, list(by or []), level, min_n)
    periods = (
        nps_by_period(responses, period=period, level=level, min_n=min_n) if period else pd.DataFrame()
    )
    result = {
        **overall,
        "by": segments.to_dict(orient="records"),
        "period": period,
        "periods": periods.to_dict(orient="records"),
        "target": target_progress(responses["score"], target, level=level) if target is not None else None,
        "rows_read": report.rows_read if report else len(responses),
        "rejected": report.rows_rejected if report else 0,
    }
    return to_jsonable(result)


@dataclass
class AnalysisResult:
    """What ``analyze`` computed and where it wrote it."""

    summary: dict[str, Any]
    report: LoadReport
    responses: pd.DataFrame
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)


def analyze(
    source: str | Path | pd.DataFrame,
    *,
    outdir: str | Path | None = None,
    by: list[str] | None = None,
    period: str | None = None,
    target: float | None = None,
    level: float = 0.95,
    **load_options: Any,
) -> AnalysisResult:
    """The main job: load a survey, compute NPS overall, by segment and over time, write the tables.

    Parameters
    ----------
    source : path or DataFrame
        Anything :func:`~nps_text.load_survey` reads.
    outdir : path, optional
        Where to write ``summary.json``, ``nps_by_segment.csv``, ``nps_by_period.csv``,
        ``load_report.json`` and ``rejected_rows.csv``. Nothing is written when None.
    by : list of str, optional
        Segment columns; default: the segments ``load_survey`` found.
    period : {"week", "month", "quarter", "year"}, optional
        Default "month" when the survey has a date column.
    **load_options
        Passed to :func:`~nps_text.load_survey` (``score=``, ``comment=``, ``scale=``, ...).

    Examples
    --------
    >>> import pandas as pd
    >>> result = analyze(pd.DataFrame({"score": [10, 9, 3], "comment": ["top", "gut", "teuer"]}))
    >>> round(result.summary["nps"], 1)
    33.3
    """
    responses, report = load_survey(source, **load_options)
    by = report.segments if by is None else by
    if period is None and "date" in responses and responses["date"].notna().any():
        period = "month"
    summary = score_survey(responses, by=by, period=period, target=target, level=level, report=report)
    tables = {
        "nps_by_segment": pd.DataFrame(summary["by"]),
        "nps_by_period": pd.DataFrame(summary["periods"]),
        "rejected_rows": report.rejected_frame(),
    }
    result = AnalysisResult(summary=summary, report=report, responses=responses, tables=tables)
    if outdir is not None:
        result.files = _write_outputs(result, Path(outdir))
    return result


def _write_outputs(result: AnalysisResult, outdir: Path) -> list[Path]:
    outdir.mkdir(parents=True, exist_ok=True)
    files = []
    for name, payload in (("summary.json", result.summary), ("load_report.json", result.report.to_dict())):
        path = outdir / name
        path.write_text(json.dumps(to_jsonable(payload), indent=2, ensure_ascii=False), encoding="utf-8")
        files.append(path)
    for name, table in result.tables.items():
        files.append(write_table(table, outdir / f"{name}.csv"))
    return files
