from __future__ import annotations

import pandas as pd
import pytest

from nps_text import neutralise_formulas, write_table
from nps_text.errors import ParameterError


def test_formula_cells_are_quoted_and_numbers_kept():
    frame = pd.DataFrame({
        "comment": ["=HYPERLINK(\"http://x\")", "+49 30 123", "-nichts", "@SUM(A1)", "normal", None],
        "score": [-1, 2, 3, 4, 5, 6],
    })
    safe = neutralise_formulas(frame)
    assert safe["comment"].tolist()[:5] == ["'=HYPERLINK(\"http://x\")", "'+49 30 123", "'-nichts", "'@SUM(A1)", "normal"]
    assert pd.isna(safe["comment"].iloc[5])
    assert safe["score"].tolist() == [-1, 2, 3, 4, 5, 6]
    assert frame["comment"].iloc[0].startswith("=")  # input untouched


def test_write_table_csv_and_xlsx(tmp_path):
    frame = pd.DataFrame({"comment": ["=1+1", "Größe"], "n": [1, 2]})
    csv = write_table(frame, tmp_path / "t.csv")
    assert csv.read_bytes().startswith(b"\xef\xbb\xbf")
    assert pd.read_csv(csv, encoding="utf-8-sig")["comment"].tolist() == ["'=1+1", "Größe"]
    xlsx = write_table(frame, tmp_path / "t.xlsx")
    assert pd.read_excel(xlsx)["comment"].tolist() == ["'=1+1", "Größe"]
    with pytest.raises(ParameterError, match=r"use a \.csv file name for one table, or \.xlsx"):
        write_table(frame, tmp_path / "t.txt")


def test_round_table_keeps_small_p_and_q_values():
    import pandas as pd

    from nps_text.io.export import round_table

    frame = pd.DataFrame({"impact": [1.234567], "p_value": [1e-9], "q_value": [2e-9], "share_change_p": [3e-9],
                          "share_vs_rest_q": [4e-9], "date": pd.to_datetime(["2025-01-01"])})
    out = round_table(frame)
    assert out["impact"].item() == 1.2346 and (out[["p_value", "q_value", "share_change_p", "share_vs_rest_q"]] > 0).all().all()


def test_csv_dates_without_time_of_day_are_written_as_dates(tmp_path):
    days = pd.DataFrame({"date": pd.to_datetime(["2025-12-31", None])})
    stamps = pd.DataFrame({"date": pd.to_datetime(["2025-12-31 14:05:00"])})
    assert "2025-12-31\n" in write_table(days, tmp_path / "d.csv").read_text(encoding="utf-8-sig")
    assert "2025-12-31 14:05:00" in write_table(stamps, tmp_path / "s.csv").read_text(encoding="utf-8-sig")
