"""Guided discovery: the analyst's taxonomy as seed topics, in the fit, in predict, in names and in saved models."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import normalized_mutual_info_score

from nps_text.discover import ThemeDiscovery, counts_line
from nps_text.errors import DiscoveryModelError, ParameterError, TaxonomyError
from nps_text.tagging import RuleTagger
from nps_text.tagging.taxonomy import default_taxonomy
from nps_text.text.prepare import prepare_text

# three themes of the bundled taxonomy and one it lacks ("green")
GROUPS = {
    "price": ["Preis viel zu hoch", "Leider zu teuer", "Preiserhöhung ärgerlich", "Preis ist fair"],
    "delivery": ["Lieferung kam spät", "Paket kam beschädigt", "Lieferzeit zu lang", "Lieferung pünktlich"],
    "billing": ["Rechnung falsch", "Doppelt abgebucht", "Rechnung unverständlich", "Gutschrift fehlt leider"],
    "green": ["Nachhaltigkeit leider schlecht", "Umweltschutz ist gut", "Klimaneutral wäre toll",
              "Nachhaltigkeit fehlt leider"],
}
# complaints of seven different things that no theme of the bundled taxonomy names, close in the vectors
MISC = ["Leider das Menü", "Leider der Lack", "Leider die Schrift", "Leider die Farbe", "Leider der Deckel",
        "Leider das Kabel", "Leider der Griff"]
PARAMS = dict(n_themes=4, min_size=5, min_top=2, max_top=6)


def _survey(copies: int = 6, groups: dict[str, list[str]] = GROUPS):
    """Clauses whose vectors tell price, delivery and billing apart by nothing (one cloud), and "green" (and "misc")
    by an axis of its own: only the guide's keywords can separate the first three."""
    rows = [{"response_id": f"{group}-{k}-{j}", "comment": text, "score": 5}
            for group, texts in groups.items() for k in range(copies) for j, text in enumerate(texts)]
    _, sentences = prepare_text(pd.DataFrame(rows))
    rng = np.random.default_rng(0)
    vectors = rng.normal(0, 0.05, (len(sentences), 8)) + np.eye(8)[0]
    vectors[sentences["response_id"].str.startswith("green").to_numpy(), 1] += 1.0
    vectors[sentences["response_id"].str.startswith("misc").to_numpy(), 2] += 1.0
    truth = sentences["response_id"].str.split("-").str[0].to_numpy()
    return sentences, vectors.astype(np.float32), truth


@pytest.fixture(scope="module")
def guided():
    sentences, vectors, truth = _survey()
    return sentences, vectors, truth, ThemeDiscovery(guide="default", **PARAMS).fit(sentences, vectors)


def test_the_guide_separates_what_the_vectors_do_not(guided):
    sentences, vectors, truth, model = guided
    unguided = ThemeDiscovery(**PARAMS).fit(sentences, vectors)
    assert normalized_mutual_info_score(truth, model.labels_) > 0.9
    assert normalized_mutual_info_score(truth, unguided.labels_) < 0.7


def test_themes_are_named_after_the_guide_and_a_theme_it_lacks_is_still_found(guided):
    sentences, _, truth, model = guided
    names = {t["guide"]: t["name"] for t in model.themes_}
    taxonomy = default_taxonomy()
    for theme in ("price", "delivery", "billing"):
        assert names[theme] == f"{taxonomy[theme].name['de']} / {taxonomy[theme].name['en']}"
    green = [t for t in model.themes_ if t["guide"] is None]
    assert len(green) == 1 and "Nachhaltigkeit" in green[0]["keywords_de"]
    rows = np.flatnonzero(truth == "green")
    assert set(model.labels_[rows]) == {green[0]["theme"]}
    tops = [t for t in model.top_themes_ if t["kind"] == "topic"]
    guided = sum(t["guide"] is not None for t in tops)
    assert model.report_["n_guided_top_themes"] == guided >= 2
    others = [t["name"] for t in tops if t["guide"] is None]
    assert model.report_["unguided_top_themes"] == others
    expected = f"The guide names all {guided} top-level topics." if not others else \
        f"The guide names {guided} top-level themes; not named by it: {'; '.join(others)}"
    assert expected in counts_line(model.report_)


