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

from .errors import ColumnError
from .export import round_table, write_table
from .scoring import nps_summary, target_progress
from .segments import nps_by, nps_by_period
from .survey import LoadReport, load_survey, resolve_segments

__all__ = ["score_survey", "summary_frame", "analyze", "AnalysisResult", "tag_survey", "TaggedSurvey", "to_jsonable",
           "discover_survey", "DiscoveredSurvey"]

_STATS = ["n", "promoters", "passives", "detractors", "nps", "ci_low", "ci_high", "margin_of_error", "warning"]
SEGMENT_COLUMNS = ["column", "value", *_STATS, "diff_vs_rest", "p_value_vs_rest"]
PERIOD_COLUMNS = ["period", "period_start", *_STATS, "change", "change_p_value", "change_significant"]


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
        "target": target_progress(responses["score"], target, level=level) if target is not None else None,
        "rows_read": report.rows_read if report else len(responses),
        "rejected": report.rows_rejected if report else 0,
        "load_warnings": list(report.warnings) if report else [],
    }
    return to_jsonable(result)


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
    for column in ("n", "promoters", "passives", "detractors", "rows_read", "rejected"):
        if column in frame:
            frame[column] = frame[column].astype("Int64")
    return frame


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
        Where to write ``summary.json``, ``load_report.json``, ``nps_by_segment.csv``,
        ``nps_by_period.csv``, ``rejected_rows.csv``, and the three tables as sheets of
        ``nps_tables.xlsx``. Nothing is written when None.
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
    by = report.segments if by is None else resolve_segments(responses, by, report)
    if period is None and "date" in responses and responses["date"].notna().any():
        period = "month"
    summary = score_survey(responses, by=by, period=period, target=target, level=level, report=report)
    tables = {
        "nps_by_segment": pd.DataFrame(summary["by"], columns=SEGMENT_COLUMNS),
        "nps_by_period": pd.DataFrame(summary["periods"], columns=PERIOD_COLUMNS),
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
        files.append(write_table(round_table(table), outdir / f"{name}.csv"))
    files.append(write_table(dict(result.tables), outdir / "nps_tables.xlsx"))  # Excel in any locale
    return files


@dataclass
class TaggedSurvey:
    """What ``tag_survey`` produced: the flagged responses, their sentences, and the mentions."""

    responses: pd.DataFrame
    sentences: pd.DataFrame
    mentions: pd.DataFrame
    report: LoadReport


def tag_survey(
    source: str | Path | pd.DataFrame,
    *,
    taxonomy: str | Path | None = None,
    model: str | Path | None = None,
    method: str = "rules",
    redact_pii: bool = False,
    **load_options: Any,
) -> TaggedSurvey:
    """Load a survey, prepare its comments and tag themes: rules or zero-shot on a taxonomy, or a trained model.

    Parameters
    ----------
    taxonomy : path, optional
        Taxonomy YAML (default: the bundled NPS taxonomy); used by ``method="rules"`` / ``"zero-shot"``.
    model : path, optional
        A folder saved by ``ThemeClassifier.save``; overrides ``method``.
    method : {"rules", "zero-shot"}
    redact_pii : bool
        Redact personal data before anything else (offsets then refer to ``comment_redacted``).
    """
    from .tagging import RuleTagger, ThemeClassifier, ZeroShotTagger
    from .text import prepare_text

    if model is None and method not in ("rules", "zero-shot"):
        from .errors import ParameterError

        raise ParameterError(f"method must be 'rules' or 'zero-shot', got {method!r}; or pass model=<folder>.")
    responses, report = load_survey(source, **load_options)
    responses, sentences = prepare_text(responses, redact_pii=redact_pii)
    if model is not None:
        tagger = ThemeClassifier.load(model)
    elif method == "zero-shot":
        tagger = ZeroShotTagger(taxonomy=taxonomy)
    else:
        tagger = RuleTagger(taxonomy)
    return TaggedSurvey(responses, sentences, tagger.tag(sentences), report)


@dataclass
class DiscoveredSurvey:
    """What ``discover_survey`` produced: responses, sentences, the discovery result, files written."""

    responses: pd.DataFrame
    sentences: pd.DataFrame
    discovery: Any  # nps_text.discover.DiscoveryResult
    report: LoadReport
    files: list[Path] = field(default_factory=list)


def discover_survey(
    source: str | Path | pd.DataFrame,
    *,
    outdir: str | Path | None = None,
    embedder: str = "e5",
    min_size: int | None = None,
    n_themes: int | None = None,
    seed: int = 0,
    redact_pii: bool = False,
    discovery: dict[str, Any] | None = None,
    **load_options: Any,
) -> DiscoveredSurvey:
    """Load a survey, prepare and embed its clauses, discover themes; optionally write the results.

    Writes to ``outdir``: ``themes.csv`` (one row per theme, with NPS), ``assignments.csv`` (one
    row per clause: theme or unassigned or filler), ``mentions.csv`` (the standard mentions table,
    ``source="discovery"``), ``taxonomy_draft.yaml``, ``discovery_report.json`` and the model
    folder ``model/`` (JSON + .npy).

    Parameters
    ----------
    embedder : str
        Embedding backend for the clauses (``"e5"``; ``"hashing"`` needs no model).
    min_size, n_themes, seed
        See :class:`~nps_text.discover.ThemeDiscovery`; ``discovery`` passes further parameters.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"score": [1, 9, 10] * 20, "comment": ["Viel zu teuer", "Schnelle Lieferung", "Lieferung pünktlich"] * 20})
    >>> out = discover_survey(frame, embedder="hashing", n_themes=2)
    >>> len(out.discovery.themes)
    2
    """
    from .discover import discover_themes
    from .embed import embed
    from .text import prepare_text

    responses, report = load_survey(source, **load_options)
    responses, sentences = prepare_text(responses, redact_pii=redact_pii)
    vectors = embed(sentences["text"].tolist(), embedder)
    result = discover_themes(sentences, vectors, responses=responses, min_size=min_size, n_themes=n_themes,
                             seed=seed, **(discovery or {}))
    out = DiscoveredSurvey(responses, sentences, result, report)
    if outdir is not None:
        outdir = Path(outdir)
        out.files = [write_table(round_table(result.themes), outdir / "themes.csv"),
                     write_table(round_table(result.assignments), outdir / "assignments.csv"),
                     write_table(result.mentions, outdir / "mentions.csv"),
                     result.to_taxonomy().save(outdir / "taxonomy_draft.yaml")]
        path = outdir / "discovery_report.json"
        path.write_text(json.dumps(to_jsonable({**result.report, "embedder": embedder}), indent=2), encoding="utf-8")
        out.files += [path, result.model.save(outdir / "model")]
    return out
