"""The HTML report: self-contained, escaped, redacted, in English and German, and clean in a real browser."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
import pytest

from nps_text import analyze, load_survey
from nps_text.errors import ParameterError, SurveyFileError
from nps_text.jobs import report_input, report_survey
from nps_text.report import render_report

CSS = (Path(__file__).resolve().parents[2] / "nps_text" / "report" / "templates" / "report.css").read_text()
PAYLOADS = [
    "<script>alert('xss')</script> Viel zu teuer",
    '<img src=x onerror="alert(1)"> Lieferung zu spät',
    '<a href="javascript:alert(2)">klick</a> schlechter Service',
    "</style><script>alert(3)</script> too expensive",
    "\"'><svg onload=alert(4)> late delivery",
    "{{ 7*7 }} {% raw %} price too high",
]


def _survey(n: int = 12, payload_segments: bool = True) -> pd.DataFrame:
    comments = PAYLOADS + ["Super Service, schnelle Lieferung", "Great price, love it", "Ruf mich an: +49 170 1234567",
                           "Alles gut", "Immer pünktlich geliefert", "Tolle Beratung"]
    rows = len(comments) * n
    scores = ([2, 3, 1, 4, 0, 5] + [10, 9, 3, 9, 10, 9]) * n
    segments = ["<b onmouseover=alert(5)>Nord</b>", "Süd"] if payload_segments else ["Nord", "Süd"]
    dates = pd.date_range("2025-01-01", periods=rows, freq="D")
    return pd.DataFrame({"id": [f"r{i}" for i in range(rows)], "score": scores, "comment": comments * n,
                         "region": (segments * rows)[:rows], "date": dates})


class _Page(HTMLParser):
    """Every tag with its attributes, and the text of each <style>."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


