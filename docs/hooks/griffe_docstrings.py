"""Griffe extension for the docs build: render the package's numpydoc docstrings as written.

Two habits of the docstrings that Markdown would otherwise garble, fixed before they are parsed
(nothing in the package changes):

* Many carry a short runnable example as plain ``>>>`` lines outside an ``Examples`` section
  (pytest runs them with ``--doctest-modules``). The numpydoc parser reads those lines as prose, so
  Markdown would join them into one paragraph (and read ``[...]`` output as link references).
  Each such block is fenced as a ``pycon`` code block; lines inside an ``Examples`` section are
  left to the parser, which already renders them as code.
* Cross-references are Sphinx roles (``:func:`~nps_text.io.load_survey```). Each becomes an
  optional autorefs link: a link where the target is documented on the site, plain code where it
  is not (no warning either way).
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_UNDERLINE = re.compile(r"^\s*-{3,}\s*$")
_ROLE = re.compile(r":(?:py:)?(?:func|class|mod|meth|attr|data|exc|obj):`(~?)([^`<>]+)`")


def _autoref(match: re.Match) -> str:
    target = match.group(2).strip().removesuffix("()")
    title = target.rsplit(".", 1)[-1] if match.group(1) else target
    return f'<autoref identifier="{target}" optional><code>{title}</code></autoref>'


def link_roles(text: str) -> str:
    """Turn Sphinx cross-reference roles into optional autorefs links."""
    return _ROLE.sub(_autoref, text)


def fence_doctests(text: str) -> str:
    """Wrap each run of ``>>>`` lines (with their output) outside ``Examples`` in a code fence."""
    lines = text.split("\n")
    out: list[str] = []
    in_examples = False
    i = 0
    while i < len(lines):
        line = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if line.strip() and _UNDERLINE.match(nxt):  # a numpydoc section header
            in_examples = line.strip().lower() in {"examples", "example"}
        if in_examples or not line.lstrip().startswith(">>>"):
            out.append(line)
            i += 1
            continue
        indent = line[: len(line) - len(line.lstrip())]
        block = []
        while i < len(lines) and lines[i].strip():
            block.append(lines[i])
            i += 1
        if out and out[-1].strip():
            out.append("")
        out += [f"{indent}```pycon", *block, f"{indent}```"]
    return "\n".join(out)


class NumpydocMarkup(griffe.Extension):
    """Fence bare doctest blocks and link Sphinx roles in every docstring of the loaded package."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:  # noqa: D102
        if obj.docstring is not None:
            obj.docstring.value = link_roles(fence_doctests(obj.docstring.value))
