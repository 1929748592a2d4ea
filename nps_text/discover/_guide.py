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
from ..errors import TaxonomyError
from ..tagging.taxonomy import Taxonomy, default_taxonomy, load_taxonomy

__all__ = ["resolve_guide", "guide_themes", "guide_matrix", "with_guide", "GuidedVectors", "guide_name",
           "GUIDE_NAME_SHARE", "GUIDED_MIXED_SHARE"]

# a theme at least this share of whose clauses hold the keywords of one theme of the guide is named after it
GUIDE_NAME_SHARE = 0.5
# a theme no guide theme names is mixed below this keyword share (a third otherwise): such themes gather what the
# guide's keywords missed, of any topic. The separation is modest: over the guided top levels of the sample,
# SemEval-14, NHS and GermEval-17 the unnamed themes so flagged have a purity of 0.55 against 0.59 for the other
# unnamed topics (benchmarks/discovery_options.json, guided_unnamed_mixed_vs_topics); it is there for catch-alls
# such as the sample's ("Great job", "Menü ist unlogisch", "zahle jetzt 59 €": purity 0.31)
GUIDED_MIXED_SHARE = 0.5


def resolve_guide(guide: Taxonomy | str | Path | None) -> Taxonomy | None:
    """The guide as a :class:`Taxonomy`: None stays None, ``"default"`` is the bundled NPS taxonomy, else a
    taxonomy or the path of its YAML file (validated: loading never runs code)."""
    if guide is None or isinstance(guide, Taxonomy):
        return guide
    if isinstance(guide, str) and guide == "default":
        return default_taxonomy()
    path = Path(guide)
    if not str(guide).strip() or not path.is_file():
        what = "is empty" if not str(guide).strip() else "is a folder" if path.is_dir() else "does not exist"
        raise TaxonomyError(f"The guide {str(guide)!r} {what}: pass the path of a taxonomy .yaml file, or 'default' for "
                            "the bundled NPS taxonomy (CLI: --guide FILE or --guide default; Python: guide=...).")
    return load_taxonomy(path)


def guide_themes(taxonomy: Taxonomy) -> list[str]:
    """The taxonomy's theme ids that name an aspect: one column each."""
    return [t.id for t in taxonomy if t.id not in GENERIC_THEMES]


def guide_matrix(sentences: pd.DataFrame, taxonomy: Taxonomy, themes: list[str]) -> np.ndarray:
    """Whether each sentence holds a keyword of each guide theme (rows: sentences, columns: ``themes``)."""
    from ..tagging.rules import RuleTagger  # spaCy: loaded when discovery is guided, not with the package

    return RuleTagger(taxonomy).theme_matrix(sentences, themes)


def with_guide(vectors: np.ndarray, matrix: np.ndarray, weight: float) -> np.ndarray:
    """Unit-length ``vectors`` with ``weight`` times the guide columns appended (float32, a new array)."""
    part = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(part, axis=1, keepdims=True)
    return np.hstack([part / np.where(norms > 0, norms, 1.0),
                      matrix.astype(np.float32) * np.float32(weight)]).astype(np.float32, copy=False)


class GuidedVectors:
    """The embeddings with the guide's columns, built for the rows read (``guided[rows]``): discovery reads its
    input in batches of rows, so guidance makes no full-size copy of the embeddings (1M clauses: 1.5 GB)."""

    def __init__(self, vectors: np.ndarray, matrix: np.ndarray, weight: float) -> None:
        self.vectors, self.matrix, self.weight = vectors, matrix, weight
        self.shape = (len(vectors), vectors.shape[1] + matrix.shape[1])
        self.ndim, self.dtype = 2, np.dtype(np.float32)

    def __len__(self) -> int:
        return len(self.vectors)

    def __getitem__(self, rows: Any) -> np.ndarray:
        return with_guide(self.vectors[rows], self.matrix[rows], self.weight)


def guide_name(taxonomy: Taxonomy, theme: str) -> str:
    """A guide theme's name as discovery writes names: "German / English" (one of them where they are the same
    or only one is given)."""
    names: dict[str, Any] = taxonomy[theme].name
    parts: list[str] = []
    for name in (names.get("de"), names.get("en")):
        if name and name.lower() not in {p.lower() for p in parts}:  # "App & Web / App & web" is said once
            parts.append(name)
    return " / ".join(parts) or theme
