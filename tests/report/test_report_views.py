"""The report's strengths / opportunities / pain-point sections list what a group mentions more than the others."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from nps_text.report._build import _views


def test_a_theme_the_group_mentions_less_is_not_listed_as_what_it_misses():
    table = pd.DataFrame({"theme": ["Preis (negative)", "Support (neutral)"], "share_in_group": [0.2, 0.08],
                          "share_in_others": [0.1, 0.11], "over_represented": [True, False]})
    given = SimpleNamespace(tables={"opportunities": table}, tables_written=False)
    (section,) = _views(given, "en", {})
    assert [r["theme"] for r in section["rows"]] == ["Preis (negative)"]
