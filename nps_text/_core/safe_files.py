"""Read the YAML and JSON files that users hand to nps-text without letting a hostile file hang it.

Taxonomies, model cards and configs, and Label Studio exports are untrusted input. Beyond never
running code from them (safe loaders only, no pickle), a file must not be able to exhaust time or
memory: YAML anchors and aliases are refused before anything is built from the file (a "billion
laughs" chain of aliases expands to billions of nodes from a few hundred bytes), and every file is
capped in size before it is read. JSON has no aliases; its size is capped and a nesting too deep for
the parser is reported like any other malformed file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from ..errors import NpsTextError

__all__ = ["compose_yaml", "read_json", "MAX_YAML_BYTES", "MAX_JSON_BYTES"]

MAX_YAML_BYTES = 5 * 2**20  # a taxonomy of a thousand themes is well under 1 MiB
MAX_JSON_BYTES = 2 * 2**30  # Label Studio exports of large projects are big; model files are small


def compose_yaml(text: str, *, source: str, error: type[NpsTextError]) -> yaml.Node | None:
    """The YAML node tree of ``text``, refusing anchors, aliases and oversized text first.

    Raises ``error`` naming ``source``, the line and the fix.

    >>> compose_yaml("a: [1, 2]", source="t.yaml", error=NpsTextError).value[0][0].value
    'a'
    >>> compose_yaml("a: &x [1]\\nb: *x", source="t.yaml", error=NpsTextError)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    nps_text.errors.NpsTextError: t.yaml:1: YAML anchors and aliases ('&x', '*x') are not allowed ...
    """
    if len(text) > MAX_YAML_BYTES:
        raise error(f"{source}: the file is {len(text):,} characters long; nps-text reads YAML files of at most "
                    f"{MAX_YAML_BYTES:,}. Is this the right file?")
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            anchor = getattr(event, "anchor", None)
            if anchor is not None:
                raise error(f"{source}:{event.start_mark.line + 1}: YAML anchors and aliases ('&{anchor}', "
                            f"'*{anchor}') are not allowed in nps-text files (a chain of them expands a small file to billions of values); "
                            "write the values out in full.")
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark else source
        raise error(f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}. "
                    "Check indentation and quote strings that contain ':', '*' or '#'.") from None


def read_json(path: str | Path, *, what: str, error: type[NpsTextError], fix: str,
              max_bytes: int = MAX_JSON_BYTES) -> Any:
    """Parse the JSON file ``path`` (UTF-8, BOM allowed), capped at ``max_bytes``.

    ``what`` names the file for the message ("model card"), ``fix`` says what to do about a bad one.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise error(f"The {what} '{path}' cannot be read ({exc.strerror}). {fix}") from None
    if size > max_bytes:
        raise error(f"The {what} '{path}' is {size:,} bytes; nps-text reads at most {max_bytes:,}. {fix}")
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise error(f"The {what} '{path}' is not UTF-8 text ({exc.reason}). {fix}") from None
    except json.JSONDecodeError as exc:
        raise error(f"The {what} '{path}' is not valid JSON (line {exc.lineno}: {exc.msg}). {fix}") from None
    except RecursionError:
        raise error(f"The {what} '{path}' nests its values too deeply to be a real {what}. {fix}") from None


# Files that operating systems and archivers add to any folder that is copied, browsed or zipped.
_OS_FILES = {".ds_store", "thumbs.db", "ehthumbs.db", "desktop.ini", "__macosx", ".spotlight-v100", ".trashes",
             ".fseventsd", ".localized", ".directory"}


def is_os_file(name: str) -> bool:
    """Whether ``name`` is one of the files an operating system adds to a copied or zipped folder
    (``.DS_Store``, ``Thumbs.db``, ``desktop.ini``, ``__MACOSX``, AppleDouble ``._*`` files).

    >>> [is_os_file(n) for n in (".DS_Store", "._card.json", "card.json", "model.pkl")]
    [True, True, False, False]
    """
    return name.lower() in _OS_FILES or name.startswith("._")


def unexpected_files(folder: Path, expected: set[str]) -> list[str]:
    """Names in ``folder`` that are neither ``expected`` nor operating-system files (never opened)."""
    return sorted(p.name for p in Path(folder).iterdir() if p.name not in expected and not is_os_file(p.name))
