"""The customer behind the responses: one row per customer, and whether NPS predicts what they did next.

:func:`customer_view` turns responses into one row per customer (latest and previous score, change,
themes, last comment, latest segments), keyed by the survey's own customer id column so that it
joins to business data. :func:`relate_outcome` joins it to an outcome (churn, revenue change) and
tests whether the NPS group, and each theme, goes with a different outcome: rates with Wilson
intervals and odds ratios for a yes/no outcome, means and Welch differences for a numeric one. It
always reports the customers it could not match, and it says that association is not causation.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd
from scipy.stats import f as f_dist
from scipy.stats import t as t_dist
from scipy.stats import ttest_ind

from .._core.results import Result, format_p, to_jsonable
from .._core.stats import clip_interval, z_value
from ..drivers.table import bh_qvalues, group_table_test, odds_ratio, two_proportion_test
from ..errors import ParameterError
from ..stats.scores import GROUPS, nps_group
from .promoters import _check_frame, _comment_column, _themes_by_response

__all__ = ["customer_view", "relate_outcome", "OutcomeRelation", "OUTCOME_KINDS", "CAVEAT"]

logger = logging.getLogger(__name__)

OUTCOME_KINDS = ("auto", "binary", "numeric")
CAVEAT = ("Association, not causation: customers in different NPS groups (or mentioning a theme) differ in many "
          "ways besides their answer (tenure, size, product, region), so a different outcome does not show that "
          "the score or the theme caused it. Use it to prioritise, and test changes with an experiment.")
_COMPARISONS = (("detractor", "promoter"), ("passive", "promoter"))


# ----------------------------------------------------------------------------- customer view
def _dates(responses: pd.DataFrame, date: str) -> pd.Series:
    values = responses[date]
    if pd.api.types.is_datetime64_any_dtype(values):
        return values
    parsed = pd.to_datetime(values, errors="coerce")
    bad = values.notna() & parsed.isna()
    if bad.any():
        raise ParameterError(f"Column {date!r} holds values that are not dates, first: {values[bad].head(3).tolist()}. "
                             "Clean them, or pass date=None when the responses are already in time order.")
    return parsed


def _joined(themes: pd.Series) -> str:
    return "; ".join(sorted({t for s in themes if isinstance(s, str) and s for t in s.split("; ")}))


def customer_view(responses: pd.DataFrame, customer: str, *, mentions: pd.DataFrame | None = None,
                  date: str | None = "date", segments: Sequence[str] | None = None, scale: str = "0-10") -> pd.DataFrame:
    """One row per customer: latest and previous score, change, response count and dates, themes, last comment.

    Responses are put in time order by ``date`` (ties, and ``date=None``, keep the input order;
    undated responses count as the oldest). The latest and previous score are those of the
    customer's last two responses *with a score*; ``themes_latest`` are the themes of the response
    that gave ``latest_score``. Responses without a customer id cannot be assigned and are left
    out, with a logged warning.

    Parameters
    ----------
    responses : DataFrame
        With the ``customer`` column and ``score``; ``response_id`` (needed with ``mentions``),
        ``comment`` (or ``comment_redacted``, preferred) and the ``date`` column when present.
    customer : str
        The customer id column; the output keeps its name, so it joins to business data.
    mentions : DataFrame, optional
        Mentions table (``response_id``, ``theme``): gives ``themes_all`` and ``themes_latest``.
    date : str or None, default "date"
        Date column; None when the responses are already in time order.
    segments : sequence of str, optional
        Columns whose latest non-missing value each customer gets (e.g. plan, region).
    scale : {"0-10", "1-10"}
        Answer scale, passed to :func:`~nps_text.stats.nps_group`.

    Returns
    -------
    DataFrame
        ``<customer>, n_responses, first_date, last_date, latest_response_id, latest_score, latest_group,
        previous_score, previous_group, score_change, themes_all, themes_latest, last_comment, <segments>``,
        one row per customer, sorted by customer id; scores are floats (NaN where there is none),
        groups strings, themes "a; b".

    Examples
    --------
    >>> r = pd.DataFrame({"response_id": ["a", "b", "c"], "customer_id": [7, 7, 8], "score": [4, 9, 10],
    ...                   "date": pd.to_datetime(["2025-01-01", "2025-06-01", "2025-03-01"])})
    >>> v = customer_view(r, "customer_id")
    >>> v[["customer_id", "latest_score", "previous_score", "score_change", "latest_group"]].values.tolist()
    [[7, 9.0, 4.0, 5.0, 'promoter'], [8, 10.0, nan, nan, 'promoter']]
    """
    segments = list(segments or [])
    needed = [customer, "score", *([date] if date is not None else []), *segments,
              *(["response_id"] if mentions is not None else [])]
    _check_frame(responses, "responses", needed, "Pass customer='<id column>', date='<column>' or date=None, "
                                                 "and segments= that the survey has.")
    work = pd.DataFrame({"_customer": responses[customer].to_numpy(), "_pos": np.arange(len(responses)),
                         "_score": pd.to_numeric(responses["score"], errors="coerce").astype("float64").to_numpy(),
                         "_group": nps_group(responses["score"], scale=scale).astype(object).to_numpy()})
    work["_date"] = _dates(responses, date).to_numpy() if date is not None else pd.NaT
    work["_id"] = responses["response_id"].to_numpy() if "response_id" in responses else pd.NA
    comment = _comment_column(responses)
    text = responses[comment].astype("string") if comment else pd.Series(pd.NA, index=responses.index, dtype="string")
    work["_comment"] = text.where(text.str.strip().ne("").fillna(False), pd.NA).to_numpy()
    themes = _themes_by_response(mentions)
    work["_themes"] = pd.Series(work["_id"]).astype(str).map(themes).fillna("").to_numpy() if len(themes) else ""
    for col in segments:
        work[col] = responses[col].to_numpy()
    missing = work["_customer"].isna()
    if missing.any():
        logger.warning("customer_view: left out %d response(s) without a customer id in %r", int(missing.sum()), customer)
    if date is not None and work["_date"].isna().any():
        logger.warning("customer_view: %d response(s) have no date and count as the oldest", int(work["_date"].isna().sum()))
    work = work[~missing].sort_values(["_customer", "_date", "_pos"], na_position="first", kind="stable")
    by = work.groupby("_customer", sort=True)
    scored = work[work["_score"].notna()].groupby("_customer", sort=True)
    latest, previous = scored.nth(-1).set_index("_customer"), scored.nth(-2).set_index("_customer")
    last_any = by.nth(-1).set_index("_customer")
    keys = by.size().index
    chosen = latest.reindex(keys).combine_first(last_any)  # the latest scored response, else the latest one
    out = pd.DataFrame({
        customer: keys,
        "n_responses": by.size().to_numpy(),
        "first_date": by["_date"].min().to_numpy() if date is not None else pd.NaT,
        "last_date": by["_date"].max().to_numpy() if date is not None else pd.NaT,
        "latest_response_id": chosen["_id"].to_numpy(),
        "latest_score": latest["_score"].reindex(keys).to_numpy(),
        "latest_group": latest["_group"].reindex(keys).astype(object).to_numpy(),
        "previous_score": previous["_score"].reindex(keys).to_numpy(),
        "previous_group": previous["_group"].reindex(keys).astype(object).to_numpy(),
    })
    out["score_change"] = out["latest_score"] - out["previous_score"]
    out["themes_all"] = by["_themes"].agg(_joined).to_numpy()
    out["themes_latest"] = chosen["_themes"].fillna("").to_numpy()
    out["last_comment"] = by["_comment"].last().to_numpy()
    for col in segments:
        out[col] = by[col].last().to_numpy()  # last() skips missing values: the latest known one
    logger.info("customer view: %d customers from %d responses", len(out), len(responses))
    return out


# ----------------------------------------------------------------------------- outcome
@dataclass(frozen=True)
class OutcomeRelation(Result):
    """What :func:`relate_outcome` found: per-group table, comparisons with promoters, overall test, themes.

    ``groups`` is the main table (``to_frame()``); ``unmatched`` lists every customer that could not
    be used, with the reason; ``caveat`` says that this is association, not causation.
    """

    outcome: str
    kind: str
    groups: pd.DataFrame
    comparisons: pd.DataFrame
    test: dict[str, Any]
    themes: pd.DataFrame
    unmatched: pd.DataFrame
    n_matched: int
    level: float
    caveat: str = field(default=CAVEAT)

    def to_frame(self) -> pd.DataFrame:
        """The per-group table."""
        return self.groups

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict of every table (as lists of records) and the counts."""
        records = {k: [to_jsonable(r) for r in getattr(self, k).to_dict("records")]
                   for k in ("groups", "comparisons", "themes")}
        reasons = self.unmatched["reason"].value_counts().to_dict() if len(self.unmatched) else {}
        return to_jsonable({"outcome": self.outcome, "kind": self.kind, **records, "test": self.test,
                            "n_matched": self.n_matched, "unmatched": reasons, "level": self.level,
                            "caveat": self.caveat})

    def summary(self) -> str:
        """The overall test, the comparisons with promoters, the unmatched counts and the caveat."""
        what = "odds ratio" if self.kind == "binary" else "difference in mean"
        lines = [f"{self.outcome} ({self.kind}) for {self.n_matched} matched customers: {self.test['method']} "
                 f"p {format_p(self.test['p_value'])}."]
        for row in self.comparisons.to_dict("records"):
            lines.append(f"{row['comparison']}: {what} {_fmt(row['estimate'])} ({round(self.level * 100)}% interval "
                         f"{_fmt(row['ci_low'])} to {_fmt(row['ci_high'])}), p {format_p(row['p_value'])}.")
        if len(self.unmatched):
            counts = self.unmatched["reason"].value_counts()
            lines.append("Not used: " + ", ".join(f"{n} {reason}" for reason, n in counts.items()) + ".")
        return "\n".join([*lines, self.caveat])


