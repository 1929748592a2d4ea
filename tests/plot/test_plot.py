"""nps_text.plot: each figure renders headless to a real PNG, shows what it claims, speaks German, refuses bad input."""

from __future__ import annotations

import subprocess
import sys
from io import BytesIO

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.image import imread
from scipy.cluster.hierarchy import linkage

from nps_text import plot
from nps_text.discover import ThemeDiscovery, discover_themes
from nps_text.drivers import driver_views, drivers_by, drivers_by_period, theme_table
from nps_text.errors import ColumnError, NpsTextError, ParameterError
from nps_text.plot import DETRACTOR, PASSIVE, PROMOTER
from nps_text.plot._style import FAINT
from nps_text.plot.themes import _ward_linkage
from nps_text.programme import league_table
from nps_text.stats import nps_by, nps_by_period, nps_summary


# ----------------------------------------------------------------------------- data
def _survey() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Four months (March much worse, April only 8 answers), three plans ("team" worse), one undated answer.

    Detractors often mention "Lieferung", promoters "Kundenservice"; "Preis" has nothing to do with the
    score (its impact interval holds 0) but is mentioned far more in plan "pro".
    """
    rng = np.random.default_rng(7)
    rows, mentions = [], []
    for month, size in {"2025-01": 90, "2025-02": 90, "2025-03": 90, "2025-04": 8}.items():
        for j in range(size):
            plan = ["basic", "pro", "team"][j % 3]
            bad = month == "2025-03" or (plan == "team" and j % 2 == 0)
            score = int(rng.choice([0, 3, 5, 6, 7, 8]) if bad else rng.choice([6, 7, 8, 9, 10, 10]))
            rid = f"r{len(rows):04d}"
            rows.append({"response_id": rid, "date": f"{month}-{1 + j % 28:02d}", "plan": plan, "score": score,
                         "region": "Nord" if j % 2 else "Süd", "comment": "ein echter Kommentar"})
            if score <= 6 and rng.random() < 0.6:
                mentions.append((rid, "Lieferung"))
            if score >= 9 and rng.random() < 0.5:
                mentions.append((rid, "Kundenservice"))
            if rng.random() < (0.3 if plan == "pro" else 0.04):
                mentions.append((rid, "Preis"))
    rows.append({"response_id": "r9999", "date": None, "plan": "basic", "score": 9, "region": "Nord",
                 "comment": "ohne Datum"})
    return pd.DataFrame(rows), pd.DataFrame(mentions, columns=["response_id", "theme"])


@pytest.fixture(scope="module")
def survey():
    return _survey()


@pytest.fixture(scope="module")
def themes(survey):
    return theme_table(*survey)


@pytest.fixture(scope="module")
def discovery():
    """Three planted clause groups of 20, 15 and 10 (fake embeddings: no model, no spaCy pipeline)."""
    texts = ["zu teuer"] * 20 + ["Lieferung spät"] * 15 + ["Kundenservice freundlich"] * 10
    lemmas = ["teuer"] * 20 + ["Lieferung spät"] * 15 + ["Kundenservice freundlich"] * 10
    sentences = pd.DataFrame({"response_id": [str(i) for i in range(45)], "sentence_id": 0, "text": texts,
                              "lang": "de", "lemmas": lemmas})
    rng = np.random.default_rng(0)
    vectors = np.repeat(np.eye(3, 8), [20, 15, 10], axis=0) + rng.normal(0, 0.05, (45, 8))
    return discover_themes(sentences, vectors, n_themes=3, min_size=5)


# ----------------------------------------------------------------------------- helpers
def _png(fig: Figure) -> np.ndarray:
    """Render to PNG and check it is a real picture: a few KB, many colours."""
    assert isinstance(fig, Figure)
    buffer = BytesIO()
    fig.savefig(buffer, format="png", dpi=60)  # small: quick, and still every element drawn
    assert buffer.tell() > 6_000, f"PNG of only {buffer.tell()} bytes"
    buffer.seek(0)
    image = imread(buffer, format="png")
    assert image.ndim == 3 and image.shape[0] > 120 and image.shape[1] > 300
    colours = np.unique(image[..., :3].reshape(-1, 3).round(2), axis=0)
    assert len(colours) > 20, "the image is (nearly) a single colour"
    return image


def _texts(fig: Figure) -> str:
    """Every piece of text in the figure: titles, labels, ticks, legends, notes, annotations."""
    found = [fig.get_suptitle(), fig.get_supxlabel()]
    for ax in fig.axes:
        found += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel(), *(t.get_text() for t in ax.texts)]
        found += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
        if ax.get_legend():
            found += [t.get_text() for t in ax.get_legend().get_texts()]
            found.append(ax.get_legend().get_title().get_text())
    return "\n".join(t.replace("\n", " ") for t in found)


def _bars(ax) -> list:
    return [p for p in ax.patches if (p.get_gid() or "").startswith("bar-")]


FIGURES = {
    "score_distribution": lambda s, t, d, lang: plot.score_distribution(s[0], lang=lang),
    "nps_trend": lambda s, t, d, lang: plot.nps_trend(nps_by_period(s[0]), target=10, lang=lang),
    "segment_forest": lambda s, t, d, lang: plot.segment_forest(nps_by(s[0], "plan"), lang=lang),
    "driver_impact": lambda s, t, d, lang: plot.driver_impact(t, lang=lang),
    "priority_matrix": lambda s, t, d, lang: plot.priority_matrix(t, lang=lang),
    "impact_waterfall": lambda s, t, d, lang: plot.impact_waterfall(t, lang=lang),
    "theme_segment_heatmap": lambda s, t, d, lang: plot.theme_segment_heatmap(drivers_by(*s, "plan"), lang=lang),
    "theme_trend": lambda s, t, d, lang: plot.theme_trend(drivers_by_period(*s), lang=lang),
    "theme_map": lambda s, t, d, lang: plot.theme_map(d, lang=lang),
    "theme_dendrogram": lambda s, t, d, lang: plot.theme_dendrogram(d, lang=lang),
    "funnel_plot": lambda s, t, d, lang: plot.funnel_plot(league_table(s[0], "plan", min_n=5), lang=lang),
}


# ----------------------------------------------------------------------------- every figure
def test_every_public_function_is_exported_and_tested():
    functions = {name for name in plot.__all__ if callable(getattr(plot, name))}
    assert functions == set(FIGURES)


@pytest.mark.parametrize("lang", ["en", "de"])
@pytest.mark.parametrize("name", sorted(FIGURES))
def test_each_figure_renders_to_a_real_png(name, lang, survey, themes, discovery):
    _png(FIGURES[name](survey, themes, discovery, lang))


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_an_unknown_language_is_refused(name, survey, themes, discovery):
    with pytest.raises(ParameterError, match=r"lang must be one of \['en', 'de'\], got 'fr'"):
        FIGURES[name](survey, themes, discovery, "fr")


def test_no_pyplot_is_ever_imported():
    code = ("import sys, numpy as np, nps_text.plot as p\n"
            "p.score_distribution([10, 9, 3, 7] * 10).savefig(__import__('io').BytesIO(), format='png')\n"
            "v = np.vstack([np.eye(4)[k] + np.random.default_rng(0).normal(0, .1, (10, 4)) for k in range(3)])\n"
            "lab = [0] * 10 + [1] * 10 + [2] * 10\n"
            "p.theme_dendrogram(v, lab).savefig(__import__('io').BytesIO(), format='png')\n"
            "p.theme_map(v, lab).savefig(__import__('io').BytesIO(), format='png')\n"
            "print('matplotlib.pyplot' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ----------------------------------------------------------------------------- scores
def test_score_distribution_has_a_bar_per_answer_in_the_group_colours(survey):
    responses = survey[0]
    fig = plot.score_distribution(responses)
    bars = fig.axes[0].patches
    assert len(bars) == 11
    assert [to_hex(bars[i].get_facecolor()).upper() for i in (0, 6, 7, 8, 9, 10)] == \
        [DETRACTOR, DETRACTOR, PASSIVE, PASSIVE, PROMOTER, PROMOTER]
    shares = responses["score"].value_counts(normalize=True)
    assert bars[10].get_height() == pytest.approx(shares[10])
    result = nps_summary(responses["score"])
    assert f"NPS {result.nps:+.1f} (95% CI {result.ci_low:+.1f} to {result.ci_high:+.1f})".replace("-", "−") \
        in fig.get_suptitle()


def test_score_distribution_in_german_and_on_the_1_to_10_scale():
    fig = plot.score_distribution([1, 5, 7, 9, 10, 10] * 6, scale="1-10", lang="de")
    assert len(fig.axes[0].patches) == 10
    text = _texts(fig)
    assert "Weiterempfehlungsbereitschaft (1–10)" in text
    assert "Kritiker (1–6)" in text and "Indifferente (7–8)" in text and "Promotoren (9–10)" in text
    assert "NPS +16,7 (95\u202f%-KI" in fig.get_suptitle()  # decimal comma
    with pytest.raises(ParameterError, match="0 is not on the 1-10 scale"):
        plot.score_distribution([0, 9, 10], scale="1-10")


def test_score_distribution_names_the_missing_column():
    with pytest.raises(ColumnError, match=r"column 'score' not found; available columns: \['NPS'\]. Pass score="):
        plot.score_distribution(pd.DataFrame({"NPS": [1, 2]}))
    with pytest.raises(ParameterError, match="got no scores"):
        plot.score_distribution([None, None])


def test_nps_trend_marks_changes_small_periods_and_the_target(survey):
    table = nps_by_period(survey[0])
    assert table["period"].iloc[-1] == "(no date)"
    fig = plot.nps_trend(table, target=10)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2025-01", "2025-02", "2025-03", "2025-04"]
    nps_line = next(line for line in ax.get_lines() if line.get_label() == "NPS")
    np.testing.assert_allclose(nps_line.get_ydata(), table["nps"].iloc[:4])
    assert any(np.allclose(line.get_ydata(), 10) for line in ax.get_lines())  # the target
    text = _texts(fig)
    assert "n = 8" in text  # April's 8 answers: hollow and counted
    hollow = [c for c in ax.collections if len(c.get_offsets()) and to_hex(c.get_facecolor()[0]) == "#ffffff"]
    assert len(hollow) == 1 and hollow[0].get_offsets()[0][0] == 3
    march, april = table["change"].iloc[2], table["change"].iloc[3]
    assert f"{march:+.1f}".replace("-", "−") in text and f"{april:+.1f}" in text
    colours = {to_hex(c.get_facecolor()[0]).upper() for c in ax.collections if c.get_paths() and len(c.get_offsets())}
    assert {DETRACTOR, PROMOTER} <= colours  # the fall and the rise
    assert "Significant fall vs previous period" in text and "Target +10" in text


def test_nps_trend_reads_the_csv_the_cli_writes(survey, tmp_path):
    path = tmp_path / "nps_by_period.csv"
    nps_by_period(survey[0]).to_csv(path, index=False)
    fig = plot.nps_trend(pd.read_csv(path), lang="de")
    assert fig.get_suptitle() == "NPS im Zeitverlauf"
    assert "Signifikanter Rückgang zum Vorzeitraum" in _texts(fig)


def test_nps_trend_refuses_the_wrong_table_and_target(survey):
    with pytest.raises(ColumnError, match=r"nps_trend\(\) needs the columns \['period'\].*nps_by_period\(\)"):
        plot.nps_trend(nps_by(survey[0], "plan"))
    with pytest.raises(ParameterError, match="target must be an NPS in points between -100 and 100, got 150"):
        plot.nps_trend(nps_by_period(survey[0]), target=150)
    with pytest.raises(ParameterError, match=r"the DataFrame that nps_text.stats.nps_by_period\(\) returns, got list"):
        plot.nps_trend([1, 2, 3])


def test_segment_forest_colours_the_segment_below_the_rest(survey):
    table = nps_by(survey[0], "plan")
    fig = plot.segment_forest(table)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["basic", "pro", "team"]  # top to bottom
    colours = [to_hex(c.get_edgecolor()[0]).upper() for c in ax.collections]
    assert colours[2] == DETRACTOR  # team: p < 0.05 against the rest, below it
    assert colours[0] == colours[1] == "#555555"
    overall = nps_summary(survey[0]["score"]).nps
    assert any(np.allclose(line.get_xdata(), overall) for line in ax.get_lines())
    assert f"All responses {overall:+.1f}".replace("-", "−") in _texts(fig)


def test_segment_forest_reads_the_long_table_of_several_columns(survey):
    long = pd.concat([nps_by(survey[0], c).rename(columns={c: "value"}).assign(column=c) for c in ("plan", "region")])
    fig = plot.segment_forest(long.head(5), overall=12.5, lang="de")
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels[0] == "plan: basic" and len(labels) == 5  # top to bottom
    assert "Alle Antworten +12,5" in _texts(fig) and "NPS nach Segment" in fig.get_suptitle()
    with pytest.raises(ParameterError, match="overall must be an NPS in points"):
        plot.segment_forest(long, overall="hoch")


def test_a_segment_without_a_value_reads_not_given_in_the_charts(survey):
    responses, mentions = survey
    responses = responses.assign(plan=responses["plan"].where(responses["plan"] != "team"))  # team: no plan given
    table = nps_by(responses, "plan")
    assert "(missing)" in set(table["plan"])  # the table keeps its machine-readable label
    for lang, shown in (("en", "(not given)"), ("de", "(ohne Angabe)")):
        assert shown in [t.get_text() for t in plot.segment_forest(table, lang=lang).axes[0].get_yticklabels()]
        heatmap = plot.theme_segment_heatmap(drivers_by(responses, mentions, "plan"), lang=lang)
        assert shown in [t.get_text().split("\n")[0] for t in heatmap.axes[0].get_xticklabels()]


# ----------------------------------------------------------------------------- drivers
def test_driver_impact_sorts_colours_and_fades_what_crosses_zero(themes):
    fig = plot.driver_impact(themes)
    ax = fig.axes[0]
    bars = _bars(ax)
    assert len(bars) == len(themes) == 3
    widths = [b.get_width() for b in bars]
    assert widths == sorted(widths)  # the largest impact on top
    names = [t.get_text() for t in ax.get_yticklabels()]
    assert names == ["Lieferung", "Preis", "Kundenservice"]
    by_name = dict(zip(names, bars))
    assert to_hex(by_name["Lieferung"].get_facecolor()).upper() == DETRACTOR
    assert to_hex(by_name["Kundenservice"].get_facecolor()).upper() == PROMOTER
    preis = themes.set_index("theme").loc["Preis"]
    assert preis["impact_low"] < 0 < preis["impact_high"]
    assert by_name["Preis"].get_alpha() == FAINT
    assert by_name["Lieferung"].get_alpha() == 1.0
    assert "Faint: the interval includes 0" in _texts(fig)


def test_driver_impact_keeps_the_largest_and_says_what_it_left_out(themes):
    fig = plot.driver_impact(themes, max_themes=2, lang="de")
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["Lieferung", "Kundenservice"]
    assert "Nicht gezeigt: 1 weitere Themen" in fig.get_supxlabel()
    assert "Wirkung auf den NPS (Punkte)" in _texts(fig)


def test_driver_impact_draws_a_driver_view(survey):
    views = driver_views(*survey)
    fig = plot.driver_impact(views, view="pain_points")
    bars = _bars(fig.axes[0])
    assert len(bars) == len(views["pain_points"])
    top = bars[-1]
    assert to_hex(top.get_facecolor()).upper() == DETRACTOR
    assert top.get_width() == pytest.approx(100 * views["pain_points"]["difference"].max())
    with pytest.raises(ParameterError, match=r"pass view= one of \['opportunities', 'pain_points', 'strengths'\]"):
        plot.driver_impact(views)


def test_driver_functions_name_the_table_they_need(survey):
    wrong = nps_by(survey[0], "plan")
    for func in (plot.driver_impact, plot.priority_matrix, plot.impact_waterfall):
        with pytest.raises(ColumnError, match=r"Pass the table that nps_text.drivers.theme_table\(\) returns"):
            func(wrong)
    with pytest.raises(ParameterError, match="got an empty table"):
        plot.driver_impact(theme_table(*survey).iloc[:0])
    with pytest.raises(ParameterError, match="max_themes must be a whole number of at least 1, got 0"):
        plot.driver_impact(theme_table(*survey), max_themes=0)


def test_priority_matrix_names_the_quadrants_and_sizes_the_bubbles(themes):
    for lang, names in (("en", {"fix first", "maintain", "monitor", "leverage"}),
                        ("de", {"zuerst beheben", "halten", "beobachten", "ausbauen"})):
        fig = plot.priority_matrix(themes, lang=lang)
        ax = fig.axes[0]
        assert {t.get_text() for t in ax.texts if (t.get_gid() or "").startswith("quadrant")} == names
    points = sum(len(c.get_offsets()) for c in ax.collections)
    assert points == len(themes)
    sizes = np.concatenate([c.get_sizes() for c in ax.collections])
    np.testing.assert_allclose(sorted(sizes), sorted(40 + 1400 * themes["n"] / themes["n"].max()))
    assert "Lieferung" in _texts(fig) and "Anteil der Befragten, die das Thema nennen" in _texts(fig)
    with pytest.raises(ParameterError, match="y must be 'difference' or 'impact', got 'nps'"):
        plot.priority_matrix(themes, y="nps")


def test_impact_waterfall_starts_without_themes_and_ends_at_the_observed_nps(survey, themes):
    fig = plot.impact_waterfall(themes)
    ax = fig.axes[0]
    start = next(p for p in ax.patches if p.get_gid() == "start")
    end = next(p for p in ax.patches if p.get_gid() == "observed")
    observed = nps_summary(survey[0]["score"]).nps  # every respondent wrote a comment: the base is everyone
    assert end.get_width() == pytest.approx(observed)
    assert start.get_width() == pytest.approx(observed - themes["impact"].sum())
    steps = [p for p in ax.patches if p.get_gid() not in ("start", "observed")]
    assert steps[-1].get_x() + steps[-1].get_width() == pytest.approx(observed)  # the chain reaches it
    assert "not strictly additive" in fig.get_supxlabel().replace("\n", " ")
    assert "Observed NPS (respondents with a comment)" in _texts(fig)


def test_impact_waterfall_sums_the_rest_into_one_bar_in_german(themes):
    fig = plot.impact_waterfall(themes, max_themes=1, observed=nps_summary([10, 9, 3]), lang="de")
    ax = fig.axes[0]
    labels = [t.get_text().replace("\n", " ") for t in ax.get_yticklabels()]
    assert labels == ["NPS ohne Themeneffekte", "Lieferung", "Weitere Themen (2)",
                      "Beobachteter NPS (Befragte mit Kommentar)"]  # top to bottom
    assert next(p for p in ax.patches if p.get_gid() == "observed").get_width() == pytest.approx(100 / 3)
    assert "nicht streng" in fig.get_supxlabel().replace("\n", " ")
    with pytest.raises(ColumnError, match="Pass observed="):
        plot.impact_waterfall(themes.drop(columns="nps_without"))


# ----------------------------------------------------------------------------- themes by segment and period
def test_heatmap_shows_shares_and_marks_the_significant_cell(survey):
    table = drivers_by(*survey, "plan")
    fig = plot.theme_segment_heatmap(table)
    ax = fig.axes[0]
    grid = ax.images[0].get_array()
    assert grid.shape == (3, 3)
    assert [t.get_text().split("\n")[0] for t in ax.get_xticklabels()] == ["basic", "pro", "team"]
    preis_pro = table[(table["theme"] == "Preis") & (table["value"] == "pro")].iloc[0]
    assert preis_pro["share_vs_rest_q"] < 0.05
    marked = [t.get_text() for t in ax.texts if "▲" in t.get_text()]
    assert marked == [f"{100 * preis_pro['share']:.0f}% ▲"]


def test_heatmap_asks_which_column_when_there_are_several(survey):
    table = drivers_by(*survey, ["plan", "region"])
    with pytest.raises(ParameterError, match=r"several columns \['plan', 'region'\]; pass column="):
        plot.theme_segment_heatmap(table)
    fig = plot.theme_segment_heatmap(table, column="plan", lang="de")
    assert "Anteil der Befragten je Thema nach plan" in fig.get_suptitle()


def test_theme_trend_draws_the_chosen_themes_and_rings_changes(survey):
    table = drivers_by_period(*survey)
    fig = plot.theme_trend(table, themes=["Lieferung", "Preis"])
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.get_lines()] == ["Lieferung", "Preis"]
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), table[table["theme"] == "Lieferung"]["share"])
    rings = [c for c in ax.collections if len(c.get_offsets()) and c.get_sizes()[0] == 150]
    assert len(rings) == 1  # Lieferung jumps in March; Preis never changes significantly
    assert len(plot.theme_trend(table, max_themes=1).axes[0].get_lines()) == 1
    with pytest.raises(ParameterError, match=r"theme\(s\) \['Versand'\] not in the table"):
        plot.theme_trend(table, themes=["Versand"])


# ----------------------------------------------------------------------------- discovery
def test_theme_map_names_each_theme_at_its_centre(discovery):
    fig = plot.theme_map(discovery)
    names = {t["name"] for t in discovery.model.themes_}
    assert {t.get_text() for t in fig.axes[0].texts} == names
    assert "45 of 45 clauses shown" in fig.get_supxlabel()
    fig = plot.theme_map(discovery.model, method="svd", max_points=20, lang="de", names={0: "Preis"})
    assert "Preis" in {t.get_text() for t in fig.axes[0].texts}
    assert "20 von 45 Satzteilen gezeigt" in fig.get_supxlabel()


def test_theme_map_takes_plain_embeddings_and_refuses_bad_ones():
    vectors = np.repeat(np.eye(2, 4), 10, axis=0) + np.random.default_rng(1).normal(0, 0.1, (20, 4))
    fig = plot.theme_map(vectors, ["a"] * 9 + [None] + ["b"] * 10)
    assert {t.get_text() for t in fig.axes[0].texts} == {"a", "b"}
    assert "Unassigned" in _texts(fig)
    with pytest.raises(ParameterError, match="labels has 3 values but the embeddings have 20 rows"):
        plot.theme_map(vectors, ["a", "b", "c"])
    with pytest.raises(ParameterError, match="with embeddings, pass labels="):
        plot.theme_map(vectors)
    with pytest.raises(ParameterError, match="method must be one of \\['pca', 'svd'\\], got 'umap'"):
        plot.theme_map(vectors, [0] * 20, method="umap")
    with pytest.raises(ParameterError, match="not fitted"):
        plot.theme_map(ThemeDiscovery())


def test_theme_dendrogram_has_a_leaf_per_theme(discovery):
    fig = plot.theme_dendrogram(discovery, lang="de")
    leaves = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert len(leaves) == 3 and all("(n = " in leaf for leaf in leaves)
    assert "Ward-Distanz" in _texts(fig)
    with pytest.raises(ParameterError, match="at least two themes"):
        plot.theme_dendrogram(np.eye(3), ["a", "a", "a"])


def test_ward_linkage_of_groups_matches_scipy():
    points = np.random.default_rng(3).normal(size=(7, 4))
    expected = linkage(points, method="ward")
    np.testing.assert_allclose(_ward_linkage(points, np.ones(7)), expected)
    # two groups of sizes 3 and 1: the height is sqrt(2 · 3·1/4 · ||m_a − m_b||²)
    z = _ward_linkage(np.array([[0.0, 0.0], [2.0, 0.0]]), np.array([3, 1]))
    assert z[0, 2] == pytest.approx(np.sqrt(2 * 0.75 * 4))


def test_errors_are_nps_text_errors(themes):
    with pytest.raises(NpsTextError):
        plot.priority_matrix(themes, share_split=2)
    with pytest.raises(ValueError):
        plot.theme_trend(themes)


def test_figures_show_themselves_in_jupyter_without_pyplot():
    from nps_text.plot import score_distribution

    png = score_distribution([10, 9, 3, 7])._repr_png_()  # what IPython displays for a cell's last value
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5_000
