"""Theme discovery: themes, filler, determinism, save/load, analyst edits, taxonomy round trip."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from nps_text.discover import (
    FILLER,
    UNASSIGNED,
    DiscoveryModelError,
    ThemeDiscovery,
    discover_themes,
)
from nps_text.errors import ParameterError
from nps_text.tagging.contract import MENTION_COLUMNS
from nps_text.text.prepare import prepare_text
from tests.fakes import LexiconEmbedder

GROUPS = {
    "price": ("teuer", "preis", "expensive", "price"),
    "delivery": ("liefer", "deliver", "late", "spät"),
    "service": ("kundenservice", "freundlich", "service", "friendly"),
    "quality": ("qualität", "größe", "quality", "broke"),
}
COMMENTS = {
    "price": ["Viel zu teuer", "Die Preiserhöhung ist frech und teuer", "Preis zu hoch, teuer",
              "Way too expensive", "The price is too expensive for me", "expensive price again"],
    "delivery": ["Lieferzeit viel zu lang", "Die Lieferzeit war zu lang, Lieferung spät", "Lieferung kam spät",
                 "Delivery was late", "late delivery again", "the delivery came late"],
    "service": ["Kundenservice super freundlich", "Der Kundenservice war sehr freundlich", "freundlicher Kundenservice",
                "Great friendly service", "friendly customer service", "service was friendly"],
    "quality": ["Qualität schlecht, Größe passt nicht", "Die Größe stimmt nicht, Qualität mies",
                "Qualität ist schlecht", "poor quality, it broke", "quality is bad, broke quickly", "it broke, quality"],
}
SCORES = {"price": 2, "delivery": 4, "service": 10, "quality": 6}
# In this 5-dimensional fake space tone and topic are one axis (price and delivery clauses are the
# negative ones), so projecting tone out would merge topics, and every clause with a negation is about
# quality ("Größe passt nicht"), so centring them apart would move them off it; both have tests of their own.
FAKE_SPACE = {"remove_tone": False, "remove_negation": False}


def _responses(copies: int = 8) -> pd.DataFrame:
    rows = []
    for group, comments in COMMENTS.items():
        for k in range(copies):
            for j, comment in enumerate(comments):
                rows.append({"response_id": f"{group}-{k}-{j}", "score": SCORES[group],
                             "comment": f"{comment}. Keine Angabe" if j == 0 and k == 0 else comment})
    rows += [{"response_id": f"filler-{k}", "score": 8, "comment": c}
             for k, c in enumerate(["keine Angabe", "-", "weiß nicht", "no comment", "n/a"] * 4)]
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def prepared():
    responses, sentences = prepare_text(_responses())
    vectors = LexiconEmbedder(GROUPS).encode(sentences["text"].tolist())
    vectors = vectors + np.random.default_rng(0).normal(0, 0.02, vectors.shape).astype(np.float32)
    return responses, sentences, vectors


@pytest.fixture(scope="module")
def model(prepared):
    _, sentences, vectors = prepared
    return ThemeDiscovery(n_themes=4, min_size=5, **FAKE_SPACE).fit(sentences, vectors)


def _theme_of(model, word: str) -> dict:
    return next(t for t in model.themes_ if word in t["keywords_de"] + t["keywords_en"])


def test_finds_the_planted_groups_with_german_keywords_intact(model):
    assert len(model.themes_) == 4
    assert "teuer" in _theme_of(model, "teuer")["keywords_de"]
    assert "Lieferzeit" in _theme_of(model, "Lieferzeit")["keywords_de"]
    assert "Kundenservice" in _theme_of(model, "Kundenservice")["keywords_de"]
    quality = _theme_of(model, "Qualität")
    assert "Größe" in quality["keywords_de"] and "quality" in quality["keywords_en"]
    assert "expensive" in _theme_of(model, "teuer")["keywords_en"]  # German and English side by side


def test_every_theme_is_one_planted_group(prepared, model):
    _, sentences, _ = prepared
    for theme in model.themes_:
        groups = sentences["response_id"][model.labels_ == theme["theme"]].str.split("-").str[0]
        assert groups.nunique() == 1, theme


def test_filler_never_forms_or_joins_a_theme(prepared, model):
    _, sentences, vectors = prepared
    filler = sentences["text"].str.lower().str.contains("keine angabe")
    assert filler.any()
    assert (model.labels_[filler.to_numpy()] == FILLER).all()
    assert model.report_["n_filler"] == int(filler.sum())
    # even when asked for many clusters, filler vectors are not clustered
    many = ThemeDiscovery(n_themes=8, min_size=2, **FAKE_SPACE).fit(sentences, vectors)
    assert (many.labels_[filler.to_numpy()] == FILLER).all()


def test_ids_by_size_and_identical_on_refit_and_other_seed(prepared, model):
    _, sentences, vectors = prepared
    sizes = [t["size"] for t in model.themes_]
    assert sizes == sorted(sizes, reverse=True)
    again = ThemeDiscovery(n_themes=4, min_size=5, seed=7, **FAKE_SPACE).fit(sentences, vectors)
    np.testing.assert_array_equal(again.labels_, model.labels_)
    assert again.themes_ == model.themes_


def test_fit_beyond_max_fit_uses_every_clause_and_is_deterministic_per_seed(prepared):
    _, sentences, vectors = prepared
    params = dict(n_themes=4, min_size=5, max_fit=100, n_micro=40, seed=3, **FAKE_SPACE)
    a = ThemeDiscovery(**params).fit(sentences, vectors)
    b = ThemeDiscovery(**params).fit(sentences, vectors)
    assert a.report_["tree"] == "micro" and a.report_["n_fit"] == a.report_["n_clustered"] > 100
    other_seed = ThemeDiscovery(**{**params, "seed": 11}).fit(sentences, vectors)
    np.testing.assert_array_equal(other_seed.labels_, a.labels_)  # the micro-clusters use no seed
    for theme in a.themes_:  # the micro-cluster tree finds the same planted groups
        groups = sentences["response_id"][a.labels_ == theme["theme"]].str.split("-").str[0]
        assert groups.nunique() == 1
    np.testing.assert_array_equal(a.labels_, b.labels_)
    assert a.themes_ == b.themes_


def test_predict_on_fitted_sentences_equals_labels(prepared, model):
    _, sentences, vectors = prepared
    np.testing.assert_array_equal(model.predict(sentences, vectors), model.labels_)
    assert model.transform(sentences, vectors).shape == (len(sentences), 4)


def test_saved_model_assigns_new_comments_exactly_as_the_fitted_one(tmp_path, prepared, model):
    _, new = prepare_text(pd.DataFrame({"response_id": ["n1", "n2", "n3"],
                                        "comment": ["Zu teuer, Lieferung spät", "friendly service", "keine Angabe. ok"]}))
    new_vectors = LexiconEmbedder(GROUPS).encode(new["text"].tolist())
    loaded = ThemeDiscovery.load(model.save(tmp_path / "m", include_texts=True))  # texts: the very same themes_
    np.testing.assert_array_equal(loaded.predict(new, new_vectors), model.predict(new, new_vectors))
    np.testing.assert_array_equal(loaded.transform(new, new_vectors), model.transform(new, new_vectors))
    assert loaded.themes_ == model.themes_ and loaded.get_params() == model.get_params()
    assert model.predict(new, new_vectors)[0] == _theme_of(model, "teuer")["theme"]


def test_load_refuses_foreign_files_and_explains(tmp_path, model):
    folder = model.save(tmp_path / "m")
    (folder / "extra.pkl").write_bytes(b"\x80\x04")
    with pytest.raises(DiscoveryModelError, match="unexpected files \\['extra.pkl'\\]"):
        ThemeDiscovery.load(folder)
    with pytest.raises(DiscoveryModelError, match="discovery.json is missing"):
        ThemeDiscovery.load(tmp_path / "nowhere")
    (folder / "extra.pkl").unlink()
    np.save(folder / "labels.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(DiscoveryModelError, match="cannot read the model arrays"):
        ThemeDiscovery.load(folder)


def test_merge_split_rename_drop_return_new_models(prepared, model):
    before = [dict(t) for t in model.themes_]
    price, delivery = _theme_of(model, "teuer")["theme"], _theme_of(model, "Lieferzeit")["theme"]
    merged = model.merge([price, delivery], name="Preis und Lieferung")
    assert len(merged.themes_) == 3 and model.themes_ == before  # the original is untouched
    target = min(price, delivery)
    assert (merged.labels_[np.isin(model.labels_, [price, delivery])] == target).all()
    assert next(t for t in merged.themes_ if t["theme"] == target)["key"] == "preis_und_lieferung"
    split = merged.split(target, 2)
    assert len(split.themes_) == 4 and max(split.theme_ids_) == 4
    renamed = model.rename(price, "Preis & Kosten")
    assert next(t for t in renamed.themes_ if t["theme"] == price)["name"] == "Preis & Kosten"
    dropped = model.drop([price])
    assert price not in dropped.active_ids
    assert (dropped.labels_[model.labels_ == price] == UNASSIGNED).all()
    assert dropped.report_["n_unassigned"] == before[[t["theme"] for t in before].index(price)]["size"]
    _, sentences, vectors = prepared
    np.testing.assert_array_equal(dropped.predict(sentences, vectors), dropped.labels_)


def test_edit_errors_name_the_problem(model):
    with pytest.raises(ParameterError, match=r"Cannot merge theme\(s\) \[99\]: not among the themes"):
        model.merge([0, 99])
    with pytest.raises(ParameterError, match="at least two different themes"):
        model.merge([1, 1])
    with pytest.raises(ParameterError, match="non-empty text"):
        model.rename(0, " ")
    with pytest.raises(ParameterError, match="n must be a whole number from 2"):
        model.split(0, 1)


def test_bad_input_is_explained(prepared):
    _, sentences, vectors = prepared
    with pytest.raises(ParameterError, match="one row per sentence"):
        ThemeDiscovery().fit(sentences, vectors[:-1])
    with pytest.raises(ParameterError, match=r"lacks column\(s\) \['lemmas'\]"):
        ThemeDiscovery().fit(sentences.drop(columns="lemmas"), vectors)
    with pytest.raises(ParameterError, match=r"ThemeDiscovery's parameter 'method' must be one of 'ward', 'hdbscan'; got 'kmeans'"):
        ThemeDiscovery(method="kmeans").fit(sentences, vectors)
    with pytest.raises(NotFittedError, match="not fitted yet"):
        ThemeDiscovery().predict(sentences, vectors)
    assert issubclass(DiscoveryModelError, ValueError)


def test_sklearn_contract(model):
    fresh = clone(model)
    assert fresh.get_params() == model.get_params() and not hasattr(fresh, "labels_")
    assert "n_themes=4" in repr(model)


def test_automatic_number_of_themes_and_hdbscan(prepared):
    _, sentences, vectors = prepared
    auto = ThemeDiscovery(min_size=20, **FAKE_SPACE).fit(sentences, vectors)
    assert auto.report_["n_clusters"] >= 4 and all(t["size"] >= 20 for t in auto.themes_)
    density = ThemeDiscovery(method="hdbscan", min_size=10, **FAKE_SPACE).fit(sentences, vectors)
    assert len(density.themes_) >= 4 and density.report_["share_unassigned"] <= 0.1


def test_theme_table_mentions_and_nps(prepared):
    responses, sentences, vectors = prepared
    result = discover_themes(sentences, vectors, responses=responses, n_themes=4, min_size=5, **FAKE_SPACE)
    table = result.themes.set_index("key")
    price = table.loc[table["keywords_de"].str.contains("teuer")].iloc[0]
    service = table.loc[table["keywords_de"].str.contains("Kundenservice")].iloc[0]
    assert price["nps"] == -100 and service["nps"] == 100 and price["ci_low"] < price["ci_high"]
    assert price["share_responses"] == pytest.approx(48 / 192)
    assert list(result.mentions.columns) == MENTION_COLUMNS
    assert set(result.mentions["source"]) == {"discovery"}
    assert len(result.mentions) == int((result.assignments["status"] == "theme").sum())
    assert set(result.mentions["theme"]) <= set(result.top_themes["key"])  # mentions name the top level
    assert set(result.mentions_at("sub")["theme"]) <= set(result.themes["key"])
    assert set(result.assignments["status"]) == {"theme", "filler"}
    assert result.assignments.index.equals(sentences.index)


def test_taxonomy_draft_round_trips_into_the_taggers(tmp_path, prepared, model):
    from nps_text.tagging import RuleTagger, ZeroShotTagger
    from nps_text.tagging.taxonomy import load_taxonomy

    _, sentences, _ = prepared
    taxonomy = load_taxonomy(model.to_taxonomy().save(tmp_path / "draft.yaml"))
    expected = [key for top in model.top_themes_
                for key in [top["key"]] + [t["key"] for t in model.themes_ if t["parent"] == top["theme"]]]
    assert taxonomy.ids == expected  # each top-level theme, then its sub-themes with their parent
    assert {t.parent for t in taxonomy.themes if t.id.startswith("theme_")} <= {t["key"] for t in model.top_themes_}
    price = _theme_of(model, "teuer")
    assert "teuer" in taxonomy[price["key"]].keywords["de"]
    mentions = RuleTagger(taxonomy).tag(sentences)
    tagged = set(mentions.loc[mentions["theme"] == price["key"], "response_id"])
    assert {f"price-{k}-{j}" for k in range(8) for j in range(6)} <= tagged
    zero = ZeroShotTagger(taxonomy=taxonomy, embedder="hashing").tag(sentences)
    assert set(zero["theme"]) <= set(taxonomy.ids)


def test_cli_discover_writes_tables_taxonomy_and_model(tmp_path):
    from typer.testing import CliRunner

    from nps_text.cli.main import app
    from nps_text.tagging.taxonomy import load_taxonomy

    survey = tmp_path / "survey.csv"
    _responses(copies=3).to_csv(survey, index=False)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["discover", str(survey), "-o", str(out), "--embedder", "hashing",
                                      "--n-themes", "4", "--min-size", "3"])
    assert result.exit_code == 0, result.output
    themes = pd.read_csv(out / "discovered_subthemes.csv", encoding="utf-8-sig")
    assert len(themes) == 4 and {"keywords_de", "keywords_en", "nps", "ci_low", "ci_high"} <= set(themes.columns)
    assert len(pd.read_csv(out / "assignments.csv", encoding="utf-8-sig")) > 0
    tops = pd.read_csv(out / "discovered_themes.csv", encoding="utf-8-sig")
    topics = (themes["kind"] == "topic").sum() + (tops["kind"] == "topic").sum()
    assert len(load_taxonomy(out / "taxonomy_draft.yaml")) == topics
    assert ThemeDiscovery.load(out / "model").themes_
    bad = CliRunner().invoke(app, ["discover", str(tmp_path / "missing.csv"), "-o", str(out)])
    assert bad.exit_code == 2


def test_negations_alone_are_no_keywords():
    from nps_text.discover._describe import class_tfidf_keywords

    lemmas = pd.Series(["nicht erreichbar Hotline", "Hotline nicht erreichbar", "kein Rückruf Hotline", "not reachable"])
    keywords = class_tfidf_keywords(lemmas, np.array([0, 0, 0, 0]), [0], top=10)[0]
    assert "Hotline" in keywords and "nicht erreichbar" in keywords
    assert not {"nicht", "kein", "not"} & {k.lower() for k in keywords}


def test_load_ignores_files_that_operating_systems_add(tmp_path, model):
    folder = model.save(tmp_path / "m", include_texts=True)
    for name in (".DS_Store", "Thumbs.db", "desktop.ini", "._discovery.json"):
        (folder / name).write_bytes(b"\x00junk")
    assert ThemeDiscovery.load(folder).themes_ == model.themes_
    (folder / "discovery.json").write_text("{not json")
    with pytest.raises(DiscoveryModelError, match=r"discovery model file .* is not valid JSON \(line 1"):
        ThemeDiscovery.load(folder)


def test_saved_model_holds_no_comment_text_unless_asked(tmp_path, prepared, model):
    _, sentences, vectors = prepared
    texts = [t for t in sentences["text"].tolist() if len(t.split()) >= 3]  # shorter ones can be keywords
    assert texts
    folder = model.save(tmp_path / "m")
    written = "".join(p.read_text(encoding="utf-8", errors="ignore") for p in folder.iterdir())
    assert not [t for t in texts if t in written]
    loaded = ThemeDiscovery.load(folder)
    np.testing.assert_array_equal(loaded.predict(sentences, vectors), model.predict(sentences, vectors))
    assert [t["keywords_de"] for t in loaded.themes_] == [t["keywords_de"] for t in model.themes_]
    assert all(t["quotes"] == [] for t in loaded.themes_)
    some = loaded.themes_[0]["theme"]
    assert loaded.rename(some, "Preis").themes_[0]["name"] == "Preis"
    with pytest.raises(DiscoveryModelError, match=r"Cannot merge themes of a discovery model saved without its comment"):
        loaded.merge([t["theme"] for t in loaded.themes_[:2]])

    full = ThemeDiscovery.load(model.save(tmp_path / "full", include_texts=True))
    assert full.themes_ == model.themes_
    assert any(t in (tmp_path / "full" / "discovery.json").read_text(encoding="utf-8") for t in texts)


@pytest.mark.parametrize("param, value, message", [
    ("n_themes", 0, r"'n_themes' must be None or a whole number in \[1, inf\); got 0"),
    ("min_share", 1.5, r"'min_share' must be a number in \(0, 1\); got 1.5"),
    ("center_languages", "yes", r"'center_languages' must be one of 'auto', True, False; got 'yes'"),
    ("max_fit", 10.5, r"'max_fit' must be a whole number in \[100, inf\); got 10.5"),
])
def test_parameters_are_checked_against_declared_constraints(prepared, param, value, message):
    _, sentences, vectors = prepared
    assert param in ThemeDiscovery._parameter_constraints
    with pytest.raises(ParameterError, match=message):
        ThemeDiscovery(**{param: value}).fit(sentences, vectors)
