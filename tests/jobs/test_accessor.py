"""df.nps is sugar: each method gives exactly what the library function gives."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure
from pandas.testing import assert_frame_equal

import nps_text  # noqa: F401  (registers the accessor)
from nps_text import nps_by, nps_by_period, nps_summary
from nps_text.drivers import theme_table


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"response_id": [f"r{i}" for i in range(60)], "score": [10, 9, 7, 3, 2, 8] * 10,
                         "comment": ["gut", "super", "ok", "teuer", "zu teuer", "geht"] * 10,
                         "region": ["N", "S", "N"] * 20, "date": pd.date_range("2025-01-01", periods=60, freq="3D")})


def test_accessor_calls_the_library():
    df = _frame()
    assert df.nps.summary() == nps_summary(df["score"])
    assert df.nps.value == nps_summary(df["score"]).nps
    assert_frame_equal(df.nps.by("region"), nps_by(df, "region"))
    assert_frame_equal(df.nps.trend("month"), nps_by_period(df, period="month"))
    mentions = pd.DataFrame({"response_id": df["response_id"][df["comment"].str.contains("teuer")], "theme": "price"})
    assert_frame_equal(df.nps.drivers(mentions), theme_table(df, mentions))
    figures = [df.nps.plot.distribution(), df.nps.plot.trend(), df.nps.plot.by("region"),
               df.nps.plot.drivers(mentions, lang="de")]
    assert all(isinstance(f, Figure) for f in figures)
