"""A deterministic generator of synthetic NPS survey exports for the batch benchmark (benchmarks/batch.py).

    python benchmarks/batch_data.py 100000 -o /tmp/survey_100k.csv [--seed 0] [--parquet]

Each row: ``response_id``, ``date``, ``score`` (0-10, a realistic NPS mix: about 45 % promoters,
30 % passives, 25 % detractors), ``channel``, ``region`` and ``comment``. Comments are German
(~55 %) or English, written by us from templates: per theme (price, delivery, customer service,
app usability, product quality, billing, returns, website, staff, waiting time, availability,
packaging, loyalty programme) several positive and negative sentence templates with slots for
products, amounts, days, weekdays, minutes, places, staff names, order numbers and adjectives;
the tone follows the score (detractors mostly complain, promoters mostly praise, passives mix).

Length mix: ~20 % empty (a few of them placeholders such as "-" or "n/a"), ~25 % short
(2-6 words), ~35 % medium (1-2 sentences), ~20 % long (3-6 sentences); about 1 % carry an
e-mail address or phone number (so PII redaction has something to do). Medium and long
comments are nearly all distinct; short ones repeat, as real short answers do.

The file is written in blocks (``block`` rows at a time), so a million rows never sit in memory.
Same ``n`` and ``seed`` give the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

COLUMNS = ["response_id", "date", "score", "channel", "region", "comment"]
SCORE_WEIGHTS = [3, 1.5, 2, 2.5, 3, 5, 7, 13, 17, 21, 25]  # 0..10: ~25 % 0-6, ~30 % 7-8, ~46 % 9-10
CHANNELS = ["online", "store", "phone", "app", "marketplace"]
CHANNEL_WEIGHTS = [40, 25, 15, 15, 5]
REGIONS = ["Nord", "Süd", "West", "Ost", "Berlin", "Österreich", "Schweiz", "UK", "Ireland"]
REGION_WEIGHTS = [18, 20, 17, 12, 8, 9, 6, 7, 3]
START = date(2024, 1, 1)
DAYS = 548  # dates rise with the row number over about 18 months, as in a nightly export

# ------------------------------------------------------------------------------------------ slot values
SLOTS = {
    "en": {
        "product": ["washing machine", "laptop", "sofa", "coffee machine", "winter jacket", "printer", "vacuum cleaner",
                    "phone", "mattress", "e-bike", "dishwasher", "TV", "desk chair", "running shoes", "headphones",
                    "fridge", "router", "blender", "tablet", "garden hose", "drill", "baby stroller", "lamp",
                    "suitcase", "monitor", "toaster", "rain jacket", "bookshelf", "kettle", "smartwatch"],
        "adj_pos": ["great", "excellent", "fantastic", "very good", "superb", "brilliant", "solid", "impressive",
                    "friendly", "quick", "smooth", "reliable", "outstanding", "pleasant", "spot on"],
        "adj_neg": ["terrible", "poor", "awful", "disappointing", "slow", "useless", "frustrating", "unacceptable",
                    "bad", "confusing", "sloppy", "rude", "appalling", "mediocre", "annoying"],
        "weekday": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
        "place": ["Hamburg", "Munich", "Cologne", "Leipzig", "Vienna", "Zurich", "Dublin", "London", "Bremen",
                  "Dresden", "Stuttgart", "Graz", "Manchester", "Hanover", "Nuremberg", "Bonn", "Kiel", "Basel"],
        "name": ["Anna", "Tom", "Sarah", "Mehmet", "Julia", "Lukas", "Priya", "Daniel", "Sophie", "Jonas", "Laura",
                 "Ben", "Fatima", "Chris", "Nina", "Oliver", "Emma", "Max", "Lea", "Paul"],
        "carrier": ["DHL", "DPD", "Hermes", "UPS", "GLS", "the courier", "the driver"],
        "feature": ["search", "checkout", "login", "order tracking", "wish list", "filter", "payment screen",
                    "notifications", "account page", "barcode scanner", "dark mode", "chat"],
        "intens": ["really", "very", "quite", "extremely", "pretty", "super", "way too", "incredibly"],
        "opener": ["", "", "", "Honestly, ", "To be fair, ", "Overall ", "Sadly ", "As always, ", "This time ",
                   "Once again ", "I have to say ", "Frankly, "],
    },
    "de": {
        "product": ["Laptop", "Fernseher", "Bürostuhl", "Kühlschrank", "Router", "Mixer", "Drucker", "Staubsauger",
                    "Koffer", "Monitor", "Toaster", "Wasserkocher", "Kinderwagen", "Gartenschlauch", "Rucksack",
                    "Schreibtisch", "Akkuschrauber", "Rasenmäher", "Föhn", "Backofen", "Heizlüfter", "Beamer",
                    "Lautsprecher", "Wintermantel", "Teppich", "Sessel", "Kleiderschrank", "Grill", "Ventilator",
                    "Geschirrspüler"],  # all masculine, so that der/den/dem/vom fit every template
        "adj_pos": ["super", "toll", "hervorragend", "sehr gut", "klasse", "prima", "top", "zuverlässig", "freundlich",
                    "schnell", "reibungslos", "angenehm", "spitze", "einwandfrei", "kompetent"],
        "adj_neg": ["schlecht", "furchtbar", "enttäuschend", "langsam", "unbrauchbar", "nervig", "katastrophal",
                    "unverschämt", "mangelhaft", "umständlich", "chaotisch", "unfreundlich", "ärgerlich",
                    "miserabel", "dürftig"],
        "weekday": ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"],
        "place": ["Hamburg", "München", "Köln", "Leipzig", "Wien", "Zürich", "Bremen", "Dresden", "Stuttgart",
                  "Graz", "Hannover", "Nürnberg", "Bonn", "Kiel", "Basel", "Frankfurt", "Dortmund", "Freiburg"],
        "name": ["Frau Müller", "Herr Schmidt", "Frau Yilmaz", "Herr Weber", "Frau Becker", "Herr Hoffmann",
                 "Frau Schulz", "Herr Koch", "Frau Wagner", "Herr Richter", "Frau Klein", "Herr Wolf",
                 "Frau Neumann", "Herr Krüger", "Frau Braun", "Herr Zimmermann"],
        "carrier": ["DHL", "DPD", "Hermes", "UPS", "GLS", "der Paketbote", "der Fahrer"],
        "feature": ["Suche", "Kasse", "Anmeldung", "Sendungsverfolgung", "Merkliste", "Filterfunktion",
                    "Bezahlseite", "Push-Funktion", "Kontoseite", "Scanfunktion", "Wunschliste", "Chatfunktion"],
        "intens": ["wirklich", "sehr", "ziemlich", "extrem", "echt", "total", "viel zu", "unglaublich"],
        "opener": ["", "", "", "Ehrlich gesagt: ", "Kurz gesagt: ", "Fazit: ", "Anmerkung: ", "Nur so: ", "Übrigens: ",
                   "Wichtig: ", "Also: ", "Hinweis: "],
    },
}

# ------------------------------------------------------------------------------------------ templates
# theme -> language -> tone -> sentence templates ({slot} filled from SLOTS; {n} days, {eur} amount,
# {min} minutes, {order} order number, {pct} percent)
T = {
    "price": {
        "en": {"pos": ["The price for the {product} was {adj_pos}.", "Good value for money, paid only {eur} euros.",
                       "Prices are fair compared to other shops in {place}.",
                       "The {pct}% discount on the {product} was a nice surprise.",
                       "Cheaper than anywhere else I looked, {adj_pos} deal."],
               "neg": ["{intens} expensive for what you get.", "I paid {eur} euros for the {product}, far too much.",
                       "Prices went up again, about {pct}% more than last year.",
                       "The {product} costs {eur} euros here and much less elsewhere.",
                       "Shipping fees of {fee} euros are a joke."]},
        "de": {"pos": ["Der Preis für den {product} war {adj_pos}.", "Preis-Leistung stimmt, nur {eur} Euro bezahlt.",
                       "Faire Preise im Vergleich zu anderen Läden in {place}.",
                       "Die {pct} % Rabatt auf den {product} waren eine schöne Überraschung.",
                       "Günstiger als überall sonst, das Angebot war {adj_pos}."],
               "neg": ["{intens} teuer für das, was man bekommt.", "{eur} Euro für den {product}, viel zu viel.",
                       "Die Preise sind schon wieder um {pct} % gestiegen.",
                       "Der {product} kostet hier {eur} Euro, woanders deutlich weniger.",
                       "Versandkosten von {fee} Euro sind eine Frechheit."]},
    },
    "delivery": {
        "en": {"pos": ["Delivery took only {n} days.", "The {product} arrived on {weekday}, earlier than promised.",
                       "{carrier} was on time and the parcel was {adj_pos}.", "Super fast shipping to {place}.",
                       "Ordered on {weekday}, delivered the next day."],
               "neg": ["Delivery took {n} days instead of two.", "My parcel was stuck in {place} for {n} days.",
                       "{carrier} left the {product} at the wrong address.",
                       "The delivery was {intens} late and nobody told me why.",
                       "Tracking said delivered on {weekday} but nothing arrived."]},
        "de": {"pos": ["Die Lieferung hat nur {n} Tage gedauert.", "Der {product} kam schon am {weekday}, früher als gedacht.",
                       "{carrier} war pünktlich und das Paket {adj_pos}.", "Blitzschneller Versand nach {place}.",
                       "Am {weekday} bestellt, am nächsten Tag geliefert."],
               "neg": ["Die Lieferung hat {n} Tage gedauert statt zwei.", "Mein Paket hing {n} Tage in {place} fest.",
                       "{carrier} hat den {product} an der falschen Adresse abgegeben.",
                       "Die Lieferung kam {intens} spät und keiner sagte warum.",
                       "Laut Sendungsverfolgung am {weekday} zugestellt, angekommen ist nichts."]},
    },
    "service": {
        "en": {"pos": ["Customer service solved my problem in {min} minutes.", "{name} from the hotline was {adj_pos}.",
                       "The support team answered my email within {n} hours.",
                       "Very helpful advice on the {product} from customer service.",
                       "Service was {adj_pos}, they replaced the {product} right away."],
               "neg": ["Customer service never answered my {n} emails.", "{name} on the hotline was {adj_neg}.",
                       "Support keeps sending copy-paste answers, {intens} {adj_neg}.",
                       "Nobody could help me with my broken {product}.",
                       "I was passed around between {n} different agents."]},
        "de": {"pos": ["Der Kundenservice hat mein Problem in {min} Minuten gelöst.", "{name} von der Hotline war {adj_pos}.",
                       "Das Support-Team hat innerhalb von {n} Stunden geantwortet.",
                       "Sehr gute Beratung zum {product} vom Kundendienst.",
                       "Der Service war {adj_pos}, der {product} wurde sofort ersetzt."],
               "neg": ["Der Kundenservice hat auf {n} E-Mails nie geantwortet.", "{name} an der Hotline war {adj_neg}.",
                       "Vom Support kommen nur Textbausteine, {intens} {adj_neg}.",
                       "Niemand konnte mir mit dem defekten {product} helfen.",
                       "Ich wurde zwischen {n} verschiedenen Mitarbeitern hin und her geschickt."]},
    },
    "app": {
        "en": {"pos": ["The app is {adj_pos} and easy to use.", "The new {feature} in the app works {adj_pos}.",
                       "Ordering through the app takes less than {min} minutes.",
                       "Love the app, the {feature} is really handy."],
               "neg": ["The app crashes every time I open the {feature}.", "The {feature} in the app is {intens} {adj_neg}.",
                       "Since the last update the app takes {n} seconds to load.",
                       "I could not log in to the app for {n} days.", "The app keeps logging me out, {adj_neg}."]},
        "de": {"pos": ["Die App ist {adj_pos} und einfach zu bedienen.", "Die neue {feature} in der App funktioniert {adj_pos}.",
                       "Bestellen über die App dauert keine {min} Minuten.",
                       "Tolle App, die {feature} ist sehr praktisch."],
               "neg": ["Die App stürzt jedes Mal ab, wenn ich die {feature} öffne.",
                       "Die {feature} in der App ist {intens} {adj_neg}.",
                       "Seit dem letzten Update braucht die App {n} Sekunden zum Laden.",
                       "Ich konnte mich {n} Tage lang nicht in der App anmelden.",
                       "Die App meldet mich ständig ab, {adj_neg}."]},
    },
    "quality": {
        "en": {"pos": ["The {product} is {adj_pos} quality.", "My {product} still works perfectly after {n} months.",
                       "Well made {product}, feels {intens} sturdy.", "Exactly as described, the {product} is {adj_pos}."],
               "neg": ["The {product} broke after {n} weeks.", "Poor quality, the {product} feels cheap.",
                       "The {product} was already damaged when it arrived.",
                       "The {product} stopped working after {n} days, {adj_neg}.",
                       "Quality of the {product} has gotten {intens} worse."]},
        "de": {"pos": ["Die Qualität vom {product} ist {adj_pos}.", "Mein {product} läuft nach {n} Monaten noch einwandfrei.",
                       "Gut verarbeiteter {product}, fühlt sich {intens} stabil an.",
                       "Genau wie beschrieben, der {product} ist {adj_pos}."],
               "neg": ["Der {product} war nach {n} Wochen kaputt.", "Schlechte Qualität, der {product} wirkt billig.",
                       "Der {product} kam schon beschädigt an.",
                       "Der {product} ging nach {n} Tagen nicht mehr, {adj_neg}.",
                       "Die Qualität vom {product} ist {intens} schlechter geworden."]},
    },
    "billing": {
        "en": {"pos": ["The invoice was correct and clear.", "Paying by invoice was easy.",
                       "The refund of {eur} euros was on my account within {n} days."],
               "neg": ["I was charged twice for order {order}.", "The invoice shows {eur} euros instead of the price in the shop.",
                       "Still waiting for my refund of {eur} euros after {n} weeks.",
                       "Billing is a mess, three reminders for an invoice I already paid.",
                       "My card was debited {n} times for the same {product}."]},
        "de": {"pos": ["Die Rechnung war korrekt und übersichtlich.", "Kauf auf Rechnung war unkompliziert.",
                       "Die Erstattung von {eur} Euro war nach {n} Tagen auf dem Konto."],
               "neg": ["Bestellung {order} wurde mir doppelt berechnet.",
                       "Auf der Rechnung stehen {eur} Euro statt des Preises im Shop.",
                       "Warte seit {n} Wochen auf die Erstattung von {eur} Euro.",
                       "Die Abrechnung ist chaotisch, drei Mahnungen für eine bezahlte Rechnung.",
                       "Meine Karte wurde {n} Mal für denselben {product} belastet."]},
    },
    "returns": {
        "en": {"pos": ["Returning the {product} was {adj_pos} and free.", "The return label came within {min} minutes.",
                       "Exchange of the {product} went smoothly."],
               "neg": ["Returning the {product} was a nightmare.", "They refused my return after {n} days.",
                       "I had to pay {fee} euros to send the {product} back."]},
        "de": {"pos": ["Die Rücksendung vom {product} war {adj_pos} und kostenlos.",
                       "Das Retourenetikett kam innerhalb von {min} Minuten.", "Der Umtausch vom {product} lief reibungslos."],
               "neg": ["Die Rücksendung vom {product} war ein Albtraum.", "Die Retoure wurde nach {n} Tagen abgelehnt.",
                       "Ich musste {fee} Euro zahlen, um den {product} zurückzuschicken."]},
    },
    "website": {
        "en": {"pos": ["The website is clear and I found the {product} quickly.", "Checkout on the website took {min} minutes."],
               "neg": ["The website was down on {weekday} evening.", "The {feature} on the website is {adj_neg}.",
                       "Product descriptions on the website are wrong for the {product}."]},
        "de": {"pos": ["Die Webseite ist übersichtlich, den {product} schnell gefunden.",
                       "Die Bestellung auf der Webseite dauerte {min} Minuten."],
               "neg": ["Die Webseite war am {weekday} abend nicht erreichbar.", "Die {feature} auf der Webseite ist {adj_neg}.",
                       "Die Produktbeschreibung zum {product} auf der Webseite stimmt nicht."]},
    },
    "staff": {
        "en": {"pos": ["The staff in the {place} store were {adj_pos}.", "{name} in the store took time to explain the {product}.",
                       "Friendly and competent staff in {place}."],
               "neg": ["The staff in {place} were {adj_neg} and not interested.", "Nobody in the {place} store knew anything about the {product}.",
                       "The cashier in {place} was {intens} {adj_neg}."]},
        "de": {"pos": ["Die Mitarbeiter in der Filiale {place} waren {adj_pos}.",
                       "{name} in der Filiale hat sich Zeit genommen, den {product} zu erklären.",
                       "Freundliches und kompetentes Personal in {place}."],
               "neg": ["Das Personal in {place} war {adj_neg} und desinteressiert.",
                       "In der Filiale {place} wusste keiner etwas über den {product}.",
                       "Die Kassiererin in {place} war {intens} {adj_neg}."]},
    },
    "waiting": {
        "en": {"pos": ["No waiting at the hotline, got through immediately.", "Only {min} minutes on hold, which is fine."],
               "neg": ["I waited {min} minutes on hold.", "Waited {min} minutes at the checkout in {place}.",
                       "The hotline queue is {intens} long, {min} minutes every time."]},
        "de": {"pos": ["Keine Warteschleife, sofort durchgekommen.", "Nur {min} Minuten in der Warteschleife, das geht."],
               "neg": ["Ich hing {min} Minuten in der Warteschleife.", "{min} Minuten an der Kasse in {place} gewartet.",
                       "Die Warteschleife ist {intens} lang, jedes Mal {min} Minuten."]},
    },
    "availability": {
        "en": {"pos": ["The {product} was in stock right away.", "Great selection, they had every {product} I wanted."],
               "neg": ["The {product} has been out of stock for {n} weeks.", "Half the items were sold out in {place}.",
                       "They cancelled my {product} because it was not available."]},
        "de": {"pos": ["Der {product} war sofort lieferbar.", "Tolle Auswahl, jeder {product}, den ich wollte, war da."],
               "neg": ["Der {product} ist seit {n} Wochen ausverkauft.", "In {place} war die Hälfte der Artikel ausverkauft.",
                       "Mein {product} wurde storniert, weil er nicht verfügbar war."]},
    },
    "packaging": {
        "en": {"pos": ["The packaging was {adj_pos} and recyclable.", "Nicely packed, the {product} was well protected."],
               "neg": ["Huge box for a tiny {product}, so much plastic.", "The packaging was torn and the {product} scratched."]},
        "de": {"pos": ["Die Verpackung war {adj_pos} und recycelbar.", "Gut verpackt, der {product} war gut geschützt."],
               "neg": ["Riesiger Karton für einen kleinen {product}, so viel Plastik.",
                       "Die Verpackung war aufgerissen und der {product} zerkratzt."]},
    },
    "loyalty": {
        "en": {"pos": ["The loyalty points paid for half of my {product}.", "Member discount of {pct}% is {adj_pos}."],
               "neg": ["My loyalty points from {weekday} were never credited.", "The membership fee of {eur} euros is not worth it."]},
        "de": {"pos": ["Mit den Treuepunkten war der {product} fast halb so teuer.", "{pct} % Mitgliederrabatt ist {adj_pos}."],
               "neg": ["Meine Treuepunkte vom {weekday} wurden nie gutgeschrieben.",
                       "Die Mitgliedsgebühr von {eur} Euro lohnt sich nicht."]},
    },
}
THEMES = list(T)
PROPER = {"I", *(w for lang in SLOTS.values() for key in ("name", "place", "carrier") for v in lang[key]
                 for w in v.split()[:1]), "TV"}
THEME_WEIGHTS = [14, 16, 13, 9, 12, 7, 6, 5, 5, 4, 4, 3, 2]

GENERAL = {  # no particular theme: openers, closers, overall verdicts
    "en": {"pos": ["Will definitely order again.", "Keep up the good work!", "I recommend you to all my friends.",
                   "Been a customer for {n} years and always happy.", "Overall a {adj_pos} experience."],
           "neg": ["Never again.", "I will shop elsewhere from now on.", "Very disappointed this time.",
                   "Been a customer for {n} years, but this was the last time.", "Overall a {adj_neg} experience."],
           "mix": ["Some things good, some not.", "Mostly fine, but there is room for improvement.",
                   "OK overall.", "Not bad, not great."]},
    "de": {"pos": ["Ich bestelle bestimmt wieder.", "Weiter so!", "Ich empfehle euch allen Freunden.",
                   "Seit {n} Jahren Kunde und immer zufrieden.", "Insgesamt {adj_pos}."],
           "neg": ["Nie wieder.", "Ab jetzt kaufe ich woanders.", "Diesmal sehr enttäuscht.",
                   "Seit {n} Jahren Kunde, aber das war das letzte Mal.", "Insgesamt {adj_neg}."],
           "mix": ["Manches gut, manches nicht.", "Im Großen und Ganzen okay, aber ausbaufähig.", "Passt schon.",
                   "Nicht schlecht, aber auch nicht toll."]},
}

SHORT = {  # 2-6 words
    "en": {"pos": ["{adj_pos} service", "fast delivery", "good prices", "{adj_pos} app", "great {product}",
                   "all good thanks", "{intens} happy", "quick and easy", "friendly staff in {place}",
                   "{product} arrived in {n} days", "love the app"],
           "neg": ["too expensive", "delivery {intens} slow", "{adj_neg} customer service", "app keeps crashing",
                   "{product} broke", "wrong invoice", "waited {n} days", "no answer to emails",
                   "{adj_neg} quality", "refund still missing", "rude staff in {place}"],
           "mix": ["ok", "price could be lower", "fine mostly", "delivery ok, app {adj_neg}", "it's alright"]},
    "de": {"pos": ["Service {adj_pos}", "schnelle Lieferung", "gute Preise", "App ist {adj_pos}", "toller {product}",
                   "alles gut danke", "{intens} zufrieden", "schnell und unkompliziert", "nettes Personal in {place}",
                   "{product} nach {n} Tagen da", "Lieferung top"],
           "neg": ["zu teuer", "Lieferung {intens} langsam", "Kundenservice {adj_neg}", "App stürzt ständig ab",
                   "{product} kaputt", "Rechnung falsch", "{n} Tage gewartet", "keine Antwort auf Mails",
                   "Qualität {adj_neg}", "Erstattung fehlt noch", "unfreundliches Personal in {place}"],
           "mix": ["passt", "Preis könnte niedriger sein", "meistens okay", "Lieferung ok, App {adj_neg}", "geht so"]},
}
PLACEHOLDERS = ["-", ".", "n/a", "keine", "nichts", "--", "no comment", "k.A."]
PII = {"en": ["You can reach me at {mail}.", "Please call me back on {phone}."],
       "de": ["Erreichbar unter {mail}.", "Bitte rufen Sie mich unter {phone} zurück."]}


class _Writer:
    """Fills templates with a seeded random.Random: the same seed gives the same comments."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def fill(self, template: str, lang: str) -> str:
        rng, slots = self.rng, SLOTS[lang]
        if "{" not in template:
            return template
        values = {key: rng.choice(values) for key, values in slots.items() if "{" + key + "}" in template}
        for key, make in (("n", lambda: rng.randint(2, 14)), ("min", lambda: rng.choice([5, 10, 15, 20, 25, 30, 40, 45, 60, 90])),
                          ("pct", lambda: rng.choice([5, 10, 15, 20, 25, 30])),
                          ("eur", lambda: f"{rng.randint(9, 899)}{rng.choice([',99', ',00', ',50', ''])}"
                           if lang == "de" else f"{rng.randint(9, 899)}{rng.choice(['.99', '.00', '.50', ''])}"),
                          ("fee", lambda: rng.choice(["4,95", "5,99", "6,90", "9,95"] if lang == "de" else
                                                     ["4.95", "5.99", "6.90", "9.95"])),
                          ("order", lambda: f"{rng.randint(100000, 999999)}"),
                          ("mail", lambda: f"{rng.choice(['kunde', 'm.meyer', 'jsmith', 'info', 'anna.k'])}"
                                           f"{rng.randint(1, 999)}@{rng.choice(['example.com', 'mail.de', 'web.de'])}"),
                          ("phone", lambda: f"+49 {rng.randint(151, 179)} {rng.randint(1000000, 9999999)}")):
            if "{" + key + "}" in template:
                values[key] = make()
        text = template.format(**values)
        return text[0].upper() + text[1:] if text[0].islower() else text

    def sentence(self, lang: str, tone: str, theme: str | None = None) -> str:
        rng = self.rng
        if theme is None:
            theme = rng.choices(THEMES, THEME_WEIGHTS)[0]
        if tone == "mix":
            tone = rng.choice(["pos", "neg"])
        text = self.fill(rng.choice(T[theme][lang][tone]), lang)
        opener = rng.choice(SLOTS[lang]["opener"])
        if opener and rng.random() < 0.5:
            first = text.split(" ", 1)[0]
            # English openers run into the sentence ("Honestly, the app ..."); German ones end in a colon
            keep = lang == "de" or first in PROPER or (first[:-1] in PROPER and first.endswith("'s"))
            text = opener + (text if keep else text[0].lower() + text[1:])
        return text

    def comment(self, score: int) -> tuple[str, str]:
        """(comment, language) for one respondent with this score."""
        rng = self.rng
        lang = "de" if rng.random() < 0.55 else "en"
        base = "pos" if score >= 9 else "neg" if score <= 6 else "mix"
        kind = rng.random()
        if kind < 0.18:
            return "", lang
        if kind < 0.20:
            return rng.choice(PLACEHOLDERS), lang
        if kind < 0.45:  # short, 2-6 words
            return self.fill(rng.choice(SHORT[lang][base]), lang), lang
        count = rng.randint(1, 2) if kind < 0.80 else rng.randint(3, 6)
        parts = []
        for i in range(count):
            # the tone mostly follows the score; now and then the other way ("good app, but...")
            tone = base if rng.random() < 0.8 else ("neg" if base == "pos" else "pos")
            if count >= 3 and i == count - 1 and rng.random() < 0.5:
                parts.append(self.fill(rng.choice(GENERAL[lang][base]), lang))
            else:
                parts.append(self.sentence(lang, tone))
        if rng.random() < 0.01:
            parts.append(self.fill(rng.choice(PII[lang]), lang))
        return " ".join(parts), lang


