"""Generate the SYNTHETIC NPS sample survey bundled with nps-text.

Nothing in the output comes from real customers: every row is drawn from the
seeded model below, and every name, e-mail, phone number, IBAN and order number
is fictional (example.com / example.org, test IBAN DE89 3704 0044 0532 0130 00).

The model is causal, like the real thing it imitates:

1. draw customer_type, channel and date;
2. decide whether the respondent wrote nothing, filler ("-", "passt") or a real
   comment, and for a real comment its language and 0-3 themes with polarities
   (some rates depend on segment and quarter, see MENTION_P and the overrides);
3. latent score = BASE_SCORE[segment] + sum(EFFECTS[theme, polarity]) + N(0, NOISE_SD),
   rounded and clipped to 0-10;
4. write the comment text from hand-written phrase banks so it agrees with the
   planted themes and the score band, then add typos, emoji, fake personal data
   and near-duplicates at fixed rates;
5. write three files: sample_survey.csv (UTF-8), sample_survey_de.csv (a German
   Excel-style export: ';', cp1252, dd.mm.yyyy, "9,0") and sample_truth.csv
   (planted themes per row), with a few bad rows at fixed positions.

Usage:  python data/generate_sample.py [--seed 42] [--n 3000] [--out-dir data]
The same seed gives byte-identical files.  data/README.md documents every number.
"""

from __future__ import annotations

import argparse
import csv
import re
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

# ----------------------------------------------------------------------------- model
NEG, POS = "negative", "positive"
THEMES = ("price", "delivery", "service", "support", "product_quality", "usability", "billing", "reliability")
SEGMENTS = {"individual": 0.60, "small_business": 0.28, "enterprise": 0.12}
CHANNELS = ("online", "store", "phone", "app")
CHANNEL_P = {"individual": (0.45, 0.25, 0.08, 0.22),
             "small_business": (0.45, 0.20, 0.20, 0.15),
             "enterprise": (0.35, 0.05, 0.45, 0.15)}
YEAR = 2025
MONTH_WEIGHT = (1.0, 0.9, 1.0, 1.0, 1.0, 0.9, 0.8, 0.8, 1.0, 1.0, 1.2, 1.3)   # Jan..Dec
WEEKDAY_WEIGHT = (1.0, 1.0, 1.0, 1.0, 1.0, 0.7, 0.5)                          # Mon..Sun

BASE_SCORE = {"individual": 8.5, "small_business": 8.3, "enterprise": 7.8}
NOISE_SD = 1.5
EFFECTS = {  # added to the latent score when the theme is mentioned with this polarity
    ("price", NEG): -1.2, ("price", POS): 0.6,
    ("delivery", NEG): -3.0, ("delivery", POS): 0.8,
    ("service", NEG): -1.5, ("service", POS): 1.8,
    ("support", NEG): -1.8, ("support", POS): 0.8,
    ("product_quality", NEG): -1.5, ("product_quality", POS): 1.0,
    ("usability", NEG): 0.0, ("usability", POS): 0.0,
    ("billing", NEG): -1.3, ("billing", POS): 0.3,
    ("reliability", NEG): -2.0, ("reliability", POS): 0.7,
}
MENTION_P = {  # (P(negative), P(positive)) per written comment, drawn independently per theme
    "price": (0.10, 0.05), "delivery": (0.12, 0.08), "service": (0.06, 0.16),
    "support": (0.05, 0.04), "product_quality": (0.07, 0.10), "usability": (0.08, 0.08),
    "billing": (0.05, 0.02), "reliability": (0.07, 0.03),
}
PRICE_NEG_SMALL_BUSINESS_Q4 = 0.35            # small_business, Oct-Dec: price complaints rise
SUPPORT_NEG_BY_SEGMENT = {"individual": 0.05, "small_business": 0.07, "enterprise": 0.25}
MAX_THEMES = 3                                # if more are drawn: keep price, sample the rest

P_EMPTY, P_FILLER = 0.07, 0.08                # of all rows; the rest write a real comment
LANGUAGE_P = {"de": 0.55, "en": 0.40, "mixed": 0.05}
P_DUPLICATE = 0.02   # real comment copied (exact or lightly varied) from an earlier one, same segment+quarter
P_PII = 0.01         # real comment gets a fictional phone / e-mail / IBAN / order number
P_EMOJI = 0.04       # UTF-8 file only; dropped in the cp1252 export
P_DECIMAL_COMMA = 0.015                       # German file: "9,0" instead of "9"

# Bad rows at fixed 0-based data-row positions of the final file (same in both CSVs).
BAD_SCORES = {250: ("11", "11"), 777: ("zehn", "zehn"), 1234: ("", ""),
              1700: ("7.5", "7,5"), 2222: ("-1", "-1"), 2718: ("ten", "ten")}
DUPLICATE_ROW = (1000, 2500)                  # row 1000 exported a second time at position 2500

DE_CUSTOMER = {"individual": "Privatkunde", "small_business": "Kleinunternehmen", "enterprise": "Großkunde"}
DE_CHANNEL = {"online": "Online-Shop", "store": "Filiale", "phone": "Telefon", "app": "App"}
EN_HEADER = ["response_id", "date", "score", "comment", "customer_type", "channel",
             "customer_id", "account", "role", "team", "brand"]
DE_HEADER = ["Antwort-ID", "Datum", "Weiterempfehlung", "Begründung", "Kundentyp", "Kanal",
             "Kunden-Nr", "Firma", "Rolle", "Team", "Marke"]

