"""B2B accounts: NPS per account × role, account NPS weighted two ways, and where roles disagree.

In a B2B survey several people of one customer answer: decision makers, users, purchasing, IT...
(the roles are whatever values the data has). :func:`account_roles` returns five tables:

``cells``
    Account × role: n, NPS, adjusted-Wald interval (Rocks 2016), ``small_n`` (fewer than ``min_n``).
``accounts``
    Per account the NPS of all its respondents (``nps_respondents``: a role with more respondents
    weighs more) and the mean of its roles' NPS (``nps_equal``: every role counts once, so ten users
    do not drown one decision maker). Its interval treats the roles as independent samples:
    centre ``mean(c_r)``, SE ``sqrt(sum se_r'^2) / k`` from the roles' adjusted centres and SEs.
    ``nps`` is the one ``role_weighting`` picks.
``roles``
    Per role over all accounts (respondents pooled), tested against the other roles.
``disagreement``
    Accounts with at least two roles, sorted by the ``spread`` between their best and worst role's NPS
    (largest first), with the test of that difference (:func:`nps_text._core.stats.compare_stats`: z-test
    or exact permutation test) and its Holm-adjusted p-value across accounts. The best and worst
    roles are picked after looking, so the raw p-value is optimistic: read ``p_holm``.
    ``promoter_leaning`` lists the roles with NPS > 0, ``detractor_leaning`` those with NPS < 0.
``themes``
    With mentions: :func:`nps_text.drivers.drivers_by` over the role column: each theme's share and
    impact within each role, ``share_vs_rest`` (two-proportion test against the other roles) and
    ``share_p_value`` (chi-square or exact test that the share is the same in every role), with
    Benjamini–Hochberg q-values across themes (``share_q_value``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._core.results import TableSet, format_p
from .._core.stats import check_min_n, clip_interval, compare_stats, nps_stats, z_value
from ..drivers import bh_qvalues, drivers_by
from ..errors import ColumnError, ParameterError
from ..stats import nps_group
from .benchmark import holm_pvalues
from .brands import group_nps

__all__ = ["AccountRoles", "account_roles", "ACCOUNT_KEYS", "WEIGHTINGS"]

logger = logging.getLogger(__name__)

ACCOUNT_KEYS = ("cells", "accounts", "roles", "disagreement", "themes")
WEIGHTINGS = ("respondents", "equal")
_STATS = ["n", "promoters", "passives", "detractors", "nps", "ci_low", "ci_high", "small_n"]
_THEME_COLUMNS = {"value": "role", "n_segment": "n_base", "theme": "theme", "n": "n", "share": "share",
                  "impact": "impact", "impact_low": "impact_low", "impact_high": "impact_high",
                  "share_vs_rest": "share_vs_rest", "share_vs_rest_p": "share_vs_rest_p",
                  "share_vs_rest_q": "share_vs_rest_q", "share_p_value": "share_p_value",
                  "impact_p_value": "impact_p_value", "warning": "warning"}


@dataclass(frozen=True)
class AccountRoles(TableSet):
    """:func:`account_roles`'s tables: ``cells``, ``accounts``, ``roles``, ``disagreement``, ``themes``.

    Also reachable as ``result["cells"]``; ``themes`` is empty (with its columns) without mentions.
    """

    TABLES = ACCOUNT_KEYS

    cells: pd.DataFrame
    accounts: pd.DataFrame
    roles: pd.DataFrame
    disagreement: pd.DataFrame
    themes: pd.DataFrame
    role_weighting: str
    level: float
    info: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: each table as a list of records, plus ``role_weighting``, ``level`` and ``info``."""
        return self._tables_dict(role_weighting=self.role_weighting, level=self.level, info=self.info)

    def to_frame(self) -> pd.DataFrame:
        """The ``accounts`` table."""
        return self.accounts

    def summary(self) -> str:
        """The role NPS, and the accounts where roles disagree most."""
        rows = self.roles[["role", "nps", "n"]].itertuples(index=False)
        roles = ", ".join(f"{r} {v:.1f} (n={n})" for r, v, n in rows)
        lines = [f"{len(self.accounts)} accounts; NPS by role: {roles}."]
        for row in self.disagreement.head(3).itertuples(index=False):
            lines.append(f"{row.account}: {row.best_role} {row.best_nps:.0f} (n={row.best_n}) vs {row.worst_role} "
                         f"{row.worst_nps:.0f} (n={row.worst_n}), spread {row.spread:.0f} "
                         f"(p Holm {format_p(row.p_holm)}).")
        return "\n".join(lines)


