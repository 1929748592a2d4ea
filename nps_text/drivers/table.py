"""Which themes cost promoters and which create them: the theme × group table with honest uncertainty.

Drivers work **per respondent**: a response mentions a theme or not, however many of its
sentences do. Every figure is computed over a *base* population (see :func:`driver_frame`):
``base="commented"`` (default) compares respondents who mention a theme with the other
respondents **who wrote a real comment**; ``base="all"`` compares them with everyone, which mixes
the theme's effect with the effect of writing a comment at all (people with no comment mention no
theme, so any theme looks like "wrote a comment" there).

The impact of a theme is ``NPS_base - NPS_rest = s (NPS_theme - NPS_rest)`` (``s`` = share of the
base mentioning it): how many NPS points the theme adds to the base's NPS (negative: what it costs;
the base would gain ``-impact`` if the theme's mentioners scored like the others). Its variance (delta method, multinomial sampling of respondents) is
``s^2 (se_theme^2 + se_rest^2) + (NPS_theme - NPS_rest)^2 s (1 - s) / n``; the group SEs use the
adjusted shares of Rocks (2016), as :func:`nps_text.stats.scores.compare_nps` does. Every interval is clipped
to the range of its quantity (NPS -100..100, differences and impacts -200..200, odds ratios 0..inf) and
holds its estimate (:func:`nps_text._core.stats.clip_interval`). Shares are compared with
:func:`two_proportion_test` (Fisher's exact test where counts are small). Segment and period
comparisons and the what-if live in :mod:`nps_text.drivers.views`.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import chi2 as chi2_dist
from scipy.stats import fisher_exact, norm, random_table

from .._core.stats import (
    MIN_EXPECTED,
    check_min_n,
    clip_interval,
    compare_stats,
    nps_stats,
    small_table,
    z_value,
)
from ..errors import ColumnError, ParameterError
from ..stats.scores import GROUPS, nps_group
from ..text.prepare import junk_reason

__all__ = ["BASES", "META", "driver_frame", "driver_labels", "theme_table", "bh_qvalues", "odds_ratio", "group_table_test",
           "two_proportion_test", "DRIVER_COLUMNS"]

logger = logging.getLogger(__name__)

BASES = ("commented", "all")
GROUP, NPS, SCORE = "_group", "_nps", "_score"  # the respondent frame's own columns; every other column is a driver
META = (GROUP, NPS, SCORE)
DRIVER_COLUMNS = [
    "theme", "theme_id", "sentiment", "n", "mentions", "share", "share_promoters", "share_passives",
    "share_detractors", "promoters", "passives", "detractors", "nps_with", "nps_with_low", "nps_with_high",
    "nps_without", "nps_without_low", "nps_without_high", "difference", "difference_low", "difference_high",
    "p_value_nps", "impact", "impact_se", "impact_low", "impact_high", "odds_ratio_detractor",
    "odds_ratio_detractor_low", "odds_ratio_detractor_high", "odds_ratio_promoter", "odds_ratio_promoter_low",
    "odds_ratio_promoter_high", "chi2", "test", "p_value", "q_value", "significant", "warning",
]


# ----------------------------------------------------------------------------- inputs
def _check_mentions(mentions: pd.DataFrame) -> None:
    if not isinstance(mentions, pd.DataFrame):
        raise ParameterError(f"mentions must be a pandas DataFrame (the taggers' mentions table), got "
                             f"{type(mentions).__name__}. Pass e.g. RuleTagger().tag(sentences).")
    missing = [c for c in ("response_id", "theme") if c not in mentions.columns]
    if missing:
        raise ColumnError(f"The mentions table lacks {missing}; available columns: {list(mentions.columns)}. "
                          "Pass the long table a tagger returns (response_id, sentence_id, theme, ...).")


def _in_base(responses: pd.DataFrame, base: str) -> pd.Series:
    """Which responses hold a real written comment (not empty, not junk)."""
    if base == "all":
        return pd.Series(True, index=responses.index)
    if "is_empty" in responses and "is_junk" in responses:
        return ~(responses["is_empty"].astype(bool) | responses["is_junk"].astype(bool))
    if "comment" in responses:
        return responses["comment"].map(junk_reason, na_action=None).isna()
    if "has_comment" in responses:
        return responses["has_comment"].astype(bool)
    raise ColumnError("base='commented' needs to know who wrote a comment: the responses have no "
                      f"is_empty/is_junk, comment or has_comment column (columns: {list(responses.columns)}). "
                      "Pass the responses from prepare_text(), or base='all'.")


def _use_sentiment(mentions: pd.DataFrame, sentiment: bool | None) -> bool:
    has = "sentiment" in mentions.columns and mentions["sentiment"].notna().any()
    if sentiment and not has:
        raise ColumnError("sentiment=True needs a 'sentiment' column with values in the mentions table; "
                          f"columns: {list(mentions.columns)}. Tag with a sentiment-aware tagger, or pass sentiment=None.")
    return has if sentiment is None else bool(sentiment)


def _labels(mentions: pd.DataFrame, use_sentiment: bool) -> pd.DataFrame:
    """Mentions with ``driver`` (``"price"`` or ``"price (negative)"``), ``theme_id`` and ``sentiment``."""
    out = pd.DataFrame({"response_id": mentions["response_id"].astype(str),
                        "theme_id": mentions["theme"].astype(str)}, index=mentions.index)
    if "score" in mentions:  # the tagger's confidence: quotes are picked by it
        out["score"] = pd.to_numeric(mentions["score"], errors="coerce").to_numpy()
    out["sentiment"] = mentions["sentiment"].astype("string") if use_sentiment else pd.NA
    with_sent = out["sentiment"].notna()
    out["driver"] = out["theme_id"].where(~with_sent, out["theme_id"] + " (" + out["sentiment"].fillna("") + ")")
    return out


def driver_labels(mentions: pd.DataFrame, *, sentiment: bool | None = None) -> pd.DataFrame:
    """The mentions' ``response_id``, ``theme_id``, ``sentiment`` and ``driver`` label (``"price (negative)"``).

    ``sentiment`` as in :func:`driver_frame`: split when the mentions carry a sentiment, by default.

    Examples
    --------
    >>> m = pd.DataFrame({"response_id": ["a"], "theme": ["price"], "sentiment": ["negative"]})
    >>> driver_labels(m)["driver"].tolist()
    ['price (negative)']
    """
    _check_mentions(mentions)
    return _labels(mentions, _use_sentiment(mentions, sentiment))


def driver_frame(responses: pd.DataFrame, mentions: pd.DataFrame, *, base: str = "commented",
                 sentiment: bool | None = None) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Respondents of the base, their NPS group, and one True/False column per driver.

    Parameters
    ----------
    responses : DataFrame
        One row per response with ``response_id`` and ``score`` (or ``nps_group``); for
        ``base="commented"`` also ``is_empty``/``is_junk`` (from :func:`~nps_text.prepare_text`),
        ``comment`` or ``has_comment``. Not modified.
    mentions : DataFrame
        The long mentions table (``response_id``, ``theme``, optional ``sentiment``).
    base : {"commented", "all"}, default "commented"
        Who is compared: respondents with a real comment (not empty or junk; a response a tagger
        found a theme in always counts as commented), or every scored respondent.
    sentiment : bool, optional
        Split drivers by the mentions' ``sentiment`` ("price (negative)", "price (positive)").
        Default: when the column is present and has values. Mentions without a sentiment keep the
        plain theme name.

    Returns
    -------
    (respondents, labelled, info)
        ``respondents``: one row per respondent of the base (index = response_id) with ``_group``
        (0 detractor, 1 passive, 2 promoter), ``_nps`` (-100/0/100) and a boolean column per driver
        (sorted by name; :data:`META` lists the non-driver columns). ``labelled``: the mentions of those respondents with ``driver``. ``info``:
        counts of responses left out (no score, outside the base) and of mentions left out.

    Examples
    --------
    >>> r = pd.DataFrame({"response_id": ["a", "b", "c"], "score": [10, 3, 8], "comment": ["top", "zu teuer", ""]})
    >>> m = pd.DataFrame({"response_id": ["b", "b"], "theme": ["price", "price"]})
    >>> frame, _, info = driver_frame(r, m)
    >>> frame["price"].tolist(), info["n_not_in_base"]
    ([False, True], 1)
    """
    if base not in BASES:
        raise ParameterError(f"base must be one of {list(BASES)}, got {base!r}. Use 'commented' to compare "
                             "within written comments (recommended), 'all' to compare with every respondent.")
    _check_mentions(mentions)
    if not isinstance(responses, pd.DataFrame) or "response_id" not in responses:
        cols = list(responses.columns) if isinstance(responses, pd.DataFrame) else type(responses).__name__
        raise ColumnError(f"responses need a 'response_id' column (got {cols}); load them with load_survey().")
    ids = responses["response_id"].astype(str)
    if ids.duplicated().any():
        raise ParameterError(f"response_id must be unique; repeated: {ids[ids.duplicated()].unique()[:5].tolist()}. "
                             "Load the survey with load_survey(), which rejects repeated ids into its report.")
    if "nps_group" in responses:
        groups = pd.Series(pd.Categorical(responses["nps_group"], categories=GROUPS), index=responses.index)
    elif "score" in responses:
        groups = nps_group(responses["score"])
    else:
        raise ColumnError(f"responses need a 'score' or 'nps_group' column; columns: {list(responses.columns)}.")
    labelled = _labels(mentions, _use_sentiment(mentions, sentiment))
    if clash := sorted(set(labelled["driver"]) & set(META)):
        raise ParameterError(f"Theme name(s) {clash} are reserved for the drivers' own columns; rename the theme.")
    mentioned = ids.isin(set(labelled["response_id"]))
    scored = groups.notna()
    keep = scored & (_in_base(responses, base).to_numpy() | mentioned.to_numpy())
    unknown = ~labelled["response_id"].isin(set(ids))
    if len(labelled) and unknown.all():
        raise ParameterError(f"None of the {len(labelled)} mentions belongs to a response in the table (first "
                             f"mention id {labelled['response_id'].iloc[0]!r}, first response id "
                             f"{ids.iloc[0] if len(ids) else None!r}). Tag the same survey you analyse.")
    kept_ids = set(ids[keep])
    labelled = labelled[labelled["response_id"].isin(kept_ids)]
    info = {"base": base, "n_responses": int(len(responses)), "n_no_score": int((~scored).sum()),
            "n_not_in_base": int((scored & ~keep).sum()), "n_base": int(keep.sum()),
            "mentions_not_in_table": int(unknown.sum()),
            "mentions_without_score": int((~unknown).sum() - len(labelled))}
    if info["n_no_score"] or info["mentions_not_in_table"]:
        logger.info("drivers: %(n_no_score)d response(s) without a score and %(mentions_not_in_table)d mention(s) "
                    "of responses not in the table are left out", info)
    codes = groups[keep].cat.codes.to_numpy()
    frame = pd.DataFrame({GROUP: codes, NPS: (codes - 1) * 100.0}, index=pd.Index(ids[keep], name="response_id"))
    pairs = labelled.drop_duplicates(["response_id", "driver"])
    drivers = sorted(pairs["driver"].unique())
    indicator = pd.crosstab(pairs["response_id"], pairs["driver"]).reindex(index=frame.index, columns=drivers,
                                                                           fill_value=0) > 0
    return pd.concat([frame, indicator], axis=1), labelled, info


