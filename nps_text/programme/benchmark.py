"""Own NPS against published benchmarks: the difference, its interval, a p-value and a plain verdict.

A benchmark is a **sample** when its size ``n`` or its interval is known (its sampling error adds to
ours) and a **fixed** number otherwise (only our own sampling error counts: too confident if it came
from a survey too). :func:`compare_to_benchmark` says which (``treated_as``) and how the benchmark's
standard error was found (``basis``); :func:`read_benchmarks` reads a table of benchmarks (German
ones too) and :func:`compare_to_benchmarks` compares with each, Holm-adjusted.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from .._core.results import Result, format_p, to_jsonable
from .._core.stats import clip_interval, is_num, nps_stats, z_value
from ..errors import ColumnError, ParameterError
from ..io import normalise_header, read_table
from ..stats import nps_group

__all__ = ["BenchmarkComparison", "compare_to_benchmark", "compare_to_benchmarks", "read_benchmarks",
           "holm_pvalues", "VERDICTS", "BENCHMARK_COLUMNS"]

VERDICTS = ("above the benchmark", "below the benchmark", "not distinguishable from the benchmark")
BENCHMARK_COLUMNS = ["name", "nps", "n", "ci_low", "ci_high", "source", "year"]
# canonical column -> normalised headers (English and German) that name it
_HEADERS = {
    "name": {"name", "benchmark", "bezeichnung", "vergleich", "vergleichswert", "wettbewerber", "competitor",
             "brand", "marke", "branche", "industry", "label"},
    "nps": {"nps", "npswert", "netpromoterscore", "score", "wert", "value"},
    "n": {"n", "samplesize", "sample", "stichprobe", "stichprobengrosse", "stichprobenumfang", "anzahl", "fallzahl",
          "befragte", "respondents", "responses"},
    "ci_low": {"cilow", "cilower", "lower", "lowerci", "low", "untergrenze", "kiuntergrenze", "kiunten", "von"},
    "ci_high": {"cihigh", "ciupper", "upper", "upperci", "high", "obergrenze", "kiobergrenze", "kioben", "bis"},
    "source": {"source", "quelle", "herkunft", "publisher", "herausgeber"},
    "year": {"year", "jahr", "erhebungsjahr"},
}
_THOUSANDS = re.compile(r"^\d{1,3}([.,'\u00a0 ]\d{3})+$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d*,\d+$")
_MIN_N = 30
_TABLE_COLUMNS = ["name", "source", "year", "benchmark_nps", "benchmark_n", "benchmark_ci_low", "benchmark_ci_high",
                  "treated_as", "basis", "n", "nps", "difference", "se", "difference_low", "difference_high", "z",
                  "p_value", "warning"]


def holm_pvalues(p_values: Any) -> np.ndarray:
    """Holm-adjusted p-values (family-wise error rate); NaN stays NaN and is not counted.

    Examples
    --------
    >>> holm_pvalues([0.01, 0.04, 0.03, float("nan")]).round(3).tolist()
    [0.03, 0.06, 0.06, nan]
    """
    from statsmodels.stats.multitest import multipletests  # statsmodels loads slowly: only when adjusting

    p = np.asarray(p_values, dtype="float64").ravel()
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    if ok.any():
        out[ok] = multipletests(p[ok], method="holm")[1]
    return out


@dataclass(frozen=True)
class BenchmarkComparison(Result):
    """Own NPS against one benchmark (:func:`compare_to_benchmark`); NPS values and differences in points.

    ``to_dict()`` is the fields (NaN as None), ``to_frame()`` one row, ``summary()`` one sentence.
    """

    name: str | None
    n: int
    nps: float
    ci_low: float
    ci_high: float
    benchmark_nps: float
    benchmark_n: int | None
    benchmark_se: float
    treated_as: str
    basis: str
    difference: float
    se: float
    difference_low: float
    difference_high: float
    z: float
    p_value: float
    verdict: str
    level: float
    warning: str | None

    def to_dict(self) -> dict[str, Any]:
        """The fields as a JSON-safe dict (NaN as None)."""
        return to_jsonable(asdict(self))

    def to_frame(self) -> pd.DataFrame:
        """One row with the fields as columns."""
        return pd.DataFrame([asdict(self)])

    def summary(self) -> str:
        """One sentence: the verdict, the difference, its interval and p-value (plus the warning)."""
        label = f"benchmark {self.name!r}" if self.name else "the benchmark"
        kind = f"a sample ({self.basis})" if self.treated_as == "sample" else "a fixed number"
        line = (f"NPS {self.nps:.1f} vs {label} {self.benchmark_nps:.1f} (treated as {kind}): {self.verdict}, "
                f"difference {self.difference:.1f} ({round(self.level * 100)}% interval {self.difference_low:.1f} to "
                f"{self.difference_high:.1f}, p {format_p(self.p_value)}).")
        return "\n".join(x for x in (line, self.warning) if x)


# ----------------------------------------------------------------------------- validation
def _check_benchmark_nps(value: Any) -> float:
    if not is_num(value) or not -100 <= value <= 100:
        raise ParameterError(f"benchmark_nps must be an NPS in points between -100 and 100, got {value!r}. "
                             "Pass e.g. benchmark_nps=31 for a published NPS of +31 (not 0.31).")
    return float(value)


def _check_n(value: Any) -> int | None:
    if value is not None and (not is_num(value) or value <= 0 or value != int(value)):
        raise ParameterError(f"benchmark_n must be a positive whole number of respondents, got {value!r}. "
                             "Pass the benchmark's sample size, or benchmark_n=None to treat it as a fixed number.")
    return None if value is None else int(value)


def _check_interval(interval: Any, nps: float) -> tuple[float, float] | None:
    if interval is None:
        return None
    ok = isinstance(interval, (tuple, list, np.ndarray, pd.Series)) and len(interval) == 2 \
        and all(is_num(v) for v in interval)
    if not ok or not -100 <= interval[0] < interval[1] <= 100 or not interval[0] <= nps <= interval[1]:
        raise ParameterError(f"benchmark_interval must be (low, high) in NPS points with low < high, both within "
                             f"-100..100 and holding benchmark_nps={nps:g}; got {interval!r}. Pass e.g. "
                             "benchmark_interval=(27.5, 34.5), or None.")
    return float(interval[0]), float(interval[1])


def _check_passives(value: Any, nps: float) -> float:
    top = 1 - abs(nps) / 100
    if not is_num(value) or not 0 <= value <= top:
        raise ParameterError(f"benchmark_passives must be the assumed passive share of the benchmark, between 0 and "
                             f"{top:g} for an NPS of {nps:g}, got {value!r}. Pass benchmark_passives=0 (conservative) "
                             "or e.g. 0.3.")
    return float(value)


def _counts(scores: Any, scale: str) -> tuple[int, int, int]:
    groups = nps_group(scores, scale=scale)
    counts = groups.value_counts()
    return int(counts["promoter"]), int(counts["passive"]), int(counts["detractor"])


# ----------------------------------------------------------------------------- one benchmark
def _benchmark_se(nps_b: float, n_b: int | None, interval: tuple[float, float] | None, passives: float,
                  benchmark_level: float) -> tuple[float, str]:
    if interval is not None:
        return (interval[1] - interval[0]) / (2 * z_value(benchmark_level)), "interval"
    if n_b is not None:
        return 100 * math.sqrt(max(1 - passives - (nps_b / 100) ** 2, 0.0) / n_b), "n"
    return 0.0, "fixed"


def _warning(n: int, basis: str) -> str | None:
    notes = ["No responses: the NPS cannot be compared" if n == 0 else
             f"Only {n} response{'s' if n != 1 else ''}: the comparison is indicative only" if n < _MIN_N else "",
             "the benchmark is treated as a fixed number (no n or interval given): if it came from a survey, its "
             "own sampling error is ignored and the comparison is too confident" if basis == "fixed" else ""]
    text = "; ".join(x for x in notes if x)
    return text[0].upper() + text[1:] + "." if text else None


def _compare(counts: tuple[int, int, int], nps_b: float, n_b: int | None, interval: tuple[float, float] | None,
             *, level: float, benchmark_level: float, passives: float, name: str | None) -> BenchmarkComparison:
    z = z_value(level)
    s = {k: float(v) for k, v in nps_stats(*counts, z).items()}
    se_b, basis = _benchmark_se(nps_b, n_b, interval, passives, benchmark_level)
    se = math.sqrt(s["se_adj"] ** 2 + se_b ** 2) if sum(counts) else math.nan
    shift = s["center"] - nps_b
    difference = s["nps"] - nps_b
    low, high = (float(v) for v in clip_interval(difference, shift - z * se, shift + z * se, "difference"))
    stat = shift / se if se > 0 else math.nan
    p_value = float(2 * norm.sf(abs(stat))) if not math.isnan(stat) else math.nan
    verdict = VERDICTS[0] if low > 0 else VERDICTS[1] if high < 0 else VERDICTS[2]  # NaN: not distinguishable
    return BenchmarkComparison(
        name=name, n=int(sum(counts)), nps=s["nps"], ci_low=s["ci_low"], ci_high=s["ci_high"], benchmark_nps=nps_b,
        benchmark_n=n_b, benchmark_se=se_b, treated_as="fixed" if basis == "fixed" else "sample", basis=basis,
        difference=difference, se=se, difference_low=low, difference_high=high, z=stat, p_value=p_value,
        verdict=verdict, level=float(level), warning=_warning(int(sum(counts)), basis))


def compare_to_benchmark(scores: Any, benchmark_nps: float, benchmark_n: int | None = None, *, level: float = 0.95,
                         benchmark_interval: tuple[float, float] | None = None, name: str | None = None,
                         benchmark_level: float = 0.95, benchmark_passives: float = 0.0,
                         scale: str = "0-10") -> BenchmarkComparison:
    """Compare the NPS of ``scores`` with a benchmark NPS: difference, interval, p-value, verdict.

    The benchmark's SE ``se_b`` comes from ``benchmark_interval`` (``basis="interval"``: ``(high -
    low) / (2 z_b)``, ``z_b`` of ``benchmark_level``), else from ``benchmark_n`` (``"n"``: ``100 sqrt((1 -
    a - (NPS_b / 100)^2) / n)``: its shares are unknown, and with an assumed passive share ``a`` they
    follow from its NPS; ``a = 0`` gives the largest variance any survey with that NPS can have), else
    it is 0 (``"fixed"``). Our own NPS has the adjusted-Wald centre ``c`` and SE ``se'`` of Rocks (2016),
    as in :func:`nps_text.stats.compare_nps`. ``difference = NPS - NPS_b``, its interval ``(c - NPS_b) ±
    z sqrt(se'^2 + se_b^2)`` (clipped to -200..200, holding ``difference``), ``p_value`` the two-sided
    z-test of the same, so the ``verdict`` ("above the benchmark" / "below the benchmark" when the
    interval excludes 0, else "not distinguishable from the benchmark") agrees with ``p_value < 1 - level``.

    Parameters
    ----------
    scores : Series, array or list of int
        The survey's scores; missing ones are left out of ``n``.
    benchmark_nps : float
        The benchmark in points (-100..100).
    benchmark_n : int, optional
        The benchmark's sample size: it is then an independent sample.
    level : float, default 0.95
        Confidence level of the difference's interval.
    benchmark_interval : (float, float), optional
        The benchmark's published interval (points); used instead of ``benchmark_n`` when both are
        given (it knows the real shares).
    name : str, optional
        A label carried into the result.
    benchmark_level : float, default 0.95
        Confidence level of ``benchmark_interval``.
    benchmark_passives : float, default 0.0
        Assumed passive share ``a`` of a benchmark known only by ``benchmark_n``; 0 is conservative.
    scale : {"0-10", "1-10"}, default "0-10"
        The answer scale of ``scores`` (see :func:`nps_text.stats.nps_group`).

    Returns
    -------
    BenchmarkComparison
        ``name, n, nps, ci_low, ci_high`` (own), ``benchmark_nps, benchmark_n, benchmark_se, treated_as``
        ("sample" / "fixed"), ``basis`` ("interval" / "n" / "fixed"), ``difference, se, difference_low,
        difference_high, z, p_value, verdict, level, warning``.

    Examples
    --------
    >>> scores = [10] * 50 + [8] * 40 + [3] * 10  # NPS 40 from 100 responses
    >>> r = compare_to_benchmark(scores, 30)
    >>> r.difference, r.treated_as, round(r.p_value, 3), r.verdict
    (10.0, 'fixed', 0.18, 'not distinguishable from the benchmark')
    >>> compare_to_benchmark(scores, 20, 400).verdict
    'above the benchmark'
    """
    z_value(level), z_value(benchmark_level)
    nps_b = _check_benchmark_nps(benchmark_nps)
    n_b, interval = _check_n(benchmark_n), _check_interval(benchmark_interval, nps_b)
    passives = _check_passives(benchmark_passives, nps_b)
    return _compare(_counts(scores, scale), nps_b, n_b, interval, level=level, benchmark_level=benchmark_level,
                    passives=passives, name=name)


# ----------------------------------------------------------------------------- benchmark tables
def _number(text: Any, *, whole: bool = False) -> float | None:
    """A number typed by a person ("31,5", "−12", "1.200" as a whole number); None when empty; NaN when unreadable."""
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return None
    value = str(text).strip().replace("\u2212", "-").replace("\u00a0", " ")
    if not value:
        return None
    if whole and _THOUSANDS.match(value):
        value = re.sub(r"[.,' ]", "", value)
    elif _DECIMAL_COMMA.match(value):
        value = value.replace(",", ".")
    try:
        return float(value)
    except ValueError:
        return math.nan


def _map_headers(columns: list[str], where: str) -> dict[str, str]:
    found: dict[str, list[str]] = {}
    for column in columns:
        for role, names in _HEADERS.items():
            if normalise_header(column) in names:
                found.setdefault(role, []).append(column)
    for role, cols in found.items():
        if len(cols) > 1:
                raise ColumnError(f"{where}: more than one column could be the {role!r} column: {cols}. Rename all "
                              "but one of them.")
    missing = [role for role in ("name", "nps") if role not in found]
    if missing:
        raise ColumnError(f"{where} lacks the column(s) {missing}; its columns: {columns}. A benchmark table "
                          "needs name and nps (German: Name, NPS), optionally n (Stichprobe), ci_low/ci_high "
                          "(Untergrenze/Obergrenze), source (Quelle) and year (Jahr).")
    return {role: cols[0] for role, cols in found.items()}


def _text(value: Any) -> str | None:
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) or not str(value).strip() \
        else str(value).strip()


def _row_problems(row: dict[str, Any], raw: dict[str, Any], line: int) -> list[str]:
    nps, n, low, high, year = (row[k] for k in ("nps", "n", "ci_low", "ci_high", "year"))
    bad_nps = nps is None or math.isnan(nps) or not -100 <= nps <= 100
    checks = [
        (row["name"] is None, "the name is empty"),
        (bad_nps, f"nps {raw['nps']!r} is not an NPS in points between -100 and 100"),
        (n is not None and (math.isnan(n) or n <= 0 or n != int(n)), f"n {raw['n']!r} is not a positive whole number"),
        ((low is None) != (high is None), "give both ci_low and ci_high, or neither"),
        (low is not None and high is not None and not (-100 <= low < high <= 100 and (bad_nps or low <= nps <= high)),
         f"the interval {(raw['ci_low'], raw['ci_high'])!r} must hold the nps, low < high, within -100..100"),
        (year is not None and (math.isnan(year) or year != int(year)), f"year {raw['year']!r} is not a whole number"),
    ]
    return [f"row {line}: {message}" for failed, message in checks if failed]


def _clean_table(raw: pd.DataFrame, *, where: str, first_line: int) -> pd.DataFrame:
    if len(raw) == 0:
        raise ParameterError(f"{where} holds no benchmarks (no rows under the header). Add one row per benchmark.")
    roles = _map_headers([str(c) for c in raw.columns], where)
    rows, problems = [], []
    for i in range(len(raw)):
        cells = {role: raw[roles[role]].iloc[i] if role in roles else None for role in BENCHMARK_COLUMNS}
        row = {"name": _text(cells["name"]), "source": _text(cells["source"]),
               **{k: _number(cells[k], whole=k in ("n", "year")) for k in ("nps", "n", "ci_low", "ci_high", "year")}}
        problems += _row_problems(row, cells, first_line + i)
        rows.append(row)
    names = pd.Series([r["name"] for r in rows]).dropna()
    if names.duplicated().any():
        problems.append(f"the name(s) {names[names.duplicated()].unique().tolist()} appear more than once")
    if problems:
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise ParameterError(f"{where}: " + "; ".join(problems[:5]) + more + ". Correct the table and read it again.")
    out = pd.DataFrame(rows, columns=BENCHMARK_COLUMNS).astype(
        {"nps": "float64", "ci_low": "float64", "ci_high": "float64", "n": "Int64", "year": "Int64"})
    for column in [c for c in raw.columns if c not in roles.values() and c not in BENCHMARK_COLUMNS]:
        out[column] = raw[column].to_numpy()
    return out


def read_benchmarks(path: str | Path, *, sheet: str | int | None = None) -> pd.DataFrame:
    """Read and check a benchmark table (CSV, XLSX, ...): one row per published NPS.

    Delimited files are read like survey exports (:func:`nps_text.io.read_table`): encoding
    (UTF-8 or cp1252) and delimiter (``,`` or ``;``) are detected, and German headers and numbers
    ("31,5", "1.200") are understood.

    Parameters
    ----------
    path : str or Path
        The file. Columns (case, umlauts and punctuation ignored): ``name`` (Name, Bezeichnung,
        Wettbewerber, Marke, Branche) and ``nps`` (NPS, NPS-Wert) are required; ``n`` (Stichprobe,
        Anzahl, Befragte), ``ci_low``/``ci_high`` (Untergrenze/Obergrenze), ``source`` (Quelle) and
        ``year`` (Jahr) are optional. Other columns are kept after these.
    sheet : str or int, optional
        The sheet of a workbook.

    Returns
    -------
    DataFrame
        :data:`BENCHMARK_COLUMNS` (``name, nps, n, ci_low, ci_high, source, year``; absent ones empty),
        one row per benchmark in file order; ``n`` and ``year`` are nullable integers.

    Raises
    ------
    ColumnError
        When ``name`` or ``nps`` is missing or a role matches two columns.
    ParameterError
        When a value is unreadable or out of range; the message names the row (as a spreadsheet
        numbers it) and the value, listing up to five problems at once.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "benchmarks.csv")
    >>> text = "Name;NPS;Stichprobe;Quelle;Jahr\\nBranche;31,5;1.200;Studie;2024\\n"
    >>> _ = open(path, "w", encoding="cp1252").write(text)
    >>> read_benchmarks(path)[["name", "nps", "n", "source", "year"]].values.tolist()
    [['Branche', 31.5, 1200, 'Studie', 2024]]
    """
    table = read_table(path) if sheet is None else read_table(path, sheet=sheet)
    return _clean_table(table.frame, where=f"Benchmark table '{Path(path).name}'", first_line=table.header_rows + 1)


def compare_to_benchmarks(scores: Any, table: pd.DataFrame | str | Path, *, level: float = 0.95,
                          benchmark_level: float = 0.95, benchmark_passives: float = 0.0,
                          scale: str = "0-10") -> pd.DataFrame:
    """Compare the NPS of ``scores`` with every benchmark of a table, Holm-adjusted across them.

    Each row is :func:`compare_to_benchmark` with the row's ``ci_low``/``ci_high`` as the interval
    when given, else its ``n``, else a fixed number. Because several benchmarks are tested at once,
    ``p_holm`` is the Holm-adjusted p-value and the ``verdict`` says "above" or "below" only where
    ``p_holm < 1 - level``; the interval is the unadjusted one.

    Parameters
    ----------
    scores : Series, array or list of int
        The survey's scores.
    table : DataFrame or path
        A table like :func:`read_benchmarks` returns (its headers and values are checked the same
        way), or the path of such a file.
    level, benchmark_level, benchmark_passives, scale
        As in :func:`compare_to_benchmark`.

    Returns
    -------
    DataFrame
        One row per benchmark in table order: ``name, source, year, benchmark_nps, benchmark_n,
        benchmark_ci_low, benchmark_ci_high, treated_as, basis, n, nps, difference, se,
        difference_low, difference_high, z, p_value, p_holm, verdict, warning``.

    Examples
    --------
    >>> table = pd.DataFrame({"name": ["Branche", "Wettbewerber A"], "nps": [20.0, 38.0], "n": [500, None]})
    >>> out = compare_to_benchmarks([10] * 50 + [8] * 40 + [3] * 10, table)
    >>> out[["name", "treated_as", "difference", "verdict"]].values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['Branche', 'sample', 20.0, 'above the benchmark'],
     ['Wettbewerber A', 'fixed', 2.0, 'not distinguishable from the benchmark']]
    """
    z_value(level), z_value(benchmark_level)
    if isinstance(table, (str, Path)):
        table = read_benchmarks(table)
    elif isinstance(table, pd.DataFrame):
        table = _clean_table(table.astype(object), where="The benchmark table", first_line=1)
    else:
        raise ParameterError(f"table must be a DataFrame of benchmarks or the path of a benchmark file, got "
                             f"{type(table).__name__}. Pass read_benchmarks('benchmarks.csv') or the path.")
    counts = _counts(scores, scale)
    rows = []
    for row in table.itertuples(index=False):
        interval = (row.ci_low, row.ci_high) if not pd.isna(row.ci_low) else None
        n_b = None if pd.isna(row.n) else int(row.n)
        r = asdict(_compare(counts, float(row.nps), n_b, interval, level=level, benchmark_level=benchmark_level,
                            passives=_check_passives(benchmark_passives, float(row.nps)), name=row.name))
        rows.append({**r, "source": row.source, "year": row.year, "benchmark_ci_low": row.ci_low,
                     "benchmark_ci_high": row.ci_high})
    out = pd.DataFrame(rows, columns=_TABLE_COLUMNS).astype({"benchmark_n": "Int64", "year": "Int64"})
    out.insert(out.columns.get_loc("p_value") + 1, "p_holm", holm_pvalues(out["p_value"]))
    significant = (out["p_holm"] < 1 - level).to_numpy()
    verdict = np.where(significant & (out["difference_low"] > 0), VERDICTS[0],
                       np.where(significant & (out["difference_high"] < 0), VERDICTS[1], VERDICTS[2]))
    out.insert(out.columns.get_loc("p_holm") + 1, "verdict", verdict.astype(object))
    return out
