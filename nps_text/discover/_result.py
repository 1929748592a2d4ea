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
from ._describe import KEYWORD_LANGS
from ._model import FILLER, ThemeDiscovery
from ._taxonomy import to_taxonomy

__all__ = ["DiscoveryResult", "discover_themes", "theme_table", "assignments_frame", "discovery_mentions",
           "to_taxonomy", "THEME_COLUMNS"]

THEME_COLUMNS = ["theme", "key", "name", "size", "n_responses", "share_responses", "keywords_de", "keywords_en",
                 "quotes", "n_scored", "nps", "ci_low", "ci_high", "nps_vs_all", "warning"]


def assignments_frame(model: ThemeDiscovery, sentences: pd.DataFrame | None = None,
                      labels: np.ndarray | None = None, similarity: np.ndarray | None = None) -> pd.DataFrame:
    """One row per sentence: ids, text, ``theme`` (nullable), ``theme_key``, ``similarity``, ``status``.

    ``status`` is ``theme``, ``unassigned`` (too far from every theme, or in a dropped theme) or
    ``filler``. Defaults to the fitted sentences; pass ``sentences`` with ``labels`` from
    :meth:`ThemeDiscovery.predict` for new ones. The index is that of ``sentences``.
    """
    if sentences is None:
        sentences, labels, similarity = model.sentences_, model.labels_, model.similarity_
    keys = {t["theme"]: t["key"] for t in model.themes_}
    out = sentences[[c for c in ("response_id", "sentence_id", "text", "lang", "start", "end") if c in sentences]].copy()
    out["theme"] = pd.array(np.where(labels >= 0, labels, 0), dtype="Int64")
    out.loc[labels < 0, "theme"] = pd.NA
    out["theme_key"] = pd.array([keys.get(int(i)) if i >= 0 else None for i in labels], dtype="string")
    out["similarity"] = similarity if similarity is not None else np.nan
    out["status"] = np.select([labels >= 0, labels == FILLER], ["theme", "filler"], "unassigned")
    return out


def discovery_mentions(assignments: pd.DataFrame) -> pd.DataFrame:
    """The standard mentions table (``source="discovery"``) of the assigned sentences, so drivers work unchanged."""
    rows = assignments[assignments["status"] == "theme"]
    start = rows["start"] if "start" in rows else pd.Series(0, index=rows.index)
    end = rows["end"] if "end" in rows else rows["text"].str.len()
    return mentions_frame(list(zip(rows["response_id"], rows["sentence_id"], rows["theme_key"],
                                   rows["similarity"].astype(float), ["discovery"] * len(rows), start, end,
                                   rows["text"])))


def theme_table(model: ThemeDiscovery, responses: pd.DataFrame | None = None, *, level: float = 0.95,
                min_n: int = 30) -> pd.DataFrame:
    """One row per theme: size, share of responses, keywords side by side, quotes, NPS with interval.

    ``share_responses`` is the share of responses with at least one clause clustered (not empty,
    not only filler) that mention the theme. With ``responses`` (a ``score`` and a
    ``response_id`` column) the NPS of the responses mentioning the theme, its interval and its
    difference to the NPS of all scored responses are added; sorted by theme id.
    """
    sentences, labels = model.sentences_, model.labels_
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
    for theme in model.themes_:
        mentioning = ids[labels == theme["theme"]].unique()
        row: dict[str, Any] = {k: theme[k] for k in ("theme", "key", "name", "size")}
        row.update({"n_responses": len(mentioning), "share_responses": len(mentioning) / with_content,
                    **{f"keywords_{lang}": ", ".join(theme[f"keywords_{lang}"]) for lang in KEYWORD_LANGS},
                    "quotes": " | ".join(theme["quotes"])})
        if scores is not None:
            summary = nps_summary(scores.reindex(mentioning).dropna(), level=level, min_n=min_n)
            row.update({"n_scored": summary.n, "nps": summary.nps, "ci_low": summary.ci_low,
                        "ci_high": summary.ci_high, "nps_vs_all": summary.nps - overall, "warning": summary.warning})
        rows.append(row)
    table = pd.DataFrame(rows, columns=THEME_COLUMNS if scores is not None else THEME_COLUMNS[:9])
    return table.astype({"theme": "int64", "size": "int64", "n_responses": "int64"})


@dataclass
class DiscoveryResult(Result):
    """The fitted model, the theme table, one row per sentence, and the mentions table.

    ``to_frame()`` is the theme table, ``to_dict()`` the report (``discovery_report.json``) with
    the themes, ``summary()`` the counts and the largest themes in text.
    """

    model: ThemeDiscovery
    themes: pd.DataFrame
    assignments: pd.DataFrame
    mentions: pd.DataFrame

    @property
    def report(self) -> dict[str, Any]:
        """Counts: sentences, filler set aside, unassigned share, themes, settings chosen."""
        return dict(self.model.report_)

    def to_taxonomy(self, **kwargs: Any):
        """See :func:`to_taxonomy`."""
        return to_taxonomy(self.model, **kwargs)

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable({**self.report, "themes": self.themes.to_dict(orient="records")})

    def to_frame(self) -> pd.DataFrame:
        return self.themes

    def summary(self, top: int = 5) -> str:
        r = self.report
        lines = [f"{r.get('n_themes', len(self.themes))} themes in {r.get('n_sentences')} clauses "
                 f"({r.get('n_filler', 0)} filler set aside; {r.get('share_unassigned', 0):.0%} of the rest unassigned)."]
        largest = self.themes.sort_values("n_responses", ascending=False).head(top) if len(self.themes) else self.themes
        lines += [f"  {row['name']}: {row['n_responses']} responses" for _, row in largest.iterrows()]
        return "\n".join(lines)


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
    >>> result = discover_themes(s, embed(s["text"].tolist(), "hashing", cache=False), responses=r, n_themes=2)
    >>> result.themes[["size", "nps"]].values.tolist()
    [[40.0, 100.0], [20.0, -100.0]]
    """
    model = ThemeDiscovery(min_size=min_size, n_themes=n_themes, seed=seed, **params).fit(sentences, embeddings)
    assignments = assignments_frame(model)
    assignments.index = sentences.index
    if "start" in sentences:
        assignments["start"], assignments["end"] = sentences["start"].to_numpy(), sentences["end"].to_numpy()
    return DiscoveryResult(model, theme_table(model, responses), assignments, discovery_mentions(assignments))