# ----------------------------------------------------------------------------- programme columns
# Drawn AFTER everything above from a second generator (PROGRAMME_STREAM), conditionally on the
# already fixed score and themes, so the first six columns and the truth file do not change.
PROGRAMME_STREAM = 2025
OWN_BRAND, PRICE_BRAND, OTHER_BRAND = "Lumio", "Wettbewerber A", "Wettbewerber B"
P_PRICE_BRAND = {True: 0.02, False: 0.27}     # P(Wettbewerber A | negative price mention?)
P_OTHER_BRAND = 0.15
TEAMS = ("Team Nord", "Team Süd", "Team West", "Team Mitte")
GOOD_TEAM, LUCKY_TEAM = "Team Ost", "Team Insel"
P_GOOD_TEAM = {"promoter": 0.30, "passive": 0.20, "detractor": 0.10}
LUCKY_TEAM_BANDS = {"promoter": 7, "passive": 2, "detractor": 1}   # 10 hand-picked rows: raw NPS +60
SPLIT_ACCOUNT = "Nordwind Logistik GmbH"
SPLIT_USERS, SPLIT_DECIDERS = 12, 4            # enterprise rows: users score <= 4, decision makers score 10
ACCOUNTS = tuple(f"{a} {b}" for a, b in zip(
    ("Albrecht", "Bergmann", "Brandt", "Claasen", "Dietz", "Eckert", "Falk", "Gerlach", "Hahn", "Iversen",
     "Jansen", "Kessler", "Lorenz", "Maier", "Neumann", "Oswald", "Pohl", "Quandt", "Richter", "Seidel",
     "Thiel", "Ulrich", "Vogt", "Winkler", "Xaver", "Yildiz", "Zimmer", "Arnold", "Busch", "Conrad",
     "Dreher", "Engel", "Fiedler", "Graf", "Heinz", "Jung", "Krämer", "Lang", "Möller"),
    ("Logistik GmbH", "Bau AG", "Software GmbH", "Handel KG", "Medizintechnik GmbH", "Druck GmbH",
     "Elektro GmbH", "Consulting GmbH", "Maschinenbau AG", "Gastro GmbH", "Transport GmbH", "Energie AG",
     "Möbel GmbH", "IT-Service GmbH", "Immobilien GmbH") * 3))
ROLES = ("user", "decision_maker", "purchasing")
ROLE_P = (0.6, 0.2, 0.2)
DE_ROLE = {"user": "Anwender", "decision_maker": "Entscheider", "purchasing": "Einkauf", "": ""}
P_REPEAT_CUSTOMER = 0.08                       # individual rows: an earlier individual answers again
CHURN_P = {"promoter": 0.08, "passive": 0.15, "detractor": 0.30}
REVENUE_MEAN = {"promoter": 4.0, "passive": 0.0, "detractor": -6.0}   # percent, sd REVENUE_SD
REVENUE_SD = 10.0
POPULATION = {"individual": 0.68, "small_business": 0.25, "enterprise": 0.07}   # enterprise over-represented
BENCHMARKS = [  # FICTIONAL: invented for the examples, not published numbers
    ("Branchenschnitt Onlinehandel (fiktiv)", 24, 1500, "fictional example - not a real study", 2025),
    ("Branchenschnitt Fachhandel (fiktiv)", 31, 800, "fictional example - not a real study", 2025),
    ("Top-Quartil Handel (fiktiv)", 45, "", "fictional example - not a real study", 2024),
    ("Vorjahr eigene Umfrage (fiktiv)", 12, 2600, "fictional example - not a real study", 2024),
]

