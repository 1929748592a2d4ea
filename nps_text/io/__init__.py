"""Reading survey exports and writing tables: readers, column detection, ``load_survey`` and its report, export.

>>> from nps_text.io import load_survey, write_table
"""

from .columns import ROLES, guess_column, normalise_header, resolve_column
from .export import neutralise_formulas, round_table, to_jsonable, write_table
from .load import (
           CANONICAL_COLUMNS,
           SCALES,
           LoadedSurvey,
           LoadOptions,
           LoadReport,
           RejectedRow,
           load_survey,
           resolve_segments,
)
from .readers import SUPPORTED_SUFFIXES, RawTable, iter_table, read_table
from .stream import iter_survey, survey_files

__all__ = ["load_survey", "LoadOptions", "resolve_segments", "LoadReport", "RejectedRow", "LoadedSurvey", "SCALES", "CANONICAL_COLUMNS",
           "read_table", "iter_table", "iter_survey", "survey_files", "RawTable", "SUPPORTED_SUFFIXES", "ROLES", "normalise_header", "resolve_column", "guess_column",
           "neutralise_formulas", "round_table", "to_jsonable", "write_table"]
