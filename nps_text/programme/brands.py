"""Competitor NPS: each brand's NPS with its interval, pairwise tests, and which themes explain the gaps.

The survey asked people about different brands (one brand per response, in a ``brand`` column).
:func:`compare_brands` returns four tables:

``brands``
    NPS per brand (adjusted-Wald interval of Rocks 2016, as everywhere in nps-text).
``pairs``
    Every pair of brands (the higher NPS first): the difference with its interval and test from
    :func:`nps_text._core.stats.compare_stats` (the z-test of :func:`nps_text.stats.compare_nps`, or its exact
    permutation test where counts are small), Holm-adjusted across the pairs.
``themes``
    With mentions: the driver table (:func:`nps_text.drivers.theme_table`) within each brand, one row
    per brand × theme: the share of the brand's base mentioning it, its ``effect`` (NPS of mentioners
    − NPS of the others, the table's ``difference``) and its ``impact`` (share × effect).
``gap``
    With mentions: each brand against ``own`` (or, without ``own``, against the leader) theme by theme.
    The share difference is tested with :func:`nps_text.drivers.two_proportion_test` (BH q-values within
    each brand's comparison). The difference of the impacts splits exactly into two parts,
    ``s_b e_b - s_r e_r = (s_b - s_r) ē + s̄ (e_b - e_r)`` with ``ē``, ``s̄`` the means of the two
    brands' effects and shares: ``contribution = (s_b - s_r) ē`` (the brand's customers mention the
    theme more or less often) and ``contribution_effect = s̄ (e_b - e_r)`` (mentioning it goes with a
    different score). Where a brand has no effect for a theme (nobody mentions it) the other brand's
    effect is used. Rows are ranked by ``contribution`` in the direction of the NPS gap: rank 1 is the
    theme whose share difference explains most of why the brand scores higher (or lower). The
    contributions decompose the difference of the themes' impacts on the commented base, not the
    whole NPS gap.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from .._core.results import TableSet, format_p
from .._core.stats import check_min_n, clip_interval, compare_stats, nps_stats, z_value
from ..drivers import bh_qvalues, driver_frame, theme_table, two_proportion_test
from ..errors import ColumnError, ParameterError
from ..stats import nps_group
from .benchmark import holm_pvalues

__all__ = ["BrandComparison", "compare_brands", "brand_themes", "group_nps", "BRAND_KEYS", "PAIR_COLUMNS",
           "THEME_COLUMNS", "GAP_COLUMNS"]

logger = logging.getLogger(__name__)

BRAND_KEYS = ("brands", "pairs", "themes", "gap")
PAIR_COLUMNS = ["brand_a", "brand_b", "n_a", "n_b", "nps_a", "nps_b", "difference", "difference_low",
                "difference_high", "z", "p_value", "test", "p_holm", "significant"]
THEME_COLUMNS = ["theme", "theme_id", "sentiment", "n_base", "n", "share", "nps_with", "nps_without", "effect",
                 "effect_low", "effect_high", "impact", "impact_se", "impact_low", "impact_high", "q_value", "warning"]
GAP_COLUMNS = ["brand", "versus", "nps_gap", "rank", "theme", "theme_id", "sentiment", "share_brand", "share_versus",
               "share_difference", "p_value_share", "q_value_share", "effect_brand", "effect_versus", "effect",
               "contribution", "contribution_effect", "impact_brand", "impact_versus", "impact_difference",
               "impact_difference_low", "impact_difference_high", "p_value_impact", "explains_gap"]


@dataclass(frozen=True)
class BrandComparison(TableSet):
    """:func:`compare_brands`'s tables: ``brands``, ``pairs``, ``themes``, ``gap`` (also as ``result["gap"]``).

    ``themes`` and ``gap`` are empty (with their columns) when no mentions were given.
    """

    TABLES = BRAND_KEYS

    brands: pd.DataFrame
    pairs: pd.DataFrame
    themes: pd.DataFrame
    gap: pd.DataFrame
    own: str | None
    level: float
    info: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: each table as a list of records, plus ``own``, ``level`` and ``info``."""
        return self._tables_dict(own=self.own, level=self.level, info=self.info)

    def to_frame(self) -> pd.DataFrame:
        """The ``brands`` table."""
        return self.brands

    def summary(self) -> str:
        """The league of brands, the significant pairs, and the top theme behind each gap."""
        rows = self.brands[["brand", "nps", "n"]].itertuples(index=False)
        league = ", ".join(f"{b} {v:.1f} (n={n})" for b, v, n in rows)
        sig = int(self.pairs["significant"].sum())
        lines = [f"NPS by brand: {league}.", f"{sig} of {len(self.pairs)} pairwise differences are significant "
                                                 f"(Holm, {round(self.level * 100)}%)."]
        for (brand, versus), rows in self.gap.groupby(["brand", "versus"], sort=False):
            top = rows.iloc[0]
            if top["explains_gap"]:
                word = "higher" if top["nps_gap"] >= 0 else "lower"
                lines.append(f"{brand} vs {versus} (gap {top['nps_gap']:+.1f}): scores {word} mostly through "
                             f"{top['theme']} (share {top['share_difference']:+.0%}, contribution "
                             f"{top['contribution']:+.1f} points, q {format_p(top['q_value_share'])}).")
        return "\n".join(lines)


