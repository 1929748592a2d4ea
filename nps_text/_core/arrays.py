"""Small array helpers shared across packages."""

from __future__ import annotations

import numpy as np

__all__ = ["sigmoid", "logit"]


def sigmoid(logits: np.ndarray) -> np.ndarray:
    """The logistic function, elementwise.

    >>> sigmoid(np.array([0.0])).tolist()
    [0.5]
    """
    return 1.0 / (1.0 + np.exp(-logits))


def logit(p: np.ndarray) -> np.ndarray:
    """The inverse of :func:`sigmoid`, with ``p`` clipped to [1e-9, 1 - 1e-9]."""
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return np.log(p / (1 - p))
