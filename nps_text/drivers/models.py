"""Multivariate drivers for co-mentioned themes: logistic and ordinal regression, relative importance.

One-theme-at-a-time tables (:mod:`nps_text.drivers`) credit a theme with the effect of the themes
it is mentioned with. The models here estimate each theme's effect holding the others (and any
segment controls) fixed. statsmodels is imported inside the functions that need it.
"""

from __future__ import annotations

import logging
import math
import warnings

import numpy as np
import pandas as pd

from .._core.stats import clip_interval, z_value
from ..errors import ColumnError, ParameterError
from .table import GROUP, META, NPS, SCORE, bh_qvalues, driver_frame

__all__ = ["driver_regression", "relative_importance", "OUTCOMES"]

logger = logging.getLogger(__name__)

OUTCOMES = ("detractor", "promoter", "score")
_IMPORTANCE_OUTCOMES = ("nps", "score", "detractor", "promoter")


def _design(responses: pd.DataFrame, mentions: pd.DataFrame, *, controls: list[str] | None, base: str,
            sentiment: bool | None, min_mentions: int) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, list[str]], list[str]]:
    """(frame with group/x/score, X, {player: [columns]}, left-out drivers)."""
    frame, _, _ = driver_frame(responses, mentions, base=base, sentiment=sentiment)
    drivers = [c for c in frame.columns if c not in META]
    counts = frame[drivers].sum()
    used = [d for d in drivers if min_mentions <= counts[d] < len(frame)]
    left_out = [d for d in drivers if d not in used]
    if left_out:
        logger.info("drivers with fewer than %d mentions (or mentioned by everyone) left out of the model: %s",
                    min_mentions, left_out)
    X = frame[used].astype("float64")
    players = {d: [d] for d in used}
    ids = responses["response_id"].astype(str)
    for column in controls or []:
        if column not in responses.columns:
            raise ColumnError(f"Control column {column!r} not found; available columns: {list(responses.columns)}. "
                              "Pass segment columns, e.g. controls=['customer_type'].")
        values = pd.Series(responses[column].astype(object).where(responses[column].notna(), "(missing)").astype(str)
                           .to_numpy(), index=ids).reindex(frame.index)
        dummies = pd.get_dummies(values, prefix=column, prefix_sep="=", drop_first=True, dtype="float64")
        kept = []
        for name in dummies.columns:  # a control that another one already says (role=(missing) = a customer type) adds nothing
            trial = np.column_stack([np.ones(len(X)), X.to_numpy(dtype="float64"), dummies[name].to_numpy()])
            if np.linalg.matrix_rank(trial) == trial.shape[1]:
                X = pd.concat([X, dummies[[name]]], axis=1)
                kept.append(name)
            else:
                logger.info("control %s left out of the driver model: it is a combination of the themes and "
                            "controls already in it", name)
        if kept:
            players[f"({column})"] = kept
    score = pd.Series(pd.to_numeric(responses["score"], errors="coerce").to_numpy(), index=ids).reindex(frame.index) \
        if "score" in responses else None
    frame = frame.assign(**{SCORE: score})
    return frame, X, players, left_out


