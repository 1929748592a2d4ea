"""``df.nps``: thin pandas sugar over the library, registered when nps_text is imported.

Every method calls one library function with the frame as its responses, so the accessor holds no
logic of its own::

    >>> import pandas as pd, nps_text
    >>> df = pd.DataFrame({"score": [10, 9, 7, 3], "region": ["N", "N", "S", "S"]})
    >>> df.nps.value
    25.0
    >>> df.nps.summary().n
    4
    >>> df.nps.by("region")["nps"].tolist()
    [100.0, -50.0]
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from .. import plot as _plot
from ..drivers.table import theme_table
from ..stats.scores import NPSResult, nps, nps_summary
from ..stats.segments import nps_by, nps_by_period


@pd.api.extensions.register_dataframe_accessor("nps")
class NpsAccessor:
    """``df.nps.summary()``, ``df.nps.by(column)``, ``df.nps.trend(period)``, ``df.nps.drivers(mentions)``
    and ``df.nps.plot.<figure>(...)`` on a responses frame (a ``score`` column, or pass ``score=``)."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self._frame = frame

    @property
    def value(self) -> float:
        """The NPS in points (:func:`~nps_text.nps`) of the ``score`` column."""
        return nps(self._frame["score"])

    def summary(self, *, score: str = "score", **options: Any) -> NPSResult:
        """:func:`~nps_text.nps_summary` of the score column."""
        return nps_summary(self._frame[score], **options)

    def by(self, column: str | list[str], **options: Any) -> pd.DataFrame:
        """:func:`~nps_text.nps_by`: NPS per segment, each tested against the rest."""
        return nps_by(self._frame, column, **options)

    def trend(self, period: str = "month", **options: Any) -> pd.DataFrame:
        """:func:`~nps_text.nps_by_period`: NPS per period with the change from the previous one."""
        return nps_by_period(self._frame, period=period, **options)

    def drivers(self, mentions: pd.DataFrame, **options: Any) -> pd.DataFrame:
        """:func:`~nps_text.drivers.theme_table`: each theme's impact on the NPS."""
        return theme_table(self._frame, mentions, **options)

    @property
    def plot(self) -> _Plots:
        """The figures of :mod:`nps_text.plot` for this frame."""
        return _Plots(self)


class _Plots:
    def __init__(self, accessor: NpsAccessor) -> None:
        self._nps = accessor

    def distribution(self, **options: Any) -> Figure:
        """:func:`nps_text.plot.score_distribution` of the responses."""
        return _plot.score_distribution(self._nps._frame, **options)

    def trend(self, period: str = "month", *, target: float | None = None, lang: str = "en") -> Figure:
        """:func:`nps_text.plot.nps_trend` of :meth:`NpsAccessor.trend`."""
        return _plot.nps_trend(self._nps.trend(period), target, lang=lang)

    def by(self, column: str | list[str], *, lang: str = "en") -> Figure:
        """:func:`nps_text.plot.segment_forest` of :meth:`NpsAccessor.by`."""
        return _plot.segment_forest(self._nps.by(column), lang=lang)

    def drivers(self, mentions: pd.DataFrame, *, lang: str = "en", **options: Any) -> Figure:
        """:func:`nps_text.plot.driver_impact` of :meth:`NpsAccessor.drivers`."""
        return _plot.driver_impact(self._nps.drivers(mentions, **options), lang=lang)