# ----------------------------------------------------------------------------- phrase banks
# Written in mid-sentence casing; the first letter is capitalised at sentence start.
# {eur} {eur_en} {usd} {ship} {pct} are filled from AMOUNTS (prices, not personal data).
PHRASES = {
    ("price", NEG, "de"): [
        "viel zu teuer", "das Preis-Leistungs-Verhältnis stimmt einfach nicht mehr", "{eur} € im Monat ist zu viel",
        "schon wieder eine Preiserhöhung", "zu teuer!!!", "die Preise sind ordentlich gestiegen",
        "für das Geld erwarte ich mehr", "bei der Konkurrenz zahle ich deutlich weniger",
        "Preiserhöhung um {pct} % ohne Vorwarnung, echt frech", "früher war es günstiger",
        "Versandkosten von {ship} € sind eine Frechheit", "das Abo ist zu teuer geworden",
        "Preise sind happig", "deutlich überteuert", "zahle jetzt {eur} € und bekomme weniger als vorher",
        "Preis passt nicht zur Leistung"],
    ("price", POS, "de"): [
        "Preis-Leistung passt", "gutes Preis-Leistungs-Verhältnis", "günstiger als die Konkurrenz",
        "für {eur} € im Monat unschlagbar", "faire Preise", "Preis ist völlig ok", "die Rabattaktion war super",
        "für das Geld bekommt man echt viel", "endlich mal transparente Preise", "bezahlbar und fair",
        "Preise seit Jahren stabil, das schätze ich", "günstig!"],
    ("price", NEG, "en"): [
        "way too expensive", "${usd} a month is too much", "prices went up again", "not worth the money",
        "overpriced for what you get", "the competition is much cheaper", "shipping fees of €{eur_en} are ridiculous",
        "the subscription got too expensive", "another price increase, seriously?", "too pricey!!",
        "used to be cheaper", "paying {pct}% more than last year for the same thing", "price is a joke",
        "can't justify the cost anymore"],
    ("price", POS, "en"): [
        "great value for money", "fair prices", "cheaper than the others", "good price", "worth every penny",
        "${usd} a month is a steal", "reasonable pricing", "the discount was great",
        "transparent pricing, no hidden fees", "affordable", "best price I found"],
    ("delivery", NEG, "de"): [
        "Lieferung kam zu spät", "Lieferzeit viel zu lang", "Paket kam erst nach zwei Wochen",
        "Lieferung war wieder verspätet", "zu spat geliefert", "Sendungsverfolgung ging nicht und das Paket war ewig unterwegs",
        "angekündigter Liefertermin wurde nicht eingehalten", "Paket beim Nachbarn abgegeben ohne Benachrichtigung",
        "warte seit 10 Tagen auf meine Bestellung", "Versand dauert ewig", "Teillieferung, der Rest kam eine Woche später",
        "Lieferung kam nie an!!", "der Bote hat nicht mal geklingelt", "Lieferung zu spät, schon wieder",
        "die sogenannte „Express“-Lieferung hat 5 Tage gedauert"],
    ("delivery", POS, "de"): [
        "schnelle Lieferung", "Lieferung kam schon am nächsten Tag", "super schneller Versand", "pünktlich geliefert",
        "Paket war gut verpackt und schnell da", "Lieferung wie angekündigt", "Versand klappt immer reibungslos",
        "war schneller da als erwartet", "Lieferzeit top", "Expressversand hat wirklich geklappt",
        "Lieferung einwandfrei"],
    ("delivery", NEG, "en"): [
        "delivery was late", "took forever to arrive", "package arrived two weeks late", "still waiting for my order",
        "shipping is way too slow", "the delivery date was missed again", "tracking never updated",
        "parcel was left at the neighbour's without notice", "delivery was delayed three times",
        "deliverys are always late", "the courier never showed up", "ordered on monday, recieved it the next friday"],
    ("delivery", POS, "en"): [
        "fast delivery", "arrived the next day", "quick shipping", "delivered on time",
        "package came earlier than expected", "shipping was super fast", "well packed and on time",
        "delivery was smooth", "express shipping actually worked", "always on time"],
    ("service", NEG, "de"): [
        "Personal in der Filiale war unfreundlich", "Verkäufer hatte null Ahnung", "unfreundliche Mitarbeiter",
        "man fühlt sich als Kunde nicht ernst genommen", "die Beratung war schlecht", "Mitarbeiterin war total genervt",
        "niemand hat sich zuständig gefühlt", "Kundenservice war richtig pampig", "arrogantes Auftreten am Schalter",
        "Beratung war lieblos und oberflächlich", "die Mitarbeiter sind einfach unhöflich"],
    ("service", POS, "de"): [
        "sehr freundliche Mitarbeiter", "super nette Beratung", "Personal ist immer freundlich und hilfsbereit",
        "die Dame in der Filiale hat sich richtig Zeit genommen", "toller Service", "kompetente und freundliche Beratung",
        "Service top", "Mitarbeiter sind echt super nett", "man wird immer freundlich begrüßt",
        "Kundenservice war super freundlich", "Beratung war kompetent und ehrlich", "sehr zuvorkommendes Personal",
        "der Verkäufer hat sich super viel Mühe gegeben"],
    ("service", NEG, "en"): [
        "rude staff", "the store staff were unfriendly", "sales guy had no clue", "nobody seemed to care",
        "poor customer service", "the employee was really rude to me", "felt like I was bothering them",
        "staff were unhelpful", "terrible service in the store", "no one even said hello"],
    ("service", POS, "en"): [
        "friendly staff", "very helpful and friendly people", "great service", "the lady at the store was super nice",
        "staff always friendly", "excellent customer service", "they really took their time to help me",
        "knowledgeable and friendly staff", "service was top notch", "amazing service!", "the team is always so kind"],
    ("support", NEG, "de"): [
        "Hotline nie erreichbar", "Wartezeit in der Hotline über 40 Minuten", "auf meine E-Mail kam nach zwei Wochen keine Antwort",
        "Support reagiert nicht", "Ticket seit Wochen offen", "ewig in der Warteschleife", "Rückruf versprochen, nie passiert",
        "Antwortzeiten vom Support sind unterirdisch", "bei Problemen hilft einem keiner",
        "immer wieder an jemand anderen weitergeleitet", "Chat-Support antwortet nur mit Textbausteinen",
        "Supportanfrage wurde einfach geschlossen ohne Lösung", "die Hottline ist ein Witz"],
    ("support", POS, "de"): [
        "Support hat schnell geantwortet", "Problem wurde von der Hotline sofort gelöst", "schnelle Hilfe über den Chat",
        "Antwort auf meine Mail kam noch am selben Tag", "der technische Support war klasse",
        "kurze Wartezeit an der Hotline", "Ticket innerhalb von einem Tag erledigt", "Rückruf kam wie versprochen"],
    ("support", NEG, "en"): [
        "support never answers", "waited 45 minutes on hold", "no response to my emails", "ticket open for weeks",
        "support response time is terrible", "they promised a callback that never came",
        "got passed around between departments", "the chatbot is useless and there is no human to talk to",
        "had to chase them three times for an answer", "support closed my ticket without fixing anything",
        "hotline is impossible to reach"],
    ("support", POS, "en"): [
        "support responded quickly", "issue fixed within an hour", "quick answer from support",
        "the support team solved my problem right away", "short wait time on the phone", "great tech support",
        "got a reply the same day", "callback came as promised"],
    ("product_quality", NEG, "de"): [
        "Qualität hat stark nachgelassen", "Produkt ist nach drei Wochen kaputt gegangen", "Verarbeitung ist billig",
        "Material fühlt sich billig an", "entspricht nicht der Beschreibung", "Qualität war früher deutlich besser",
        "Ware war mangelhaft", "schlechte Qualität", "Nähte sind nach dem ersten Waschen aufgegangen",
        "Akku hält nicht mal einen Tag", "Qualitat lässt zu wünschen übrig"],
    ("product_quality", POS, "de"): [
        "Qualität ist top", "sehr gute Qualität", "Produkte halten ewig", "hochwertige Verarbeitung",
        "Ware genau wie beschrieben", "Qualität stimmt einfach", "bin mit dem Produkt total zufrieden",
        "Material ist wirklich hochwertig", "super Qualität!"],
    ("product_quality", NEG, "en"): [
        "poor quality", "product broke after two weeks", "cheap materials", "not as described",
        "quality has gone downhill", "the build quality is disappointing", "fell apart after the first wash",
        "battery barely lasts a day", "feels flimsy", "quality used to be much better"],
    ("product_quality", POS, "en"): [
        "great quality", "excellent product", "high quality materials", "exactly as described",
        "products last forever", "really well made", "solid build quality", "love the product",
        "quality is outstanding"],
    ("usability", NEG, "de"): [
        "App ist total unübersichtlich", "Website ist kompliziert", "ich finde in der App nichts",
        "Bestellprozess viel zu umständlich", "Navigation auf der Webseite ist verwirrend",
        "Login ist jedes Mal ein Krampf", "die neue App-Version ist unpraktisch", "zu viele Klicks bis zur Bestellung",
        "Menü ist unlogisch aufgebaut", "Schrift in der App viel zu klein"],
    ("usability", POS, "de"): [
        "App ist super einfach zu bedienen", "Website ist übersichtlich", "Bestellung geht schnell und unkompliziert",
        "intuitive Bedienung", "App ist praktisch", "alles leicht zu finden", "Bestellprozess ist kinderleicht",
        "neue App gefällt mir gut", "Bedienung selbsterklärend", "Webseite ist schön übersichtlich"],
    ("usability", NEG, "en"): [
        "the app is confusing", "website is hard to navigate", "checkout is way too complicated",
        "can't find anything in the app", "login is a pain every time", "the new app design is awful to use",
        "too many clicks to place an order", "menus make no sense", "not user friendly"],
    ("usability", POS, "en"): [
        "app is easy to use", "website is very intuitive", "ordering is quick and simple", "clean and simple app",
        "easy checkout", "everything is easy to find", "user friendly website", "love the new app"],
    ("billing", NEG, "de"): [
        "Rechnung war falsch", "doppelt abgebucht", "Rückerstattung dauert schon über einen Monat",
        "Rechnung kommt nie pünktlich", "Gutschrift wurde nicht verrechnet", "Lastschrift ging zweimal raus",
        "Rechnungen sind total unverständlich", "Mahnung bekommen obwohl bezahlt", "PayPal als Zahlungsart fehlt",
        "Rückerstattung erst nach mehrmaligem Nachfragen"],
    ("billing", POS, "de"): [
        "Rechnung immer korrekt", "Bezahlung unkompliziert", "Rückerstattung ging schnell",
        "viele Zahlungsmöglichkeiten", "Rechnungen sind klar und übersichtlich",
        "Zahlung per Rechnung ist super praktisch", "Rückerstattung war nach 2 Tagen auf dem Konto",
        "Gutschrift kam sofort", "Abbuchung immer korrekt"],
    ("billing", NEG, "en"): [
        "invoice was wrong", "charged twice", "still waiting for my refund",
        "got a payment reminder even though I paid", "billing is a mess", "invoices are impossible to understand",
        "they charged my card without asking", "refund took over a month", "credit note never applied"],
    ("billing", POS, "en"): [
        "billing is straightforward", "refund was quick", "invoices are always correct", "easy payment",
        "lots of payment options", "clear invoices", "got my money back within two days",
        "paying by invoice is really convenient"],
    ("reliability", NEG, "de"): [
        "App stürzt ständig ab", "Website war mal wieder down", "ständig Fehlermeldungen",
        "Dienst war zwei Tage lang nicht erreichbar", "nach dem Update funktioniert nichts mehr",
        "Gerät hatte nach einer Woche einen Defekt", "Störung schon zum dritten Mal diesen Monat", "Bugs ohne Ende",
        "Synchronisierung klappt nicht zuverlässig", "Ausfall am Wochenende und keiner hat's gemerkt"],
    ("reliability", POS, "de"): [
        "läuft stabil", "keine Ausfälle bisher", "funktioniert einfach zuverlässig", "seit Jahren ohne Störung",
        "App läuft ohne Abstürze", "Gerät läuft seit Jahren ohne Probleme", "zuverlässig wie immer",
        "nie Probleme mit der Verbindung"],
    ("reliability", NEG, "en"): [
        "app keeps crashing", "website was down again", "constant error messages", "service outage for two days",
        "nothing works since the last update", "device was defective after a week", "so many bugs",
        "sync fails all the time", "third outage this month"],
    ("reliability", POS, "en"): [
        "rock solid, never had an outage", "works reliably", "no crashes at all", "runs smoothly",
        "never had a single outage", "stable and dependable", "the app never crashes",
        "it just works, every single time"],
}
MIXED_PHRASES = {  # German/English code-switching inside one clause
    ("price", NEG): ["viel zu expensive", "Preis is just too high", "way too teuer"],
    ("price", POS): ["Preis-Leistung is great", "value for money passt"],
    ("delivery", NEG): ["Lieferung was late again", "Paket kam way too late", "delivery hat ewig gedauert"],
    ("delivery", POS): ["Lieferung was super fast", "shipping war mega schnell"],
    ("service", NEG): ["Staff war echt unfriendly"],
    ("service", POS): ["Service top", "Staff war super friendly", "sehr nice Beratung"],
    ("support", NEG): ["Hotline is a nightmare", "Support antwortet never", "Warteschleife for 40 minutes"],
    ("support", POS): ["Support war super quick"],
    ("product_quality", NEG): ["Qualität is really bad", "quality hat nachgelassen"],
    ("product_quality", POS): ["Qualität is top", "quality ist super"],
    ("usability", NEG): ["App ist so confusing", "Checkout ist too complicated"],
    ("usability", POS): ["App ist easy to use", "Website super intuitive"],
    ("billing", NEG): ["Rechnung was wrong again", "doppelt charged"],
    ("billing", POS): ["Rechnung always correct"],
    ("reliability", NEG): ["App crasht ständig", "Website was down schon wieder"],
    ("reliability", POS): ["läuft super stable"],
}
AMOUNTS = {"eur": ["19,99", "29,99", "39,90", "49,99", "59"], "eur_en": ["4.95", "6.90", "7.50"],
           "usd": ["15", "20", "25", "30", "50"], "ship": ["4,95", "5,90", "6,90"], "pct": ["10", "12", "15", "20", "25"]}
