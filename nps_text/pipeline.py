"""The main jobs, composed from the library's steps: ``score_survey`` and ``analyze``.

This module only composes; the logic lives in survey, scoring and export.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import ColumnError, ParameterError
from .export import round_table, write_table
from .scoring import nps_summary, target_progress
from .segments import nps_by, nps_by_period
from .survey import LoadReport, load_survey, resolve_segments

__all__ = ["score_survey", "summary_frame", "analyze", "AnalysisResult", "tag_survey", "tag_responses", "TaggedSurvey",
           "to_jsonable", "driver_tables", "drivers_summary", "drivers_survey", "DriversResult", "followup_survey", "read_mentions"]

logger = logging.getLogger(__name__)

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
    mentions: pd.DataFrame | None = None  # with taxonomy= or model=
    sentences: pd.DataFrame | None = None


def analyze(
    source: str | Path | pd.DataFrame,
    *,
    outdir: str | Path | None = None,
    by: list[str] | None = None,
    period: str | None = None,
    target: float | None = None,
    level: float = 0.95,
    taxonomy: str | Path | None = None,
    model: str | Path | None = None,
    method: str = "rules",
    redact_pii: bool = False,
    sentiment: str = "auto",
    drivers: bool = True,
    **load_options: Any,
) -> AnalysisResult:
    """The main job: load a survey, compute NPS overall, by segment and over time, write the tables.

    With ``taxonomy`` or ``model`` it also prepares and tags the comments (see :func:`tag_survey`)
    and adds the mentions and a per-theme summary (mentions, respondents, sentiment counts, NPS of
    the respondents who mention the theme, with interval).

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
    taxonomy, model, method, redact_pii, sentiment
        As in :func:`tag_survey`. When ``taxonomy`` or ``model`` is given, ``mentions.csv`` and
        ``theme_summary.csv`` (also a sheet of ``nps_tables.xlsx``) are written too, and
        ``summary["themes"]`` holds the tagging set-up and the per-theme rows.
    drivers : bool, default True
        With themes, also the driver tables of :func:`driver_tables` (``drivers.csv``,
        ``strengths.csv``, ``pain_points.csv``, ``followup.csv``, ... and their sheets) and
        ``summary["drivers"]`` (what ``nps-text drivers --format json`` prints, without the row counts).
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
    if taxonomy is not None or model is not None:
        from .tagging.summary import theme_summary

        tagged = tag_responses(responses, taxonomy=taxonomy, model=model, method=method, redact_pii=redact_pii,
                               sentiment=sentiment)
        themes = theme_summary(tagged.mentions, tagged.responses, level=level)
        tables["theme_summary"] = themes
        summary["themes"] = to_jsonable({**tagged.setup(), "by_theme": themes.to_dict(orient="records")})
        result.responses, result.sentences, result.mentions = tagged.responses, tagged.sentences, tagged.mentions
    if result.mentions is not None and drivers:
        driver_result = driver_tables(result.responses, result.mentions, by=by, period=period, level=level)
        tables.update(driver_result)
        summary["drivers"] = drivers_summary(driver_result, level=level, fdr=0.05, period=period)
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
    if result.mentions is not None:
        files.append(write_table(result.mentions, outdir / "mentions.csv"))
    files.append(write_table(dict(result.tables), outdir / "nps_tables.xlsx"))  # Excel in any locale
    return files


@dataclass
class TaggedSurvey:
    """What ``tag_survey`` produced: the flagged responses, their sentences, and the mentions."""

    responses: pd.DataFrame
    sentences: pd.DataFrame
    mentions: pd.DataFrame
    report: LoadReport | None
    tagger: str = "rules"
    sentiment_method: str = "lexicon"

    def setup(self) -> dict[str, Any]:
        """How the mentions were made, and how many: the ``themes`` header of ``summary.json``."""
        return {"tagger": self.tagger, "sentiment_method": self.sentiment_method, "mentions": len(self.mentions),
                "responses_with_mentions": int(self.mentions["response_id"].nunique()),
                "responses": len(self.responses), "sentences": len(self.sentences)}


