"""The Dask engine: the same tagging over the workers of a ``dask.distributed`` cluster.

Two ways in:

- ``tag_to_store(..., engine="dask")`` (CLI ``--engine dask [--scheduler ADDRESS]``): the job reads
  and plans the pieces here, the workers tag them, and the results are written here, in order, one
  transaction per piece, into the same store as the local engine; a few pieces are in flight at
  once, so memory stays bounded.
- :func:`tag_dask` maps the tagging over the partitions of a Dask DataFrame of responses and
  returns the mentions as a Dask DataFrame.

Each worker process loads the tagger once (:func:`~nps_text.batch.tagger.loaded`) and keeps it.
The tagging of a response depends on its comment alone, so the results equal the local engine's.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
from distributed import Client, LocalCluster

from ..errors import ColumnError, ParameterError
from .tagger import TaggedPiece, TaggerSpec, loaded

__all__ = ["tag_dask", "dask_pieces"]


def _tag_on_worker(spec: TaggerSpec, responses: pd.DataFrame) -> TaggedPiece:
    return loaded(spec).tag(responses)


def _mentions_on_worker(responses: pd.DataFrame, spec: TaggerSpec) -> pd.DataFrame:
    return loaded(spec).tag(responses).mentions.reset_index(drop=True)


def _client(scheduler: Any, workers: int):
    if scheduler is None:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        return Client(cluster), cluster, True
    if isinstance(scheduler, Client):
        return scheduler, None, False  # the caller's client: theirs to close
    try:
        return Client(scheduler, timeout=30), None, True
    except (OSError, TimeoutError, ValueError) as exc:
        raise ParameterError(f"Cannot reach the Dask scheduler {scheduler!r}: {exc or type(exc).__name__}. Check the "
                             "address (tcp://host:8786) and that `dask scheduler` runs there, or leave --scheduler "
                             "out for a local cluster.") from None


def dask_pieces(planned: Iterator[tuple[Any, pd.DataFrame]], spec: TaggerSpec, *, scheduler: Any = None,
                workers: int = 2, in_flight: int | None = None) -> Iterator[tuple[Any, TaggedPiece | None]]:
    """Tag each planned piece on the cluster; yield ``(plan, tagged)`` in input order.

    ``scheduler`` is an address (``tcp://host:8786``), a ``distributed.Client``, or None for a
    LocalCluster of ``workers`` processes. At most ``in_flight`` pieces (default: two per worker)
    are out at once.
    """
    client, cluster, owned = _client(scheduler, workers)
    try:
        limit = in_flight or 2 * max(1, len(client.scheduler_info()["workers"]))
        window: deque = deque()
        for plan, todo in planned:
            future = client.submit(_tag_on_worker, spec, todo, pure=False) if len(todo) else None
            window.append((plan, future))
            while len(window) >= limit:
                done, future = window.popleft()
                yield done, future.result() if future is not None else None
        while window:
            done, future = window.popleft()
            yield done, future.result() if future is not None else None
    finally:
        if owned:
            client.close()
        if cluster is not None:
            cluster.close()


def tag_dask(ddf, *, model: str | Path | None = None, taxonomy: str | Path | None = None, method: str = "rules",
             redact_pii: bool = True):
    """The mentions of a Dask DataFrame of responses (``response_id`` and ``comment``), tagged per partition.

    Returns a lazy Dask DataFrame with the mention columns (see :mod:`nps_text.tagging`) and
    ``sentence``; ``.compute()`` it, or write it where you like. To write into a store with the
    ledger's guarantees, use ``tag_to_store(..., engine="dask")``.
    """
    missing = [c for c in ("response_id", "comment") if c not in ddf.columns]
    if missing:
        raise ColumnError(f"tag_dask needs the columns response_id and comment; {missing} missing (columns: "
                          f"{list(ddf.columns)}). Load each partition with load_survey, or rename the columns.")
    from ..tagging import empty_mentions

    spec = TaggerSpec.make(model=model, taxonomy=taxonomy, method=method, redact_pii=redact_pii)
    meta = empty_mentions().assign(sentence=pd.Series(dtype="string"))
    return ddf.map_partitions(_mentions_on_worker, spec, meta=meta)
