"""How the commands show their results on the terminal: rich tables and one-line summaries on ``out``."""

from __future__ import annotations

from typing import Any

import pandas as pd
from rich.markup import escape
from rich.table import Table

from .._core.results import format_p
from ..stats.scores import TargetProgress, headline
from .app import err, out


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


_p = format_p


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _duration(seconds: float) -> str:
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"


def _nps_table(title: str, rows: list[dict[str, Any]], label_keys: list[str]) -> Table:
    table = Table(title=title, title_justify="left")
    for key in label_keys:
        table.add_column(key)
    for key in ("n", "nps", "95% interval", "p vs rest" if "p_value_vs_rest" in (rows[0] if rows else {}) else "change"):
        table.add_column(key, justify="right")
    table.add_column("note")
    for row in rows:
        if "p_value_vs_rest" in row:
            last = _p(row["p_value_vs_rest"])
        else:
            last = f"{_fmt(row.get('change'))} (p {_p(row.get('change_p_value'))})" if row.get("change") is not None else "–"
        note = "small sample" if row.get("warning") and row["n"] else ("no responses" if not row["n"] else "")
        table.add_row(*[str(row[k]) for k in label_keys], str(row["n"]), _fmt(row["nps"]),
                      f"{_fmt(row['ci_low'])} … {_fmt(row['ci_high'])}", last, note)
    return table


def _print_summary(summary: dict[str, Any], report_text: str | None = None) -> None:
    if report_text:
        err.print(report_text, highlight=False, soft_wrap=True)
    out.print(headline(summary), style="bold", highlight=False)
    if summary.get("warning"):
        out.print(f"[yellow]{summary['warning']}[/]")
    if summary.get("by"):
        out.print(_nps_table("NPS by segment", summary["by"], ["column", "value"]))
    if summary.get("periods"):
        out.print(_nps_table(f"NPS by {summary['period']}", summary["periods"], ["period"]))
    if summary.get("target"):
        out.print(TargetProgress(**summary["target"]).summary(), highlight=False)


def _print_themes(themes: dict[str, Any]) -> None:
    table = Table(title=f"Themes ({themes['tagger']}; sentiment: {themes['sentiment_method']})", title_justify="left")
    table.add_column("theme")
    for key in ("respondents", "share", "+", "-", "=", "nps", "95% interval"):
        table.add_column(key, justify="right")
    for row in themes["by_theme"]:
        table.add_row(row["theme"], str(row["respondents"]), f"{100 * row['share_of_commenters']:.0f}%",
                      str(row["positive"]), str(row["negative"]), str(row["neutral"]), _fmt(row["nps"]),
                      f"{_fmt(row['ci_low'])} … {_fmt(row['ci_high'])}")
    out.print(table)