GENERIC = {  # comments with no theme, chosen by score band
    ("de", "promoter"): ["Alles super!", "Bin sehr zufrieden", "Weiter so!", "Top!", "Immer wieder gerne",
                         "Klare Empfehlung", "Hat alles gepasst", "Rundum zufrieden", "Bin seit Jahren Kunde und sehr zufrieden"],
    ("de", "passive"): ["Ganz ok", "Geht so", "Im Großen und Ganzen zufrieden", "Nichts Besonderes",
                        "War in Ordnung", "Solide, mehr nicht", "Es gibt Luft nach oben"],
    ("de", "detractor"): ["Enttäuschend", "Nie wieder", "Sehr unzufrieden", "Katastrophe", "Ich werde kündigen",
                          "So nicht!", "Schlechteste Erfahrung seit langem"],
    ("en", "promoter"): ["Everything great!", "Very happy", "Keep it up!", "Love it", "Highly recommend",
                         "Always a pleasure", "Great experience overall", "Been a customer for years, very satisfied"],
    ("en", "passive"): ["It's ok", "Fine", "Nothing special", "Decent", "Could be better", "Mostly satisfied",
                        "Room for improvement"],
    ("en", "detractor"): ["Disappointing", "Never again", "Very unhappy", "Terrible experience", "Will cancel",
                          "Worst experience in a long time"],
    ("mixed", "promoter"): ["Alles super, thanks!", "Top, keep it up!", "Sehr zufrieden, great job"],
    ("mixed", "passive"): ["Ganz ok, but nothing special", "Passt schon, could be better"],
    ("mixed", "detractor"): ["Echt enttäuschend, never again", "Sehr unzufrieden, really disappointing"],
}
OPENERS = {"de": ["Bin seit {year} Kunde.", "Ich habe letzte Woche bestellt.", "Ehrlich gesagt bin ich hin- und hergerissen.",
                  "Kurz zusammengefasst:", "Habe jetzt zum zweiten Mal bestellt.", "Zu meiner Bewertung:"],
           "en": ["I've been a customer since {year}.", "Ordered last week.", "Honestly I'm a bit torn.",
                  "Quick summary:", "Second order with you.", "About my rating:"]}
