"""The report's words in English and German: one table, looked up by key."""

from __future__ import annotations

from typing import Any

from .._core.results import format_p
from ..errors import ParameterError

LANGS = ("en", "de")

TEXT: dict[str, tuple[str, str]] = {
    "title": ("NPS report", "NPS-Bericht"),
    "generated": ("Made with nps-text {version} on {date} from {source}.",
                  "Erstellt mit nps-text {version} am {date} aus {source}."),
    "headline": ("Headline", "Auf einen Blick"),
    "nps": ("Net Promoter Score", "Net Promoter Score"),
    "interval": ("{level}% interval {low} to {high}", "{level}-%-Intervall {low} bis {high}"),
    "responses": ("{n} responses", "{n} Antworten"),
    "groups": ("{p} promoters · {a} passives · {d} detractors", "{p} Promotoren · {a} Indifferente · {d} Kritiker"),
    "change": ("{change} points against {period} ({verdict}, p {p})",
               "{change} Punkte gegenüber {period} ({verdict}, p {p})"),
    "significant": ("a real change", "eine echte Veränderung"),
    "not_significant": ("within the noise", "im Rahmen des Zufalls"),
    "no_change": ("No earlier period to compare with.", "Kein früherer Zeitraum zum Vergleich."),
    "target": ("Target {target}: {status} (gap {gap}, p {p}).", "Ziel {target}: {status} (Abstand {gap}, p {p})."),
    "above target": ("above target", "über dem Ziel"),
    "below target": ("below target", "unter dem Ziel"),
    "not distinguishable from target": ("not distinguishable from the target", "vom Ziel nicht unterscheidbar"),
    "rejected": ("{n} rows of the file could not be used (see load_report.json).",
                 "{n} Zeilen der Datei waren nicht verwertbar (siehe load_report.json)."),
    "trend": ("Trend", "Verlauf"),
    "segments": ("Segments", "Segmente"),
    "scores": ("Scores", "Bewertungen"),
    "drivers": ("What drives the score", "Was die Bewertung treibt"),
    "drivers_intro": ("Impact = the NPS of everyone minus the NPS of those who do not mention the theme. "
                      "Negative: the theme costs NPS points; positive: it earns them.",
                      "Wirkung = NPS aller minus NPS derer, die das Thema nicht nennen. "
                      "Negativ: das Thema kostet NPS-Punkte; positiv: es bringt welche."),
    "cost_most": ("Costing the most", "Kostet am meisten"),
    "earn_most": ("Earning the most", "Bringt am meisten"),
    "theme": ("Theme", "Thema"),
    "share": ("Mention it", "Nennen es"),
    "impact": ("Impact", "Wirkung"),
    "certainty": ("Certainty", "Sicherheit"),
    "sure": ("clear (q {q})", "eindeutig (q {q})"),
    "unsure": ("not clear (q {q})", "nicht eindeutig (q {q})"),
    "quotes": ("In their words", "In ihren Worten"),
    "themes_by_segment": ("Themes by segment", "Themen nach Segment"),
    "themes_over_time": ("Themes over time", "Themen im Zeitverlauf"),
    "views": ("Strengths, opportunities, pain points", "Stärken, Chancen, Schmerzpunkte"),
    "strengths": ("Strengths: what promoters praise", "Stärken: was Promotoren loben"),
    "opportunities": ("Opportunities: what passives ask for", "Chancen: was Indifferente vermissen"),
    "pain_points": ("Pain points: what detractors complain about", "Schmerzpunkte: worüber Kritiker klagen"),
    "of_group": ("of the group", "der Gruppe"),
    "of_others": ("of the others", "der übrigen"),
    "fix_first": ("What to fix first", "Was zuerst angehen"),
    "fix_intro": ("If half of those who complain about a theme stopped complaining (and scored like those who do not "
                  "mention it), the NPS would move by about:",
                  "Wenn die Hälfte derer, die über ein Thema klagen, nicht mehr klagte (und wie die übrigen bewertete), "
                  "würde sich der NPS etwa so bewegen:"),
    "expected": ("NPS {nps} → {expected} ({change}, {level}% interval {low} to {high})",
                 "NPS {nps} → {expected} ({change}, {level}-%-Intervall {low} bis {high})"),
    "followup": ("Whom to call back", "Wen zurückrufen"),
    "followup_intro": ("The detractors whose comments are most severe, most recent first among equals.",
                       "Die Kritiker mit den schwersten Anliegen, bei Gleichstand die jüngsten zuerst."),
    "followup_file": ("The full list is in followup.csv.", "Die ganze Liste steht in followup.csv."),
    "followup_cli": ("The full list: nps-text followup SURVEY -o followup.xlsx.",
                     "Die ganze Liste: nps-text followup UMFRAGE -o followup.xlsx."),
    "warn_none": ("No responses: the NPS cannot be computed.", "Keine Antworten: der NPS ist nicht zu berechnen."),
    "warn_small": ("Only {n} responses: the NPS is very uncertain (±{moe} points); treat it as indicative.",
                   "Nur {n} Antworten: der NPS ist sehr unsicher (±{moe} Punkte); nur als Hinweis lesen."),
    "more_not_shown": ("{n} more not shown (nps-text analyze writes them all to {file})",
                       "{n} weitere nicht gezeigt (nps-text analyze schreibt alle nach {file})"),
    "redacted": ("Personal data (e-mail addresses, phone numbers, IBANs, card numbers) in comments is replaced by "
                 "placeholders in this report.",
                 "Personenbezogene Daten (E-Mail-Adressen, Telefonnummern, IBANs, Kartennummern) in Kommentaren sind "
                 "in diesem Bericht durch Platzhalter ersetzt."),
    "not_redacted": ("Comments are shown as written, personal data included: do not share this file outside your team.",
                     "Kommentare stehen wie geschrieben, personenbezogene Daten inklusive: Datei nicht außerhalb des "
                     "Teams weitergeben."),
    "rank": ("#", "#"),
    "response": ("Response", "Antwort"),
    "score": ("Score", "Wert"),
    "themes": ("Themes", "Themen"),
    "comment": ("Comment", "Kommentar"),
    "how_to_read": ("How to read this report", "So lesen Sie diesen Bericht"),
    "how_interval": ("The interval: the NPS of a sample is uncertain. The true NPS of all customers like these lies "
                     "in the {level}% interval in {level} of 100 such surveys; two NPS whose difference is not "
                     "significant may differ by chance alone.",
                     "Das Intervall: Der NPS einer Stichprobe ist unsicher. Der wahre NPS aller solchen Kunden liegt in "
                     "{level} von 100 solchen Umfragen im {level}-%-Intervall; zwei NPS, deren Unterschied nicht "
                     "signifikant ist, können sich rein zufällig unterscheiden."),
    "how_small": ("Small samples: a segment, period or theme with fewer than 30 responses is marked; its NPS can "
                  "swing by 30 points or more from one survey to the next.",
                  "Kleine Stichproben: Segmente, Zeiträume oder Themen mit weniger als 30 Antworten sind markiert; "
                  "ihr NPS kann von Umfrage zu Umfrage um 30 Punkte und mehr schwanken."),
    "how_cause": ("Association is not cause: a theme that comes with low scores is where to look, not proof that "
                  "fixing it raises the score. 'Clear' means the association holds after correcting for testing "
                  "many themes at once (false discovery rate {fdr}%).",
                  "Zusammenhang ist nicht Ursache: Ein Thema, das mit niedrigen Bewertungen einhergeht, zeigt, wo man "
                  "hinsehen sollte, beweist aber nicht, dass seine Behebung die Bewertung hebt. 'Eindeutig' heißt: Der "
                  "Zusammenhang hält auch, wenn man berücksichtigt, dass viele Themen zugleich geprüft wurden "
                  "(Falscherkennungsrate {fdr} %)."),
    "how_themes": ("Themes were {how}. A comment can mention several themes.",
                   "Die Themen wurden {how}. Ein Kommentar kann mehrere Themen nennen."),
    "how_tagged": ("tagged with {tagger}", "mit {tagger} zugeordnet"),
    "rules": ("keyword rules of the taxonomy", "Stichwortregeln der Taxonomie"),
    "zero-shot": ("zero-shot embeddings of the taxonomy's descriptions", "Zero-Shot-Einbettungen der Themenbeschreibungen"),
    "how_discovered": ("discovered from the comments themselves (names are keywords, not yet edited by a person)",
                       "aus den Kommentaren selbst entdeckt (die Namen sind Stichwörter, noch nicht redigiert)"),
    "no_themes": ("No themes: the survey has too few comments, or themes were not asked for.",
                  "Keine Themen: Die Umfrage hat zu wenige Kommentare, oder Themen wurden nicht angefordert."),
    "small": ("small sample", "kleine Stichprobe"),
    "more": ("{n} more in {file}", "{n} weitere in {file}"),
}


def check_lang(lang: Any) -> str:
    """``lang`` when it is "en" or "de", else a ParameterError that says so."""
    if lang not in LANGS:
        raise ParameterError(f"The report's language must be 'en' or 'de', got {lang!r}. "
                             "Pass lang='de' (CLI: --lang de) for German.")
    return lang


def t(key: str, lang: str, **values: Any) -> str:
    """The text for ``key`` in ``lang``, with ``values`` filled in."""
    text = TEXT[key][LANGS.index(lang)]
    return text.format(**values) if values else text


def number(value: Any, lang: str, digits: int = 1, signed: bool = False) -> str:
    """A number as people in ``lang`` write it (German decimal comma); "–" for a missing one."""
    if value is None or value != value:
        return "–"
    text = f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"
    text = text.replace("-", "−")
    return text.replace(".", ",") if lang == "de" else text


def percent(value: Any, lang: str) -> str:
    if value is None or value != value:
        return "–"
    return f"{100 * value:.0f} %" if lang == "de" else f"{100 * value:.0f}%"


p_value = format_p