# ----------------------------------------------------------------------------- NPS per group
def _check_responses(responses: Any, column: str, argument: str) -> None:
    if not isinstance(responses, pd.DataFrame):
        raise ParameterError(f"responses must be a pandas DataFrame, got {type(responses).__name__}. Pass the survey "
                             "table, e.g. load_survey('survey.csv').responses.")
    if column not in responses.columns:
        raise ColumnError(f"Column {column!r} (given as {argument}) not found; available columns: "
                          f"{list(responses.columns)}. Pass {argument}='<column>'.")
    if "score" not in responses.columns:
        raise ColumnError(f"responses need a 'score' column of 0-10 answers; columns: {list(responses.columns)}. "
                          "Rename the score column to 'score' (load_survey() does).")


def group_nps(groups: pd.Series, labels: pd.Series | pd.DataFrame, *, level: float = 0.95,
              min_n: int = 30) -> pd.DataFrame:
    """NPS per label (or per combination of labels) from NPS groups, with the adjusted-Wald interval.

    ``groups`` is :func:`nps_text.stats.nps_group`'s result (missing ones count in no ``n``);
    ``labels`` a Series (output column ``label``) or a DataFrame of label columns (kept by name) with
    the same index. One row per label in order of first appearance: the label column(s), ``n,
    promoters, passives, detractors, nps, ci_low, ci_high, se_adj, center`` (the adjusted SE and centre
    that tests use) and ``small_n`` (fewer than ``min_n`` responses).

    Examples
    --------
    >>> from nps_text.stats import nps_group
    >>> t = group_nps(nps_group([10, 9, 3, 8]), pd.Series(["a", "a", "b", "b"]), min_n=2)
    >>> t[["label", "n", "nps", "small_n"]].values.tolist()
    [['a', 2, 100.0, False], ['b', 2, -50.0, False]]
    """
    z = z_value(level)
    frame = labels.to_frame("label") if isinstance(labels, pd.Series) else labels
    flags = pd.DataFrame({name: (groups == value).to_numpy() for name, value in
                          (("promoters", "promoter"), ("passives", "passive"), ("detractors", "detractor"))},
                         index=frame.index).astype("int64")
    counts = flags.groupby([frame[c] for c in frame.columns], sort=False, observed=True).sum().reset_index()
    s = nps_stats(counts["promoters"], counts["passives"], counts["detractors"], z)
    n = np.asarray(s["n"], dtype="int64")
    stats = pd.DataFrame({"n": n, "nps": s["nps"], "ci_low": s["ci_low"], "ci_high": s["ci_high"],
                          "se_adj": s["se_adj"], "center": s["center"], "small_n": n < min_n})
    out = pd.concat([counts, stats], axis=1)
    return out[[*frame.columns, "n", "promoters", "passives", "detractors", "nps", "ci_low", "ci_high", "se_adj",
                "center", "small_n"]]


def _stats(table: pd.DataFrame, idx: Any, z: float) -> dict[str, np.ndarray]:
    rows = table.iloc[idx]
    return nps_stats(rows["promoters"].to_numpy(), rows["passives"].to_numpy(), rows["detractors"].to_numpy(), z)


