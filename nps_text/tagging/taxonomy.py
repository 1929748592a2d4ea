"""Theme taxonomies as YAML files: load, validate (errors point at the line and field), save.

A taxonomy has a name, a version, its languages and a list of themes; each theme has an id,
a name and description per language, keywords and example comments per language, and an
optional parent (two levels at most). Keywords are matched on lemmas or surface forms, case
-insensitively; a ``*`` at the start or end of a word is a wildcard for German compounds
("liefer*" → Lieferzeit, "*service" → Kundenservice). Loading uses ``yaml.safe_load``-level
constructs only, and no anchors or aliases: a file can never run code or expand to billions of nodes.

The default taxonomy for NPS comments is package data, ``nps_text/data/default_taxonomy.yaml``
(:func:`default_taxonomy`).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

from .._core.safe_files import compose_yaml
from ..errors import TaxonomyError

__all__ = ["Taxonomy", "Theme", "TaxonomyError", "load_taxonomy", "default_taxonomy", "DEFAULT_TAXONOMY_PATH"]

DEFAULT_TAXONOMY_PATH = Path(__file__).resolve().parents[1] / "data" / "default_taxonomy.yaml"
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_TOP_KEYS = {"name", "version", "description", "languages", "themes"}
_THEME_KEYS = {"id", "parent", "name", "description", "keywords", "examples"}
_PLAIN_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "seq", "map", "timestamp")}


@dataclass(frozen=True)
class Theme:
    """One theme: an id, names, descriptions, keywords and examples per language."""

    id: str
    name: dict[str, str]
    description: dict[str, str] = field(default_factory=dict)
    keywords: dict[str, tuple[str, ...]] = field(default_factory=dict)
    examples: dict[str, tuple[str, ...]] = field(default_factory=dict)
    parent: str | None = None

    def label(self, lang: str = "en") -> str:
        """The theme's name in ``lang``, else in any language, else its id."""
        return self.name.get(lang) or next(iter(self.name.values()), self.id)


