"""Is your NPS biased? Who answered compared with who you serve, weighting to fix it, and response rates.

When some segments answer more than others and the segments differ in NPS, the raw NPS is biased.
:func:`representation` compares respondents with the population, :func:`weighted_nps` re-weights them to it
(post-stratification over joint cells, or raking on several margins), :func:`response_rates` compares the
response rates of invited segments.

The interval of the weighted NPS. With ``y = +100 / 0 / -100`` per promoter / passive / detractor the weighted NPS
is ``sum(w y) / sum(w)``, its variance estimated by linearisation with the calibration residuals (Deville & Särndal
1992; Lumley, *Complex Surveys*, ch. 7): ``v = n / (n - q) * sum((w_i e_i)^2) / (sum w)^2``, ``e`` the weighted
least-squares residuals of ``y`` on the calibration variables (post-stratification: from the cell's NPS; raking: from
an additive model of the margins), ``q`` the parameters fitted. (Residuals from the overall mean, weights treated as
fixed, keep the between-cell variance that the weighting removed: too wide.) Small-sample adjustment after the
adjusted Wald interval (Rocks 2016, :func:`nps_text.stats.nps_from_counts`): its 3 pseudo-responses (0.75 promoter,
1.5 passive, 0.75 detractor) join with the weight of one effective response ``u = sum(w) / n_eff``: the centre is
``c = sum(w y) / (sum(w) + 3u)``, ``sum(w)`` in ``v`` becomes ``sum(w) + 3u`` and the sum of squares gains
``u^2 (0.75 (100 - c)^2 + 1.5 c^2 + 0.75 (100 + c)^2)``. Unweighted this is Rocks' interval (up to ``n / (n - 1)``).
The interval ``c ± t sqrt(v)`` is clipped to -100..100; ``t`` is the Student quantile on Welch-Satterthwaite degrees
of freedom ``(P + sum_h V_h)^2 / sum_h (V_h^2 / (n_h - 1))``, ``V_h = n_h / (n_h - 1) sum_{i in h} (w_i e_i)^2`` over
the joint calibration cells ``h`` and ``P`` the fixed pseudo-response part (infinite when every cell is of one
answer): a small cell with large weights makes ``v`` unsteady. Simulated (population shares 0.2 / 0.3 / 0.5 with NPS
+50 / +10 / -30, respondents 0.5 / 0.3 / 0.2; 20,000 samples each) the normal quantile covered 91.1% (n=30), 93.0%
(60), 94.1% (120), 94.7% (300), the ``t`` 92.7%, 94.2%, 94.8%, 95.1%; fixed-weight residuals 96.0% (n=1000).
``n_eff = (sum w)^2 / sum(w^2)`` is Kish's effective sample size.
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import stdtrit
from scipy.stats import chi2_contingency, chisquare

from .._core.results import Result, to_jsonable
from .._core.stats import clip_interval, is_num, nps_stats, z_value
from ..errors import ColumnError, ParameterError
from ..stats import nps_group

__all__ = ["METHODS", "WeightedNPS", "representation", "response_rates", "weighted_nps"]

logger = logging.getLogger(__name__)

METHODS = ("auto", "poststratify", "rake")
SHARE_TOLERANCE = 1e-6
_RESPONSES_FIX = "Pass the column names of the survey table as by=... and score=..."


def _by(by: Any) -> list[str]:
    cols = [by] if isinstance(by, str) else list(by) if isinstance(by, (list, tuple)) else None
    if not cols or not all(isinstance(c, str) for c in cols):
        raise ParameterError(f"by must name one segment column or a list of them, got {by!r}. Pass e.g. by='region'.")
    return cols


def _check_columns(frame: Any, columns: list[str], what: str, fix: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise ParameterError(f"{what} must be a pandas DataFrame, got {type(frame).__name__}. {fix}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ColumnError(f"Column(s) {missing} not found in {what}; available columns: {list(frame.columns)}. {fix}")


def _keys(frame: pd.DataFrame, by: list[str], what: str, mask: np.ndarray | None = None) -> pd.Index:
    """The segment of each row (of the rows in ``mask``): an Index of values, or of tuples for several columns."""
    columns = [frame[c].to_numpy() if mask is None else frame[c].to_numpy()[mask] for c in by]
    empty = np.logical_or.reduce([pd.isna(v) for v in columns])
    if empty.any():
        raise ParameterError(f"{int(empty.sum())} row(s) of {what} have no value in {by}. Drop them, or fill them "
                             "with a segment the population table lists.")
    keys = pd.Index(columns[0]) if len(by) == 1 else pd.MultiIndex.from_arrays(columns)
    if what != "responses" and keys.duplicated().any():
        raise ParameterError(f"{what} lists segment(s) {list(keys[keys.duplicated()].unique())[:5]} more than once. "
                             "Keep one row per segment (sum the rows of a segment first).")
    return keys


def _values(table: pd.DataFrame, column: str, what: str, fix: str) -> np.ndarray:
    values = pd.to_numeric(table[column], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    if not np.isfinite(values).all():
        raise ParameterError(f"{what}[{column!r}] must hold numbers, got "
                             f"{table[column].to_numpy()[~np.isfinite(values)].tolist()[:5]}. {fix}")
    if (values < 0).any():
        raise ParameterError(f"{what}[{column!r}] must not be negative, got {values[values < 0].tolist()[:5]}. {fix}")
    return values


def _population(table: Any, by: list[str], what: str = "population") -> pd.DataFrame:
    """``table`` validated: one row per segment of ``by`` with its ``share`` (from 'share' or 'count')."""
    fix = f"Pass a table with the column(s) {by} and a column 'share' (fractions summing to 1) or 'count'."
    _check_columns(table, by, what, fix)
    kind = [c for c in ("share", "count") if c in table.columns]
    if len(kind) != 1:
        raise ColumnError(f"{what} must have exactly one of the columns 'share' and 'count', found "
                          f"{kind or 'neither'}; available columns: {list(table.columns)}. {fix}")
    values = _values(table, kind[0], what, fix)
    total = float(values.sum())
    if kind[0] == "share" and abs(total - 1) > SHARE_TOLERANCE:
        raise ParameterError(f"{what}['share'] sums to {total:.8g}, not 1 (tolerance {SHARE_TOLERANCE:g}). Pass "
                             "shares that sum to 1, or the segment sizes in a 'count' column instead.")
    if total <= 0:
        raise ParameterError(f"{what}['count'] sums to 0: no segment has anyone in it. {fix}")
    _keys(table, by, what)
    return pd.DataFrame({**{c: table[c].to_numpy() for c in by}, "share": values / total})


def _match(responses: pd.DataFrame, by: list[str], table: pd.DataFrame, what: str,
           mask: np.ndarray | None = None) -> np.ndarray:
    """Row of ``table`` of each response; a segment the table lacks raises, naming it."""
    index, keys = _keys(table, by, what), _keys(responses, by, "responses", mask)
    codes = index.get_indexer(keys)
    if (codes < 0).any():
        raise ParameterError(f"Segment value(s) {list(keys[codes < 0].unique()[:5])} of {by} occur in "
                             f"{int((codes < 0).sum())} response(s) but not in {what}, which lists {list(index[:10])}. "
                             f"Add them to {what}, or recode them to a listed segment.")
    return codes


def _check_cells(n: np.ndarray, table: pd.DataFrame, by: list[str], what: str, empty_is_error: bool) -> None:
    share, labels = table["share"].to_numpy(), _keys(table, by, what)
    if ((share == 0) & (n > 0)).any():
        raise ParameterError(f"Segment(s) {list(labels[(share == 0) & (n > 0)][:5])} have respondents but a "
                             f"population share of 0 in {what}. Correct their share (or count) in {what}.")
    if empty_is_error and ((share > 0) & (n == 0)).any():
        raise ParameterError(f"Segment(s) {list(labels[(share > 0) & (n == 0)][:5])} of {what} have no respondents, so "
                             "no weight can stand for them. Merge them with a similar segment in both tables, or rake "
                             "on coarser margins (method='rake').")


def _scored(responses: pd.DataFrame, score: str, scale: str) -> tuple[np.ndarray, np.ndarray]:
    """Mask of the rows with a score and their ``y`` (+100 / 0 / -100)."""
    groups = nps_group(responses[score], scale=scale)
    mask = groups.notna().to_numpy()
    if (~mask).any():
        logger.warning("%d row(s) have no score and are left out.", int((~mask).sum()))
    g = groups[mask].to_numpy()
    return mask, 100.0 * (g == "promoter") - 100.0 * (g == "detractor")


def representation(responses: pd.DataFrame, population: pd.DataFrame, by: str | list[str], *,
                   score: str | None = "score", level: float = 0.95, scale: str = "0-10") -> pd.DataFrame:
    """Compare who answered with who is in the population, segment by segment, with a chi-square test.

    Parameters
    ----------
    responses : DataFrame
        One row per response; not modified. Only rows with a ``score`` count (``score=None``: every row).
    population : DataFrame
        One row per segment (joint cell of ``by``) with ``share`` (summing to 1 within 1e-6) or ``count``.
    by, level
        Segment column(s) in both tables; a segment is flagged when its standardised residual is beyond the
        two-sided ``level`` normal quantile.

    Returns
    -------
    DataFrame
        One row per population segment: the ``by`` columns, n, respondent_share, population_share, ratio
        (respondent / population share), expected (``n_total * population_share``), std_residual
        (``(n - expected) / sqrt(expected (1 - population_share))``, standard normal for a random sample) and flag
        ("over-represented", "under-represented" or "in line"). ``attrs``: the goodness-of-fit test
        (:func:`scipy.stats.chisquare`) chi2, dof, p_value, and n, missing_scores, min_expected (below 5 the test
        is approximate).

    Examples
    --------
    >>> resp = pd.DataFrame({"region": ["n"] * 70 + ["s"] * 30, "score": 10})
    >>> pop = pd.DataFrame({"region": ["n", "s"], "share": [0.5, 0.5]})
    >>> t = representation(resp, pop, "region")
    >>> t[["region", "n", "ratio", "flag"]]
      region   n  ratio               flag
    0      n  70    1.4   over-represented
    1      s  30    0.6  under-represented
    >>> round(t.attrs["p_value"], 5)
    6e-05
    """
    by_cols, z = _by(by), z_value(level)
    pop = _population(population, by_cols)
    _check_columns(responses, by_cols + ([score] if score is not None else []), "responses", _RESPONSES_FIX)
    mask = _scored(responses, score, scale)[0] if score is not None else np.ones(len(responses), dtype=bool)
    n = np.bincount(_match(responses, by_cols, pop, "population", mask), minlength=len(pop))
    _check_cells(n, pop, by_cols, "population", empty_is_error=False)
    share, total = pop["share"].to_numpy(), int(n.sum())
    expected, live = total * share, share > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(live, n / max(total, 1) / share, np.nan)
        resid = np.where(live & (share < 1), (n - expected) / np.sqrt(expected * (1 - share)), np.nan)
    flag = np.where(resid > z, "over-represented", np.where(resid < -z, "under-represented", "in line"))
    table = pd.DataFrame({**{c: pop[c] for c in by_cols}, "n": n, "respondent_share": n / max(total, 1),
                          "population_share": share, "ratio": ratio, "expected": expected,
                          "std_residual": resid, "flag": flag.astype(object)})
    test = chisquare(n[live], expected[live]) if live.sum() >= 2 and total > 0 else None  # NaN test otherwise
    table.attrs.update(chi2=float(test.statistic) if test else math.nan, dof=int(live.sum()) - 1,
                       p_value=float(test.pvalue) if test else math.nan, n=total, level=float(level),
                       missing_scores=int((~mask).sum()), min_expected=float(expected[live].min()))
    return table


@dataclass(frozen=True)
class WeightedNPS(Result):
    """Unweighted and weighted NPS (points) with their intervals: :func:`weighted_nps`'s result.

    ``weights`` (one per row of the responses, NaN where there is no score) is left out of ``to_dict()``.
    """

    method: str
    n: int
    nps: float
    ci_low: float
    ci_high: float
    weighted_nps: float
    se: float
    weighted_ci_low: float
    weighted_ci_high: float
    df: float
    n_eff: float
    design_effect: float
    level: float
    iterations: int
    converged: bool
    missing_scores: int
    weights: pd.Series = field(repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """Every field but ``weights``, JSON-safe (NaN as None)."""
        return to_jsonable({k: v for k, v in asdict(self).items() if k != "weights"})

    def to_frame(self) -> pd.DataFrame:
        """One row with the fields of ``to_dict()`` as columns."""
        return pd.DataFrame([self.to_dict()])

    def summary(self) -> str:
        """Both NPS with their intervals, and the effective sample size."""
        return (f"Weighted NPS {self.weighted_nps:.1f} ({round(self.level * 100)}% interval {self.weighted_ci_low:.1f} "
                f"to {self.weighted_ci_high:.1f}) vs unweighted {self.nps:.1f} ({self.ci_low:.1f} to "
                f"{self.ci_high:.1f}); {self.n} responses weigh like {self.n_eff:.0f} ({self.method}).")


def _rake(codes: list[np.ndarray], targets: list[np.ndarray], max_iter: int, tol: float) -> tuple[np.ndarray, int, bool]:
    """Iterative proportional fitting of unit weights to the target shares of each margin."""
    w = np.ones(len(codes[0]))
    for it in range(1, max_iter + 1):
        for c, t in zip(codes, targets):
            total = np.bincount(c, weights=w, minlength=len(t))
            w = w * np.where(total > 0, t * w.sum() / np.where(total > 0, total, 1.0), 1.0)[c]
        gap = max(float(np.abs(np.bincount(c, weights=w, minlength=len(t)) / w.sum() - t).max())
                  for c, t in zip(codes, targets))
        if gap < tol:
            return w * len(w) / w.sum(), it, True
    warnings.warn(f"Raking did not converge in max_iter={max_iter} iterations (largest margin gap {gap:.3g} > tol="
                  f"{tol:g}); the weights are the last iteration's. Raise max_iter, or check that the margins agree "
                  "with each other and that no combination of segments the margins need is missing.",
                  RuntimeWarning, stacklevel=3)
    return w * len(w) / w.sum(), max_iter, False


def _residuals(y: np.ndarray, w: np.ndarray, codes: list[np.ndarray]) -> tuple[np.ndarray, int]:
    """Weighted least-squares residuals of ``y`` on the calibration cells (one variable) or margins (several)."""
    if len(codes) == 1:
        c = codes[0]
        mean = np.bincount(c, weights=w * y) / np.maximum(np.bincount(c, weights=w), 1e-300)
        resid, rank = y - mean[c], len(np.unique(c))
    else:
        X = np.hstack([np.ones((len(y), 1))] + [np.eye(c.max() + 1)[c][:, 1:] for c in codes])
        beta, _, rank, _ = np.linalg.lstsq(X * np.sqrt(w)[:, None], y * np.sqrt(w), rcond=None)
        resid = y - X @ beta
    return np.where(np.abs(resid) < 1e-9, 0.0, resid), int(rank)  # rounding noise of cells of one answer


def _design_interval(y: np.ndarray, w: np.ndarray, resid: np.ndarray, codes: list[np.ndarray], q: int,
                     level: float) -> tuple[float, ...]:
    """Weighted NPS, design SE, adjusted interval and its degrees of freedom (module docstring), and Kish's n_eff."""
    n, total = len(y), w.sum()
    n_eff = total ** 2 / (w ** 2).sum()
    u = total / n_eff
    centre = (w * y).sum() / (total + 3 * u)
    pseudo = u ** 2 * (0.75 * (100 - centre) ** 2 + 1.5 * centre ** 2 + 0.75 * (100 + centre) ** 2)
    se = math.sqrt(n / max(n - q, 1) * (((w * resid) ** 2).sum() + pseudo)) / (total + 3 * u)
    joint = codes[0]  # Welch-Satterthwaite over the joint calibration cells; the pseudo part is fixed
    for c in codes[1:]:
        joint = joint * (c.max() + 1) + c
    cells = np.unique(joint, return_inverse=True)[1]
    m = np.bincount(cells)
    part = np.bincount(cells, weights=(w * resid) ** 2) * m / np.maximum(m - 1, 1)
    spread = (part ** 2 / np.maximum(m - 1, 1)).sum()
    df = float((part.sum() + pseudo) ** 2 / spread) if spread > 0 else math.inf
    quantile = float(stdtrit(df, 1 - (1 - level) / 2)) if math.isfinite(df) else z_value(level)
    estimate = float((w * y).sum() / total)
    low, high = clip_interval(estimate, centre - quantile * se, centre + quantile * se, "nps")
    return estimate, se, float(low), float(high), df, float(n_eff)