def _fmt(value: float) -> str:
    return "–" if value != value else f"{value:.3g}"


def _odds_ratio(k1: float, n1: float, k2: float, n2: float, level: float) -> tuple[float, float, float]:
    """Odds ratio of sample 1 vs sample 2 with Woolf's interval; NaN when either sample is empty."""
    if not n1 or not n2:
        return math.nan, math.nan, math.nan
    est, low, high = odds_ratio(k1, n1 - k1, k2, n2 - k2, level=level)
    return float(est), float(low), float(high)


def _wilson(k: np.ndarray, n: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Share ``k / n`` with the Wilson score interval (NaN where ``n`` is 0)."""
    k, n = np.asarray(k, dtype="float64"), np.asarray(n, dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = k / n
        centre = (k + z * z / 2) / (n + z * z)
        half = z / (n + z * z) * np.sqrt(k * (n - k) / n + z * z / 4)
    low, high = clip_interval(rate, centre - half, centre + half, "share")
    return rate, low, high


def _mean_ci(x: np.ndarray, level: float) -> tuple[float, float, float, float]:
    """Mean, standard deviation and t interval of the mean (NaN interval below two values)."""
    n = len(x)
    if n == 0:
        return (math.nan,) * 4
    mean, sd = float(np.mean(x)), float(np.std(x, ddof=1)) if n > 1 else math.nan
    half = float(t_dist.ppf(1 - (1 - level) / 2, n - 1) * sd / math.sqrt(n)) if n > 1 else math.nan
    return mean, sd, mean - half, mean + half


def _welch(a: np.ndarray, b: np.ndarray, level: float) -> tuple[float, float, float, float]:
    """Difference of means ``a - b`` with its Welch interval and p-value (NaN when either has < 2 values)."""
    if len(a) < 2 or len(b) < 2:
        return (float(np.mean(a)) - float(np.mean(b)) if len(a) and len(b) else math.nan), math.nan, math.nan, math.nan
    va, vb = np.var(a, ddof=1) / len(a), np.var(b, ddof=1) / len(b)
    diff, se = float(np.mean(a) - np.mean(b)), math.sqrt(va + vb)
    if se == 0:  # no spread in either sample: no test
        return diff, diff, diff, math.nan
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    half = float(t_dist.ppf(1 - (1 - level) / 2, df)) * se
    return diff, diff - half, diff + half, float(ttest_ind(a, b, equal_var=False).pvalue)


def _welch_anova(samples: list[np.ndarray]) -> tuple[float, float]:
    """Welch's one-way ANOVA (unequal variances): ``(F, p_value)`` over samples of at least two values."""
    samples = [x for x in samples if len(x) >= 2 and np.var(x, ddof=1) > 0]
    k = len(samples)
    if k < 2:
        return math.nan, math.nan
    n = np.array([len(x) for x in samples], dtype="float64")
    w = n / np.array([np.var(x, ddof=1) for x in samples])
    m = np.array([np.mean(x) for x in samples])
    mw = float((w * m).sum() / w.sum())
    tmp = float(((1 - w / w.sum()) ** 2 / (n - 1)).sum())
    stat = float((w * (m - mw) ** 2).sum() / (k - 1) / (1 + 2 * (k - 2) / (k * k - 1) * tmp))
    return stat, float(f_dist.sf(stat, k - 1, (k * k - 1) / (3 * tmp)))


def _outcome_kind(values: pd.Series, kind: str, outcome: str) -> tuple[str, pd.Series]:
    if kind not in OUTCOME_KINDS:
        raise ParameterError(f"kind must be one of {list(OUTCOME_KINDS)}, got {kind!r}. Pass kind='binary' for "
                             "a yes/no outcome such as churn, kind='numeric' for one such as a revenue change.")
    present = values.dropna()
    numeric = pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values)
    if not numeric:
        raise ParameterError(f"Outcome {outcome!r} must be numbers or True/False, found values "
                             f"{sorted(map(str, present.unique()))[:5]}. Map them first, e.g. "
                             f"outcomes.assign({outcome}=outcomes[{outcome!r}].eq('yes')).")
    x = present.astype("float64")
    binary = bool(x.isin([0.0, 1.0]).all())
    if kind == "binary" and not binary:
        raise ParameterError(f"Outcome {outcome!r} must be 0/1 or True/False for kind='binary', found other "
                             f"values, first: {sorted(x[~x.isin([0.0, 1.0])].unique().tolist())[:5]}. Pass "
                             "kind='numeric' for a measured outcome, or recode it to 0/1.")
    chosen = kind if kind != "auto" else ("binary" if binary else "numeric")
    return chosen, values.astype("float64")