@dataclass(frozen=True, repr=False)
class Taxonomy:
    """A versioned set of themes. ``taxonomy["price"]`` is a :class:`Theme`."""

    name: str
    version: str
    themes: tuple[Theme, ...]
    languages: tuple[str, ...] = ("de", "en")
    description: str = ""

    def __post_init__(self) -> None:
        ids = [t.id for t in self.themes]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise TaxonomyError(f"Taxonomy '{self.name}' has duplicate theme ids {duplicates}; ids must be unique.")

    @property
    def ids(self) -> list[str]:
        return [t.id for t in self.themes]

    def __repr__(self) -> str:  # the ids, not every keyword and example (it shows in ThemeDiscovery(guide=...))
        return f"Taxonomy(name={self.name!r}, version={self.version!r}, themes={self.ids})"

    def __getitem__(self, theme_id: str) -> Theme:
        for theme in self.themes:
            if theme.id == theme_id:
                return theme
        raise KeyError(f"No theme {theme_id!r} in taxonomy '{self.name}'. Themes: {self.ids}")

    def __iter__(self):
        return iter(self.themes)

    def __len__(self) -> int:
        return len(self.themes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "version": self.version, "description": self.description,
            "languages": list(self.languages),
            "themes": [{"id": t.id, "parent": t.parent, "name": dict(t.name), "description": dict(t.description),
                        "keywords": {k: list(v) for k, v in t.keywords.items()},
                        "examples": {k: list(v) for k, v in t.examples.items()}} for t in self.themes],
        }

    @property
    def fingerprint(self) -> str:
        """sha256 of the canonical JSON form: the same taxonomy gives the same fingerprint."""
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False).encode()).hexdigest()

    def save(self, path: str | Path) -> Path:
        """Write the taxonomy as YAML (UTF-8, umlauts as they are)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(self.to_dict(), allow_unicode=True, sort_keys=False, width=100),
                        encoding="utf-8")
        return path

    @classmethod
    def from_yaml(cls, text: str, *, source: str = "<string>") -> Taxonomy:
        """Parse and validate YAML text (anchors and aliases are refused before anything is built)."""
        return _Validator(source).taxonomy(compose_yaml(text, source=source, error=TaxonomyError))


class _Validator:
    """Walks the YAML node tree so that every error can name its line."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, node: yaml.Node | None, path: str, problem: str) -> TaxonomyError:
        line = f":{node.start_mark.line + 1}" if node is not None else ""
        return TaxonomyError(f"{self.source}{line}: {path}: {problem}")

    def mapping(self, node, path: str, allowed: set[str], required: set[str]) -> dict[str, yaml.Node]:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, path, f"expected a mapping with keys {sorted(required)}")
        out = {}
        for key_node, value in node.value:
            key = key_node.value
            if key not in allowed:
                raise self.fail(key_node, f"{path}.{key}", f"unknown key; allowed keys: {sorted(allowed)}")
            out[key] = value
        missing = sorted(required - set(out))
        if missing:
            raise self.fail(node, path, f"missing key(s) {missing}")
        return out

    def text(self, node, path: str, *, optional: bool = False) -> str | None:
        if optional and (node is None or (isinstance(node, yaml.ScalarNode) and node.value in ("", "null", "~"))):
            return None
        if not isinstance(node, yaml.ScalarNode) or not str(node.value).strip():
            raise self.fail(node, path, "expected a non-empty text")
        return str(node.value)

    def texts(self, node, path: str) -> tuple[str, ...]:
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(node, path, "expected a list of texts")
        return tuple(self.text(item, f"{path}[{i}]") for i, item in enumerate(node.value))

    def per_language(self, node, path: str, languages: tuple[str, ...], many: bool) -> dict:
        items = self.mapping(node, path, set(languages), set())
        return {lang: (self.texts(v, f"{path}.{lang}") if many else self.text(v, f"{path}.{lang}"))
                for lang, v in items.items()}

    def keyword(self, value: str, node, path: str) -> None:
        for word in value.split():
            stem = word.strip("*")
            if "*" in stem:
                raise self.fail(node, path, f"'*' may only stand at the start or end of a word, got {value!r}")
            if word != stem and len(stem) < 4:
                raise self.fail(node, path, f"wildcard stem {word!r} is shorter than 4 letters and would over-match")

    def theme(self, node, path: str, languages: tuple[str, ...], seen: list[str]) -> Theme:
        keys = self.mapping(node, path, _THEME_KEYS, {"id", "name"})
        theme_id = self.text(keys["id"], f"{path}.id")
        if not _ID.match(theme_id):
            raise self.fail(keys["id"], f"{path}.id", f"{theme_id!r} is not a valid id: use lower_snake_case")
        if theme_id in seen:
            raise self.fail(keys["id"], f"{path}.id", f"duplicate theme id {theme_id!r}")
        parent = self.text(keys.get("parent"), f"{path}.parent", optional=True)
        if parent is not None and parent not in seen:
            raise self.fail(keys["parent"], f"{path}.parent",
                            f"parent {parent!r} is not a theme listed before this one; known: {seen}")
        keywords = self.per_language(keys["keywords"], f"{path}.keywords", languages, True) if "keywords" in keys else {}
        for lang, words in keywords.items():
            for i, word in enumerate(words):
                self.keyword(word, keys["keywords"], f"{path}.keywords.{lang}[{i}]")
        return Theme(
            id=theme_id, parent=parent,
            name=self.per_language(keys["name"], f"{path}.name", languages, False),
            description=self.per_language(keys["description"], f"{path}.description", languages, False)
            if "description" in keys else {},
            keywords=keywords,
            examples=self.per_language(keys["examples"], f"{path}.examples", languages, True) if "examples" in keys else {},
        )

    def no_custom_tags(self, node) -> None:
        """Refuse language-specific tags (``!!python/...``): a taxonomy is data, never code."""
        if node.tag == "tag:yaml.org,2002:merge":
            raise self.fail(node, "taxonomy", "YAML merge keys ('<<:') are not allowed in nps-text files: write the "
                                              "values out in full")
        if node.tag not in _PLAIN_TAGS:
            raise self.fail(node, "taxonomy", f"tag {node.tag!r} is not allowed: a taxonomy holds only plain "
                                              "texts, lists and mappings")
        children = node.value if isinstance(node, (yaml.SequenceNode, yaml.MappingNode)) else []
        for child in children:
            for item in (child if isinstance(child, tuple) else (child,)):
                self.no_custom_tags(item)

    def taxonomy(self, root) -> Taxonomy:
        if root is None:
            raise TaxonomyError(f"{self.source}: the taxonomy file is empty.")
        self.no_custom_tags(root)
        keys = self.mapping(root, "taxonomy", _TOP_KEYS, {"name", "version", "themes"})
        languages = self.texts(keys["languages"], "languages") if "languages" in keys else ("de", "en")
        if not isinstance(keys["themes"], yaml.SequenceNode) or not keys["themes"].value:
            raise self.fail(keys["themes"], "themes", "expected a non-empty list of themes")
        themes: list[Theme] = []
        for i, node in enumerate(keys["themes"].value):
            themes.append(self.theme(node, f"themes[{i}]", languages, [t.id for t in themes]))
        children = {t.id for t in themes if t.parent}
        for theme in themes:
            if theme.parent in children:
                raise TaxonomyError(f"{self.source}: themes: {theme.id!r} has parent {theme.parent!r}, which has a "
                                    "parent itself; taxonomies have two levels at most.")
        return Taxonomy(name=self.text(keys["name"], "name"), version=self.text(keys["version"], "version"),
                        description=self.text(keys.get("description"), "description", optional=True) or "",
                        languages=languages, themes=tuple(themes))


def load_taxonomy(path: str | Path | Taxonomy) -> Taxonomy:
    """Load and validate a taxonomy YAML file (a :class:`Taxonomy` passes through).

    >>> len(load_taxonomy(DEFAULT_TAXONOMY_PATH)) >= 10
    True
    """
    if isinstance(path, Taxonomy):
        return path
    path = Path(path)
    if not path.exists():
        raise TaxonomyError(f"Taxonomy file '{path}' does not exist. Pass the path of a .yaml taxonomy, "
                            "or the bundled one (CLI: --taxonomy default; Python: default_taxonomy()).")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise TaxonomyError(f"Taxonomy file '{path}' is not UTF-8 text ({exc.reason}). Save it as UTF-8.") from None
    return Taxonomy.from_yaml(text, source=str(path))


def default_taxonomy() -> Taxonomy:
    """The default NPS taxonomy (price, billing, service, support, delivery, usability, ...), read as package
    data with :mod:`importlib.resources`, so that it is there in any install of the wheel."""
    resource = files("nps_text.data").joinpath("default_taxonomy.yaml")
    return Taxonomy.from_yaml(resource.read_text(encoding="utf-8"), source=str(DEFAULT_TAXONOMY_PATH))
