"""ThemeDiscovery: cluster clause embeddings into themes an analyst can name, edit and save.

Pipeline (each choice measured in ``benchmarks/discovery.py``, see docs/discovery.md):

1. filler and junk clauses ("keine Angabe", "-", clauses without a content word) are set
   aside (label -2): they never form or join a theme;
2. clauses with a negation word ("nie", "kein", "never") and those without are centred apart,
   so that complaints about different things do not gather by their "never"; then per-language
   centring when more than one language is present (both stored, so new comments are centred
   the same way);
3. tone removed: the direction from negative to positive clauses (polarity lexicon) is projected
   out, so that themes are about something and tone stays the mention's sentiment;
4. optionally a PCA by exact SVD to ``n_components`` dimensions; cosine geometry;
5. Ward clustering: exact (deterministic, no seed) up to ``max_fit`` clauses; beyond that on
   ``n_micro`` micro-clusters weighted by their sizes (deterministic too; every clause counts,
   memory stays linear: the clauses are centred and reduced in batches, and their reduced
   vectors kept as float16). The tree is cut into the sub-themes (``n_themes``, or as many as the data
   supports with each at least ``min_size`` clauses, up to ``max_themes``) and, from the same tree,
   into the top-level themes (``n_top``, or where the tree has its largest gap within
   ``min_top``..``max_top``): every sub-theme has exactly one parent;
6. every clause goes to its nearest sub-theme centroid when the cosine similarity is at least
   ``min_similarity``; the rest stay unassigned (label -1) and their share is reported; its
   top-level theme is that sub-theme's parent;
7. ids 0, 1, ... by size, then by the smallest (response_id, sentence_id) of the theme — never
   by the clustering algorithm's label order (at both levels);
8. a theme whose top keywords are all tone ("zufrieden", "enttäuschen", "nothing special") is
   kind "praise" or "complaint", not a topic: its clauses get status ``tone`` and stay out of the
   mentions, so drivers are topics; one whose top keywords speak of leaving ("ernsthaft kündigen",
   "cancel", "lose customers"), or at least ``CHURN_SHARE`` of whose clauses do, is kind "churn"
   and treated alike;
9. a theme whose clauses hardly anyone rates ("Ich habe letzte Woche bestellt", "Been a customer
   since 2012", "Did not answer": the share of its core clauses, the half nearest its centre, with
   any lexicon polarity below ``CONTEXT_RATIO`` of the share among all clauses) is kind "context":
   background, not a topic; its clauses get status ``context`` and stay out of the mentions too,
   except rated ones, which go to their nearest topic;
10. a topic whose top three keywords per language are in fewer than ``MIXED_SHARE`` (a third)
   of its clauses (for a top-level theme: of its clauses outside mixed sub-themes) is kind
   "mixed" and named "Gemischt (…) / mixed (…)": it gathers clauses of different things that
   share a shape ("Always a pleasure", "Bugs ohne Ende", "nie passiert"), and its name would
   claim one of them. Its clauses stay themed (status ``theme``); the
   analyst splits or renames it (a renamed theme is no longer flagged).
"""

from __future__ import annotations

import functools
import json
import math
import numbers
import re
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from sklearn.exceptions import NotFittedError

from .._core.params import Interval, Options, validate_params
from .._core.safe_files import read_json, unexpected_files
from ..errors import DiscoveryModelError, ParameterError
from ..tagging.polarity import lexicon_score
from ..tagging.taxonomy import Taxonomy, load_taxonomy
from ..text.nlp import NEGATIONS
from ..text.prepare import junk_reason
from . import _cluster as C
from ._describe import (
    KEYWORD_LANGS,
    MIXED_SHARE,
    TONE_KINDS,
    TONE_NAMES,
    TOPICAL,
    class_tfidf_keywords,
    is_churn_theme,
    is_tone_theme,
    is_tone_word,
    keyword_coverage,
    keyword_share,
    loose_phrases,
    mixed_name,
    readable_name,
    representative_quotes,
    speaks_of_leaving,
    theme_key,
    top_key,
)
from ._edits import EditsMixin
from ._guide import (
    GUIDE_NAME_SHARE,
    GUIDED_MIXED_SHARE,
    GuidedVectors,
    guide_matrix,
    guide_name,
    guide_themes,
    resolve_guide,
)
from ._novelty import novelty
from ._taxonomy import to_taxonomy

__all__ = ["ThemeDiscovery", "DiscoveryModelError", "FILLER", "UNASSIGNED"]

UNASSIGNED = -1
FILLER = -2
REQUIRED = ("response_id", "sentence_id", "text", "lang", "lemmas")
_KEEP = ["response_id", "sentence_id", "text", "lang", "lemmas"]
_TEXTS = {"text", "lemmas"}  # what ThemeDiscovery.save leaves out unless include_texts=True
_FORMAT = "nps-text-discovery/2"
_GUIDE_FILE = "guide.yaml"  # guided discovery's taxonomy, in a saved model folder
_FORMATS = ("nps-text-discovery/1", _FORMAT)  # /1: one level, no tone direction
_ARRAYS = ("centroids", "pca_mean", "components", "language_means", "vectors", "labels", "similarity",
           "tone_direction", "negation_offsets")
_POLARITY_SAMPLE = 20_000  # clauses the tone direction is learned from (a systematic sample beyond that)
_DESCRIBE_MAX = 50_000  # clauses keywords and names are counted on (a systematic sample beyond that)
_BATCH = 20_000  # clauses centred and reduced at a time: temporaries stay small whatever the data's size
# A theme is context when the share of its clauses with any polarity is below this fraction of the share among
# all clustered clauses: 0.08-0.12 against 0.70 on the sample ("bestellt", "customer since"), 0.0 against 0.55 on
# NHS FFT ("Did not answer"), while the least rated topics of SemEval-14, NHS and GermEval-17 are at 0.38-0.82
# of their data's share (benchmarks/discovery.py, docs/discovery.md)
CONTEXT_RATIO = 0.25
# a theme at least this share of whose clauses speak of leaving is churn intent, whatever its keywords (on the
# sample and the three benchmark sets the churn themes are at 1.0, every other theme at most 0.02)
CHURN_SHARE = 1 / 3
_KEEP_NAME_CHANGE = 0.1  # after an edit, a theme whose size changed by at most this share keeps its name
_MIN_CONTEXT_ROWS = 10  # fewer clauses in the counted sample: too few to call a theme context
NOT_TOPICS = (*TONE_KINDS, "context")
LEVELS = ("sub", "top")


def _check_sentences(sentences: Any, embeddings: Any) -> tuple[pd.DataFrame, np.ndarray]:
    if not isinstance(sentences, pd.DataFrame):
        raise ParameterError(f"sentences must be the DataFrame prepare_text returns, got {type(sentences).__name__}.")
    missing = [c for c in REQUIRED if c not in sentences.columns]
    if missing:
        raise ParameterError(f"sentences lacks column(s) {missing}; it has {list(sentences.columns)}. "
                             "Pass the sentences table of nps_text.text.prepare_text.")
    vectors = np.asarray(embeddings, dtype=np.float32)
    if vectors.ndim != 2 or len(vectors) != len(sentences):
        raise ParameterError(f"embeddings must be one row per sentence: {len(sentences)} sentences but an array of "
                             f"shape {vectors.shape}. Embed sentences['text'] with nps_text.embed.embed.")
    if not all(np.isfinite(vectors[start:start + _BATCH]).all() for start in range(0, len(vectors), _BATCH)):
        raise ParameterError("embeddings contain NaN or infinite values; re-embed the sentences.")
    return sentences, vectors


class Groups(NamedTuple):
    """Per sentence, what its vector is centred by: its language, and whether it holds a negation word."""

    langs: np.ndarray
    negated: np.ndarray


def _groups(sentences: pd.DataFrame) -> Groups:
    """Each sentence's language code ("und" where missing) and whether its lemmas hold a negation ("nie", "not")."""
    langs = sentences["lang"].astype("string").fillna("und").to_numpy(dtype=object).astype(str)
    lemmas = sentences["lemmas"].to_numpy(dtype=object)  # one row at a time: no list of words for every row at once
    negated = np.fromiter((isinstance(t, str) and not NEGATIONS.isdisjoint(t.lower().split()) for t in lemmas),
                          dtype=bool, count=len(lemmas))
    return Groups(langs, negated)


def _batches(n: int):
    """Row numbers ``0..n-1`` in batches of ``_BATCH``."""
    return (np.arange(start, min(start + _BATCH, n)) for start in range(0, n, _BATCH))


def _first_ranks(labels: np.ndarray, ranks: np.ndarray, ids) -> list[int]:
    """Per id, the smallest rank among the rows labelled with it (``len(ranks)`` for an id without rows)."""
    first = np.full(max(ids, default=-1) + 1, len(ranks), dtype=np.int64)
    rows = (labels >= 0) & (labels < len(first))
    np.minimum.at(first, labels[rows], ranks[rows])
    return [int(first[i]) for i in ids]