def _binary_tables(y: np.ndarray, group: np.ndarray, z: float, level: float):
    n = np.array([(group == g).sum() for g in GROUPS])
    k = np.array([y[group == g].sum() for g in GROUPS])
    rate, low, high = _wilson(k, n, z)
    groups = pd.DataFrame({"group": GROUPS, "n": n, "events": k.astype("int64"), "rate": rate, "ci_low": low,
                           "ci_high": high})
    rows = []
    for a, b in _COMPARISONS:
        ia, ib = GROUPS.index(a), GROUPS.index(b)
        est, lo, hi = _odds_ratio(k[ia], n[ia], k[ib], n[ib], level)
        p, method = two_proportion_test(k[ia], n[ia], k[ib], n[ib])
        rows.append({"comparison": f"{a} vs {b}", "estimate": est, "ci_low": lo, "ci_high": hi,
                     "p_value": float(p[0]), "test": str(method[0])})
    stat, p, method = group_table_test(np.stack([k, n - k], axis=1))
    return groups, pd.DataFrame(rows), {"statistic": stat, "p_value": p, "method": method}


def _numeric_tables(y: np.ndarray, group: np.ndarray, level: float):
    stats = [(g, (group == g).sum(), *_mean_ci(y[group == g], level)) for g in GROUPS]
    groups = pd.DataFrame(stats, columns=["group", "n", "mean", "sd", "ci_low", "ci_high"])
    rows = []
    for a, b in _COMPARISONS:
        diff, lo, hi, p = _welch(y[group == a], y[group == b], level)
        rows.append({"comparison": f"{a} vs {b}", "estimate": diff, "ci_low": lo, "ci_high": hi, "p_value": p,
                     "test": "welch"})
    stat, p = _welch_anova([y[group == g] for g in GROUPS])
    return groups, pd.DataFrame(rows), {"statistic": stat, "p_value": p, "method": "welch anova"}


