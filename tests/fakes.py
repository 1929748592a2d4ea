"""Small fakes shared by the tests."""

from __future__ import annotations

import numpy as np

from nps_text.embed.backends import HashingEmbedder


class CountingEmbedder:
    """A real (hashing) embedder that counts what it was asked to encode, and can fail on demand."""

    def __init__(self, dim: int = 32, fail_on_call: int | None = None) -> None:
        self.inner = HashingEmbedder(dim=dim)
        self.name = "counting/" + self.inner.name
        self.dim = dim
        self.calls: list[list[str]] = []
        self.fail_on_call = fail_on_call

    def encode(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        if self.fail_on_call is not None and len(self.calls) == self.fail_on_call:
            raise KeyboardInterrupt("simulated interruption")
        return self.inner.encode(texts)

    @property
    def encoded(self) -> int:
        return sum(len(c) for c in self.calls)


class LexiconEmbedder:
    """A transparent embedder for logic tests: one dimension per word group, plus a constant."""

    def __init__(self, groups: dict[str, tuple[str, ...]]) -> None:
        self.groups = groups
        self.name = "lexicon/" + "/".join(sorted(groups))
        self.dim = len(groups) + 1

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        out[:, -1] = 0.3
        for i, text in enumerate(texts):
            low = text.lower()
            for k, words in enumerate(self.groups.values()):
                out[i, k] = sum(low.count(w) for w in words)
        return out / np.linalg.norm(out, axis=1, keepdims=True)
