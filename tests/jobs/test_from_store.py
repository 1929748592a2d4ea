"""The drivers and the report run from a store that the nightly job filled, as they do from a file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from nps_text.batch import tag_to_store
from nps_text.cli import app
from nps_text.errors import ParameterError
from nps_text.jobs import analyze
from nps_text.store import Store

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample_survey.csv"


@pytest.fixture(scope="module")
def store_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("store") / "nightly.sqlite"  # a SQLite file is known by its header, not its name
    tag_to_store(SAMPLE, path)
    return path


def test_analyze_of_a_store_equals_analyze_of_the_file_with_the_same_tagging(store_file):
    from_store = analyze(Store(store_file))
    from_file = analyze(SAMPLE, taxonomy="default", redact_pii=True, sentiment="lexicon")
    assert {k: from_store.data[k] for k in ("n", "nps", "ci_low", "ci_high")} == \
           {k: from_file.data[k] for k in ("n", "nps", "ci_low", "ci_high")}
    assert from_store.data["themes"]["mentions"] == from_file.data["themes"]["mentions"]
    key = ["theme", "sentiment"]
    stored = from_store.tables["drivers"].set_index(key)["impact"].round(6).sort_index()
    direct = from_file.tables["drivers"].set_index(key)["impact"].round(6).sort_index()
    assert len(stored) > 5 and stored.equals(direct)
    assert from_store.data["themes"]["tagger"] == from_file.data["themes"]["tagger"] == "rules"
    assert from_store.data["themes"]["tagger_name"] == "rules on the default taxonomy"


def test_since_and_until_select_the_stores_responses(store_file):
    late = analyze(str(store_file), since="2025-06-01", drivers=False)
    assert 0 < late.data["n"] < analyze(str(store_file), drivers=False).data["n"]
    assert late.responses["date"].min() >= pd.Timestamp("2025-06-01")
    with pytest.raises(ParameterError, match="since/until select responses of a store"):
        analyze(SAMPLE, since="2025-06-01")
    with pytest.raises(ParameterError, match="do not apply to a store"):
        analyze(store_file, taxonomy="my.yaml")


def test_nps_text_report_reads_a_store(store_file, tmp_path):
    out = tmp_path / "report.html"
    result = CliRunner().invoke(app, ["report", str(store_file), "-o", str(out), "--since", "2025-03-01"])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert "delivery" in page.lower() and "<script" not in page
    wrong = CliRunner().invoke(app, ["analyze", str(SAMPLE), "--since", "2025-03-01"])
    assert wrong.exit_code == 2 and "results store" in wrong.output