def driver_regression(responses: pd.DataFrame, mentions: pd.DataFrame, *, outcome: str = "detractor",
                      controls: list[str] | None = None, base: str = "commented", sentiment: bool | None = None,
                      min_mentions: int = 5, level: float = 0.95, fdr: float = 0.05) -> pd.DataFrame:
    """Each driver's effect holding the other drivers (and segment controls) fixed.

    ``outcome="detractor"`` (or ``"promoter"``): logistic regression of being one; ``"score"``:
    proportional-odds ordinal logistic model on the 0–10 score (statsmodels ``OrderedModel``). Every
    driver mentioned by at least ``min_mentions`` respondents (and not by all) is one 0/1 predictor;
    each control column adds dummies (first level as reference, missing as "(missing)").

    Returns
    -------
    DataFrame
        ``model, term, kind`` ("theme"/"control"), ``coef`` (log odds), ``se``, ``odds_ratio``,
        ``odds_ratio_low``, ``odds_ratio_high``, ``p_value`` (Wald), ``q_value`` (BH over the
        theme terms), ``significant``, ``n``, ``warning``. For ``"score"`` an odds ratio above 1
        means higher scores; for ``"detractor"`` it means more detractors. ``attrs["left_out"]``
        lists the drivers with too few mentions.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> r = pd.DataFrame({"response_id": [str(i) for i in range(300)], "score": rng.integers(0, 11, 300),
    ...                   "comment": ["fine"] * 300})
    >>> m = pd.DataFrame({"response_id": [str(i) for i in range(0, 300, 3)], "theme": "price"})
    >>> driver_regression(r, m)["term"].tolist()
    ['price']
    """
    if outcome not in OUTCOMES:
        raise ParameterError(f"outcome must be one of {list(OUTCOMES)}, got {outcome!r}.")
    z = z_value(level)
    frame, X, players, left_out = _design(responses, mentions, controls=controls, base=base, sentiment=sentiment,
                                          min_mentions=min_mentions)
    if X.shape[1] == 0:
        raise ParameterError(f"No driver has at least min_mentions={min_mentions} mentioning respondents "
                             f"(left out: {left_out}); lower min_mentions or tag more comments.")
    design = np.column_stack([np.ones(len(X)), X.to_numpy(dtype="float64")])
    if np.linalg.matrix_rank(design) < design.shape[1]:
        raise ParameterError(f"The {X.shape[1]} predictors ({list(X.columns)[:6]}...) are collinear — e.g. every "
                             "respondent in the base mentions exactly one theme — so their separate effects are not "
                             "identified. Merge or drop a theme, use base='all', or read the per-theme table.")
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import (
        ConvergenceWarning,
        PerfectSeparationWarning,
    )

    note = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if outcome == "score":
            from statsmodels.miscmodels.ordinal_model import OrderedModel

            y = frame[SCORE]
            if y is None or y.isna().any():
                raise ColumnError("outcome='score' needs a numeric 'score' column for every respondent.")
            codes = pd.Categorical(y.astype(int), ordered=True)
            result = OrderedModel(pd.Series(codes, index=X.index), X, distr="logit").fit(
                method="bfgs", disp=False, maxiter=2000)
            params, bse, pvalues = (v.loc[X.columns] for v in (result.params, result.bse, result.pvalues))
            name = "ordinal (score)"
        else:
            y = (frame[GROUP] == (0 if outcome == "detractor" else 2)).astype("float64")
            result = sm.Logit(y, sm.add_constant(X, has_constant="add")).fit(disp=False, maxiter=200)
            params, bse, pvalues = (v.loc[X.columns] for v in (result.params, result.bse, result.pvalues))
            name = f"logistic ({outcome})"
    if any(issubclass(w.category, (ConvergenceWarning, PerfectSeparationWarning)) for w in caught) or \
            not np.all(np.isfinite(bse)):
        note = "The fit did not converge cleanly (separation or too few cases): read these estimates with care."
    kinds = {col: ("theme" if player in players and not player.startswith("(") else "control")
             for player, cols in players.items() for col in cols}
    table = pd.DataFrame({"model": name, "term": list(X.columns), "kind": [kinds[c] for c in X.columns],
                          "coef": params.to_numpy(), "se": bse.to_numpy()})
    with np.errstate(over="ignore"):
        table["odds_ratio"] = np.exp(table["coef"])
        low, high = clip_interval(table["odds_ratio"], np.exp(table["coef"] - z * table["se"]),
                                   np.exp(table["coef"] + z * table["se"]), "ratio")
    table["odds_ratio_low"], table["odds_ratio_high"] = low, high
    table["p_value"] = pvalues.to_numpy()
    themes = table["kind"] == "theme"
    table["q_value"] = np.nan
    table.loc[themes, "q_value"] = bh_qvalues(table.loc[themes, "p_value"])
    table["significant"] = (table["q_value"] < fdr).to_numpy()
    table["n"] = len(X)
    separated = (table["coef"].abs() > 10) | (table["se"] > 50) | ~np.isfinite(table["se"])
    sep_note = ("Separation: (almost) all or none of its mentioners are in one group, so the estimate is "
                "unbounded; see the one-theme table instead.")
    table["warning"] = pd.Series([sep_note if flag else note for flag in separated], index=table.index, dtype=object)
    table.attrs["left_out"] = left_out
    return table