# ----------------------------------------------------------------------------- statistics
def bh_qvalues(p_values: Any) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values); NaN stays NaN and is not counted.

    ``q_(i) = min_{j >= i} min(1, m p_(j) / j)`` over the ``m`` non-missing p-values in ascending order.

    Examples
    --------
    >>> bh_qvalues([0.01, 0.04, 0.03, float("nan")]).round(3).tolist()
    [0.03, 0.04, 0.04, nan]
    """
    p = np.asarray(p_values, dtype="float64")
    q = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    m = int(ok.sum())
    if m:
        order = np.argsort(p[ok])
        ranked = p[ok][order] * m / np.arange(1, m + 1)
        adjusted = np.minimum(np.minimum.accumulate(ranked[::-1])[::-1], 1.0)
        q_ok = np.empty(m)
        q_ok[order] = adjusted
        q[ok] = q_ok
    return q


def odds_ratio(a: Any, b: Any, c: Any, d: Any, *, level: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Odds ratio ``(a d) / (b c)`` of the 2×2 table [[a, b], [c, d]] with Woolf's log interval.

    ``a``/``b``: outcome yes/no with the theme; ``c``/``d``: outcome yes/no without it.
    ``se(log OR) = sqrt(1/a + 1/b + 1/c + 1/d)``; a table with a zero cell gets 0.5 added to every
    cell (Haldane–Anscombe). The interval lies in [0, inf] and holds the estimate. Vectorised over arrays.

    Examples
    --------
    >>> [round(float(v), 3) for v in odds_ratio(20, 80, 10, 90)]
    [2.25, 0.994, 5.092]
    """
    z = z_value(level)
    cells = np.array([np.asarray(v, dtype="float64") for v in (a, b, c, d)])
    cells = np.where((cells == 0).any(axis=0), cells + 0.5, cells)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_or = np.log(cells[0]) + np.log(cells[3]) - np.log(cells[1]) - np.log(cells[2])
        se = np.sqrt((1.0 / cells).sum(axis=0))
        estimate = np.exp(log_or)
        low, high = clip_interval(estimate, np.exp(log_or - z * se), np.exp(log_or + z * se), "ratio")
    return estimate, low, high


