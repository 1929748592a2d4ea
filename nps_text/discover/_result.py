"""What discovery hands the analyst: the theme table with NPS, the assignments, mentions, a taxonomy draft."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._core.results import Result, to_jsonable
from ..errors import ColumnError
from ..stats.scores import nps_summary
from ..tagging.contract import mentions_frame
from ._describe import KEYWORD_LANGS, KIND_NOTES, TONE_KINDS
from ._model import FILLER, ThemeDiscovery, check_level, tone_mask
from ._taxonomy import to_taxonomy

__all__ = ["DiscoveryResult", "discover_themes", "describe_model", "theme_table", "assignments_frame",
           "discovery_mentions", "to_taxonomy", "THEME_COLUMNS", "counts_line"]

THEME_COLUMNS = ["theme", "key", "name", "kind", "parent", "size", "n_responses", "share_responses",
                 "keyword_share", "keywords_de", "keywords_en", "quotes", "guide", "n_scored", "nps", "ci_low", "ci_high",
                 "nps_vs_all", "warning"]
_SCORED = THEME_COLUMNS.index("n_scored")


def assignments_frame(model: ThemeDiscovery, sentences: pd.DataFrame | None = None,
                      labels: np.ndarray | None = None, similarity: np.ndarray | None = None) -> pd.DataFrame:
    """One row per sentence: ids, text, ``theme``/``theme_key``, ``top_theme``/``top_key``, ``similarity``, ``status``.

    ``theme`` is the sub-theme, ``top_theme`` its parent (both nullable). ``status`` is ``theme``,
    ``tone`` (a clause that is only tone, or one in a theme that is general praise or complaint:
    not a topic), ``context`` (in a theme hardly anyone rates: "Ich habe letzte Woche bestellt",
    "Been a customer since 2012"; background, not a topic), ``unassigned`` (too
    far from every theme, or in a dropped theme) or ``filler``. Defaults to the fitted sentences;
    pass ``sentences`` with ``labels`` from :meth:`ThemeDiscovery.predict` for new ones. The
    index is that of ``sentences``.
    """
    if sentences is None:
        sentences, labels, similarity = model.sentences_, model.labels_, model.similarity_
    top = model._to_top(labels)
    keys = {t["theme"]: t["key"] for t in model.themes_}
    top_keys = {t["theme"]: t["key"] for t in model.top_themes_}
    tone = {t["theme"] for t in model.themes_ if t["kind"] in TONE_KINDS}
    tone_top = {t["theme"] for t in model.top_themes_ if t["kind"] in TONE_KINDS}
    context = {t["theme"] for t in model.themes_ if t["kind"] == "context"}
    context_top = {t["theme"] for t in model.top_themes_ if t["kind"] == "context"}
    out = sentences[[c for c in ("response_id", "sentence_id", "text", "lang", "start", "end") if c in sentences]].copy()
    for column, values, names in (("theme", labels, keys), ("top_theme", top, top_keys)):
        out[column] = pd.array(np.where(values >= 0, values, 0), dtype="Int64")
        out.loc[values < 0, column] = pd.NA
        out[column.replace("theme", "key") if column == "top_theme" else "theme_key"] = pd.array(
            [names.get(int(i)) if i >= 0 else None for i in values], dtype="string")
    out["similarity"] = similarity if similarity is not None else np.nan
    is_tone = np.isin(labels, sorted(tone)) | np.isin(top, sorted(tone_top))
    is_context = np.isin(labels, sorted(context)) | np.isin(top, sorted(context_top))
    only_tone = tone_mask(sentences) if "lemmas" in sentences else np.zeros(len(labels), dtype=bool)
    out["status"] = np.select([is_context & (labels >= 0), is_tone & (labels >= 0), labels >= 0,
                               (labels == FILLER) & only_tone, labels == FILLER],
                              ["context", "tone", "theme", "tone", "filler"], "unassigned")
    return out


def discovery_mentions(assignments: pd.DataFrame, *, level: str = "top") -> pd.DataFrame:
    """The standard mentions table (``source="discovery"``) of the clauses in a topic, so drivers work unchanged.

    ``level="top"`` (default) names the top-level theme of each mention, ``"sub"`` the sub-theme.
    Clauses of tone themes (general praise or complaint) are left out: their tone is the
    sentiment of the mentions, not a theme; so are those of context themes (background that
    hardly anyone rates, such as how long someone has been a customer).
    """
    key = "theme_key" if check_level(level) == "sub" else "top_key"
    rows = assignments[assignments["status"] == "theme"]
    start = rows["start"] if "start" in rows else pd.Series(0, index=rows.index)
    end = rows["end"] if "end" in rows else rows["text"].str.len()
    return mentions_frame(list(zip(rows["response_id"], rows["sentence_id"], rows[key],
                                   rows["similarity"].astype(float), ["discovery"] * len(rows), start, end,
                                   rows["text"])))


def theme_table(model: ThemeDiscovery, responses: pd.DataFrame | None = None, *, level: float = 0.95,
                min_n: int = 30, tree_level: str = "sub") -> pd.DataFrame:
    """One row per theme: kind, parent, size, share of responses, keywords side by side, quotes, NPS with interval.

    ``tree_level="sub"`` gives the sub-themes (``parent`` is their top-level theme), ``"top"`` the
    top-level themes (``parent`` empty). ``kind`` is ``topic``, ``praise``/``complaint`` for a
    theme whose keywords are all tone, or ``context`` for one hardly anyone rates.

    ``share_responses`` is the share of responses with at least one clause clustered (not empty,
    not only filler) that mention the theme. With ``responses`` (a ``score`` and a
    ``response_id`` column) the NPS of the responses mentioning the theme, its interval and its
    difference to the NPS of all scored responses are added; sorted by theme id.
    """
    sentences, labels = model.sentences_, model.labels_at(tree_level)
    ids = sentences["response_id"].astype(str)
    with_content = ids[labels != FILLER].nunique() or 1
    scores = None
    if responses is not None:
        for column in ("response_id", "score"):
            if column not in responses:
                raise ColumnError(f"responses lacks a {column!r} column (it has {list(responses.columns)}); "
                                  "pass the responses load_survey returned.")
        scores = pd.Series(responses["score"].to_numpy(), index=responses["response_id"].astype(str))
        scores = scores[~scores.index.duplicated()]
        overall = nps_summary(scores.dropna(), level=level, min_n=min_n).nps
    rows = []
    for theme in model.themes_at(tree_level):
        mentioning = ids[labels == theme["theme"]].unique()
        row: dict[str, Any] = {k: theme[k] for k in ("theme", "key", "name", "kind", "size")}
        row["parent"] = theme.get("parent", pd.NA)
        row.update({"n_responses": len(mentioning), "share_responses": len(mentioning) / with_content,
                    "keyword_share": theme.get("keyword_share", np.nan),
                    **{f"keywords_{lang}": ", ".join(theme[f"keywords_{lang}"]) for lang in KEYWORD_LANGS},
                    "quotes": " | ".join(theme["quotes"]),
                    "guide": theme.get("guide") or pd.NA})  # guided discovery: the guide theme it is named after
        if scores is not None:
            summary = nps_summary(scores.reindex(mentioning).dropna(), level=level, min_n=min_n)
            warning = summary.warning
            if theme["kind"] == "mixed":
                warning = "; ".join(w for w in (warning, KIND_NOTES["mixed"]) if w)
            row.update({"n_scored": summary.n, "nps": summary.nps, "ci_low": summary.ci_low,
                        "ci_high": summary.ci_high, "nps_vs_all": summary.nps - overall, "warning": warning})
        rows.append(row)
    table = pd.DataFrame(rows, columns=THEME_COLUMNS if scores is not None else THEME_COLUMNS[:_SCORED])
    return table.astype({"theme": "int64", "parent": "Int64", "size": "int64", "n_responses": "int64"})


@dataclass
class DiscoveryResult(Result):
    """The fitted model, the theme tables at both levels, one row per sentence, and the mentions table.

    ``themes`` are the sub-themes, ``top_themes`` the top-level themes; ``mentions`` name the
    top-level themes (``mentions_at("sub")`` the sub-themes). ``to_frame()`` is the top-level
    table, ``to_dict()`` the report (``discovery_report.json``) with both levels, ``summary()``
    the counts and the tree in text.
    """

    model: ThemeDiscovery
    themes: pd.DataFrame
    assignments: pd.DataFrame
    mentions: pd.DataFrame
    top_themes: pd.DataFrame | None = None

    def table(self, level: str = "top") -> pd.DataFrame:
        """The theme table of a level: ``"top"`` or ``"sub"``."""
        return self.top_themes if check_level(level) == "top" else self.themes

    def mentions_at(self, level: str = "top") -> pd.DataFrame:
        """The mentions naming the top-level themes (``"top"``) or the sub-themes (``"sub"``)."""
        if check_level(level) == "top":
            return self.mentions
        sub = discovery_mentions(self.assignments, level="sub")
        return _with_sentiment(sub, self.mentions)

    @property
    def report(self) -> dict[str, Any]:
        """Counts: sentences, filler set aside, unassigned share, themes, settings chosen."""
        return dict(self.model.report_)

    def to_taxonomy(self, **kwargs: Any):
        """See :func:`to_taxonomy`."""
        return to_taxonomy(self.model, **kwargs)

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable({**self.report, "top_themes": self.top_themes.to_dict(orient="records"),
                            "themes": self.themes.to_dict(orient="records")})

    def to_frame(self) -> pd.DataFrame:
        return self.top_themes

    def summary(self, top: int | None = None) -> str:
        r = self.report
        lines = [counts_line(r, n_top=len(self.top_themes), n_sub=len(self.themes))]
        for _, row in (self.top_themes if top is None else self.top_themes.head(top)).iterrows():
            kind = "" if row["kind"] == "topic" else f" [{KIND_NOTES[row['kind']]}]"
            subs = self.themes[self.themes["parent"] == row["theme"]]["name"].tolist()
            lines.append(f"  {row['name']}: {row['n_responses']} responses{kind}")
            lines += [f"      {name}" for name in subs[:6]] + (["      ..."] if len(subs) > 6 else [])
        return "\n".join(lines)


def counts_line(report: dict[str, Any], *, n_top: int = 0, n_sub: int = 0) -> str:
    """One sentence on where every clause went: clustered (and unassigned), tone only, filler.

    The console of ``nps-text discover``/``analyze`` and :meth:`DiscoveryResult.summary` both print it.

    >>> print(counts_line({"n_top_themes": 2, "n_themes": 5, "n_sentences": 120, "n_clustered": 100,
    ...                    "share_unassigned": 0.01, "n_tone_only": 15, "n_filler": 5}))  # doctest: +NORMALIZE_WHITESPACE
    2 top-level themes with 5 sub-themes from 100 of 120 clauses (1.0% of them unassigned);
    set aside: 15 only tone ("danke", "alles super"), 5 filler.

    With the kinds in the report, the top level is counted by kind:

    >>> print(counts_line({"n_top_themes": 13, "n_themes": 24, "n_clustered": 100, "n_tone_themes": 1,
    ...                    "n_context_themes": 1, "n_mixed_themes": 1}))  # doctest: +NORMALIZE_WHITESPACE
    13 top-level themes (10 topics, 1 mixed, 1 context, 1 tone or churn intent) with 24 sub-themes from 100 of
    100 clauses (0.0% of them unassigned); set aside: 0 only tone ("danke", "alles super"), 0 filler.

    Guided discovery says how many topics the guide named:

    >>> print(counts_line({"n_top_themes": 12, "n_themes": 17, "n_clustered": 100, "n_tone_themes": 1,
    ...                    "n_context_themes": 1, "n_mixed_themes": 2, "n_guided_top_themes": 8,
    ...                    "unguided_top_themes": ["Gemischt (Menü) / mixed (Menü)", "Ticket"]}))
    ... # doctest: +NORMALIZE_WHITESPACE
    12 top-level themes (8 topics, 2 mixed, 1 context, 1 tone or churn intent) with 17 sub-themes from 100 of 100
    clauses (0.0% of them unassigned); set aside: 0 only tone ("danke", "alles super"), 0 filler. The guide names 8
    top-level themes; not named by it: Gemischt (Menü) / mixed (Menü); Ticket (read the quotes: a theme the guide
    lacks, or clauses its keywords miss).
    """
    clustered = report.get("n_clustered", 0)
    total = report.get("n_sentences", clustered + report.get("n_tone_only", 0) + report.get("n_filler", 0))
    n = report.get("n_top_themes", n_top)
    kinds = {"mixed": report.get("n_mixed_themes", 0), "context": report.get("n_context_themes", 0),
             "tone or churn intent": report.get("n_tone_themes", 0)}
    topics = n - sum(kinds.values())
    by_kind = "" if not any(kinds.values()) else " (" + ", ".join(
        [f"{topics} topic{'s' if topics != 1 else ''}"] + [f"{k} {kind}" for kind, k in kinds.items() if k]) + ")"
    guided = ""
    if "n_guided_top_themes" in report:  # guided discovery: which topics its guide did not name
        named, others = report["n_guided_top_themes"], report.get("unguided_top_themes", [])
        guided = (f" The guide names {named} top-level themes; not named by it: {'; '.join(others)} (read the "
                  "quotes: a theme the guide lacks, or clauses its keywords miss)." if others else
                  f" The guide names all {named} top-level topics.")
    return (f"{n} top-level themes{by_kind} with {report.get('n_themes', n_sub)} sub-themes "
            f"from {clustered:,} of {total:,} clauses ({report.get('share_unassigned', 0):.1%} of them unassigned); "
            f"set aside: {report.get('n_tone_only', 0):,} only tone (\"danke\", \"alles super\"), "
            f"{report.get('n_filler', 0):,} filler.{guided}")


def discover_themes(sentences: pd.DataFrame, embeddings: np.ndarray, *, responses: pd.DataFrame | None = None,
                    min_size: int | None = None, n_themes: int | None = None, seed: int = 0,
                    **params: Any) -> DiscoveryResult:
    """Discover themes in clause embeddings and describe them: one call for the whole job.

    Parameters
    ----------
    sentences : DataFrame
        From :func:`nps_text.text.prepare_text` (``response_id, sentence_id, text, lang, lemmas``).
    embeddings : ndarray
        Row-aligned with ``sentences`` (``embed(sentences["text"].tolist(), "e5")``).
    responses : DataFrame, optional
        With ``response_id`` and ``score``: adds the NPS of the responses mentioning each theme.
    min_size, n_themes, seed, **params
        See :class:`ThemeDiscovery`.

    Examples
    --------
    >>> import pandas as pd
    >>> from nps_text.text import prepare_text
    >>> from nps_text.embed import embed
    >>> r = pd.DataFrame({"response_id": [str(i) for i in range(60)], "score": [2, 9, 10] * 20,
    ...                   "comment": ["Viel zu teuer", "Lieferung schnell", "Lieferung pünktlich"] * 20})
    >>> r, s = prepare_text(r)
    >>> # in this toy every price comment is negative and every delivery comment positive: keep the tone
    >>> result = discover_themes(s, embed(s["text"].tolist(), "hashing", cache=False), responses=r, n_themes=2,
    ...                          remove_tone=False)
    >>> result.themes[["size", "nps"]].values.tolist()
    [[40.0, 100.0], [20.0, -100.0]]
    """
    model = ThemeDiscovery(min_size=min_size, n_themes=n_themes, seed=seed, **params).fit(sentences, embeddings)
    return describe_model(model, sentences, responses)


def describe_model(model: ThemeDiscovery, sentences: pd.DataFrame | None = None,
                   responses: pd.DataFrame | None = None) -> DiscoveryResult:
    """The :class:`DiscoveryResult` of a fitted (or edited) model: tables at both levels, assignments, mentions."""
    assignments = assignments_frame(model)
    if sentences is not None:
        assignments.index = sentences.index
        if "start" in sentences:
            assignments["start"], assignments["end"] = sentences["start"].to_numpy(), sentences["end"].to_numpy()
    return DiscoveryResult(model, theme_table(model, responses), assignments, discovery_mentions(assignments),
                           theme_table(model, responses, tree_level="top"))


def _with_sentiment(mentions: pd.DataFrame, tagged: pd.DataFrame) -> pd.DataFrame:
    """Copy the clause sentiment of ``tagged`` (same clauses) onto ``mentions``."""
    if "sentiment" not in tagged or tagged.empty:
        return mentions
    columns = [c for c in ("sentiment", "sentiment_score") if c in tagged]
    clause = tagged.drop_duplicates(["response_id", "sentence_id"]).set_index(["response_id", "sentence_id"])[columns]
    out = mentions.drop(columns=[c for c in columns if c in mentions]).join(clause, on=["response_id", "sentence_id"])
    return out[[*mentions.columns, *[c for c in columns if c not in mentions.columns]]]
