"""Gather what the report shows from an analysis, and render it with the Jinja2 template.

Everything a customer wrote is untrusted: the template autoescapes every value, no value is ever
marked safe, the charts are PNG images inlined as ``data:`` URIs, and a Content-Security-Policy
forbids scripts and every request, so even a comment that slipped through could run nothing and
fetch nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .. import plot
from ..drivers.views import driver_views
from ..stats.scores import nps_from_counts
from ..text.redact import redact as redact_text
from ._i18n import TEXT, check_lang, number, p_value, percent, t, theme_label
from ._programme import programme_context
from ._render import _environment, _png, write_html

TOP_DRIVERS = 6
VIEW_ROWS = 5
FOLLOWUP_ROWS = 15
MAX_HEATMAPS = 3


@dataclass
class ReportInput:
    """What the report is made of: an analysis's JSON summary, its tables, and the data behind them.

    ``programme`` adds the NPS programme's sections (benchmarks, brands, accounts, league table, ...).
    ``mentions`` are the mentions the drivers were computed from (their ``theme`` as in the driver
    table) and ``sentiment_split`` how the drivers were split by sentiment (None: by the mentions'
    sentiment when they have one; False: not at all), so the quotes match the drivers.
    """

    data: Mapping[str, Any]
    tables: Mapping[str, pd.DataFrame]
    responses: pd.DataFrame
    mentions: pd.DataFrame | None = None
    sentiment_split: bool | None = None
    source: str = ""
    version: str = ""
    tables_written: bool = False  # the tables are CSV files beside the report (analyze), so it may point to them
    programme: Any = None  # a ProgrammeReport (nps_text.jobs.programme_report) or its to_dict(): its sections


def survey_language(responses: pd.DataFrame) -> str:
    """"de" when most comments with a detected language are German, else "en"."""
    langs = responses["lang"] if "lang" in responses else pd.Series(dtype="string")
    langs = langs[langs.isin(["de", "en"])]
    return "de" if len(langs) and (langs == "de").mean() > 0.5 else "en"


def _records(frame: pd.DataFrame | None) -> list[dict[str, Any]]:
    return [] if frame is None or frame.empty else frame.to_dict(orient="records")


def _headline(data: Mapping[str, Any], lang: str) -> dict[str, Any]:
    level = round(data["level"] * 100)
    periods = [p for p in data.get("periods") or [] if p.get("n")]
    change = None
    if len(periods) >= 2 and periods[-1].get("change") is not None:
        last = periods[-1]
        change = t("change", lang, period=last["period"], nps=number(last["nps"], lang, signed=True),
                   change=number(last["change"], lang, signed=True), previous=periods[-2]["period"],
                   verdict=t("significant" if last.get("change_significant") else "not_significant", lang),
                   p=p_value(last.get("change_p_value"), lang))
    target = None
    if data.get("target"):
        tp = data["target"]
        target = t("target", lang, target=number(tp["target"], lang), status=t(tp["status"], lang),
                   gap=number(tp["gap"], lang, signed=True), p=p_value(tp["p_value"], lang))
    return {
        "nps": number(data["nps"], lang, signed=True),
        "interval": t("interval", lang, level=level, low=number(data["ci_low"], lang), high=number(data["ci_high"], lang)),
        "responses": t("responses", lang, n=data["n"]),
        "groups": t("groups", lang, p=data["promoters"], a=data["passives"], d=data["detractors"]),
        # the NPS above is over the whole file: labelled with its first and last period, not the latest one
        "period": (periods[0]["period"] if len(periods) == 1 else f"{periods[0]['period']} – {periods[-1]['period']}")
        if periods else None,
        "change": change, "target": target, "warning": _small_sample(data, lang),
        "rejected": t("rejected", lang, n=data["rejected"]) if data.get("rejected") else None,
    }


def _small_sample(data: Mapping[str, Any], lang: str) -> str | None:
    """The NPS's small-sample warning in the report's language (the statistics word it in English)."""
    if not data.get("warning"):
        return None
    if not data.get("n"):
        return t("warn_none", lang)
    return t("warn_small", lang, n=data["n"], moe=number(data["margin_of_error"], lang, digits=0))


def _quotes(given: ReportInput, redact: bool) -> dict[str, list[str]]:
    """Up to three quotes per driver: from detractors for a driver that costs NPS, promoters for one that earns it."""
    if given.mentions is None or given.mentions.empty or "comment" not in given.responses:
        return {}
    views = driver_views(given.responses, given.mentions, sentiment=given.sentiment_split, n_quotes=3,
                         redact_pii=redact)
    quotes = {}
    for view in ("pain_points", "strengths", "opportunities"):
        for row in _records(views[view]):
            quotes.setdefault((view, row["theme"]), row["quotes"])
    return quotes


def _quotes_for(quotes: dict, theme: str, view: str) -> list[str]:
    """The quotes of ``theme`` in ``view``, else in whichever view has some."""
    found = quotes.get((view, theme))
    if not found:
        found = next((q for (v, th), q in quotes.items() if th == theme and q), [])
    return found


def _drivers(given: ReportInput, lang: str, quotes: dict, fdr: float) -> dict[str, list[dict[str, Any]]]:
    from ..discover import KIND_NOTES  # the note a mixed discovered theme's driver carries (analyze's _warn_mixed)

    table = given.tables.get("drivers")
    if table is None or table.empty:
        return {"cost": [], "earn": []}
    level = round(given.data["level"] * 100)

    def row(r: dict[str, Any], view: str) -> dict[str, Any]:
        clear = bool(r.get("significant"))
        return {"theme": theme_label(r["theme"], lang), "share": percent(r["share"], lang), "n": int(r["n"]),
                "impact": number(r["impact"], lang, signed=True),
                "interval": t("interval", lang, level=level, low=number(r["impact_low"], lang, signed=True),
                              high=number(r["impact_high"], lang, signed=True)),
                "clear": clear, "certainty": t("sure" if clear else "unsure", lang, q=p_value(r.get("q_value"), lang)),
                "small": bool(r["n"] < 30), "quotes": _quotes_for(quotes, r["theme"], view)[:3],
                "mixed": KIND_NOTES["mixed"] in str(r.get("warning") or "")}

    ranked = table.dropna(subset=["impact"])
    cost = ranked[ranked["impact"] < 0].sort_values("impact").head(TOP_DRIVERS)
    earn = ranked[ranked["impact"] > 0].sort_values("impact", ascending=False).head(TOP_DRIVERS)
    return {"cost": [row(r, "pain_points") for r in _records(cost)],
            "earn": [row(r, "strengths") for r in _records(earn)]}


def _views(given: ReportInput, lang: str, quotes: dict) -> list[dict[str, Any]]:
    out = []
    for view in ("strengths", "opportunities", "pain_points"):
        table = given.tables.get(view)
        if table is not None and {"share_in_group", "share_in_others"} <= set(table.columns):
            # the section says what this group mentions more than the others: a theme it mentions less is no answer
            table = table[table["share_in_group"] > table["share_in_others"]]
        if table is None or table.empty:
            continue
        rows = [{"theme": theme_label(r["theme"], lang), "share": percent(r["share_in_group"], lang),
                 "others": percent(r["share_in_others"], lang), "over": bool(r["over_represented"]),
                 "quotes": quotes.get((view, r["theme"]), [])[:2]} for r in _records(table.head(VIEW_ROWS))]
        out.append({"title": t(view, lang), "rows": rows,
                    "more": t("more" if given.tables_written else "more_not_shown", lang, n=len(table) - VIEW_ROWS,
                              file=f"{view}.csv") if len(table) > VIEW_ROWS else None})
    return out


def _fix_first(given: ReportInput, lang: str) -> list[dict[str, Any]]:
    table = given.tables.get("what_if")
    if table is None or table.empty:
        return []
    level = round(given.data["level"] * 100)
    best = table.dropna(subset=["change"]).sort_values("change", ascending=False).head(3)
    return [{"theme": theme_label(r["theme"], lang), "text": t("expected", lang, nps=number(r["nps"], lang), expected=number(r["expected_nps"], lang),
                                             change=number(r["change"], lang, signed=True), level=level,
                                             low=number(r["change_low"], lang, signed=True),
                                             high=number(r["change_high"], lang, signed=True))}
            for r in _records(best) if r["change"] > 0]


def _followup(given: ReportInput, redact: bool) -> list[dict[str, Any]]:
    table = given.tables.get("followup")
    if table is None or table.empty:
        return []
    rows = []
    for r in _records(table.head(FOLLOWUP_ROWS)):
        comment = r.get("comment") if isinstance(r.get("comment"), str) else ""
        rows.append({"rank": r.get("rank"), "response_id": r.get("response_id"), "score": r.get("score"),
                     "themes": r.get("themes") if isinstance(r.get("themes"), str) else "",
                     "comment": redact_text(comment) if redact else comment})
    return rows


def _charts(given: ReportInput, lang: str) -> dict[str, str | None]:
    data, tables = given.data, given.tables
    level = data["level"]
    periods = tables.get("nps_by_period")
    segments = tables.get("nps_by_segment")
    drivers = tables.get("drivers")
    has_drivers = drivers is not None and not drivers.empty
    by_segment, by_period = tables.get("drivers_by_segment"), tables.get("drivers_by_period")
    target = (data.get("target") or {}).get("target")
    overall = nps_from_counts(data["promoters"], data["passives"], data["detractors"], level=level)
    return {
        "scores": _png(lambda: plot.score_distribution(given.responses, level=level, lang=lang)),
        "trend": _png(lambda: plot.nps_trend(periods, target, level=level, lang=lang))
        if periods is not None and len(periods) >= 2 else None,
        "segments": _png(lambda: plot.segment_forest(segments, overall, level=level, lang=lang))
        if segments is not None and len(segments) else None,
        "impact": _png(lambda: plot.driver_impact(drivers, max_themes=12, lang=lang)) if has_drivers else None,
        "matrix": _png(lambda: plot.priority_matrix(drivers, lang=lang)) if has_drivers else None,
        "waterfall": _png(lambda: plot.impact_waterfall(drivers, lang=lang)) if has_drivers else None,
        "heatmaps": [] if by_segment is None or by_segment.empty else
        [chart for column in by_segment["column"].unique()[:MAX_HEATMAPS]
         if (chart := _png(lambda c=column: plot.theme_segment_heatmap(by_segment, column=c, max_themes=15, lang=lang)))],
        "theme_trend": _png(lambda: plot.theme_trend(by_period, lang=lang))
        if by_period is not None and len(by_period) else None,
    }


def _how_themes(data: Mapping[str, Any], lang: str) -> str | None:
    if data.get("themes"):
        tagger = data["themes"]["tagger"]
        return t("how_themes", lang, how=t("how_tagged", lang, tagger=t(tagger, lang) if tagger in TEXT else tagger))
    discovered = data.get("discovered_themes") or {}
    if discovered.get("themes") and "n_guided_top_themes" in discovered:  # guided discovery: named by its guide
        return t("how_themes", lang, how=t("how_guided", lang, n_new=len(discovered.get("unguided_top_themes", []))))
    if discovered.get("themes"):
        return t("how_themes", lang, how=t("how_discovered", lang))
    return None


def render_report(given: ReportInput, *, lang: str | None = None, redact: bool = True, fdr: float = 0.05,
                  programme: Any = None) -> str:
    """The report as one self-contained HTML page (charts and CSS inlined, no script, no request).

    Parameters
    ----------
    given : ReportInput
        The analysis (``nps_text.jobs.report_input(result)`` makes one from an ``AnalysisResult``).
    lang : {"en", "de"}, optional
        Default: the language of most comments.
    redact : bool, default True
        Replace personal data in every quote and comment by placeholders (the report is made to be
        passed on); ``False`` shows the comments as written and says so in the report.
    fdr : float, default 0.05
        The false discovery rate the report's "clear" refers to.
    programme : ProgrammeReport or dict, optional
        :func:`nps_text.jobs.programme.programme_report`'s result (or its ``to_dict()``): adds a section for
        each of its parts that is present. Default: ``given.programme``.

    Examples
    --------
    >>> from nps_text import analyze
    >>> from nps_text.jobs import report_input
    >>> from nps_text.jobs.programme import programme_report
    >>> survey = pd.DataFrame({"score": [10, 9, 3, 8] * 10, "team": ["a", "b"] * 20,
    ...                        "comment": ["Super Service", "günstig", "zu teuer", "ok"] * 10})
    >>> html = render_report(report_input(analyze(survey)), lang="en", programme=programme_report(survey, unit="team"))
    >>> 'id="programme-league"' in html
    True
    """
    lang = check_lang(lang or survey_language(given.responses))
    quotes = _quotes(given, redact)
    data = given.data
    programme = given.programme if programme is None else programme
    context = {
        "lang": lang, "t": lambda key, **kw: t(key, lang, **kw),
        "headline": _headline(data, lang), "charts": _charts(given, lang),
        "drivers": _drivers(given, lang, quotes, fdr), "views": _views(given, lang, quotes),
        "fix_first": _fix_first(given, lang), "followup": _followup(given, redact), "redacted": redact,
        "followup_more": t("followup_file" if given.tables_written else "followup_cli", lang),
        "programme": None if programme is None else programme_context(programme, lang, redact=redact),
        "how_themes": _how_themes(data, lang), "level": round(data["level"] * 100), "fdr": round(fdr * 100),
        "generated": t("generated", lang, version=given.version, date=dt.date.today().isoformat(),
                       source=given.source or "a DataFrame"),
    }
    return _environment().get_template("report.html.j2").render(**context)


def write_report(given: ReportInput, path: str | Path, **options: Any) -> Path:
    """:func:`render_report` written to ``path`` (UTF-8); returns the path."""
    return write_html(render_report(given, **options), path)
