"""The report's words in English and German: one table, looked up by key."""

from __future__ import annotations

import re
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
    "change": ("Latest period {period}: NPS {nps}, {change} points against {previous} ({verdict}, p {p})",
               "Letzter Zeitraum {period}: NPS {nps}, {change} Punkte gegenüber {previous} ({verdict}, p {p})"),
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
    "how_discovered": ("discovered from the comments themselves: the top level of a theme tree, named from its "
                       "keywords by the software and not yet edited by a person (a theme named 'mixed' gathers "
                       "different things that no keyword describes)",
                       "aus den Kommentaren selbst entdeckt: die oberste Ebene eines Themenbaums, von der Software "
                       "nach ihren Stichwörtern benannt, noch nicht von einem Menschen redigiert (ein Thema "
                       "'Gemischt' fasst Verschiedenes zusammen, das kein Stichwort beschreibt)"),
    "how_guided": ("discovered from the comments, guided by a taxonomy: a theme most of whose comments name one of "
                   "its themes carries that theme's name; the others ({n_new}) are themes the taxonomy lacks, named "
                   "from their keywords by the software and not yet edited by a person (a theme named 'mixed' "
                   "gathers different things that no keyword describes)",
                   "aus den Kommentaren entdeckt, geleitet von einer Taxonomie: Ein Thema, dessen Kommentare "
                   "überwiegend eines ihrer Themen nennen, trägt dessen Namen; die übrigen ({n_new}) sind Themen, die "
                   "der Taxonomie fehlen, von der Software nach ihren Stichwörtern benannt, noch nicht von einem "
                   "Menschen redigiert (ein Thema 'Gemischt' fasst Verschiedenes zusammen, das kein Stichwort "
                   "beschreibt)"),
    "no_themes": ("No themes: the survey has too few comments, or themes were not asked for.",
                  "Keine Themen: Die Umfrage hat zu wenige Kommentare, oder Themen wurden nicht angefordert."),
    "small": ("small sample", "kleine Stichprobe"),
    "mixed_driver": ("mixed: several things at once", "gemischt: mehreres zugleich"),
    "more": ("{n} more in {file}", "{n} weitere in {file}"),
    # the NPS programme (nps_text.report._programme)
    "programme": ("NPS programme", "NPS-Programm"),
    "bench_title": ("Against benchmarks", "Im Vergleich mit Benchmarks"),
    "bench_intro": ("Your NPS against published values. The difference's interval includes the benchmark's own sampling "
                    "error when its n or interval is known; p-values are Holm-adjusted for the several benchmarks.",
                    "Ihr NPS gegenüber veröffentlichten Werten. Das Intervall der Differenz enthält den Stichprobenfehler "
                    "der Benchmark, wenn deren n oder Intervall bekannt ist; die p-Werte sind nach Holm für die "
                    "mehreren Benchmarks angepasst."),
    "benchmark": ("Benchmark", "Benchmark"),
    "benchmark_nps": ("Benchmark NPS", "Benchmark-NPS"),
    "your_nps": ("Your NPS", "Ihr NPS"),
    "difference": ("Difference", "Differenz"),
    "verdict": ("Verdict", "Urteil"),
    "bench_fixed": ("fixed number: its own sampling error is unknown, the comparison is too confident",
                    "feste Zahl: ihr eigener Stichprobenfehler ist unbekannt, der Vergleich ist zu sicher"),
    "above the benchmark": ("above the benchmark", "über der Benchmark"),
    "below the benchmark": ("below the benchmark", "unter der Benchmark"),
    "not distinguishable from the benchmark": ("not distinguishable from the benchmark",
                                               "von der Benchmark nicht unterscheidbar"),
    "brands_title": ("Brands compared", "Marken im Vergleich"),
    "brand": ("Brand", "Marke"),
    "own_brand": ("yours", "Ihre"),
    "brand_why": ("Why {brand} scores higher than {versus} ({gap} points)",
                  "Warum {brand} besser abschneidet als {versus} ({gap} Punkte)"),
    "brand_why_chance": ("If {brand} really scores higher than {versus} ({gap} points, may be chance: p {p}), why",
                         "Falls {brand} wirklich besser abschneidet als {versus} ({gap} Punkte, evtl. Zufall: p {p}), "
                         "warum"),
    "brand_why_intro": ("The themes whose different share of mention explains most of the gap (association, not proof).",
                        "Die Themen, deren unterschiedlich häufige Nennung den Abstand am meisten erklärt (Zusammenhang, "
                        "kein Beweis)."),
    "share_at": ("Mention it at {brand}", "Anteil bei {brand}"),
    "contribution": ("Explains (points)", "Erklärt (Punkte)"),
    "no_brand_gap": ("No brand scores higher than {own} through a theme that the comments show.",
                     "Keine Marke schneidet über ein Thema aus den Kommentaren besser ab als {own}."),
    "accounts_title": ("Accounts where roles disagree", "Kunden, bei denen die Rollen uneins sind"),
    "accounts_intro": ("Within one account, the role that scores best and the one that scores worst. {clear} of {n} "
                       "accounts disagree clearly (Holm-adjusted p below {alpha}); the rest may be chance. The interval "
                       "is that of one account alone, the p is adjusted for testing all of them: an interval that "
                       "excludes 0 can still be chance.",
                       "Innerhalb eines Kunden die Rolle mit der besten und die mit der schlechtesten Bewertung. {clear} "
                       "von {n} Kunden sind klar uneins (Holm-angepasstes p unter {alpha}); der Rest kann Zufall sein. "
                       "Das Intervall gilt für den einzelnen Kunden, das p ist für den Test aller Kunden angepasst: ein "
                       "Intervall ohne die 0 kann trotzdem Zufall sein."),
    "account": ("Account", "Kunde"),
    "best_role": ("Scores best", "Bewertet am besten"),
    "worst_role": ("Scores worst", "Bewertet am schlechtesten"),
    "spread": ("Spread (points)", "Abstand (Punkte)"),
    "clear": ("clear", "eindeutig"),
    "maybe_chance": ("may be chance", "evtl. Zufall"),
    "more_rows": ("{n} more in the CSV tables beside this report (nps-text analyze or programme with -o DIR).",
                  "{n} weitere in den CSV-Tabellen neben diesem Bericht (nps-text analyze oder programme mit -o DIR)."),
    "league_title": ("League table: {unit}", "Rangliste: {unit}"),
    "league_intro": ("Ranked by the shrunken NPS: a small unit's NPS is pulled towards the average as far as its few "
                     "answers warrant (empirical Bayes), so luck does not top the table. 'Distinguishable': its "
                     "interval of the difference from the average excludes 0.",
                     "Gereiht nach dem geschrumpften NPS: Der NPS einer kleinen Einheit wird so weit zum Durchschnitt "
                     "gezogen, wie ihre wenigen Antworten es verlangen (empirischer Bayes), damit kein Glückstreffer "
                     "oben steht. 'Unterscheidbar': Ihr Intervall der Differenz zum Durchschnitt schließt 0 aus."),
    "unit": ("Unit", "Einheit"),
    "raw_nps": ("Raw NPS (rank)", "Roher NPS (Rang)"),
    "shrunken_nps": ("Shrunken NPS", "Geschrumpfter NPS"),
    "distinguishable": ("Distinguishable", "Unterscheidbar"),
    "yes": ("yes", "ja"),
    "no": ("no", "nein"),
    "above average": ("above average", "über dem Durchschnitt"),
    "below average": ("below average", "unter dem Durchschnitt"),
    "not distinguishable from the average": ("not distinguishable from the average",
                                             "vom Durchschnitt nicht unterscheidbar"),
    "funnel_title": ("Funnel plot: NPS against the number of responses",
                     "Trichterdiagramm: NPS nach Zahl der Antworten"),
    "weighting_title": ("Representation and weighted NPS", "Repräsentativität und gewichteter NPS"),
    "weighting_intro": ("Who answered, against the customer base by {segments}. A segment is flagged when its share "
                        "differs by more than chance allows; the weighted NPS counts each segment at its share of "
                        "the customer base.",
                        "Wer geantwortet hat, verglichen mit dem Kundenstamm nach {segments}. Ein Segment ist "
                        "markiert, wenn sein Anteil stärker abweicht, als der Zufall erlaubt; der gewichtete NPS zählt "
                        "jedes Segment mit seinem Anteil am Kundenstamm."),
    "segment": ("Segment", "Segment"),
    "respondent_share": ("Of respondents", "Der Befragten"),
    "population_share": ("Of customers", "Der Kunden"),
    "ratio": ("Ratio", "Verhältnis"),
    "over-represented": ("over-represented", "überrepräsentiert"),
    "under-represented": ("under-represented", "unterrepräsentiert"),
    "in line": ("in line", "passend"),
    "unweighted_nps": ("Unweighted NPS", "Ungewichteter NPS"),
    "weighted_nps": ("Weighted NPS", "Gewichteter NPS"),
    "kish_ess": ("Kish effective sample size {ess} of {n} responses (design effect {deff}): the weighted NPS is as "
                 "precise as a simple random sample of that size.",
                 "Effektive Stichprobengröße nach Kish {ess} von {n} Antworten (Designeffekt {deff}): Der gewichtete "
                 "NPS ist so genau wie eine einfache Zufallsstichprobe dieser Größe."),
    "testimonials_title": ("Testimonial candidates", "Kandidaten für Kundenstimmen"),
    "testimonials_intro": ("Specific, well-sized statements by promoters, for a person to choose from. Ask the customer "
                           "before quoting them anywhere.",
                           "Konkrete Aussagen von Promotoren in passender Länge, zur Auswahl durch einen Menschen. "
                           "Vor jeder Veröffentlichung den Kunden fragen."),
    "promoter_list": ("{n} promoters are in the promoter list (promoters.csv beside this report).",
                      "{n} Promotoren stehen in der Promotorenliste (promoters.csv neben diesem Bericht)."),
    "testimonial": ("Statement", "Aussage"),
    "outcome_title": ("NPS and {outcome}", "NPS und {outcome}"),
    "outcome_caveat": ("Association, not causation: customers in different NPS groups differ in many ways besides "
                       "their answer (tenure, size, product, region), so a different outcome does not show that the "
                       "score caused it. Use it to prioritise, and test changes with an experiment.",
                       "Zusammenhang, nicht Ursache: Kunden verschiedener NPS-Gruppen unterscheiden sich in vielem "
                       "außer ihrer Antwort (Kundendauer, Größe, Produkt, Region); ein anderes Ergebnis zeigt also "
                       "nicht, dass die Bewertung es verursacht hat. Zum Priorisieren nutzen, Änderungen mit einem "
                       "Experiment prüfen."),
    "outcome_matched": ("{n} customers matched to the survey; {unmatched} outcomes without a survey answer left out.",
                        "{n} Kunden der Umfrage zugeordnet; {unmatched} Ergebnisse ohne Umfrageantwort nicht berücksichtigt."),
    "outcome_rate": ("Share {outcome}", "Anteil {outcome}"),
    "outcome_mean": ("Mean {outcome}", "Mittelwert {outcome}"),
    "group": ("Group", "Gruppe"),
    "group_promoter": ("Promoters", "Promotoren"),
    "group_passive": ("Passives", "Indifferente"),
    "group_detractor": ("Detractors", "Kritiker"),
    "versus": ("{a} vs {b}", "{a} vs. {b}"),
    "comparison": ("Comparison", "Vergleich"),
    "odds_ratio": ("Odds ratio", "Odds Ratio"),
    "mean_difference": ("Difference in mean", "Differenz der Mittelwerte"),
    "indifferent_title": ("Themes that do not move the score", "Themen, die die Bewertung nicht bewegen"),
    "indifferent_intro": ("A theme is 'indifferent' when its effect on the NPS lies within ±{margin} points with "
                          "confidence (an equivalence test), 'matters' when it clearly exceeds that, and "
                          "'inconclusive' when the data cannot tell.",
                          "Ein Thema ist 'egal', wenn seine Wirkung auf den NPS sicher innerhalb von ±{margin} Punkten "
                          "liegt (Äquivalenztest), 'wichtig', wenn sie das klar übersteigt, und 'unklar', wenn die "
                          "Daten es nicht entscheiden."),
    "no_indifferent": ("No theme is shown to be indifferent yet.", "Noch kein Thema ist nachweislich egal."),
    "matters_elsewhere": ("{n} frequent themes clearly matter: they are in the drivers above.",
                          "{n} häufige Themen sind klar wichtig: sie stehen oben bei den Treibern."),
    "effect_difference": ("NPS with minus without the theme (points)", "NPS mit minus ohne das Thema (Punkte)"),
    "effect_impact": ("Impact on the NPS (points)", "Wirkung auf den NPS (Punkte)"),
    "effect": ("Effect (points)", "Wirkung (Punkte)"),
    "indifferent": ("indifferent", "egal"),
    "matters": ("matters", "wichtig"),
    "inconclusive": ("inconclusive", "unklar"),
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


_SENTIMENT_DE = {"positive": "positiv", "negative": "negativ", "neutral": "neutral", "mixed": "gemischt"}
_SENTIMENT_SUFFIX = re.compile(r"\s*\((positive|negative|neutral|mixed)\)$")


def theme_label(theme: Any, lang: str) -> str:
    """A theme as the report shows it: the tables' "Preis / price [topic_00] (negative)" with the sentiment
    in the report's language ("... (negativ)") and single spaces."""
    text = " ".join(str(theme).split())
    if lang != "de":
        return text
    return _SENTIMENT_SUFFIX.sub(lambda m: f" ({_SENTIMENT_DE[m.group(1)]})", text)


def p_value(value: Any, lang: str = "en") -> str:
    """A p- or q-value as the statistics word it ("0.021", "<0.001"), with a decimal comma in German."""
    text = format_p(value)
    return text.replace(".", ",") if lang == "de" else text