def tag_responses(
    responses: pd.DataFrame,
    *,
    taxonomy: str | Path | None = None,
    model: str | Path | None = None,
    method: str = "rules",
    redact_pii: bool = False,
    sentiment: str = "auto",
) -> TaggedSurvey:
    """Prepare and tag loaded ``responses`` (see :func:`tag_survey`); ``report`` of the result is None."""
    from .tagging import RuleTagger, ThemeClassifier, ZeroShotTagger, add_sentiment, sentence_sentiment
    from .tagging.sentiment import SENTIMENT_METHODS
    from .text import prepare_text

    if model is None and method not in ("rules", "zero-shot"):
        raise ParameterError(f"method must be 'rules' or 'zero-shot', got {method!r}; or pass model=<folder>.")
    if sentiment not in SENTIMENT_METHODS:
        raise ParameterError(f"sentiment must be one of {list(SENTIMENT_METHODS)}, got {sentiment!r}.")
    if isinstance(taxonomy, str) and taxonomy == "default":
        taxonomy = None  # the bundled NPS taxonomy
    responses, sentences = prepare_text(responses, redact_pii=redact_pii)
    if model is not None:
        tagger, name = ThemeClassifier.load(model), f"model {model}"
    elif method == "zero-shot":
        tagger, name = ZeroShotTagger(taxonomy=taxonomy), "zero-shot"
    else:
        tagger, name = RuleTagger(taxonomy), "rules"
    mentions = tagger.tag(sentences)
    scores = sentence_sentiment(sentences, responses, method=sentiment)
    mentions = add_sentiment(mentions, sentences, scores)
    return TaggedSurvey(responses, sentences, mentions, None, tagger=name, sentiment_method=scores.attrs["method"])


def tag_survey(
    source: str | Path | pd.DataFrame,
    *,
    taxonomy: str | Path | None = None,
    model: str | Path | None = None,
    method: str = "rules",
    redact_pii: bool = False,
    sentiment: str = "auto",
    **load_options: Any,
) -> TaggedSurvey:
    """Load a survey, prepare its comments and tag themes: rules or zero-shot on a taxonomy, or a trained model.

    Parameters
    ----------
    taxonomy : path or "default", optional
        Taxonomy YAML (default, or ``"default"``: the bundled NPS taxonomy); used by ``method="rules"`` / ``"zero-shot"``.
    model : path, optional
        A folder saved by ``ThemeClassifier.save``; overrides ``method``.
    method : {"rules", "zero-shot"}
    redact_pii : bool
        Redact personal data before anything else (offsets then refer to ``comment_redacted``).
    sentiment : {"auto", "survey", "lexicon"}
        The sentiment of each mention: learned from this survey's scores (promoters' clauses as
        weak positives, detractors' as weak negatives), from the polarity lexicon, or ``"auto"``:
        the survey model when there are at least 50 clauses of promoters and of detractors
        (see :func:`~nps_text.tagging.sentence_sentiment`).

    Examples
    --------
    >>> import pandas as pd
    >>> survey = pd.DataFrame({"score": [10, 2], "comment": ["Lieferung super schnell", "Viel zu teuer"]})
    >>> tag_survey(survey).mentions[["theme", "sentiment"]].values.tolist()
    [['delivery', 'positive'], ['price', 'negative']]
    """
    responses, report = load_survey(source, **load_options)
    tagged = tag_responses(responses, taxonomy=taxonomy, model=model, method=method, redact_pii=redact_pii,
                           sentiment=sentiment)
    tagged.report = report
    return tagged

# ----------------------------------------------------------------------------- drivers
DRIVER_JSON_KEYS = ["theme", "n", "share", "nps_with", "nps_without", "impact", "impact_low", "impact_high",
                    "odds_ratio_detractor", "p_value", "q_value", "significant"]


