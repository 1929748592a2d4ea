"""Driver views for people: strengths, opportunities, pain points with quotes; segments; periods; what-if.

Built on :mod:`nps_text.drivers` (same base population, same per-respondent counting).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import chi2 as chi2_dist
from scipy.stats import norm

from .._core.stats import PERIODS, clip_interval, period_label, z_value
from ..errors import ColumnError, ParameterError
from ..text.prepare import normalise_comment
from ..text.redact import redact
from .table import (
    GROUP,
    META,
    NPS,
    bh_qvalues,
    driver_frame,
    group_table_test,
    theme_table,
    two_proportion_test,
)

__all__ = ["driver_views", "drivers_by", "drivers_by_period", "what_if", "what_if_table", "VIEWS"]

logger = logging.getLogger(__name__)

# view name -> (group code, sentiments that fit it); drivers without a sentiment fit every view
VIEWS = {"strengths": (2, ("positive",)), "opportunities": (1, ("negative", "neutral")),
         "pain_points": (0, ("negative",))}
_SEGMENT_KEEP = ["theme", "n", "share", "nps_with", "nps_without", "impact", "impact_low", "impact_high",
                 "odds_ratio_detractor", "p_value", "q_value", "significant", "warning"]


def _quotes(labelled: pd.DataFrame, responses: pd.DataFrame, who: pd.Index, k: int, redact_pii: bool) -> dict:
    """Up to ``k`` distinct comments per driver from respondents ``who``: most confident tag first, then shortest."""
    if not k or labelled.empty:
        return {}
    text_col = "comment_redacted" if "comment_redacted" in responses else "comment"
    if text_col not in responses:
        return {}
    comments = pd.Series(responses[text_col].astype("string").to_numpy(),
                         index=responses["response_id"].astype(str)).fillna("")
    sub = labelled[labelled["response_id"].isin(who)].copy()
    sub["text"] = sub["response_id"].map(comments)
    sub["order_score"] = -sub["score"].astype("float64") if "score" in sub else 0.0
    sub["length"] = sub["text"].str.len()
    sub = sub[sub["length"] > 0].sort_values(["driver", "order_score", "length", "response_id"])
    out: dict[str, list[str]] = {}
    for driver, rows in sub.groupby("driver", sort=False):
        seen, picked = set(), []
        for text in rows["text"]:
            key = normalise_comment(text)
            if key not in seen:
                seen.add(key)
                picked.append(redact(text) if redact_pii else text)
            if len(picked) == k:
                break
        out[driver] = picked
    return out


def driver_views(responses: pd.DataFrame, mentions: pd.DataFrame, *, base: str = "commented",
                 sentiment: bool | None = None, n_quotes: int = 3, fdr: float = 0.05,
                 redact_pii: bool = False) -> dict[str, pd.DataFrame]:
    """Strengths (what promoters praise), opportunities (what passives ask for), pain points (what detractors complain about).

    For each view's group (promoters, passives, detractors) and each driver: ``n_group`` respondents of
    the group mentioning it, ``share_in_group``, ``share_in_others`` (the rest of the base), their
    ``difference`` with its ``p_value`` (:func:`~nps_text.drivers.two_proportion_test`: z-test, or
    Fisher's exact test where an expected count is below 5) and BH ``q_value`` within the view,
    ``over_represented`` (difference > 0 and q < fdr), and up to ``n_quotes`` distinct
    ``quotes`` (full comments of the group's mentioners, most confident tag first, then shortest,
    redacted with :func:`~nps_text.text.redact.redact` when ``redact_pii``). With sentiment, strengths
    keep positive drivers, opportunities negative and neutral ones, pain points negative ones. Rows are sorted by ``share_in_group``.

    Examples
    --------
    >>> r = pd.DataFrame({"response_id": list("abcd"), "score": [10, 9, 2, 3],
    ...                   "comment": ["Nette Leute", "Super nett", "Zu spät", "Lieferung zu spät"]})
    >>> m = pd.DataFrame({"response_id": list("abcd"), "theme": ["service"] * 2 + ["delivery"] * 2})
    >>> views = driver_views(r, m)
    >>> print(views["pain_points"][["theme", "n_group", "share_in_group"]].to_string(index=False))
       theme  n_group  share_in_group
    delivery        2             1.0
    >>> views["pain_points"].loc[0, "quotes"]
    ['Zu spät', 'Lieferung zu spät']
    """
    frame, labelled, _ = driver_frame(responses, mentions, base=base, sentiment=sentiment)
    drivers = [c for c in frame.columns if c not in META]
    sentiments = labelled.drop_duplicates("driver").set_index("driver")["sentiment"]
    out = {}
    for view, (code, wanted) in VIEWS.items():
        keep = [d for d in drivers if pd.isna(sentiments.get(d)) or sentiments.get(d) in wanted]
        in_group = frame[GROUP].to_numpy() == code
        n1, n0 = np.float64(in_group.sum()), np.float64((~in_group).sum())
        M = frame[keep].to_numpy(dtype="float64")
        k1, k0 = M[in_group].sum(axis=0), M[~in_group].sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            p1, p0 = k1 / n1, k0 / n0
        p_value, _ = two_proportion_test(k1, n1, k0, n0)
        table = pd.DataFrame({"theme": keep, "n_group": k1.astype("int64"), "share_in_group": p1,
                              "share_in_others": p0, "difference": p1 - p0, "p_value": p_value})
        table["q_value"] = bh_qvalues(table["p_value"])
        table["over_represented"] = ((table["difference"] > 0) & (table["q_value"] < fdr)).to_numpy()
        quotes = _quotes(labelled, responses, frame.index[in_group], n_quotes, redact_pii)
        table["quotes"] = [quotes.get(d, []) for d in keep]
        out[view] = table[table["n_group"] > 0].sort_values(["share_in_group", "theme"], ascending=[False, True],
                                                            kind="stable").reset_index(drop=True)
    return out


def _within(part: pd.DataFrame, mentions: pd.DataFrame, frame: pd.DataFrame, drivers: list[str],
            columns: list[str], **options: Any) -> tuple[pd.DataFrame, int]:
    """The driver table of a subset of responses, one row per driver of the whole survey."""
    ids = part["response_id"].astype(str)
    n_part = int(frame.index.isin(ids).sum())
    table = pd.DataFrame(columns=["theme", *columns])
    if n_part:
        own = mentions[mentions["response_id"].astype(str).isin(set(ids))]
        table = theme_table(part, own, **options)
    table = table.set_index("theme").reindex(drivers)[columns]
    numeric = [c for c in columns if c not in ("significant", "warning")]
    table = table.astype({c: "float64" for c in numeric}).reset_index()
    table["n"] = table["n"].fillna(0).astype("int64")
    if n_part:
        table["share"] = table["share"].fillna(0.0)
    return table, n_part


def _heterogeneity(impact: np.ndarray, se: np.ndarray) -> float:
    """Cochran's Q test that the impacts (with SEs) are equal across groups."""
    ok = np.isfinite(impact) & np.isfinite(se) & (se > 0)
    if ok.sum() < 2:
        return float("nan")
    w = 1 / se[ok] ** 2
    pooled = (w * impact[ok]).sum() / w.sum()
    return float(chi2_dist.sf((w * (impact[ok] - pooled) ** 2).sum(), ok.sum() - 1))


def drivers_by(responses: pd.DataFrame, mentions: pd.DataFrame, by: str | list[str], *, base: str = "commented",
               sentiment: bool | None = None, level: float = 0.95, fdr: float = 0.05,
               min_n: int = 30) -> pd.DataFrame:
    """The driver table within each segment, and whether each driver differs across segments.

    Returns one row per segment column, value and driver: ``column, value, n_segment`` and the
    main columns of :func:`~nps_text.drivers.theme_table` computed within the segment (its q-values
    are within the segment), plus ``share_vs_rest`` (the segment's share minus the other segments'),
    ``share_vs_rest_p`` (:func:`~nps_text.drivers.two_proportion_test`: z-test, or Fisher's exact test
    where an expected count is below 5) and ``share_vs_rest_q`` (its Benjamini–Hochberg q-value
    across all segment × driver rows), ``share_p_value`` (chi-square / exact test that the
    share is the same in every segment of the column) and ``impact_p_value`` (Cochran's Q test that
    the impact is the same). Missing segment values form "(missing)".

    Examples
    --------
    >>> r = pd.DataFrame({"response_id": list("abcdef"), "score": [10, 9, 2, 3, 9, 8],
    ...                   "comment": ["fine"] * 6, "plan": ["a", "a", "b", "b", "b", "a"]})
    >>> m = pd.DataFrame({"response_id": ["c", "d"], "theme": ["delivery"] * 2})
    >>> drivers_by(r, m, "plan")[["value", "theme", "n_segment", "n", "share"]].values.tolist()
    [['a', 'delivery', 3, 0, 0.0], ['b', 'delivery', 3, 2, 0.6666666666666666]]
    """
    columns = [by] if isinstance(by, str) else list(by)
    missing = [c for c in columns if c not in responses.columns]
    if missing or not columns:
        raise ColumnError(f"Segment column(s) {missing or columns} not found; available columns: "
                          f"{list(responses.columns)}. Pass by='<column>'.")
    frame, _, _ = driver_frame(responses, mentions, base=base, sentiment=sentiment)
    all_drivers = [c for c in frame.columns if c not in META]
    pieces = []
    for column in columns:
        values = responses[column].astype(object).where(responses[column].notna(), "(missing)").astype(str)
        for value in sorted(values.unique()):
            part = responses[values == value]
            table, n_seg = _within(part, mentions, frame, all_drivers, [*_SEGMENT_KEEP[1:], "impact_se"],
                                   base=base, sentiment=sentiment, level=level, fdr=fdr, min_n=min_n)
            table.insert(0, "n_segment", n_seg)
            table.insert(0, "value", value)
            table.insert(0, "column", column)
            pieces.append(table)
    out = pd.concat(pieces, ignore_index=True) if pieces else pd.DataFrame()
    if out.empty:
        return out
    for (column, theme), rows in out.groupby(["column", "theme"], sort=False):
        k, n = rows["n"].to_numpy(float), rows["n_segment"].to_numpy(float)
        _, p_share, _ = group_table_test(np.column_stack([k, n - k]))
        out.loc[rows.index, "share_p_value"] = p_share
        out.loc[rows.index, "impact_p_value"] = _heterogeneity(rows["impact"].to_numpy(), rows["impact_se"].to_numpy())
        k_rest, n_rest = k.sum() - k, n.sum() - n
        with np.errstate(invalid="ignore", divide="ignore"):
            out.loc[rows.index, "share_vs_rest"] = k / n - k_rest / n_rest
        out.loc[rows.index, "share_vs_rest_p"] = two_proportion_test(k, n, k_rest, n_rest)[0]
    if "share_vs_rest_p" in out:  # every segment × driver comparison is one test: control the FDR across them
        out["share_vs_rest_q"] = bh_qvalues(out["share_vs_rest_p"])
    return out.drop(columns="impact_se")


def drivers_by_period(responses: pd.DataFrame, mentions: pd.DataFrame, *, period: str = "month",
                      date: str = "date", base: str = "commented", sentiment: bool | None = None,
                      level: float = 0.95, min_n: int = 30) -> pd.DataFrame:
    """Share and impact of each driver per calendar period, with the change from the previous period.

    Returns one row per period and driver: ``period, period_start, n_period, theme, n, share,
    impact, impact_low, impact_high`` (as in :func:`~nps_text.drivers.theme_table`: the interval within
    -200..200 and holding the impact), ``share_change`` (vs the previous period, points of share as a
    fraction), ``share_change_p`` (:func:`~nps_text.drivers.two_proportion_test`: the z-test, or Fisher's
    exact test where an expected count of the 2 × 2 period × mention table is below 5, so one comment
    of two against none of 23 gives p = 0.08, not 0.0005), ``impact_change`` and ``impact_change_p``
    (z-test with the two impacts' delta-method SEs, independent periods: approximate, and liberal
    with a handful of mentioners per period; read ``share_change_p`` then), and ``share_change_q`` /
    ``impact_change_q``: Benjamini–Hochberg q-values across all period × driver rows. Responses without a date are left out
    and counted in the log. Filter ``responses`` first for one segment's trend.

    Examples
    --------
    >>> r = pd.DataFrame({"response_id": list("abcd"), "score": [10, 2, 3, 9], "comment": ["fine"] * 4,
    ...                   "date": ["2025-01-03", "2025-01-09", "2025-02-01", "2025-02-02"]})
    >>> m = pd.DataFrame({"response_id": ["b", "c", "d"], "theme": ["price"] * 3})
    >>> drivers_by_period(r, m)[["period", "n_period", "n", "share", "share_change"]].values.tolist()
    [['2025-01', 2, 1, 0.5, nan], ['2025-02', 2, 2, 1.0, 0.5]]
    """
    if period not in PERIODS:
        raise ParameterError(f"period must be one of {list(PERIODS)}, got {period!r}. Pass e.g. period='month'.")
    if date not in responses.columns:
        raise ColumnError(f"A driver trend needs a date column; {date!r} not found in {list(responses.columns)}. "
                          "Pass date='<column>' (CLI: --date COLUMN).")
    dates = pd.to_datetime(responses[date], errors="coerce")
    if getattr(dates.dt, "tz", None) is not None:
        dates = dates.dt.tz_localize(None)
    if (undated := int(dates.isna().sum())):
        logger.info("drivers_by_period: %d response(s) without a date left out", undated)
    periods = dates.dt.to_period(PERIODS[period])
    frame, _, _ = driver_frame(responses, mentions, base=base, sentiment=sentiment)
    drivers = [c for c in frame.columns if c not in META]
    pieces = []
    if periods.notna().any():
        for p in pd.period_range(periods.min(), periods.max(), freq=PERIODS[period]):
            table, n_period = _within(responses[periods == p], mentions, frame, drivers,
                                      ["n", "share", "impact", "impact_se", "impact_low", "impact_high"],
                                      base=base, sentiment=sentiment, level=level, min_n=min_n)
            table.insert(0, "n_period", n_period)
            table.insert(0, "period_start", p.start_time)
            table.insert(0, "period", period_label(p, period))
            pieces.append(table)
    out = pd.concat(pieces, ignore_index=True) if pieces else pd.DataFrame(
        columns=["period", "period_start", "n_period", "theme", "n", "share", "impact", "impact_se"])
    out = out.astype({"share": "float64", "impact": "float64", "impact_se": "float64"})
    prev = out.groupby("theme", sort=False)[["n", "n_period", "share", "impact", "impact_se"]].shift(1)
    out["share_change"] = out["share"] - prev["share"]
    out["share_change_p"] = two_proportion_test(out["n"], out["n_period"], prev["n"], prev["n_period"])[0]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["impact_change"] = out["impact"] - prev["impact"]
        out["impact_change_p"] = 2 * norm.sf(np.abs(out["impact_change"] / np.hypot(out["impact_se"], prev["impact_se"])))
    # periods × drivers changes are many tests at once: BH q-values across all of them
    out["share_change_q"] = bh_qvalues(out["share_change_p"])
    out["impact_change_q"] = bh_qvalues(out["impact_change_p"])
    return out.drop(columns=["impact_se"])


def _resolve_driver(drivers: list[str], theme: str) -> str:
    if theme in drivers:
        return theme
    if f"{theme} (negative)" in drivers:
        return f"{theme} (negative)"
    raise ParameterError(f"Theme {theme!r} is not among the drivers of these mentions: {drivers}. "
                         "Pass one of them (with sentiment, e.g. 'price (negative)').")


def what_if(responses: pd.DataFrame, mentions: pd.DataFrame, theme: str, *, reduction: float = 0.5,
            base: str = "commented", sentiment: bool | None = None, level: float = 0.95) -> dict[str, Any]:
    """Expected NPS of all scored responses if a theme's (negative) mentions fell by ``reduction``.

    Assumes the respondents who would no longer mention the theme then score like the base's
    respondents who do not mention it (an association, not a proven cause):
    ``NPS_new = NPS_all - reduction * (n_theme / N) * (NPS_theme - NPS_rest)``. The interval is
    the delta method on the five respondent-level means it is made of, clipped to -100..100 (NPS) and
    -200..200 (change). A plain theme name picks its "(negative)" driver when mentions carry sentiment.

    Returns
    -------
    dict
        ``theme, reduction, n, nps, nps_low, nps_high, expected_nps, expected_low, expected_high,
        change, change_low, change_high`` (NPS points; ``nps`` is the current NPS of all scored
        responses with its plain delta interval).

    Examples
    --------
    >>> r = pd.DataFrame({"response_id": list("abcd"), "score": [10, 9, 2, 3], "comment": ["fine"] * 4})
    >>> m = pd.DataFrame({"response_id": ["c", "d"], "theme": ["delivery"] * 2})
    >>> out = what_if(r, m, "delivery")
    >>> out["nps"], out["expected_nps"], out["change"]
    (0.0, 50.0, 50.0)
    """
    if not 0 <= reduction <= 1:
        raise ParameterError(f"reduction must be a share between 0 and 1, got {reduction!r}; 0.5 halves the mentions.")
    z = z_value(level)
    everyone, _, _ = driver_frame(responses, mentions, base="all", sentiment=sentiment)
    in_base, _, _ = driver_frame(responses, mentions, base=base, sentiment=sentiment)
    driver = _resolve_driver([c for c in everyone.columns if c not in META], theme)
    return _what_if(everyone, in_base.index, driver, reduction, z)


def _what_if(everyone: pd.DataFrame, base_ids: pd.Index, driver: str, r: float, z: float) -> dict[str, Any]:
    x = everyone[NPS].to_numpy()
    m = everyone[driver].to_numpy(dtype="float64")
    c_rest = everyone.index.isin(base_ids).astype("float64") * (1 - m)
    Z = np.column_stack([x, m * x, m, c_rest * x, c_rest])
    mu, N = Z.mean(axis=0), len(Z)
    if not mu[2] or not mu[4]:
        raise ParameterError(f"what_if needs respondents with and without {driver!r} in the base; "
                             f"{int(m.sum())} of {N} mention it.")
    expected = mu[0] - r * (mu[1] - mu[2] * mu[3] / mu[4])
    grad = np.array([1.0, -r, r * mu[3] / mu[4], r * mu[2] / mu[4], -r * mu[2] * mu[3] / mu[4] ** 2])
    cov = np.cov(Z, rowvar=False, ddof=1)
    se_new = float(np.sqrt(grad @ cov @ grad / N))
    g_change = grad - np.eye(5)[0]
    se_change = float(np.sqrt(g_change @ cov @ g_change / N))
    se_now = float(np.sqrt(cov[0, 0] / N))
    change = expected - mu[0]
    now = clip_interval(mu[0], mu[0] - z * se_now, mu[0] + z * se_now, "nps")
    new = clip_interval(expected, expected - z * se_new, expected + z * se_new, "nps")
    gain = clip_interval(change, change - z * se_change, change + z * se_change, "difference")
    return {"theme": driver, "reduction": float(r), "n": int(N), "nps": float(mu[0]),
            "nps_low": float(now[0]), "nps_high": float(now[1]), "expected_nps": float(expected),
            "expected_low": float(new[0]), "expected_high": float(new[1]), "change": float(change),
            "change_low": float(gain[0]), "change_high": float(gain[1])}


def what_if_table(responses: pd.DataFrame, mentions: pd.DataFrame, *, reduction: float = 0.5, base: str = "commented",
                  sentiment: bool | None = None, level: float = 0.95) -> pd.DataFrame:
    """:func:`what_if` for every driver that lowers the NPS (``nps_with < nps_without``), largest gain first.

    Examples
    --------
    >>> r = pd.DataFrame({"response_id": list("abcde"), "score": [10, 9, 2, 3, 8], "comment": ["fine"] * 5})
    >>> m = pd.DataFrame({"response_id": ["c", "d", "a"], "theme": ["delivery", "delivery", "service"]})
    >>> what_if_table(r, m)[["theme", "change"]].round(1).values.tolist()
    [['delivery', 33.3]]
    """
    if not 0 <= reduction <= 1:
        raise ParameterError(f"reduction must be a share between 0 and 1, got {reduction!r}; 0.5 halves the mentions.")
    z = z_value(level)
    everyone, _, _ = driver_frame(responses, mentions, base="all", sentiment=sentiment)
    in_base, _, _ = driver_frame(responses, mentions, base=base, sentiment=sentiment)
    rows = []
    for driver in (c for c in everyone.columns if c not in META):
        m = in_base[driver].to_numpy(bool)
        if m.any() and (~m).any() and in_base[NPS][m].mean() < in_base[NPS][~m].mean():
            rows.append(_what_if(everyone, in_base.index, driver, reduction, z))
    columns = ["theme", "reduction", "n", "nps", "nps_low", "nps_high", "expected_nps", "expected_low",
               "expected_high", "change", "change_low", "change_high"]
    table = pd.DataFrame(rows, columns=columns)
    return table.sort_values("change", ascending=False, kind="stable").reset_index(drop=True)