# ----------------------------------------------------------------------------- inputs
def _check(responses: Any, account: str, role: str, role_weighting: str) -> None:
    if not isinstance(responses, pd.DataFrame):
        raise ParameterError(f"responses must be a pandas DataFrame, got {type(responses).__name__}. Pass the survey "
                             "table, e.g. load_survey('survey.csv').responses.")
    for column, argument in ((account, "account"), (role, "role")):
        if column not in responses.columns:
            raise ColumnError(f"Column {column!r} (given as {argument}) not found; available columns: "
                              f"{list(responses.columns)}. Pass {argument}='<column>'.")
    if account == role:
        raise ParameterError(f"account and role must be two different columns, got {account!r} for both. "
                             "Pass the customer column as account and the job-role column as role.")
    if "score" not in responses.columns:
        raise ColumnError(f"responses need a 'score' column of 0-10 answers; columns: {list(responses.columns)}. "
                          "Rename the score column to 'score' (load_survey() does).")
    if role_weighting not in WEIGHTINGS:
        raise ParameterError(f"role_weighting must be one of {list(WEIGHTINGS)}, got {role_weighting!r}. Pass "
                             "'respondents' (every respondent counts once) or 'equal' (every role counts once).")


# ----------------------------------------------------------------------------- tables
def _accounts(cells: pd.DataFrame, groups: pd.Series, labels: pd.DataFrame, role_weighting: str, level: float,
              min_n: int) -> pd.DataFrame:
    z = z_value(level)
    pooled = group_nps(groups, labels["account"], level=level, min_n=min_n).rename(columns={"label": "account"})
    rows = []
    for account, part in cells[cells["n"] > 0].groupby("account", sort=False):
        k = len(part)
        center, se = part["center"].mean(), np.sqrt((part["se_adj"] ** 2).sum()) / k
        low, high = clip_interval(part["nps"].mean(), center - z * se, center + z * se, "nps")
        rows.append({"account": account, "n_roles": k, "nps_equal": part["nps"].mean(), "ci_low_equal": float(low),
                     "ci_high_equal": float(high)})
    equal = pd.DataFrame(rows, columns=["account", "n_roles", "nps_equal", "ci_low_equal", "ci_high_equal"])
    out = pooled[["account", "n", "nps", "ci_low", "ci_high", "small_n"]].rename(
        columns={"nps": "nps_respondents", "ci_low": "ci_low_respondents", "ci_high": "ci_high_respondents"})
    out = out.merge(equal, on="account", how="left")
    out["n_roles"] = out["n_roles"].fillna(0).astype("int64")
    suffix = "respondents" if role_weighting == "respondents" else "equal"
    for name in ("nps", "ci_low", "ci_high"):
        out[name] = out[f"{name}_{suffix}"]
    order = ["account", "n", "n_roles", "nps", "ci_low", "ci_high", "nps_respondents", "ci_low_respondents",
             "ci_high_respondents", "nps_equal", "ci_low_equal", "ci_high_equal", "small_n"]
    return out[order].sort_values(["nps", "account"], ascending=[False, True], na_position="last",
                                  kind="stable").reset_index(drop=True)


def _roles(groups: pd.Series, labels: pd.DataFrame, level: float, min_n: int) -> pd.DataFrame:
    z = z_value(level)
    t = group_nps(groups, labels["role"], level=level, min_n=min_n).rename(columns={"label": "role"})
    has = groups.notna()
    t.insert(2, "n_accounts", t["role"].map(labels[has].groupby("role")["account"].nunique()).fillna(0).astype("int64"))
    total = t[["promoters", "passives", "detractors"]].sum()
    rest = nps_stats(total["promoters"] - t["promoters"], total["passives"] - t["passives"],
                     total["detractors"] - t["detractors"], z)
    mine = nps_stats(t["promoters"], t["passives"], t["detractors"], z)
    comp = compare_stats(mine, rest, z)
    t["difference_vs_rest"], t["p_value_vs_rest"] = comp["difference"], comp["p_value"]
    t = t.sort_values(["nps", "role"], ascending=[False, True], na_position="last", kind="stable")
    return t[["role", "n", "n_accounts", *_STATS[1:], "difference_vs_rest", "p_value_vs_rest"]].reset_index(drop=True)


