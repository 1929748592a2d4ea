"""One row per theme: how often it is mentioned, by whom, in which tone, and those people's NPS."""

from __future__ import annotations

import pandas as pd

from ..errors import ColumnError
from ..stats.scores import nps_summary

__all__ = ["theme_summary", "THEME_SUMMARY_COLUMNS"]

THEME_SUMMARY_COLUMNS = ["theme", "mentions", "respondents", "share_of_responses", "share_of_commenters",
                         "positive", "negative", "neutral", "n", "nps", "ci_low", "ci_high", "margin_of_error",
                         "warning"]


def theme_summary(mentions: pd.DataFrame, responses: pd.DataFrame, *, level: float = 0.95,
                  min_n: int = 30) -> pd.DataFrame:
    """Per theme: mentions, respondents, their share, mentions by sentiment, and the NPS of those respondents.

    Parameters
    ----------
    mentions : DataFrame
        A mentions table (any tagger; see :mod:`nps_text.tagging`).
    responses : DataFrame
        The responses the mentions come from (``response_id``, ``score``; ``is_empty``/``is_junk``
        from :func:`~nps_text.text.prepare_text` when present).
    level, min_n
        Confidence level and small-sample threshold of the NPS interval
        (:func:`~nps_text.stats.scores.nps_summary`).

    Returns
    -------
    DataFrame
        :data:`THEME_SUMMARY_COLUMNS`, most-mentioned theme first. ``share_of_responses`` is
        respondents / all responses; ``share_of_commenters`` respondents / responses with a usable
        comment (neither empty nor junk). ``positive``/``negative``/``neutral`` count mentions;
        ``n``, ``nps`` and the interval are those of the respondents who mention the theme.

    Examples
    --------
    >>> m = pd.DataFrame({"response_id": ["a", "b", "b"], "theme": ["price", "price", "service"],
    ...                   "sentiment": ["negative", "negative", "positive"]})
    >>> r = pd.DataFrame({"response_id": ["a", "b", "c"], "score": [2, 9, 10]})
    >>> theme_summary(m, r)[["theme", "respondents", "negative", "nps"]].values.tolist()
    [['price', 2, 2, 0.0], ['service', 1, 0, 100.0]]
    """
    for frame, name, columns in ((mentions, "mentions", ("response_id", "theme")),
                                 (responses, "responses", ("response_id", "score"))):
        missing = [c for c in columns if c not in frame]
        if missing:
            raise ColumnError(f"{name} lack column(s) {missing} (got {list(frame.columns)}); pass the tables of "
                              "tag_survey() / load_survey().")
    ids = responses["response_id"].astype(str)
    score = pd.Series(responses["score"].to_numpy(), index=ids.to_numpy())
    if {"is_empty", "is_junk"} <= set(responses.columns):
        n_commenters = int((~(responses["is_empty"].astype(bool) | responses["is_junk"].astype(bool))).sum())
    else:
        n_commenters = len(responses)
    sentiment = mentions["sentiment"] if "sentiment" in mentions else pd.Series(pd.NA, index=mentions.index)
    rows = []
    for theme, group in mentions.groupby(mentions["theme"].astype(str), sort=False):
        who = group["response_id"].astype(str).unique()
        tone = sentiment.loc[group.index].value_counts()
        stats = nps_summary(score.reindex(who).dropna(), level=level, min_n=min_n).to_dict()
        rows.append({"theme": theme, "mentions": len(group), "respondents": len(who),
                     "share_of_responses": len(who) / len(responses) if len(responses) else float("nan"),
                     "share_of_commenters": len(who) / n_commenters if n_commenters else float("nan"),
                     **{k: int(tone.get(k, 0)) for k in ("positive", "negative", "neutral")},
                     **{k: stats.get(k) for k in ("n", "nps", "ci_low", "ci_high", "margin_of_error", "warning")}})
    table = pd.DataFrame(rows, columns=THEME_SUMMARY_COLUMNS)
    if table.empty:
        return table
    return table.sort_values(["respondents", "theme"], ascending=[False, True], kind="stable").reset_index(drop=True)