BUSINESS_OPENERS = {"de": ["Wir nutzen euch seit Jahren in der Firma.", "Wir bestellen für unser ganzes Team."],
                    "en": ["We use you for our whole team.", "Our company has been a client for years."]}
CLOSERS = {
    ("de", "promoter"): ["Weiter so!", "Gerne wieder.", "Klare Empfehlung.", "Danke!", "Macht weiter so."],
    ("de", "passive"): ["Insgesamt ok.", "Mal sehen, wie es weitergeht.", "Da geht noch mehr.", "Im Großen und Ganzen zufrieden."],
    ("de", "detractor"): ["Schade.", "So verliert ihr Kunden.", "Überlege ernsthaft zu kündigen.", "Echt enttäuschend.", "Nie wieder."],
    ("en", "promoter"): ["Keep it up!", "Will order again.", "Highly recommended.", "Thanks!", "Great job."],
    ("en", "passive"): ["Overall ok.", "We'll see.", "Room for improvement.", "Mostly satisfied."],
    ("en", "detractor"): ["Shame.", "This is how you lose customers.", "Seriously thinking about cancelling.",
                          "Really disappointed.", "Never again."],
}
CONNECT = {  # (language, kind) -> connectors; kind: same polarity / switch to negative / switch to positive
    ("de", "same"): [", ", ", ", " und ", ". ", ". Außerdem ", " + "],
    ("de", "to_neg"): [", aber ", ". Aber ", ", leider ", ". Leider ", ", allerdings ", " aber "],
    ("de", "to_pos"): [", aber ", ". Aber ", ", dafür ", ". Dafür ", ", immerhin "],
    ("en", "same"): [", ", ", ", " and ", ". ", ". Also ", " + "],
    ("en", "to_neg"): [", but ", ". But ", ", however ", ". Unfortunately ", " but "],
    ("en", "to_pos"): [", but ", ". But ", ", though ", ". On the plus side, "],
}
FILLER = [("-", "none"), (".", "none"), ("nichts", "de"), ("keine Angabe", "de"), ("weiß nicht", "de"),
          ("n/a", "none"), ("no comment", "en"), ("alles gut", "de"), ("passt", "de"), ("ok", "none"),
          ("asdf", "none"), ("???", "none"), ("k.A.", "de"), ("nothing", "en"), ("/", "none"), ("Nein", "de")]
PII = {"de": ["Bitte ruft mich zurück: 0151 23456789", "Meine Nummer: +49 30 1234567",
              "Erreichbar unter max.mustermann@example.com", "Bestellnr. 123-4567890",
              "Meine IBAN ist DE89 3704 0044 0532 0130 00", "Rückfragen gerne an erika.musterfrau@example.org"],
       "en": ["Call me back: +49 170 1234567", "email me at john.doe@example.com", "Order no. 123-4567890",
              "my email is jane.smith@example.org", "Phone: 0151 23456789"]}
EMOJI = {"promoter": ["👍", "😊", "❤️", "🙏"], "passive": ["🤷", "😐"], "detractor": ["😡", "👎", "🤬", "😤"]}
UMLAUT_PLAIN = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "Ä": "A", "Ö": "O", "Ü": "U", "ß": "ss"})
UMLAUT_SPELLED = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})


# ----------------------------------------------------------------------------- helpers
def pick(rng: np.random.Generator, seq):
    return seq[int(rng.integers(len(seq)))]


def band(score: int) -> str:
    return "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"


def capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


def fill_amounts(rng, text: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: pick(rng, AMOUNTS[m.group(1)]), text)


def to_cp1252(text: str) -> str:
    """Drop characters cp1252 cannot encode (emoji), keep umlauts, ß and €."""
    kept = "".join(ch for ch in text if ch.encode("cp1252", errors="ignore"))
    return re.sub(r"\s{2,}", " ", kept).strip()


# ----------------------------------------------------------------------------- drawing
def draw_dates(rng, n: int) -> list[date]:
    days = [date(YEAR, 1, 1) + timedelta(d) for d in range((date(YEAR + 1, 1, 1) - date(YEAR, 1, 1)).days)]
    w = np.array([MONTH_WEIGHT[d.month - 1] * WEEKDAY_WEIGHT[d.weekday()] for d in days])
    return sorted(days[i] for i in rng.choice(len(days), size=n, p=w / w.sum()))


def draw_themes(rng, segment: str, quarter: int) -> list[tuple[str, str]]:
    found = []
    for theme in THEMES:
        p_neg, p_pos = MENTION_P[theme]
        if theme == "price" and segment == "small_business" and quarter == 4:
            p_neg = PRICE_NEG_SMALL_BUSINESS_Q4
        if theme == "support":
            p_neg = SUPPORT_NEG_BY_SEGMENT[segment]
        u = rng.random()
        if u < p_neg:
            found.append((theme, NEG))
        elif u < p_neg + p_pos:
            found.append((theme, POS))
    if len(found) > MAX_THEMES:
        price = [t for t in found if t[0] == "price"]
        rest = [t for t in found if t[0] != "price"]
        keep = rng.choice(len(rest), size=MAX_THEMES - len(price), replace=False)
        found = price + [rest[i] for i in sorted(keep)]
    order = rng.permutation(len(found))
    return [found[i] for i in order]