def iter_blocks(n: int, *, seed: int = 0, block: int = 50_000) -> Iterator[list[list]]:
    """Rows of the survey, ``block`` at a time (each row a list in COLUMNS order)."""
    rng = random.Random(seed)
    writer = _Writer(rng)
    scores = list(range(11))
    for start in range(0, n, block):
        rows = []
        for i in range(start, min(n, start + block)):
            score = rng.choices(scores, SCORE_WEIGHTS)[0]
            comment, _ = writer.comment(score)
            day = START + timedelta(days=i * DAYS // max(n, 1))
            rows.append([f"R{i + 1:08d}", day.isoformat(), score, rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0],
                         rng.choices(REGIONS, REGION_WEIGHTS)[0], comment])
        yield rows


def write_csv(path: str | Path, n: int, *, seed: int = 0, block: int = 50_000) -> Path:
    """Write ``n`` rows to ``path`` (UTF-8 CSV with a header), block by block."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(COLUMNS)
        for rows in iter_blocks(n, seed=seed, block=block):
            out.writerows(rows)
    return path


def write_parquet(path: str | Path, n: int, *, seed: int = 0, block: int = 50_000) -> Path:
    """The same rows as a Parquet file (one row group per block), written block by block."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([("response_id", pa.string()), ("date", pa.string()), ("score", pa.int8()),
                        ("channel", pa.string()), ("region", pa.string()), ("comment", pa.string())])
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with pq.ParquetWriter(path, schema) as writer:
        for rows in iter_blocks(n, seed=seed, block=block):
            columns = list(zip(*rows))
            writer.write_table(pa.table([pa.array(c, type=f.type) for c, f in zip(columns, schema)], schema=schema))
    return path


