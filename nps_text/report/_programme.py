"""The NPS programme's sections of the report: benchmarks, brands, accounts, league table, weighting,
testimonials, outcome and indifferent themes, each shown only when the programme result has it.

:func:`programme_context` turns a :class:`~nps_text.jobs.programme.ProgrammeReport` (or its ``to_dict()``,
or a ``programme.json`` read back) into what ``templates/programme.html.j2`` shows; every number is
formatted for the report's language here, every text from the survey stays a plain string for Jinja's
autoescape, and testimonials are redacted like every other quote of the report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .._core.results import Result, records
from ..errors import ParameterError
from ..plot import funnel_plot
from ..text.redact import redact as redact_text
from ._i18n import TEXT, check_lang, number, p_value, percent, t, theme_label
from ._render import _environment, _png, write_html

__all__ = ["programme_context", "render_programme", "write_programme_report"]

BRAND_GAP_THEMES = 3
ACCOUNT_ROWS = 10
TESTIMONIAL_ROWS = 10
INDIFFERENT_ROWS = 12
# the columns of a representation row that are statistics, not the segment's labels
_REPRESENTATION_STATS = {"n", "respondent_share", "population_share", "ratio", "expected", "std_residual", "flag"}
_TONES = {"above the benchmark": "pos", "above average": "pos", "below the benchmark": "neg", "below average": "neg",
          "over-represented": "neg", "under-represented": "neg", "indifferent": "pos", "matters": "strong"}


# ----------------------------------------------------------------------------- helpers
def _as_dict(programme: Any) -> dict[str, Any]:
    if isinstance(programme, Result):
        return programme.to_dict()
    if isinstance(programme, Mapping):
        return dict(programme)
    raise ParameterError(f"programme must be the result of nps_text.jobs.programme_report() or its to_dict(), got "
                         f"{type(programme).__name__}. Pass programme=programme_report(survey, unit='team', ...).")


def _word(value: Any, lang: str) -> str:
    """A verdict or flag of the programme in ``lang`` (the library words them in English)."""
    return t(value, lang) if isinstance(value, str) and value in TEXT else str(value)


def _tone(verdict: Any) -> str:
    return _TONES.get(verdict, "faint")


def _interval(low: Any, high: Any, lang: str, level: int, signed: bool = True) -> str:
    return t("interval", lang, level=level, low=number(low, lang, signed=signed),
             high=number(high, lang, signed=signed))


def _level(data: Mapping[str, Any]) -> int:
    """The programme's confidence level in percent (its sections that carry one agree)."""
    for key in ("brands", "accounts", "outcome"):
        if isinstance(data.get(key), Mapping) and data[key].get("level"):
            return round(data[key]["level"] * 100)
    weighted = (data.get("weighting") or {}).get("weighted") or {}
    return round(weighted.get("level", 0.95) * 100)


def programme_language(programme: Any) -> str:
    """"de" when most testimonial candidates are German, else "en"."""
    langs = [r.get("lang") for r in records(_as_dict(programme).get("testimonials"))]
    langs = [x for x in langs if x in ("de", "en")]
    return "de" if langs and langs.count("de") > len(langs) / 2 else "en"


# ----------------------------------------------------------------------------- sections
def _benchmarks(rows: list[dict[str, Any]], lang: str, level: int) -> list[dict[str, Any]]:
    return [{"name": r.get("name") or "–", "source": " · ".join(str(r[k]) for k in ("source", "year") if r.get(k)),
             "benchmark": number(r["benchmark_nps"], lang, signed=True), "nps": number(r["nps"], lang, signed=True),
             "difference": number(r["difference"], lang, signed=True),
             "interval": _interval(r["difference_low"], r["difference_high"], lang, level),
             "p": p_value(r.get("p_holm", r.get("p_value")), lang), "verdict": _word(r["verdict"], lang),
             "tone": _tone(r["verdict"]), "fixed": r.get("treated_as") == "fixed",
             "few": bool(r.get("n") is not None and r["n"] < 30)} for r in rows]