def group_table_test(table: Any, *, min_expected: float = 5.0, n_mc: int = 9999,
                     seed: int = 0) -> tuple[float, float, str]:
    """Test of independence on an r × c table: ``(chi2, p_value, method)``.

    Pearson's chi-square; when an expected count is below ``min_expected`` the p-value is a Monte
    Carlo exact test instead (``n_mc`` tables with the same margins, ``p = (1 + #{chi2* >= chi2}) /
    (1 + n_mc)``). Rows or columns that are all zero are dropped; with fewer than two of either
    the p-value is NaN.

    Examples
    --------
    >>> stat, p, method = group_table_test([[30, 10, 10], [20, 20, 60]])
    >>> round(stat, 2), p < 0.001, method
    (27.43, True, 'chi2')
    """
    t = np.asarray(table, dtype="float64")
    t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0] if t.size else t
    if t.ndim != 2 or min(t.shape) < 2:
        return float("nan"), float("nan"), "none"
    rows, cols, n = t.sum(axis=1), t.sum(axis=0), t.sum()
    expected = np.outer(rows, cols) / n
    stat = float(((t - expected) ** 2 / expected).sum())
    if expected.min() >= min_expected:
        return stat, float(chi2_dist.sf(stat, (t.shape[0] - 1) * (t.shape[1] - 1))), "chi2"
    draws = random_table(rows.astype(int), cols.astype(int)).rvs(size=n_mc, random_state=np.random.default_rng(seed))
    sims = ((draws - expected) ** 2 / expected).sum(axis=(1, 2))
    return stat, float((1 + np.sum(sims >= stat - 1e-9)) / (1 + n_mc)), "exact (Monte Carlo)"


