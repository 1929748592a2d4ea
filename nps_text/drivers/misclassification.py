"""Prevalence and impact of themes corrected for tagging errors, with intervals widened accordingly.

A tagger with precision P and recall R for a theme misses some true mentions and adds some false
ones, so the observed share and impact are biased (usually towards zero). Given P and R (from
:func:`nps_text.tagging.training.evaluate` on labelled comments) this module estimates the true counts of
mentioners in each NPS group and recomputes prevalence and impact:

- ``method="ppv"``: true mentioners = observed · P / R (observed · P are the true positives,
  dividing by R adds the missed ones), per group. Precision depends on prevalence, so assuming it
  equal in every group is only right when the theme is about as common in each; the simulation in
  ``benchmarks/drivers.py`` shows this method undercorrects the impact of real drivers.
- ``method="rogan-gladen"`` (needs the validation size ``n``): sensitivity ``Se = R`` and the
  specificity ``Sp`` implied by P, R, support and n; per group the true share is
  ``(q + Sp - 1) / (Se + Sp - 1)`` for the observed share ``q`` (Rogan & Gladen, 1978).

Assumptions (see docs/drivers.md): errors are non-differential — for "rogan-gladen" sensitivity and
specificity, for "ppv" precision and recall, are the same in every NPS group; the labelled data
used for P/R is representative of the survey; respondents are independent. The interval is a
parametric bootstrap that redraws the survey's cell counts (multinomial) and the validation
counts (Jeffreys Beta draws of Se, PPV and Sp from their TP/FP/FN/TN), so it reflects the
uncertainty of both. Percentile intervals are clipped to the range of the quantity (shares 0..1,
impacts -200..200) and widened to hold their estimate where a few draws miss it
(:func:`nps_text._core.stats.clip_interval`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .._core.stats import clip_interval, z_value
from ..errors import ParameterError
from .table import GROUP, META, driver_frame

__all__ = ["correct_misclassification", "corrected_counts", "METHODS"]

logger = logging.getLogger(__name__)

METHODS = ("auto", "ppv", "rogan-gladen")
_PPV_NOTE = ("ppv assumes the same precision in every NPS group, which fails when the theme is more common in one "
             "group (biased towards the observed impact); pass the labelled-set size n for Rogan-Gladen.")


def corrected_counts(observed: Any, group_sizes: Any, *, precision: Any, recall: Any,
                     specificity: Any = None) -> np.ndarray:
    """Estimated true mentioners per group from observed ones (vectorised over the last axis).

    Without ``specificity``: ``observed * precision / recall``; with it (Rogan–Gladen):
    ``N * (observed / N + Sp - 1) / (recall + Sp - 1)``. Clipped to ``[0, N]``.

    Examples
    --------
    >>> corrected_counts([40, 10, 50], [100, 200, 700], precision=0.8, recall=0.5).tolist()
    [64.0, 16.0, 80.0]
    >>> corrected_counts([40], [100], precision=None, recall=0.8, specificity=0.9).round(2).tolist()
    [42.86]
    """
    O, N = np.asarray(observed, dtype="float64"), np.asarray(group_sizes, dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        if specificity is None:
            T = O * np.asarray(precision) / np.asarray(recall)
        else:
            sp = np.asarray(specificity)
            T = N * (O / N + sp - 1) / (np.asarray(recall) + sp - 1)
    return np.clip(np.nan_to_num(T, nan=0.0), 0, N)


def _share_impact(T: np.ndarray, N: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """share, NPS with, impact from true counts T (..., 3) and group sizes N (..., 3): det, pas, pro."""
    total = N.sum(axis=-1)
    t = T.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        nps_all = 100 * (N[..., 2] - N[..., 0]) / total
        without = 100 * ((N[..., 2] - T[..., 2]) - (N[..., 0] - T[..., 0])) / (total - t)
        with_ = 100 * (T[..., 2] - T[..., 0]) / t
    return t / total, with_, nps_all - without


def _validation(metric: Mapping[str, Any], n_validation: int | None) -> dict[str, float]:
    try:
        p, r, support = float(metric["precision"]), float(metric["recall"]), float(metric["support"])
    except (KeyError, TypeError, ValueError):
        raise ParameterError(f"Each theme's metrics need precision, recall and support, got {dict(metric)!r}. "
                             "Pass evaluate(...)['per_label'] or {'theme': {'precision': .., 'recall': .., "
                             "'support': ..}}.") from None
    if not (0 < p <= 1 and 0 < r <= 1 and support > 0):
        raise ParameterError(f"precision and recall must be in (0, 1] and support > 0, got {dict(metric)!r}: a "
                             "theme the tagger never finds correctly cannot be corrected.")
    tp = r * support
    fp = tp * (1 - p) / p
    out = {"precision": p, "recall": r, "support": support, "tp": tp, "fn": support - tp, "fp": fp}
    n = metric.get("n", n_validation)
    if n is not None:
        out["tn"] = max(float(n) - support - fp, 0.0)
        out["specificity"] = out["tn"] / (out["tn"] + fp) if out["tn"] + fp else 1.0
    return out


def correct_misclassification(responses: pd.DataFrame, mentions: pd.DataFrame,
                              metrics: Mapping[str, Any], *, method: str = "auto", base: str = "commented",
                              level: float = 0.95, n_boot: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Share and impact per theme, observed and corrected for the tagger's precision and recall.

    Parameters
    ----------
    metrics : mapping
        ``evaluate(...)`` output (``{"per_label": {...}, "n": ...}``) or its ``per_label``:
        theme → ``{"precision", "recall", "support"}`` (optionally ``"n"``, the number of labelled
        texts, which "rogan-gladen" needs).
    method : {"auto", "ppv", "rogan-gladen"}
        "auto" uses Rogan–Gladen when the validation size is known, else "ppv".
    base, level
        As in :func:`~nps_text.drivers.theme_table` (themes, not sentiment drivers: P/R are per theme).
    n_boot, seed
        Parametric bootstrap draws and their seed.

    Returns
    -------
    DataFrame
        ``theme, precision, recall, support, method, n_observed, share_observed, share_corrected,
        share_low, share_high, impact_observed, impact_corrected, impact_low, impact_high,
        impact_naive_low, impact_naive_high`` (survey sampling only, no tagging error),
        ``widening`` (corrected interval width / naive width), ``note``. Themes without metrics get
        NaN and a note.

    Examples
    --------
    >>> r = pd.DataFrame({"response_id": [str(i) for i in range(100)], "comment": ["fine"] * 100,
    ...                   "score": [2] * 30 + [9] * 70})
    >>> m = pd.DataFrame({"response_id": [str(i) for i in range(10)], "theme": "delivery"})
    >>> out = correct_misclassification(r, m, {"delivery": {"precision": 1.0, "recall": 0.5, "support": 40}},
    ...                                 n_boot=200)
    >>> out.loc[0, ["share_observed", "share_corrected"]].tolist()
    [0.1, 0.2]
    """
    if method not in METHODS:
        raise ParameterError(f"method must be one of {list(METHODS)}, got {method!r}.")
    if not isinstance(metrics, Mapping):
        raise ParameterError(f"metrics must be a mapping of theme to precision/recall/support, got {type(metrics).__name__}.")
    n_validation = metrics.get("n") if "per_label" in metrics else None
    per_label = metrics["per_label"] if "per_label" in metrics else metrics
    z_value(level)  # validates
    frame, _, _ = driver_frame(responses, mentions, base=base, sentiment=False)
    drivers = [c for c in frame.columns if c not in META]
    onehot = np.eye(3)[frame[GROUP].to_numpy()]
    N = onehot.sum(axis=0)
    rng = np.random.default_rng(seed)
    alpha = (1 - level) / 2
    rows = []
    for theme in drivers:
        O = frame[theme].to_numpy(float) @ onehot
        share_obs, _, impact_obs = _share_impact(O, N)
        row = {"theme": theme, "n_observed": int(O.sum()), "share_observed": float(share_obs),
               "impact_observed": float(impact_obs)}
        if theme not in per_label:
            rows.append({**row, "note": "no precision/recall for this theme: not corrected"})
            continue
        v = _validation(per_label[theme], n_validation)
        use = method if method != "auto" else ("rogan-gladen" if "specificity" in v else "ppv")
        if use == "rogan-gladen" and "specificity" not in v:
            raise ParameterError(f"method='rogan-gladen' needs the number of labelled texts: pass evaluate()'s "
                                 f"whole result (with 'n') or add 'n' to the metrics of {theme!r}; or use method='ppv'.")
        sp = v.get("specificity") if use == "rogan-gladen" else None
        T = corrected_counts(O, N, precision=v["precision"], recall=v["recall"], specificity=sp)
        share_c, _, impact_c = _share_impact(T, N)
        # parametric bootstrap: survey cells and validation counts
        cells = np.concatenate([O, N - O])
        draws = rng.multinomial(int(N.sum()), cells / cells.sum(), size=n_boot)
        Ob, Nb = draws[:, :3].astype(float), (draws[:, :3] + draws[:, 3:]).astype(float)
        se_b = rng.beta(v["tp"] + 0.5, v["fn"] + 0.5, size=n_boot)
        ppv_b = rng.beta(v["tp"] + 0.5, v["fp"] + 0.5, size=n_boot)
        sp_b = rng.beta(v["tn"] + 0.5, v["fp"] + 0.5, size=n_boot) if sp is not None else None
        Tb = corrected_counts(Ob, Nb, precision=ppv_b[:, None], recall=se_b[:, None],
                              specificity=None if sp_b is None else sp_b[:, None])
        sb, _, ib = _share_impact(Tb, Nb)
        _, _, ib_naive = _share_impact(Ob, Nb)
        lo, hi = clip_interval(impact_c, *np.nanquantile(ib, [alpha, 1 - alpha]), "difference")
        nlo, nhi = clip_interval(impact_obs, *np.nanquantile(ib_naive, [alpha, 1 - alpha]), "difference")
        slo, shi = clip_interval(share_c, *np.nanquantile(sb, [alpha, 1 - alpha]), "share")
        rows.append({**row, "precision": v["precision"], "recall": v["recall"], "support": v["support"],
                     "method": use, "share_corrected": float(share_c), "share_low": float(slo), "share_high": float(shi),
                     "impact_corrected": float(impact_c), "impact_low": float(lo), "impact_high": float(hi),
                     "impact_naive_low": float(nlo), "impact_naive_high": float(nhi),
                     "widening": float((hi - lo) / (nhi - nlo)) if nhi > nlo else np.nan,
                     "note": _PPV_NOTE if use == "ppv" else None})
    columns = ["theme", "precision", "recall", "support", "method", "n_observed", "share_observed", "share_corrected",
               "share_low", "share_high", "impact_observed", "impact_corrected", "impact_low", "impact_high",
               "impact_naive_low", "impact_naive_high", "widening", "note"]
    return pd.DataFrame(rows).reindex(columns=columns)
