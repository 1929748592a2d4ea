"""What every job starts from: a survey loaded once, whatever the caller handed over."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import ParameterError
from ..io.load import LoadedSurvey, load_survey

__all__ = ["loaded"]


def loaded(source: str | Path | pd.DataFrame | LoadedSurvey, load_options: dict[str, Any]) -> LoadedSurvey:
    """``source`` as a :class:`~nps_text.io.LoadedSurvey`: one already loaded as it is, anything else through
    :func:`~nps_text.io.load_survey` with ``load_options``.

    >>> import pandas as pd
    >>> survey = loaded(pd.DataFrame({"score": ["9", "2"]}), {})
    >>> loaded(survey, {}) is survey
    True
    """
    if isinstance(source, LoadedSurvey):
        if load_options:
            raise ParameterError(f"The survey is already loaded, so {sorted(load_options)} cannot apply; pass them "
                                 "to load_survey() instead, or pass the file itself.")
        return source
    return load_survey(source, **load_options)