def _assert_inert(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    names = [tag for tag, _ in page.tags]
    assert "script" not in names and "svg" not in names and "a" not in names and "b" not in names, names
    for tag, attrs in page.tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        for name in ("src", "href", "action", "formaction"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value.startswith("javascript:"), (tag, attrs)
            if value and tag == "img":
                assert value.startswith("data:image/png;base64,"), (tag, value[:40])
    assert len(page.styles) == 1 and page.styles[0].strip() == CSS.strip()  # '</style>' in a comment did not end it
    assert "alert(" in html  # the payloads are there, as text
    return page


@pytest.fixture(scope="module")
def analysed():
    return analyze(load_survey(_survey(), date="date"), taxonomy="default", sentiment="lexicon")


def test_payloads_in_comments_and_segments_are_text_not_markup(analysed):
    html = render_report(report_input(analysed), lang="en", redact=False)
    _assert_inert(html)
    assert "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in html
    assert "{{ 7*7 }}" in html.replace("&#39;", "'") and ">49<" not in html  # no template injection


def test_report_has_the_sections_a_manager_needs(analysed):
    html = render_report(report_input(analysed), lang="en")
    for section in ('id="headline"', 'id="how-to-read"', 'id="trend"', 'id="segments"', 'id="drivers"',
                    'id="fix-first"', 'id="views"', 'id="followup"'):
        assert section in html, section
    nps = analysed.to_dict()["nps"]
    assert f"{nps:+.1f}".replace("-", "−") in html
    assert "Costing the most" in html and "Whom to call back" in html
    assert html.count("data:image/png;base64,") >= 5  # scores, trend, segments, impact, matrix, waterfall, ...
    assert "http://" not in html and "https://" not in html  # nothing to fetch, not even a font


def test_german_report_and_language_default():
    survey = load_survey(_survey(payload_segments=False), date="date")
    result = analyze(survey, taxonomy="default", sentiment="lexicon")
    german = render_report(report_input(result))  # most comments are German
    assert '<html lang="de">' in german and "Wen zurückrufen" in german and "So lesen Sie diesen Bericht" in german
    english = render_report(report_input(result), lang="en")
    assert '<html lang="en">' in english and "How to read this report" in english
    with pytest.raises(ParameterError, match="'en' or 'de', got 'fr'"):
        render_report(report_input(result), lang="fr")


def test_personal_data_is_redacted_unless_asked_not_to():
    small = analyze(load_survey(_survey(1), date="date"), taxonomy="default", sentiment="lexicon")
    assert small.tables["followup"]["comment"].str.contains("1234567").any()  # the caller is in the list
    redacted = render_report(report_input(small), lang="en")
    assert "1234567" not in redacted and "&lt;PHONE&gt;" in redacted and "replaced by placeholders" in redacted
    raw = render_report(report_input(small), lang="en", redact=False)
    assert "+49 170 1234567" in raw and "do not share this file" in raw


def test_report_survey_writes_one_file_and_checks_its_name(tmp_path):
    path = report_survey(_survey(), tmp_path / "r.html", taxonomy="default", sentiment="lexicon", date="date")
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]
    with pytest.raises(SurveyFileError, match=r"an \.html name"):
        report_survey(_survey(), tmp_path / "r.pdf")


def test_analyze_writes_the_report_next_to_its_tables(tmp_path):
    result = analyze(_survey(2), outdir=tmp_path, taxonomy="default", sentiment="lexicon", date="date")
    assert (tmp_path / "report.html").is_file() and tmp_path / "report.html" in result.files


# ----------------------------------------------------------------------------- in a real browser
def _chromium() -> str | None:
    found = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if found is None and os.environ.get("CI"):
        pytest.fail("Chromium is missing on CI: .ci/run installs the Debian package 'chromium'.")
    return found


def _open(chromium: str, url: str, tmp: Path, name: str) -> tuple[list[str], set[str], Path]:
    """Load ``url`` headless: its console lines, the hosts of every network request, and a full-page screenshot."""
    netlog, shot = tmp / f"{name}.netlog.json", tmp / f"{name}.png"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
             f"--user-data-dir={tmp / (name + '-profile')}", "--enable-logging=stderr", "--v=0",
             f"--log-net-log={netlog}", "--hide-scrollbars", "--window-size=1200,9000", f"--screenshot={shot}"]
    run = subprocess.run([chromium, *flags, url], capture_output=True, text=True, timeout=120)
    assert shot.is_file(), run.stderr[-2000:]
    console = [line for line in run.stderr.splitlines() if ":CONSOLE" in line]
    events = json.loads(netlog.read_text()).get("events", [])
    hosts = {urlsplit(e["params"]["url"]).hostname for e in events if "url" in e.get("params", {})}
    return console, {h for h in hosts if h}, shot


def test_report_in_headless_chromium(analysed, tmp_path):
    chromium = _chromium()
    if chromium is None:
        pytest.skip("Chromium is not installed (Debian package 'chromium'; .ci/run installs it on CI)")
    page = tmp_path / "report.html"
    page.write_text(render_report(report_input(analysed), lang="en"), encoding="utf-8")
    bad = tmp_path / "bad.html"  # the check can fail: a console message and a request are seen
    bad.write_text('<img src="http://example.invalid/x.png"><script>console.error("boom")</script>')
    blank = tmp_path / "blank.html"
    blank.write_text("<!DOCTYPE html><title>blank</title>")
    _, browser_own, _ = _open(chromium, blank.as_uri(), tmp_path, "blank")  # Chromium's own background calls
    bad_console, bad_hosts, _ = _open(chromium, bad.as_uri(), tmp_path, "bad")
    assert any("boom" in line for line in bad_console) and "example.invalid" in bad_hosts - browser_own
    console, hosts, shot = _open(chromium, page.as_uri(), tmp_path, "report")
    assert console == [], console
    assert hosts - browser_own == set(), hosts - browser_own
    keep = Path(os.environ.get("NPS_TEXT_SCREENSHOTS", tmp_path))
    keep.mkdir(parents=True, exist_ok=True)
    saved = shutil.copy(shot, keep / "report_screenshot.png")
    print(f"report screenshot: {saved}", file=sys.stderr)
    assert Path(saved).stat().st_size > 50_000  # a rendered page, not a blank one


