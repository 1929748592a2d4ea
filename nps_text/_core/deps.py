"""Optional dependencies: say exactly what to install when one is missing."""

from __future__ import annotations

import importlib.util

from ..errors import ModelNotInstalledError

__all__ = ["require"]


def require(module: str, package: str, purpose: str) -> None:
    """Raise :class:`~nps_text.errors.ModelNotInstalledError` naming ``package`` when ``module`` is not installed.

    >>> require("json", "json", "the standard library")
    """
    if importlib.util.find_spec(module) is None:
        raise ModelNotInstalledError(
            f"The {purpose} needs the package '{package}', which is not installed. "
            f"Install it with: pip install {package}"
        )
