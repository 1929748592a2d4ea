"""Small labelled data and a stand-in encoder for the tests of model tiers (shared by tests/tagging and tests/cli)."""

from __future__ import annotations

import numpy as np

from nps_text.embed import backends

ROWS = [("viel zu teuer", "price"), ("Preis zu hoch", "price"), ("way too expensive", "price"),
        ("Paket kam spät", "delivery"), ("Lieferung dauerte ewig", "delivery"), ("parcel arrived late", "delivery"),
        ("teuer und zu spät geliefert", "price|delivery"), ("expensive; late parcel", "price;delivery")] * 3


class NamedEmbedder:
    """Hashing vectors under another name: stands in for an encoder without loading (or building) a model."""

    def __init__(self, name: str) -> None:
        self.name, self._inner = name, backends.HashingEmbedder(dim=64)
        self.dim = self._inner.dim

    def encode(self, texts: list[str]) -> np.ndarray:
        return self._inner.encode(texts)
