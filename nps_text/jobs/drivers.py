"""Driver tables for one survey: ``driver_tables``, ``drivers_survey`` and ``followup_survey``."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .._core.results import Result, to_jsonable
from .._core.safe_files import read_json
from ..drivers.followup import close_the_loop
from ..drivers.misclassification import correct_misclassification
from ..drivers.models import driver_regression, relative_importance
from ..drivers.table import theme_table
from ..drivers.views import driver_views, drivers_by, drivers_by_period, what_if_table
from ..errors import NpsTextError, ParameterError, SurveyFileError
from ..io.load import LoadedSurvey, LoadReport, resolve_segments
from ..io.readers import detect_delimiter, detect_encoding
from ._source import loaded
from .tag import tag_survey

logger = logging.getLogger(__name__)

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
    redact_pii: bool = False,
) -> dict[str, pd.DataFrame]:
    """Every driver table for one survey, ready to write: the function ``analyze`` calls for drivers.

    Returns a dict of DataFrames: ``drivers`` (:func:`~nps_text.drivers.theme_table`),
    ``drivers_by_segment`` (when ``by``), ``drivers_by_period`` (when ``period``), ``driver_models``
    (logistic for detractors and ordinal on the score, with ``by`` as controls) and
    ``relative_importance`` (Shapley/LMG on the NPS outcome) when ``models``, ``strengths``,
    ``opportunities``, ``pain_points`` (quotes joined by " | "), ``what_if`` (expected NPS if each
    NPS-lowering driver's mentions were halved) and ``followup`` (detractors by
    severity, then recency). With ``metrics`` (``evaluate()`` output of the tagger on labelled comments)
    also ``drivers_corrected`` (:func:`~nps_text.drivers.misclassification.correct_misclassification`).
    Empty mentions give empty tables, not an error.

    Examples
    --------
    >>> r = pd.DataFrame({"response_id": list("abcdef"), "score": [10, 9, 2, 3, 9, 8], "comment": ["fine"] * 6})
    >>> m = pd.DataFrame({"response_id": ["c", "d"], "theme": ["delivery"] * 2})
    >>> sorted(driver_tables(r, m, models=False))
    ['drivers', 'followup', 'opportunities', 'pain_points', 'strengths', 'what_if']
    """
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
            logger.info("driver models skipped: %s", exc)
            tables["drivers"].attrs["models_skipped"] = str(exc)
    tables["what_if"] = what_if_table(responses, mentions, level=level, **options)
    if metrics is not None:
        tables["drivers_corrected"] = correct_misclassification(responses, mentions, metrics, base=base, level=level,
                                                                seed=seed)
    for name, table in driver_views(responses, mentions, n_quotes=3, fdr=fdr, redact_pii=redact_pii, **options).items():
        tables[name] = table.assign(quotes=table["quotes"].map(" | ".join))
    tables["followup"] = close_the_loop(responses, mentions, segments=by, redact_pii=redact_pii)
    return tables


@dataclass
class DriversResult(Result):
    """What :func:`drivers_survey` computed: the tables, their JSON-safe form, and the inputs.

    ``to_dict()`` is what ``nps-text drivers --format json`` prints; ``to_frame()`` the driver
    table (``drivers.csv``); ``tables`` all of them by name; ``summary()`` the themes that cost
    and create the most NPS, in plain text.
    """

    tables: dict[str, pd.DataFrame]
    data: dict[str, Any]
    responses: pd.DataFrame
    mentions: pd.DataFrame
    report: LoadReport | None

    def to_dict(self) -> dict[str, Any]:
        return self.data

    def to_frame(self) -> pd.DataFrame:
        return self.tables["drivers"]

    def summary(self) -> str:
        return drivers_text(self.data)


def drivers_text(data: dict[str, Any], *, top: int = 3) -> str:
    """Plain text of a drivers summary: the base, and the ``top`` themes that cost and that create the most NPS.

    "significant" means q below the false discovery rate; an interval that crosses 0 is said so.
    """
    pct = round(data["level"] * 100)
    lines = [f"Drivers over {data['n_base']} respondents (base: {data['base']})."]
    rows = [r for r in data["drivers"] if r.get("impact") is not None]
    for label, chosen in (("Costing the most NPS", sorted((r for r in rows if r["impact"] < 0), key=lambda r: r["impact"])),
                          ("Creating the most NPS", sorted((r for r in rows if r["impact"] > 0), key=lambda r: -r["impact"]))):
        if chosen:
            lines.append(f"{label}: " + "; ".join(_driver_phrase(r, pct) for r in chosen[:top]) + ".")
    return "\n".join(lines)


def _driver_phrase(row: dict[str, Any], pct: int) -> str:
    low, high = row.get("impact_low"), row.get("impact_high")
    interval = "" if low is None or high is None else f", {pct}% interval {low:+.1f} to {high:+.1f}"
    sure = "significant" if row.get("significant") else "not significant"
    return f"{row['theme']} {row['impact']:+.1f} points ({row['share']:.0%} mention it{interval}; {sure})"


def read_mentions(path: str | Path) -> pd.DataFrame:
    """Read a mentions table written by ``nps-text tag`` (.csv, .xlsx or .parquet)."""
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
    else:  # a table re-saved by Excel may be ';'-separated cp1252: detect both, like survey files
        data = path.read_bytes()
        text = data.decode(detect_encoding(data)).lstrip("\ufeff")
        frame = pd.read_csv(io.StringIO(text), sep=detect_delimiter(text), dtype={"response_id": str})
    if "response_id" in frame:  # write_table quotes ids such as "-5" with an apostrophe
        frame["response_id"] = frame["response_id"].astype(str).str.replace(r"^'(?=[=+\-@\t\r])", "", regex=True)
    return frame


def _read_metrics(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise SurveyFileError(f"Metrics file not found: {path}. Write one with `nps-text evaluate LABELLED --model DIR "
                              f"--format json > {path.name}`.")
    metrics = read_json(path, what="metrics file", error=SurveyFileError, max_bytes=2**26,
                        fix="Pass the JSON that `nps-text evaluate --format json` prints, saved as UTF-8.")
    if not isinstance(metrics, dict):
        raise SurveyFileError(f"Metrics file {path} holds a {type(metrics).__name__}, not the object "
                              "`nps-text evaluate --format json` prints.")
    return metrics


def _survey_mentions(source: str | Path | pd.DataFrame | LoadedSurvey, *, taxonomy: str | Path | None,
                     model: str | Path | None, mentions: str | Path | pd.DataFrame | None, method: str,
                     load_options: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame, LoadReport | None]:
    """The one way the drivers and follow-up jobs get a survey's responses and mentions."""
    survey = loaded(source, load_options)
    if mentions is not None:
        if taxonomy is not None or model is not None:
            raise ParameterError("Pass mentions OR taxonomy/model, not both: with a mentions table nothing is tagged.")
        table = mentions if isinstance(mentions, pd.DataFrame) else read_mentions(mentions)
        return survey.responses, table, survey.report
    # lexicon sentiment: a split learned from the scores would be tested against those same scores
    tagged = tag_survey(survey, taxonomy=taxonomy, model=model, method=method, sentiment="lexicon")
    return tagged.responses, tagged.mentions, tagged.report


def drivers_survey(
    source: str | Path | pd.DataFrame | LoadedSurvey,
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

    This is what ``nps-text drivers`` runs. ``to_dict()`` of the result is JSON-safe: ``base``, the counts of
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
    data = {**drivers_summary(tables, level=level, fdr=fdr, period=period),
            "rows_read": report.rows_read if report else len(responses),
            "rejected": report.rows_rejected if report else 0}
    return DriversResult(tables, data, responses, table, report)


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
    source: str | Path | pd.DataFrame | LoadedSurvey,
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
    responses, table, _ = _survey_mentions(source, taxonomy=taxonomy, model=model, mentions=mentions,
                                           method=method, load_options=load_options)
    return close_the_loop(responses, table, groups=groups, priority=priority, value=value, segments=segments,
                          redact_pii=redact_pii)