def _brands(data: Mapping[str, Any], lang: str, level: int) -> dict[str, Any]:
    own = data.get("own")
    brands = [{"brand": r["brand"], "own": r["brand"] == own, "rank": r.get("rank"), "n": r["n"],
               "nps": number(r["nps"], lang, signed=True), "small": bool(r.get("small_n")),
               "interval": _interval(r["ci_low"], r["ci_high"], lang, level)} for r in records(data.get("brands"))]
    pairs = {frozenset((p["brand_a"], p["brand_b"])): p for p in records(data.get("pairs"))}
    gaps: dict[tuple[str, str], dict[str, Any]] = {}
    for r in sorted(records(data.get("gap")), key=lambda r: r["rank"]):
        if not r["nps_gap"] or not r.get("explains_gap"):
            continue
        if r["nps_gap"] < 0:  # a brand behind its reference (the leader, or yours): told from the side ahead
            r = {**r, "brand": r["versus"], "versus": r["brand"], "nps_gap": -r["nps_gap"],
                 "share_brand": r["share_versus"], "share_versus": r["share_brand"],
                 "contribution": None if r.get("contribution") is None else -r["contribution"]}
        pair = pairs.get(frozenset((r["brand"], r["versus"]))) or {}
        sure = bool(pair.get("significant"))  # the lead itself, Holm-adjusted: a title must not claim more
        entry = gaps.setdefault((r["brand"], r["versus"]), {
            "brand": r["brand"], "versus": r["versus"], "themes": [],
            "title": t("brand_why" if sure else "brand_why_chance", lang, brand=r["brand"], versus=r["versus"],
                       gap=number(r["nps_gap"], lang, signed=True), p=p_value(pair.get("p_holm"), lang))})
        if len(entry["themes"]) < BRAND_GAP_THEMES:
            entry["themes"].append({"theme": theme_label(r["theme"], lang), "share_brand": percent(r["share_brand"], lang),
                                    "share_versus": percent(r["share_versus"], lang),
                                    "contribution": number(r.get("contribution"), lang, signed=True),
                                    "sure": bool((r.get("q_value_share") or 1) < 0.05)})
    return {"own": own, "rows": brands, "gaps": list(gaps.values())}


def _accounts(data: Mapping[str, Any], lang: str, level: int) -> dict[str, Any]:
    alpha = 1 - level / 100
    rows = [r for r in records(data.get("disagreement")) if r.get("spread") is not None]

    def role(name: str, nps: float, n: int) -> str:
        return f"{name} ({number(nps, lang, signed=True)}, n\u00a0=\u00a0{n})"

    def clear(r: Mapping[str, Any]) -> bool:
        return r.get("p_holm") is not None and r["p_holm"] < alpha

    shown = [{"account": r["account"], "n": r["n"], "best": role(r["best_role"], r["best_nps"], r["best_n"]),
              "worst": role(r["worst_role"], r["worst_nps"], r["worst_n"]), "spread": number(r["spread"], lang),
              "interval": _interval(r.get("spread_low"), r.get("spread_high"), lang, level, signed=False),
              "sure": clear(r), "p": p_value(r.get("p_holm"), lang), "small": bool(r.get("small_n"))}
             for r in rows[:ACCOUNT_ROWS]]
    return {"rows": shown, "n_clear": sum(clear(r) for r in rows), "n_accounts": len(rows),
            "alpha": number(alpha, lang, digits=2), "more": len(rows) - len(shown)}


def _unit_column(rows: list[dict[str, Any]]) -> str:
    return next(iter(rows[0]))  # league_table puts the unit's column first


def _league(rows: list[dict[str, Any]], lang: str, level: int) -> dict[str, Any]:
    unit = _unit_column(rows)
    shown = [{"unit": r[unit], "n": r["n"], "nps": number(r["nps"], lang, signed=True), "raw_rank": r["raw_rank"],
              "shrunken": number(r["shrunken_nps"], lang, signed=True), "rank": r["shrunken_rank"],
              "interval": _interval(r["shrunken_low"], r["shrunken_high"], lang, level),
              "distinguishable": bool(r["distinguishable"]), "verdict": _word(r["verdict"], lang),
              "tone": _tone(r["verdict"]), "small": bool(r.get("small_n"))} for r in rows]
    return {"unit": unit, "rows": shown, "chart": _funnel_png(rows, lang)}