def _disagreement(cells: pd.DataFrame, level: float, min_n: int) -> pd.DataFrame:
    z = z_value(level)
    columns = ["account", "n", "n_roles", "best_role", "best_n", "best_nps", "worst_role", "worst_n", "worst_nps",
               "spread", "spread_low", "spread_high", "p_value", "test", "p_holm", "promoter_leaning",
               "detractor_leaning", "small_n"]
    rows, best, worst = [], [], []
    for account, part in cells[cells["n"] > 0].groupby("account", sort=False):
        if len(part) < 2:
            continue
        part = part.sort_values(["nps", "role"], ascending=[False, True], kind="stable")
        b, w = part.iloc[0], part.iloc[-1]
        best.append(b)
        worst.append(w)
        rows.append({"account": account, "n": int(part["n"].sum()), "n_roles": len(part), "best_role": b["role"],
                     "best_n": int(b["n"]), "best_nps": b["nps"], "worst_role": w["role"], "worst_n": int(w["n"]),
                     "worst_nps": w["nps"],
                     "promoter_leaning": ", ".join(part.loc[part["nps"] > 0, "role"]) or None,
                     "detractor_leaning": ", ".join(part.loc[part["nps"] < 0, "role"][::-1]) or None,
                     "small_n": bool(b["n"] < min_n or w["n"] < min_n)})
    if not rows:
        return pd.DataFrame(columns=columns)
    out = pd.DataFrame(rows)
    b, w = pd.DataFrame(best), pd.DataFrame(worst)
    comp = compare_stats(*(nps_stats(f["promoters"].to_numpy(), f["passives"].to_numpy(), f["detractors"].to_numpy(), z)
                           for f in (b, w)), z)
    out["spread"], out["spread_low"], out["spread_high"] = comp["difference"], comp["ci_low"], comp["ci_high"]
    out["p_value"], out["test"] = comp["p_value"], np.where(comp["exact"], "exact", "z").astype(object)
    out["p_holm"] = holm_pvalues(out["p_value"])
    out = out.sort_values(["spread", "p_value", "account"], ascending=[False, True, True], kind="stable")
    return out[columns].reset_index(drop=True)


def _themes(kept: pd.DataFrame, role: str, mentions: pd.DataFrame | None, options: dict[str, Any]) -> pd.DataFrame:
    columns = [*_THEME_COLUMNS.values(), "share_q_value"]
    if mentions is None:
        return pd.DataFrame(columns=columns)
    t = drivers_by(kept, mentions, role, **options)
    if t.empty:
        return pd.DataFrame(columns=columns)
    t = t.rename(columns=_THEME_COLUMNS)[list(_THEME_COLUMNS.values())]
    nobody = (t["n"] == 0) & (t["n_base"] > 0)  # a theme no one of the role mentions adds nothing to its NPS
    t.loc[nobody, ["impact", "impact_low", "impact_high"]] = 0.0
    per_theme = t.drop_duplicates("theme").set_index("theme")["share_p_value"]
    t["share_q_value"] = t["theme"].map(pd.Series(bh_qvalues(per_theme), index=per_theme.index))
    return t.sort_values(["share_p_value", "theme", "role"], kind="stable", na_position="last").reset_index(drop=True)