def driver_tables(
    responses: pd.DataFrame,
    mentions: pd.DataFrame,
    *,
    by: list[str] | None = None,
    period: str | None = None,
    base: str = "commented",
    sentiment: bool | None = None,
    level: float = 0.95,
    fdr: float = 0.05,
    models: bool = True,
    metrics: dict[str, Any] | None = None,
    n_boot: int = 0,
    seed: int = 0,
) -> dict[str, pd.DataFrame]:
    """Every driver table for one survey, ready to write: the function ``analyze`` calls for drivers.

    Returns a dict of DataFrames: ``drivers`` (:func:`~nps_text.drivers.theme_table`),
    ``drivers_by_segment`` (when ``by``), ``drivers_by_period`` (when ``period``), ``driver_models``
    (logistic for detractors and ordinal on the score, with ``by`` as controls) and
    ``relative_importance`` (Shapley/LMG on the NPS outcome) when ``models``, ``strengths``,
    ``opportunities``, ``pain_points`` (quotes joined by " | "), ``what_if`` (expected NPS if each
    NPS-lowering driver's mentions were halved) and ``followup`` (detractors by
    severity, then recency). With ``metrics`` (``evaluate()`` output of the tagger on labelled comments)
    also ``drivers_corrected`` (:func:`~nps_text.misclassification.correct_misclassification`).
    Empty mentions give empty tables, not an error.

    Examples
    --------
    >>> r = pd.DataFrame({"response_id": list("abcdef"), "score": [10, 9, 2, 3, 9, 8], "comment": ["fine"] * 6})
    >>> m = pd.DataFrame({"response_id": ["c", "d"], "theme": ["delivery"] * 2})
    >>> sorted(driver_tables(r, m, models=False))
    ['drivers', 'followup', 'opportunities', 'pain_points', 'strengths', 'what_if']
    """
    from .driver_models import driver_regression, relative_importance
    from .driver_views import driver_views, drivers_by, drivers_by_period, what_if_table
    from .drivers import theme_table
    from .errors import NpsTextError
    from .followup import close_the_loop

    options = dict(base=base, sentiment=sentiment)
    tables = {"drivers": theme_table(responses, mentions, level=level, fdr=fdr, n_boot=n_boot, seed=seed, **options)}
    if by:
        tables["drivers_by_segment"] = drivers_by(responses, mentions, by, level=level, fdr=fdr, **options)
    if period:
        tables["drivers_by_period"] = drivers_by_period(responses, mentions, period=period, level=level, **options)
    if models and len(tables["drivers"]):
        try:
            tables["driver_models"] = pd.concat(
                [driver_regression(responses, mentions, outcome=o, controls=by, level=level, fdr=fdr, **options)
                 for o in ("detractor", "score")], ignore_index=True)
            importance = relative_importance(responses, mentions, controls=by, seed=seed, **options)
            importance["r2"], importance["method"] = importance.attrs["r2"], importance.attrs["method"]
            tables["relative_importance"] = importance
        except NpsTextError as exc:  # too few mentions for a model: the univariate tables still stand
            logger.warning("driver models skipped: %s", exc)
    tables["what_if"] = what_if_table(responses, mentions, level=level, **options)
    if metrics is not None:
        from .misclassification import correct_misclassification

        tables["drivers_corrected"] = correct_misclassification(responses, mentions, metrics, base=base, level=level,
                                                                seed=seed)
    for name, table in driver_views(responses, mentions, n_quotes=3, fdr=fdr, **options).items():
        tables[name] = table.assign(quotes=table["quotes"].map(" | ".join))
    dated = "date" in responses and responses["date"].notna().any()
    tables["followup"] = close_the_loop(responses, mentions, priority=["severity", "recency"] if dated else ["severity"],
                                        segments=by)
    return tables


@dataclass
class DriversResult:
    """What ``drivers_survey`` computed: the tables, a JSON-safe summary, and its inputs."""

    tables: dict[str, pd.DataFrame]
    summary: dict[str, Any]
    responses: pd.DataFrame
    mentions: pd.DataFrame
    report: LoadReport


def read_mentions(path: str | Path) -> pd.DataFrame:
    """Read a mentions table written by ``nps-text tag`` (.csv, .xlsx or .parquet)."""
    from .errors import SurveyFileError

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".parquet"):
        raise SurveyFileError(f"Cannot read mentions from '{path.name}': use the .csv, .xlsx or .parquet file "
                              "that `nps-text tag` wrote.")
    if not path.exists():
        raise SurveyFileError(f"Mentions file not found: {path}. Write one with `nps-text tag SURVEY -o {path.name}`.")
    if suffix == ".parquet":
        frame = pd.read_parquet(path)
    elif suffix == ".xlsx":
        frame = pd.read_excel(path, dtype={"response_id": str})
    else:
        frame = pd.read_csv(path, dtype={"response_id": str}, encoding="utf-8-sig")
    if "response_id" in frame:  # write_table quotes ids such as "-5" with an apostrophe
        frame["response_id"] = frame["response_id"].astype(str).str.replace(r"^'(?=[=+\-@\t\r])", "", regex=True)
    return frame


def _read_metrics(path: Path) -> dict[str, Any]:
    from .errors import SurveyFileError

    try:
        metrics = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SurveyFileError(f"Metrics file not found: {path}. Write one with `nps-text evaluate LABELLED --model DIR "
                              f"--format json > {path.name}`.") from None
    except json.JSONDecodeError as exc:
        raise SurveyFileError(f"Metrics file {path} is not JSON ({exc.msg}, line {exc.lineno}); pass the output of "
                              "`nps-text evaluate --format json`.") from None
    if not isinstance(metrics, dict):
        raise SurveyFileError(f"Metrics file {path} holds a {type(metrics).__name__}, not the object "
                              "`nps-text evaluate --format json` prints.")
    return metrics


