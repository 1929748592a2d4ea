"""Close the loop: who to call back first, with their comment and themes, safe to open in Excel."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import ColumnError, ParameterError
from ..stats.scores import GROUPS, nps_group
from ..text.redact import redact
from .table import driver_labels, theme_table

__all__ = ["close_the_loop", "PRIORITIES"]

logger = logging.getLogger(__name__)

PRIORITIES = ("severity", "recency", "value", "score")


# the columns load_survey and prepare_text add; every other column came from the survey file
_INTERNAL = {"has_comment", "source_row", "is_empty", "is_junk", "junk_reason", "duplicate_of", "lang",
             "n_sentences", "comment_redacted"}


def _severity(responses: pd.DataFrame, mentions: pd.DataFrame, severity: Mapping[str, float] | None) -> dict[str, float]:
    """Driver → severity: given, else minus each driver's impact on NPS (drivers that cost most come first).

    Drivers are those of :func:`~nps_text.drivers.theme_table`, split by sentiment when the mentions
    carry it, so a negative price mention is as severe as "price (negative)" is costly.
    """
    if severity is not None:
        return {str(k): float(v) for k, v in severity.items()}
    if mentions.empty:
        return {}
    table = theme_table(responses, mentions)
    return dict(zip(table["theme"], (-table["impact"]).clip(lower=0).fillna(0.0)))


def close_the_loop(responses: pd.DataFrame, mentions: pd.DataFrame | None = None, *,
                   groups: Sequence[str] = ("detractor",), priority: str | Sequence[str] | None = None,
                   value: str | None = None, severity: Mapping[str, float] | None = None,
                   segments: Sequence[str] | None = None, redact_pii: bool = False,
                   include_empty: bool = True) -> pd.DataFrame:
    """The follow-up list: detractors (and optionally passives) with comment, themes, segments and date, by priority.

    Parameters
    ----------
    responses : DataFrame
        Responses with ``response_id``, ``score`` (or ``nps_group``), ``comment``, optional ``date``.
    mentions : DataFrame, optional
        Mentions table; gives each row its ``themes`` and the severity priority.
    groups : sequence of {"detractor", "passive", "promoter"}, default ("detractor",)
    priority : str or sequence of str, optional
        Default: ``("severity", "score", "recency")`` when the responses have dates, else
        ``("severity", "score")``: among responses with equally severe themes the lowest score first.
        Sort keys, first decides: ``"severity"`` (largest theme severity among the response's themes),
        ``"recency"`` (newest date first), ``"value"`` (the ``value`` column, largest first, e.g. revenue),
        ``"score"`` (lowest score first). Ties end with the lowest score, then the response id.
    value : str, optional
        Customer value column for ``priority="value"``.
    severity : mapping theme → number, optional
        Default: each theme's NPS cost, ``-impact`` from :func:`~nps_text.drivers.theme_table` (0 for themes
        that raise the NPS).
    segments : sequence of str, optional
        Segment columns to include (default: none besides those in ``priority``).
    redact_pii : bool
        Replace personal data in the comment and the other text columns with :func:`~nps_text.text.redact.redact`.
    include_empty : bool
        Keep respondents who wrote nothing (they can still be called back).

    Returns
    -------
    DataFrame
        ``rank, response_id, score, nps_group, date, <segments>, <value>, themes`` ("a; b", split by
        sentiment when the mentions carry it: "price (negative)"), ``severity, comment`` and then the
        survey's other columns (e.g. a customer number to call back; redacted too with
        ``redact_pii``); the input's index. Write it with :func:`~nps_text.io.export.write_table`,
        which neutralises formulas.

    Examples
    --------
    >>> r = pd.DataFrame({"response_id": ["a", "b", "c"], "score": [2, 9, 5], "comment": ["late", "great", "=1+1"],
    ...                   "date": pd.to_datetime(["2025-01-01", "2025-01-02", "2025-01-03"])})
    >>> m = pd.DataFrame({"response_id": ["a"], "theme": ["delivery"]})
    >>> close_the_loop(r, m, severity={"delivery": 5.0})[["rank", "response_id", "themes"]].values.tolist()
    [[1, 'a', 'delivery'], [2, 'c', '']]
    """
    if priority is None:
        dated = "date" in responses and responses["date"].notna().any()
        priority = ("severity", "score", "recency") if dated else ("severity", "score")
    keys = [priority] if isinstance(priority, str) else list(priority)
    bad = [k for k in keys if k not in PRIORITIES]
    if bad or not keys:
        raise ParameterError(f"priority must be one or more of {list(PRIORITIES)}, got {bad or keys!r}. "
                             "Pass e.g. priority=['severity', 'recency'].")
    wrong = [g for g in groups if g not in GROUPS]
    if wrong or not groups:
        raise ParameterError(f"groups must be among {GROUPS}, got {list(groups)!r}. Pass e.g. groups=['detractor', 'passive'].")
    if "value" in keys and value is None:
        raise ParameterError("priority 'value' needs the customer value column: pass value='<column>' (CLI: --value COLUMN).")
    needed = [c for c in [value, *(segments or [])] if c is not None and c not in responses.columns]
    if needed or "response_id" not in responses:
        raise ColumnError(f"Column(s) {needed or ['response_id']} not found; available columns: {list(responses.columns)}.")
    if "recency" in keys and "date" not in responses:
        raise ColumnError("priority 'recency' needs a date column; pass date='<column>' to load_survey (CLI: --date), "
                          "or choose another priority.")
    mentions = mentions if mentions is not None else pd.DataFrame(columns=["response_id", "theme"])
    group = responses["nps_group"].astype("string") if "nps_group" in responses else \
        nps_group(responses["score"]).astype("string")
    keep = group.isin(list(groups)).fillna(False)
    if not include_empty and "comment" in responses:
        keep &= responses["comment"].fillna("").astype(str).str.strip().ne("")
    out = responses.loc[keep].copy()
    if "comment_redacted" in out:  # prepare_text(redact_pii=True) ran: never show the original
        out["comment"] = out["comment_redacted"]
    ids = out["response_id"].astype(str)
    pairs = driver_labels(mentions).drop_duplicates(["response_id", "driver"]).rename(columns={"driver": "theme"})
    sev = _severity(responses, mentions, severity) if "severity" in keys else (severity or {})
    pairs["severity"] = pairs["theme"].map(sev).fillna(pairs["theme_id"].map(sev)).fillna(0.0)
    grouped = pairs.groupby("response_id")
    joined = grouped["theme"].agg(lambda t: "; ".join(sorted(t))).astype(object)
    out["themes"] = ids.map(joined).astype(object).fillna("").to_numpy()
    out["severity"] = ids.map(grouped["severity"].max()).fillna(0.0).to_numpy()
    out["nps_group"] = group[keep].to_numpy()
    extra = [c for c in responses.columns if c not in _INTERNAL and c not in
             {"response_id", "score", "nps_group", "date", "comment", value, *(segments or [])}]
    if redact_pii:
        for column in ["comment", *extra]:
            if column in out and (out[column].dtype == object or pd.api.types.is_string_dtype(out[column])):
                out[column] = out[column].map(lambda v: redact(v) if isinstance(v, str) else v)
    sort_cols, ascending = [], []
    for key in keys:
        column = {"severity": "severity", "recency": "date", "value": value, "score": "score"}[key]
        sort_cols.append(column)
        ascending.append(key == "score")
    sort_cols += ["score", "response_id"]
    ascending += [True, True]
    out = out.sort_values(sort_cols, ascending=ascending, kind="stable", na_position="last")
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    columns = ["rank", "response_id", "score", "nps_group", *(["date"] if "date" in out else []),
               *[c for c in segments or [] if c not in ("date",)], *([value] if value else []),
               "themes", "severity", *(["comment"] if "comment" in out else []), *extra]
    logger.info("close the loop: %d of %d responses (%s)", len(out), len(responses), ", ".join(groups))
    return out[list(dict.fromkeys(columns))]
