"""Where the whole ``nps-text`` app lived before it was split into one module per command; still importable.

``from nps_text.cli.main import app`` keeps working; new code imports ``from nps_text.cli import app``.
"""

from __future__ import annotations

from .app import app

__all__ = ["app", "main"]


def main() -> None:  # pragma: no cover - console entry point
    app()
