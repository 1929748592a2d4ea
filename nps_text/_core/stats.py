"""The numerical kernels of NPS statistics, shared by ``stats`` and ``drivers`` (vectorised, no DataFrames).

The NPS, its adjusted-Wald interval (Rocks 2016), the two-sample comparison with its z-test or
exact permutation test, the one interval clipper every table uses, and the period labels. They
import nothing from nps_text but ``errors``; the public functions around them live in
:mod:`nps_text.stats` and :mod:`nps_text.drivers`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import gammaln
from scipy.stats import norm

from ..errors import ParameterError

__all__ = ["PERIODS", "RANGES", "MIN_EXPECTED", "EXACT_MAX_TABLES", "is_num", "z_value", "check_min_n", "clip_interval",
           "nps_stats", "small_table", "log_choose", "exact_nps_p", "compare_stats", "period_label"]

PERIODS = {"week": "W-SUN", "month": "M", "quarter": "Q", "year": "Y"}
# the values each kind of quantity can take: every interval is clipped to its kind's range
RANGES = {"nps": (-100.0, 100.0), "difference": (-200.0, 200.0), "share": (0.0, 1.0),
           "percent": (0.0, 100.0), "ratio": (0.0, math.inf)}
MIN_EXPECTED = 5.0  # below this expected count in a comparison's table, tests are exact
EXACT_MAX_TABLES = 4_000_000  # more possible splits than this: the z-test (then accurate) is kept



def is_num(x: Any) -> bool:
    ok = isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool)
    return ok and math.isfinite(x)



def z_value(level: Any) -> float:
    if not is_num(level) or not 0 < level < 1:
        hint = f" Pass level={level / 100:g} (CLI: --level {level / 100:g}) for a {level:g}% interval." \
            if is_num(level) and 1 < level < 100 else " Pass e.g. level=0.95."
        raise ParameterError(f"level must be between 0 and 1 (exclusive), got {level!r}.{hint}")
    return float(norm.ppf(1 - (1 - float(level)) / 2))



def check_min_n(min_n: Any) -> int:
    if not is_num(min_n) or min_n < 0 or min_n != int(min_n):
        raise ParameterError(f"min_n must be a non-negative integer, got {min_n!r}. "
                             "Pass e.g. min_n=30, or min_n=0 to turn small-sample warnings off.")
    return int(min_n)



def clip_interval(estimate: Any, low: Any, high: Any, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """``(low, high)`` clipped to the range a ``kind`` of quantity can take and widened to hold ``estimate``.

    The one place every interval of the package passes through. ``kind`` is "nps" (points,
    -100..100), "difference" (an NPS difference or an impact, -200..200), "share" (0..1), "percent"
    (0..100) or "ratio" (odds ratios, 0..inf). An interval that misses its own estimate is widened
    just enough to reach it, the other end unchanged: the adjusted-Wald interval is centred on a
    shrunken estimate and misses the NPS of a single response (-100 with -98.5 ... 48.5), and a
    percentile bootstrap of few draws can miss too. Widening can only raise the coverage, and no
    table shows an estimate outside its own interval. NaN stays NaN; vectorised.

    Examples
    --------
    >>> [v.tolist() for v in clip_interval(-100.0, -98.5, 48.5, "nps")]
    [-100.0, 48.5]
    >>> [v.tolist() for v in clip_interval(-100.0, -248.0, 48.0, "difference")]
    [-200.0, 48.0]
    """
    if kind not in RANGES:
        raise ParameterError(f"kind must be one of {sorted(RANGES)}, got {kind!r}.")
    bottom, top = RANGES[kind]
    est, low, high = (np.asarray(v, dtype="float64") for v in (estimate, low, high))
    known = ~np.isnan(est)
    low = np.where(known, np.minimum(low, est), low)  # NaN ends stay NaN
    high = np.where(known, np.maximum(high, est), high)
    return np.clip(low, bottom, top), np.clip(high, bottom, top)



def nps_stats(promoters: Any, passives: Any, detractors: Any, z: float) -> dict[str, np.ndarray]:
    """Vectorised counts, point estimate, plain SE and adjusted-Wald interval (points)."""
    P, A, D = (np.asarray(x, dtype="float64") for x in (promoters, passives, detractors))
    n = P + A + D
    with np.errstate(invalid="ignore", divide="ignore"):
        p, d = P / n, D / n
        se = 100 * np.sqrt(np.maximum(p + d - (p - d) ** 2, 0) / n)
    n_adj = n + 3
    pa, da = (P + 0.75) / n_adj, (D + 0.75) / n_adj
    se_adj = 100 * np.sqrt(np.maximum(pa + da - (pa - da) ** 2, 0) / n_adj)
    empty = n == 0
    center = np.where(empty, np.nan, 100 * (pa - da))
    moe = np.where(empty, np.nan, z * se_adj)
    low, high = clip_interval(100 * (p - d), center - moe, center + moe, "nps")
    return {"n": n, "promoters": P, "passives": A, "detractors": D, "nps": 100 * (p - d), "se": se,
            "center": center, "se_adj": np.where(empty, np.nan, se_adj), "margin_of_error": moe,
            "ci_low": low, "ci_high": high}



def small_table(a: Any, b: Any, min_expected: float = MIN_EXPECTED) -> np.ndarray:
    """Whether the 2 × c table with rows ``a`` and ``b`` (counts on the last axis) has an expected count
    below ``min_expected``; columns that are empty in both rows are left out, empty rows give False."""
    a, b = np.asarray(a, dtype="float64"), np.asarray(b, dtype="float64")
    total = a + b
    n_a, n_b = a.sum(axis=-1), b.sum(axis=-1)
    smallest = np.where(total > 0, total, np.inf).min(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = np.minimum(n_a, n_b) * smallest / (n_a + n_b)
    return (n_a > 0) & (n_b > 0) & (expected < min_expected)



def log_choose(n: Any, k: Any) -> np.ndarray:
    return gammaln(np.asarray(n) + 1.0) - gammaln(np.asarray(k) + 1.0) - gammaln(np.asarray(n) - k + 1.0)



def exact_nps_p(a: Any, b: Any) -> float:
    """Two-sided exact permutation p-value of ``NPS_a - NPS_b`` from the (promoter, passive, detractor) counts.

    Every split of the pooled respondents into samples of the two sizes is equally likely under the
    null (both samples from one population); the tables of such splits are multivariate
    hypergeometric and are enumerated. Given the margins ``NPS_a - NPS_b`` grows with ``P_a - D_a``,
    so the p-value is the probability of a ``|P_a - D_a - E(P_a - D_a)|`` at least as large as
    observed. NaN when there are more than ``EXACT_MAX_TABLES`` tables.
    """
    a, b = np.asarray(a, dtype="int64"), np.asarray(b, dtype="int64")
    if a.sum() > b.sum():
        a, b = b, a  # enumerate the smaller sample: |NPS_a - NPS_b| is symmetric
    total, n = a + b, int(a.sum())
    N = int(total.sum())
    span = np.minimum(total, n)
    c0, c1, c2 = np.argsort(span, kind="stable")  # enumerate the two columns with fewest possible values
    if (span[c0] + 1) * (span[c1] + 1) > EXACT_MAX_TABLES:
        return math.nan
    x = np.zeros((3, span[c0] + 1, span[c1] + 1))
    x[c0] += np.arange(span[c0] + 1)[:, None]
    x[c1] += np.arange(span[c1] + 1)[None, :]
    x[c2] = n - x[c0] - x[c1]
    ok = (x[c2] >= 0) & (x[c2] <= total[c2])
    x[c2] = np.where(ok, x[c2], 0)
    log_p = sum(log_choose(total[c], x[c]) for c in range(3)) - log_choose(N, n)
    mean = n * (total[0] - total[2]) / N
    extreme = np.abs(x[0] - x[2] - mean) >= abs(a[0] - a[2] - mean) - 1e-9
    return float(min(1.0, np.exp(log_p[ok & extreme]).sum()))



def compare_stats(a: dict[str, np.ndarray], b: dict[str, np.ndarray], z: float) -> dict[str, np.ndarray]:
    """Vectorised comparison of two independent samples' NPS (a - b): interval, z-test or exact test.

    ``exact`` marks the p-values from :func:`exact_nps_p`, used where the 2 × 3 table of the two
    samples' groups has an expected count below :data:`MIN_EXPECTED`; elsewhere the z-test on
    adjusted NPS.
    """
    se = np.sqrt(a["se_adj"] ** 2 + b["se_adj"] ** 2)
    adj = a["center"] - b["center"]
    with np.errstate(invalid="ignore", divide="ignore"):
        stat = adj / se
    p_value = np.array(2 * norm.sf(np.abs(stat)), dtype="float64")
    groups = ("promoters", "passives", "detractors")
    counts_a, counts_b = (np.stack(np.broadcast_arrays(*(s[g] for g in groups)), axis=-1) for s in (a, b))
    exact = np.array(small_table(counts_a, counts_b))
    for i in np.ndindex(exact.shape):
        if exact[i]:
            p = exact_nps_p(counts_a[i], counts_b[i])
            exact[i] = not math.isnan(p)
            p_value[i] = p if exact[i] else p_value[i]
    difference = a["nps"] - b["nps"]
    low, high = clip_interval(difference, adj - z * se, adj + z * se, "difference")
    return {"difference": difference, "se": se, "z": stat, "p_value": p_value, "ci_low": low, "ci_high": high,
            "exact": exact}



def period_label(period: pd.Period, kind: str) -> str:
    if kind == "week":
        iso = period.start_time.isocalendar()
        return f"{iso[0]}-W{iso[1]:02d}"
    if kind == "quarter":
        return f"{period.year}-Q{period.quarter}"
    return str(period)
