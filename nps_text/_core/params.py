"""Parameter constraints declared the scikit-learn way, checked without scikit-learn's private helpers.

An estimator lists what each parameter may be in ``_parameter_constraints`` (a dict of name ->
list of allowed: ``None``, a type, an :class:`Interval` or an :class:`Options`), and ``fit``
calls :func:`validate_params`. The error names the estimator, the parameter, what is allowed and
what was got, so that it is a piece of documentation.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

from ..errors import ParameterError

__all__ = ["Interval", "Options", "validate_params"]


@dataclass(frozen=True)
class Interval:
    """Numbers of ``kind`` (``numbers.Integral`` or ``numbers.Real``) between ``low`` and ``high``
    (None: unbounded); ``closed`` is "both", "left", "right" or "neither"."""

    kind: type
    low: float | None
    high: float | None
    closed: str = "both"

    def accepts(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, self.kind):
            return False
        if isinstance(value, numbers.Real) and not math.isfinite(value):
            return False
        above = self.low is None or (value >= self.low if self.closed in ("both", "left") else value > self.low)
        below = self.high is None or (value <= self.high if self.closed in ("both", "right") else value < self.high)
        return above and below

    def __str__(self) -> str:
        what = "a whole number" if self.kind is numbers.Integral else "a number"
        left = "[" if self.closed in ("both", "left") and self.low is not None else "("
        right = "]" if self.closed in ("both", "right") and self.high is not None else ")"
        low = "-inf" if self.low is None else f"{self.low:g}"
        high = "inf" if self.high is None else f"{self.high:g}"
        return f"{what} in {left}{low}, {high}{right}"


@dataclass(frozen=True)
class Options:
    """One of the given values (compared with ``==``; True/False only match themselves)."""

    values: tuple

    def accepts(self, value: Any) -> bool:
        return any(value is v if isinstance(v, bool) or isinstance(value, bool) else value == v for v in self.values)

    def __str__(self) -> str:
        return "one of " + ", ".join(repr(v) for v in self.values)


def _accepts(allowed: Any, value: Any) -> bool:
    if allowed is None:
        return value is None
    if isinstance(allowed, (Interval, Options)):
        return allowed.accepts(value)
    return isinstance(value, allowed)


def _describe(allowed: Any) -> str:
    if allowed is None:
        return "None"
    if isinstance(allowed, type):
        return f"an instance of {allowed.__name__}"
    return str(allowed)


def validate_params(estimator: Any) -> None:
    """Check every parameter of ``estimator`` against its class's ``_parameter_constraints``.

    >>> class Model:
    ...     _parameter_constraints = {"k": [Interval(numbers.Integral, 1, None)], "how": [Options(("a", "b"))]}
    ...     def __init__(self, *, k=3, how="a"):
    ...         self.k, self.how = k, how
    >>> validate_params(Model(k=0))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    nps_text.errors.ParameterError: Model's parameter 'k' must be a whole number in [1, inf); got 0.
    """
    name = type(estimator).__name__
    for param, allowed in type(estimator)._parameter_constraints.items():
        value = getattr(estimator, param)
        if not any(_accepts(a, value) for a in allowed):
            options = " or ".join(_describe(a) for a in allowed)
            raise ParameterError(f"{name}'s parameter {param!r} must be {options}; got {value!r}.")
