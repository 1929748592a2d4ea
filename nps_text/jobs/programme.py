"""The NPS programme report: benchmarks, brands, accounts, league table, weighting, promoters, customers
and indifferent themes in one call (what ``nps-text programme`` runs).

Each section runs only when its inputs are given (``brand=``, ``account=``/``role=``, ``unit=``,
``population=``, ``customer=``/``outcomes=``, ``benchmarks=``); the promoter list, the testimonial
candidates and the indifferent themes always run. Themes come from ``mentions`` or, without them, from
tagging the comments with the bundled taxonomy (keyword rules, lexicon sentiment: fast and offline).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .._core.results import Result, to_jsonable
from .._core.themes import GENERIC_THEMES
from .._core.version import VERSION
from ..errors import ColumnError, ParameterError
from ..io.export import write_table
from ..io.load import LoadedSurvey, LoadReport
from ..programme import (
    account_roles,
    compare_brands,
    compare_to_benchmarks,
    customer_view,
    indifferent_themes,
    league_table,
    promoter_list,
    read_benchmarks,
    relate_outcome,
    representation,
    testimonial_candidates,
    weighted_nps,
)
from ..report import write_programme_report
from ..text.prepare import prepare_text
from ._source import loaded
from .tag import tag_survey

__all__ = ["ProgrammeReport", "programme_report", "programme_sections", "programme_columns", "write_programme",
           "PROGRAMME_KEYS", "PROGRAMME_COLUMNS"]

logger = logging.getLogger(__name__)

PROGRAMME_KEYS = ("benchmarks", "brands", "accounts", "league", "weighting", "promoters", "testimonials", "customers",
                  "outcome", "indifferent")

# the column options that a survey's own column names answer (compared lower-cased, English and German)
PROGRAMME_COLUMNS = {
    "brand": ("brand", "marke", "anbieter"),
    "account": ("account", "firma", "kundenkonto"),
    "role": ("role", "rolle"),
    "unit": ("team", "unit", "branch", "niederlassung"),
    "customer": ("customer_id", "kunden-nr", "kundennummer", "kunden_id", "kunden-id", "kundennr"),
}


def _named(columns: Any, option: str) -> Any:
    """The first of ``columns`` whose name is one of :data:`PROGRAMME_COLUMNS` ``[option]`` (any case), or None."""
    by_name = {str(c).strip().lower(): c for c in columns}
    return next((by_name[n] for n in PROGRAMME_COLUMNS[option] if n in by_name), None)


def programme_columns(responses: pd.DataFrame) -> dict[str, str]:
    """The programme's column options (``brand``, ``account``/``role``, ``unit``, ``customer``) that the
    survey's columns answer by name (:data:`PROGRAMME_COLUMNS`, e.g. "Marke", "Team", "Kunden-Nr").

    A column counts when it has at least two distinct values; account and role only together.

    >>> programme_columns(pd.DataFrame({"Team": ["Nord", "Süd"], "Marke": ["A", "A"], "score": [9, 3]}))
    {'unit': 'Team'}
    """
    found = {}
    for option in PROGRAMME_COLUMNS:
        column = _named(responses.columns, option)
        if column is not None and responses[column].dropna().astype(str).str.strip().replace("", None).nunique() >= 2:
            found[option] = column
    if ("account" in found) != ("role" in found):
        found.pop("account", None), found.pop("role", None)
    return found


@dataclass
class ProgrammeReport(Result):
    """The sections of :func:`programme_report`; a section not asked for is ``None``.

    ``to_dict()`` has the stable keys :data:`PROGRAMME_KEYS` (tables as lists of records, results
    through their own ``to_dict()``), ``tables`` the frames written as CSV.
    """

    sections: dict[str, Any]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    report: LoadReport | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {}
        for key in PROGRAMME_KEYS:
            value = self.sections.get(key)
            if isinstance(value, pd.DataFrame):
                value = value.to_dict("records")
            elif isinstance(value, Result):
                value = value.to_dict()
            out[key] = value
        return to_jsonable(out)

    def to_frame(self) -> pd.DataFrame:
        """The league table when there is one, else the promoter list."""
        return self.tables.get("league", self.tables.get("promoters", pd.DataFrame()))

    def summary(self) -> str:
        lines = []
        for key in PROGRAMME_KEYS:
            value = self.sections.get(key)
            if value is None:
                continue
            if isinstance(value, Result):
                text = value.summary()
            elif isinstance(value, pd.DataFrame):
                text = _head(value)
            else:
                text = f"{len(value)} rows"
            lines.append(f"[{key}] {text}")
        return "\n".join(lines)


_SHOWN = ("n", "nps", "shrunken_nps", "difference", "p_holm", "verdict", "theme", "estimate", "score", "text")


def _head(frame: pd.DataFrame, rows: int = 5) -> str:
    """A table section in a few lines: its first column and the columns that say the most, first rows."""
    columns = list(dict.fromkeys([frame.columns[0], *[c for c in _SHOWN if c in frame.columns]]))[:6] \
        if len(frame.columns) else []
    lines = [f"{len(frame)} rows" + (f"; first {rows}:" if len(frame) > rows else ":")]
    for record in frame[columns].head(rows).to_dict("records"):
        lines.append("    " + " · ".join(f"{k}={round(v, 1) if isinstance(v, float) else v}" for k, v in record.items()))
    return "\n".join(lines)


# ----------------------------------------------------------------------------- inputs
def _frame(value: pd.DataFrame | str | Path, what: str) -> pd.DataFrame:
    if isinstance(value, pd.DataFrame):
        return value
    if isinstance(value, (str, Path)):
        path = Path(value)
        readers = {".csv": pd.read_csv, ".xlsx": pd.read_excel, ".parquet": pd.read_parquet}
        if path.suffix.lower() not in readers:
            raise ParameterError(f"Cannot read {what} from '{path.name}': use a .csv, .xlsx or .parquet file.")
        return readers[path.suffix.lower()](path)
    raise ParameterError(f"{what} must be a DataFrame or a file path, got {type(value).__name__}.")


def _need(responses: pd.DataFrame, column: str, option: str) -> None:
    if column not in responses.columns:
        raise ColumnError(f"Column {column!r} (given as {option}) not found; available columns: "
                          f"{list(responses.columns)}. Pass {option}='<column>'.")


def _customer_ids(outcomes: pd.DataFrame, customer: str) -> pd.DataFrame:
    """The outcomes with their id column named ``customer`` like the survey's: an outcomes table whose id
    column has another recognised name ("customer_id" beside a German export's "Kunden-Nr") joins too."""
    if customer in outcomes.columns:
        return outcomes
    found = _named(outcomes.columns, "customer")
    return outcomes if found is None else outcomes.rename(columns={found: customer})


# programme_sections' options and their defaults; those that name a survey column
_OPTIONS = {"benchmarks": None, "brand": None, "own_brand": None, "account": None, "role": None, "unit": None,
            "population": None, "customer": None, "outcomes": None, "outcome": "churned"}
_COLUMN_OPTIONS = ("brand", "account", "role", "unit", "customer")


def _check_pairs(options: dict[str, Any]) -> None:
    account, role = options.get("account"), options.get("role")
    if (account is None) != (role is None):
        raise ParameterError(f"Pass account and role together (got account={account!r}, role={role!r}): the "
                             "account section compares the roles within each account.")
    if options.get("outcomes") is not None and options.get("customer") is None:
        raise ParameterError("outcomes need customer='<id column>' to join them to the survey.")


def _check_columns(responses: pd.DataFrame, options: dict[str, Any]) -> None:
    for option in _COLUMN_OPTIONS:
        if options.get(option) is not None:
            _need(responses, options[option], option)


def _population_by(population: pd.DataFrame) -> list[str]:
    by = [c for c in population.columns if c not in ("share", "count")]
    if not by:
        raise ColumnError(f"The population table needs segment column(s) and 'share' or 'count'; columns: "
                          f"{list(population.columns)}.")
    return by


def _themes(survey: LoadedSurvey, mentions: pd.DataFrame | str | Path | None,
            taxonomy: str | Path | None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    if mentions is None:
        tagged = tag_survey(survey, taxonomy=taxonomy, sentiment="lexicon")
        return tagged.responses, tagged.sentences, tagged.mentions
    responses, sentences = prepare_text(survey.responses)
    return responses, sentences, _frame(mentions, "mentions")


# ----------------------------------------------------------------------------- the job
def programme_report(
    source: str | Path | pd.DataFrame | LoadedSurvey,
    *,
    benchmarks: pd.DataFrame | str | Path | None = None,
    brand: str | None = None,
    own_brand: str | None = None,
    account: str | None = None,
    role: str | None = None,
    unit: str | None = None,
    population: pd.DataFrame | str | Path | None = None,
    customer: str | None = None,
    outcomes: pd.DataFrame | str | Path | None = None,
    outcome: str = "churned",
    mentions: pd.DataFrame | str | Path | None = None,
    taxonomy: str | Path | None = None,
    outdir: str | Path | None = None,
    level: float = 0.95,
    **load_options: Any,
) -> ProgrammeReport:
    """Run the NPS programme analyses that the inputs allow, and optionally write CSVs and a JSON.

    Parameters
    ----------
    source : path, DataFrame or LoadedSurvey
        The survey (loaded with ``load_options`` unless already loaded).
    benchmarks : DataFrame or path, optional
        Published NPS values (:func:`~nps_text.programme.read_benchmarks`): the ``benchmarks`` section.
    brand, own_brand : str, optional
        Brand column (and your brand): the ``brands`` section with the theme gap. With both, the
        promoter list and the testimonial candidates hold your brand's respondents only.
    account, role : str, optional
        Account and role columns (both or neither): the ``accounts`` section.
    unit : str, optional
        Team/branch column: the ``league`` section (empirical-Bayes shrunken NPS).
    population : DataFrame or path, optional
        Segment shares of the customer base (segment column(s) + ``share`` or ``count``): the
        ``weighting`` section (representation test and weighted NPS).
    customer, outcomes, outcome : optional
        Customer id column, a table of one outcome per customer, and its column: ``customers`` and
        ``outcome`` (churn or revenue by NPS group, association only).
    mentions : DataFrame or path, optional
        A mentions table; without it the comments are tagged with ``taxonomy`` (default: bundled).
    outdir : path, optional
        Folder for ``programme.json``, one ``<section>.csv`` per table (formula-safe) and
        ``programme_report.html`` (:func:`nps_text.report.render_programme`, redacted).
    level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    ProgrammeReport

    Examples
    --------
    >>> import pandas as pd
    >>> survey = pd.DataFrame({"score": [10, 9, 3, 8] * 10, "comment": ["Super Service", "günstig", "zu teuer", "ok"] * 10,
    ...                        "team": ["a", "b"] * 20})
    >>> r = programme_report(survey, unit="team")
    >>> sorted(k for k, v in r.to_dict().items() if v is not None)
    ['indifferent', 'league', 'promoters', 'testimonials']
    """
    options = {"benchmarks": benchmarks, "brand": brand, "own_brand": own_brand, "account": account, "role": role,
               "unit": unit, "population": population, "customer": customer, "outcomes": outcomes, "outcome": outcome}
    _check_pairs(options)
    survey = loaded(source, load_options)
    _check_columns(survey.responses, options)  # before tagging: a wrong column fails at once
    responses, sentences, theme_rows = _themes(survey, mentions, taxonomy)
    report = programme_sections(responses, sentences, theme_rows, level=level, **options)
    report.report = survey.report
    if outdir is not None:
        write_programme(report, Path(outdir))
    return report


def programme_sections(responses: pd.DataFrame, sentences: pd.DataFrame, mentions: pd.DataFrame, *,
                       level: float = 0.95, **options: Any) -> ProgrammeReport:
    """The sections of :func:`programme_report` from prepared responses, their clauses and the mentions.

    What ``analyze`` calls with the themes it tagged or discovered; ``options`` are those of
    :func:`programme_report` (``benchmarks``, ``brand``, ``own_brand``, ``account``, ``role``,
    ``unit``, ``population``, ``customer``, ``outcomes``, ``outcome``).
    """
    unknown = sorted(set(options) - set(_OPTIONS))
    if unknown:
        raise ParameterError(f"Unknown programme option(s) {unknown}; the options are {list(_OPTIONS)}.")
    o = {**_OPTIONS, **options}
    _check_pairs(o)
    _check_columns(responses, o)
    benchmarks, brand, account, role, unit = o["benchmarks"], o["brand"], o["account"], o["role"], o["unit"]
    population, customer, outcomes, outcome, own_brand = (o["population"], o["customer"], o["outcomes"],
                                                          o["outcome"], o["own_brand"])
    theme_rows = mentions
    sections: dict[str, Any] = dict.fromkeys(PROGRAMME_KEYS)
    tables: dict[str, pd.DataFrame] = {}
    if benchmarks is not None:
        table = benchmarks if isinstance(benchmarks, pd.DataFrame) else read_benchmarks(benchmarks)
        sections["benchmarks"] = tables["benchmarks"] = compare_to_benchmarks(responses["score"], table, level=level)
    if brand is not None:
        result = compare_brands(responses, brand, mentions=theme_rows, own=own_brand, level=level)
        sections["brands"] = result
        tables.update(brands=result.brands, brand_pairs=result.pairs, brand_gap=result.gap)
    if account is not None:
        result = account_roles(responses, account, role, mentions=theme_rows, level=level)
        sections["accounts"] = result
        tables.update(accounts=result.accounts, account_roles=result.cells, account_disagreement=result.disagreement)
    if unit is not None:
        sections["league"] = tables["league"] = league_table(responses, unit, level=level)
    if population is not None:
        pop = _frame(population, "population")
        by = _population_by(pop)
        for column in by:
            _need(responses, column, "a population segment column")
        rep = representation(responses, pop, by, level=level)
        weighted = weighted_nps(responses, pop, by, level=level)
        sections["weighting"] = {"representation": rep.to_dict("records"), "weighted": weighted.to_dict()}
        tables["representation"] = rep
    # a competitor's promoters are not yours to ask for a referral or to quote
    own = responses if brand is None or own_brand is None else \
        responses[responses[brand].astype("string") == str(own_brand)]
    sections["promoters"] = tables["promoters"] = promoter_list(own, mentions=theme_rows)
    sections["testimonials"] = tables["testimonials"] = testimonial_candidates(own, sentences, theme_rows)
    if customer is not None:
        sections["customers"] = tables["customers"] = customer_view(
            responses, customer, mentions=theme_rows, date="date" if "date" in responses.columns else None)
    if outcomes is not None:
        result = relate_outcome(responses, _customer_ids(_frame(outcomes, "outcomes"), customer), customer=customer,
                                outcome=outcome, mentions=theme_rows, level=level)
        sections["outcome"] = result
        tables.update(outcome_groups=result.groups, outcome_comparisons=result.comparisons)
    # general praise and complaint (the bundled taxonomy's "praise"/"complaint") are tone, not services to cut
    topics = theme_rows[~theme_rows["theme"].astype(str).isin(GENERIC_THEMES)]
    sections["indifferent"] = tables["indifferent"] = indifferent_themes(responses, topics)
    return ProgrammeReport(sections, tables)



def write_programme(report: ProgrammeReport, outdir: Path, *, tables: bool = True, html: bool = True) -> list[Path]:
    """``programme.json``, and (``tables``) one formula-safe CSV per table and (``html``)
    ``programme_report.html`` in ``outdir``; returns the paths written."""
    outdir.mkdir(parents=True, exist_ok=True)
    files = [write_table(table, outdir / f"{name}.csv") for name, table in report.tables.items()] if tables else []
    path = outdir / "programme.json"
    path.write_text(json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    files.append(path)
    if html:
        source = getattr(report.report, "source", "") if report.report is not None else ""
        files.append(write_programme_report(report, outdir / "programme_report.html",
                                            source=Path(str(source)).name if source else "", version=VERSION))
    logger.info("programme report written to %s", outdir)
    return files