def _survey_mentions(source: str | Path | pd.DataFrame, *, taxonomy: str | Path | None, model: str | Path | None,
                     mentions: str | Path | pd.DataFrame | None, method: str,
                     load_options: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame, LoadReport]:
    if mentions is not None:
        if taxonomy is not None or model is not None:
            from .errors import ParameterError

            raise ParameterError("Pass mentions OR taxonomy/model, not both: with a mentions table nothing is tagged.")
        responses, report = load_survey(source, **load_options)
        table = mentions if isinstance(mentions, pd.DataFrame) else read_mentions(mentions)
        return responses, table, report
    tagged = tag_survey(source, taxonomy=taxonomy, model=model, method=method, **load_options)
    return tagged.responses, tagged.mentions, tagged.report


def drivers_survey(
    source: str | Path | pd.DataFrame,
    *,
    taxonomy: str | Path | None = None,
    model: str | Path | None = None,
    mentions: str | Path | pd.DataFrame | None = None,
    method: str = "rules",
    by: list[str] | None = None,
    period: str | None = None,
    base: str = "commented",
    level: float = 0.95,
    fdr: float = 0.05,
    models: bool = True,
    metrics: str | Path | dict[str, Any] | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    **load_options: Any,
) -> DriversResult:
    """Load a survey, get its mentions (a mentions file, or tag with rules / zero-shot / a model), compute the drivers.

    This is what ``nps-text drivers`` runs. ``summary`` is JSON-safe: ``base``, the counts of
    :func:`~nps_text.drivers.driver_frame`, ``drivers`` (one object per driver with at least the keys
    ``theme, n, share, nps_with, nps_without, impact, impact_low, impact_high, odds_ratio_detractor,
    p_value, q_value, significant``, plus the rest of the driver table), ``by`` and ``periods`` (the
    segment and period tables as records), and with ``metrics`` (a path to ``nps-text evaluate --format
    json`` output, or its dict) ``corrected``: prevalence and impact corrected for tagging errors.
    """
    responses, table, report = _survey_mentions(source, taxonomy=taxonomy, model=model, mentions=mentions,
                                                method=method, load_options=load_options)
    by = resolve_segments(responses, by, report) if by else []
    if metrics is not None and not isinstance(metrics, dict):
        metrics = _read_metrics(Path(metrics))
    tables = driver_tables(responses, table, by=by, period=period, base=base, level=level, fdr=fdr, models=models,
                           metrics=metrics, n_boot=n_boot, seed=seed)
    summary = {**drivers_summary(tables, level=level, fdr=fdr, period=period),
               "rows_read": report.rows_read, "rejected": report.rows_rejected}
    return DriversResult(tables, summary, responses, table, report)


def drivers_summary(tables: dict[str, pd.DataFrame], *, level: float, fdr: float, period: str | None) -> dict[str, Any]:
    """The JSON-safe summary of :func:`driver_tables`' output (``nps-text drivers --format json``, ``analyze``)."""
    drivers = tables["drivers"]
    summary = {**drivers.attrs, "level": level, "fdr": fdr,
               "drivers": drivers.to_dict(orient="records"),
               "by": tables.get("drivers_by_segment", pd.DataFrame()).to_dict(orient="records"),
               "period": period,
               "periods": tables.get("drivers_by_period", pd.DataFrame()).to_dict(orient="records")}
    if "drivers_corrected" in tables:
        summary["corrected"] = tables["drivers_corrected"].to_dict(orient="records")
    return to_jsonable(summary)


def followup_survey(
    source: str | Path | pd.DataFrame,
    *,
    taxonomy: str | Path | None = None,
    model: str | Path | None = None,
    mentions: str | Path | pd.DataFrame | None = None,
    method: str = "rules",
    groups: tuple[str, ...] = ("detractor",),
    priority: tuple[str, ...] | None = None,
    value: str | None = None,
    segments: list[str] | None = None,
    redact_pii: bool = False,
    **load_options: Any,
) -> pd.DataFrame:
    """Load, tag (or read mentions) and return the close-the-loop list (what ``nps-text followup`` writes).

    ``priority`` defaults to severity, then recency when the survey has dates.
    """
    from .followup import close_the_loop

    responses, table, _ = _survey_mentions(source, taxonomy=taxonomy, model=model, mentions=mentions,
                                           method=method, load_options=load_options)
    if priority is None:
        priority = ("severity", "recency") if "date" in responses and responses["date"].notna().any() else ("severity",)
    return close_the_loop(responses, table, groups=groups, priority=priority, value=value, segments=segments,
                          redact_pii=redact_pii)
