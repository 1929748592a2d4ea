"""Sentence embeddings: the Embedder protocol and registry, the offline backends, the vector cache, model building.

>>> from nps_text.embed import embed, get_embedder
"""

from .backends import (
    CachedEmbedder,
    E5Embedder,
    E5SentenceTransformerEmbedder,
    Embedder,
    HashingEmbedder,
    ModelNotInstalledError,
    SentenceTransformerEmbedder,
    StaticEmbedder,
    available_embedders,
    center_by_language,
    choose_embedder,
    embed,
    get_embedder,
    register_embedder,
)
from .cache import VectorCache, default_cache_dir, normalise_for_cache
from .model_build import (
    build_e5_sentence_transformer,
    build_static_model,
    e5_model_dir,
    static_model_dir,
)

__all__ = ["Embedder", "HashingEmbedder", "SentenceTransformerEmbedder", "E5Embedder", "E5SentenceTransformerEmbedder",
           "StaticEmbedder", "CachedEmbedder", "center_by_language", "choose_embedder", "ModelNotInstalledError", "get_embedder",
           "register_embedder", "available_embedders", "embed", "VectorCache", "default_cache_dir",
           "normalise_for_cache", "build_e5_sentence_transformer", "build_static_model", "e5_model_dir",
           "static_model_dir"]
