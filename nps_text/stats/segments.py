"""NPS by segment and by period, with intervals and tests (points −100..100, shares 0..1).

Split from :mod:`nps_text.stats.scores`, whose one-sample and two-sample statistics it tabulates.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from .._core.stats import (
    PERIODS,
    check_min_n,
    compare_stats,
    nps_stats,
    period_label,
    z_value,
)
from ..errors import ParameterError
from .scores import (
    MISSING_LABEL,
    NO_DATE_LABEL,
    _check_columns,
    _table,
    nps_group,
)

__all__ = ["nps_by", "nps_by_period"]

logger = logging.getLogger(__name__)


def _group_counts(responses: pd.DataFrame, score: str, keys: list[pd.Series],
                  sort: bool) -> pd.DataFrame:
    groups = nps_group(responses[score])
    if groups.isna().any():
        logger.warning("%d row(s) have no score: they count in no segment's n.",
                       int(groups.isna().sum()))
    ind = pd.DataFrame({"promoters": (groups == "promoter").astype("int64"),
                        "passives": (groups == "passive").astype("int64"),
                        "detractors": (groups == "detractor").astype("int64")},
                       index=responses.index)
    return ind.groupby(keys, dropna=False, sort=sort, observed=True).sum()


def nps_by(responses: pd.DataFrame, by: str | list[str], *, score: str = "score",
           level: float = 0.95, min_n: int = 30) -> pd.DataFrame:
    """NPS per segment, with each segment tested against all other responses.

    Parameters
    ----------
    responses : DataFrame
        One row per response; not modified.
    by : str or list of str
        Segment column(s). Missing values form their own segment labelled "(missing)".
    score : str, default "score"
        Column of 0-10 scores. Rows without a score stay in their segment but not in ``n``.
    level, min_n
        As in :func:`nps_from_counts`.

    Returns
    -------
    DataFrame
        One row per segment, sorted by segment value ("(missing)" last), columns: the ``by``
        column(s), n, promoters, passives, detractors, nps, ci_low, ci_high, margin_of_error,
        warning, diff_vs_rest and p_value_vs_rest (:func:`compare_nps` of the segment vs the
        rest: adjusted-Wald z-test, or the exact permutation test where an expected count of the
        2 × 3 table segment/rest × group is below 5; NaN when there is no rest). Each interval lies
        within -100..100 and holds ``nps``, also for a segment of one response.

    Examples
    --------
    >>> df = pd.DataFrame({"plan": ["a", "a", "b", None], "score": [10, 9, 2, 8]})
    >>> nps_by(df, "plan")[["plan", "n", "nps"]]
            plan  n    nps
    0          a  2  100.0
    1          b  1 -100.0
    2  (missing)  1    0.0
    """
    by_cols = [by] if isinstance(by, str) else list(by)
    if not by_cols:
        raise ParameterError("by must name at least one column, got []. Pass e.g. by='plan'.")
    _check_columns(responses, [*((c, "by") for c in by_cols), (score, "score")])
    z, min_n = z_value(level), check_min_n(min_n)
    keys = [responses[c] for c in by_cols]
    try:
        counts = _group_counts(responses, score, keys, sort=True)
    except TypeError:  # mixed types that cannot be ordered: sort by their text instead
        counts = _group_counts(responses, score, keys, sort=False)
        counts = counts.iloc[sorted(range(len(counts)), key=lambda i: (
            pd.isna(counts.index[i]) if len(by_cols) == 1 else False, str(counts.index[i])))]
    seg = counts.index.to_frame(index=False)
    seg.columns = by_cols
    for col in by_cols:
        if seg[col].isna().any():
            seg[col] = seg[col].astype(object).where(seg[col].notna(), MISSING_LABEL)
    P, A, D = (counts[c].to_numpy() for c in ("promoters", "passives", "detractors"))
    table = _table(P, A, D, z, min_n)
    rest = compare_stats(nps_stats(P, A, D, z), nps_stats(P.sum() - P, A.sum() - A, D.sum() - D, z), z)
    table["diff_vs_rest"] = rest["difference"]
    table["p_value_vs_rest"] = rest["p_value"]
    return pd.concat([seg, table], axis=1)


def nps_by_period(responses: pd.DataFrame, *, date: str = "date", period: str = "month",
                  score: str = "score", level: float = 0.95, min_n: int = 30) -> pd.DataFrame:
    """NPS per calendar period, with the change from the previous period and its test.

    Parameters
    ----------
    responses : DataFrame
        One row per response; not modified.
    date : str, default "date"
        Date column (datetimes, or text that ``pd.to_datetime`` parses; time zones are
        dropped, keeping local time). Unparseable text counts as a missing date.
    period : {"week", "month", "quarter", "year"}, default "month"
        Weeks are ISO weeks (Monday start), labelled like "2025-W03"; months "2025-01";
        quarters "2025-Q1"; years "2025".
    score, level, min_n
        As in :func:`nps_by`.

    Returns
    -------
    DataFrame
        Columns: period, period_start, n, promoters, passives, detractors, nps, ci_low,
        ci_high, margin_of_error, warning, change, change_p_value, change_significant.
        Every period from the first to the last is present (empty ones with n=0).
        ``change`` is ``nps`` minus the previous period's (plain estimates; the p-value is
        :func:`compare_nps`'s test: the exact permutation test where an expected count of the
        2 × 3 table period × group is below 5, else the z-test); it is NaN, and
        ``change_significant`` is <NA>, where either period is empty. Each interval lies within
        -100..100 and holds ``nps``. Rows without a date form a trailing "(no date)" row.

    Examples
    --------
    >>> df = pd.DataFrame({"date": ["2025-01-05", "2025-03-02"], "score": [10, 3]})
    >>> nps_by_period(df)[["period", "n", "nps"]]
        period  n    nps
    0  2025-01  1  100.0
    1  2025-02  0    NaN
    2  2025-03  1 -100.0
    """
    if period not in PERIODS:
        raise ParameterError(f"period must be one of {list(PERIODS)}, got {period!r}. "
                             "Pass e.g. period='month'.")
    _check_columns(responses, [(date, "date"), (score, "score")])
    z, min_n = z_value(level), check_min_n(min_n)
    dates = responses[date]
    if not pd.api.types.is_datetime64_any_dtype(dates):
        parsed = pd.to_datetime(dates, errors="coerce")
        if (bad := int((parsed.isna() & dates.notna()).sum())):
            logger.warning("%d value(s) in %r are not dates; counted under %r.",
                           bad, date, NO_DATE_LABEL)
        dates = parsed
    if getattr(dates.dt, "tz", None) is not None:
        dates = dates.dt.tz_localize(None)
    periods = dates.dt.to_period(PERIODS[period])
    counts = _group_counts(responses, score, [periods.rename("_period")], sort=True)
    counts, no_date = counts[counts.index.notna()], counts[counts.index.isna()]
    if len(counts):
        full = pd.period_range(counts.index.min(), counts.index.max(), freq=PERIODS[period])
        counts = counts.reindex(full, fill_value=0)
    labels = [period_label(p, period) for p in counts.index]
    starts = list(pd.PeriodIndex(counts.index).start_time) if len(counts) else []
    if len(no_date):
        counts = pd.concat([counts.reset_index(drop=True), no_date.reset_index(drop=True)])
        labels, starts = [*labels, NO_DATE_LABEL], [*starts, pd.NaT]
    P, A, D = (counts[c].to_numpy(dtype="int64") for c in ("promoters", "passives", "detractors"))
    table = _table(P, A, D, z, min_n)
    table.insert(0, "period_start", pd.to_datetime(pd.Series(starts, dtype="datetime64[ns]")))
    table.insert(0, "period", pd.Series(labels, dtype=object))
    # change vs previous dated period; the "(no date)" row has none
    dated = len(labels) - len(no_date)
    s = nps_stats(P, A, D, z)
    prev = {k: np.concatenate([[np.nan], v[:-1]]) for k, v in s.items()}
    chg = compare_stats(s, prev, z)
    valid = (s["n"] > 0) & (prev["n"] > 0) & (np.arange(len(P)) < dated)  # NaN > 0 is False
    table["change"] = np.where(valid, chg["difference"], np.nan)
    table["change_p_value"] = np.where(valid, chg["p_value"], np.nan)
    table["change_significant"] = pd.array(
        [bool(p < 1 - level) if v else pd.NA for p, v in zip(chg["p_value"], valid)],
        dtype="boolean")
    return table