def two_proportion_test(k1: Any, n1: Any, k2: Any, n2: Any, *, min_expected: float = MIN_EXPECTED,
                        alternative: str = "two-sided") -> tuple[np.ndarray, np.ndarray]:
    """Test that the shares ``k1 / n1`` and ``k2 / n2`` are equal: ``(p_value, method)``, vectorised.

    ``alternative="greater"`` tests one-sided against ``k1 / n1 > k2 / n2`` (drift: did a word grow?).

    The pooled two-proportion z-test (``method`` "z"), except where an expected count of the 2 × 2
    table ``[[k1, n1 - k1], [k2, n2 - k2]]`` is below ``min_expected``: there Fisher's exact test
    (:func:`scipy.stats.fisher_exact`, two-sided; "fisher"). Where either ``n`` is 0 or NaN, or
    nobody / everybody has the trait in both samples, there is nothing to test: NaN and "none".
    Returns arrays of the inputs' broadcast shape (at least one-dimensional).

    Examples
    --------
    >>> p, method = two_proportion_test(1, 2, 0, 23)  # one of two in February, none of 23 in January
    >>> round(float(p[0]), 3), str(method[0])
    (0.08, 'fisher')
    >>> p, method = two_proportion_test([40, 0], [100, 10], [20, 0], [100, 10])
    >>> [round(float(v), 4) for v in p], method.tolist()
    ([0.002, nan], ['z', 'none'])
    """
    k1, n1, k2, n2 = np.broadcast_arrays(*(np.atleast_1d(np.asarray(v, dtype="float64")) for v in (k1, n1, k2, n2)))
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = (k1 + k2) / (n1 + n2)
        se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        z = (k1 / n1 - k2 / n2) / se
        p_value = np.array(norm.sf(z) if alternative == "greater" else 2 * norm.sf(np.abs(z)), dtype="float64")
    row1, row2 = np.stack([k1, n1 - k1], axis=-1), np.stack([k2, n2 - k2], axis=-1)
    testable = (n1 > 0) & (n2 > 0) & (pooled > 0) & (pooled < 1)  # NaN compares False
    small = testable & small_table(row1, row2, min_expected)
    method = np.where(small, "fisher", np.where(testable, "z", "none")).astype(object)
    for i in zip(*np.nonzero(small)):
        p_value[i] = fisher_exact(np.stack([row1[i], row2[i]]).astype("int64"), alternative=alternative).pvalue
    return np.where(testable, p_value, np.nan), method


