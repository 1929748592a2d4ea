"""The results store: a SQLite file or a PostgreSQL database that batch jobs write and dashboards read.

>>> from nps_text.store import Store
>>> with Store(":memory:") as store:
...     sorted(store.counts())
['nps_mentions', 'nps_rejects', 'nps_responses', 'nps_runs', 'nps_segments', 'nps_tagged']

See :mod:`nps_text.store.schema` for the tables and :mod:`nps_text.store.lock` for the one-writer lock.
"""

from ..io.stream import is_store
from .schema import SCHEMA_VERSION
from .store import PiecePlan, Store, StorePiece, comment_hash, store_url

__all__ = ["Store", "StorePiece", "PiecePlan", "store_url", "comment_hash", "is_store", "SCHEMA_VERSION"]
