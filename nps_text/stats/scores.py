"""Net Promoter Score with honest uncertainty: groups, intervals, comparisons, targets.

Tables by segment and by period live in :mod:`nps_text.stats.segments`.

Every NPS value returned is in **points** (-100..100); shares are fractions (0..1). Missing
scores (NaN / ``pd.NA``) are left out of ``n`` everywhere. Intervals and tests use the
adjusted Wald method (0.75 / 1.5 / 0.75 pseudo-counts, see :func:`nps_from_counts`), which
keeps close to nominal coverage for small samples and extreme scores, of:

Rocks, B. (2016). "Interval Estimation for the 'Net Promoter Score'". The American
Statistician, 70(4), 365-372. doi:10.1080/00031305.2016.1158124

Every interval of the package passes through :func:`nps_text._core.stats.clip_interval`: it stays within the range its
quantity can take (NPS -100..100, NPS differences and impacts -200..200, shares 0..1) and always
holds its own estimate. Two small samples are compared with an exact permutation test instead of
the z-test (see :func:`compare_nps`).
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import asdict, dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd
from scipy.stats import norm

from .._core.results import Result, format_p
from .._core.stats import (
    check_min_n,
    compare_stats,
    is_num,
    nps_stats,
    z_value,
)
from ..errors import ColumnError, ParameterError

__all__ = [
    "GROUPS",
    "NPSResult",
    "NPSComparison",
    "nps_group",
    "nps",
    "nps_summary",
    "nps_from_counts",
    "sample_size_for_margin",
    "compare_nps",
    "target_progress",
    "TargetProgress",
    "headline",
]

logger = logging.getLogger(__name__)

GROUPS = ["detractor", "passive", "promoter"]
MISSING_LABEL = "(missing)"
NO_DATE_LABEL = "(no date)"
_SCALES = {"0-10": 0, "1-10": 1}


# ----------------------------------------------------------------------------- validation


def _check_count(name: str, value: Any) -> int:
    if not is_num(value) or value < 0 or value != int(value):
        raise ParameterError(f"{name} must be a non-negative whole number of responses, got "
                             f"{value!r}. Pass counts, not shares (e.g. {name}=12).")
    return int(value)


def _check_columns(responses: pd.DataFrame, columns: Sequence[tuple[str, str]]) -> None:
    if not isinstance(responses, pd.DataFrame):
        raise ParameterError(f"responses must be a pandas DataFrame, got "
                             f"{type(responses).__name__}. Pass the survey table, "
                             "e.g. pd.read_csv('survey.csv').")
    for col, role in columns:
        if col not in responses.columns:
            raise ColumnError(f"Column {col!r} (given as {role}) not found; available columns: "
                              f"{list(responses.columns)}. Pass one of them as {role}=...")


# ----------------------------------------------------------------------------- grouping
def nps_group(scores: Any, *, scale: str = "0-10") -> pd.Series:
    """Classify 0-10 scores as detractor (0-6), passive (7-8) or promoter (9-10).

    Parameters
    ----------
    scores : Series, array or list of int
        Whole-number scores. Missing values (NaN, None, ``pd.NA``) give a missing group.
        Integer-valued floats and numeric strings are accepted.
    scale : {"0-10", "1-10"}, default "0-10"
        The answer scale. Thresholds are the same; under "1-10" a score of 0 is invalid.

    Returns
    -------
    Series
        Ordered categorical with categories ``["detractor", "passive", "promoter"]``, named
        ``"nps_group"``, with the index of ``scores`` when it is a Series. Values that are
        not whole numbers on the scale raise ParameterError.

    Examples
    --------
    >>> nps_group([6, 7, 8, 9, None]).tolist()
    ['detractor', 'passive', 'passive', 'promoter', nan]
    """
    if scale not in _SCALES:
        raise ParameterError(f"scale must be one of {sorted(_SCALES)}, got {scale!r}. "
                             "Pass scale='0-10' for the standard NPS question.")
    if not isinstance(scores, pd.Series):
        scores = pd.Series(scores if isinstance(scores, np.ndarray) else list(scores))
    if pd.api.types.is_bool_dtype(scores.dtype):
        raise ParameterError("scores must be whole numbers from the NPS scale, got booleans. "
                             "Pass the 0-10 answers, not a True/False column.")
    num = pd.to_numeric(scores, errors="coerce").astype("float64").to_numpy()
    low, present = _SCALES[scale], scores.notna().to_numpy()
    with np.errstate(invalid="ignore"):
        bad = present & ~((num >= low) & (num <= 10) & (num == np.round(num)))
    if bad.any():
        first = scores[bad].head(5).tolist()
        extra = " (0 is not on the 1-10 scale; pass scale='0-10' if 0 is a valid answer)" \
            if scale == "1-10" and 0 in first else ""
        raise ParameterError(
            f"scores must be whole numbers from {low} to 10 (scale={scale!r}); found "
            f"{int(bad.sum())} invalid value(s), first: {first}{extra}. Clean or drop them first.")
    codes = np.select([~present, num <= 6, num <= 8], [-1, 0, 1], default=2)
    cat = pd.Categorical.from_codes(codes, categories=GROUPS, ordered=True)
    return pd.Series(cat, index=scores.index, name="nps_group")


def _counts(scores: Any) -> tuple[int, int, int]:
    groups = nps_group(scores)
    counts = groups.value_counts()
    if groups.isna().any():
        logger.info("Left %d missing score(s) out of the NPS.", int(groups.isna().sum()))
    return int(counts["promoter"]), int(counts["passive"]), int(counts["detractor"])


# ----------------------------------------------------------------------------- core maths


def _warning(n: int, moe: float, min_n: int) -> str | None:
    if n == 0:
        return "No responses: the NPS cannot be computed."
    if n < min_n:
        word = "response" if n == 1 else "responses"
        return (f"Only {n} {word}: the NPS is very uncertain (±{moe:.0f} points); "
                "treat it as indicative.")
    return None


def _table(P: Any, A: Any, D: Any, z: float, min_n: int) -> pd.DataFrame:
    s = nps_stats(P, A, D, z)
    n = np.asarray(s["n"]).astype("int64")
    return pd.DataFrame({
        "n": n, "promoters": np.asarray(P, "int64"), "passives": np.asarray(A, "int64"),
        "detractors": np.asarray(D, "int64"), "nps": s["nps"], "ci_low": s["ci_low"],
        "ci_high": s["ci_high"], "margin_of_error": s["margin_of_error"],
        "warning": pd.Series([_warning(int(k), float(m), min_n)
                              for k, m in zip(n, s["margin_of_error"])], dtype=object),
    })


def _plain(value: Any) -> Any:
    if isinstance(value, (np.integer, np.bool_)):
        value = value.item()
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    return value


# ----------------------------------------------------------------------------- one sample
class _OneRow(Result):
    """A dataclass result of plain fields: ``to_dict()`` is its fields (NaN as None), ``to_frame()`` one row."""

    def to_dict(self) -> dict[str, Any]:
        """Return the result as a JSON-safe dict (NaN as None)."""
        return {k: _plain(v) for k, v in asdict(self).items()}

    def to_frame(self) -> pd.DataFrame:
        """One row with the fields as columns."""
        return pd.DataFrame([self.to_dict()])


@dataclass(frozen=True)
class NPSResult(_OneRow):
    """NPS of one sample with its adjusted-Wald interval (all NPS values in points).

    ``to_dict()`` returns plain Python types keyed by the field names; NaN becomes None.
    ``summary()`` says it in a sentence, ``to_frame()`` is one row; in Jupyter it displays itself.

    >>> print(nps_from_counts(5, 3, 2, min_n=5).summary())
    NPS 30.0 (95% interval -19.1 to 65.2, ±42.1) from 10 responses: 5 promoters, 3 passives, 2 detractors.
    """

    n: int
    promoters: int
    passives: int
    detractors: int
    share_promoters: float
    share_passives: float
    share_detractors: float
    nps: float
    se: float
    ci_low: float
    ci_high: float
    margin_of_error: float
    level: float
    warning: str | None

    def summary(self) -> str:
        """The NPS, its interval and the group counts in one sentence (plus the small-sample warning)."""
        return "\n".join(x for x in (headline(self.to_dict()), self.warning) if x)


def _num(value: Any, digits: int = 1) -> str:
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def headline(result: Any) -> str:
    """The one-sentence NPS headline of an :class:`NPSResult` dict (or any dict with its keys).

    >>> headline(nps_from_counts(5, 3, 2).to_dict())
    'NPS 30.0 (95% interval -19.1 to 65.2, ±42.1) from 10 responses: 5 promoters, 3 passives, 2 detractors.'
    """
    return (f"NPS {_num(result['nps'])} ({round(result['level'] * 100)}% interval {_num(result['ci_low'])} to "
            f"{_num(result['ci_high'])}, ±{_num(result['margin_of_error'])}) from {_count(result['n'], 'response')}: "
            f"{_count(result['promoters'], 'promoter')}, {_count(result['passives'], 'passive')}, "
            f"{_count(result['detractors'], 'detractor')}.")


def nps_from_counts(promoters: int, passives: int, detractors: int, *, level: float = 0.95,
                    min_n: int = 30) -> NPSResult:
    """NPS, standard error and adjusted-Wald interval from group counts.

    ``nps = 100 (P - D) / n``; ``se = 100 sqrt((p + d - (p - d)^2) / n)`` with the raw shares.
    The interval is the adjusted Wald interval of Rocks (2016): add 0.75 promoters, 1.5
    passives and 0.75 detractors, ``n' = n + 3``, ``p' = (P + 0.75)/n'``, ``d' = (D + 0.75)/n'``,
    ``se' = sqrt((p' + d' - (p' - d')^2) / n')``, interval ``100 (p' - d' ± z se')`` clipped
    to [-100, 100], ``z = norm.ppf(1 - (1 - level)/2)``. ``margin_of_error`` is ``100 z se'``
    (the half-width before clipping), so the interval is not centred on ``nps``. The adjusted
    centre is pulled towards 0, so for a response or two all in one group (one detractor: -100
    with -98.5 ... 48.5) the interval would miss ``nps``; its near end is then moved to ``nps``
    (here -100 ... 48.5), which can only raise the coverage.

    Parameters
    ----------
    promoters, passives, detractors : int
        Non-negative response counts.
    level : float, default 0.95
        Confidence level, strictly between 0 and 1.
    min_n : int, default 30
        Below this many responses ``warning`` holds a sentence on the uncertainty. With
        ``n == 0`` the NPS, SE and interval are NaN and ``warning`` says so.

    Examples
    --------
    >>> r = nps_from_counts(5, 3, 2)
    >>> r.nps, round(r.ci_low, 2), round(r.ci_high, 2)
    (30.0, -19.05, 65.2)
    >>> r.warning
    'Only 10 responses: the NPS is very uncertain (±42 points); treat it as indicative.'
    """
    z = z_value(level)
    min_n = check_min_n(min_n)
    P, A, D = (_check_count(k, v) for k, v in
               (("promoters", promoters), ("passives", passives), ("detractors", detractors)))
    s = {k: float(v) for k, v in nps_stats(P, A, D, z).items()}
    n = P + A + D
    share = (lambda k: k / n) if n else (lambda k: math.nan)
    return NPSResult(n=n, promoters=P, passives=A, detractors=D, share_promoters=share(P),
                     share_passives=share(A), share_detractors=share(D), nps=s["nps"], se=s["se"],
                     ci_low=s["ci_low"], ci_high=s["ci_high"], margin_of_error=s["margin_of_error"],
                     level=float(level), warning=_warning(n, s["margin_of_error"], min_n))


def nps_summary(scores: Any, *, level: float = 0.95, min_n: int = 30) -> NPSResult:
    """Count the groups of 0-10 ``scores`` and return :func:`nps_from_counts` of them.

    Missing scores are left out of ``n``; invalid scores raise ParameterError.

    Examples
    --------
    >>> r = nps_summary([10, 9, 9, 10, 9, 7, 8, 7, 3, 6])
    >>> r.n, r.nps, r.share_promoters
    (10, 30.0, 0.5)
    """
    z_value(level), check_min_n(min_n)  # validate before counting
    return nps_from_counts(*_counts(scores), level=level, min_n=min_n)


def nps(scores: Any) -> float:
    """Net Promoter Score in points (-100..100) of 0-10 scores; NaN when there are none.

    Examples
    --------
    >>> nps([10, 9, 8, 3])
    25.0
    """
    P, A, D = _counts(scores)
    n = P + A + D
    return 100.0 * (P - D) / n if n else math.nan


def sample_size_for_margin(margin: float, *, promoters: float = 0.5, detractors: float = 0.2,
                           level: float = 0.95) -> int:
    """Smallest ``n`` with ``100 z sqrt(var / n) <= margin``, ``var = p + d - (p - d)^2``.

    Uses the plain (not adjusted) Wald approximation, so it is a planning figure.

    Parameters
    ----------
    margin : float
        Wanted half-width of the interval, in NPS points (e.g. 5 for ±5 points).
    promoters, detractors : float, default 0.5 and 0.2
        Expected shares (fractions). The defaults (variance 0.61) suit a typical NPS of
        about +30. When nothing is known, pass ``promoters=0.5, detractors=0.5``: that is the
        worst case (variance 1), so the ``n`` returned is enough for any result.
    level : float, default 0.95
        Confidence level.

    Examples
    --------
    >>> sample_size_for_margin(5)
    938
    >>> sample_size_for_margin(5, promoters=0.5, detractors=0.5)
    1537
    """
    z = z_value(level)
    if not is_num(margin) or margin <= 0:
        raise ParameterError(f"margin must be a positive number of NPS points, got {margin!r}. "
                             "Pass e.g. margin=5 for an interval of ±5 points.")
    for name, value in (("promoters", promoters), ("detractors", detractors)):
        if not is_num(value) or not 0 <= value <= 1:
            raise ParameterError(f"{name} must be an expected share between 0 and 1, got "
                                 f"{value!r}. Pass e.g. {name}=0.4 for 40%.")
    if promoters + detractors > 1:
        raise ParameterError(f"promoters + detractors must be at most 1, got {promoters} + "
                             f"{detractors}. Pass shares of one survey, e.g. 0.5 and 0.2.")
    var = max(promoters + detractors - (promoters - detractors) ** 2, 0.0)
    n = max(1, math.ceil((100 * z) ** 2 * var / margin ** 2))
    while n > 1 and 100 * z * math.sqrt(var / (n - 1)) <= margin:  # float rounding guards
        n -= 1
    while 100 * z * math.sqrt(var / n) > margin:
        n += 1
    return n


# ----------------------------------------------------------------------------- two samples
@dataclass(frozen=True)
class NPSComparison:
    """Difference of two NPS (``a - b``, points) with a two-sided test: ``test`` is "z", "exact" or "none"."""

    difference: float
    se: float
    ci_low: float
    ci_high: float
    z: float
    p_value: float
    significant: bool
    test: str
    n_a: int
    n_b: int
    nps_a: float
    nps_b: float
    level: float

    def to_dict(self) -> dict[str, Any]:
        """Return the comparison as a JSON-safe dict (NaN as None)."""
        return {k: _plain(v) for k, v in asdict(self).items()}


def compare_nps(scores_a: Any, scores_b: Any, *, level: float = 0.95) -> NPSComparison:
    """Test whether two independent samples have different NPS.

    ``difference`` is the plain ``nps_a - nps_b``. The interval uses the adjusted shares of
    Rocks (2016) for each sample (0.75 / 1.5 / 0.75 pseudo-counts):
    ``se = 100 sqrt(var_a' / n_a' + var_b' / n_b')``, interval ``(adj_a - adj_b) ± z_level se``,
    clipped to [-200, 200] and widened to hold ``difference`` where it misses it (tiny samples).

    The test (``test``) depends on the counts. Where every expected count of the 2 × 3 table
    sample × group is at least 5 (groups nobody is in left out), the z-test ``z = (adj_a - adj_b) /
    se`` ("z"); there the adjusted interval excludes 0 exactly when ``p_value < 1 - level``. Otherwise the
    exact permutation test ("exact"): every split of the pooled responses into samples of sizes
    ``n_a`` and ``n_b`` is equally likely under the null that both come from one population, and
    ``p_value`` is the (hypergeometric) probability of an ``|nps_a - nps_b|`` at least as large as
    observed; the interval is still the adjusted one, so near the threshold the two can disagree —
    trust the p-value. If either sample is empty the statistics are NaN, ``significant`` is False
    and ``test`` is "none". ``significant`` is ``p_value < 1 - level``.

    Examples
    --------
    >>> c = compare_nps([10] * 60 + [3] * 40, [10] * 30 + [3] * 70)
    >>> c.difference, c.significant, c.p_value < 0.001, c.test
    (60.0, True, True, 'z')
    >>> small = compare_nps([10, 10, 10], [0, 0, 0])  # 2 of the 20 splits are as extreme
    >>> small.difference, round(small.p_value, 3), small.significant, small.test
    (200.0, 0.1, False, 'exact')
    """
    z = z_value(level)
    a, b = _counts(scores_a), _counts(scores_b)
    sa, sb = nps_stats(*a, z), nps_stats(*b, z)
    comp = compare_stats(sa, sb, z)
    test = "exact" if bool(comp.pop("exact")) else ("z" if sum(a) and sum(b) else "none")
    r = {k: float(v) for k, v in comp.items()}
    return NPSComparison(**r, significant=bool(r["p_value"] < 1 - level), test=test, n_a=sum(a), n_b=sum(b),
                         nps_a=float(sa["nps"]), nps_b=float(sb["nps"]), level=float(level))


@dataclass(frozen=True)
class TargetProgress(_OneRow):
    """Where the NPS stands against a target: :func:`target_progress`'s result.

    ``status`` is "above target", "below target" or "not distinguishable from target";
    ``to_dict()`` is the ``target`` object of ``summary.json``.
    """

    n: int
    nps: float
    target: float
    gap: float
    ci_low: float
    ci_high: float
    p_value: float
    status: str
    level: float
    warning: str | None

    def summary(self) -> str:
        """One sentence: the target, the status, the gap and its p-value."""
        return f"Target {_num(self.target)}: NPS is {self.status} (gap {_num(self.gap)}, p {format_p(self.p_value)})."

    def __getitem__(self, key: str) -> Any:
        warnings.warn("target_progress() returns a TargetProgress now: use its attributes (result.status) or "
                      "result.to_dict()[key] instead of result[key].", FutureWarning, stacklevel=2)
        return self.to_dict()[key]


def target_progress(scores: Any, target: float, *, level: float = 0.95) -> TargetProgress:
    """Compare the NPS of ``scores`` with a ``target`` (points) using the adjusted-Wald interval.

    ``status`` is "above target" when the whole interval lies above the target, "below
    target" when it lies below, otherwise "not distinguishable from target" (also when there
    are no responses). ``p_value`` is the two-sided one-sample z-test of NPS == target on the
    adjusted estimate ``(center - target) / se'``, so it agrees with the interval.

    Returns
    -------
    TargetProgress
        n, nps, target, gap (``nps - target``), ci_low, ci_high, p_value, status, level, warning.

    Examples
    --------
    >>> target_progress([10] * 70 + [3] * 30, 20).status
    'above target'
    """
    z = z_value(level)
    if not is_num(target) or not -100 <= target <= 100:
        raise ParameterError(f"target must be an NPS in points between -100 and 100, got "
                             f"{target!r}. Pass e.g. target=30 for an NPS of +30.")
    r = nps_summary(scores, level=level, min_n=30)
    s = nps_stats(r.promoters, r.passives, r.detractors, z)
    with np.errstate(invalid="ignore"):
        p_value = float(2 * norm.sf(abs((s["center"] - target) / s["se_adj"])))
    status = "not distinguishable from target"
    if r.ci_low > target:
        status = "above target"
    elif r.ci_high < target:
        status = "below target"
    return TargetProgress(n=r.n, nps=r.nps, target=float(target), gap=r.nps - target, ci_low=r.ci_low,
                          ci_high=r.ci_high, p_value=p_value, status=status, level=float(level), warning=r.warning)