def _pairs(table: pd.DataFrame, level: float) -> pd.DataFrame:
    z = z_value(level)
    i, j = np.triu_indices(len(table), k=1)
    comp = compare_stats(_stats(table, i, z), _stats(table, j, z), z)
    has = (table["n"].to_numpy()[i] > 0) & (table["n"].to_numpy()[j] > 0)
    out = pd.DataFrame({"brand_a": table["brand"].to_numpy()[i], "brand_b": table["brand"].to_numpy()[j],
                        "n_a": table["n"].to_numpy()[i], "n_b": table["n"].to_numpy()[j],
                        "nps_a": table["nps"].to_numpy()[i], "nps_b": table["nps"].to_numpy()[j],
                        "difference": comp["difference"], "difference_low": comp["ci_low"],
                        "difference_high": comp["ci_high"], "z": comp["z"], "p_value": comp["p_value"],
                        "test": np.where(comp["exact"], "exact", np.where(has, "z", "none")).astype(object)})
    out["p_holm"] = holm_pvalues(out["p_value"])
    out["significant"] = (out["p_holm"] < 1 - level).to_numpy()
    return out[PAIR_COLUMNS]


# ----------------------------------------------------------------------------- themes within brands
def _themes_within(part: pd.DataFrame, mentions: pd.DataFrame, options: dict[str, Any]) -> tuple[pd.DataFrame, int]:
    ids = set(part["response_id"].astype(str))
    own = mentions[mentions["response_id"].astype(str).isin(ids)]
    t = theme_table(part, own, **options)
    out = t.rename(columns={"difference": "effect", "difference_low": "effect_low", "difference_high": "effect_high"})
    n_base = int(t.attrs.get("n_base", 0))
    out.insert(out.columns.get_loc("n"), "n_base", n_base)
    return out[THEME_COLUMNS], n_base


def brand_themes(responses: pd.DataFrame, labels: pd.Series, mentions: pd.DataFrame, *, column: str = "brand",
                 base: str = "commented", sentiment: bool | None = None, level: float = 0.95, fdr: float = 0.05,
                 min_n: int = 30) -> pd.DataFrame:
    """The driver table within each group of ``labels``, one row per group × theme of any group.

    Themes a group's respondents never mention get ``n`` 0, ``share`` 0 and ``impact`` 0 (their
    effect is unknown: NaN). Columns: ``column`` then :data:`THEME_COLUMNS`.

    Examples
    --------
    >>> r = pd.DataFrame({"response_id": list("abcd"), "score": [10, 2, 9, 8], "comment": ["gut"] * 4})
    >>> m = pd.DataFrame({"response_id": ["b"], "theme": ["price"]})
    >>> t = brand_themes(r, pd.Series(["x", "x", "y", "y"]), m)
    >>> t[["brand", "theme", "n_base", "n", "share", "impact"]].values.tolist()
    [['x', 'price', 2, 1, 0.5, -100.0], ['y', 'price', 2, 0, 0.0, 0.0]]
    """
    options = {"base": base, "sentiment": None if sentiment else sentiment, "level": level, "fdr": fdr,
               "min_n": min_n}
    pieces = {label: _themes_within(responses[labels == label], mentions, options)
              for label in pd.unique(labels.to_numpy())}
    found = [table for table, _ in pieces.values() if len(table)]
    known = pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=THEME_COLUMNS)
    meta = known.drop_duplicates("theme").set_index("theme")[["theme_id", "sentiment"]].sort_index()
    rows = []
    for label, (table, n_base) in pieces.items():
        full = table.set_index("theme").reindex(meta.index).astype({"theme_id": object, "sentiment": object,
                                                                    "warning": object})
        absent = full["n"].isna()
        full.loc[absent, ["theme_id", "sentiment"]] = meta.loc[absent, ["theme_id", "sentiment"]].to_numpy()
        full.loc[absent, ["n", "share", "impact", "impact_se", "impact_low", "impact_high"]] = 0.0
        full["n_base"] = n_base
        full.insert(0, column, label)
        rows.append(full.reset_index())
    out = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=[column, *THEME_COLUMNS])
    out = out[[column, *THEME_COLUMNS]].astype({"n": "int64", "n_base": "int64"})
    return out.astype({c: "float64" for c in THEME_COLUMNS[5:-1]})