def tone_mask(sentences: pd.DataFrame) -> np.ndarray:
    """True for clauses whose every content lemma is tone ("danke", "Alles super", "Nie wieder", "echt enttäuschend").

    They say how someone feels, not about what: set aside before clustering (like filler), status
    ``tone`` in the assignments, never a mention.
    """
    lemmas = sentences["lemmas"].astype("string").fillna("").tolist()
    return np.array([bool(words) and all(is_tone_word(w) for w in words)
                     for words in (str(text).split() for text in lemmas)], dtype=bool)


def filler_mask(sentences: pd.DataFrame) -> np.ndarray:
    """True for clauses that are filler or junk (``junk_reason``) or carry no content word."""
    texts = sentences["text"].astype("string").fillna("")
    lemmas = sentences["lemmas"].astype("string").fillna("").str.strip()
    junk = np.array([junk_reason(t) is not None for t in texts.tolist()], dtype=bool)
    return junk | (lemmas == "").to_numpy(dtype=bool)


def check_level(level: str) -> str:
    if level not in LEVELS:
        raise ParameterError(f"level must be 'top' (the top-level themes) or 'sub' (their sub-themes), got {level!r}.")
    return level


class ThemeDiscovery(EditsMixin):
    """Discover themes in clause embeddings; scikit-learn estimator contract.

    Parameters
    ----------
    n_themes : int, optional
        Number of sub-themes (the fine cut of the tree); default: chosen from the data (see ``min_size``).
    n_top : int, optional
        Number of top-level themes (the coarse cut of the same tree); default: where the tree has
        its largest relative gap between ``min_top`` and ``max_top`` (at most the sub-themes).
    min_top, max_top : int, default 5, 12
        Range of the automatic top-level choice.
    max_top_share : float, default 0.25
        The automatic choice skips cuts whose largest top-level theme holds more than this share
        of the clauses (a catch-all is no topic); ``max_top`` when no cut qualifies.
    remove_tone : bool, default True
        Project the polarity direction (negative to positive clauses, by the lexicon) out of the
        clustering space before clustering.
    remove_negation : bool, default True
        Centre the clauses with a negation word and those without apart (each group's mean
        removed, before the language centring and the tone), so that "the courier never came"
        joins the delivery theme instead of "support never answers" (measured in
        ``benchmarks/discovery_options.py``: resample stability up on every data set, the
        sample's negation group gone).
    min_size : int, optional
        Smallest theme, in clauses; default ``max(5, ceil(min_share * n))``. Smaller clusters
        are dissolved and their clauses re-assigned to the nearest theme when close enough.
    min_share : float, default 0.01
        Default ``min_size`` as a share of the clauses clustered.
    max_themes : int, default 30
        Most themes the automatic choice returns.
    method : {"ward", "hdbscan"}, default "ward"
        Ward (deterministic) or scikit-learn's HDBSCAN (density; leaves noise, re-assigned below).
    n_components : int, optional
        PCA dimensions the clustering works in; default None: all of them for Ward (measured best
        on SemEval-14, see docs/benchmarks.md; a PCA to 16-128 dimensions was 0.007-0.012 NMI lower), 16 for
        HDBSCAN (density estimates fail in 384 dimensions).
    min_similarity : float, default 0.15
        Cosine similarity a clause needs to its nearest theme's centroid to join it (lowered from
        0.2, which left about a tenth of GermEval-17's documents unassigned; the unassigned share
        of each benchmark data set is in ``benchmarks/discovery.json``).
    center_languages : {"auto", True, False}, default "auto"
        Remove each language's mean vector; "auto": when two languages have >= 20 clauses each.
    max_fit : int, default 10000
        Up to this many clauses the exact Ward tree is built (memory grows with its square);
        beyond that, on ``n_micro`` micro-clusters weighted by their sizes (see
        :func:`~nps_text.discover._cluster.micro_clusters`: deterministic, every clause counts),
        and the reduced vectors are kept as float16 (half the memory; new comments are reduced
        to the same precision, so ``predict`` on the fitted clauses still gives ``labels_``).
    n_micro : int, default 1000
        Number of micro-clusters beyond ``max_fit``.
    guide : Taxonomy, path or "default", optional
        Guided discovery: the analyst's taxonomy (or ``"default"``, the bundled NPS taxonomy) as
        seed topics. Each clause's keyword matches of its topical themes (the rules of
        :class:`~nps_text.tagging.RuleTagger`) are appended to the embedding, one column per theme
        times ``guide_weight``, so clauses naming the same theme are drawn together while those
        naming none are clustered by meaning alone (new themes are still found); a theme at least
        half of whose clauses name one theme of the guide takes its name. Measured in
        ``benchmarks/discovery_options.py`` (variant ``guided``, docs/discovery.md). Default None:
        unguided.
    guide_weight : float, default 0.3
        Weight of the guide's columns against the unit-length embedding (measured at 0.3 and 0.5).
    n_keywords, n_quotes : int
        Keywords per language and representative quotes kept per theme.
    seed : int, default 0
        Kept for the scikit-learn contract; the fit uses no randomness (samples beyond 20,000
        clauses for the tone direction and 50,000 for keywords are systematic, every n/size-th),
        so the same input gives the same themes and ids whatever the seed.

    Attributes
    ----------
    labels_ : ndarray of int
        Theme id of each fitted sentence; -1 unassigned (or in a dropped theme), -2 set aside
        (filler, or a clause that is only tone: see ``tone_mask``).
    similarity_ : ndarray of float
        Cosine similarity of each fitted sentence to its theme's centroid (NaN for filler).
    theme_ids_ : list of int
        Ids of the sub-themes, in the order of ``centroids_`` (dropped ones included).
    parents_ : list of int
        Top-level theme of each sub-theme, aligned with ``theme_ids_``.
    themes_ : list of dict
        Per sub-theme: ``theme``, ``key``, ``name``, ``kind`` (topic/mixed/praise/complaint/churn/context), ``size``,
        ``keywords_de``, ``keywords_en``, ``quotes``, ``keyword_share`` (of its clauses holding one of its top three
        keywords per language), ``parent``.
    top_themes_ : list of dict
        Per top-level theme: the same, with ``subthemes`` instead of ``parent``.
    tone_direction_ : ndarray
        The polarity direction projected out (zeros when ``remove_tone=False`` or too few polar clauses).
    negation_offsets_ : ndarray (2, dim)
        The mean of the clauses without (row 0) and with (row 1) a negation word, removed from each
        (zeros when ``remove_negation=False`` or too few clauses of either).
    report_ : dict
        Counts: sentences, filler, clustered, unassigned and their share, themes, the settings chosen.

    Examples
    --------
    >>> import pandas as pd, numpy as np
    >>> s = pd.DataFrame({"response_id": [str(i) for i in range(40)], "sentence_id": 0,
    ...                   "text": ["zu teuer"] * 20 + ["Lieferung spät"] * 20, "lang": "de",
    ...                   "lemmas": ["teuer"] * 20 + ["Lieferung spät"] * 20})
    >>> v = np.repeat(np.eye(2, 8), 20, axis=0) + np.random.default_rng(0).normal(0, .01, (40, 8))
    >>> model = ThemeDiscovery(n_themes=2, min_size=5).fit(s, v)
    >>> [t["keywords_de"][0] for t in model.themes_]
    ['teuer', 'Lieferung']
    """

    _parameter_constraints: dict = {
        "n_themes": [None, Interval(numbers.Integral, 1, None)],
        "n_top": [None, Interval(numbers.Integral, 1, None)],
        "min_top": [Interval(numbers.Integral, 1, None)],
        "max_top": [Interval(numbers.Integral, 1, None)],
        "remove_tone": [Options((True, False))],
        "remove_negation": [Options((True, False))],
        "max_top_share": [Interval(numbers.Real, 0, 1, "right")],
        "n_micro": [Interval(numbers.Integral, 10, None)],
        "min_size": [None, Interval(numbers.Integral, 2, None)],
        "min_share": [Interval(numbers.Real, 0, 1, "neither")],
        "max_themes": [Interval(numbers.Integral, 1, None)],
        "method": [Options(("ward", "hdbscan"))],
        "n_components": [None, Interval(numbers.Integral, 1, None)],
        "min_similarity": [Interval(numbers.Real, -1, 1)],
        "center_languages": [Options(("auto", True, False))],
        "max_fit": [Interval(numbers.Integral, 100, None)],
        "n_keywords": [Interval(numbers.Integral, 1, None)],
        "n_quotes": [Interval(numbers.Integral, 0, None)],
        "seed": [Interval(numbers.Integral, 0, None)],
        "guide": [None, str, Path, Taxonomy],
        "guide_weight": [Interval(numbers.Real, 0, None, "neither")],
    }

    def __init__(self, *, n_themes: int | None = None, n_top: int | None = None, min_top: int = 5, max_top: int = 12,
                 max_top_share: float = 0.25, min_size: int | None = None, min_share: float = 0.01, max_themes: int = 30, method: str = "ward",
                 n_components: int | None = None, min_similarity: float = 0.15, center_languages: bool | str = "auto",
                 remove_tone: bool = True, remove_negation: bool = True, max_fit: int = 10_000, n_micro: int = 1000, n_keywords: int = 10,
                 n_quotes: int = 5, seed: int = 0, guide: Taxonomy | str | Path | None = None,
                 guide_weight: float = 0.3) -> None:
        self.n_themes = n_themes
        self.n_top = n_top
        self.min_top = min_top
        self.max_top = max_top
        self.max_top_share = max_top_share
        self.remove_tone = remove_tone
        self.remove_negation = remove_negation
        self.n_micro = n_micro
        self.min_size = min_size
        self.min_share = min_share
        self.max_themes = max_themes
        self.method = method
        self.n_components = n_components
        self.min_similarity = min_similarity
        self.center_languages = center_languages
        self.max_fit = max_fit
        self.n_keywords = n_keywords
        self.n_quotes = n_quotes
        self.seed = seed
        self.guide = guide
        self.guide_weight = guide_weight

    # ------------------------------------------------------------------ scikit-learn API
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("n_themes", "n_top", "min_top", "max_top", "max_top_share", "min_size",
                                              "min_share",
                                              "max_themes", "method", "n_components", "min_similarity",
                                              "center_languages", "remove_tone", "remove_negation", "max_fit", "n_micro", "n_keywords",
                                              "n_quotes", "seed", "guide", "guide_weight")}

    def set_params(self, **params: Any) -> ThemeDiscovery:
        valid = self.get_params()
        for key, value in params.items():
            if key not in valid:
                raise ParameterError(f"ThemeDiscovery has no parameter {key!r}; parameters: {sorted(valid)}.")
            setattr(self, key, value)
        return self

    def __repr__(self) -> str:
        changed = {k: v for k, v in self.get_params().items() if v != type(self)().get_params()[k]}
        return f"ThemeDiscovery({', '.join(f'{k}={v!r}' for k, v in changed.items())})"

    def _validate_params(self) -> None:
        validate_params(self)

    def fit(self, sentences: pd.DataFrame, embeddings: np.ndarray) -> ThemeDiscovery:
        """Cluster the sentences' embeddings into themes and describe them.

        Parameters
        ----------
        sentences : DataFrame
            ``response_id, sentence_id, text, lang, lemmas`` (from :func:`nps_text.text.prepare_text`).
        embeddings : ndarray (n_sentences, dim)
            Row-aligned with ``sentences`` (:func:`nps_text.embed.embed` of ``sentences["text"]``).
        """
        self._validate_params()
        if self.min_top > self.max_top:
            raise ParameterError(f"min_top ({self.min_top}) must not be larger than max_top ({self.max_top}).")
        sentences, vectors = _check_sentences(sentences, embeddings)
        self.guide_ = resolve_guide(self.guide)
        self.guide_themes_ = guide_themes(self.guide_) if self.guide_ is not None else []
        vectors, self.guide_matches_ = self._guided(sentences, vectors)
        filler = filler_mask(sentences)
        tone = tone_mask(sentences) & ~filler
        content = np.flatnonzero(~filler & ~tone)
        if len(content) < 4:
            raise ParameterError(f"Only {len(content)} clauses with content to cluster; discovery needs a few dozen "
                                 "at least. If the comments are there, the comment column was not found: name it "
                                 "(comment='<column>', CLI --comment).")
        groups = _groups(sentences)
        self._fit_space(vectors, groups, content, sentences)
        seeds = self._micro_seeds(vectors, groups, content)
        reduced = self._reduce_rows(vectors, groups, content, np.float32 if len(content) <= self.max_fit else np.float16)
        raw, chosen = self._cluster(reduced, seeds)
        self.min_size_ = chosen["min_size"]
        kept = [int(i) for i in np.unique(raw) if i >= 0 and (raw == i).sum() >= self.min_size_]
        if not kept:
            raise ParameterError(f"No theme of at least {self.min_size_} clauses was found among {len(content)} "
                                 "clauses with content; lower min_size (CLI --min-size) or pass more comments.")
        self.vectors_ = reduced
        self.content_rows_ = content
        self.n_sentences_ = len(sentences)
        self.has_texts_ = True
        self.sentences_ = sentences[_KEEP].reset_index(drop=True).astype(
            {"response_id": "string", "sentence_id": "int64", "text": "string", "lang": "string", "lemmas": "string"})
        self.dropped_: set[int] = set()
        self.names_: dict[int, str] = {}
        self.top_names_: dict[int, str] = {}
        self.n_features_in_ = vectors.shape[1] - len(self.guide_themes_)  # the embedding's, as passed
        sums = np.vstack([reduced[raw == i].sum(axis=0, dtype=np.float32) for i in kept])
        sizes = np.array([(raw == i).sum() for i in kept], dtype=np.float64)
        top = self._top_cut(sums / sizes[:, None], sizes, chosen)
        self._assign_and_number(C._l2(sums), top)
        self.report_ = {"n_sentences": len(sentences), "n_filler": int(filler.sum()), "n_tone_only": int(tone.sum()),
                        "n_clustered": len(content),
                        **chosen, "centred": self.centred_, "tone_removed": bool(np.any(self.tone_direction_)),
                        "negation_centred": bool(np.any(self.negation_offsets_))}
        self.themes_ = self._theme_rows("sub", self.active_ids, self.labels_, {})  # the kinds are all the merge needs
        self._reassign()  # now that the kinds are known: clauses that do not fit a context or churn theme leave it
        self._merge_tone_themes()
        if self.n_top is None:
            self._regraft_mixed()
        return self

    def _guided(self, sentences: pd.DataFrame, vectors: np.ndarray) -> tuple[Any, np.ndarray]:
        """The clustering input and the sentences' matches of the guide's themes: the embeddings as they are when
        discovery is unguided, else with the guide's columns (made for the rows read, batch by batch)."""
        if self.guide_ is None:
            return vectors, np.zeros((len(sentences), 0), dtype=bool)
        matches = guide_matrix(sentences, self.guide_, self.guide_themes_)
        return GuidedVectors(vectors, matches, self.guide_weight), matches

    def _merge_tone_themes(self) -> None:
        """Tone sub-themes under one "general praise", one "general complaint" and one "churn intent" top-level theme.

        A sub-theme whose keywords are all tone leaves its topical parent for the top-level theme
        of its kind (one that holds only such sub-themes, else a new one); topical sub-themes stay
        where the tree put them. The top level then holds topics plus at most these three, and the
        context sub-themes under one "context" theme the same way; top-level ids by size.
        """
        for kind in NOT_TOPICS:
            subs = {t["theme"] for t in self.themes_ if t["kind"] == kind}
            if not subs:
                continue
            pure = sorted(t for t in set(self.parents_) if all(i in subs for i, p in zip(self.theme_ids_, self.parents_)
                                                               if p == t and i in self.active_ids))
            target = pure[0] if pure else max(self.parents_) + 1
            self.parents_ = [target if i in subs else p for i, p in zip(self.theme_ids_, self.parents_)]
        self._renumber_tops()

    def _regraft_mixed(self) -> None:
        """The topical sub-themes of a mixed top-level theme join the nearest topical top-level theme, or stand alone.

        Ward joins sub-themes whose clauses share a shape (short complaints: "Bugs ohne Ende", "Menü
        unlogisch", "Nobody seemed to care") into one top-level theme that its keywords hardly describe
        (kind "mixed"); each of them is a topic. A topical sub-theme of such a theme moves to the topical
        top-level theme whose centroid (the size-weighted mean of its sub-themes') is nearest, when it
        is at least as near as the median topical sub-theme is to its own siblings ("Menü / checkout"
        to "App"); else it becomes a top-level theme of its own ("Bug": bugs, outages), as long as the top
        level holds fewer than ``max_top`` topics. Its mixed sub-themes stay together. Only with an
        automatic top level (``n_top`` None): a chosen number of top-level themes is kept.
        """
        kinds = {t["theme"]: t["kind"] for t in self.themes_}
        top_kinds = {t["theme"]: t["kind"] for t in self.top_themes_}
        moving = [i for i in self.active_ids if top_kinds[self.parent_of(i)] == "mixed" and kinds[i] == "topic"]
        if not moving:
            return
        sizes = {t["theme"]: t["size"] for t in self.themes_}
        centroid = dict(zip(self.theme_ids_, self.centroids_.astype(np.float64)))

        def mean_of(subs: list[int]) -> np.ndarray | None:
            total = sum((centroid[i] * sizes[i] for i in subs), np.zeros(self.centroids_.shape[1]))
            norm = np.linalg.norm(total)
            return total / norm if norm else None

        members = {t: [i for i in self.active_ids if self.parent_of(i) == t] for t in top_kinds}
        nearness = []  # each topical sub-theme of a topical top-level theme: how near its siblings are
        for t, kind in top_kinds.items():
            for i in members[t] if kind == "topic" else []:
                siblings = mean_of([j for j in members[t] if j != i])
                if siblings is not None and kinds[i] == "topic":
                    nearness.append(float(centroid[i] @ siblings))
        topics = {t: mean_of(members[t]) for t, kind in top_kinds.items() if kind == "topic"}
        topics = {t: c for t, c in topics.items() if c is not None}
        if not topics:
            return
        bar = float(np.median(nearness)) if nearness else 1.0
        staying = {self.parent_of(i) for i in self.active_ids if top_kinds[self.parent_of(i)] == "mixed"
                   and kinds[i] != "topic"}  # mixed top-level themes that keep their mixed sub-themes
        n_topics = len(topics) + len(staying)
        parents = dict(zip(self.theme_ids_, self.parents_))
        ranked = sorted((max((float(centroid[i] @ c), t) for t, c in topics.items()), i) for i in moving)
        for (sim, nearest), i in ranked:  # the farthest stand alone while there is room; the others join
            if sim < bar and n_topics < self.max_top:
                parents[i] = max(parents.values()) + 1
                n_topics += 1
            else:
                parents[i] = nearest
        self.parents_ = [parents[i] for i in self.theme_ids_]
        self._renumber_tops()

    def _renumber_tops(self) -> None:
        """Top-level ids 0, 1, ... by size again (moving sub-themes changed the sizes), ties by the first key; then
        describe both levels."""
        top = self.top_labels_[self.content_rows_]
        parents = sorted(set(self.parents_))
        firsts = dict(zip(parents, _first_ranks(top, self._key_ranks(), parents)))
        order = sorted(parents, key=lambda t: (-int((top == t).sum()), firsts[t], t))
        new_id = {t: i for i, t in enumerate(order)}
        self.parents_ = [new_id[p] for p in self.parents_]
        self._describe()

    def _fit_space(self, vectors: np.ndarray, groups: Groups, content: np.ndarray, sentences: pd.DataFrame) -> None:
        """Learn the clustering space from the clauses with content: negation offsets, language means, tone
        direction, reduction (in the order they are applied).

        Each from the rows it needs (the language means from all, batch by batch; the negation
        offsets and the tone direction from a systematic sample; the reduction from the first
        ``max_fit``): no full-size copy is made.
        """
        sample = content[C.systematic(len(content), _POLARITY_SAMPLE)]
        self.negation_offsets_ = np.zeros((2, vectors.shape[1]), dtype=np.float32)
        if self.remove_negation:
            self.negation_offsets_ = C.group_means(C._l2_inplace(np.array(vectors[sample], dtype=np.float32)),
                                                   groups.negated[sample])
        langs = groups.langs
        n_langs = sum(1 for lang in set(langs[content]) if lang != "und" and (langs[content] == lang).sum() >= 20)
        self.centred_ = bool(self.center_languages is True or (self.center_languages == "auto" and n_langs >= 2))
        self.language_means_ = (C.language_means(vectors, langs, 20, rows=content,
                                                 transform=lambda rows: self._negation_centred(vectors, groups, rows))
                                if self.centred_ else {C._GLOBAL: np.zeros(vectors.shape[1], dtype=np.float32)})
        # the guide's columns are neither shifted nor projected: a theme most of whose clauses are complaints
        # (billing) would otherwise lose the seed that tells it apart
        self._without_guide(self.negation_offsets_)
        for mean in self.language_means_.values():
            self._without_guide(mean)
        self.tone_direction_ = self._tone_direction(vectors, groups, sample, sentences["text"])
        first = self._space_rows(vectors, groups, content[: self.max_fit])
        n_components = self.n_components if self.n_components or self.method == "ward" else 16
        self.pca_mean_, self.components_ = C.fit_reduction(first, n_components)

    def _tone_direction(self, vectors: np.ndarray, groups: Groups, sample: np.ndarray, texts: pd.Series
                        ) -> np.ndarray:
        """The polarity direction, learnt on the rows ``sample`` (zeros when ``remove_tone=False``)."""
        if not self.remove_tone:
            return np.zeros(vectors.shape[1], dtype=np.float32)
        polarity = np.array([lexicon_score(str(t)) for t in texts.iloc[sample].tolist()])
        return C.tone_direction(self._without_guide(self._centred_rows(vectors, groups, sample)), polarity)

    def _without_guide(self, array: np.ndarray) -> np.ndarray:
        """``array`` with its guide columns (the last ones, when discovery is guided) set to zero, in place."""
        if self.guide_themes_:
            array[..., -len(self.guide_themes_):] = 0.0
        return array

    def _negation_centred(self, vectors: np.ndarray, groups: Groups, rows: np.ndarray) -> np.ndarray:
        """A float32 copy of ``vectors[rows]``; when negation offsets were learnt, L2-normalised and each row
        minus its group's mean (with or without a negation word), L2-normalised again."""
        out = np.array(vectors[rows], dtype=np.float32)
        offsets = getattr(self, "negation_offsets_", None)
        if offsets is None or not np.any(offsets):
            return out
        return C.subtract_group_means(C._l2_inplace(out), groups.negated[rows], offsets)

    def _centred_rows(self, vectors: np.ndarray, groups: Groups, rows: np.ndarray) -> np.ndarray:
        """A float32 copy of ``vectors[rows]``, negation-centred, minus its language's mean (when centred),
        L2-normalised."""
        out = self._negation_centred(vectors, groups, rows)
        if self.centred_:
            return C.apply_language_means(out, groups.langs[rows], self.language_means_)
        return C._l2_inplace(out)

    def _space_rows(self, vectors: np.ndarray, groups: Groups, rows: np.ndarray) -> np.ndarray:
        """``vectors[rows]`` before the reduction: negation- and language-centred, tone projected out (a copy)."""
        return C.remove_direction(self._centred_rows(vectors, groups, rows), self.tone_direction_, inplace=True)

    def _reduce_rows(self, vectors: np.ndarray, groups: Groups, rows: np.ndarray, dtype: Any) -> np.ndarray:
        """``vectors[rows]`` in the clustering space (centred, tone removed, reduced, L2-normalised) as ``dtype``.

        Batch by batch, so that beside the result only one batch's temporaries exist.
        """
        out = np.empty((len(rows), self.components_.shape[0]), dtype=dtype)
        for start in range(0, len(rows), _BATCH):
            part = rows[start:start + _BATCH]
            out[start:start + len(part)] = C.reduce(self._space_rows(vectors, groups, part), self.pca_mean_,
                                                    self.components_, inplace=True)
        return out

    def _micro_seeds(self, vectors: np.ndarray, groups: Groups, content: np.ndarray) -> np.ndarray | None:
        """Beyond ``max_fit`` clauses (Ward), the micro-clusters' seeds from a systematic sample; else None.

        Made before the reduced vectors of all clauses exist: the sample's exact tree is the fit's
        largest temporary (quadratic in ``max_fit``), so the two never take memory at the same time.
        """
        if self.method != "ward" or len(content) <= self.max_fit:
            return None
        sample = self._reduce_rows(vectors, groups, content[C.systematic(len(content), self.max_fit)], np.float32)
        return C.micro_seeds(sample, self.n_micro)

    def _cluster(self, x: np.ndarray, seeds: np.ndarray | None = None) -> tuple[np.ndarray, dict[str, Any]]:
        """Sub-theme label of every clause (-1: noise), and the settings chosen.

        ``seeds``: the micro-clusters' seeds beyond ``max_fit`` clauses (see :meth:`_micro_seeds`).
        """
        min_size = self.min_size or max(5, math.ceil(self.min_share * len(x)))
        if self.method == "hdbscan":
            fit = x[: self.max_fit]
            labels = C.hdbscan_labels(fit, min_size=min_size)
            if len(x) > len(fit):  # the rest to the nearest cluster found
                ids = [int(i) for i in np.unique(labels) if i >= 0]
                rest = C.nearest(x[len(fit):], C.centroids_of(fit, labels, ids))[0] if ids else np.full(len(x) - len(fit), -1)
                labels = np.concatenate([labels, np.asarray(ids)[rest] if ids else rest])
            return labels, {"method": "hdbscan", "min_size": min_size, "n_clusters": int(labels.max() + 1),
                            "n_fit": len(fit)}
        tree, leaf, weights = C.build_tree(x, max_fit=self.max_fit, n_micro=self.n_micro, seeds=seeds)
        if self.n_themes is not None:
            k = min(int(self.n_themes), len(tree) + 1)
        else:
            k = C.largest_cut(tree, min_size=min_size, max_themes=self.max_themes, weights=weights)
        k = max(k, min(self.n_top or 1, len(tree) + 1))
        return C.cut_tree(tree, k)[leaf], {"method": "ward", "min_size": min_size, "n_clusters": k,
                                           "n_fit": len(x), "tree": "exact" if weights is None else "micro"}

    def _top_cut(self, centroids: np.ndarray, sizes: np.ndarray, chosen: dict[str, Any]) -> np.ndarray:
        """Top-level theme of each kept sub-theme: Ward on the sub-themes' mean vectors weighted by size.

        Ward's merge cost depends only on the clusters' means and sizes, so this is the upper
        part of the same tree the sub-themes were cut from (for the Ward method).
        """
        m = len(centroids)
        if m == 1:
            chosen["n_top"] = 1
            return np.zeros(1, dtype=np.int64)
        tree = C.weighted_ward(centroids, sizes)
        k = min(self.n_top, m) if self.n_top else C.top_cut(tree, low=min(self.min_top, m), high=min(self.max_top, m),
                                                             weights=sizes, max_share=self.max_top_share)
        chosen["n_top"] = int(k)
        return C.cut_tree(tree, k)

    def _assign_and_number(self, centroids: np.ndarray, top: np.ndarray) -> None:
        """Nearest-centroid assignment of every clause, then ids by size and a stable key, at both levels."""
        best, sim = C.nearest(self.vectors_, centroids)
        keep = sim >= self.min_similarity
        members = np.where(keep, best, UNASSIGNED)
        sizes = np.bincount(members[keep], minlength=len(centroids)).tolist()
        firsts = _first_ranks(members, self._key_ranks(), range(len(centroids)))
        order = sorted(range(len(centroids)), key=lambda j: (-sizes[j], firsts[j], j))
        new_id = np.empty(len(order), dtype=np.int64)
        new_id[order] = np.arange(len(order))
        tops = sorted(set(top.tolist()), key=lambda t: (-sum(sizes[j] for j in range(len(top)) if top[j] == t),
                                                        min(firsts[j] for j in range(len(top)) if top[j] == t), t))
        top_id = {t: i for i, t in enumerate(tops)}
        self.centroids_ = centroids[order]
        self.theme_ids_ = list(range(len(order)))
        self.parents_ = [top_id[int(top[j])] for j in order]
        self._set_labels(np.where(keep, new_id[best], UNASSIGNED), sim)

    def _key_ranks(self) -> np.ndarray:
        """Rank of each clustered clause by (response_id, sentence_id), equal keys equal: the tie-break of ids."""
        rows = self.content_rows_
        response = np.asarray(self.sentences_["response_id"].iloc[rows].to_numpy(dtype=object), dtype=str)
        sentence = self.sentences_["sentence_id"].to_numpy()[rows]
        order = np.lexsort((sentence, response))
        response, sentence = response[order], sentence[order]
        new = np.r_[True, (response[1:] != response[:-1]) | (sentence[1:] != sentence[:-1])]
        ranks = np.empty(len(rows), dtype=np.int64)
        ranks[order] = np.cumsum(new) - 1
        return ranks

    def _set_labels(self, content_labels: np.ndarray, sim: np.ndarray) -> None:
        labels = np.full(self.n_sentences_, FILLER, dtype=np.int64)
        similarity = np.full(self.n_sentences_, np.nan, dtype=np.float32)
        labels[self.content_rows_] = content_labels
        similarity[self.content_rows_] = sim
        labels[np.isin(labels, sorted(self.dropped_))] = UNASSIGNED
        self.labels_, self.similarity_ = labels, similarity

    def _reassign(self) -> None:  # used by fit and the edits
        """Labels of the fitted clauses from the current centroids (as :meth:`predict` would give)."""
        best, sim = self._nearest(self.vectors_, self.sentences_ if self.has_texts_ else None, self.content_rows_)
        ids = np.asarray(self.theme_ids_)[best]
        self._set_labels(np.where(sim >= self.min_similarity, ids, UNASSIGNED), sim)

    def _nearest(self, reduced: np.ndarray, sentences: pd.DataFrame | None, rows: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
        """Index into ``centroids_`` of each clause's theme, and its similarity: the nearest centroid, except
        for a clause that does not fit the context or churn theme nearest to it (:meth:`_misfits`), which goes
        to its nearest topical theme instead (``sentences.iloc[rows]``: the clauses' ``text`` and ``lemmas``,
        row-aligned with ``reduced``; ``sentences`` None: no exception, for a model saved without its texts)."""
        best, sim = C.nearest(reduced, self.centroids_)
        if sentences is None:
            return best, sim
        kinds = {t["theme"]: t["kind"] for t in getattr(self, "themes_", [])}
        misfit = self._misfits(best, sentences, rows, kinds)
        topical = [j for j, t in enumerate(self.theme_ids_) if kinds.get(t) in TOPICAL
                   and t not in self.dropped_]
        if misfit.any() and topical:
            other, other_sim = C.nearest(reduced[misfit], self.centroids_[topical])
            best[misfit], sim[misfit] = np.asarray(topical)[other], other_sim
        return best, sim

    def _misfits(self, best: np.ndarray, sentences: pd.DataFrame, rows: np.ndarray, kinds: dict[int, str]
                 ) -> np.ndarray:
        """Clauses (``sentences.iloc[rows]``) whose nearest theme (``best``, index into ``centroids_``; ``kinds``:
        theme id to kind) is one they are not about.

        A context theme is background that hardly anyone rates ("Bin seit 2013 Kunde"), so a rated
        clause near it ("leider doppelt abgebucht", "Unfortunately still waiting for my order") is
        not context; a churn theme speaks of leaving, so a clause near it that does not
        (``speaks_of_leaving``: "Expressversand hat wirklich geklappt") is not churn intent. Before
        the kinds are known (the first assignment of :meth:`fit`), none.
        """
        nearest_kind = np.array([kinds.get(t, "topic") for t in self.theme_ids_], dtype=object)[best]
        out = np.zeros(len(best), dtype=bool)
        near = np.flatnonzero(np.isin(nearest_kind, ("context", "churn")))  # only these rows' texts are read
        texts = sentences["text"].iloc[rows[near]].tolist()
        lemmas = sentences["lemmas"].iloc[rows[near]].tolist()
        for i, text, lemma in zip(near.tolist(), texts, lemmas):
            if nearest_kind[i] == "context":
                out[i] = lexicon_score(str(text)) != 0
            else:
                out[i] = not speaks_of_leaving("" if pd.isna(lemma) else str(lemma))
        return out

    def _describe(self) -> None:
        """Keywords, quotes, names and kind of every active theme, at both levels; the report's counts."""
        ids = self.active_ids
        labels = self.labels_
        top_ids = self.active_top_ids
        top_labels = self.top_labels_
        known = {("sub", t["theme"]): t for t in getattr(self, "themes_", [])}
        known |= {("top", t["theme"]): t for t in getattr(self, "top_themes_", [])}
        subs = self._theme_rows("sub", ids, labels, known)
        for row in subs:
            row["parent"] = self.parent_of(row["theme"])
        tops = self._theme_rows("top", top_ids, top_labels, known)
        kinds = {row["theme"]: row["kind"] for row in subs}
        for row in tops:  # a top-level theme is tone (or context) when all its sub-themes are of that one kind
            row["subthemes"] = [i for i in ids if self.parent_of(i) == row["theme"]]
            own = {kinds[i] for i in row["subthemes"]}
            kind = own.pop() if len(own) == 1 and "topic" not in own else "topic"
            if not self.top_names_.get(row["theme"]):
                if kind != "topic":
                    row["name"] = " / ".join(TONE_NAMES[kind])
                elif row["kind"] != "topic":
                    # keywords all tone (or hardly rated), sub-themes topics: named after its largest topical one
                    largest = max((r for r in subs if r["theme"] in row["subthemes"] and r["kind"] == "topic"),
                                  key=lambda r: r["size"], default=None)
                    row["name"] = largest["name"] if largest else row["topic_name"]
            row["kind"] = kind
        for names, rows, level_labels in ((self.names_, subs, labels), (self.top_names_, tops, top_labels)):
            mixed = []
            if rows is tops and self.has_texts_:
                self._share_of_topical_subs(tops, [r["theme"] for r in subs if r["kind"] == "mixed"])
            for row in rows:  # a topic its keywords hardly describe is mixed, unless the analyst named it
                row.pop("topic_name", None)
                all_mixed = row.pop("all_mixed", False)
                if row["kind"] == "topic" and (all_mixed or row["keyword_share"] < self._mixed_share(row)) and \
                        not names.get(row["theme"]):
                    row["kind"], row["name"] = "mixed", mixed_name(row["name"])
                    mixed.append(row)
            if mixed and self.has_texts_:  # quotes from across a mixed theme, not only its closest members
                spread = representative_quotes(self.sentences_["text"], np.nan_to_num(self.similarity_, nan=-9.0),
                                               level_labels, [r["theme"] for r in mixed], n=self.n_quotes, spread=True)
                for row in mixed:
                    row["quotes"] = spread[row["theme"]]
        if getattr(self, "_editing", False):  # an edit renames only what it changed
            for level, names, rows in (("sub", self.names_, subs), ("top", self.top_names_, tops)):
                _keep_names(rows, names, {i: row for (lv, i), row in known.items() if lv == level})
            self._editing = False
        for names, rows in ((self.names_, subs), (self.top_names_, tops)):
            _distinct_names(rows, names)
        self.themes_, self.top_themes_ = subs, tops
        clustered = max(1, self.report_["n_clustered"])
        unassigned = int((labels == UNASSIGNED).sum())
        self.report_.update({"n_themes": len(ids), "n_top_themes": len(top_ids), "n_unassigned": unassigned,
                             "share_unassigned": unassigned / clustered, "n_dropped_themes": len(self.dropped_),
                             "n_tone_themes": sum(t["kind"] in TONE_KINDS for t in tops),
                             "n_context_themes": sum(t["kind"] == "context" for t in tops),
                             "n_mixed_themes": sum(t["kind"] == "mixed" for t in tops)})
        if self.guide_ is not None:  # which topics the guide named, and which it lacks
            self.report_["n_guided_top_themes"] = sum(t["kind"] == "topic" and t["guide"] is not None for t in tops)
            self.report_["unguided_top_themes"] = [t["name"] for t in tops
                                                   if t["kind"] in TOPICAL and t["guide"] is None]

    def _mixed_share(self, row: dict[str, Any]) -> float:
        """The keyword share below which a topic is mixed: ``MIXED_SHARE``; ``GUIDED_MIXED_SHARE`` for a theme of
        guided discovery that no guide theme names, as it gathers the clauses the guide's keywords missed, of
        any topic ("Great job", "Menü ist unlogisch", "zahle jetzt 59 €" on the sample)."""
        return GUIDED_MIXED_SHARE if self.guide_ is not None and row.get("guide") is None else MIXED_SHARE

    def _share_of_topical_subs(self, tops: list[dict[str, Any]], mixed_subs: list[int]) -> None:
        """Set each top-level theme's ``keyword_share`` to the share among the clauses of its sub-themes that are not
        mixed: a mixed sub-theme is flagged on its own and does not make its parent mixed ("Hotline / support" holds
        "Rückruf versprochen" beside "Always a pleasure"), while a parent whose keywords describe none of its
        topical sub-themes well (Bedienung, Bugs, Menü, Beratung together) is mixed."""
        if not mixed_subs:
            return
        sample = self._describe_rows()
        masked = np.where(np.isin(self.labels_, mixed_subs), UNASSIGNED, self.top_labels_)[sample]
        top_three = {r["theme"]: _first_keywords({lang: r[f"keywords_{lang}"] for lang in KEYWORD_LANGS}, 3)
                     for r in tops}
        shares = keyword_share(self.sentences_["lemmas"].iloc[sample], masked, top_three)
        for row in tops:
            if (masked == row["theme"]).any():
                row["keyword_share"] = round(shares[row["theme"]], 3)
            else:  # every sub-theme mixed: so is the theme, and its share stays the one of all its clauses
                row["all_mixed"] = True

    def _theme_rows(self, level: str, ids: list[int], labels: np.ndarray, known: dict) -> list[dict[str, Any]]:
        names = self.names_ if level == "sub" else self.top_names_
        if self.has_texts_:
            keywords, coverage, shares, loose = self._keywords(labels, ids)
            quotes = representative_quotes(self.sentences_["text"], np.nan_to_num(self.similarity_, nan=-9.0),
                                           labels, ids, n=self.n_quotes)
        else:  # saved without texts: the keywords, kinds and shares it was saved with, and no quotes
            keywords = {i: {lang: known.get((level, i), {}).get(f"keywords_{lang}", []) for lang in KEYWORD_LANGS}
                        for i in ids}
            coverage, quotes, loose = {i: {} for i in ids}, {i: [] for i in ids}, {i: set() for i in ids}
            shares = {i: known.get((level, i), {}).get("keyword_share", 1.0) for i in ids}
        guides = self._guide_of(labels, ids, level, known)
        # sub-themes that share a guide theme are told apart by their own words ("Mitarbeiter / staff", "Beratung")
        shared = {g for g in guides.values() if g and level == "sub" and list(guides.values()).count(g) > 1}
        rows = []
        for i in ids:
            words = keywords[i]
            kind = self._kind(level, i, labels, words, known)
            custom = names.get(i)
            agree = self._agreement(labels, i) if self.has_texts_ else None
            topic_name = (guide_name(self.guide_, guides[i]) if guides[i] and guides[i] not in shared else
                          readable_name(words, i, coverage[i], loose[i], agree))
            if custom:
                name = custom
            elif kind in TONE_KINDS:
                first = next((words[lang][0] for lang in KEYWORD_LANGS if words[lang]), "")
                name = " / ".join(TONE_NAMES[kind]) + (f" ({first})" if level == "sub" and first else "")
            else:
                name = topic_name
            rows.append({"theme": i, "key": theme_key(i, custom) if level == "sub" else top_key(i, custom),
                         "name": name, "kind": kind, "size": int((labels == i).sum()),
                         "keywords_de": words["de"], "keywords_en": words["en"], "quotes": quotes[i],
                         "keyword_share": round(shares[i], 3), "guide": guides[i], "topic_name": topic_name})
        return rows

    def _guide_of(self, labels: np.ndarray, ids: list[int], level: str, known: dict) -> dict[int, str | None]:
        """Per theme, the guide theme at least ``GUIDE_NAME_SHARE`` of its clauses name (the most named one), else
        None; None for every theme of unguided discovery (saved without texts: the one it was saved with)."""
        if self.guide_ is None or not self.guide_themes_:
            return dict.fromkeys(ids)
        if not self.has_texts_:
            return {i: known.get((level, i), {}).get("guide") for i in ids}
        sample = self._describe_rows()
        counted, matches = labels[sample], self.guide_matches_[sample]
        out: dict[int, str | None] = dict.fromkeys(ids)
        for i in ids:
            rows = counted == i
            if rows.any():
                shares = matches[rows].mean(axis=0)
                best = int(np.argmax(shares))
                out[i] = self.guide_themes_[best] if shares[best] >= GUIDE_NAME_SHARE else None
        return out

    def _keywords(self, labels: np.ndarray, ids: list[int]) -> tuple[dict[int, dict[str, list[str]]],
                                                                      dict[int, dict[str, dict[str, float]]],
                                                                      dict[int, float], dict[int, set[str]]]:
        """Per theme and language: the c-TF-IDF keywords, and how well the top five identify the theme's clauses;
        per theme, the share of its clauses holding one of its top three keywords per language (:func:`keyword_share`),
        and which of its top five per language are no phrase (:func:`loose_phrases`).

        All counted on the sentences of :meth:`_describe_rows`, the lemmas of each language split
        once for all themes.
        """
        sample = self._describe_rows()
        lemmas, langs = self.sentences_["lemmas"].iloc[sample], self.sentences_["lang"].iloc[sample]
        keywords: dict[int, dict[str, list[str]]] = {i: {} for i in ids}
        coverage: dict[int, dict[str, dict[str, float]]] = {i: {} for i in ids}
        for lang in KEYWORD_LANGS:
            own = lemmas.where(langs == lang)
            found = class_tfidf_keywords(own, labels[sample], ids, top=self.n_keywords)
            scores = keyword_coverage(own, labels[sample], {i: found[i][:5] for i in ids})
            for i in ids:
                keywords[i][lang], coverage[i][lang] = found[i], scores[i]
        shares = keyword_share(lemmas, labels[sample], {i: _first_keywords(keywords[i], 3) for i in ids})
        loose = loose_phrases(self.sentences_["text"].iloc[sample], lemmas, labels[sample],
                              {i: _first_keywords(keywords[i], 5) for i in ids})
        return keywords, coverage, shares, loose

    def _agreement(self, labels: np.ndarray, theme: int) -> Any:
        """A function of a German and an English keyword: the cosine between the mean (reduced) vectors of the
        theme's German clauses that hold the one and its English clauses that hold the other, None when either
        holds none (counted on the clauses of :meth:`_describe_rows`). For :func:`readable_name`'s ``agree``."""
        sample = self._describe_rows()
        rows = sample[labels[sample] == theme]
        position = np.searchsorted(self.content_rows_, rows)  # a theme's clauses are all among the clustered ones
        words = [set(str(x).lower().split()) if isinstance(x, str) else set()
                 for x in self.sentences_["lemmas"].iloc[rows].tolist()]
        langs = self.sentences_["lang"].iloc[rows].astype(str).tolist()

        @functools.cache
        def mean(keyword: str, lang: str) -> np.ndarray | None:
            parts = set(keyword.lower().split())
            holding = [p for p, w, lg in zip(position.tolist(), words, langs) if lg == lang and parts <= w]
            if not holding:
                return None
            total = self.vectors_[holding].astype(np.float64).sum(axis=0)
            norm = np.linalg.norm(total)
            return total / norm if norm else None

        def agree(de: str, en: str) -> float | None:
            a, b = mean(de, "de"), mean(en, "en")
            return None if a is None or b is None else float(a @ b)

        return agree

    def _describe_rows(self) -> np.ndarray:
        """The sentences keywords and names are counted on: all, or a systematic sample of ``_DESCRIBE_MAX``."""
        return C.systematic(self.n_sentences_, _DESCRIBE_MAX)

    def _kind(self, level: str, theme: int, labels: np.ndarray, keywords: dict[str, list[str]], known: dict) -> str:
        """``topic``; ``churn`` for a theme whose keywords speak of leaving; for one whose keywords are all tone,
        ``praise`` or ``complaint`` by its clauses' polarity; for one whose clauses hardly anyone rates, ``context``
        (see ``CONTEXT_RATIO``). ``mixed`` is decided later, from the keyword share (:meth:`_describe`)."""
        if is_churn_theme(keywords):
            return "churn"
        if not self.has_texts_:  # saved without texts: the kind it was saved with
            saved = known.get((level, theme), {}).get("kind", "topic")
            if is_tone_theme(keywords):
                return "complaint" if saved == "complaint" else "praise"
            return saved if saved in ("context", "churn") else "topic"
        polarity, counted = self._describe_polarity(), labels[self._describe_rows()]
        rows = counted == theme
        if rows.any() and self._describe_leaving()[rows].mean() >= CHURN_SHARE:
            return "churn"  # its clauses speak of leaving, though fragments beside them crowd its keywords
        if is_tone_theme(keywords):
            return "complaint" if rows.any() and polarity[rows].mean() < 0 else "praise"
        rated = polarity != 0
        if rows.sum() >= _MIN_CONTEXT_ROWS and \
                rated[self._core(rows)].mean() < CONTEXT_RATIO * rated[counted >= 0].mean():
            return "context"
        return "topic"

    def _core(self, rows: np.ndarray) -> np.ndarray:
        """Of the clauses of :meth:`_describe_rows` marked in ``rows`` (one theme's), the half nearest its centre.

        A theme is context by its core: the few rated clauses at its edge ("leider doppelt abgebucht" beside
        "Habe jetzt zum zweiten Mal bestellt") do not make background a topic; they go to their nearest topic
        (:meth:`_misfits`)."""
        sim = np.nan_to_num(self.similarity_[self._describe_rows()], nan=-9.0)
        return rows & (sim >= np.median(sim[rows]))

    def _per_describe_row(self, attr: str, column: str, score: Any, dtype: Any) -> np.ndarray:
        """``score`` of the ``column`` of each clause of :meth:`_describe_rows`, computed once and kept in ``attr``
        (the texts do not change)."""
        cached = getattr(self, attr, None)
        if cached is None or len(cached) != len(self._describe_rows()):
            values = self.sentences_[column].iloc[self._describe_rows()].tolist()
            cached = np.array([score(v if isinstance(v, str) else "") for v in values], dtype=dtype)
            setattr(self, attr, cached)
        return cached

    def _describe_polarity(self) -> np.ndarray:
        """Lexicon polarity of the clauses of :meth:`_describe_rows`."""
        return self._per_describe_row("_polarity", "text", lexicon_score, np.float32)

    def _describe_leaving(self) -> np.ndarray:
        """Whether each clause of :meth:`_describe_rows` speaks of leaving (``speaks_of_leaving``)."""
        return self._per_describe_row("_leaving", "lemmas", speaks_of_leaving, bool)

    def parent_of(self, theme: int) -> int:
        """The top-level theme of a sub-theme."""
        return self.parents_[self.theme_ids_.index(int(theme))]

    @property
    def top_labels_(self) -> np.ndarray:
        """Top-level theme of each fitted sentence (-1 unassigned, -2 filler), from its sub-theme's parent."""
        return self._to_top(self.labels_)

    def _to_top(self, labels: np.ndarray) -> np.ndarray:
        labels = np.asarray(labels, dtype=np.int64)
        lookup = np.full(max(self.theme_ids_, default=0) + 1, UNASSIGNED, dtype=np.int64)
        lookup[self.theme_ids_] = self.parents_
        return np.where(labels >= 0, lookup[np.maximum(labels, 0)], labels)

    @property
    def active_top_ids(self) -> list[int]:
        """Ids of the top-level themes that have at least one active sub-theme, in id order."""
        return sorted({self.parent_of(i) for i in self.active_ids})

    def themes_at(self, level: str = "sub") -> list[dict[str, Any]]:
        """``themes_`` (``level="sub"``) or ``top_themes_`` (``level="top"``)."""
        return self.themes_ if check_level(level) == "sub" else self.top_themes_

    def labels_at(self, level: str = "sub") -> np.ndarray:
        """``labels_`` or ``top_labels_``."""
        return self.labels_ if check_level(level) == "sub" else self.top_labels_

    @property
    def active_ids(self) -> list[int]:
        """Ids of the themes that are not dropped."""
        return [i for i in self.theme_ids_ if i not in self.dropped_]

    def _check_fitted(self) -> None:
        if not hasattr(self, "centroids_"):
            raise NotFittedError("This ThemeDiscovery is not fitted yet; call fit(sentences, embeddings) first.")

    # ------------------------------------------------------------------ new comments
    def _new_rows(self, sentences: pd.DataFrame, embeddings: np.ndarray) -> tuple[np.ndarray, Groups, np.ndarray]:
        """New sentences' checked float32 vectors, their groups, and which are set aside (filler or only tone)."""
        self._check_fitted()
        sentences, vectors = _check_sentences(sentences, embeddings)
        if vectors.shape[1] != self.n_features_in_:
            raise ParameterError(f"embeddings have {vectors.shape[1]} dimensions but the model was fitted on "
                                 f"{self.n_features_in_}; embed with the same embedder.")
        vectors = self._guided(sentences, vectors)[0]
        return vectors, _groups(sentences), filler_mask(sentences) | tone_mask(sentences)

    def _reduce_new(self, sentences: pd.DataFrame, embeddings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """New sentences in the clustering space, at the fitted ones' precision, and which are set aside."""
        vectors, groups, filler = self._new_rows(sentences, embeddings)
        return self._reduce_rows(vectors, groups, np.arange(len(vectors)), self.vectors_.dtype), filler

    def _reduced_batches(self, vectors: np.ndarray, groups: Groups):
        """``(rows, reduced)`` batch by batch: new sentences in the clustering space without a full-size copy."""
        for rows in _batches(len(vectors)):
            yield rows, self._reduce_rows(vectors, groups, rows, self.vectors_.dtype)

    def transform(self, sentences: pd.DataFrame, embeddings: np.ndarray) -> np.ndarray:
        """Cosine similarity of each sentence to each theme centroid, columns in ``theme_ids_`` order."""
        vectors, groups, _ = self._new_rows(sentences, embeddings)
        out = np.empty((len(vectors), len(self.centroids_)), dtype=np.float32)
        for rows, reduced in self._reduced_batches(vectors, groups):
            out[rows] = reduced @ self.centroids_.T
        return out

    def predict(self, sentences: pd.DataFrame, embeddings: np.ndarray, *, level: str = "sub") -> np.ndarray:
        """Theme id of each sentence: nearest sub-theme centroid if similar enough, else -1; filler -2.

        ``level="top"`` gives the top-level theme (the sub-theme's parent) instead.
        """
        check_level(level)
        labels, _ = self.predict_with_similarity(sentences, embeddings)
        return self._to_top(labels) if level == "top" else labels

    def predict_with_similarity(self, sentences: pd.DataFrame, embeddings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Sub-theme ids (as :meth:`predict`) and each sentence's similarity to its nearest theme (NaN for filler)."""
        vectors, groups, filler = self._new_rows(sentences, embeddings)
        best, sim = np.empty(len(vectors), dtype=np.int64), np.empty(len(vectors), dtype=np.float32)
        for rows, reduced in self._reduced_batches(vectors, groups):
            best[rows], sim[rows] = self._nearest(reduced, sentences, rows)
        ids = np.asarray(self.theme_ids_)[best]
        labels = np.where((sim >= self.min_similarity) & ~np.isin(ids, sorted(self.dropped_)), ids, UNASSIGNED)
        return np.where(filler, FILLER, labels), np.where(filler, np.nan, sim)

    def novelty(self, sentences: pd.DataFrame, embeddings: np.ndarray, **options: Any) -> pd.DataFrame:
        """Emerging themes among new clauses: see :func:`nps_text.discover.novelty`."""
        return novelty(self, sentences, embeddings, **options)

    def fit_predict(self, sentences: pd.DataFrame, embeddings: np.ndarray) -> np.ndarray:
        """Fit, then return ``labels_`` (equal to ``predict`` on the same sentences)."""
        return self.fit(sentences, embeddings).labels_

    def fit_transform(self, sentences: pd.DataFrame, embeddings: np.ndarray) -> np.ndarray:
        return self.fit(sentences, embeddings).transform(sentences, embeddings)

    def to_taxonomy(self, **kwargs: Any):
        """A draft taxonomy of the active themes (see :func:`nps_text.discover.to_taxonomy`)."""
        self._check_fitted()
        return to_taxonomy(self, **kwargs)

    # ------------------------------------------------------------------ save / load
    def save(self, folder: str | Path, *, include_texts: bool = False) -> Path:
        """Write the fitted model as ``discovery.json`` plus ``.npy`` arrays (no pickle).

        By default the folder holds no comment text: not the clauses, their lemmas or the
        representative quotes, because model folders get shared and comments are personal data.
        The themes' keywords (aggregated over many comments) are kept, so a loaded model predicts,
        renames and drops themes as before, but has no quotes and cannot merge or split.
        ``include_texts=True`` keeps everything, for a folder that stays with the analyst.
        """
        self._check_fitted()
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        lang_keys = list(self.language_means_)
        arrays = {"centroids": self.centroids_, "pca_mean": self.pca_mean_, "components": self.components_,
                  "language_means": np.vstack([self.language_means_[k] for k in lang_keys]),
                  "vectors": self.vectors_, "labels": self.labels_, "similarity": self.similarity_,
                  "tone_direction": self.tone_direction_, "negation_offsets": self.negation_offsets_}
        if self.guide_ is not None:  # the guide as YAML (loaded back validated) and which clauses named its themes
            arrays["guide_matches"] = self.guide_matches_
            self.guide_.save(folder / _GUIDE_FILE)
        for name, array in arrays.items():
            np.save(folder / f"{name}.npy", np.ascontiguousarray(array), allow_pickle=False)
        params = {**self.get_params(), "guide": None}  # the guide is its own file
        state = {"format": _FORMAT, "params": params, "centred": self.centred_, "guide_themes": self.guide_themes_,
                 "language_keys": lang_keys, "theme_ids": self.theme_ids_, "dropped": sorted(self.dropped_),
                 "names": {str(k): v for k, v in self.names_.items()}, "min_size": self.min_size_,
                 "parents": self.parents_, "top_names": {str(k): v for k, v in self.top_names_.items()},
                 "n_features_in": self.n_features_in_, "n_sentences": self.n_sentences_,
                 "content_rows": self.content_rows_.tolist(), "report": self.report_,
                 "include_texts": bool(include_texts and self.has_texts_),
                 "sentences": {c: self.sentences_[c].tolist() if include_texts or c not in _TEXTS else None
                               for c in _KEEP},
                 "themes": [{**t, "quotes": t["quotes"] if include_texts else []} for t in self.themes_],
                 "top_themes": [{**t, "quotes": t["quotes"] if include_texts else []} for t in self.top_themes_]}
        (folder / "discovery.json").write_text(json.dumps(state, ensure_ascii=False, default=_plain), encoding="utf-8")
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> ThemeDiscovery:
        """Read a folder written by :meth:`save`; never unpickles, refuses unexpected files."""
        folder = Path(folder)
        meta = folder / "discovery.json"
        if not meta.is_file():
            raise DiscoveryModelError(f"'{folder}' is not a saved discovery model: discovery.json is missing. "
                                      "Pass the folder ThemeDiscovery.save (or nps-text discover) wrote.")
        expected = {"discovery.json", *(f"{a}.npy" for a in _ARRAYS), _GUIDE_FILE, "guide_matches.npy"}
        optional = {"tone_direction", "negation_offsets"}  # folders of format /1 have neither, older /2 no negation
        guided = (folder / _GUIDE_FILE).is_file()
        unexpected = unexpected_files(folder, expected)
        if unexpected:
            raise DiscoveryModelError(f"'{folder}' holds unexpected files {unexpected}; a discovery model has only "
                                      f"{sorted(expected)} (files that operating systems add, such as .DS_Store, "
                                      "are ignored). Remove them (nothing else is ever loaded).")
        state = read_json(meta, what="discovery model file", error=DiscoveryModelError,
                          fix="Save the model again with ThemeDiscovery.save().", max_bytes=2**30)
        if not isinstance(state, dict):
            raise DiscoveryModelError(f"'{meta}' does not hold a discovery model; save the model again.")
        if state.get("format") not in _FORMATS:
            raise DiscoveryModelError(f"'{meta}' has format {state.get('format')!r}; expected one of {list(_FORMATS)}.")
        try:
            arrays = {a: np.load(folder / f"{a}.npy", allow_pickle=False)
                      for a in (*_ARRAYS, *(("guide_matches",) if guided else ()))
                      if a not in optional or (folder / f"{a}.npy").is_file()}
        except (OSError, ValueError) as exc:
            raise DiscoveryModelError(f"'{folder}': cannot read the model arrays ({exc}). Save the model again.") from None
        model = cls(**{k: v for k, v in state["params"].items() if k in cls().get_params()})
        if state.get("guide_themes") and not guided:
            raise DiscoveryModelError(f"'{folder}' holds a guided model, but its {_GUIDE_FILE} is missing: new comments "
                                      "could not be guided alike. Put back the guide.yaml that was saved with it, or fit "
                                      "and save the model again.")
        model.guide = model.guide_ = load_taxonomy(folder / _GUIDE_FILE) if guided else None
        model.guide_themes_ = [str(t) for t in state.get("guide_themes", [])] if guided else []
        model.guide_matches_ = arrays.get("guide_matches", np.zeros((state["n_sentences"], 0), dtype=bool))
        if guided:
            unknown = sorted(set(model.guide_themes_) - set(model.guide_.ids))
            if unknown or model.guide_matches_.shape != (state["n_sentences"], len(model.guide_themes_)):
                raise DiscoveryModelError(f"'{folder / _GUIDE_FILE}' does not match the model it was saved with "
                                          f"(themes missing: {unknown or 'none'}; guide_matches.npy "
                                          f"{model.guide_matches_.shape}). Put back the guide.yaml that was saved, "
                                          "or fit and save the model again.")
        model.centroids_, model.pca_mean_, model.components_ = arrays["centroids"], arrays["pca_mean"], arrays["components"]
        model.language_means_ = dict(zip(state["language_keys"], arrays["language_means"]))
        model.vectors_, model.labels_, model.similarity_ = arrays["vectors"], arrays["labels"], arrays["similarity"]
        zeros = np.zeros(model.pca_mean_.shape[0], dtype=np.float32)
        model.tone_direction_ = arrays.get("tone_direction", zeros)
        model.negation_offsets_ = arrays.get("negation_offsets", np.zeros((2, len(zeros)), dtype=np.float32))
        model.centred_, model.theme_ids_ = state["centred"], [int(i) for i in state["theme_ids"]]
        model.dropped_ = {int(i) for i in state["dropped"]}
        model.names_ = {int(k): v for k, v in state["names"].items()}
        model.parents_ = [int(p) for p in state.get("parents", model.theme_ids_)]  # /1: each theme its own top
        model.top_names_ = {int(k): v for k, v in state.get("top_names", {}).items()}
        model.min_size_, model.n_features_in_ = state["min_size"], state["n_features_in"]
        model.n_sentences_, model.report_ = state["n_sentences"], state["report"]
        model.content_rows_ = np.asarray(state["content_rows"], dtype=np.int64)
        sentences = state["sentences"]
        model.has_texts_ = bool(state.get("include_texts", True))  # folders from 0.1 always held them
        model.sentences_ = pd.DataFrame({c: sentences[c] if sentences[c] is not None else [None] * model.n_sentences_
                                         for c in _KEEP}).astype(
            {"response_id": "string", "sentence_id": "int64", "text": "string", "lang": "string", "lemmas": "string"})
        model.themes_ = state.get("themes", [])
        model.top_themes_ = state.get("top_themes", [])
        model._describe()
        return model


def _first_keywords(keywords: dict[str, list[str]], n: int) -> list[str]:
    """The first ``n`` keywords of each language, German first."""
    return [k for lang in KEYWORD_LANGS for k in keywords[lang][:n]]


def _keep_names(rows: list[dict[str, Any]], custom: dict[int, str], before: dict[int, dict[str, Any]]) -> None:
    """After an edit, a theme of the same kind whose size changed by at most ``_KEEP_NAME_CHANGE`` keeps the
    automatic name it had (a trial saw "Wait" become "Ticket" when another sub-theme was split, and a few of its
    clauses moved); the themes the edit made or changed are named afresh."""
    for row in rows:
        old = before.get(row["theme"])
        if old is None or custom.get(row["theme"]) or old["kind"] != row["kind"]:
            continue
        if abs(row["size"] - old["size"]) <= _KEEP_NAME_CHANGE * old["size"]:
            row["name"] = re.sub(r" \([^()]*\)$", "", old["name"]) if row["kind"] == "topic" else old["name"]


def _distinct_names(rows: list[dict[str, Any]], custom: dict[int, str]) -> None:
    """Themes of one level that got the same automatic name ("Bestellen / order" twice) each get their first
    keyword that is not in the name, in brackets: "Bestellen / order (Mal)", "Bestellen / order (letzter)"."""
    seen: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if not custom.get(row["theme"]):
            seen.setdefault(row["name"].lower(), []).append(row)
    for same in (group for group in seen.values() if len(group) > 1):
        for row in same:
            named = set(re.findall(r"\w+", row["name"].lower()))
            words = [w for lang in KEYWORD_LANGS for w in row[f"keywords_{lang}"] if named.isdisjoint(w.lower().split())]
            if words:
                row["name"] = f"{row['name']} ({words[0]})"


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if value is pd.NA:
        return None
    raise TypeError(f"cannot serialise {type(value).__name__}")
