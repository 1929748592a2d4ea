"""ZeroShotTagger: themes from the similarity of sentence embeddings to each theme's own words.

Each theme is represented by the embeddings of its description, its example comments and its
keyword list in every language (its *prototypes*); a sentence's similarity to a theme is its highest cosine to them.
Raw cosines of e5-style models are compressed (0.75–0.95 for everything), so the decision is
calibrated per theme on the sentences being tagged: a similarity counts by its percentile among
all sentences' similarities to that theme (rank-based), and a theme is assigned when it is the
sentence's best theme — or within ``margin`` of it — and its percentile reaches ``min_rank``.
Sentences closest to generic filler ("alles gut", "nothing to add") are left untagged.

``decision="argmax"`` suits a small set of themes that together cover almost every sentence (such
as the five SemEval restaurant categories): a theme is represented by the mean of its prototype
embeddings (its centroid), every sentence gets its closest theme — plus a second one whose cosine
is within ``argmax_margin`` of the best — provided that cosine reaches the theme's own ``floor``
quantile over the sentences being tagged (calibrated without labels), and sentences that no theme
reaches go to the ``fallback`` theme (e.g. "miscellaneous"), or stay untagged without one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..embed.backends import Embedder, embed, get_embedder
from ..errors import ColumnError, ParameterError
from .contract import mentions_frame
from .taxonomy import Taxonomy, default_taxonomy, load_taxonomy

__all__ = ["ZeroShotTagger"]

_BACKGROUND = ("ok", "alles gut", "passt", "nichts weiter", "keine Angabe", "fine", "nothing to add", "no comment")


class ZeroShotTagger:
    """Tag sentences by embedding similarity to theme descriptions and examples, without training.

    Parameters
    ----------
    taxonomy : Taxonomy or path, optional
        Default: the bundled NPS taxonomy.
    embedder : name or Embedder
        Default ``"e5"`` (German and English in one space).
    min_rank : float
        Percentile (0..1) a sentence's similarity must reach among all sentences for that theme.
    margin : float
        Themes whose percentile is within this of the best theme's are assigned too (multi-label).
    cache : bool or path
        Embedding cache (see :func:`nps_text.embed.embed`).
    decision : {"rank", "argmax"}
        ``"rank"`` (default): per-theme percentiles, for broad taxonomies where many sentences fit
        no theme; ``"argmax"``: closest theme centroid, for a few themes covering every sentence.
    fallback : str, optional
        ``decision="argmax"`` only: theme id given to sentences that no other theme reaches.
    argmax_margin : float
        ``decision="argmax"``: a second theme is assigned when its cosine is within this of the best.
    floor : float
        ``decision="argmax"``: quantile (0..1) of a theme's cosines over the corpus below which it
        is never assigned.
    """

    def __init__(self, *, taxonomy: Taxonomy | str | None = None, embedder: str | Embedder = "e5",
                 min_rank: float = 0.7, margin: float = 0.02, cache: bool | str = True, decision: str = "rank",
                 fallback: str | None = None, argmax_margin: float = 0.01, floor: float = 0.2) -> None:
        self.taxonomy = taxonomy
        self.embedder = embedder
        self.min_rank = min_rank
        self.margin = margin
        self.cache = cache
        self.decision = decision
        self.fallback = fallback
        self.argmax_margin = argmax_margin
        self.floor = floor

    def _prototypes(self, taxonomy: Taxonomy, model: Embedder) -> tuple[np.ndarray, list[int]]:
        texts, owner = [], []
        for k, theme in enumerate(taxonomy):
            for lang, description in theme.description.items():
                texts.append(f"{theme.label(lang)}: {description}")
                owner.append(k)
            for examples in theme.examples.values():
                texts += list(examples)
                owner += [k] * len(examples)
            for words in theme.keywords.values():
                if words:
                    texts.append(", ".join(w.strip("*") for w in words))
                    owner.append(k)
            if not any(o == k for o in owner):
                texts += list(theme.name.values())
                owner += [k] * len(theme.name)
        return embed(texts, model, cache=self.cache), owner

    def similarities(self, sentences: pd.DataFrame) -> pd.DataFrame:
        """Sentence × theme similarity (highest cosine to the theme's prototypes)."""
        taxonomy = default_taxonomy() if self.taxonomy is None else load_taxonomy(self.taxonomy)
        model = get_embedder(self.embedder)
        prototypes, owner = self._prototypes(taxonomy, model)
        vectors = embed([str(t) for t in sentences["text"]], model, cache=self.cache)
        cos = vectors @ prototypes.T
        owner = np.asarray(owner)
        if self.decision == "argmax":  # cosine to each theme's centroid
            centroids = np.stack([prototypes[owner == k].mean(axis=0) for k in range(len(taxonomy))])
            sims = vectors @ (centroids / np.linalg.norm(centroids, axis=1, keepdims=True)).T
        else:
            sims = np.column_stack([cos[:, owner == k].max(axis=1) for k in range(len(taxonomy))])
        background = embed(list(_BACKGROUND), model, cache=self.cache)
        frame = pd.DataFrame(sims, columns=taxonomy.ids, index=sentences.index)
        frame.attrs["background"] = (vectors @ background.T).max(axis=1)
        return frame

    def tag(self, sentences: pd.DataFrame) -> pd.DataFrame:
        """Mentions (see :mod:`nps_text.tagging`); the evidence is the whole sentence."""
        if not 0 <= self.min_rank < 1:
            raise ParameterError(f"min_rank must be in [0, 1), got {self.min_rank!r}; e.g. min_rank=0.7.")
        missing = [c for c in ("response_id", "sentence_id", "text", "start", "end") if c not in sentences.columns]
        if missing:
            raise ColumnError(f"sentences lack column(s) {missing}; pass the sentences table from prepare_text().")
        if self.decision not in ("rank", "argmax"):
            raise ParameterError(f"decision must be 'rank' or 'argmax', got {self.decision!r}.")
        if not 0 <= self.floor < 1:
            raise ParameterError(f"floor must be in [0, 1), got {self.floor!r}; e.g. floor=0.2.")
        if sentences.empty:
            return mentions_frame([])
        sims = self.similarities(sentences)
        ranks = sims.rank(pct=True).to_numpy()
        if self.decision == "argmax":
            chosen = self._argmax_choice(sims)
        else:
            best = ranks.max(axis=1, keepdims=True)
            chosen = (ranks >= self.min_rank) & (ranks >= best - self.margin)
            chosen &= (sims.to_numpy() > sims.attrs["background"][:, None])  # closer to a theme than to filler
        rows = []
        themes = list(sims.columns)
        for i, row in enumerate(sentences.itertuples(index=False)):
            for k in np.flatnonzero(chosen[i]):
                rows.append((row.response_id, row.sentence_id, themes[k], float(ranks[i, k]), "zero-shot",
                             int(row.start), int(row.end), str(row.text)))
        return mentions_frame(rows, sentences)

    def _argmax_choice(self, sims: pd.DataFrame) -> np.ndarray:
        themes = list(sims.columns)
        if self.fallback is not None and self.fallback not in themes:
            raise ParameterError(f"fallback {self.fallback!r} is not a theme of the taxonomy; choose one of {themes}.")
        values = sims.to_numpy()
        others = [k for k, t in enumerate(themes) if t != self.fallback]
        x = values[:, others]
        best = x.max(axis=1, keepdims=True)
        picked = (x >= best - self.argmax_margin) & (x >= np.quantile(x, self.floor, axis=0))
        chosen = np.zeros(values.shape, dtype=bool)
        if self.fallback is not None:  # a theme must also be closer than the fallback's own centroid
            k_fallback = themes.index(self.fallback)
            picked &= x >= values[:, [k_fallback]]
            chosen[:, k_fallback] = ~picked.any(axis=1)
        chosen[:, others] = picked
        return chosen