def _weighting(data: Mapping[str, Any], lang: str, level: int) -> dict[str, Any]:
    rows = records(data.get("representation"))
    segments = [c for c in rows[0] if c not in _REPRESENTATION_STATS] if rows else []
    representation = [{"segment": " · ".join(str(r[c]) for c in segments), "n": r["n"],
                       "respondents": percent(r["respondent_share"], lang),
                       "population": percent(r["population_share"], lang), "ratio": number(r["ratio"], lang, digits=2),
                       "flag": _word(r["flag"], lang), "tone": _tone(r["flag"])}
                      for r in rows]
    w = data.get("weighted") or {}
    weighted = None
    if w:
        weighted = {"nps": number(w["nps"], lang, signed=True),
                    "interval": _interval(w["ci_low"], w["ci_high"], lang, level),
                    "weighted": number(w["weighted_nps"], lang, signed=True),
                    "weighted_interval": _interval(w["weighted_ci_low"], w["weighted_ci_high"], lang, level),
                    "ess": t("kish_ess", lang, ess=number(w["n_eff"], lang, digits=0), n=w["n"],
                             deff=number(w["design_effect"], lang, digits=2))}
    return {"segments": " · ".join(segments), "rows": representation, "weighted": weighted}


def _testimonials(data: Mapping[str, Any], lang: str, redact: bool) -> dict[str, Any]:
    def shown(text: Any) -> str:
        text = text if isinstance(text, str) else ""
        return redact_text(text) if redact else text

    rows = [{"rank": r.get("rank"), "response_id": r.get("response_id"), "score": r.get("score"),
             "theme": r.get("theme") or "", "text": shown(r.get("text"))}
            for r in records(data.get("testimonials"))[:TESTIMONIAL_ROWS]]
    promoters = data.get("promoters")
    return {"rows": rows, "promoters": t("promoter_list", lang, n=len(promoters)) if promoters is not None else None}


def _outcome(data: Mapping[str, Any], lang: str, level: int) -> dict[str, Any]:
    binary = data.get("kind") == "binary"

    def value(v: Any) -> str:
        return percent(v, lang) if binary else number(v, lang)

    groups = [{"group": t(f"group_{r['group']}", lang) if f"group_{r['group']}" in TEXT else r["group"], "n": r["n"],
               "value": value(r["rate"] if binary else r["mean"]),
               "interval": t("interval", lang, level=level, low=value(r["ci_low"]), high=value(r["ci_high"]))}
              for r in records(data.get("groups"))]
    comparisons = []
    for r in records(data.get("comparisons")):
        a, _, b = r["comparison"].partition(" vs ")
        names = [t(f"group_{g}", lang) if f"group_{g}" in TEXT else g for g in (a, b)]
        comparisons.append({"comparison": t("versus", lang, a=names[0], b=names[1]),
                            "estimate": number(r["estimate"], lang, digits=2, signed=not binary),
                            "interval": _interval(r["ci_low"], r["ci_high"], lang, level, signed=not binary),
                            "p": p_value(r.get("p_value"), lang),
                            "sure": bool(r.get("p_value") is not None and r["p_value"] < 1 - level / 100)})
    unmatched = sum((data.get("unmatched") or {}).values())
    return {"outcome": data.get("outcome"), "binary": binary, "groups": groups, "comparisons": comparisons,
            "measure": t("odds_ratio" if binary else "mean_difference", lang),
            "value_label": t("outcome_rate" if binary else "outcome_mean", lang, outcome=data.get("outcome")),
            "matched": t("outcome_matched", lang, n=data.get("n_matched", 0), unmatched=unmatched)}


