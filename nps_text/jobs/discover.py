"""Discover a survey's themes: ``discover_survey`` (what ``nps-text discover`` runs)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from threadpoolctl import threadpool_limits

from .._core.results import Result, to_jsonable
from ..embed.backends import choose_embedder, embed
from ..io.export import round_table, write_table
from ..io.load import LoadedSurvey, LoadReport
from ..text.prepare import junk_reason, prepare_text
from ._source import loaded

if TYPE_CHECKING:  # importing discover loads spaCy and torch: only when a survey is discovered
    from ..discover import DiscoveryResult


MIN_COMMENTS_TO_DISCOVER = 50  # analyze discovers themes unasked from this many comments with content on
_MAX_UNASSIGNED = 0.2


def _junk_reasons(responses: pd.DataFrame) -> pd.Series | None:
    """Each response's ``junk_reason`` (missing: its comment has content), from ``prepare_text``'s column when
    the responses were prepared, else computed; None without a comment column."""
    if "comment" not in responses:
        return None
    if "junk_reason" in responses:
        return responses["junk_reason"]
    return responses["comment"].map(lambda c: junk_reason(c if isinstance(c, str) else None))


def comments_with_content(responses: pd.DataFrame) -> int:
    """How many responses have a comment that is not empty, filler or junk (``junk_reason`` is None)."""
    reasons = _junk_reasons(responses)
    return 0 if reasons is None else int(reasons.isna().sum())


def comments_without_content(responses: pd.DataFrame) -> str | None:
    """One sentence on the comments that give no clauses and why (``junk_reason``), or None when all have content.

    >>> comments_without_content(pd.DataFrame({"comment": ["Tel. 0151 23456789", "", "keine Angabe", "zu teuer"]}))
    '3 of 4 comments carry no content and give no clauses: 1 contact details, 1 empty, 1 filler.'
    """
    reasons = _junk_reasons(responses)
    counts = pd.Series(dtype=object) if reasons is None else reasons.dropna().value_counts().sort_index()
    if counts.empty:
        return None
    return (f"{int(counts.sum()):,} of {len(responses):,} comments carry no content and give no clauses: "
            + ", ".join(f"{int(n):,} {reason}" for reason, n in counts.items()) + ".")


def discovery_warnings(responses: pd.DataFrame, report: dict[str, Any]) -> list[str]:
    """What makes a discovery unreliable, in words: too few comments, too many clauses left unassigned.

    >>> discovery_warnings(pd.DataFrame({"comment": ["Preis zu hoch"] * 40}), {"share_unassigned": 0.3})[0][:40]
    'Only 40 comments with content: themes fr'
    """
    out = []
    n = comments_with_content(responses)
    if n < MIN_COMMENTS_TO_DISCOVER:
        out.append(f"Only {n} comments with content: themes from fewer than {MIN_COMMENTS_TO_DISCOVER} are not "
                   "reliable (analyze does not discover them unasked); read the quotes, or tag with a taxonomy.")
    if report.get("share_unassigned", 0) > _MAX_UNASSIGNED:
        out.append(f"{report['share_unassigned']:.0%} of the clauses are far from every theme and stay unassigned: "
                   "the comments have too little in common for these themes; pass more comments or a lower "
                   "--min-size.")
    return out


@dataclass
class DiscoveredSurvey(Result):
    """What ``discover_survey`` produced: responses, sentences, the discovery result, files written.

    It shows itself as its :class:`~nps_text.discover.DiscoveryResult` does.
    """

    responses: pd.DataFrame
    sentences: pd.DataFrame
    discovery: DiscoveryResult
    report: LoadReport | None
    files: list[Path] = field(default_factory=list)
    embedder: str = ""
    timings: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {**self.discovery.to_dict(), "embedder": self.embedder, "timings_s": self.timings}

    def to_frame(self) -> pd.DataFrame:
        return self.discovery.to_frame()

    def summary(self) -> str:
        return self.discovery.summary()


def write_discovery(result: DiscoveryResult, outdir: str | Path, *, embedder: str,
                    timings: dict[str, float] | None = None) -> list[Path]:
    """Write a discovery result: discovered_themes.csv (top level), discovered_subthemes.csv, assignments.csv,
    mentions.csv, taxonomy_draft.yaml, report, model/."""
    outdir = Path(outdir)
    files = [write_table(round_table(result.top_themes), outdir / "discovered_themes.csv"),
             write_table(round_table(result.themes), outdir / "discovered_subthemes.csv"),
             write_table(round_table(result.assignments), outdir / "assignments.csv"),
             write_table(result.mentions, outdir / "mentions.csv"),
             result.to_taxonomy().save(outdir / "taxonomy_draft.yaml")]
    path = outdir / "discovery_report.json"
    path.write_text(json.dumps(to_jsonable({**result.report, "embedder": embedder, "timings_s": timings or {}}),
                               indent=2), encoding="utf-8")
    return [*files, path, result.model.save(outdir / "model")]


def discover_survey(
    source: str | Path | pd.DataFrame | LoadedSurvey,
    *,
    outdir: str | Path | None = None,
    embedder: str = "auto",
    min_size: int | None = None,
    n_themes: int | None = None,
    n_top: int | None = None,
    seed: int = 0,
    redact_pii: bool = False,
    sentiment: str = "auto",
    guide: str | Path | None = None,
    discovery: dict[str, Any] | None = None,
    **load_options: Any,
) -> DiscoveredSurvey:
    """Load a survey, prepare and embed its clauses, discover themes; optionally write the results.

    Writes to ``outdir``: ``discovered_themes.csv`` and ``discovered_subthemes.csv`` (one row per
    top-level theme and per sub-theme, with NPS; the names ``analyze`` gives them),
    ``assignments.csv`` (one row per clause: theme or unassigned or filler), ``mentions.csv`` (the
    standard mentions table, ``source="discovery"``, with the clause's sentiment),
    ``taxonomy_draft.yaml``, ``discovery_report.json`` and the model folder ``model/`` (JSON + .npy).

    ``source`` is a file or DataFrame (loaded with ``load_options``) or a
    :class:`~nps_text.io.LoadedSurvey` (used as it is). The discovered mentions carry the
    sentiment of their clause, as tagged mentions do. The time of each stage (load, prepare, embed,
    cluster, describe, sentiment, write) is in ``timings`` and in ``discovery_report.json`` (``timings_s``).

    The sentiment stage runs with one BLAS thread: its six small logistic regressions (one per
    fold, on the clause vectors) gain nothing from more, and where other processes keep the cores
    busy, BLAS threads waiting for each other made the stage ten times slower (4.5 s instead of
    0.4 s on SemEval-14's 7,334 clauses, ``benchmarks/discovery_e2e.py``).

    Parameters
    ----------
    embedder : str, default "auto"
        Embedding backend for the clauses: ``"auto"`` is MiniLM for English-only comments and e5
        otherwise (:func:`~nps_text.embed.choose_embedder`); ``"hashing"`` needs no model. The
        clauses are embedded once (and cached on disk); the sentiment learned from the scores
        uses the same vectors' embedder.
    min_size, n_themes, n_top, seed, guide
        See :class:`~nps_text.discover.ThemeDiscovery` (``guide``: a taxonomy file or ``"default"`` whose themes
        seed the discovered ones); ``discovery`` passes further parameters.
    sentiment : {"auto", "survey", "lexicon"}
        The sentiment of each mention, as in :func:`~nps_text.jobs.tag_survey`.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"score": [1, 9, 10] * 20, "comment": ["Viel zu teuer", "Schnelle Lieferung", "Lieferung pünktlich"] * 20})
    >>> out = discover_survey(frame, embedder="hashing", n_themes=2, sentiment="lexicon")
    >>> len(out.discovery.themes)
    2
    """
    from ..discover import ThemeDiscovery, describe_model, resolve_guide
    from ..tagging import add_sentiment, sentence_sentiment

    guide = resolve_guide(guide)  # a wrong file fails now, not after the comments are embedded
    clock, timings = time.perf_counter(), {}

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[stage] = round(now - clock, 3)
        clock = now

    responses, report = loaded(source, load_options)
    lap("load")
    responses, sentences = prepare_text(responses, redact_pii=redact_pii)
    lap("prepare")
    chosen = choose_embedder(embedder, sentences["lang"].astype(str).tolist()) if isinstance(embedder, str) else embedder
    vectors = embed(sentences["text"].tolist(), chosen)
    lap("embed")
    model = ThemeDiscovery(min_size=min_size, n_themes=n_themes, n_top=n_top, seed=seed,
                           guide=guide, **(discovery or {})).fit(sentences, vectors)
    lap("cluster")
    result = describe_model(model, sentences, responses)
    lap("describe")
    with threadpool_limits(limits=1, user_api="blas"):  # small logistic regressions: see the docstring
        scores = sentence_sentiment(sentences, responses, method=sentiment, embedder=chosen)
    result = replace(result, mentions=add_sentiment(result.mentions, sentences, scores))
    lap("sentiment")
    name = chosen if isinstance(chosen, str) else getattr(chosen, "name", str(chosen))
    out = DiscoveredSurvey(responses, sentences, result, report, embedder=name, timings=timings)
    if outdir is not None:
        out.files = write_discovery(out.discovery, outdir, embedder=name, timings=timings)
        lap("write")
    return out


def discover_responses(responses: pd.DataFrame, **options: Any) -> DiscoveredSurvey:
    """Discover the themes of responses that are already loaded: :func:`discover_survey` of
    ``LoadedSurvey(responses, None)``."""
    return discover_survey(LoadedSurvey(responses, None), **options)
