"""The NPS programme's sections of the HTML report: present only when given, right values, escaped, redacted, German."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pandas as pd
import pytest

from nps_text import analyze
from nps_text.errors import ParameterError
from nps_text.jobs import report_input
from nps_text.jobs.programme import programme_report
from nps_text.plot import funnel_plot
from nps_text.report import ReportInput, programme_context, render_programme, render_report
from nps_text.report._i18n import LANGS, TEXT

DATA = Path(__file__).resolve().parents[2] / "data"
SECTIONS = ("benchmarks", "brands", "accounts", "league", "weighting", "outcome", "indifferent", "testimonials")
PAYLOAD = "<script>alert('xss')</script>"


@pytest.fixture(scope="module")
def programme():
    return programme_report(DATA / "sample_survey.csv", benchmarks=DATA / "sample_benchmarks.csv", brand="brand",
                            own_brand="Lumio", account="account", role="role", unit="team",
                            population=DATA / "sample_population.csv", customer="customer_id",
                            outcomes=DATA / "sample_outcomes.csv")


@pytest.fixture(scope="module")
def given():
    survey = pd.DataFrame({"score": [10, 9, 3, 8, 0, 10] * 8, "team": ["a", "b", "c"] * 16,
                           "comment": ["Super Service", "günstig und schnell", "zu teuer", "ok", "Lieferung zu spät",
                                       "Tolle Beratung"] * 8})
    return report_input(analyze(survey, programme=False))  # the sections come from the fixture above


@pytest.fixture(scope="module")
def html_en(given, programme):
    return render_report(given, lang="en", programme=programme)


def _section(html: str, key: str) -> str:
    match = re.search(rf'<section id="programme-{key}">(.*?)</section>', html, re.S)
    assert match, f"section programme-{key} missing"
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", match.group(1))))


def test_every_programme_section_renders_in_the_report(html_en):
    for key in SECTIONS:
        _section(html_en, key)
    assert html_en.count("data:image/png;base64,") >= 2  # the report's own charts and the funnel plot


def test_benchmark_verdicts_and_the_fixed_benchmark_warning(html_en):
    text = _section(html_en, "benchmarks")
    assert "below the benchmark" in text and "not distinguishable from the benchmark" in text
    assert "Branchenschnitt Fachhandel (fiktiv)" in text and "+31.0" in text and "+18.7" in text
    assert "fixed number" in text


def test_brands_table_and_why_the_competitor_scores_higher(html_en):
    text = _section(html_en, "brands")
    assert text.index("Wettbewerber A") < text.index("Lumio yours")
    # the lead is not significant (Holm p 0.389): the title says so instead of claiming it
    assert "If Wettbewerber A really scores higher than Lumio (+5.2 points, may be chance: p 0.389), why" in text
    assert "Why Wettbewerber A" not in text
    why = text[text.index("If Wettbewerber A"):].split("Explains (points)", 1)[1]
    assert why.split()[:2] == ["price", "(negative)"]  # the planted effect: fewer price complaints at the competitor


def test_accounts_whose_roles_disagree_clearly_come_first(html_en):
    text = _section(html_en, "accounts")
    first = text.split("Nordwind Logistik GmbH", 1)[1][:200]
    assert "decision_maker (+100.0" in first and "user (−100.0" in first and "clear" in first
    assert "1 of 40 accounts disagree clearly" in text


def test_league_table_shrinks_the_lucky_small_team_and_draws_a_funnel(html_en, programme):
    text = _section(html_en, "league")
    assert "League table: team" in text
    ost, insel = text.split("Team Ost", 1)[1][:160], text.split("Team Insel", 1)[1][:200]
    assert "+45.6" in ost and "yes" in ost and "above average" in ost
    assert "small sample" in insel and "+60.0 (1)" in insel and " no " in insel
    assert "not distinguishable from the average" in insel
    assert 'alt="Funnel plot' in html_en
    fig = funnel_plot(programme.sections["league"])
    assert fig.axes[0].get_xscale() == "log"


def test_representation_flags_and_weighted_nps_with_kish_ess(html_en, programme):
    text = _section(html_en, "weighting")
    weighted = programme.sections["weighting"]["weighted"]
    assert f"Weighted NPS: +{weighted['weighted_nps']:.1f}" in text
    assert f"Kish effective sample size {weighted['n_eff']:.0f} of 3000" in text
    assert "enterprise 378 13% 7% 1.80 over-represented" in text


def test_outcome_shows_rates_odds_ratio_and_the_caveat(html_en):
    text = _section(html_en, "outcome")
    assert "Association, not causation" in text
    assert "Detractors vs Promoters 3.63" in text and "Odds ratio" in text and "Share churned" in text


def test_indifferent_themes_explain_the_equivalence_margin(html_en):
    text = _section(html_en, "indifferent")
    assert "±5 points" in text and "inconclusive" in text and "clearly matter: they are in the drivers" in text
    assert "NPS with minus without the theme" in text  # not "effect": the drivers' impact is another measure


def test_testimonials_are_escaped_and_redacted(given, programme):
    data = programme.to_dict()
    data["testimonials"] = [dict(data["testimonials"][0], text=f"{PAYLOAD} Toll, ruft mich an: max@example.com")]
    html = render_report(given, lang="en", programme=data)
    text = _section(html, "testimonials")
    assert "<script>" not in html and "&lt;script&gt;alert(" in html
    assert "max@example.com" not in html and "751 promoters" in text  # of Lumio, the own brand
    shown = render_report(given, lang="en", programme=data, redact=False)
    assert "max@example.com" in shown and "<script>" not in shown


def test_sections_are_absent_when_not_given(given, programme):
    plain = render_report(given, lang="en")
    assert "programme-" not in plain
    data = programme.to_dict()
    some = {key: data[key] if key in ("league", "indifferent") else None for key in data}
    html = render_report(ReportInput(**{**given.__dict__, "programme": some}), lang="en")
    present = set(re.findall(r'<section id="programme-(\w+)">', html))
    assert present == {"league", "indifferent"}
    assert programme_context(some)["benchmarks"] is None


def test_german_labels_render(given, programme):
    html = render_report(given, lang="de", programme=programme)
    assert '<html lang="de">' in html
    assert "Im Vergleich mit Benchmarks" in _section(html, "benchmarks")
    assert "unter der Benchmark" in _section(html, "benchmarks")
    league = _section(html, "league")
    assert "Rangliste: team" in league and "über dem Durchschnitt" in league and "+45,6" in league
    assert "Zusammenhang, nicht Ursache" in _section(html, "outcome")
    assert "überrepräsentiert" in _section(html, "weighting")
    assert "Kritiker vs. Promotoren" in _section(html, "outcome")


def test_every_text_has_english_and_german():
    for key, texts in TEXT.items():
        assert len(texts) == len(LANGS) and all(isinstance(x, str) and x.strip() for x in texts), key
        placeholders = [sorted(re.findall(r"{(\w*)}", x)) for x in texts]
        assert placeholders[0] == placeholders[1], key


def test_programme_page_of_its_own(programme, tmp_path):
    html = render_programme(programme)  # language of the testimonials: German
    assert '<html lang="de">' in html and "NPS-Programm" in html
    assert "script" not in html.replace("Content-Security-Policy", "")
    with pytest.raises(ParameterError, match="programme must be the result of"):
        programme_context([1, 2])


def test_without_an_own_brand_the_leader_is_explained_against_each_other_brand(given):
    leader = programme_report(DATA / "sample_survey.csv", brand="brand")  # compared with the leader
    text = _section(render_report(given, lang="en", programme=leader), "brands")
    assert "If Wettbewerber A really scores higher than Lumio (+5.2 points" in text
    why = text[text.index("than Lumio"):].split("Explains (points)", 1)[1].split("If ", 1)[0]
    assert "price (negative)" in why  # fewer price complaints: the planted reason, told from the leader's side