# ----------------------------------------------------------------------------- relative importance
def _r2_from_corr(R: np.ndarray, r: np.ndarray, cols: np.ndarray) -> float:
    if not len(cols):
        return 0.0
    sub = R[np.ix_(cols, cols)]
    beta = np.linalg.lstsq(sub, r[cols], rcond=None)[0]
    return float(r[cols] @ beta)


def _shapley_exact(R: np.ndarray, r: np.ndarray, groups: list[np.ndarray]) -> np.ndarray:
    p = len(groups)
    masks = np.arange(2 ** p)
    r2 = np.array([_r2_from_corr(R, r, np.concatenate([groups[j] for j in range(p) if m >> j & 1] or
                                                       [np.array([], dtype=int)]).astype(int)) for m in masks])
    sizes = np.array([bin(m).count("1") for m in masks])
    weight = np.array([math.factorial(k) * math.factorial(p - k - 1) / math.factorial(p) for k in range(p)])
    out = np.zeros(p)
    for j in range(p):
        without = masks[(masks >> j & 1) == 0]
        out[j] = (weight[sizes[without]] * (r2[without | (1 << j)] - r2[without])).sum()
    return out


def _shapley_sampled(R: np.ndarray, r: np.ndarray, groups: list[np.ndarray], n_permutations: int,
                     seed: int) -> np.ndarray:
    """Average marginal R² over random orders; each order's increments add up to the full R²."""
    rng = np.random.default_rng(seed)
    p = len(groups)
    out = np.zeros(p)
    ridge = 1e-10 * np.eye(len(r))
    for _ in range(n_permutations):
        order = rng.permutation(p)
        cols = np.concatenate([groups[j] for j in order]).astype(int)
        L = np.linalg.cholesky(R[np.ix_(cols, cols)] + ridge[np.ix_(cols, cols)])
        w = np.linalg.solve(L, r[cols])  # prefix R² = cumulative sum of w²
        cum = np.concatenate([[0.0], np.cumsum(w ** 2)])
        ends = np.cumsum([len(groups[j]) for j in order])
        starts = np.concatenate([[0], ends[:-1]])
        out[order] += cum[ends] - cum[starts]
    return out / n_permutations


def _johnson(R: np.ndarray, r: np.ndarray, groups: list[np.ndarray]) -> np.ndarray:
    values, vectors = np.linalg.eigh(R)
    values = np.clip(values, 0, None)
    half = vectors @ np.diag(np.sqrt(values)) @ vectors.T
    beta = np.linalg.lstsq(half, r, rcond=None)[0]
    eps = (half ** 2) @ (beta ** 2)
    return np.array([eps[g].sum() for g in groups])


