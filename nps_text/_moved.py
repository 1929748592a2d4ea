"""The module paths of nps-text 0.1 (one flat file per step), still importable with a FutureWarning.

``import nps_text.scoring`` gives ``nps_text.stats.scores`` and says where it moved; the old paths
go away in 0.3. Only the import system is involved: nothing is copied or re-defined.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import warnings

MOVED = {
    "nps_text.cache": "nps_text.embed.cache", "nps_text.columns": "nps_text.io.columns",
    "nps_text.driver_models": "nps_text.drivers", "nps_text.driver_views": "nps_text.drivers",
    "nps_text.export": "nps_text.io.export", "nps_text.followup": "nps_text.drivers",
    "nps_text.language": "nps_text.text.language", "nps_text.misclassification": "nps_text.drivers",
    "nps_text.model_build": "nps_text.embed.model_build", "nps_text.nlp": "nps_text.text.nlp",
    "nps_text.readers": "nps_text.io.readers", "nps_text.redact": "nps_text.text.redact",
    "nps_text.scoring": "nps_text.stats.scores", "nps_text.segments": "nps_text.stats.segments",
    "nps_text.survey": "nps_text.io.load", "nps_text.taxonomy": "nps_text.tagging.taxonomy",
    "nps_text.training": "nps_text.tagging.training", "nps_text.pipeline": "nps_text.jobs",
    "nps_text.safe_files": "nps_text._core.safe_files",
}


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path=None, target=None):
        return importlib.util.spec_from_loader(name, self) if name in MOVED else None

    def create_module(self, spec):
        warnings.warn(f"{spec.name} moved to {MOVED[spec.name]}; import it from there (the old path goes away "
                      "in nps-text 0.3).", FutureWarning, stacklevel=2)
        return importlib.import_module(MOVED[spec.name])

    def exec_module(self, module):  # the module is the already imported new one
        pass


def install() -> None:
    """Put the finder at the front of ``sys.meta_path``, once."""
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        # first, so that a folder left behind by 0.1 (nps_text/pipeline/__pycache__ after a git pull) is not
        # taken for an empty namespace package; the finder answers for the old names only
        sys.meta_path.insert(0, _Finder())