def test_a_theme_the_guide_does_not_name_is_mixed_below_half_its_clauses_named_by_its_keywords():
    """Guided, the clauses no guide theme names gather by shape ("Great job", "Menü ist unlogisch", "zahle jetzt
    59 €" as "Menü" on the sample): a keyword share that passes as a topic unguided (1/3) is mixed here (1/2)."""
    groups = {**{k: v for k, v in GROUPS.items() if k != "green"}, "misc": MISC}
    sentences, vectors, truth = _survey(groups=groups)
    rows = np.flatnonzero(truth == "misc")
    for guide, kind in ((None, "topic"), ("default", "mixed")):
        model = ThemeDiscovery(guide=guide, **PARAMS).fit(sentences, vectors)
        misc = int(pd.Series(model.labels_[rows]).mode()[0])
        theme = next(t for t in model.themes_ if t["theme"] == misc)
        assert 1 / 3 <= theme["keyword_share"] < 1 / 2 and theme["kind"] == kind, theme
    assert theme["guide"] is None and theme["name"].startswith("Gemischt (")
    top = next(t for t in model.top_themes_ if misc in t["subthemes"])  # a top whose sub-themes are all mixed is too
    assert all(t["kind"] == "mixed" for t in model.themes_ if t["theme"] in top["subthemes"])
    assert top["kind"] == "mixed" and top["keyword_share"] > 0  # the share of its own clauses, not of none
    assert model.report_["unguided_top_themes"] == [t["name"] for t in model.top_themes_ if t["guide"] is None]


def test_predict_applies_the_guide_to_new_comments(guided):
    sentences, vectors, _, model = guided
    np.testing.assert_array_equal(model.predict(sentences, vectors), model.labels_)
    _, new = prepare_text(pd.DataFrame({"response_id": ["n1", "n2"], "comment": ["Rechnung war falsch", "Zu teuer"]}))
    cloud = np.tile(np.eye(8, dtype=np.float32)[0], (2, 1))
    by_guide = {t["theme"]: t["guide"] for t in model.themes_}
    assert [by_guide[i] for i in model.predict(new, cloud)] == ["billing", "price"]


def test_a_saved_guided_model_keeps_its_guide_as_yaml(tmp_path, guided):
    sentences, vectors, _, model = guided
    model.save(tmp_path / "m")
    assert (tmp_path / "m" / "guide.yaml").is_file()
    loaded = ThemeDiscovery.load(tmp_path / "m")
    assert loaded.guide_.ids == default_taxonomy().ids
    assert [t["name"] for t in loaded.themes_] == [t["name"] for t in model.themes_]
    np.testing.assert_array_equal(loaded.predict(sentences, vectors), model.labels_)
    text = (tmp_path / "m" / "guide.yaml").read_text(encoding="utf-8")
    (tmp_path / "m" / "guide.yaml").write_text(text.replace("id: billing", "id: invoices"), encoding="utf-8")
    with pytest.raises(DiscoveryModelError, match=r"themes missing: \['billing'\]"):
        ThemeDiscovery.load(tmp_path / "m")
    (tmp_path / "m" / "guide.yaml").write_text("!!python/object:os.system\n" + text, encoding="utf-8")
    with pytest.raises(TaxonomyError):
        ThemeDiscovery.load(tmp_path / "m")
    (tmp_path / "m" / "guide.yaml").unlink()
    with pytest.raises(DiscoveryModelError, match="guide.yaml is missing"):
        ThemeDiscovery.load(tmp_path / "m")


def test_a_wrong_guide_is_a_clear_error(tmp_path):
    sentences, vectors, _ = _survey(copies=2)
    with pytest.raises(TaxonomyError, match=r"missing.yaml' does not exist: .*--guide default"):
        ThemeDiscovery(guide=str(tmp_path / "missing.yaml"), **PARAMS).fit(sentences, vectors)
    for guide, problem in (("", "is empty"), (str(tmp_path), "is a folder")):
        with pytest.raises(TaxonomyError, match=problem):
            ThemeDiscovery(guide=guide, **PARAMS).fit(sentences, vectors)
    with pytest.raises(ParameterError, match="guide_weight"):
        ThemeDiscovery(guide="default", guide_weight=0, **PARAMS).fit(sentences, vectors)


def test_theme_matrix_is_the_taggers_matches():
    sentences, _, _ = _survey(copies=1)
    sentences = sentences.assign(start=0)
    themes = ["delivery", "billing", "price"]
    matrix = RuleTagger().theme_matrix(sentences, themes)
    mentions = RuleTagger().tag(sentences)
    keys = list(zip(sentences["response_id"], sentences["sentence_id"]))
    expected = np.zeros_like(matrix)
    for r, i, theme in zip(mentions["response_id"], mentions["sentence_id"], mentions["theme"]):
        if theme in themes:
            expected[keys.index((r, i)), themes.index(theme)] = True
    np.testing.assert_array_equal(matrix, expected)
    assert matrix.any(axis=0).all()