def draw_responses(rng, n: int) -> list[dict]:
    """Segment, channel, date, comment kind, language and themes; no score or text yet."""
    segs = list(SEGMENTS)
    rows = []
    for day in draw_dates(rng, n):
        seg = segs[rng.choice(len(segs), p=list(SEGMENTS.values()))]
        row = {"date": day, "customer_type": seg, "channel": CHANNELS[rng.choice(4, p=CHANNEL_P[seg])],
               "kind": "comment", "language": "none", "themes": [], "source": None}
        u = rng.random()
        if u < P_EMPTY:
            row["kind"] = "empty"
        elif u < P_EMPTY + P_FILLER:
            row["kind"] = "filler"
        else:
            langs = list(LANGUAGE_P)
            row["language"] = langs[rng.choice(len(langs), p=list(LANGUAGE_P.values()))]
            row["themes"] = draw_themes(rng, seg, (day.month - 1) // 3 + 1)
        rows.append(row)
    plant_duplicates(rng, rows)
    return rows


def plant_duplicates(rng, rows: list[dict]) -> None:
    """Some respondents repeat an earlier comment; copy its themes (so the score follows them)."""
    for i, row in enumerate(rows):
        if row["kind"] != "comment" or rng.random() >= P_DUPLICATE:
            continue
        quarter = (row["date"].month - 1) // 3
        pool = [j for j in range(i) if rows[j]["kind"] == "comment" and rows[j]["themes"]
                and rows[j]["customer_type"] == row["customer_type"] and (rows[j]["date"].month - 1) // 3 == quarter]
        if pool:
            src = pick(rng, pool)
            row.update(source=src, themes=list(rows[src]["themes"]), language=rows[src]["language"])


def draw_score(rng, row: dict) -> int:
    latent = BASE_SCORE[row["customer_type"]] + sum(EFFECTS[t] for t in row["themes"]) + rng.normal(0, NOISE_SD)
    return int(np.clip(np.rint(latent), 0, 10))


# ----------------------------------------------------------------------------- text
def clause(rng, theme: str, polarity: str, lang: str) -> str:
    if lang == "mixed":
        return pick(rng, MIXED_PHRASES[(theme, polarity)])
    return fill_amounts(rng, pick(rng, PHRASES[(theme, polarity, lang)]))


def clause_languages(rng, k: int, lang: str) -> list[str]:
    """Per-clause language; a mixed comment switches between de and en at least once."""
    if lang != "mixed":
        return [lang] * k
    langs = [pick(rng, ["de", "en"])]
    for _ in range(k - 1):
        prev = langs[-1]
        langs.append(("en" if prev == "de" else "de") if rng.random() < 0.7 else prev)
    if k > 1 and len(set(langs)) == 1:
        langs[-1] = "en" if langs[0] == "de" else "de"
    return langs


def compose(rng, row: dict, score: int) -> str:
    """Comment text consistent with the planted themes and the score band."""
    lang, themes, b = row["language"], row["themes"], band(score)
    if not themes:
        return pick(rng, GENERIC[(lang, b)])
    pols = {p for _, p in themes}
    cb = "passive" if (b, pols) in (("promoter", {NEG}), ("detractor", {POS})) else b   # closer must not contradict
    langs = clause_languages(rng, len(themes), lang)
    if lang == "mixed" and len(themes) == 1 and rng.random() < 0.5:
        langs = ["mixed"]                          # one code-switched clause ("Lieferung was late again")
    long_form = rng.random() < 0.10 + 0.12 * len(themes)
    text, prev_pol = "", None
    for (theme, pol), cl_lang in zip(themes, langs):
        part = clause(rng, theme, pol, cl_lang)
        if prev_pol is None:
            text = capitalize(part)
        else:
            c_lang = "de" if cl_lang == "mixed" else cl_lang
            kind = "same" if pol == prev_pol else ("to_neg" if pol == NEG else "to_pos")
            conn = pick(rng, CONNECT[(c_lang, kind)])
            if long_form and kind == "same":
                conn = ". "
            text = text.rstrip("!?.") + conn + (capitalize(part) if conn.endswith(". ") else part)
        prev_pol = pol
    base_lang = "de" if lang == "mixed" else lang
    if lang == "mixed" and len(themes) == 1 and langs != ["mixed"]:   # add a tail in the other language
        other = "en" if langs[0] == "de" else "de"
        return end_punct(rng, text, b, always=True) + " " + pick(rng, CLOSERS[(other, cb)])
    if long_form:
        text = end_punct(rng, text, b, always=True)
        if rng.random() < 0.6:
            openers = OPENERS[base_lang] + (BUSINESS_OPENERS[base_lang] if row["customer_type"] != "individual" else [])
            text = pick(rng, openers).format(year=int(rng.integers(2012, 2024))) + " " + text
        if rng.random() < 0.8:
            text += " " + pick(rng, CLOSERS[(base_lang, cb)])
        return text
    text = end_punct(rng, text, b)
    if rng.random() < 0.15:
        text = end_punct(rng, text, b, always=True) + " " + pick(rng, CLOSERS[(base_lang, cb)])
    return text


def end_punct(rng, text: str, b: str, always: bool = False) -> str:
    if text[-1:] in ".!?:":
        return text
    u = rng.random()
    if not always and u < 0.45:
        return text
    if b != "passive" and u > 0.93:
        return text + "!!!"
    if b != "passive" and u > 0.8:
        return text + "!"
    return text + "."


def add_noise(rng, text: str, lang: str) -> str:
    """Typos as customers make them: all lowercase, plain umlauts, doubled letters."""
    if rng.random() < 0.10:
        text = text.lower()
    if lang in ("de", "mixed") and rng.random() < 0.06:
        text = text.translate(UMLAUT_PLAIN if rng.random() < 0.6 else UMLAUT_SPELLED)
    if rng.random() < 0.03:
        words = text.split(" ")
        long_words = [i for i, w in enumerate(words) if len(w) > 4 and w.isalpha()]
        if long_words:
            i = pick(rng, long_words)
            k = int(rng.integers(1, len(words[i]) - 1))
            words[i] = words[i][:k] + words[i][k] + words[i][k:]
            text = " ".join(words)
    return text


def near_duplicate(rng, text: str) -> str:
    variant = int(rng.integers(4))
    if variant == 1:
        return text.lower()
    if variant == 2:
        return text.rstrip(".!") or text
    if variant == 3:
        return text.rstrip(".!") + "!!"
    return text


def write_comment(rng, row: dict, score: int, texts: list[str]) -> str:
    if row["kind"] == "empty":
        return ""
    if row["kind"] == "filler":
        text, row["language"] = pick(rng, FILLER)
        return text
    if row["source"] is not None:
        return near_duplicate(rng, texts[row["source"]])
    text = add_noise(rng, compose(rng, row, score), row["language"])
    if rng.random() < P_PII:
        pii_lang = row["language"] if row["language"] != "mixed" else pick(rng, ["de", "en"])
        text = end_punct(rng, text, band(score), always=True) + " " + pick(rng, PII[pii_lang])
    if rng.random() < P_EMOJI:
        text += pick(rng, [" ", "", "  "]) + pick(rng, EMOJI[band(score)])
    return text


# ----------------------------------------------------------------------------- assembly
def build(seed: int, n_valid: int) -> list[dict]:
    """All rows of the final file, in file order, including the planted bad rows."""
    rng = np.random.default_rng(seed)
    n = n_valid + len(BAD_SCORES)            # the duplicate row is extra on top
    rows = draw_responses(rng, n)
    texts: list[str] = []
    for i, row in enumerate(rows):
        row["response_id"] = f"R{i + 1:06d}"
        row["score"] = draw_score(rng, row)
        row["comment"] = write_comment(rng, row, row["score"], texts)
        texts.append(row["comment"])
        row["score_en"] = row["score_de"] = str(row["score"])
        if rng.random() < P_DECIMAL_COMMA:
            row["score_de"] = f"{row['score']},0"
    src, dst = DUPLICATE_ROW
    rows.insert(dst, dict(rows[src]))
    for pos, (raw_en, raw_de) in BAD_SCORES.items():
        rows[pos]["score_en"], rows[pos]["score_de"] = raw_en, raw_de
    add_programme_columns(np.random.default_rng([seed, PROGRAMME_STREAM]), rows)
    return rows


def add_programme_columns(rng, rows: list[dict]) -> None:
    """customer_id, account, role, team, brand, drawn given the fixed score and themes (planted effects)."""
    dup = DUPLICATE_ROW[1]
    valid = [i for i, r in enumerate(rows) if i != dup and i not in BAD_SCORES]
    bands = {i: band(rows[i]["score"]) for i in valid}
    for r in rows:
        r.update(customer_id="", account="", role="", team="", brand="")
    # brand: the price competitor takes few of the respondents who complain about price
    for r in rows:
        price_neg = ("price", NEG) in r["themes"]
        u = rng.random()
        r["brand"] = (PRICE_BRAND if u < P_PRICE_BRAND[price_neg] else
                      OTHER_BRAND if u < P_PRICE_BRAND[price_neg] + P_OTHER_BRAND else OWN_BRAND)
    # team: a small lucky team, then a large truly better one
    lucky = []
    for b, k in LUCKY_TEAM_BANDS.items():
        pool = [i for i in valid if bands[i] == b]
        lucky += [pool[j] for j in rng.choice(len(pool), size=k, replace=False)]
    for i, r in enumerate(rows):
        if i in lucky:
            r["team"] = LUCKY_TEAM
        elif rng.random() < P_GOOD_TEAM[band(r["score"])]:
            r["team"] = GOOD_TEAM
        else:
            r["team"] = pick(rng, TEAMS)
    # accounts and roles (business customers only): one account whose users and decision makers disagree
    ent = [i for i in valid if rows[i]["customer_type"] == "enterprise"]
    users = [ent[j] for j in rng.permutation(len(ent)) if rows[ent[j]]["score"] <= 4][:SPLIT_USERS]
    deciders = [ent[j] for j in rng.permutation(len(ent)) if rows[ent[j]]["score"] == 10][:SPLIT_DECIDERS]
    for i in users + deciders:
        rows[i].update(account=SPLIT_ACCOUNT, role="user" if i in users else "decision_maker")
    for r in rows:
        if r["customer_type"] != "individual" and not r["account"]:
            r["account"] = pick(rng, ACCOUNTS)
            r["role"] = ROLES[int(rng.choice(len(ROLES), p=ROLE_P))]
    # customer ids: business respondents are people of an account; some private customers answer twice
    seen: list[str] = []
    n_ids = 0
    for r in rows:
        if r["customer_type"] == "individual" and seen and rng.random() < P_REPEAT_CUSTOMER:
            r["customer_id"] = pick(rng, seen)
            continue
        n_ids += 1
        r["customer_id"] = f"K{10000 + n_ids:05d}"
        if r["customer_type"] == "individual":
            seen.append(r["customer_id"])
    src = rows[DUPLICATE_ROW[0]]
    for key in ("customer_id", "account", "role", "team", "brand"):
        rows[dup][key] = src[key]


def draw_outcomes(rng, rows: list[dict]) -> list[tuple[str, int, float]]:
    """One outcome row per customer: churn and revenue change depend on the group of the latest valid score."""
    latest: dict[str, str | None] = {}
    for i, r in enumerate(rows):
        ok = i != DUPLICATE_ROW[1] and i not in BAD_SCORES
        if ok or r["customer_id"] not in latest:
            latest[r["customer_id"]] = band(r["score"]) if ok else None
    out = []
    for cid in sorted(latest):
        b = latest[cid] or "passive"
        out.append((cid, int(rng.random() < CHURN_P[b]), round(float(rng.normal(REVENUE_MEAN[b], REVENUE_SD)), 1)))
    return out


def write_files(rows: list[dict], out_dir: Path, outcomes: list[tuple[str, int, float]]) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"en": out_dir / "sample_survey.csv", "de": out_dir / "sample_survey_de.csv",
             "truth": out_dir / "sample_truth.csv", "outcomes": out_dir / "sample_outcomes.csv",
             "population": out_dir / "sample_population.csv", "benchmarks": out_dir / "sample_benchmarks.csv"}
    extra = ("customer_id", "account", "role", "team", "brand")
    with open(paths["en"], "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(EN_HEADER)
        for r in rows:
            w.writerow([r["response_id"], r["date"].isoformat(), r["score_en"], r["comment"], r["customer_type"], r["channel"],
                        *(r[k] for k in extra)])
    with open(paths["de"], "w", encoding="cp1252", newline="") as f:
        w = csv.writer(f, delimiter=";", lineterminator="\r\n")
        w.writerow(DE_HEADER)
        for r in rows:
            w.writerow([r["response_id"], r["date"].strftime("%d.%m.%Y"), r["score_de"], to_cp1252(r["comment"]),
                        DE_CUSTOMER[r["customer_type"]], DE_CHANNEL[r["channel"]], r["customer_id"], r["account"],
                        DE_ROLE[r["role"]], r["team"], r["brand"]])
    with open(paths["truth"], "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["response_id", "themes", "sentiments", "language"])
        for r in rows:
            w.writerow([r["response_id"], "|".join(t for t, _ in r["themes"]), "|".join(p for _, p in r["themes"]),
                        r["language"]])
    tables = {"outcomes": (["customer_id", "churned", "revenue_change"], outcomes),
              "population": (["customer_type", "share"], list(POPULATION.items())),
              "benchmarks": (["name", "nps", "n", "source", "year"], BENCHMARKS)}
    for key, (header, body) in tables.items():
        with open(paths[key], "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            w.writerows(body)
    return paths


# ----------------------------------------------------------------------------- checks and summary
def nps(scores: pd.Series) -> float:
    return 100.0 * ((scores >= 9).mean() - (scores <= 6).mean())


def summarize(paths: dict[str, Path]) -> str:
    """Summary computed back from the written files (valid rows only)."""
    df = pd.read_csv(paths["en"], dtype=str, keep_default_na=False)
    truth = pd.read_csv(paths["truth"], dtype=str, keep_default_na=False)
    score = pd.to_numeric(df["score"], errors="coerce")
    valid = score.between(0, 10) & (score % 1 == 0) & ~df["response_id"].duplicated()
    df, truth = df[valid].assign(score=score[valid].astype(int)), truth[valid]
    q = pd.to_datetime(df["date"]).dt.quarter
    neg_price = truth["themes"].str.split("|").combine(truth["sentiments"].str.split("|"),
                                                        lambda t, s: ("price", NEG) in zip(t, s))
    filler = truth["themes"].eq("") & df["comment"].str.strip().str.lower().isin({f.lower() for f, _ in FILLER})
    sb = df["customer_type"].eq("small_business")
    written = ~(df["comment"].eq("") | filler)
    lines = [f"rows in file: {len(valid)}, valid responses: {int(valid.sum())}, rejected: {int((~valid).sum())}",
             f"overall NPS: {nps(df['score']):+.1f}",
             "NPS by customer_type: " + ", ".join(f"{k} {nps(g['score']):+.1f} (n={len(g)})"
                                                 for k, g in df.groupby("customer_type")),
             "negative price mentions, small_business, by quarter: " + ", ".join(
                 f"Q{k} {100 * neg_price[sb & q.eq(k)].mean():.1f}%" for k in range(1, 5)),
             "  same, among written (non-empty, non-filler) comments: " + ", ".join(
                 f"Q{k} {100 * neg_price[sb & q.eq(k) & written].mean():.1f}%" for k in range(1, 5)),
             "negative price mentions, others, by quarter: " + ", ".join(
                 f"Q{k} {100 * neg_price[~sb & q.eq(k)].mean():.1f}%" for k in range(1, 5)),
             f"empty comments: {100 * df['comment'].eq('').mean():.1f}%, filler: {100 * filler.mean():.1f}%",
             "language mix: " + ", ".join(f"{k} {100 * v:.1f}%" for k, v in
                                          truth["language"].value_counts(normalize=True).items())]
    return "\n".join(lines)


def verify_german_export(paths: dict[str, Path]) -> None:
    """The German file must read back with pandas and match the English file row for row."""
    en = pd.read_csv(paths["en"], dtype=str, keep_default_na=False)
    de = pd.read_csv(paths["de"], sep=";", encoding="cp1252", dtype=str, keep_default_na=False)
    assert list(de.columns) == DE_HEADER and len(de) == len(en)
    assert (de["Antwort-ID"] == en["response_id"]).all()
    assert (pd.to_datetime(de["Datum"], format="%d.%m.%Y") == pd.to_datetime(en["date"])).all()
    assert (de["Weiterempfehlung"].str.replace(",0", "", regex=False).str.replace(",", ".") == en["score"]).all()
    assert (de["Begründung"] == en["comment"].map(to_cp1252)).all()
    assert (de["Kundentyp"] == en["customer_type"].map(DE_CUSTOMER)).all()
    assert (de["Kanal"] == en["channel"].map(DE_CHANNEL)).all()
    assert (de["Rolle"] == en["role"].map(DE_ROLE)).all()
    for de_col, en_col in (("Kunden-Nr", "customer_id"), ("Firma", "account"), ("Team", "team"), ("Marke", "brand")):
        assert (de[de_col] == en[en_col]).all(), de_col


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument("--n", type=int, default=3000, help="number of valid responses (default 3000)")
    parser.add_argument("--out-dir", type=Path, default=Path(__file__).resolve().parent,
                        help="output folder (default: the folder of this script)")
    args = parser.parse_args(argv)
    if args.n + len(BAD_SCORES) <= max(BAD_SCORES) or args.n <= DUPLICATE_ROW[1]:
        parser.error(f"--n must be larger than {max(max(BAD_SCORES), DUPLICATE_ROW[1])} for the fixed bad-row positions")
    rows = build(args.seed, args.n)
    outcomes = draw_outcomes(np.random.default_rng([args.seed, PROGRAMME_STREAM, 1]), rows)
    paths = write_files(rows, args.out_dir, outcomes)
    verify_german_export(paths)
    for p in paths.values():
        print(f"wrote {p} ({p.stat().st_size / 1024:.0f} KiB)")
    print(summarize(paths))


if __name__ == "__main__":
    main()