def _impact(s: np.ndarray, n: float, st: dict, sr: dict, comp: dict, z: float) -> dict[str, np.ndarray]:
    delta = st["nps"] - sr["nps"]
    impact = s * delta
    se = np.sqrt(s ** 2 * comp["se"] ** 2 + delta ** 2 * s * (1 - s) / n)
    low, high = clip_interval(impact, impact - z * se, impact + z * se, "difference")
    return {"impact": impact, "impact_se": se, "impact_low": low, "impact_high": high}


def _warnings(n_t: np.ndarray, n: int, tests: list[str], min_n: int) -> list[str | None]:
    out = []
    for k, test in zip(n_t, tests):
        notes = []
        if k < min_n:
            notes.append(f"Only {k} respondent{'s' if k != 1 else ''} mention it: indicative only, the interval is wide")
        if k == n:
            notes.append("every respondent of the base mentions it: nobody to compare with")
        if test.startswith("exact"):
            notes.append("small expected counts: p-value from a Monte Carlo exact test")
        out.append("; ".join(notes) + "." if notes else None)
    return out


def theme_table(responses: pd.DataFrame, mentions: pd.DataFrame, *, base: str = "commented",
                sentiment: bool | None = None, level: float = 0.95, fdr: float = 0.05, min_n: int = 30,
                n_boot: int = 0, seed: int = 0) -> pd.DataFrame:
    """Theme × group table with NPS with/without, impact, odds ratios, tests and BH q-values.

    Parameters
    ----------
    responses, mentions, base, sentiment
        As in :func:`driver_frame`.
    level : float, default 0.95
        Confidence level of every interval.
    fdr : float, default 0.05
        Benjamini–Hochberg false discovery rate: ``significant`` is ``q_value < fdr``.
    min_n : int, default 30
        Drivers mentioned by fewer respondents get a warning.
    n_boot : int, default 0
        When > 0, also ``impact_boot_low``/``impact_boot_high``: a percentile bootstrap over
        respondents (seeded by ``seed``), as a check of the delta-method interval.

    Returns
    -------
    DataFrame
        One row per driver (:data:`DRIVER_COLUMNS`), sorted by ``|impact|``, largest first.
        ``n``: respondents mentioning it; ``share``: of the base; ``share_promoters``: of the base's
        promoters (likewise passives, detractors); ``nps_with``/``nps_without`` with adjusted-Wald
        intervals; ``difference`` = with − without (interval and ``p_value_nps`` as in
        :func:`~nps_text.compare_nps`: an exact permutation test where the 2 × 3 table has an expected
        count below 5); ``impact`` = share × difference = NPS of the base − NPS without (delta-method
        interval); ``odds_ratio_detractor``: odds of being a detractor with vs without the theme
        (likewise promoter); ``p_value``: the test of the 2 × 3 mention × group table
        (:func:`group_table_test`), ``q_value``: BH across the drivers. Every interval is clipped to
        the range of its quantity (NPS -100..100, difference and impact -200..200) and widened to
        hold its estimate where it misses it (a theme of one respondent). ``attrs`` holds the
        counts of :func:`driver_frame`'s ``info``.

    Examples
    --------
    >>> r = pd.DataFrame({"response_id": list("abcdef"), "score": [10, 9, 2, 3, 9, 8],
    ...                   "comment": ["fine"] * 6})
    >>> m = pd.DataFrame({"response_id": ["c", "d"], "theme": ["delivery"] * 2})
    >>> t = theme_table(r, m)
    >>> print(t[["theme", "n", "share", "nps_with", "nps_without", "impact"]].round(2).to_string(index=False))
       theme  n  share  nps_with  nps_without  impact
    delivery  2   0.33    -100.0         75.0  -58.33
    """
    z, min_n = z_value(level), check_min_n(min_n)
    if not 0 < fdr < 1:
        raise ParameterError(f"fdr must be between 0 and 1, got {fdr!r}. Pass e.g. fdr=0.05.")
    frame, labelled, info = driver_frame(responses, mentions, base=base, sentiment=sentiment)
    drivers = [c for c in frame.columns if c not in META]
    n = len(frame)
    onehot = np.eye(3)[frame[GROUP].to_numpy()] if n else np.zeros((0, 3))
    M = frame[drivers].to_numpy(dtype="float64")
    with_counts = M.T @ onehot  # k × 3: detractors, passives, promoters among mentioners
    totals = onehot.sum(axis=0)
    rest = totals - with_counts
    D, A, P = with_counts.T
    st, sr = nps_stats(P, A, D, z), nps_stats(rest[:, 2], rest[:, 1], rest[:, 0], z)
    comp = compare_stats(st, sr, z)
    n_t = with_counts.sum(axis=1).astype("int64")
    s = n_t / n if n else np.full(len(drivers), np.nan)
    tests = [group_table_test([with_counts[j], rest[j]], seed=seed) for j in range(len(drivers))]
    or_d = odds_ratio(D, A + P, rest[:, 0], rest[:, 1] + rest[:, 2], level=level)
    or_p = odds_ratio(P, A + D, rest[:, 2], rest[:, 0] + rest[:, 1], level=level)
    meta = labelled.drop_duplicates("driver").set_index("driver")
    with np.errstate(invalid="ignore", divide="ignore"):
        table = pd.DataFrame({
            "theme": drivers, "theme_id": meta.loc[drivers, "theme_id"].tolist() if drivers else [],
            "sentiment": meta.loc[drivers, "sentiment"].astype(object).where(
                meta.loc[drivers, "sentiment"].notna(), None).tolist() if drivers else [],
            "n": n_t, "mentions": labelled["driver"].value_counts().reindex(drivers).fillna(0).astype("int64").to_numpy(),
            "share": s, "share_promoters": P / totals[2], "share_passives": A / totals[1],
            "share_detractors": D / totals[0], "promoters": P.astype("int64"), "passives": A.astype("int64"),
            "detractors": D.astype("int64"), "nps_with": st["nps"], "nps_with_low": st["ci_low"],
            "nps_with_high": st["ci_high"], "nps_without": sr["nps"], "nps_without_low": sr["ci_low"],
            "nps_without_high": sr["ci_high"], "difference": comp["difference"], "difference_low": comp["ci_low"],
            "difference_high": comp["ci_high"], "p_value_nps": comp["p_value"],
            **_impact(s, n, st, sr, comp, z),
            "odds_ratio_detractor": or_d[0], "odds_ratio_detractor_low": or_d[1], "odds_ratio_detractor_high": or_d[2],
            "odds_ratio_promoter": or_p[0], "odds_ratio_promoter_low": or_p[1], "odds_ratio_promoter_high": or_p[2],
            "chi2": [t[0] for t in tests], "test": [t[2] for t in tests], "p_value": [t[1] for t in tests],
        })
    table["q_value"] = bh_qvalues(table["p_value"])
    table["significant"] = (table["q_value"] < fdr).to_numpy()
    table["warning"] = _warnings(n_t, n, table["test"].tolist(), min_n)
    if n_boot:
        low, high = clip_interval(table["impact"], *_bootstrap_impact(frame[NPS].to_numpy(), M, n_boot, level, seed),
                                   "difference")
        table.insert(table.columns.get_loc("impact_high") + 1, "impact_boot_low", low)
        table.insert(table.columns.get_loc("impact_boot_low") + 1, "impact_boot_high", high)
    table = table.iloc[np.argsort(-np.abs(table["impact"].fillna(0).to_numpy()), kind="stable")].reset_index(drop=True)
    table.attrs.update(info)
    return table


def _bootstrap_impact(x: np.ndarray, M: np.ndarray, n_boot: int, level: float,
                      seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval of ``NPS_base - NPS_rest`` over respondent resamples (chunked)."""
    rng = np.random.default_rng(seed)
    n = len(x)
    rest, xr = 1.0 - M, (1.0 - M) * x[:, None]
    draws = []
    for start in range(0, n_boot, 200):
        size = min(200, n_boot - start)
        W = rng.multinomial(n, np.full(n, 1.0 / n), size=size).astype("float64")
        with np.errstate(invalid="ignore", divide="ignore"):
            draws.append((W @ x)[:, None] / n - (W @ xr) / (W @ rest))
    draws = np.vstack(draws)
    alpha = (1 - level) / 2
    return np.nanquantile(draws, alpha, axis=0), np.nanquantile(draws, 1 - alpha, axis=0)
