"""Taggers by name: ``get_tagger("rules", taxonomy=...)``, and ``register_tagger`` for your own.

Every tagger has one method, ``tag(sentences) -> mentions`` (the long table of
:mod:`nps_text.tagging.contract`), so a new kind of tagger plugs into the jobs, the CLI's
``--method`` and the drivers without an if/elif anywhere.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import pandas as pd

from ..errors import ParameterError
from .classifier import ThemeClassifier
from .rules import RuleTagger
from .zeroshot import ZeroShotTagger

__all__ = ["Tagger", "register_tagger", "available_taggers", "get_tagger"]


@runtime_checkable
class Tagger(Protocol):
    """What nps-text needs of a tagger: the mentions of the themes in a sentences table."""

    def tag(self, sentences: pd.DataFrame) -> pd.DataFrame:  # pragma: no cover - protocol
        ...


def _rules(taxonomy: str | Path | None = None) -> Tagger:
    return RuleTagger(taxonomy)


def _zero_shot(taxonomy: str | Path | None = None, embedder: Any = "e5") -> Tagger:
    return ZeroShotTagger(taxonomy=taxonomy, embedder=embedder)


def _model(path: str | Path) -> Tagger:
    return ThemeClassifier.load(path)


_REGISTRY: dict[str, Callable[..., Tagger]] = {"rules": _rules, "zero-shot": _zero_shot, "model": _model}


def register_tagger(name: str, factory: Callable[..., Tagger]) -> None:
    """Make ``get_tagger(name, **kwargs)`` build a tagger with ``factory(**kwargs)``.

    >>> class Everything:
    ...     def tag(self, sentences):
    ...         return sentences.assign(theme="all")
    >>> register_tagger("everything", Everything)
    >>> "everything" in available_taggers()
    True
    >>> _ = _REGISTRY.pop("everything")  # (tidy up after the example)
    """
    if not isinstance(name, str) or not name:
        raise ParameterError(f"A tagger's name must be a non-empty text, got {name!r}.")
    _REGISTRY[name] = factory


def available_taggers() -> list[str]:
    """The registered tagger names."""
    return sorted(_REGISTRY)


def get_tagger(spec: str | Tagger, **kwargs: Any) -> Tagger:
    """Build a tagger by name (``"rules"``, ``"zero-shot"``, ``"model"`` with ``path=``), or pass one through.

    Keyword arguments a tagger does not take are refused by name.

    >>> type(get_tagger("rules")).__name__
    'RuleTagger'
    """
    if isinstance(spec, Tagger) and not isinstance(spec, str):
        return spec
    if spec not in _REGISTRY:
        raise ParameterError(f"Unknown tagger {spec!r}. Available: {available_taggers()}; or pass an object with a "
                             "tag(sentences) -> mentions method.")
    factory = _REGISTRY[spec]
    accepted = [p for p in inspect.signature(factory).parameters if p not in ("self", "kw", "kwargs")]
    unknown = [k for k in kwargs if k not in accepted]
    if unknown:
        raise ParameterError(f"Tagger {spec!r} does not take {unknown}; it takes {accepted}.")
    return factory(**kwargs)
