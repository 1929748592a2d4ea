"""The Dask engine on a real 2-worker LocalCluster: same mentions as the local engine, tagger loaded once per worker."""

from __future__ import annotations

from pathlib import Path

import dask.dataframe as dd
import pandas as pd
import pytest
from distributed import Client, LocalCluster

from nps_text.batch import tag_dask, tag_to_store
from nps_text.errors import ColumnError
from nps_text.store import Store

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample_survey.csv"
KEY = ["response_id", "sentence_id", "theme", "start", "end", "sentiment", "evidence"]


@pytest.fixture(scope="module")
def client():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        yield client


def _rows(frame: pd.DataFrame) -> list[tuple]:
    return sorted(tuple(str(v) for v in row) for row in frame[KEY].itertuples(index=False))


@pytest.mark.slow
def test_the_dask_engine_writes_what_the_local_engine_writes(client, tmp_path):
    local = tag_to_store(SAMPLE, tmp_path / "local.db", rows=400)
    remote = tag_to_store(SAMPLE, tmp_path / "dask.db", rows=400, engine="dask", scheduler=client)
    assert remote.engine == "dask" and remote.counts == local.counts
    with Store(tmp_path / "local.db") as a, Store(tmp_path / "dask.db") as b:
        assert _rows(a.mentions()) == _rows(b.mentions())
        assert a.counts() == b.counts()
    loads = client.run(lambda: __import__("nps_text.batch.tagger", fromlist=["LOADS"]).LOADS["count"])
    assert sorted(loads.values()) == [1, 1]  # each worker loaded the tagger once for all 8 pieces


@pytest.mark.slow
def test_tag_dask_maps_the_tagging_over_partitions(client):
    from nps_text.jobs import tag_survey

    responses = tag_survey(SAMPLE, redact_pii=True, sentiment="lexicon")
    frame = responses.responses[["response_id", "comment"]]
    mentions = tag_dask(dd.from_pandas(frame, npartitions=4)).compute()
    assert _rows(mentions) == _rows(responses.mentions)
    with pytest.raises(ColumnError, match="needs the columns response_id and comment"):
        tag_dask(dd.from_pandas(pd.DataFrame({"text": ["x"]}), npartitions=1))