def _gap(themes: pd.DataFrame, brands: pd.DataFrame, reference: str, level: float) -> pd.DataFrame:
    z = z_value(level)
    nps = dict(zip(brands["brand"], brands["nps"]))
    ref = themes[themes["brand"] == reference].set_index("theme")
    pieces = []
    for brand in [b for b in brands["brand"] if b != reference]:
        mine = themes[themes["brand"] == brand].set_index("theme")
        r = ref.reindex(mine.index)
        e_b, e_r = mine["effect"].to_numpy(), r["effect"].to_numpy()
        e_b, e_r = np.where(np.isnan(e_b), e_r, e_b), np.where(np.isnan(e_r), e_b, e_r)
        s_b, s_r = mine["share"].to_numpy(), r["share"].to_numpy()
        p_share, _ = two_proportion_test(mine["n"], mine["n_base"], r["n"], r["n_base"])
        diff = mine["impact"].to_numpy() - r["impact"].to_numpy()
        se = np.sqrt(mine["impact_se"].to_numpy() ** 2 + r["impact_se"].to_numpy() ** 2)
        low, high = clip_interval(diff, diff - z * se, diff + z * se, "difference")
        with np.errstate(invalid="ignore", divide="ignore"):
            p_impact = np.where(se > 0, 2 * norm.sf(np.abs(diff / se)), np.nan)
        gap = nps[brand] - nps[reference]
        contribution = (s_b - s_r) * (e_b + e_r) / 2
        piece = pd.DataFrame({
            "brand": brand, "versus": reference, "nps_gap": gap, "theme": mine.index,
            "theme_id": mine["theme_id"].to_numpy(), "sentiment": mine["sentiment"].to_numpy(), "share_brand": s_b,
            "share_versus": s_r, "share_difference": s_b - s_r, "p_value_share": p_share,
            "q_value_share": bh_qvalues(p_share), "effect_brand": mine["effect"].to_numpy(),
            "effect_versus": r["effect"].to_numpy(), "effect": (e_b + e_r) / 2, "contribution": contribution,
            "contribution_effect": (s_b + s_r) / 2 * (e_b - e_r), "impact_brand": mine["impact"].to_numpy(),
            "impact_versus": r["impact"].to_numpy(), "impact_difference": diff, "impact_difference_low": low,
            "impact_difference_high": high, "p_value_impact": p_impact,
            "explains_gap": contribution * (1 if gap >= 0 else -1) > 0})
        order = np.argsort(-np.nan_to_num(contribution * (1 if gap >= 0 else -1), nan=-np.inf), kind="stable")
        piece = piece.iloc[order].reset_index(drop=True)
        piece.insert(3, "rank", np.arange(1, len(piece) + 1))
        pieces.append(piece)
    return pd.concat(pieces, ignore_index=True)[GAP_COLUMNS] if pieces else pd.DataFrame(columns=GAP_COLUMNS)


