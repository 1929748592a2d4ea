"""What a batch job tags with: a :class:`TaggerSpec` (model or taxonomy), its fingerprint, and the loaded tagger.

The spec is small and plain, so that it travels to Dask workers; each process loads the tagger
it names once (:func:`loaded`) and reuses it for every piece. The fingerprint is a hash of
everything that decides the mentions (the model folder's files or the taxonomy file, the method,
redaction), so the ledger knows whether a response was tagged by *this* tagger already.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from ..errors import ModelFileError, ParameterError
from ..store import comment_hash
from ..text.prepare import prepare_text

__all__ = ["TaggerSpec", "TaggedPiece", "PieceTagger", "loaded"]

_LOADED: dict[TaggerSpec, PieceTagger] = {}
LOADS = {"count": 0}  # how often this process loaded a tagger (a test checks Dask workers load once)


@dataclass(frozen=True)
class TaggerSpec:
    """A trained model folder, or a taxonomy (None: the bundled default) with ``method``."""

    model: str | None = None
    taxonomy: str | None = None
    method: str = "rules"
    redact_pii: bool = True

    @classmethod
    def make(cls, *, model: str | Path | None = None, taxonomy: str | Path | None = None, method: str = "rules",
             redact_pii: bool = True) -> TaggerSpec:
        """Check the combination (as ``tag_survey`` does) and make paths absolute, for workers elsewhere."""
        from ..tagging import available_taggers  # loads spaCy and scikit-learn

        if model is not None and (taxonomy is not None or method != "rules"):
            raise ParameterError(f"Pass a trained model OR a taxonomy/method, not both (got model={str(model)!r}). "
                                 "Drop one of them (CLI: --model DIR, or --taxonomy FILE with --method).")
        methods = [m for m in available_taggers() if m != "model"]
        if model is None and method not in methods:
            raise ParameterError(f"method must be one of {methods}, got {method!r}; or pass model=<folder>.")
        if model is not None and not Path(model).is_dir():
            raise ModelFileError(f"Model folder '{model}' does not exist. Pass the folder `nps-text train -o DIR` "
                                 "wrote (it holds card.json).")
        if taxonomy is not None and str(taxonomy) != "default" and not Path(taxonomy).is_file():
            raise ParameterError(f"Taxonomy file '{taxonomy}' does not exist. Pass a taxonomy YAML, or leave "
                                 "--taxonomy out for the bundled default.")
        taxonomy = None if taxonomy is None or str(taxonomy) == "default" else str(Path(taxonomy).resolve())
        return cls(model=str(Path(model).resolve()) if model is not None else None, taxonomy=taxonomy,
                   method=method, redact_pii=redact_pii)

    @property
    def kind(self) -> str:
        return "model" if self.model else self.method

    @property
    def name(self) -> str:
        if self.model:
            return f"model {Path(self.model).name}"
        return f"{self.method} on {Path(self.taxonomy).name if self.taxonomy else 'the default taxonomy'}"

    @cached_property
    def card(self) -> dict:
        if not self.model:
            return {}
        path = Path(self.model) / "card.json"
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ModelFileError(f"Cannot read the model card {path}: {exc}. Pass a folder `nps-text train` wrote.") \
                from None

    @property
    def tier(self) -> str | None:
        """``fast`` (static or hashing encoder) or ``quality`` for a model; None for rules and zero-shot."""
        if not self.model:
            return None
        from ..tagging.classifier import model_tier  # loads scikit-learn, like every tagger

        return self.card.get("tier") or model_tier(str(self.card.get("embedder", "")))

    @cached_property
    def fingerprint(self) -> str:
        """SHA-256 over what decides the mentions: the model's files or the taxonomy's text, and the options."""
        from ..tagging.taxonomy import DEFAULT_TAXONOMY_PATH

        digest = hashlib.sha256(json.dumps({"kind": self.kind, "redact": self.redact_pii}).encode())
        if self.model:
            root = Path(self.model)
            for file in sorted(p for p in root.rglob("*") if p.is_file()):
                digest.update(str(file.relative_to(root)).encode() + b"\0" + file.read_bytes())
        else:
            digest.update(Path(self.taxonomy or DEFAULT_TAXONOMY_PATH).read_bytes())
        return digest.hexdigest()

    def load(self) -> PieceTagger:
        return PieceTagger(self)


@dataclass
class TaggedPiece:
    """What tagging one piece produced: the responses as stored, the ledger rows, the mentions, the clauses."""

    responses: pd.DataFrame
    tagged: pd.DataFrame  # response_id, comment_hash, sentences, mentions
    mentions: pd.DataFrame
    sentences: pd.DataFrame  # response_id, sentence_id, text, lemmas, lang: for drift and novelty


class PieceTagger:
    """A loaded tagger that tags pieces of responses the same way, piece after piece."""

    def __init__(self, spec: TaggerSpec) -> None:
        from ..tagging import get_tagger  # loads spaCy, scikit-learn (and torch for some encoders)

        self.spec = spec
        if spec.model:
            self.tagger = get_tagger("model", path=spec.model)
        else:
            self.tagger = get_tagger(spec.method, taxonomy=spec.taxonomy)
        LOADS["count"] += 1

    def tag(self, responses: pd.DataFrame) -> TaggedPiece:
        """Prepare and tag ``responses`` (``response_id``, ``comment``, ...); sentiment from the lexicon,
        which depends on the clause alone, so a piece is tagged the same whatever else is in the run."""
        if "comment_hash" not in responses:
            responses = responses.assign(comment_hash=[comment_hash(c) for c in responses["comment"]])
        prepared, sentences = prepare_text(responses, redact_pii=self.spec.redact_pii)
        mentions = self.tagger.tag(sentences) if len(sentences) else _empty_mentions()
        quote = sentences.set_index(["response_id", "sentence_id"])["text"]
        mentions = mentions.assign(sentence=quote.reindex(pd.MultiIndex.from_frame(
            mentions[["response_id", "sentence_id"]])).to_numpy() if len(mentions) else pd.Series(dtype="string"))
        stored = prepared.copy()
        if self.spec.redact_pii:
            stored["comment"] = prepared["comment_redacted"]
        per = mentions.groupby("response_id").size()
        ids = prepared["response_id"].astype(str)
        tagged = pd.DataFrame({"response_id": ids, "comment_hash": prepared["comment_hash"].to_numpy(),
                               "sentences": prepared["n_sentences"].to_numpy(),
                               "mentions": ids.map(per).fillna(0).astype(int).to_numpy()})
        return TaggedPiece(stored, tagged, mentions, sentences[["response_id", "sentence_id", "text", "lemmas", "lang"]])


def _empty_mentions() -> pd.DataFrame:
    from ..tagging import empty_mentions

    return empty_mentions()


def loaded(spec: TaggerSpec) -> PieceTagger:
    """The tagger ``spec`` names, loaded once per process (a Dask worker keeps it between pieces)."""
    if spec not in _LOADED:
        _LOADED[spec] = spec.load()
    return _LOADED[spec]
