"""The ``nps-text`` command line: a thin Typer layer over the library's jobs."""

from .main import app

__all__ = ["app"]
