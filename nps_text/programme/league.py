"""League tables of NPS per unit (team, branch, agent, touchpoint) without the noise of small units.

Ranking units by their raw NPS rewards luck: a branch with 6 answers that happened to be promoters tops
the table, one with 6 unlucky answers sits at the bottom, and the large units, whose NPS is measured
precisely, end up in the middle. :func:`league_table` ranks by an empirical-Bayes shrunken NPS instead,
and :func:`funnel_data` gives the control limits of a funnel plot, the other classic remedy.

The model (Dirichlet-multinomial)
---------------------------------
Each unit ``u`` has true shares ``theta_u = (promoters, passives, detractors)``; its counts ``c_u`` are
multinomial given ``theta_u``, and the units' shares come from a common prior

    theta_u ~ Dirichlet(A m),

with mean ``m`` = the overall (pooled) shares and concentration ``A``. ``A`` is estimated by marginal
maximum likelihood: the counts of a unit are Dirichlet-multinomial, so (up to a constant)

    log L(A) = sum_u [ lgamma(A) - lgamma(n_u + A) + sum_k (lgamma(c_uk + A m_k) - lgamma(A m_k)) ],

maximised over ``log A`` (a grid, then ``scipy.optimize.minimize_scalar``). A small ``A`` says units differ a
lot (little shrinkage); when units differ no more than chance allows, ``L`` keeps rising with ``A``, which
stops at its upper bound (``1e4`` times the number of responses): every unit is pulled to the average.
Given ``A`` the posterior of a unit is ``Dirichlet(c_u + A m)``; its mean shares are
``(c_u + A m) / (n_u + A)``, so the shrunken NPS is

    100 (P_u + A m_p - D_u - A m_d) / (n_u + A),

a weighted average of the raw NPS (weight ``n_u / (n_u + A)``) and the overall NPS (weight ``A / (n_u + A)``,
the ``shrinkage`` column). Small units move a lot, large ones hardly at all. The posterior mean minimises the
expected squared error of every unit at once (the James-Stein / empirical-Bayes result), and ranking by it
orders units by their true NPS better than ranking by the raw NPS (``tests/programme/test_league.py`` checks
it by simulation).

The posterior interval of a unit's NPS ``100 (theta_p - theta_d)`` is the equal-tailed interval of Monte Carlo
draws from its Dirichlet posterior (``n_draws`` draws, seeded by ``random_state``): exact up to Monte Carlo
error, and unlike a normal approximation it stays inside -100..100 and is skewed near the ends. A unit is
``distinguishable`` from the average when its posterior interval of ``NPS_u - overall NPS`` excludes 0; the
overall NPS is the prior mean, treated as known (with many units it is measured far more precisely than any
unit). The uncertainty of ``A`` itself is ignored (plug-in empirical Bayes), which makes the intervals a little
too narrow when there are only a handful of units.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import minimize_scalar
from scipy.special import gammaln

from .._core.results import Result, to_jsonable
from .._core.stats import check_min_n, clip_interval, is_num, nps_stats, z_value
from ..errors import ColumnError, ParameterError
from ..stats import nps_group
from ..stats.scores import MISSING_LABEL

__all__ = ["FunnelData", "dirichlet_concentration", "funnel_data", "league_table"]

logger = logging.getLogger(__name__)

VERDICTS = ("above average", "below average", "not distinguishable from the average")
_COUNTS = ("promoters", "passives", "detractors")


def _check_columns(responses: Any, columns: list[tuple[str, str]]) -> None:
    if not isinstance(responses, pd.DataFrame):
        raise ParameterError(f"responses must be a pandas DataFrame, got {type(responses).__name__}. "
                             "Pass the survey table, e.g. pd.read_csv('survey.csv').")
    for col, role in columns:
        if col not in responses.columns:
            raise ColumnError(f"Column {col!r} (given as {role}) not found; available columns: "
                              f"{list(responses.columns)}. Pass one of them as {role}=...")


def _unit_counts(responses: pd.DataFrame, unit: str, score: str, scale: str) -> tuple[pd.Series, np.ndarray, int]:
    """Unit labels, their (promoters, passives, detractors) counts and the number of missing scores left out."""
    _check_columns(responses, [(unit, "unit"), (score, "score")])
    groups = nps_group(responses[score], scale=scale)
    scored = groups.notna().to_numpy()
    missing = int((~scored).sum())
    if missing:
        logger.warning("%d row(s) have no score: they count in no unit's n.", missing)
    if not scored.any():
        raise ParameterError(f"Column {score!r} holds no scores ({len(responses)} row(s), all missing), so there "
                             "is no NPS to rank. Pass the column of 0-10 answers as score=...")
    labels = responses[unit][scored].astype(object)
    labels = labels.where(labels.notna(), MISSING_LABEL).to_numpy()
    g = groups[scored].to_numpy()
    ind = pd.DataFrame({name: (g == group).astype("int64") for name, group in
                        zip(_COUNTS, ("promoter", "passive", "detractor"))})
    try:
        counts = ind.groupby(labels, sort=True).sum()
    except TypeError:  # labels of mixed types cannot be ordered: order them by their text
        counts = ind.groupby(labels, sort=False).sum()
        counts = counts.iloc[np.argsort([str(x) for x in counts.index], kind="stable")]
    return pd.Series(counts.index, name=unit), counts.to_numpy(dtype="float64"), missing


def _log_marginal(concentration: np.ndarray, counts: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Dirichlet-multinomial log-likelihood of ``counts`` (units x categories) at each concentration."""
    a = np.asarray(concentration, dtype="float64")[..., None, None]
    am = a * mean
    n = counts.sum(axis=1)
    per_unit = gammaln(a[..., 0]) - gammaln(n + a[..., 0]) + (gammaln(counts + am) - gammaln(am)).sum(axis=-1)
    return per_unit.sum(axis=-1)