def _calibration(population: Any, by: Any, method: str) -> tuple[str, list[str], list[pd.DataFrame]]:
    """The method used, the segment columns and the tables to calibrate to (one joint table, or one per margin)."""
    if method not in METHODS:
        raise ParameterError(f"method must be one of {list(METHODS)}, got {method!r}. Pass method='auto' to "
                             "post-stratify on a joint table and rake on a dict of margins.")
    if isinstance(population, dict):
        cols = list(population)
        if not cols:
            raise ParameterError("population is an empty dict. Pass {column: margins table}, e.g. "
                                 "{'region': region_shares, 'age': age_shares}.")
        if by is not None and set(_by(by)) != set(cols):
            raise ParameterError(f"by={by!r} does not match the margins given in population, {cols}. Pass by=None "
                                 "to use the dict's keys.")
        if method == "poststratify" and len(cols) > 1:
            raise ParameterError(f"method='poststratify' needs the joint shares of the cells of {cols}, but population "
                                 "gives one margin per column. Pass method='rake', or one table over the joint cells.")
        tables = [_population(population[c], [c], f"population[{c!r}]") for c in cols]
        return ("rake" if len(cols) > 1 or method == "rake" else "poststratify"), cols, tables
    if by is None:
        raise ParameterError("by is needed when population is one table. Pass the segment column(s), e.g. by='region'.")
    cols = _by(by)
    joint = _population(population, cols)
    if method == "rake":
        return "rake", cols, [joint.groupby(c, sort=False)["share"].sum().reset_index() for c in cols]
    return "poststratify", cols, [joint]


