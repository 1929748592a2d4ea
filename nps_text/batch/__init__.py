"""Batch jobs: tag each night's new comments into a store, incrementally, crash-safe, locally or on Dask.

>>> from nps_text.batch import tag_to_store   # the nightly job (CLI: nps-text tag SOURCE --db URL)
"""

from .._core.deps import require
from .job import ENGINES, BatchRun, PieceProgress, tag_to_store
from .tagger import TaggerSpec

__all__ = ["tag_to_store", "BatchRun", "PieceProgress", "TaggerSpec", "ENGINES", "tag_dask"]


def tag_dask(ddf, **options):
    """The mentions of a Dask DataFrame, tagged per partition: see :func:`nps_text.batch.dask.tag_dask`."""
    require("distributed", "'nps-text[dask]'", "Dask engine")
    from .dask import tag_dask as run  # loads dask only when asked

    return run(ddf, **options)