# ----------------------------------------------------------------------------- the public function
def compare_brands(responses: pd.DataFrame, brand: str, *, mentions: pd.DataFrame | None = None,
                   own: str | None = None, level: float = 0.95, min_n: int = 30, base: str = "commented",
                   sentiment: bool | None = None, fdr: float = 0.05, scale: str = "0-10") -> BrandComparison:
    """NPS per brand, pairwise tests, and (with mentions) which themes explain each brand's gap.

    Parameters
    ----------
    responses : DataFrame
        One row per response with ``score``, the ``brand`` column and, with mentions,
        ``response_id`` (and ``comment`` or ``is_empty``/``is_junk`` for ``base="commented"``).
        Not modified. Rows without a brand are left out (counted in ``info``).
    brand : str
        The column naming the brand each response rates.
    mentions : DataFrame, optional
        The taggers' mentions table (``response_id``, ``theme``, optional ``sentiment``).
    own : str, optional
        Your brand: the ``gap`` table compares every other brand with it. Without it, with the
        brand of the highest NPS.
    level : float, default 0.95
        Confidence level of every interval; ``pairs.significant`` is ``p_holm < 1 - level``.
    min_n : int, default 30
        Brands (and themes) with fewer responses are flagged (``small_n``, ``warning``).
    base, sentiment, fdr
        As in :func:`nps_text.drivers.theme_table`.
    scale : {"0-10", "1-10"}, default "0-10"
        The answer scale.

    Returns
    -------
    BrandComparison
        ``brands``: ``brand, n, promoters, passives, detractors, nps, ci_low, ci_high, small_n, rank``
        (sorted by NPS, highest first); ``pairs``: ``brand_a, brand_b, n_a, n_b, nps_a, nps_b,
        difference, difference_low, difference_high, z, p_value, test, p_holm, significant``;
        ``themes``: ``brand`` + :data:`THEME_COLUMNS` (brands in rank order, themes by name); ``gap``:
        :data:`GAP_COLUMNS`, ranked within each brand (see the module docstring for ``contribution``).
        ``info`` counts the responses left out (no brand, no score) and, with mentions, the driver
        table's base (``info["drivers"]``).

    Examples
    --------
    >>> r = pd.DataFrame({"response_id": [str(i) for i in range(8)], "score": [10, 9, 9, 3, 10, 2, 3, 8],
    ...                   "brand": ["us"] * 4 + ["them"] * 4, "comment": ["text"] * 8})
    >>> out = compare_brands(r, "brand", own="us", min_n=2)
    >>> out.brands[["brand", "nps"]].values.tolist()
    [['us', 50.0], ['them', -25.0]]
    >>> out.pairs[["brand_a", "brand_b", "difference", "test"]].values.tolist()
    [['us', 'them', 75.0, 'exact']]
    """
    _check_responses(responses, brand, "brand")
    z_value(level)
    min_n = check_min_n(min_n)
    groups = nps_group(responses["score"], scale=scale)
    has_brand = responses[brand].notna()
    info = {"n_responses": int(len(responses)), "n_no_brand": int((~has_brand).sum()),
            "n_no_score": int((has_brand & groups.isna()).sum())}
    if info["n_no_brand"]:
        logger.info("compare_brands: %d response(s) without a brand left out", info["n_no_brand"])
    kept = responses[has_brand]
    labels = kept[brand].astype(str)
    table = group_nps(groups[has_brand], labels, level=level, min_n=min_n).rename(columns={"label": "brand"})
    if len(table) < 2:
        raise ParameterError(f"compare_brands needs at least two brands in column {brand!r}, got "
                             f"{table['brand'].tolist()}. Pass the column that names the brand each response rates.")
    if own is not None and str(own) not in set(table["brand"]):
        raise ParameterError(f"own={own!r} is not a brand of column {brand!r}; brands: {sorted(table['brand'])}. "
                             "Pass one of them, or own=None to compare with the leader.")
    table = table.sort_values(["nps", "brand"], ascending=[False, True], na_position="last", kind="stable")
    table = table.reset_index(drop=True)[["brand", "n", "promoters", "passives", "detractors", "nps", "ci_low",
                                          "ci_high", "small_n"]]
    table["rank"] = np.arange(1, len(table) + 1)
    reference = str(own) if own is not None else str(table["brand"].iloc[0])
    themes, gap = pd.DataFrame(columns=["brand", *THEME_COLUMNS]), pd.DataFrame(columns=GAP_COLUMNS)
    if mentions is not None:
        info["drivers"] = driver_frame(kept, mentions, base=base, sentiment=sentiment)[2]  # checks every input once
        themes = brand_themes(kept, labels, mentions, base=base, sentiment=sentiment, level=level, fdr=fdr,
                              min_n=min_n)
        rank = themes["brand"].map(dict(zip(table["brand"], table["rank"])))
        themes = themes.assign(_rank=rank).sort_values(["_rank", "theme"], kind="stable").drop(columns="_rank")
        themes = themes.reset_index(drop=True)
        gap = _gap(themes, table, reference, level)
    return BrandComparison(brands=table, pairs=_pairs(table, level), themes=themes, gap=gap,
                           own=None if own is None else str(own), level=float(level), info=info)