def dirichlet_concentration(counts: Any) -> float:
    """Marginal maximum-likelihood concentration ``A`` of a Dirichlet prior with the pooled shares as mean.

    Parameters
    ----------
    counts : array of shape (units, categories)
        Counts per unit, e.g. promoters, passives and detractors. Categories nobody is in are left out.

    Returns
    -------
    float
        The ``A`` that maximises the Dirichlet-multinomial likelihood (see the module docstring), between
        ``1e-3`` (no pooling) and ``1e4`` times the number of responses (full pooling: the units differ no
        more than chance allows).

    Examples
    --------
    >>> same = [[5, 3, 2]] * 8  # identical units: nothing but chance, full pooling
    >>> dirichlet_concentration(same) >= 1e5
    True
    >>> round(dirichlet_concentration([[9, 1, 0], [0, 1, 9], [8, 2, 0], [1, 0, 9]]), 2)
    1.14
    """
    counts = np.asarray(counts, dtype="float64")
    if counts.ndim != 2 or not np.isfinite(counts).all() or (counts < 0).any() or counts.sum() <= 0:
        raise ParameterError(f"counts must be a 2-D table of non-negative counts (units x categories) with at least "
                             f"one response, got shape {counts.shape}. Pass e.g. [[5, 3, 2], [1, 4, 5]].")
    counts = counts[counts.sum(axis=1) > 0][:, counts.sum(axis=0) > 0]
    mean = counts.sum(axis=0) / counts.sum()
    grid = np.linspace(math.log(1e-3), math.log(1e4 * counts.sum()), 81)
    ll = _log_marginal(np.exp(grid), counts, mean)
    best = int(np.argmax(ll))
    if best in (0, len(grid) - 1):
        return float(np.exp(grid[best]))
    res = minimize_scalar(lambda t: -float(_log_marginal(np.exp(t), counts, mean)),
                          bounds=(grid[best - 1], grid[best + 1]), method="bounded", options={"xatol": 1e-8})
    return float(np.exp(res.x if -res.fun >= ll[best] else grid[best]))


def _rng(random_state: Any) -> np.random.Generator:
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None or (isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool)
                                and random_state >= 0):
        return np.random.default_rng(random_state)
    raise ParameterError(f"random_state must be a non-negative int, a numpy Generator or None, got {random_state!r}. "
                         "Pass e.g. random_state=0 for reproducible posterior intervals.")