# ----------------------------------------------------------------------------- the public function
def account_roles(responses: pd.DataFrame, account: str, role: str, *, mentions: pd.DataFrame | None = None,
                  role_weighting: str = "respondents", min_n: int = 5, level: float = 0.95, base: str = "commented",
                  sentiment: bool | None = None, fdr: float = 0.05, scale: str = "0-10") -> AccountRoles:
    """NPS per account × role, per account (two weightings), per role, the most divided accounts and role themes.

    Parameters
    ----------
    responses : DataFrame
        One row per respondent with ``score`` and the ``account`` and ``role`` columns (and, with
        mentions, ``response_id`` and ``comment`` or ``is_empty``/``is_junk``). Not modified. Rows
        without an account or a role are left out (counted in ``info``).
    account, role : str
        The columns naming the customer account and the respondent's role.
    mentions : DataFrame, optional
        The taggers' mentions table: adds the ``themes`` table.
    role_weighting : {"respondents", "equal"}, default "respondents"
        Which account NPS is ``accounts.nps``: over all respondents, or the mean of the roles' NPS.
        Both are always in the table.
    min_n : int, default 5
        Cells (and themes) with fewer respondents are flagged ``small_n`` (B2B cells are small: the
        interval says how uncertain).
    level : float, default 0.95
        Confidence level of every interval.
    base, sentiment, fdr
        As in :func:`nps_text.drivers.theme_table`, for the ``themes`` table.
    scale : {"0-10", "1-10"}, default "0-10"
        The answer scale.

    Returns
    -------
    AccountRoles
        ``cells``: ``account, role, n, promoters, passives, detractors, nps, ci_low, ci_high, small_n``;
        ``accounts``: ``account, n, n_roles, nps, ci_low, ci_high, nps_respondents, ci_low_respondents,
        ci_high_respondents, nps_equal, ci_low_equal, ci_high_equal, small_n`` (highest ``nps`` first);
        ``roles``: ``role, n, n_accounts, promoters, passives, detractors, nps, ci_low, ci_high, small_n,
        difference_vs_rest, p_value_vs_rest``; ``disagreement``: ``account, n, n_roles, best_role, best_n,
        best_nps, worst_role, worst_n, worst_nps, spread, spread_low, spread_high, p_value, test, p_holm,
        promoter_leaning, detractor_leaning, small_n``; ``themes``: ``role, n_base, theme, n, share,
        impact, impact_low, impact_high, share_vs_rest, share_vs_rest_p, share_vs_rest_q, share_p_value,
        impact_p_value, warning, share_q_value``.

    Examples
    --------
    >>> r = pd.DataFrame({"score": [10, 9, 2, 3, 1, 8, 9, 7],
    ...                   "account": ["A"] * 5 + ["B"] * 3,
    ...                   "role": ["decision maker", "decision maker", "user", "user", "user", "decision maker",
    ...                            "user", "user"]})
    >>> out = account_roles(r, "account", "role", role_weighting="equal")
    >>> out.accounts[["account", "n", "nps_respondents", "nps_equal"]].round(1).values.tolist()
    [['B', 3, 33.3, 25.0], ['A', 5, -20.0, 0.0]]
    >>> cols = ["account", "best_role", "worst_role", "spread", "promoter_leaning", "detractor_leaning"]
    >>> out.disagreement[cols].values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['A', 'decision maker', 'user', 200.0, 'decision maker', 'user'],
     ['B', 'user', 'decision maker', 50.0, 'user', nan]]
    """
    _check(responses, account, role, role_weighting)
    z_value(level)
    min_n = check_min_n(min_n)
    groups = nps_group(responses["score"], scale=scale)
    known = responses[account].notna() & responses[role].notna()
    info = {"n_responses": int(len(responses)), "n_no_account_or_role": int((~known).sum()),
            "n_no_score": int((known & groups.isna()).sum())}
    if info["n_no_account_or_role"]:
        logger.info("account_roles: %d response(s) without an account or a role left out", info["n_no_account_or_role"])
    kept = responses[known]
    labels = pd.DataFrame({"account": kept[account].astype(str), "role": kept[role].astype(str)}, index=kept.index)
    if labels.empty:
        raise ParameterError(f"No response has both an account ({account!r}) and a role ({role!r}). Fill those "
                             "columns, or pass the columns that hold them.")
    groups = groups[known]
    cells = group_nps(groups, labels, level=level, min_n=min_n)
    options = {"base": base, "sentiment": sentiment, "level": level, "fdr": fdr, "min_n": min_n}
    themes = _themes(kept.assign(**{role: labels["role"]}), role, mentions, options)
    cells_out = cells[["account", "role", *_STATS]].sort_values(["account", "role"]).reset_index(drop=True)
    return AccountRoles(cells=cells_out,
                        accounts=_accounts(cells, groups, labels, role_weighting, level, min_n),
                        roles=_roles(groups, labels, level, min_n), disagreement=_disagreement(cells, level, min_n),
                        themes=themes, role_weighting=role_weighting, level=float(level), info=info)