def describe(path: str | Path, *, limit: int | None = None) -> dict:
    """Shares of empty/short/medium/long comments, distinct share of the non-empty ones, words per comment."""
    import collections

    counts, distinct, words, total = collections.Counter(), set(), 0, 0
    with Path(path).open(encoding="utf-8", newline="") as handle:
        for i, row in enumerate(csv.DictReader(handle)):
            if limit and i >= limit:
                break
            total += 1
            text = row["comment"].strip()
            n_words = len(text.split())
            if not text or text in PLACEHOLDERS:
                counts["empty_or_placeholder"] += 1
                continue
            distinct.add(text)
            words += n_words
            sentences = sum(text.count(c) for c in ".!?") or 1
            counts["short_2_6_words" if n_words <= 6 and sentences <= 1 else "medium" if sentences <= 2 else "long"] += 1
    filled = total - counts["empty_or_placeholder"]
    return {"rows": total, **{k: round(v / total, 3) for k, v in sorted(counts.items())},
            "distinct_share_of_non_empty": round(len(distinct) / filled, 3) if filled else None,
            "mean_words_non_empty": round(words / filled, 1) if filled else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", type=int)
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--parquet", action="store_true", help="write Parquet instead of CSV")
    args = parser.parse_args()
    (write_parquet if args.parquet else write_csv)(args.output, args.n, seed=args.seed)
    print(args.output)


if __name__ == "__main__":
    main()