def weighted_nps(responses: pd.DataFrame, population: pd.DataFrame | dict[str, pd.DataFrame],
                 by: str | list[str] | None = None, *, method: str = "auto", score: str = "score",
                 level: float = 0.95, max_iter: int = 100, tol: float = 1e-8, scale: str = "0-10") -> WeightedNPS:
    """NPS re-weighted to the population, with a design-based interval and the effective sample size.

    Parameters
    ----------
    responses : DataFrame
        One row per response; not modified. Rows without a score are left out (``missing_scores``).
    population : DataFrame or dict of DataFrame
        One table with the ``by`` column(s) and ``share`` or ``count`` over their joint cells, or
        ``{column: margins table}``, one table per column.
    by : str, list of str or None
        Segment column(s); with a dict it may be None (the dict's keys).
    method : {"auto", "poststratify", "rake"}, default "auto"
        "auto" post-stratifies on a table and rakes on a dict; "rake" on a joint table rakes to its margins
        (when some joint cells have no respondents).
    level, max_iter, tol
        Level of both intervals. Raking stops when every weighted margin is within ``tol`` of its share; a
        RuntimeWarning says when it did not after ``max_iter`` rounds.

    Returns
    -------
    WeightedNPS
        method, n, nps with ci_low/ci_high (unweighted, adjusted Wald), weighted_nps with se, weighted_ci_low and
        weighted_ci_high (the module docstring) on ``df`` degrees of freedom, n_eff (Kish), design_effect
        (``n / n_eff``), level, iterations, converged, missing_scores and weights (aligned to ``responses.index``,
        summing to ``n``).

    Examples
    --------
    >>> resp = pd.DataFrame({"region": ["n"] * 60 + ["s"] * 40, "score": [10] * 60 + [3] * 40})
    >>> pop = pd.DataFrame({"region": ["n", "s"], "share": [0.5, 0.5]})
    >>> r = weighted_nps(resp, pop, "region")
    >>> round(r.nps, 1), round(r.weighted_nps, 1), round(r.n_eff, 1)
    (20.0, 0.0, 96.0)
    >>> r.weights.groupby(resp["region"]).first().round(4).tolist()
    [0.8333, 1.25]
    """
    z = z_value(level)
    if not isinstance(max_iter, (int, np.integer)) or isinstance(max_iter, bool) or max_iter < 1:
        raise ParameterError(f"max_iter must be a positive whole number, got {max_iter!r}. Pass e.g. max_iter=100.")
    if not is_num(tol) or tol <= 0:
        raise ParameterError(f"tol must be a positive number, got {tol!r}. Pass e.g. tol=1e-8.")
    used, cols, tables = _calibration(population, by, method)
    _check_columns(responses, [*cols, score], "responses", _RESPONSES_FIX)
    mask, y = _scored(responses, score, scale)
    if not mask.any():
        raise ParameterError(f"Column {score!r} holds no scores, so there is no NPS to weight. "
                             "Pass the column of 0-10 answers as score=...")
    codes = []
    for table in tables:
        keys, what = list(table.columns[:-1]), "population" if len(tables) == 1 else f"population[{table.columns[0]!r}]"
        codes.append(_match(responses, keys, table, what, mask))
        _check_cells(np.bincount(codes[-1], minlength=len(table)), table, keys, what, empty_is_error=True)
    targets = [t["share"].to_numpy() for t in tables]
    if used == "poststratify":
        sample = np.bincount(codes[0], minlength=len(targets[0])) / len(y)
        w, iterations, converged = (targets[0] / np.where(sample > 0, sample, 1.0))[codes[0]], 0, True
    else:
        w, iterations, converged = _rake(codes, targets, int(max_iter), float(tol))
    resid, q = _residuals(y, w, codes)
    estimate, se, low, high, df, n_eff = _design_interval(y, w, resid, codes, q, float(level))
    raw = {k: float(v) for k, v in nps_stats((y > 0).sum(), (y == 0).sum(), (y < 0).sum(), z).items()}
    weights = pd.Series(np.nan, index=responses.index, name="weight")
    weights[mask] = w
    return WeightedNPS(method=used, n=len(y), nps=raw["nps"], ci_low=raw["ci_low"], ci_high=raw["ci_high"],
                       weighted_nps=estimate, se=se, weighted_ci_low=low, weighted_ci_high=high, df=df, n_eff=n_eff,
                       design_effect=len(y) / n_eff, level=float(level), iterations=iterations, converged=converged,
                       missing_scores=int((~mask).sum()), weights=weights)