def _theme_table(y: np.ndarray, themes: pd.Series, wanted: Sequence[str] | None, kind: str, z: float,
                 level: float) -> pd.DataFrame:
    sets = [set(s.split("; ")) - {""} if isinstance(s, str) else set() for s in themes]
    names = sorted(set().union(*sets)) if wanted is None else list(wanted)
    rows = []
    for name in names:
        has = np.array([name in s for s in sets])
        a, b = y[has], y[~has]
        if kind == "binary":
            (rate_w, rate_o), (low_w, low_o), (high_w, high_o) = _wilson([a.sum(), b.sum()], [len(a), len(b)], z)
            est, lo, hi = _odds_ratio(a.sum(), len(a), b.sum(), len(b), level)
            p, method = two_proportion_test(a.sum(), len(a), b.sum(), len(b))
            rows.append({"theme": name, "n_with": len(a), "rate_with": rate_w, "rate_with_low": low_w,
                         "rate_with_high": high_w, "n_without": len(b), "rate_without": rate_o,
                         "rate_without_low": low_o, "rate_without_high": high_o, "odds_ratio": est,
                         "ci_low": lo, "ci_high": hi, "p_value": float(p[0]), "test": str(method[0])})
        else:
            diff, lo, hi, p = _welch(a, b, level)
            rows.append({"theme": name, "n_with": len(a), "mean_with": float(np.mean(a)) if len(a) else math.nan,
                         "n_without": len(b), "mean_without": float(np.mean(b)) if len(b) else math.nan,
                         "difference": diff, "ci_low": lo, "ci_high": hi, "p_value": p, "test": "welch"})
    table = pd.DataFrame(rows)
    if len(table):
        table["q_value"] = bh_qvalues(table["p_value"].to_numpy())
    return table