def _posterior_interval(alpha: np.ndarray, level: float, n_draws: int, rng: np.random.Generator) -> np.ndarray:
    """Equal-tailed ``level`` interval of ``100 (theta_p - theta_d)`` under Dirichlet(alpha), per row (Monte Carlo)."""
    q = [(1 - level) / 2, 1 - (1 - level) / 2]
    out = np.empty((len(alpha), 2))
    chunk = max(1, 3_000_000 // (3 * n_draws))  # keep the draws to a few tens of MB
    for start in range(0, len(alpha), chunk):
        a = alpha[start:start + chunk]
        g = rng.standard_gamma(np.broadcast_to(a, (n_draws, *a.shape)))
        draws = 100 * (g[..., 0] - g[..., 2]) / g.sum(axis=-1)
        out[start:start + chunk] = np.quantile(draws, q, axis=0).T
    return out


def _check_prior(prior: Any) -> str | float:
    if (isinstance(prior, str) and prior == "dirichlet") or (is_num(prior) and prior > 0):
        return prior
    raise ParameterError(f"prior must be 'dirichlet' (concentration estimated from the units) or a positive number "
                         f"(a fixed concentration A, in pseudo-responses), got {prior!r}. Pass e.g. prior='dirichlet'.")


def league_table(responses: pd.DataFrame, unit: str, *, score: str = "score", level: float = 0.95, min_n: int = 30,
                 prior: str | float = "dirichlet", n_draws: int = 4000, random_state: Any = 0,
                 scale: str = "0-10") -> pd.DataFrame:
    """NPS per unit, raw and shrunken (empirical Bayes), with ranks and a verdict against the average.

    Parameters
    ----------
    responses : DataFrame
        One row per response; not modified. Rows without a score are left out and counted
        (``attrs["missing_scores"]``); rows without a unit form the unit "(missing)".
    unit : str
        Column naming the team, branch, agent or touchpoint.
    score : str, default "score"
        Column of 0-10 answers (1-10 with ``scale="1-10"``).
    level : float, default 0.95
        Level of the raw (adjusted-Wald) and posterior intervals, and of ``distinguishable``.
    min_n : int, default 30
        Units with fewer responses get ``small_n=True``.
    prior : "dirichlet" or float, default "dirichlet"
        "dirichlet" estimates the prior concentration ``A`` from the units by marginal maximum likelihood; a
        number fixes ``A`` (e.g. one estimated on last quarter's data).
    n_draws : int, default 4000
        Monte Carlo draws per unit for the posterior intervals.
    random_state : int, Generator or None, default 0
        Seed of those draws; the same input and seed give the same table.
    scale : {"0-10", "1-10"}, default "0-10"
        As in :func:`nps_text.stats.nps_group`.

    Returns
    -------
    DataFrame
        One row per unit, best shrunken NPS first: ``unit``, n, promoters, passives, detractors, nps, ci_low,
        ci_high (raw NPS with the adjusted-Wald interval), shrinkage (``A / (n + A)``), shrunken_nps,
        shrunken_low, shrunken_high (posterior mean and interval), diff_vs_average, diff_low, diff_high
        (posterior NPS minus the overall NPS), raw_rank, shrunken_rank (1 = best, ties share the best rank),
        distinguishable (the posterior interval of the difference excludes 0), verdict ("above average",
        "below average" or "not distinguishable from the average") and small_n. ``attrs`` holds
        overall_nps, prior_concentration, level, n_units, missing_scores. The model is in the module docstring.

    Examples
    --------
    >>> df = pd.DataFrame({"branch": ["a"] * 4 + ["b"] * 4, "score": [10, 9, 9, 7, 10, 7, 3, 2]})
    >>> t = league_table(df, "branch", prior=10)
    >>> t[["branch", "n", "nps", "shrunken_nps", "shrunken_rank"]].round(1)
      branch  n   nps  shrunken_nps  shrunken_rank
    0      a  4  75.0          39.3              1
    1      b  4 -25.0          10.7              2
    >>> t["verdict"].tolist()
    ['not distinguishable from the average', 'not distinguishable from the average']
    """
    z, min_n, prior = z_value(level), check_min_n(min_n), _check_prior(prior)
    if not isinstance(n_draws, (int, np.integer)) or isinstance(n_draws, bool) or n_draws < 100:
        raise ParameterError(f"n_draws must be a whole number of at least 100, got {n_draws!r}. "
                             "Pass e.g. n_draws=4000 (more draws: steadier interval ends).")
    rng = _rng(random_state)
    labels, counts, missing = _unit_counts(responses, unit, score, scale)
    n = counts.sum(axis=1)
    mean = counts.sum(axis=0) / n.sum()
    overall = 100 * (mean[0] - mean[2])
    A = dirichlet_concentration(counts) if prior == "dirichlet" else float(prior)
    if A >= 1e4 * n.sum() * 0.999:
        logger.info("The units differ no more than chance allows: every shrunken NPS is the overall NPS.")
    alpha = counts + A * mean
    shrunk = 100 * (alpha[:, 0] - alpha[:, 2]) / (n + A)
    post = _posterior_interval(alpha, float(level), int(n_draws), rng)
    low, high = clip_interval(shrunk, post[:, 0], post[:, 1], "nps")
    d_low, d_high = clip_interval(shrunk - overall, low - overall, high - overall, "difference")
    raw = nps_stats(*counts.T, z)
    verdict = np.where(d_low > 0, VERDICTS[0], np.where(d_high < 0, VERDICTS[1], VERDICTS[2]))
    table = pd.DataFrame({
        unit: labels, "n": n.astype("int64"), **{c: counts[:, i].astype("int64") for i, c in enumerate(_COUNTS)},
        "nps": raw["nps"], "ci_low": raw["ci_low"], "ci_high": raw["ci_high"], "shrinkage": A / (n + A),
        "shrunken_nps": shrunk, "shrunken_low": low, "shrunken_high": high, "diff_vs_average": shrunk - overall,
        "diff_low": d_low, "diff_high": d_high,
        "raw_rank": pd.Series(raw["nps"]).rank(ascending=False, method="min").astype("int64"),
        "shrunken_rank": pd.Series(shrunk).rank(ascending=False, method="min").astype("int64"),
        "distinguishable": verdict != VERDICTS[2], "verdict": verdict.astype(object), "small_n": n < min_n,
    })
    table = table.sort_values(["shrunken_rank", "raw_rank"], kind="stable").reset_index(drop=True)
    table.attrs.update(overall_nps=float(overall), prior_concentration=float(A), level=float(level),
                       n_units=len(table), missing_scores=missing)
    return table


def _level_label(level: float) -> str:
    return f"{level * 100:g}".replace(".", "")


@dataclass(frozen=True, eq=False)
class FunnelData(Result):
    """What a funnel plot draws: :func:`funnel_data`'s result.

    ``limits`` has one row per point of the ``n`` grid (n, then lower_95 / upper_95 ... per level);
    ``units`` one row per unit (unit, n, nps, z_score, the limits at its n, outside_95 ...);
    ``to_frame()`` is ``units``.
    """

    limits: pd.DataFrame
    units: pd.DataFrame
    overall_nps: float
    levels: tuple[float, ...]

    def to_dict(self) -> dict[str, Any]:
        """The overall NPS, the levels and both tables as lists of records (JSON-safe)."""
        return to_jsonable({"overall_nps": self.overall_nps, "levels": list(self.levels),
                            "limits": self.limits.to_dict("records"), "units": self.units.to_dict("records")})

    def to_frame(self) -> pd.DataFrame:
        """The units with their limits and outside flags."""
        return self.units

    def summary(self) -> str:
        """How many units lie outside each pair of limits."""
        parts = [f"{int(self.units[f'outside_{_level_label(lv)}'].sum())} outside the {lv * 100:g}% limits"
                 for lv in self.levels]
        return f"{len(self.units)} units around an overall NPS of {self.overall_nps:.1f}: " + ", ".join(parts) + "."


def funnel_data(responses: pd.DataFrame, unit: str, *, score: str = "score",
                levels: tuple[float, ...] = (0.95, 0.998), n_grid: int = 100, scale: str = "0-10") -> FunnelData:
    """Control limits of a funnel plot of NPS against the number of responses, and where each unit lies.

    Under the null that every unit has the overall shares ``p`` (promoters) and ``d`` (detractors), a unit
    of ``n`` responses has an NPS with standard error ``se(n) = 100 sqrt((p + d - (p - d)^2) / n)``; the
    limits are ``overall NPS ± z se(n)`` for each level, clipped to -100..100. The usual levels 95% and 99.8%
    are about 2 and 3 standard errors. The plotting itself lives in :mod:`nps_text.plot`.

    Parameters
    ----------
    responses, unit, score, scale
        As in :func:`league_table`.
    levels : tuple of float, default (0.95, 0.998)
        Two-sided levels of the limits.
    n_grid : int, default 100
        Number of points of the ``n`` grid, spaced geometrically from the smallest to the largest unit.

    Returns
    -------
    FunnelData
        ``limits`` (n, lower_95, upper_95, lower_998, upper_998 for the default levels), ``units`` (unit, n, nps,
        z_score, the limits at the unit's n and outside_95, outside_998: the NPS lies beyond them),
        ``overall_nps`` and ``levels``.

    Examples
    --------
    >>> df = pd.DataFrame({"team": ["a"] * 50 + ["b"] * 50, "score": [10] * 45 + [3] * 5 + [10] * 15 + [3] * 35})
    >>> f = funnel_data(df, "team")
    >>> f.units[["team", "n", "nps", "outside_95", "outside_998"]]
      team   n   nps  outside_95  outside_998
    0    a  50  80.0        True         True
    1    b  50 -40.0        True         True
    >>> f.summary()
    '2 units around an overall NPS of 20.0: 2 outside the 95% limits, 2 outside the 99.8% limits.'
    """
    levels = tuple(levels) if isinstance(levels, (tuple, list)) else (levels,)
    if not levels:
        raise ParameterError("levels must name at least one level, got (). Pass e.g. levels=(0.95, 0.998).")
    zs = [z_value(lv) for lv in levels]
    if len({_level_label(lv) for lv in levels}) < len(levels):
        raise ParameterError(f"levels must differ, got {levels!r}. Pass e.g. levels=(0.95, 0.998).")
    if not isinstance(n_grid, (int, np.integer)) or isinstance(n_grid, bool) or n_grid < 2:
        raise ParameterError(f"n_grid must be a whole number of at least 2, got {n_grid!r}. Pass e.g. n_grid=100.")
    labels, counts, _ = _unit_counts(responses, unit, score, scale)
    n = counts.sum(axis=1)
    p, d = counts[:, 0].sum() / n.sum(), counts[:, 2].sum() / n.sum()
    overall, sd = 100 * (p - d), 100 * math.sqrt(max(p + d - (p - d) ** 2, 0.0))
    grid = np.geomspace(n.min(), n.max(), int(n_grid)) if n.max() > n.min() else np.array([n.min()], dtype=float)
    nps = 100 * (counts[:, 0] - counts[:, 2]) / n
    limits = pd.DataFrame({"n": grid})
    units = pd.DataFrame({unit: labels, "n": n.astype("int64"), "nps": nps})
    with np.errstate(divide="ignore", invalid="ignore"):
        units["z_score"] = np.where(sd > 0, (nps - overall) / (sd / np.sqrt(n)), 0.0)
    for lv, z in zip(levels, zs):
        key = _level_label(lv)
        for frame, size in ((limits, grid), (units, n)):
            lo, hi = clip_interval(overall, overall - z * sd / np.sqrt(size), overall + z * sd / np.sqrt(size), "nps")
            frame[f"lower_{key}"], frame[f"upper_{key}"] = lo, hi
        units[f"outside_{key}"] = (nps < units[f"lower_{key}"]) | (nps > units[f"upper_{key}"])
    return FunnelData(limits=limits, units=units, overall_nps=float(overall), levels=tuple(float(x) for x in levels))
