"""Guided discovery: the analyst's taxonomy as seed topics.

Each clause's keyword matches of the taxonomy's topical themes (the rules of
:class:`~nps_text.tagging.RuleTagger`) are appended to its unit-length embedding as one column
per theme, 1 where its keywords are in the clause, times ``weight``. Clauses that name the same
theme of the taxonomy are drawn together; clauses that name none are clustered by their meaning
alone, so themes the taxonomy lacks are still found. General praise and complaint name no
aspect and take no column. Measured in ``benchmarks/discovery_options.py`` (variant ``guided``):
data the taxonomy's keywords were not written for included.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._core.themes import GENERIC_THEMES
from ..tagging.taxonomy import Taxonomy, default_taxonomy, load_taxonomy

__all__ = ["resolve_guide", "guide_themes", "guide_matrix", "with_guide", "guide_name", "GUIDE_NAME_SHARE"]

# a theme at least this share of whose clauses hold the keywords of one theme of the guide is named after it
GUIDE_NAME_SHARE = 0.5


def resolve_guide(guide: Taxonomy | str | Path | None) -> Taxonomy | None:
    """The guide as a :class:`Taxonomy`: None stays None, ``"default"`` is the bundled NPS taxonomy, else a
    taxonomy or the path of its YAML file (validated: loading never runs code)."""
    if guide is None:
        return None
    if isinstance(guide, str) and guide == "default":
        return default_taxonomy()
    return load_taxonomy(guide)


def guide_themes(taxonomy: Taxonomy) -> list[str]:
    """The taxonomy's theme ids that name an aspect: one column each."""
    return [t.id for t in taxonomy if t.id not in GENERIC_THEMES]


def guide_matrix(sentences: pd.DataFrame, taxonomy: Taxonomy, themes: list[str]) -> np.ndarray:
    """Whether each sentence holds a keyword of each guide theme (rows: sentences, columns: ``themes``)."""
    from ..tagging.rules import RuleTagger  # spaCy: loaded when discovery is guided, not with the package

    return RuleTagger(taxonomy).theme_matrix(sentences, themes)


def with_guide(vectors: np.ndarray, matrix: np.ndarray, weight: float) -> np.ndarray:
    """Unit-length ``vectors`` with ``weight`` times the guide columns appended (float32, a new array)."""
    out = np.empty((len(vectors), vectors.shape[1] + matrix.shape[1]), dtype=np.float32)
    for start in range(0, len(vectors), 20_000):  # in batches: no float64 temporary of the whole array
        part = vectors[start:start + 20_000].astype(np.float32)
        norms = np.linalg.norm(part, axis=1, keepdims=True)
        out[start:start + 20_000, :vectors.shape[1]] = part / np.where(norms > 0, norms, 1.0)
    out[:, vectors.shape[1]:] = matrix.astype(np.float32) * np.float32(weight)
    return out


def guide_name(taxonomy: Taxonomy, theme: str) -> str:
    """A guide theme's name as discovery writes names: "German / English" (one of them where they are the same
    or only one is given)."""
    names: dict[str, Any] = taxonomy[theme].name
    parts = list(dict.fromkeys(n for n in (names.get("de"), names.get("en")) if n))
    return " / ".join(parts) or theme
