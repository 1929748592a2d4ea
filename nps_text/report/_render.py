"""What every page of the report shares: the Jinja2 environment (autoescaping) and charts as inlined PNGs."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2

from ..errors import NpsTextError


def _png(make: Callable[[], Any]) -> str | None:
    """A figure as a ``data:image/png`` URI; None (the section shows no chart) when there is nothing to draw."""
    try:
        figure = make()
    except (NpsTextError, ValueError):
        return None
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.PackageLoader("nps_text.report", "templates"), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def write_html(html: str, path: str | Path) -> Path:
    """Write a rendered page to ``path`` (UTF-8, folders made as needed); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path
