"""Drift and novelty of one batch run: did tonight's comments talk about the same things as before?

While a run writes its pieces, :class:`RunTally` counts, per theme, the responses that mention it,
the responses with no theme at all, and keeps a bounded random sample of the clauses no theme
claimed. At the end :func:`drift_report` compares the shares with all earlier runs of the same
tagger (two-proportion z-tests, Holm-corrected across themes) and looks for an **emerging
theme**: content words that many untagged clauses share, that tagged clauses rarely use (so they
are away from every known theme), and that are not praise or complaint words (so they are a
topic, not a tone). Each is reported with its size, share, example quotes and first-seen date.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..drivers import two_proportion_test

__all__ = ["RunTally", "drift_report"]

_SAMPLE = 20_000  # untagged clauses kept per run (reservoir): memory does not grow with the run
_MIN_CLUSTER = 10
_MIN_LIFT = 3.0
_KEPT_LEMMAS = 2_000  # untagged words per run kept in the runs table, the baseline of later runs


@dataclass
class RunTally:
    """Counts of one run, added piece by piece."""

    responses: int = 0  # responses tagged in this run that had at least one clause
    untagged: int = 0  # of those, with no mention
    by_theme: Counter = field(default_factory=Counter)  # responses mentioning each theme
    tagged_lemmas: Counter = field(default_factory=Counter)  # clauses per lemma among clauses with a theme
    untagged_lemmas: Counter = field(default_factory=Counter)  # clauses per lemma among clauses with no theme
    tagged_clauses: int = 0
    untagged_clauses: int = 0
    sample: list[tuple[str, str, Any]] = field(default_factory=list)  # (clause, lemmas, date) of untagged clauses
    seed: int = 0

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def add(self, sentences: pd.DataFrame, mentions: pd.DataFrame, dates: pd.Series | None = None) -> None:
        """Add one piece: its clauses (``response_id, sentence_id, text, lemmas``) and mentions."""
        with_text = set(sentences["response_id"].astype(str))
        mentioned = set(mentions["response_id"].astype(str))
        self.responses += len(with_text)
        self.untagged += len(with_text - mentioned)
        self.by_theme.update(mentions.drop_duplicates(["response_id", "theme"])["theme"].astype(str))
        keys = set(zip(mentions["response_id"].astype(str), mentions["sentence_id"].astype(int)))
        has_theme = np.array([(str(r), int(s)) in keys for r, s in zip(sentences["response_id"], sentences["sentence_id"])],
                             dtype=bool)
        for lemmas in sentences.loc[has_theme, "lemmas"].fillna(""):
            self.tagged_lemmas.update(set(str(lemmas).lower().split()))
        self.tagged_clauses += int(has_theme.sum())
        date_of = dates if dates is not None else pd.Series(dtype=object)
        for row in sentences.loc[~has_theme].itertuples(index=False):
            self.untagged_clauses += 1
            item = (str(row.text), str(row.lemmas or "").lower(), date_of.get(str(row.response_id)))
            self.untagged_lemmas.update(set(item[1].split()))
            if len(self.sample) < _SAMPLE:
                self.sample.append(item)
            else:
                slot = self._random.randrange(self.untagged_clauses)
                if slot < _SAMPLE:
                    self.sample[slot] = item

    def counts(self) -> dict[str, Any]:
        """What the runs table keeps of this run, for later runs to compare with."""
        return {"responses": self.responses, "untagged": self.untagged, "by_theme": dict(self.by_theme),
                "untagged_clauses": self.untagged_clauses,
                "untagged_lemmas": dict(self.untagged_lemmas.most_common(_KEPT_LEMMAS))}


def _two_proportions(a: int, n_a: int, b: int, n_b: int, *, greater: bool = False) -> float:
    """The driver tables' test (pooled z, Fisher's exact for small counts); NaN where there is nothing to test."""
    return float(two_proportion_test(a, n_a, b, n_b, alternative="greater" if greater else "two-sided")[0][0])


def _holm(p: list[float]) -> list[float]:
    from statsmodels.stats.multitest import multipletests  # statsmodels loads slowly: only for a drift report

    return multipletests(p, method="holm")[1].tolist()


def drift_report(tally: RunTally, earlier: list[dict[str, Any]], *, alpha: float = 0.05,
                 is_tone_word=None) -> dict[str, Any]:
    """This run against the sum of ``earlier`` runs' :meth:`RunTally.counts`, plus emerging themes.

    ``is_tone_word(lemma)`` tells praise/complaint words, which never make an emerging theme.
    """
    before_n = sum(int(e.get("responses", 0)) for e in earlier)
    before_untagged = sum(int(e.get("untagged", 0)) for e in earlier)
    before_theme: Counter = Counter()
    for e in earlier:
        before_theme.update(e.get("by_theme", {}))
    now_n = tally.responses
    share = (lambda k, n: round(k / n, 4) if n else None)
    themes = sorted(set(tally.by_theme) | set(before_theme))
    p = [_two_proportions(tally.by_theme[t], now_n, before_theme[t], before_n) for t in themes]
    finite = [i for i, v in enumerate(p) if not np.isnan(v)]
    adjusted = dict(zip(finite, _holm([p[i] for i in finite]))) if finite else {}
    rows = []
    for i, theme in enumerate(themes):
        row = {"theme": theme, "share": share(tally.by_theme[theme], now_n),
               "share_before": share(before_theme[theme], before_n), "responses": tally.by_theme[theme],
               "p": None, "p_holm": None, "significant": None}  # null: nothing to compare with
        if i in adjusted:
            row.update(p=round(p[i], 6), p_holm=round(adjusted[i], 6), significant=bool(adjusted[i] < alpha))
        rows.append(row)
    rows.sort(key=lambda r: -(r["responses"]))
    untagged_p = _two_proportions(tally.untagged, now_n, before_untagged, before_n)
    return {
        "responses": now_n,
        "untagged_share": share(tally.untagged, now_n),
        "untagged_share_before": share(before_untagged, before_n),
        "untagged_p": None if np.isnan(untagged_p) else round(untagged_p, 6),
        "compared_with_runs": len(earlier),
        "themes": rows,
        "emerging": emerging_themes(tally, earlier, is_tone_word=is_tone_word, alpha=alpha),
    }


def emerging_themes(tally: RunTally, earlier: list[dict[str, Any]] = (), *, is_tone_word=None, top: int = 5,
                    alpha: float = 0.05) -> list[dict[str, Any]]:
    """Groups of untagged clauses that share content words rare among tagged clauses.

    With earlier runs, a group is *emerging* only when its main word is significantly more frequent
    among untagged clauses now than in those runs (one-sided two-proportion test, Holm across the
    groups); without, the groups are listed as ``baseline: false`` (nothing to compare with yet).
    """
    sample = tally.sample
    if len(sample) < _MIN_CLUSTER:
        return []
    scale = tally.untagged_clauses / len(sample)  # each sampled clause stands for this many
    clause_sets: dict[str, set[int]] = {}
    for index, (_, lemmas, _) in enumerate(sample):
        for lemma in set(lemmas.split()):
            if len(lemma) > 2 and lemma.isalpha() and not (is_tone_word and is_tone_word(lemma)):
                clause_sets.setdefault(lemma, set()).add(index)
    minimum = max(_MIN_CLUSTER, int(0.005 * len(sample)))
    candidates = []
    for lemma, members in clause_sets.items():
        if len(members) < minimum:
            continue
        rate_untagged = len(members) / len(sample)
        rate_tagged = (tally.tagged_lemmas[lemma] + 1) / (tally.tagged_clauses + 1)
        lift = rate_untagged / rate_tagged
        if lift >= _MIN_LIFT:
            candidates.append((lemma, members, lift))
    candidates.sort(key=lambda c: (-len(c[1]), c[0]))
    groups: list[dict[str, Any]] = []
    for lemma, members, lift in candidates:
        for group in groups:  # words that mostly occur together are one theme ("app", "absturz")
            overlap = len(group["members"] & members) / len(group["members"] | members)
            if overlap >= 0.3:
                group["keywords"].append(lemma)
                group["members"] |= members
                group["lift"] = max(group["lift"], lift)
                break
        else:
            groups.append({"keywords": [lemma], "members": set(members), "lift": lift})
    before_clauses = sum(int(e.get("untagged_clauses", 0)) for e in earlier)
    before_lemmas: Counter = Counter()
    for e in earlier:
        before_lemmas.update(e.get("untagged_lemmas", {}))
    out = []
    for group in sorted(groups, key=lambda g: -len(g["members"]))[:top]:
        members = sorted(group["members"])
        quotes = sorted({sample[i][0] for i in members}, key=lambda q: (abs(len(q) - 60), q))[:3]
        dates = [sample[i][2] for i in members if sample[i][2] is not None and not pd.isna(sample[i][2])]
        word = group["keywords"][0]
        item = {"keywords": group["keywords"][:5], "clauses": int(round(len(members) * scale)),
                "share_of_untagged": round(len(members) / len(sample), 4),
                "lift_vs_tagged": round(float(group["lift"]), 1), "quotes": quotes,
                "first_seen": str(pd.Timestamp(min(dates)).date()) if dates else None,
                "baseline": bool(before_clauses), "share_before": None, "p": None, "p_holm": None}
        if before_clauses:
            now_k, before_k = tally.untagged_lemmas[word], int(before_lemmas.get(word, 0))
            item["share_before"] = round(before_k / before_clauses, 4)
            item["p"] = _two_proportions(now_k, tally.untagged_clauses, before_k, before_clauses, greater=True)
        out.append(item)
    tested = [i for i, item in enumerate(out) if item["p"] is not None and not np.isnan(item["p"])]
    for i, adjusted in zip(tested, _holm([out[i]["p"] for i in tested])):
        out[i]["p_holm"] = round(adjusted, 6)
        out[i]["p"] = round(out[i]["p"], 6)
    for item in out:
        item["emerging"] = bool(item["p_holm"] is not None and item["p_holm"] < alpha) if item["baseline"] else None
    return out