def response_rates(invitations: pd.DataFrame, responses: pd.DataFrame, by: str | list[str], *, count: str = "count",
                   level: float = 0.95) -> pd.DataFrame:
    """Response rate per segment with its Wilson interval, and a chi-square test that all rates are equal.

    Parameters
    ----------
    invitations : DataFrame
        One row per segment: the ``by`` column(s) and ``count``, the number invited (positive whole numbers).
    responses : DataFrame
        One row per response (with or without a score); not modified.
    by, count, level
        Segment column(s) in both tables; the column of ``invitations`` with the numbers invited; the level of the
        Wilson intervals.

    Returns
    -------
    DataFrame
        The ``by`` columns, invited, responses, rate, ci_low, ci_high (Wilson score interval). ``attrs``: the test
        of equal rates (:func:`scipy.stats.chi2_contingency` on the table responded / did not x segment, without
        continuity correction) chi2, dof, p_value, and overall_rate.

    Examples
    --------
    >>> inv = pd.DataFrame({"channel": ["mail", "app"], "count": [100, 100]})
    >>> resp = pd.DataFrame({"channel": ["mail"] * 10 + ["app"] * 30})
    >>> t = response_rates(inv, resp, "channel")
    >>> t.round(3)
      channel  invited  responses  rate  ci_low  ci_high
    0    mail      100         10   0.1   0.055    0.174
    1     app      100         30   0.3   0.219    0.396
    >>> t.attrs["p_value"] < 0.001
    True
    """
    by_cols, z = _by(by), z_value(level)
    fix = f"Pass a table with the column(s) {by_cols} and the number invited per segment as {count!r}."
    _check_columns(invitations, [*by_cols, count], "invitations", fix)
    invited = _values(invitations, count, "invitations", fix)
    bad = (invited <= 0) | (invited != np.round(invited))
    if bad.any():
        raise ParameterError(f"invitations[{count!r}] must hold positive whole numbers, got "
                             f"{invitations[count].to_numpy()[bad].tolist()[:5]}. {fix}")
    _check_columns(responses, by_cols, "responses", "Pass the segment column(s) of the survey table as by=...")
    table = invitations[by_cols].reset_index(drop=True)
    x = np.bincount(_match(responses, by_cols, table, "invitations"), minlength=len(table)).astype("float64")
    if (x > invited).any():
        i = int(np.flatnonzero(x > invited)[0])
        raise ParameterError(f"Segment {table.iloc[i].tolist()} has {int(x[i])} responses but only {int(invited[i])} "
                             f"invitations. Check that invitations[{count!r}] counts everyone invited in that segment.")
    rate = x / invited
    centre = (x + z ** 2 / 2) / (invited + z ** 2)
    half = z / (invited + z ** 2) * np.sqrt(x * (invited - x) / invited + z ** 2 / 4)
    low, high = clip_interval(rate, centre - half, centre + half, "share")
    out = pd.concat([table, pd.DataFrame({"invited": invited.astype("int64"), "responses": x.astype("int64"),
                                          "rate": rate, "ci_low": low, "ci_high": high})], axis=1)
    if len(x) < 2:
        stat, p, dof = math.nan, math.nan, 0
    elif 0 < x.sum() < invited.sum():
        test = chi2_contingency(np.vstack([x, invited - x]), correction=False)
        stat, p, dof = float(test.statistic), float(test.pvalue), int(test.dof)
    else:  # nobody or everybody answered: the rates are equal
        stat, p, dof = 0.0, 1.0, len(x) - 1
    out.attrs.update(chi2=stat, dof=dof, p_value=p, overall_rate=float(x.sum() / invited.sum()), level=float(level))
    return out