def relate_outcome(data: pd.DataFrame, outcomes: pd.DataFrame, *, customer: str = "customer_id",
                   outcome: str = "churned", themes: Sequence[str] | None = None, mentions: pd.DataFrame | None = None,
                   kind: str = "auto", level: float = 0.95, scale: str = "0-10") -> OutcomeRelation:
    """Test whether the NPS group (and each theme) goes with a later outcome such as churn or revenue change.

    ``data`` is either responses (turned into :func:`customer_view` first, using ``date`` when it has
    one) or a customer view; each customer's group is that of their **latest** score. The outcome
    is joined by ``customer`` (ids compared as text). Nothing is lost silently: ``unmatched`` lists
    every customer with no outcome row, every outcome row with no survey customer, and every matched
    customer left out for a missing outcome or score.

    For a **binary** outcome (0/1 or True/False): per group the rate with its Wilson interval; the odds
    ratios detractor vs promoter and passive vs promoter with Woolf intervals
    (:func:`~nps_text.drivers.odds_ratio`) and z or Fisher p-values
    (:func:`~nps_text.drivers.two_proportion_test`); overall Pearson's chi-square on the 3 × 2 table
    (a Monte Carlo exact test when counts are small, :func:`~nps_text.drivers.group_table_test`).
    For a **numeric** outcome: per group the mean with its t interval; the differences in means
    (detractor - promoter, passive - promoter) with Welch intervals and p-values; overall Welch's
    one-way ANOVA. Themes (from ``themes_all``) compare customers who mentioned a theme with those who
    did not, with Benjamini-Hochberg q-values. It is association, never causation (``caveat``).

    Parameters
    ----------
    data : DataFrame
        Responses with ``customer`` and ``score`` (and ``date``), or the output of :func:`customer_view`.
    outcomes : DataFrame
        One row per customer with ``customer`` and ``outcome``.
    themes : sequence of str, optional
        Themes to test; default every theme in ``themes_all``; ``[]`` for none.
    mentions : DataFrame, optional
        Mentions table, used when ``data`` are responses (gives the customers' themes).
    kind : {"auto", "binary", "numeric"}
        "auto": binary when every value is 0/1 or True/False.

    Returns
    -------
    OutcomeRelation
        ``groups`` (group, n, events, rate, ci_low, ci_high — or n, mean, sd, ci_low, ci_high),
        ``comparisons`` (comparison, estimate, ci_low, ci_high, p_value, test), ``test`` (statistic,
        p_value, method), ``themes``, ``unmatched`` (customer, reason), ``n_matched``, ``caveat``.

    Examples
    --------
    >>> view = pd.DataFrame({"customer_id": [1, 2, 3, 4], "latest_group": ["detractor", "detractor", "promoter",
    ...                      "promoter"], "themes_all": ["price", "", "", "price"]})
    >>> out = pd.DataFrame({"customer_id": [1, 2, 3, 4, 5], "churned": [1, 1, 0, 1, 0]})
    >>> r = relate_outcome(view, out)
    >>> r.groups["rate"].tolist(), r.unmatched.values.tolist()
    ([1.0, nan, 0.5], [[5, 'no survey response']])
    """
    z = z_value(level)
    _check_frame(data, "data", [customer], "Pass customer='<id column>' that both tables share.")
    _check_frame(outcomes, "outcomes", [customer, outcome],
                 "Pass outcome='<column>' (and customer='<id column>') that the outcomes table has.")
    view = data if "latest_group" in data.columns else customer_view(
        data, customer, mentions=mentions, date="date" if "date" in data.columns else None, scale=scale)
    if view[customer].duplicated().any():
        raise ParameterError(f"Customer ids repeat in the customer view, first: "
                             f"{view.loc[view[customer].duplicated(), customer].head(3).tolist()}. Pass responses "
                             "or customer_view(responses, customer) instead.")
    if outcomes[customer].duplicated().any():
        raise ParameterError(f"outcomes must hold one row per customer; ids repeat, first: "
                             f"{outcomes.loc[outcomes[customer].duplicated(), customer].head(3).tolist()}. "
                             "Aggregate them first (e.g. outcomes.groupby(customer).max()).")
    kind, values = _outcome_kind(outcomes[outcome], kind, outcome)
    left, right = view[customer].astype(str), outcomes[customer].astype(str)
    matched = left.isin(set(right))
    if not matched.any():
        raise ParameterError(f"No customer id of the survey is in the outcomes: survey ids like "
                             f"{left.head(3).tolist()}, outcome ids like {right.head(3).tolist()}. Check customer= "
                             "and the id format (leading zeros, prefixes).")
    y = left.map(dict(zip(right, values))).to_numpy(dtype="float64")
    group = view["latest_group"].astype(object).where(view["latest_group"].notna(), None).to_numpy()
    found, known, scored = matched.to_numpy(), ~np.isnan(y), np.isin(group, GROUPS)
    usable = found & known & scored
    reasons = [(view.loc[mask, customer], why) for mask, why in ((~found, "no outcome row"), (found & ~known,
               "outcome missing"), (found & known & ~scored, "no NPS score"))]
    reasons.append((outcomes.loc[~right.isin(set(left)), customer], "no survey response"))
    unmatched = pd.DataFrame([(c, why) for ids, why in reasons for c in ids], columns=[customer, "reason"])
    if len(unmatched):
        logger.warning("relate_outcome: %d customer(s) left out of the test (%s); they are listed in the result's "
                       "'unmatched' table", len(unmatched),
                       ", ".join(f"{n} {reason}" for reason, n in unmatched["reason"].value_counts().items()))
    y_used, g_used = y[usable], group[usable]
    if kind == "binary":
        groups, comparisons, test = _binary_tables(y_used, g_used, z, level)
    else:
        groups, comparisons, test = _numeric_tables(y_used, g_used, level)
    theme_col = view["themes_all"] if "themes_all" in view.columns else pd.Series("", index=view.index)
    theme_table = _theme_table(y_used, theme_col[usable], themes, kind, z, level) \
        if themes is None or len(themes) else pd.DataFrame()
    return OutcomeRelation(outcome=outcome, kind=kind, groups=groups, comparisons=comparisons, test=test,
                           themes=theme_table, unmatched=unmatched, n_matched=int(usable.sum()), level=float(level))