def _indifferent(rows: list[dict[str, Any]], lang: str, level: int) -> dict[str, Any]:
    """The themes shown to be indifferent, then the undecided ones; those that matter are the drivers' business."""
    order = {"indifferent": 0, "inconclusive": 1}
    ranked = sorted((r for r in rows if r["verdict"] in order), key=lambda r: (order[r["verdict"]], -r["n"]))
    shown = [{"theme": theme_label(r["theme"], lang), "n": r["n"], "share": percent(r["share"], lang),
              "estimate": number(r["estimate"], lang, signed=True),
              "interval": _interval(r["ci_low"], r["ci_high"], lang, level), "verdict": _word(r["verdict"], lang),
              "tone": _tone(r["verdict"]), "small": bool(r.get("warning"))}
             for r in ranked[:INDIFFERENT_ROWS]]
    margin = rows[0].get("margin") if rows else None
    measure = rows[0].get("measure", "difference") if rows else "difference"
    return {"rows": shown, "n_indifferent": sum(r["verdict"] == "indifferent" for r in rows),
            "n_matters": sum(r["verdict"] == "matters" for r in rows),
            "intro": t("indifferent_intro", lang, margin=number(margin, lang, digits=0)),
            "effect": t("effect_difference" if measure == "difference" else "effect_impact", lang),
            "more": len(ranked) - len(shown)}


def programme_context(programme: Any, lang: str = "en", *, redact: bool = True) -> dict[str, Any]:
    """What the report's programme sections show, formatted for ``lang``; a section missing from the result is None.

    Parameters
    ----------
    programme : ProgrammeReport or dict
        :func:`nps_text.jobs.programme.programme_report`'s result, its ``to_dict()`` or ``programme.json``.
    lang : {"en", "de"}, default "en"
    redact : bool, default True
        Replace personal data in the testimonial candidates by placeholders.

    Returns
    -------
    dict
        One key per section (``benchmarks``, ``brands``, ``accounts``, ``league`` with its funnel chart as a
        ``data:`` URI, ``weighting``, ``testimonials``, ``outcome``, ``indifferent``) and ``level``.

    Examples
    --------
    >>> import pandas as pd
    >>> from nps_text.jobs.programme import programme_report
    >>> survey = pd.DataFrame({"score": [10, 9, 3, 8] * 10, "team": ["a", "b"] * 20,
    ...                        "comment": ["Super Service", "günstig", "zu teuer", "ok"] * 10})
    >>> ctx = programme_context(programme_report(survey, unit="team"), "de")
    >>> ctx["league"]["rows"][0]["verdict"], ctx["benchmarks"]
    ('über dem Durchschnitt', None)
    """
    lang = check_lang(lang)
    data = _as_dict(programme)
    level = _level(data)

    def section(key: str, make: Any) -> Any:
        value = data.get(key)
        return make(value) if value else None

    return {
        "level": level,
        "benchmarks": section("benchmarks", lambda v: _benchmarks(records(v), lang, level)),
        "brands": section("brands", lambda v: _brands(v, lang, level)),
        "accounts": section("accounts", lambda v: _accounts(v, lang, level)),
        "league": section("league", lambda v: _league(records(v), lang, level)),
        "weighting": section("weighting", lambda v: _weighting(v, lang, level)),
        "testimonials": _testimonials(data, lang, redact) if data.get("testimonials") else None,
        "outcome": section("outcome", lambda v: _outcome(v, lang, level)),
        "indifferent": section("indifferent", lambda v: _indifferent(records(v), lang, level)),
    }


# ----------------------------------------------------------------------------- the funnel chart
def _funnel_png(rows: list[dict[str, Any]], lang: str) -> str | None:
    return _png(lambda: funnel_plot(rows, lang=lang))


# ----------------------------------------------------------------------------- a page of its own
def render_programme(programme: Any, *, lang: str | None = None, redact: bool = True, source: str = "",
                     version: str = "") -> str:
    """The programme sections as a self-contained HTML page of their own (what ``nps-text programme -o`` writes).

    ``lang`` defaults to the language of most testimonial candidates; ``redact`` as in
    :func:`~nps_text.report.render_report`.
    """
    lang = check_lang(lang or programme_language(programme))
    context = {"lang": lang, "t": lambda key, **kw: t(key, lang, **kw), "redacted": redact,
               "programme": programme_context(programme, lang, redact=redact),
               "generated": t("generated", lang, version=version, date=dt.date.today().isoformat(),
                              source=source or "a DataFrame")}
    return _environment().get_template("programme_page.html.j2").render(**context)


def write_programme_report(programme: Any, path: str | Path, **options: Any) -> Path:
    """:func:`render_programme` written to ``path`` (UTF-8); returns the path."""
    return write_html(render_programme(programme, **options), path)