def test_a_report_written_alone_points_to_no_file_and_speaks_its_language_throughout(tmp_path):
    """The trial's findings: the standalone report named CSV files it never wrote, and the German report
    had the English small-sample warning."""
    import pandas as pd

    from nps_text.jobs import report_survey

    small = pd.DataFrame({"score": [10, 9, 2, 3, 8, 10, 1], "comment": ["Lieferung schnell", "Preis gut",
                                                                          "zu teuer", "Lieferung spät", "ok",
                                                                          "Service top", "nie wieder"]})
    page = report_survey(small, tmp_path / "r.html", lang="de", taxonomy="default").read_text(encoding="utf-8")
    assert "Nur 7 Antworten: der NPS ist sehr unsicher" in page and "Only 7 responses" not in page
    assert "followup.csv" not in page and "pain_points.csv" not in page


def test_the_headline_labels_the_overall_nps_with_its_whole_range_and_the_latest_period_apart():
    # January: 10 promoters of 10 (NPS +100); February: 5 promoters, 5 detractors (NPS 0); overall +50
    survey = pd.DataFrame({"score": [10] * 10 + [10] * 5 + [0] * 5,
                           "date": ["2025-01-15"] * 10 + ["2025-02-15"] * 10, "comment": "ok"})
    html = render_report(report_input(analyze(survey, discover=False, programme=False)), lang="en")
    head = html[html.index('id="headline"'):html.index('id="how-to-read"')]
    assert "+50.0" in head and "2025-01 – 2025-02" in head  # the NPS of the whole file, labelled so
    assert "Latest period 2025-02: NPS +0.0, −100.0 points against 2025-01" in head


def test_the_german_report_words_the_sentiment_of_a_theme_in_german():
    survey = pd.DataFrame({"score": [2, 3, 9, 10, 1, 8] * 10,
                           "comment": ["Viel zu teuer.", "Die Lieferung kam zu spät.", "Super Service!",
                                       "Schnelle Lieferung, toll.", "Preis ist eine Frechheit.", "ok"] * 10})
    html = render_report(report_input(analyze(survey, taxonomy="default", sentiment="lexicon", programme=False)),
                         lang="de")
    drivers = html[html.index('id="drivers"'):html.index('id="fix-first"')]
    assert "(negativ)" in drivers and "(negative)" not in drivers


def test_the_report_says_how_the_themes_were_found_discovered_or_guided():
    from nps_text.report._build import _how_themes

    tops = [{"kind": "topic"}, {"kind": "topic"}, {"kind": "topic"}, {"kind": "churn"}]
    discovered = {"themes": [{}], "top_themes": tops}
    assert "named from its keywords by the software" in _how_themes({"discovered_themes": discovered}, "en")
    guided = _how_themes({"discovered_themes": {**discovered, "n_guided_top_themes": 2,
                                                "unguided_top_themes": ["Gemischt (Ticket) / mixed (Ticket)"]}}, "en")
    assert "guided by a taxonomy" in guided and "the others (1) are themes the taxonomy lacks" in guided
    assert "a theme named 'mixed' gathers different things" in guided
    assert "geleitet von einer Taxonomie" in _how_themes({"discovered_themes": {**discovered,
                                                                                "n_guided_top_themes": 2}}, "de")


def test_a_driver_that_is_a_mixed_theme_is_marked_in_the_report():
    from nps_text.discover import KIND_NOTES

    survey = pd.DataFrame({"score": [2, 3, 9, 10, 1, 8] * 10,
                           "comment": ["Viel zu teuer.", "Die Lieferung kam zu spät.", "Super Service!",
                                       "Schnelle Lieferung, toll.", "Preis ist eine Frechheit.", "ok"] * 10})
    result = analyze(survey, taxonomy="default", sentiment="lexicon", programme=False)
    drivers = result.tables["drivers"]
    worst = drivers["impact"].idxmin()
    drivers.loc[worst, "warning"] = KIND_NOTES["mixed"]  # as analyze marks a mixed discovered theme
    html = render_report(report_input(result), lang="en")
    section = html[html.index('id="drivers"'):html.index('id="fix-first"')]
    assert section.count("mixed: several things at once") == 1
    row = section[section.index("mixed: several things at once") - 300:section.index("mixed: several things at once")]
    assert drivers.loc[worst, "theme"].split(" (")[0] in row
