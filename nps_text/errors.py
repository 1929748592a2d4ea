"""One exception hierarchy for nps-text.

Every error the library raises for a user mistake derives from :class:`NpsTextError`,
which subclasses :class:`ValueError`, so ``except ValueError`` keeps working for callers
that do not know about nps-text. Messages name the problem, the offending value, the
valid options and the fix, because the CLI shows them to users verbatim.
"""

from __future__ import annotations

__all__ = [
    "NpsTextError",
    "SurveyFileError",
    "ColumnError",
    "ScoreError",
    "ParameterError",
    "ModelNotInstalledError",
    "ModelFileError",
    "TaxonomyError",
    "DiscoveryModelError",
    "StoreError",
    "StoreBusyError",
]


class NpsTextError(ValueError):
    """Base class of every error nps-text raises for bad input or bad parameters."""


class SurveyFileError(NpsTextError):
    """A survey source cannot be read: missing, empty, unknown format, undecodable."""


class ColumnError(NpsTextError):
    """A column was not found, or the automatic guess was ambiguous."""


class ScoreError(NpsTextError):
    """Scores are invalid and ``errors="raise"`` was requested."""


class ParameterError(NpsTextError):
    """A parameter has a value outside its allowed set or range."""


class ModelNotInstalledError(NpsTextError):
    """A model's package or folder is not installed here; the message says what to install."""


class ModelFileError(NpsTextError):
    """A saved model folder is damaged, edited, or not a model nps-text wrote; it is refused."""


class TaxonomyError(NpsTextError):
    """A taxonomy file is malformed; the message names the file, line and field."""


class DiscoveryModelError(NpsTextError):
    """A saved discovery folder is missing, incomplete or not a discovery model."""


class StoreError(NpsTextError):
    """A results database cannot be used: a bad URL, no connection, or a schema newer than this nps-text."""


class StoreBusyError(StoreError):
    """Another job holds the store's job lock; this one did not start (or gave up waiting)."""
