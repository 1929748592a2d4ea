"""B2B accounts: account × role NPS by hand, two weightings, the most divided account, themes per role."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from nps_text._core.results import to_jsonable
from nps_text.drivers import group_table_test
from nps_text.errors import ColumnError, ParameterError
from nps_text.programme.accounts import ACCOUNT_KEYS, account_roles
from nps_text.stats import compare_nps, nps_from_counts

Z = norm.ppf(0.975)


def _adjusted(P: int, A: int, D: int) -> tuple[float, float]:
    n = P + A + D + 3
    p, d = (P + 0.75) / n, (D + 0.75) / n
    return 100 * (p - d), 100 * math.sqrt((p + d - (p - d) ** 2) / n)


def _frame(cells: dict[tuple[str, str], list[int]]) -> pd.DataFrame:
    rows = [(a, r, s) for (a, r), scores in cells.items() for s in scores]
    return pd.DataFrame({"response_id": [f"r{i}" for i in range(len(rows))], "account": [a for a, _, _ in rows],
                         "role": [r for _, r, _ in rows], "score": [s for _, _, s in rows], "comment": "ein Kommentar"})


SMALL = {("Acme", "decision maker"): [10, 9, 8],            # 2 P, 1 A: NPS 66.7
         ("Acme", "user"): [3, 2, 8, 9, 1, 0],               # 1 P, 1 A, 4 D: NPS -50
         ("Beta", "decision maker"): [9, 7],                 # 1 P, 1 A: NPS 50
         ("Beta", "user"): [10, 9, 8, 8]}                    # 2 P, 2 A: NPS 50


def test_cells_and_the_two_account_weightings_by_hand():
    out = account_roles(_frame(SMALL), "account", "role", role_weighting="equal", min_n=3)
    cells = out.cells.set_index(["account", "role"])
    for key, counts in {("Acme", "decision maker"): (2, 1, 0), ("Acme", "user"): (1, 1, 4),
                        ("Beta", "decision maker"): (1, 1, 0), ("Beta", "user"): (2, 2, 0)}.items():
        ref = nps_from_counts(*counts)
        assert (cells.loc[key, "n"], cells.loc[key, "nps"]) == (ref.n, pytest.approx(ref.nps))
        assert (cells.loc[key, "ci_low"], cells.loc[key, "ci_high"]) == pytest.approx((ref.ci_low, ref.ci_high))
    assert cells["small_n"].tolist() == [False, False, True, False]
    acme = out.accounts.set_index("account").loc["Acme"]
    assert acme["nps_respondents"] == pytest.approx(100 * (3 - 4) / 9)
    assert acme["nps_equal"] == pytest.approx((200 / 3 - 50) / 2)
    (c1, s1), (c2, s2) = _adjusted(2, 1, 0), _adjusted(1, 1, 4)
    center, se = (c1 + c2) / 2, math.hypot(s1, s2) / 2
    assert (acme["ci_low_equal"], acme["ci_high_equal"]) == pytest.approx((center - Z * se, center + Z * se))
    assert acme["nps"] == acme["nps_equal"] and acme["n_roles"] == 2
    respondents = account_roles(_frame(SMALL), "account", "role")
    assert (respondents.accounts["nps"] == respondents.accounts["nps_respondents"]).all()
    assert respondents.role_weighting == "respondents"


def test_roles_overall_are_pooled_and_tested_against_the_other_roles():
    out = account_roles(_frame(SMALL), "account", "role")
    roles = out.roles.set_index("role")
    assert roles.loc["decision maker", "n"] == 5 and roles.loc["decision maker", "n_accounts"] == 2
    assert roles.loc["user", "nps"] == pytest.approx(100 * (3 - 4) / 10)
    dm = [10, 9, 8, 9, 7]
    users = [3, 2, 8, 9, 1, 0, 10, 9, 8, 8]
    ref = compare_nps(dm, users)
    assert roles.loc["decision maker", "difference_vs_rest"] == pytest.approx(ref.difference)
    assert roles.loc["decision maker", "p_value_vs_rest"] == pytest.approx(ref.p_value)


def test_the_account_where_the_decision_maker_promotes_and_the_users_detract_is_top():
    rng = np.random.default_rng(3)
    cells = {("Acme", "decision maker"): [10, 10, 9], ("Acme", "user"): [2, 3, 1, 4, 0, 5, 2, 3]}
    for account in ("Beta", "Gamma", "Delta", "Epsilon"):  # roles roughly agree
        cells[(account, "decision maker")] = rng.choice([7, 8, 9], size=3).tolist()
        cells[(account, "user")] = rng.choice([7, 8, 9, 6], size=8).tolist()
    cells[("Zeta", "user")] = [10, 10]  # one role only: nothing to disagree about
    out = account_roles(_frame(cells), "account", "role")
    top = out.disagreement.iloc[0]
    assert top["account"] == "Acme"
    assert (top["best_role"], top["worst_role"]) == ("decision maker", "user")
    assert (top["promoter_leaning"], top["detractor_leaning"]) == ("decision maker", "user")
    assert top["spread"] == 200.0 and top["p_value"] < 0.05
    ref = compare_nps([10, 10, 9], [2, 3, 1, 4, 0, 5, 2, 3])
    assert top["p_value"] == pytest.approx(ref.p_value) and top["test"] == ref.test
    assert "Zeta" not in set(out.disagreement["account"])
    assert out.disagreement["spread"].is_monotonic_decreasing
    assert out.disagreement["p_holm"].iloc[0] >= top["p_value"]
    assert "Acme: decision maker 100" in out.summary()


def test_roles_are_whatever_the_data_has():
    cells = {("Müller GmbH", "Entscheider"): [10], ("Müller GmbH", "Anwender"): [2, 3],
             ("Müller GmbH", "Einkauf"): [8]}
    out = account_roles(_frame(cells), "account", "role")
    assert set(out.cells["role"]) == {"Entscheider", "Anwender", "Einkauf"}
    row = out.disagreement.iloc[0]
    assert (row["best_role"], row["worst_role"], row["n_roles"]) == ("Entscheider", "Anwender", 3)
    assert (row["promoter_leaning"], row["detractor_leaning"]) == ("Entscheider", "Anwender")  # Einkauf: NPS 0


def test_themes_per_role_with_the_test_of_difference():
    r = _frame(SMALL)
    users = r.index[r["role"] == "user"]
    m = pd.DataFrame({"response_id": r.loc[users[:6], "response_id"].tolist() + ["r0"],
                      "theme": ["usability"] * 6 + ["price"]})
    out = account_roles(r, "account", "role", mentions=m)
    t = out.themes.set_index(["role", "theme"])
    assert t.loc[("user", "usability"), "n"] == 6 and t.loc[("user", "usability"), "share"] == 0.6
    assert t.loc[("decision maker", "usability"), "share"] == 0.0
    assert t.loc[("decision maker", "usability"), "impact"] == 0.0
    _, p, _ = group_table_test([[6, 4], [0, 5]])
    assert t.loc[("user", "usability"), "share_p_value"] == pytest.approx(p)
    assert t["share_q_value"].notna().all()


def test_rows_without_account_or_role_are_counted_and_inputs_not_modified():
    r = _frame(SMALL)
    r.loc[0, "account"] = None
    r.loc[1, "role"] = np.nan
    before = r.copy()
    out = account_roles(r, "account", "role")
    pd.testing.assert_frame_equal(r, before)
    assert out.info["n_no_account_or_role"] == 2 and out.cells["n"].sum() == 13


def test_result_access_and_json():
    out = account_roles(_frame(SMALL), "account", "role")
    assert out.keys() == ACCOUNT_KEYS and out["cells"] is out.cells
    tables = r"\['cells', 'accounts', 'roles', 'disagreement', 'themes'\]"
    with pytest.raises(KeyError, match=r"'x': the tables are " + tables):
        out["x"]
    json.dumps(to_jsonable(out.to_dict()))
    assert out.themes.empty and "role" in out.themes.columns


@pytest.mark.parametrize("call, error, match", [
    (lambda r: account_roles(r, "kunde", "role"), ColumnError,
     r"Column 'kunde' \(given as account\) not found; available columns: .* Pass account='<column>'"),
    (lambda r: account_roles(r, "account", "rolle"), ColumnError, r"Column 'rolle' \(given as role\) not found"),
    (lambda r: account_roles(r, "account", "account"), ParameterError,
     r"account and role must be two different columns, got 'account' for both"),
    (lambda r: account_roles(r, "account", "role", role_weighting="roles"), ParameterError,
     r"role_weighting must be one of \['respondents', 'equal'\], got 'roles'"),
    (lambda r: account_roles(r.drop(columns="score"), "account", "role"), ColumnError, r"need a 'score' column"),
    (lambda r: account_roles(r.assign(account=None), "account", "role"), ParameterError,
     r"No response has both an account \('account'\) and a role \('role'\)"),
    (lambda r: account_roles([1], "account", "role"), ParameterError,
     r"responses must be a pandas DataFrame, got list"),
    (lambda r: account_roles(r, "account", "role", min_n=2.5), ParameterError, r"min_n must be a non-negative integer"),
    (lambda r: account_roles(r, "account", "role", mentions=pd.DataFrame({"x": [1]})), ColumnError,
     r"The mentions table lacks"),
])
def test_errors_name_the_problem_and_the_fix(call, error, match):
    with pytest.raises(error, match=match):
        call(_frame(SMALL))