def _print_drivers(summary: dict[str, Any], tables: dict[str, pd.DataFrame], limit: int | None = None) -> None:
    pct = round(summary["level"] * 100)
    out.print(f"Drivers over {_plural(summary['n_base'], 'respondent')} (base: {summary['base']}; "
              f"{summary['n_not_in_base']} without a real comment and {summary['n_no_score']} without a score left out).",
              highlight=False)
    table = Table(title="Impact on NPS (NPS of the base minus NPS without the theme)", title_justify="left")
    for column in ("theme", "n", "share", "NPS with", "NPS without", "impact", f"{pct}% interval", "OR detractor", "q", "note"):
        table.add_column(column, justify="left" if column in ("theme", "note") else "right")
    for row in summary["drivers"][:limit]:
        small = "small sample" if row.get("warning") and row["n"] < 30 else ""
        flag = "; ".join(x for x in ("significant" if row["significant"] else "", small) if x)
        table.add_row(row["theme"], str(row["n"]), f"{row['share']:.1%}", _fmt(row["nps_with"]), _fmt(row["nps_without"]),
                      _fmt(row["impact"]), f"{_fmt(row['impact_low'])} … {_fmt(row['impact_high'])}",
                      _fmt(row["odds_ratio_detractor"], 2), _p(row["q_value"]), flag)
    out.print(table)
    if summary.get("models_skipped"):
        out.print(f"Driver models skipped: {summary['models_skipped']}", highlight=False)
    if limit is not None and len(summary["drivers"]) > limit:
        out.print(f"… {len(summary['drivers']) - limit} more drivers in drivers.csv (largest |impact| shown).", highlight=False)
    segments = tables.get("drivers_by_segment")
    if segments is not None and len(segments):
        differ = segments[(segments["share_vs_rest_q"] < 0.05) & (segments["share_vs_rest"] > 0) & (segments["n"] > 0)]
        if len(differ):
            out.print("Themes more common in a segment than in the others (q < 0.05, FDR-controlled): " + "; ".join(
                f"{r.theme} in {r.column}={r.value} ({r.share:.0%} vs {r.share - r.share_vs_rest:.0%})"
                for r in differ.sort_values("share_vs_rest_p").head(8).itertuples()), highlight=False)
    periods = tables.get("drivers_by_period")
    if periods is not None and len(periods):
        moved = periods[periods["share_change_q"] < 0.05]
        if len(moved):
            out.print("Significant changes in a theme's share from the previous period (q < 0.05, FDR-controlled): " + "; ".join(
                f"{r.theme} {r.period} {r.share_change:+.0%}" for r in moved.sort_values("share_change_p").head(8).itertuples()),
                highlight=False)
    if "drivers_corrected" in tables:
        table = Table(title="Corrected for tagging errors (precision/recall of the tagger)", title_justify="left")
        for column in ("theme", "share observed", "share corrected", "impact observed", "impact corrected", "interval"):
            table.add_column(column, justify="left" if column == "theme" else "right")
        for row in tables["drivers_corrected"].dropna(subset=["impact_corrected"]).itertuples():
            table.add_row(row.theme, f"{row.share_observed:.1%}", f"{row.share_corrected:.1%}", _fmt(row.impact_observed),
                          _fmt(row.impact_corrected), f"{_fmt(row.impact_low)} … {_fmt(row.impact_high)}")
        out.print(table)
    if "relative_importance" in tables and len(tables["relative_importance"]):
        ri = tables["relative_importance"]
        shares = ri["share_of_r2"].head(5)
        if shares.notna().any():
            kinds = ri["kind"].head(5) if "kind" in ri else pd.Series([None] * len(shares))
            out.print(f"Relative importance ({ri['method'].iloc[0]}, R² {ri['r2'].iloc[0]:.3f}): " + ", ".join(
                f"{_importance_term(t, k)} {s:.0%}" for t, k, s in zip(ri["term"].head(5), kinds, shares)
                if pd.notna(s)), highlight=False)
        else:  # R² of 0: there is nothing to share out (too few responses or no variation)
            out.print(f"Relative importance: not computed (R² {ri['r2'].iloc[0]:.3f}; too little data to share out).",
                      highlight=False)


def _importance_term(term: str, kind: Any) -> str:
    """A relative-importance term as the console shows it: a control says it is one ("segment team (control)";
    a trial read "(team) 7%" as a theme).

    >>> _importance_term("(team)", "control"), _importance_term("Preis / price (negative)", "theme")
    ('segment team (control)', 'Preis / price (negative)')
    """
    return f"segment {str(term).strip('()')} (control)" if kind == "control" else str(term)


def _print_discovered(rep: dict[str, Any], tops: list[dict[str, Any]], subs: list[dict[str, Any]] | None = None) -> None:
    from ..discover import KIND_NOTES, counts_line  # noqa: PLC0415 (the CLI's other commands need no discovery)

    out.print(counts_line(rep, n_top=len(tops), n_sub=len(subs or [])), highlight=False)
    table = Table(title="Discovered themes", title_justify="left", caption_justify="left",
                  caption="of commenters: the share of the responses with a real comment that mention the theme")
    for column, justify in (("id", "right"), ("name", "left"), ("sub-themes", "left"), ("clauses", "right"),
                            ("of commenters", "right"), ("NPS", "right"), ("95% interval", "right")):
        table.add_column(column, justify=justify)
    for row in tops:
        children = [s["name"] for s in subs or [] if s.get("parent") == row["theme"]]
        kind = row.get("kind", "topic")
        name = row["name"] + ("" if kind == "topic" else f" ({KIND_NOTES.get(kind, 'not a topic')})")
        table.add_row(str(row["theme"]), escape(name), escape("; ".join(children[:5]) + (" …" if len(children) > 5 else "")),
                      str(row["size"]), f"{row['share_responses']:.1%}",
                      _fmt(row.get("nps")), f"{_fmt(row.get('ci_low'))} … {_fmt(row.get('ci_high'))}")
    out.print(table)
