"""Indifferent themes: talked about often, yet shown not to move the NPS (equivalence tests, TOST).

A theme that is not *significant* has not been shown to be *irrelevant*: with few mentions the
test cannot tell. :func:`indifferent_themes` asks the other question with two one-sided tests
(TOST, Schuirmann 1987): is the theme's effect within ``±margin`` NPS points? Take ``α = (1 -
level) / 2``; the theme is equivalent to zero when both one-sided nulls are rejected at ``α``:

* ``H0: θ <= -margin``: ``p_lower = P(Z >= (θ̂ + margin) / se)``,
* ``H0: θ >= +margin``: ``p_upper = P(Z <= (θ̂ - margin) / se)``,

which is the same as the ``level`` interval ``θ̂ ± z se`` (a (1 − 2α) interval: 90% for a 5% test)
lying inside ``(-margin, +margin)``. ``θ`` is, with ``measure="difference"`` (default), the NPS of the
theme's mentioners minus the NPS of the other respondents of the base, on the adjusted-Wald
estimates (Rocks 2016) as in :func:`nps_text.drivers.theme_table` (its ``difference`` column); with
``measure="impact"``, the theme's impact on the base's NPS (share × difference, the table's
``impact`` and delta-method ``impact_se``).

Verdicts: ``"indifferent"`` when the interval lies inside ``(-margin, margin)`` (both p-values below
α; a small but real effect can be indifferent), ``"matters"`` when it excludes 0 and is not inside,
``"inconclusive"`` otherwise (the data cannot tell: usually too few mentions).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from .._core.stats import check_min_n, compare_stats, is_num, nps_stats, z_value
from ..drivers import META, driver_frame, theme_table
from ..errors import ParameterError

__all__ = ["indifferent_themes", "MEASURES", "INDIFFERENT_VERDICTS", "INDIFFERENT_COLUMNS"]

logger = logging.getLogger(__name__)

MEASURES = ("difference", "impact")
INDIFFERENT_VERDICTS = ("indifferent", "matters", "inconclusive")
INDIFFERENT_COLUMNS = ["theme", "theme_id", "sentiment", "n", "share", "measure", "estimate", "se", "ci_low", "ci_high",
                       "margin", "p_lower", "p_upper", "p_equivalence", "p_value_zero", "verdict", "warning"]
_GROUP = META[0]  # the respondent frame's NPS group code: 0 detractor, 1 passive, 2 promoter


def _check(margin: Any, min_share: Any, measure: Any) -> None:
    if not is_num(margin) or not 0 < margin <= 200:
        raise ParameterError(f"margin must be a positive number of NPS points (at most 200), got {margin!r}. "
                             "Pass e.g. margin=5: effects within ±5 points count as no effect.")
    if not is_num(min_share) or not 0 <= min_share < 1:
        percent = is_num(min_share) and 1 <= min_share < 100
        hint = f" Pass min_share={min_share / 100:g} for {min_share:g}%." if percent else \
            " Pass e.g. min_share=0.05 for themes of at least 5% of the comments."
        raise ParameterError(f"min_share must be a share from 0 to 1 (exclusive), got {min_share!r}.{hint}")
    if measure not in MEASURES:
        raise ParameterError(f"measure must be one of {list(MEASURES)}, got {measure!r}. Pass 'difference' (NPS of "
                             "mentioners minus the others) or 'impact' (points the theme adds to the NPS).")


def _difference(table: pd.DataFrame, frame: pd.DataFrame, z: float) -> dict[str, np.ndarray]:
    """Adjusted centre, SE, interval and p-value of NPS(mentioners) - NPS(others) per theme."""
    totals = np.bincount(frame[_GROUP].to_numpy().astype("int64"), minlength=3).astype("float64")
    P, A, D = (table[c].to_numpy(dtype="float64") for c in ("promoters", "passives", "detractors"))
    with_theme, rest = nps_stats(P, A, D, z), nps_stats(totals[2] - P, totals[1] - A, totals[0] - D, z)
    comp = compare_stats(with_theme, rest, z)
    return {"center": with_theme["center"] - rest["center"], "estimate": comp["difference"], "se": comp["se"],
            "ci_low": comp["ci_low"], "ci_high": comp["ci_high"], "p_value_zero": comp["p_value"]}


def _impact(table: pd.DataFrame) -> dict[str, np.ndarray]:
    center, se = table["impact"].to_numpy(dtype="float64"), table["impact_se"].to_numpy(dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        p_zero = np.where(se > 0, 2 * norm.sf(np.abs(center / se)), np.nan)
    return {"center": center, "estimate": center, "se": se, "ci_low": table["impact_low"].to_numpy(dtype="float64"),
            "ci_high": table["impact_high"].to_numpy(dtype="float64"), "p_value_zero": p_zero}


def _verdicts(low: np.ndarray, high: np.ndarray, p_equivalence: np.ndarray, margin: float,
              alpha: float) -> np.ndarray:
    inside = (low > -margin) & (high < margin) & (p_equivalence < alpha)
    excludes_zero = (low > 0) | (high < 0)
    return np.where(inside, "indifferent", np.where(excludes_zero, "matters", "inconclusive")).astype(object)


def indifferent_themes(responses: pd.DataFrame, mentions: pd.DataFrame, *, margin: float = 5.0, level: float = 0.90,
                       min_share: float = 0.05, measure: str = "difference", base: str = "commented",
                       sentiment: bool | None = None, min_n: int = 30) -> pd.DataFrame:
    """Themes mentioned by at least ``min_share`` of the base whose effect on the NPS is within ``±margin``.

    Parameters
    ----------
    responses, mentions : DataFrame
        As in :func:`nps_text.drivers.theme_table` (``response_id``, ``score``, a comment column;
        the long mentions table). Not modified.
    margin : float, default 5.0
        The equivalence margin in NPS points: effects within ±margin count as no effect. Choose it
        before looking (what difference would change a decision?).
    level : float, default 0.90
        Level of the interval, ``1 - 2α``: 0.90 is the TOST at α = 5%.
    min_share : float, default 0.05
        Themes mentioned by a smaller share of the base are left out (listed in ``attrs["rare"]``).
    measure : {"difference", "impact"}, default "difference"
        What must be near zero: the NPS difference of mentioners vs the others, or the theme's impact
        on the NPS (share × difference; small for any rare theme).
    base, sentiment, min_n
        As in :func:`nps_text.drivers.theme_table`; with sentiment, "price (negative)" and "price
        (positive)" are judged apart (a polarised theme is not called indifferent).

    Returns
    -------
    DataFrame
        One row per frequent theme (:data:`INDIFFERENT_COLUMNS`), most mentioned first: ``theme, theme_id,
        sentiment, n, share, measure, estimate`` (the plain difference or impact), ``se``, ``ci_low,
        ci_high`` (the ``level`` interval), ``margin``, ``p_lower, p_upper`` (the one-sided tests),
        ``p_equivalence`` (their maximum: the TOST p-value), ``p_value_zero`` (the ordinary test of no
        effect), ``verdict`` ("indifferent", "matters", "inconclusive") and the driver table's
        ``warning``. ``attrs`` holds the driver table's counts, ``rare`` and ``alpha``.

    Examples
    --------
    >>> scores = [10] * 400 + [8] * 300 + [3] * 300
    >>> r = pd.DataFrame({"response_id": [str(i) for i in range(1000)], "score": scores, "comment": ["text"] * 1000})
    >>> every_third = [str(i) for i in range(0, 1000, 3)]  # about a third of each group
    >>> m = pd.DataFrame({"response_id": every_third, "theme": "app"})
    >>> t = indifferent_themes(r, m, margin=10)
    >>> t[["theme", "share", "verdict"]].round(3).values.tolist()
    [['app', 0.334, 'indifferent']]
    """
    _check(margin, min_share, measure)
    z, min_n = z_value(level), check_min_n(min_n)
    alpha = (1 - level) / 2
    table = theme_table(responses, mentions, base=base, sentiment=sentiment, level=level, min_n=min_n)
    frame = driver_frame(responses, mentions, base=base, sentiment=sentiment)[0] if measure == "difference" else None
    stats = _difference(table, frame, z) if frame is not None else _impact(table)
    center, se = stats["center"], stats["se"]
    with np.errstate(invalid="ignore", divide="ignore"):
        p_lower = np.where(se > 0, norm.sf((center + margin) / se), np.nan)
        p_upper = np.where(se > 0, norm.cdf((center - margin) / se), np.nan)
    p_equivalence = np.fmax(p_lower, p_upper)
    out = pd.DataFrame({"theme": table["theme"], "theme_id": table["theme_id"], "sentiment": table["sentiment"],
                        "n": table["n"], "share": table["share"], "measure": measure, "estimate": stats["estimate"],
                        "se": se, "ci_low": stats["ci_low"], "ci_high": stats["ci_high"], "margin": float(margin),
                        "p_lower": p_lower, "p_upper": p_upper, "p_equivalence": p_equivalence,
                        "p_value_zero": stats["p_value_zero"],
                        "verdict": _verdicts(stats["ci_low"], stats["ci_high"], p_equivalence, margin, alpha),
                        "warning": table["warning"]}, columns=INDIFFERENT_COLUMNS)
    frequent = (out["share"] >= min_share).to_numpy()
    rare = out.loc[~frequent, "theme"].tolist()
    if rare:
        logger.info("indifferent_themes: %d theme(s) below min_share=%g left out: %s", len(rare), min_share, rare)
    out = out[frequent].sort_values(["share", "theme"], ascending=[False, True], kind="stable").reset_index(drop=True)
    out.attrs.update(table.attrs, rare=rare, alpha=alpha)
    return out