def relative_importance(responses: pd.DataFrame, mentions: pd.DataFrame, *, outcome: str = "nps",
                        method: str = "shapley", controls: list[str] | None = None, base: str = "commented",
                        sentiment: bool | None = None, min_mentions: int = 5, max_exact: int = 12,
                        n_permutations: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Split the R² of a linear model of the outcome on all drivers into one share per driver.

    ``outcome``: ``"nps"`` (-100/0/100 per respondent, whose mean is the NPS), ``"score"`` (0–10),
    ``"detractor"`` or ``"promoter"`` (0/1). ``method="shapley"`` is the Shapley value / LMG of
    R²: exact over all subsets when there are at most ``max_exact`` players (drivers, plus one
    player per control column holding all its dummies); beyond that, the average over
    ``n_permutations`` random orders (seeded; the shares still add up exactly, as each order's
    increments do). ``method="johnson"``: Johnson's (2000) relative weights. Either way the shares
    add up to the model's R².

    Returns
    -------
    DataFrame
        ``term, kind, share`` (of the outcome's variance; they add up to ``attrs["r2"]``),
        ``share_of_r2`` (adding up to 1), ``n``; sorted by share. ``attrs``: ``r2``, ``method``
        ("shapley (exact)", "shapley (2000 permutations)", "johnson"), ``left_out``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> m = pd.DataFrame({"response_id": [str(i) for i in range(0, 200, 2)] + [str(i) for i in range(0, 200, 5)],
    ...                   "theme": ["delivery"] * 100 + ["price"] * 40})
    >>> r = pd.DataFrame({"response_id": [str(i) for i in range(200)], "comment": ["fine"] * 200,
    ...                   "score": [3 if i % 2 == 0 else 9 for i in range(200)]})
    >>> ri = relative_importance(r, m)
    >>> bool(abs(ri["share"].sum() - ri.attrs["r2"]) < 1e-12), ri["term"].iloc[0]
    (True, 'delivery')
    """
    if outcome not in _IMPORTANCE_OUTCOMES:
        raise ParameterError(f"outcome must be one of {list(_IMPORTANCE_OUTCOMES)}, got {outcome!r}.")
    if method not in ("shapley", "johnson"):
        raise ParameterError(f"method must be 'shapley' or 'johnson', got {method!r}.")
    frame, X, players, left_out = _design(responses, mentions, controls=controls, base=base, sentiment=sentiment,
                                          min_mentions=min_mentions)
    y = {"nps": frame[NPS], "score": frame[SCORE], "detractor": (frame[GROUP] == 0).astype(float),
         "promoter": (frame[GROUP] == 2).astype(float)}[outcome]
    if y is None or pd.isna(y).any():
        raise ColumnError(f"outcome={outcome!r} needs a value for every respondent (a numeric 'score' column).")
    keep = X.columns[X.std(ddof=0) > 0]
    players = {k: [c for c in v if c in keep] for k, v in players.items()}
    players = {k: v for k, v in players.items() if v}
    if not players or float(np.std(y)) == 0:
        raise ParameterError("Relative importance needs at least one driver with enough mentions and an outcome "
                             f"that varies (left out: {left_out}).")
    cols = [c for v in players.values() for c in v]
    data = np.column_stack([X[cols].to_numpy(float), np.asarray(y, float)])
    C = np.corrcoef(data, rowvar=False)
    R, r = C[:-1, :-1], C[:-1, -1]
    index = {c: i for i, c in enumerate(cols)}
    groups = [np.array([index[c] for c in v]) for v in players.values()]
    if method == "johnson":
        shares, label = _johnson(R, r, groups), "johnson"
    elif len(groups) <= max_exact:
        shares, label = _shapley_exact(R, r, groups), "shapley (exact)"
    else:
        shares, label = _shapley_sampled(R, r, groups, n_permutations, seed), f"shapley ({n_permutations} permutations)"
    r2 = _r2_from_corr(R, r, np.arange(len(cols)))  # the OLS R²; the shares add up to it (tested)
    table = pd.DataFrame({"term": list(players), "kind": ["control" if k.startswith("(") else "theme" for k in players],
                          "share": shares})
    table["share_of_r2"] = table["share"] / r2 if r2 else np.nan
    table["n"] = len(frame)
    table = table.sort_values("share", ascending=False, kind="stable").reset_index(drop=True)
    table.attrs.update({"r2": r2, "method": label, "left_out": left_out, "outcome": outcome})
    return table
