"""A safe, crash-tolerant on-disk cache of embedding vectors.

Vectors are stored in SQLite as raw float32 bytes keyed by (model id, sha256 of the normalised
text). Nothing is ever unpickled: loading reads bytes into a numpy array. Each batch is written
in one transaction, so an interrupted run leaves every finished batch usable and no half-written
row behind.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

__all__ = ["VectorCache", "default_cache_dir", "normalise_for_cache"]


def default_cache_dir() -> Path:
    """``$NPS_TEXT_CACHE_DIR``, else ``$XDG_CACHE_HOME/nps-text``, else ``~/.cache/nps-text``."""
    if os.environ.get("NPS_TEXT_CACHE_DIR"):
        return Path(os.environ["NPS_TEXT_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "nps-text"


def normalise_for_cache(text: str) -> str:
    """NFC and collapsed whitespace: texts that differ only there share a vector.

    >>> normalise_for_cache("  Zu   teuer\\n")
    'Zu teuer'
    """
    return " ".join(unicodedata.normalize("NFC", text).split())


def _key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


class VectorCache:
    """Vectors of one model, keyed by normalised text, in ``<folder>/embeddings.sqlite``.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> cache = VectorCache(tempfile.mkdtemp(), model="demo/1", dim=2)
    >>> cache.put(["a"], np.array([[1.0, 0.0]], dtype="float32"))
    >>> cache.get(["a", "b"])[1]
    [1]
    """

    def __init__(self, folder: str | Path, *, model: str, dim: int) -> None:
        self.folder = Path(folder)
        self.model = model
        self.dim = dim
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path = self.folder / "embeddings.sqlite"
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS vectors (model TEXT NOT NULL, key BLOB NOT NULL, "
                "dim INTEGER NOT NULL, vector BLOB NOT NULL, PRIMARY KEY (model, key))"
            )

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection that commits on success, rolls back on error, and is always closed."""
        db = sqlite3.connect(self.path, timeout=60)
        try:
            with db:
                yield db
        finally:
            db.close()

    def get(self, texts: list[str]) -> tuple[np.ndarray, list[int]]:
        """Return ``(vectors, missing)``: rows for found texts, and the positions not in the cache."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        missing: list[int] = []
        keys = [_key(t) for t in texts]
        found: dict[bytes, bytes] = {}
        with self._connect() as db:
            for start in range(0, len(keys), 500):
                chunk = keys[start:start + 500]
                marks = ",".join("?" * len(chunk))
                rows = db.execute(
                    f"SELECT key, vector FROM vectors WHERE model = ? AND dim = ? AND key IN ({marks})",
                    [self.model, self.dim, *chunk],
                )
                found.update(rows.fetchall())
        for i, key in enumerate(keys):
            blob = found.get(key)
            if blob is None or len(blob) != 4 * self.dim:
                missing.append(i)
            else:
                out[i] = np.frombuffer(blob, dtype=np.float32)
        return out, missing

    def put(self, texts: list[str], vectors: np.ndarray) -> None:
        """Store vectors for texts in one transaction."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        rows = [(self.model, _key(t), self.dim, v.tobytes()) for t, v in zip(texts, vectors)]
        with self._connect() as db:
            db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?)", rows)

    def __len__(self) -> int:
        with self._connect() as db:
            return db.execute("SELECT COUNT(*) FROM vectors WHERE model = ?", [self.model]).fetchone()[0]
