"""The theme tree: weighted Ward, two levels from one fit, tone removed and named, edits at both levels, novelty."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.cluster.hierarchy import fcluster, linkage
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from nps_text.discover import ThemeDiscovery, describe_model, novelty
from nps_text.discover import _cluster as C
from nps_text.errors import ParameterError
from nps_text.tagging.taxonomy import load_taxonomy
from nps_text.text.prepare import prepare_text

# two topics (delivery, price), each with two sub-topics; every comment is praise or complaint
TREE = {
    ("delivery", "time"): (["Lieferzeit war kurz", "Lieferzeit super kurz"], ["Lieferzeit viel zu lang", "Lieferzeit ewig"]),
    ("delivery", "parcel"): (["Paket gut verpackt", "Paket sauber verpackt"], ["Paket kam beschädigt an", "Paket kaputt"]),
    ("price", "level"): (["Preis ist günstig", "fairer Preis"], ["Preis viel zu hoch", "Preis unverschämt"]),
    ("price", "increase"): (["Preiserhöhung verständlich", "Preiserhöhung fair"], ["Preiserhöhung frech", "Preiserhöhung ärgerlich"]),
}
TOP_AXES = {"delivery": 0, "price": 1}
SUB_AXES = {"time": 2, "parcel": 3, "level": 4, "increase": 5}
TONE_AXIS = 6


def _survey(copies: int = 6, tone_weight: float = 0.0, seed: int = 0):
    """Clauses and vectors: a topic axis, a weaker sub-topic axis, and (optionally) a strong tone axis."""
    rows, vecs = [], []
    rng = np.random.default_rng(seed)
    for (top, sub), (positive, negative) in TREE.items():
        for polarity, texts in ((1, positive), (-1, negative)):
            for k in range(copies):
                for j, text in enumerate(texts):
                    rows.append({"response_id": f"{top}-{sub}-{polarity}-{k}-{j}", "comment": text,
                                 "score": 10 if polarity > 0 else 2})
                    v = np.zeros(8)
                    v[TOP_AXES[top]], v[SUB_AXES[sub]], v[TONE_AXIS], v[7] = 1.0, 0.45, tone_weight * polarity, 0.2
                    vecs.append(v + rng.normal(0, 0.03, 8))
    responses, sentences = prepare_text(pd.DataFrame(rows))
    assert (sentences.groupby("response_id").size() == 1).all()
    order = {r["response_id"]: i for i, r in enumerate(rows)}
    vectors = np.asarray(vecs, dtype=np.float32)[[order[r] for r in sentences["response_id"]]]
    return responses, sentences, vectors


def _truth(sentences: pd.DataFrame, part: int) -> np.ndarray:
    return sentences["response_id"].str.split("-").str[part].to_numpy()


PARAMS = dict(n_themes=4, min_size=5, min_top=2, max_top=3)


@pytest.fixture(scope="module")
def tree():
    responses, sentences, vectors = _survey()
    return responses, sentences, vectors, ThemeDiscovery(**PARAMS).fit(sentences, vectors)


def test_weighted_ward_is_scipy_ward_and_weights_are_copies():
    x = np.random.default_rng(0).normal(size=(60, 5))
    ours, scipy_tree = C.weighted_ward(x, np.ones(60)), linkage(x, "ward")
    np.testing.assert_allclose(ours[:, 2], scipy_tree[:, 2], rtol=1e-9)
    assert adjusted_rand_score(C.cut_tree(ours, 6), fcluster(scipy_tree, 6, "maxclust")) == 1.0
    copies = np.repeat(x[:20], 3, axis=0) + np.random.default_rng(1).normal(0, 1e-9, (60, 5))
    by_copies = fcluster(linkage(copies, "ward"), 4, "maxclust")[::3]
    assert adjusted_rand_score(by_copies, C.cut_tree(C.weighted_ward(x[:20], np.full(20, 3.0)), 4)) == 1.0


def test_top_cut_takes_the_largest_gap():
    x = np.vstack([np.random.default_rng(0).normal(c, 0.05, (10, 2)) for c in ((0, 0), (5, 0), (0, 5))])
    assert C.top_cut(linkage(x, "ward"), low=2, high=6) == 3


def test_two_levels_from_one_fit(tree):
    _, sentences, _, model = tree
    assert len(model.top_themes_) == 2 and len(model.themes_) >= 4
    top, sub = model.top_labels_, model.labels_
    assert normalized_mutual_info_score(_truth(sentences, 0), top) == 1.0
    assert normalized_mutual_info_score(_truth(sentences, 1), sub) > 0.95
    for theme in model.themes_:  # every sub-theme lies inside its parent
        assert set(top[sub == theme["theme"]]) == {theme["parent"]}
    parents = {t["theme"]: t["subthemes"] for t in model.top_themes_}
    assert sorted(i for subs in parents.values() for i in subs) == model.active_ids


def test_tables_mentions_and_predict_at_either_level(tree):
    responses, sentences, vectors, model = tree
    result = describe_model(model, sentences, responses)
    assert len(result.table("top")) == 2 and result.table("sub").equals(result.themes)
    assert result.table("top")["parent"].isna().all() and result.themes["parent"].notna().all()
    assert set(result.mentions["theme"]) == set(result.top_themes["key"])
    assert set(result.mentions_at("sub")["theme"]) == set(result.themes["key"])
    np.testing.assert_array_equal(model.predict(sentences, vectors, level="top"), model.top_labels_)
    with pytest.raises(ParameterError, match="level must be 'top'"):
        result.table("middle")


def test_names_are_words_not_keyword_lists(tree):
    _, _, _, model = tree
    names = sorted(t["name"] for t in model.top_themes_)
    assert names == ["Lieferzeit", "Preiserhöhung"] or all(" · " not in n and 1 <= len(n.split()) <= 4 for n in names)
    assert {t["name"].split(" / ")[0] for t in model.themes_} >= {"Lieferzeit", "Paket", "Preiserhöhung"}


def test_taxonomy_has_two_levels_with_parents(tmp_path, tree):
    _, _, _, model = tree
    taxonomy = load_taxonomy(model.to_taxonomy().save(tmp_path / "draft.yaml"))
    tops = [t for t in taxonomy.themes if t.parent is None]
    assert [t.id for t in tops] == [t["key"] for t in model.top_themes_]
    assert {t.parent for t in taxonomy.themes if t.parent} == {t.id for t in tops}
    only_top = model.to_taxonomy(levels=("top",))
    assert [t.id for t in only_top.themes] == [t.id for t in tops]
    # a bilingual name is split into its languages; a name of one part is both
    named = load_taxonomy(model.rename(0, "Lieferung / delivery", level="top").rename(1, "App", level="top")
                          .to_taxonomy(levels=("top",)).save(tmp_path / "named.yaml"))
    assert named["lieferung_delivery"].name == {"de": "Lieferung", "en": "delivery"}
    assert named["app"].name == {"de": "App", "en": "App"}


def test_edits_at_the_top_level(tree):
    _, sentences, _, model = tree
    renamed = model.rename(0, "Lieferung", level="top")
    assert renamed.top_themes_[0]["key"] == "lieferung" and model.top_themes_[0]["key"] == "topic_00"
    merged = model.merge([0, 1], name="Alles", level="top")
    assert [t["name"] for t in merged.top_themes_] == ["Alles"] and set(merged.top_labels_[merged.labels_ >= 0]) == {0}
    again = merged.split(0, 2, level="top")
    assert adjusted_rand_score(again.top_labels_, model.top_labels_) == 1.0
    dropped = model.drop([1], level="top")
    assert (dropped.labels_[model.top_labels_ == 1] == -1).all() and len(dropped.top_themes_) == 1
    with pytest.raises(ParameterError, match=r"Cannot merge top-level theme\(s\) \[7\]"):
        model.merge([0, 7], level="top")
    with pytest.raises(ParameterError, match="split a sub-theme"):
        merged.split(0, 99, level="top")
    sub_split = model.split(model.themes_[0]["theme"], 2)  # a split sub-theme keeps its parent
    assert {t["parent"] for t in sub_split.themes_ if t["theme"] in (0, max(sub_split.theme_ids_))} == \
        {model.themes_[0]["parent"]}


def _with_context():
    """The tree survey plus 24 clauses of background without a judgement (when someone ordered, how long they
    have been a customer) on an axis of their own: responses, sentences, and the model fitted on them."""
    responses, sentences, vectors = _survey()
    extra = pd.DataFrame({"response_id": [f"ctx-{k}" for k in range(24)], "score": 9,
                          "comment": ["Ich habe letzte Woche bestellt", "Bin seit Jahren Kunde",
                                      "Habe zum zweiten Mal bestellt", "Been a customer since 2012"] * 6})
    r2, s2 = prepare_text(extra)
    ctx_vectors = np.tile(np.eye(1, 8, 7, dtype=np.float32), (len(s2), 1)) + \
        np.random.default_rng(4).normal(0, 0.03, (len(s2), 8)).astype(np.float32)
    sentences = pd.concat([sentences, s2], ignore_index=True)
    model = ThemeDiscovery(**{**PARAMS, "n_themes": 5}).fit(sentences, np.vstack([vectors, ctx_vectors]))
    return pd.concat([responses, r2], ignore_index=True), sentences, model


def test_a_sub_theme_moves_to_another_or_a_new_top_level_theme(tree):
    """A trial: packaging sat under the support theme after a split, and no edit could put it under delivery."""
    _, sentences, vectors, model = tree
    sub = next(t for t in model.themes_ if t["parent"] == 0)["theme"]
    moved = model.move([sub], to=1)
    assert moved.parent_of(sub) == 1 and model.parent_of(sub) == 0  # the original is left as it was
    assert (moved.labels_ == model.labels_).all()  # the clauses stay in their sub-themes
    assert (moved.top_labels_[model.labels_ == sub] == 1).all()
    assert (moved.predict(sentences, vectors, level="top") == moved.top_labels_).all()
    alone = model.move([sub], name="Eigenes / own")
    new = alone.parent_of(sub)
    assert new not in model.active_top_ids and next(t for t in alone.top_themes_ if t["theme"] == new)["name"] == \
        "Eigenes / own"
    # moving every sub-theme of a top-level theme away leaves it gone, with its name
    emptied = model.rename(0, "Weg", level="top").move([t["theme"] for t in model.themes_ if t["parent"] == 0], to=1)
    assert emptied.active_top_ids == [1] and 0 not in emptied.top_names_
    with pytest.raises(ParameterError, match=r"Cannot move sub-themes to top-level theme\(s\) \[7\]"):
        model.move([sub], to=7)
    assert model.move(sub, to=1).parent_of(sub) == 1  # one id will do
    with pytest.raises(ParameterError, match="at least one sub-theme"):
        model.move([], to=1)


def test_move_keeps_topics_and_background_apart(tmp_path):
    """A trial moved a topic under "Kontext / context": the context theme turned into a topic (background in the
    drivers), and background under a topic went into the mentions, both without a word."""
    _, sentences, model = _with_context()
    context_top = next(t["theme"] for t in model.top_themes_ if t["kind"] == "context")
    context_sub = next(t["theme"] for t in model.themes_ if t["kind"] == "context")
    topic_top = next(t["theme"] for t in model.top_themes_ if t["kind"] == "topic")
    topic_sub = next(t["theme"] for t in model.themes_ if t["kind"] == "topic")
    with pytest.raises(ParameterError, match=r"kind 'context'\): topics go under topics"):
        model.move([topic_sub], to=context_top)
    with pytest.raises(ParameterError, match=r"\['context'\]"):
        model.move([context_sub], to=topic_top)
    assert model.move([topic_sub], to=None).parent_of(topic_sub) not in model.active_top_ids  # a new one: fine


def test_save_and_load_keep_the_tree(tmp_path, tree):
    _, sentences, vectors, model = tree
    folder = model.rename(1, "Preis", level="top").save(tmp_path / "m", include_texts=True)
    loaded = ThemeDiscovery.load(folder)
    assert loaded.parents_ == model.parents_ and loaded.top_themes_[1]["name"] == "Preis"
    np.testing.assert_array_equal(loaded.predict(sentences, vectors, level="top"), model.top_labels_)
    # a folder of format /1 (one level, no tone direction) still loads: each theme its own top
    state = json.loads((folder / "discovery.json").read_text(encoding="utf-8"))
    state.update(format="nps-text-discovery/1")
    for key in ("parents", "top_names", "top_themes"):
        state.pop(key)
    (folder / "discovery.json").write_text(json.dumps(state), encoding="utf-8")
    (folder / "tone_direction.npy").unlink()
    old = ThemeDiscovery.load(folder)
    assert old.parents_ == old.theme_ids_ and not old.tone_direction_.any()


def test_tone_is_projected_out_before_clustering():
    _, sentences, vectors = _survey(tone_weight=2.0)
    topics = _truth(sentences, 0)
    with_tone = ThemeDiscovery(n_themes=2, n_top=2, min_size=5, remove_tone=False).fit(sentences, vectors)
    without = ThemeDiscovery(n_themes=2, n_top=2, min_size=5).fit(sentences, vectors)
    assert normalized_mutual_info_score(topics, with_tone.labels_) < 0.2  # praise vs complaint
    assert normalized_mutual_info_score(topics, without.labels_) == 1.0  # delivery vs price
    assert without.report_["tone_removed"] and not with_tone.report_["tone_removed"]


def test_a_theme_of_pure_tone_is_general_praise_and_no_mention():
    responses, sentences, vectors = _survey()
    # praise with one word that is no tone but names nothing twice (a greeting): a theme whose keywords are tone
    extra = pd.DataFrame({"response_id": [f"tone-{k}" for k in range(20)], "score": 10,
                          "comment": [f"{w}, {name}" for w, name in
                                      zip(["Sehr zufrieden", "Alles super", "Rundum zufrieden", "Sehr gut"] * 5,
                                          "Anna Bernd Clara Dieter Emil Frieda Gustav Hanna Ida Jonas Karla Ludwig "
                                          "Mia Norbert Olga Paul Rosa Sven Tilda Ute".split())]})
    r2, s2 = prepare_text(extra)
    tone_vectors = np.tile(np.eye(1, 8, 7, dtype=np.float32), (len(s2), 1)) + \
        np.random.default_rng(3).normal(0, 0.03, (len(s2), 8)).astype(np.float32)
    sentences = pd.concat([sentences, s2], ignore_index=True)
    result = describe_model(ThemeDiscovery(**{**PARAMS, "n_themes": 5}).fit(sentences, np.vstack([vectors, tone_vectors])), sentences,
                            pd.concat([responses, r2], ignore_index=True))
    tone = result.top_themes[result.top_themes["kind"] != "topic"]
    assert tone["name"].tolist() == ["Allgemeines Lob / general praise"]
    assert set(result.assignments.loc[result.assignments["response_id"].str.startswith("tone"), "status"]) == {"tone"}
    assert not result.mentions["response_id"].str.startswith("tone").any()
    assert set(result.mentions["theme"]) == set(result.top_themes.loc[result.top_themes["kind"] == "topic", "key"])


def test_novelty_finds_the_new_theme_with_its_first_date(tree):
    responses, sentences, vectors, model = tree
    new = pd.DataFrame({"response_id": [f"n{k}" for k in range(40)], "score": 3,
                        "date": pd.date_range("2026-03-01", periods=40, freq="D"),
                        "comment": ["Die App stürzt ständig ab", "App stürzt beim Login ab"] * 20})
    new_r, new_s = prepare_text(new)
    new_v = np.tile(np.eye(1, 8, 6, dtype=np.float32), (len(new_s), 1)) + \
        np.random.default_rng(5).normal(0, 0.03, (len(new_s), 8)).astype(np.float32)
    all_s = pd.concat([sentences.iloc[:30], new_s], ignore_index=True)
    found = novelty(model, all_s, np.vstack([vectors[:30], new_v]), responses=new_r)
    # the 40 new clauses, perhaps with an outlier of the known themes (one since "Preiserhöhung" is negative)
    assert len(found) == 1 and 40 <= found.loc[0, "size"] <= 42 and 40 <= found.loc[0, "n_responses"] <= 42
    assert "App" in found.loc[0, "keywords_de"] and found.loc[0, "first_seen"] == pd.Timestamp("2026-03-01")
    assert found.attrs["n_new"] >= 40  # the new clauses, and a few outliers of known themes (5th percentile)
    assert model.novelty(sentences, vectors).empty  # the fitted clauses hold nothing new


def test_novelty_leaves_out_what_was_as_common_in_the_fit():
    # a few app crashes in the fitted period, too few for a theme of their own: far from every theme
    crashes = ["Die App stürzt ständig ab", "App stürzt beim Login ab"] * 4
    responses, sentences, vectors = _with_group(crashes, "crash", axis=6)
    model = ThemeDiscovery(min_size=10, min_top=2, max_top=3).fit(sentences, vectors)
    assert all(t["size"] > len(crashes) for t in model.themes_)  # no theme of their own
    assert model.novelty(sentences, vectors).empty  # the fit's own outliers are no emerging theme
    # a later period where they are ten times as common: that is emerging
    rest = ~sentences["response_id"].str.startswith("crash").to_numpy()
    many = pd.DataFrame({"response_id": [f"later-{k}" for k in range(40)], "score": 3,
                         "comment": ["Die App stürzt ständig ab", "App stürzt beim Login ab"] * 20})
    r2, s2 = prepare_text(many)
    v2 = np.tile(np.eye(1, 8, 6, dtype=np.float32), (len(s2), 1)) + \
        np.random.default_rng(8).normal(0, 0.03, (len(s2), 8)).astype(np.float32)
    later = pd.concat([sentences[rest].iloc[:60], s2], ignore_index=True)
    found = model.novelty(later, np.vstack([vectors[rest][:60], v2]))
    # the crashes far enough from every theme (they set the fit's 5th percentile: about half of them)
    assert len(found) and found["size"].sum() >= 10 and found["quotes"].str.contains("stürzt").all()
    assert (found["share_like_now"] >= 2 * found["share_like_before"]).all()
    with pytest.raises(ParameterError, match="min_ratio"):
        model.novelty(later, np.vstack([vectors[rest][:60], v2]), min_ratio=0)


def test_a_clause_that_is_only_tone_is_set_aside_and_no_mention(tree):
    responses, sentences, vectors, model = tree
    extra = pd.DataFrame({"response_id": [f"only-{k}" for k in range(8)], "score": 10,
                          "comment": ["Danke!", "Alles super!", "Nie wieder.", "Echt enttäuschend."] * 2})
    r2, s2 = prepare_text(extra)
    both = pd.concat([sentences, s2], ignore_index=True)
    v2 = np.random.default_rng(7).normal(0, 1, (len(s2), 8)).astype(np.float32)
    fitted = ThemeDiscovery(**PARAMS).fit(both, np.vstack([vectors, v2]))
    result = describe_model(fitted, both, pd.concat([responses, r2], ignore_index=True))
    status = result.assignments.set_index("response_id")["status"]
    assert set(status[status.index.str.startswith("only")]) == {"tone"}
    assert fitted.report_["n_tone_only"] == len(s2)
    assert not result.mentions["response_id"].str.startswith("only").any()
    assert (fitted.predict(s2, v2) == -2).all()


@pytest.mark.parametrize("keywords, expected", [
    ({"de": ["antworten", "Woche", "Support"], "en": ["support", "time", "help"]}, "Support"),  # no time word, once
    ({"de": ["bestellen", "Mal bestellen", "letzter Woche"], "en": ["order", "order week", "second order"]},
     "Bestellen / order"),
    ({"de": ["Beratung", "kompetent"], "en": ["plus", "great job", "job", "checkout"]}, "Beratung / checkout"),
    ({"de": ["Beratung", "kompetent"], "en": ["plus", "great job", "seriously think"]}, "Beratung"),  # no English name
    ({"de": ["Woche", "Tag"], "en": ["week"]}, "Woche / week"),  # nothing else: a time word is better than no name
    # a phrase with a polar word names the tone too ("Mitarbeiter / friendly staff (negative)" as a driver)
    ({"de": ["Mitarbeiter", "Personal freundlich"], "en": ["friendly staff", "staff"]}, "Mitarbeiter / staff"),
    # a word of kindness or a plain verb is no name ("Personal / kind", "Ticket / take" in a trial)
    ({"de": ["Personal freundlich", "Personal"], "en": ["kind", "team kind", "team"]}, "Personal / team"),
    ({"de": ["Ticket", "offen"], "en": ["take", "ticket"]}, "Ticket"),
    # a person is no theme ("Kundenservice / lady" from "the lady at the store was super nice")
    ({"de": ["Kundenservice", "richtig"], "en": ["lady", "nice", "sales guy"]}, "Kundenservice"),
])
def test_theme_names_skip_time_words_tone_phrases_and_repeats(keywords, expected):
    from nps_text.discover._describe import readable_name

    assert readable_name(keywords, 1) == expected


def test_a_keyword_pair_not_written_together_names_nothing():
    """"Kundenservice / lady store" (trial): the lemmas of "the lady in the store" are no phrase (here "counter", as a
    person such as "lady" names nothing anyway)."""
    from nps_text.discover._describe import loose_phrases, readable_name

    keywords = {"de": ["Kundenservice"], "en": ["counter store", "staff", "counter"]}
    assert readable_name(keywords, 1) == "Kundenservice / counter store"
    texts = pd.Series(["The counter in the store was nice", "The counter at the store was super nice",
                       "Kundenservice top"])
    loose = loose_phrases(texts, pd.Series(["counter store nice", "counter store super nice", "Kundenservice top"]),
                          np.zeros(3, dtype=int), {0: ["counter store", "Kundenservice top"]})
    assert loose == {0: {"counter store"}}
    assert readable_name(keywords, 1, loose=loose[0]) == "Kundenservice / staff"


def test_a_name_part_that_covers_few_of_its_languages_clauses_is_left_out():
    from nps_text.discover._describe import readable_name

    keywords = {"de": ["Beratung", "kompetent"], "en": ["checkout", "helpful"]}
    coverage = {"de": {"Beratung": 0.23, "kompetent": 0.12}, "en": {"checkout": 0.04, "helpful": 0.03}}
    assert readable_name(keywords, 2, coverage) == "Beratung"
    coverage["en"]["checkout"] = 0.2
    assert readable_name(keywords, 2, coverage) == "Beratung / checkout"


def test_a_theme_hardly_anyone_rates_is_context_and_no_mention(tmp_path):
    responses, sentences, model = _with_context()
    result = describe_model(model, sentences, responses)
    context = result.top_themes[result.top_themes["kind"] == "context"]
    assert context["name"].tolist() == ["Kontext / context"] and context["n_responses"].tolist() == [24]
    assert (result.themes["kind"] == "context").sum() == 1  # the sub-theme keeps its own name
    assert result.themes.loc[result.themes["kind"] == "context", "name"].item() != "Kontext / context"
    # every rated theme stays a topic, however its clauses are rated
    assert set(result.top_themes["kind"]) == {"topic", "context"} and model.report_["n_context_themes"] == 1
    assert set(result.assignments.loc[result.assignments["response_id"].str.startswith("ctx"), "status"]) == {"context"}
    assert not result.mentions["response_id"].str.startswith("ctx").any()
    assert "context" in result.summary() and len(model.to_taxonomy()) == 6  # 2 topics, 4 sub-themes: no context
    # a model saved without texts keeps the kind
    loaded = ThemeDiscovery.load(model.save(tmp_path / "m"))
    assert [t["kind"] for t in loaded.top_themes_] == [t["kind"] for t in model.top_themes_]


def test_clauses_that_do_not_fit_a_context_or_churn_theme_go_to_their_nearest_topic(tmp_path):
    """A trial found "leider doppelt abgebucht" in a context theme and "Expressversand hat geklappt" in churn intent:
    near them in the space, but rated (context is unrated background) or not about leaving. They go to the topic
    nearest to them, in fit and in predict alike."""
    responses, sentences, vectors = _survey()
    groups = {"ctx": (["Ich habe letzte Woche bestellt", "Bin seit Jahren Kunde", "Habe zum zweiten Mal bestellt",
                       "Been a customer since 2012"] * 6, 7, 9),
              "churn": (["Überlege ernsthaft zu kündigen", "Seriously thinking about cancelling",
                         "So verliert man Kunden", "This is how you lose customers"] * 6, 6, 2)}
    # the misfits sit among those clauses, with a lean towards the price topic (axis 1)
    groups["misfit"] = (["Preis leider doppelt abgebucht", "Preis unverschämt hoch, ärgerlich",
                         "Expressversand hat wirklich geklappt", "Preis passt, Versand hat geklappt"], None, 5)
    rng = np.random.default_rng(5)
    frames, vecs = [responses], [vectors]
    all_sentences = [sentences]
    for prefix, (comments, axis, score) in groups.items():
        r2, s2 = prepare_text(pd.DataFrame({"response_id": [f"{prefix}-{k}" for k in range(len(comments))],
                                            "score": score, "comment": comments}))
        if axis is None:  # the first two near context (axis 7), the others near churn (axis 6)
            axes = [7 if k < 2 else 6 for k in range(len(s2))]
            v2 = np.stack([np.eye(1, 8, a, dtype=np.float32)[0] * 0.9 + np.eye(1, 8, 1, dtype=np.float32)[0] * 0.35
                           for a in axes])
        else:
            v2 = np.tile(np.eye(1, 8, axis, dtype=np.float32), (len(s2), 1))
        frames.append(r2), all_sentences.append(s2), vecs.append(v2 + rng.normal(0, 0.03, v2.shape).astype(np.float32))
    sentences, vectors = pd.concat(all_sentences, ignore_index=True), np.vstack(vecs)
    model = ThemeDiscovery(**{**PARAMS, "n_themes": 6, "max_top": 4}).fit(sentences, vectors)
    kinds = {t["theme"]: t["kind"] for t in model.themes_}
    assert {"context", "churn"} <= set(kinds.values())
    misfit = sentences["response_id"].str.startswith("misfit").to_numpy()
    price = {t["theme"] for t in model.themes_ if any("Preis" in k for k in t["keywords_de"][:3])}
    assert set(model.labels_[misfit]) <= price and kinds[model.labels_[misfit][0]] == "topic"
    # the background and the leaving stay where they were
    assert {kinds[t] for t in model.labels_[sentences["response_id"].str.startswith("ctx").to_numpy()]} == {"context"}
    churn_rows = sentences["response_id"].str.startswith("churn").to_numpy() & (model.labels_ >= 0)
    assert churn_rows.sum() >= 12 and {kinds[t] for t in model.labels_[churn_rows]} == {"churn"}
    assert (model.predict(sentences, vectors) == model.labels_).all()
    loaded = ThemeDiscovery.load(model.save(tmp_path / "m"))
    assert (loaded.predict(sentences, vectors) == model.labels_).all()


def _with_group(comments: list[str], prefix: str, axis: int = 7, score: int = 5):
    """The tree survey plus a group of clauses sharing one direction of their own (a theme of their own)."""
    responses, sentences, vectors = _survey()
    extra = pd.DataFrame({"response_id": [f"{prefix}-{k}" for k in range(len(comments))], "score": score,
                          "comment": comments})
    r2, s2 = prepare_text(extra)
    v2 = np.tile(np.eye(1, 8, axis, dtype=np.float32), (len(s2), 1)) + \
        np.random.default_rng(6).normal(0, 0.03, (len(s2), 8)).astype(np.float32)
    return (pd.concat([responses, r2], ignore_index=True), pd.concat([sentences, s2], ignore_index=True),
            np.vstack([vectors, v2]))


def test_a_theme_its_keywords_hardly_describe_is_mixed_until_the_analyst_names_it(tmp_path):
    # clauses of one shape about different things: no keyword is in many of them
    comments = ["Bugs ohne Ende", "Always a pleasure", "Ausfall am Wochenende", "Feels flimsy", "Rechnung falsch",
                "nie passiert", "Great job", "Arrogantes Auftreten", "Tracking never updated", "Echt frech",
                "Login hakt", "Gutschrift fehlt"] * 2
    responses, sentences, vectors = _with_group(comments, "mix")
    model = ThemeDiscovery(**{**PARAMS, "n_themes": 5, "n_top": 3}).fit(sentences, vectors)
    result = describe_model(model, sentences, responses)
    mixed = result.top_themes[result.top_themes["kind"] == "mixed"]
    assert len(mixed) == 1 and mixed["n_responses"].item() == len(comments)
    assert mixed["name"].item().startswith("Gemischt") and "mixed" in mixed["name"].item()
    assert (result.themes["kind"] == "mixed").sum() == 1  # its one sub-theme too
    assert model.report_["n_mixed_themes"] == 1 and "mixed" in result.summary()
    row = next(t for t in model.top_themes_ if t["kind"] == "mixed")
    assert row["keyword_share"] < 1 / 3
    assert len(row["quotes"]) == 5 and set(row["quotes"]) <= set(comments)  # spread across it, all distinct
    assert "split it" in mixed["warning"].item()  # the theme table says so too
    # the topics' keywords are in most of their clauses ("Lieferzeit", "Paket", "Preis", "Preiserhöhung")
    assert all(t["keyword_share"] >= 0.5 for t in model.top_themes_ if t["kind"] == "topic")
    # its clauses stay themed (mentions, drivers): a mixed theme is topics, not tone
    assert set(result.assignments.loc[result.assignments["response_id"].str.startswith("mix"), "status"]) == {"theme"}
    assert any(t.name["de"].startswith("Gemischt") for t in model.to_taxonomy().themes)  # in the draft, to be edited
    # saved without texts, the flag stays; named by the analyst, it is theirs
    loaded = ThemeDiscovery.load(model.save(tmp_path / "m"))
    assert [t["kind"] for t in loaded.top_themes_] == [t["kind"] for t in model.top_themes_]
    renamed = model.rename(row["theme"], "Störungen & Sonstiges / outages & other", level="top")
    assert "mixed" not in {t["kind"] for t in renamed.top_themes_}


def test_a_theme_of_leaving_is_churn_intent_and_no_mention():
    comments = ["Überlege ernsthaft zu kündigen", "Seriously thinking about cancelling", "Ich werde kündigen",
                "Will cancel my contract", "So verliert man Kunden", "This is how you lose customers"] * 4
    responses, sentences, vectors = _with_group(comments, "churn", score=2)
    model = ThemeDiscovery(**{**PARAMS, "n_themes": 5}).fit(sentences, vectors)
    result = describe_model(model, sentences, responses)
    churn = result.top_themes[result.top_themes["kind"] == "churn"]
    # "Ich werde kündigen" has no word but tone: set aside before clustering, status tone all the same
    assert churn["name"].tolist() == ["Abwanderung / churn intent"] and churn["n_responses"].item() >= 16
    assert set(result.assignments.loc[result.assignments["response_id"].str.startswith("churn"), "status"]) == {"tone"}
    assert not result.mentions["response_id"].str.startswith("churn").any()
    assert "intent to leave" in result.summary()


def test_a_theme_whose_clauses_speak_of_leaving_is_churn_though_fragments_crowd_its_keywords():
    """A trial on the German export: "Überlege ernsthaft zu kündigen" beside "great job" in one sub-theme, whose
    keywords ("ernsthaft", "überlegen", "great job", "job") were too few leaving words: a topic, so churn intent
    went into the mentions and drivers."""
    comments = ["Überlege ernsthaft zu kündigen", "Seriously thinking about cancelling", "Great job guys",
                "Great job team"] * 6
    responses, sentences, vectors = _with_group(comments, "churn", score=3)
    model = ThemeDiscovery(**{**PARAMS, "n_themes": 5}).fit(sentences, vectors)
    group = sentences["response_id"].str.startswith("churn").to_numpy()
    leaving = group & sentences["text"].str.contains("kündigen|cancelling").to_numpy()
    kinds = {t["theme"]: t for t in model.themes_}
    churn = [t for t in model.themes_ if t["kind"] == "churn"]
    assert len(churn) == 1
    assert set(model.labels_[leaving]) == {churn[0]["theme"]}
    # the praise beside it is no churn intent: it went to a topic
    assert all(kinds[t]["kind"] != "churn" for t in model.labels_[group & ~leaving] if t >= 0)
    result = describe_model(model, sentences, responses)
    assert not result.mentions["response_id"].isin(sentences.loc[leaving, "response_id"]).any()


def test_clauses_with_a_negation_are_centred_apart_so_complaints_group_by_topic(tmp_path):
    rng = np.random.default_rng(0)
    texts = {("delivery", 0): "Lieferung kam schnell an", ("delivery", 1): "Lieferung kam nie an",
             ("price", 0): "Preis ist fair", ("price", 1): "Preis ist nicht fair",
             ("app", 0): "App läuft stabil", ("app", 1): "App läuft nie stabil"}
    rows, vecs = [], []
    for (topic, negated), text in texts.items():
        for k in range(15):
            rows.append({"response_id": f"{topic}-{negated}-{k}", "comment": text, "score": 8})
            v = np.zeros(8)
            v[["delivery", "price", "app"].index(topic)], v[5] = 1.0, 2.0 * negated  # negation outweighs the topic
            vecs.append(v + rng.normal(0, 0.03, 8))
    _, sentences = prepare_text(pd.DataFrame(rows))
    order = {r["response_id"]: i for i, r in enumerate(rows)}
    vectors = np.asarray(vecs, dtype=np.float32)[[order[r] for r in sentences["response_id"]]]
    topics = _truth(sentences, 0)
    options = dict(n_themes=3, n_top=3, min_size=5, remove_tone=False)
    apart = ThemeDiscovery(**options).fit(sentences, vectors)
    together = ThemeDiscovery(remove_negation=False, **options).fit(sentences, vectors)
    assert normalized_mutual_info_score(topics, together.top_labels_) < 0.7  # "nie"/"nicht" on one side
    assert normalized_mutual_info_score(topics, apart.top_labels_) == 1.0
    assert apart.report_["negation_centred"] and not together.report_["negation_centred"]
    # new clauses are centred alike: predict gives the fitted labels, also after save and load
    loaded = ThemeDiscovery.load(apart.save(tmp_path / "m"))
    assert (loaded.predict(sentences, vectors) == apart.labels_).all()
    assert np.array_equal(loaded.negation_offsets_, apart.negation_offsets_)


def test_the_topics_under_a_mixed_top_level_theme_join_their_nearest_topic_or_stand_alone():
    """On the sample, Ward put "Bedienung / care", "Bug / track", "Menü / checkout" and "Beratung" under one top-level
    theme that its keywords hardly describe: kind mixed, the largest driver but no topic. Its topical sub-themes move:
    the one as near a topic as siblings are to each other joins it, a far one stands alone."""
    responses, sentences, vectors = _survey()
    rng = np.random.default_rng(7)
    groups = {"app": (["App stürzt ab", "App hakt ständig", "App ist super"] * 6, {0: 1.0, 8: 0.3}),
              "hotline": (["Hotline nie erreichbar", "Hotline sehr nett", "Hotline immer besetzt"] * 6, {9: 1.0})}
    frames, all_sentences, vecs = [responses], [sentences], [np.hstack([vectors, np.zeros((len(vectors), 2))])]
    for prefix, (comments, axes) in groups.items():
        r2, s2 = prepare_text(pd.DataFrame({"response_id": [f"{prefix}-{k}" for k in range(len(comments))],
                                            "score": 6, "comment": comments}))
        v2 = np.zeros((len(s2), 10))
        for axis, weight in axes.items():
            v2[:, axis] = weight
        frames.append(r2), all_sentences.append(s2), vecs.append(v2 + rng.normal(0, 0.03, v2.shape))
    sentences, vectors = pd.concat(all_sentences, ignore_index=True), np.vstack(vecs).astype(np.float32)
    model = ThemeDiscovery(n_themes=6, min_size=5, min_top=2, max_top=4).fit(sentences, vectors)
    sub_of = {prefix: model.labels_[sentences["response_id"].str.startswith(prefix).to_numpy()][0] for prefix in groups}
    # as Ward did on the sample: both under one top-level theme, which is then mixed
    model.parents_ = [max(model.parents_) + 1 if i in sub_of.values() else p
                      for i, p in zip(model.theme_ids_, model.parents_)]
    model._renumber_tops()
    together = model.parent_of(sub_of["app"])
    assert model.parent_of(sub_of["hotline"]) == together
    next(t for t in model.top_themes_ if t["theme"] == together)["kind"] = "mixed"
    model._regraft_mixed()
    tops = {t["theme"]: t for t in model.top_themes_}
    assert "mixed" not in {t["kind"] for t in tops.values()}
    # the app clauses lie among the delivery sub-themes: they join that topic; the hotline stands alone
    assert model.parent_of(sub_of["app"]) == model.top_labels_[sentences["response_id"].str.startswith("delivery")
                                                                  .to_numpy()][0]
    alone = model.parent_of(sub_of["hotline"])
    assert tops[alone]["subthemes"] == [sub_of["hotline"]] and tops[alone]["kind"] == "topic"
    assert "Hotline" in tops[alone]["name"]
    assert (model.predict(sentences, vectors, level="top") == model.top_labels_).all()


def test_a_theme_is_context_by_its_core_not_by_the_rated_clauses_at_its_edge():
    """On the German export, "Habe jetzt zum zweiten Mal bestellt" shared a theme with "leider doppelt abgebucht"
    and "Charged twice": a third of its clauses rated, so a topic, and the background went into the drivers. The
    half of its clauses nearest its centre decides; the rated ones at its edge go to their nearest topic (or stay
    unassigned when no topic is near enough)."""
    responses, sentences, vectors = _survey()
    background = ["Habe jetzt zum zweiten Mal bestellt", "Bin seit Jahren Kunde", "Ich habe letzte Woche bestellt",
                  "Been a customer since 2012"] * 6
    edge = ["Preis leider doppelt abgebucht", "Preis unverschämt, charged twice", "Preis leider falsch berechnet"] * 4
    r2, s2 = prepare_text(pd.DataFrame({"response_id": [f"ctx-{k}" for k in range(len(background))] +
                                        [f"edge-{k}" for k in range(len(edge))], "score": 6,
                                        "comment": background + edge}))
    rng = np.random.default_rng(8)
    is_edge = s2["response_id"].str.startswith("edge").to_numpy()
    v2 = np.tile(np.eye(1, 8, 7, dtype=np.float32), (len(s2), 1))
    v2[is_edge] = np.eye(1, 8, 7)[0] * 0.9 + np.eye(1, 8, 1)[0] * 0.3  # at the edge, leaning towards price
    sentences = pd.concat([sentences, s2], ignore_index=True)
    vectors = np.vstack([vectors, v2 + rng.normal(0, 0.03, v2.shape).astype(np.float32)])
    model = ThemeDiscovery(**{**PARAMS, "n_themes": 5}).fit(sentences, vectors)
    kinds = {t["theme"]: t["kind"] for t in model.themes_}
    rows = np.array(sentences["response_id"].astype(str).tolist())
    assert {kinds[t] for t in model.labels_[np.char.startswith(rows, "ctx")]} == {"context"}
    edge_labels = model.labels_[np.char.startswith(rows, "edge")]
    assert {kinds.get(t, "unassigned") for t in edge_labels} <= {"topic", "unassigned"}  # none is background
    assert (edge_labels >= 0).sum() >= len(edge_labels) / 2


def test_the_two_parts_of_a_name_name_alike_clauses():
    """A trial found names whose halves name different clauses: "Bug / track" (bugs beside "tracking never
    updated"), "Produkt / support". The part that covers less of its language gives way to one that agrees with
    the other part, or is left out."""
    from nps_text.discover._describe import AGREE_MIN, readable_name

    alike = {("Hotline", "support"), ("Support", "support"), ("Preis", "price")}

    def agree(de, en):
        return 0.6 if (de, en) in alike else 0.0

    coverage = {"de": {"Produkt": 0.35, "Hotline": 0.3, "Support": 0.25}, "en": {"support": 0.5, "product": 0.1}}
    keywords = {"de": ["Produkt", "Hotline", "Support"], "en": ["support", "product"]}
    assert readable_name(keywords, 0, coverage) == "Produkt / support"  # without the check
    assert readable_name(keywords, 0, coverage, agree=agree) == "Hotline / support"
    # no candidate agrees: the weaker part is left out
    keywords = {"de": ["Bug", "Ausfall"], "en": ["track"]}
    coverage = {"de": {"Bug": 0.4, "Ausfall": 0.3}, "en": {"track": 0.35}}
    assert readable_name(keywords, 0, coverage, agree=agree) == "Bug"
    # parts that translate each other, or with no clauses to compare, stay
    keywords, coverage = {"de": ["Preis"], "en": ["price"]}, {"de": {"Preis": 0.5}, "en": {"price": 0.5}}
    assert readable_name(keywords, 0, coverage, agree=agree) == "Preis / price"
    assert readable_name({"de": ["Lieferung"], "en": ["delivery"]}, 0, agree=lambda de, en: None) == "Lieferung / delivery"
    assert 0 < AGREE_MIN < 0.5


def test_the_agreement_of_two_keywords_is_read_off_the_themes_own_clauses():
    """On a fitted model: German and English clauses about one thing lie together, those about another apart."""
    rng = np.random.default_rng(9)
    comments = {"Hotline nie erreichbar": (0, 0.0), "Hotline immer besetzt": (0, 0.0),
                "support never answers": (0, 0.0), "support is slow": (0, 0.0),
                "tracking never updated": (0, 0.5),  # the same theme, off to one side
                "Preis viel zu hoch": (2, 0.0), "price far too high": (2, 0.0)}
    rows, vecs = [], []
    for text, (axis, side) in comments.items():
        for k in range(12):
            rows.append({"response_id": f"{text[:8]}-{k}", "comment": text, "score": 3})
            v = np.zeros(8)
            v[axis], v[1] = 1.0, side
            vecs.append(v + rng.normal(0, 0.02, 8))
    responses, sentences = prepare_text(pd.DataFrame(rows))
    assert set(sentences["lang"]) == {"de", "en"}
    order = {r["response_id"]: i for i, r in enumerate(rows)}
    vectors = np.asarray(vecs, dtype=np.float32)[[order[r] for r in sentences["response_id"]]]
    model = ThemeDiscovery(n_themes=2, n_top=2, min_size=5, remove_tone=False, remove_negation=False).fit(
        sentences, vectors)
    hotline = model.labels_[sentences["text"].eq("Hotline immer besetzt").to_numpy()][0]
    assert (model.labels_[sentences["text"].str.startswith("tracking").to_numpy()] == hotline).all()
    agree = model._agreement(model.labels_, hotline)
    assert agree("Hotline", "support") > agree("Hotline", "track")
    assert agree("Hotline", "no-such-word") is None and agree("Preis", "support") is None  # not in this theme


def test_themes_of_one_level_never_share_a_name():
    """A trial found two sub-themes named "Bestellen / order" (ordered a second time; ordered last week)."""
    from nps_text.discover._model import _distinct_names

    rows = [{"theme": 1, "name": "Bestellen / order", "keywords_de": ["Mal bestellen", "Mal"], "keywords_en": []},
            {"theme": 2, "name": "Bestellen / order", "keywords_de": ["bestellen", "letzter"], "keywords_en": []},
            {"theme": 3, "name": "Preis / price", "keywords_de": ["Preis"], "keywords_en": ["price"]},
            {"theme": 4, "name": "Preis / price", "keywords_de": ["teuer"], "keywords_en": []}]
    _distinct_names(rows, {3: "Preis / price"})  # the analyst's name stays as it is
    assert [r["name"] for r in rows] == ["Bestellen / order (Mal)", "Bestellen / order (letzter)", "Preis / price",
                                         "Preis / price"]


def test_an_edit_renames_only_the_themes_it_changed(tree):
    """A trial: after splitting one sub-theme, untouched ones were renamed ("Wait" became "Ticket") because a few
    clauses moved. A theme of the same kind whose size moved by at most a tenth keeps its automatic name."""
    from nps_text.discover._model import _keep_names

    before = {1: {"name": "Wait", "size": 222, "kind": "topic"}, 2: {"name": "Problem / care", "size": 179,
                                                                        "kind": "topic"},
              3: {"name": "Bestellen / order (Mal)", "size": 65, "kind": "context"},
              4: {"name": "Hotline", "size": 146, "kind": "topic"}}
    rows = [{"theme": 1, "name": "Ticket", "size": 213, "kind": "topic"},  # 4 % smaller: keeps its name
            {"theme": 2, "name": "Merken / care", "size": 120, "kind": "topic"},  # a third smaller: named afresh
            {"theme": 3, "name": "Bestellen / order", "size": 65, "kind": "context"},
            {"theme": 4, "name": "Support", "size": 146, "kind": "topic"},  # named by the analyst
            {"theme": 5, "name": "Neu", "size": 40, "kind": "topic"}]  # new: its own name
    _keep_names(rows, {4: "Support"}, before)
    assert [r["name"] for r in rows] == ["Wait", "Merken / care", "Bestellen / order (Mal)", "Support", "Neu"]
    # on a fitted model: a split leaves the other sub-themes' names as they were
    *_, model = tree
    split = model.split(model.themes_[0]["theme"], 2)
    names = {t["theme"]: t["name"] for t in model.themes_[1:]}
    assert {t["theme"]: t["name"] for t in split.themes_ if t["theme"] in names} == names
