"""The NPS job: ``score_survey`` (the JSON of ``nps-text score``) and its long-table form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from .._core.results import DictAccess, Result, to_jsonable
from ..errors import ColumnError
from ..io.load import LoadReport, resolve_segments
from ..stats.scores import TargetProgress, headline, nps_summary, target_progress
from ..stats.segments import nps_by, nps_by_period

_STATS = ["n", "promoters", "passives", "detractors", "nps", "ci_low", "ci_high", "margin_of_error", "warning"]
SEGMENT_COLUMNS = ["column", "value", *_STATS, "diff_vs_rest", "p_value_vs_rest"]
PERIOD_COLUMNS = ["period", "period_start", *_STATS, "change", "change_p_value", "change_significant"]



def _segment_rows(responses: pd.DataFrame, by: list[str], level: float, min_n: int) -> pd.DataFrame:
    """NPS per value of each ``by`` column, stacked long: ``column, value, n, nps, ...``."""
    frames = []
    for column in by:
        table = nps_by(responses, column, level=level, min_n=min_n).rename(columns={column: "value"})
        table.insert(0, "column", column)
        table["value"] = table["value"].astype(str)
        frames.append(table)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


@dataclass
class ScoreResult(DictAccess, Result):
    """What :func:`score_survey` computed.

    ``to_dict()`` is what ``nps-text score --format json`` prints (keys stable, see the docs'
    JSON contracts); ``to_frame()`` the same as one long table (``--format csv``); ``segments``
    and ``periods`` the two tables; ``summary()`` a few lines of text.
    """

    data: dict[str, Any]

    @property
    def segments(self) -> pd.DataFrame:
        """NPS per segment value: ``column, value, n, ..., diff_vs_rest, p_value_vs_rest``."""
        return pd.DataFrame(self.data["by"], columns=SEGMENT_COLUMNS)

    @property
    def periods(self) -> pd.DataFrame:
        """NPS per period with the change from the previous one."""
        return pd.DataFrame(self.data["periods"], columns=PERIOD_COLUMNS)

    @property
    def target(self) -> TargetProgress | None:
        """Progress against the target, when one was given."""
        return TargetProgress(**self.data["target"]) if self.data.get("target") else None

    def to_dict(self) -> dict[str, Any]:
        return self.data

    def to_frame(self) -> pd.DataFrame:
        return summary_frame(self.data)

    def summary(self) -> str:
        return score_text(self.data)


def score_text(data: dict[str, Any]) -> str:
    """The plain-text summary of a ``score_survey`` dict: headline, warning, last change, target."""
    lines = [headline(data)]
    if data.get("warning"):
        lines.append(data["warning"])
    periods = [p for p in data.get("periods") or [] if p.get("n")]
    if len(periods) >= 2 and periods[-1].get("change") is not None:
        last = periods[-1]
        moved = "a significant change" if last.get("change_significant") else "not a significant change"
        lines.append(f"{last['period']}: NPS {last['nps']:.1f}, {last['change']:+.1f} points on the previous "
                     f"{data['period']} ({moved}).")
    if data.get("target"):
        lines.append(TargetProgress(**data["target"]).summary())
    return "\n".join(lines)


def score_survey(
    responses: pd.DataFrame,
    *,
    by: list[str] | None = None,
    period: str | None = None,
    target: float | None = None,
    level: float = 0.95,
    min_n: int = 30,
    report: LoadReport | None = None,
) -> ScoreResult:
    """NPS of ``responses`` with interval, by segment, by period and against a target.

    ``score_survey(...).to_dict()`` is what ``nps-text score --format json`` prints; its keys are
    stable (see the JSON contracts in the docs).

    Examples
    --------
    >>> import pandas as pd
    >>> out = score_survey(pd.DataFrame({"score": [10, 9, 7, 3]}))
    >>> out.to_dict()["n"], out.to_dict()["nps"]
    (4, 25.0)
    >>> print(out.summary())
    NPS 25.0 (95% interval -44.2 to 72.7, ±58.4) from 4 responses: 2 promoters, 1 passive, 1 detractor.
    Only 4 responses: the NPS is very uncertain (±58 points); treat it as indicative.
    """
    overall = nps_summary(responses["score"], level=level, min_n=min_n).to_dict()
    segments = _segment_rows(responses, resolve_segments(responses, by, report), level, min_n)
    if period and ("date" not in responses or responses["date"].isna().all()):
        columns = report.source_columns if report else list(responses.columns)
        raise ColumnError(f"A trend by {period} needs a date column, and none was found by its header. "
                          f"Columns in the file: {columns}. Pass date='<column>' (CLI: --date COLUMN).")
    periods = (
        nps_by_period(responses, period=period, level=level, min_n=min_n) if period
        else pd.DataFrame(columns=PERIOD_COLUMNS)
    )
    result = {
        **overall,
        "by": segments.to_dict(orient="records"),
        "period": period,
        "periods": periods.to_dict(orient="records"),
        "target": target_progress(responses["score"], target, level=level).to_dict() if target is not None else None,
        "rows_read": report.rows_read if report else len(responses),
        "rejected": report.rows_rejected if report else 0,
        "rows_kept": report.rows_kept if report else len(responses),
        "rejected_rows": report.rejected_frame().to_dict(orient="records") if report else [],
        "load_warnings": list(report.warnings) if report else [],
    }
    return ScoreResult(to_jsonable(result))


def summary_frame(summary: dict[str, Any]) -> pd.DataFrame:
    """The ``score_survey`` dict as one long table: an overall row, segment rows, period rows.

    ``section`` says which; the overall row also carries the target comparison as columns.
    """
    flat = {k: v for k, v in summary.items() if not isinstance(v, (list, dict))}
    for key, value in (summary.get("target") or {}).items():
        if key in ("target", "gap", "p_value", "status"):
            flat[f"target_{key}" if key != "target" else "target"] = value
    rows = [{"section": "overall", "column": "", "value": "(all)", **flat}]
    rows += [{"section": "segment", **row} for row in summary.get("by", [])]
    rows += [{"section": "period", "column": summary.get("period"), "value": row.get("period"),
              **{k: v for k, v in row.items() if k != "period"}} for row in summary.get("periods", [])]
    frame = pd.DataFrame(rows)
    for column in ("n", "promoters", "passives", "detractors", "rows_read", "rejected", "rows_kept"):
        if column in frame:
            frame[column] = frame[column].astype("Int64")
    return frame


