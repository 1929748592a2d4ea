"""``analyze``: the main job, composing scores, tagging or discovery, and drivers, and writing the tables."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .._core.results import Result, to_jsonable
from .._core.version import VERSION
from ..errors import NpsTextError, ParameterError, SurveyFileError
from ..io.export import round_table, write_table
from ..io.load import LoadedSurvey, LoadReport, resolve_segments
from ..io.stream import is_store
from ..report import ReportInput, check_lang, write_report
from ..text.prepare import prepare_text
from ._source import loaded
from .discover import MIN_COMMENTS_TO_DISCOVER, comments_with_content, discover_survey
from .drivers import driver_tables, drivers_summary, drivers_text
from .programme import PROGRAMME_KEYS, ProgrammeReport, programme_columns, programme_sections, write_programme
from .score import PERIOD_COLUMNS, SEGMENT_COLUMNS, score_survey, score_text, summary_frame
from .tag import tag_survey

if TYPE_CHECKING:  # importing discover loads spaCy and torch: only when a survey is discovered
    from ..discover import DiscoveryResult


@dataclass
class AnalysisResult(Result):
    """What :func:`analyze` computed and where it wrote it.

    ``to_dict()`` is ``summary.json`` (keys in the docs' JSON contracts); ``tables`` holds every
    table by the name of its CSV file; ``to_frame()`` is the NPS overall, by segment and by period
    as one long table; ``summary()`` says in a few lines what the NPS is, whether it moved, and
    which themes cost and create the most. In Jupyter it displays itself.
    """

    data: dict[str, Any]
    report: LoadReport
    responses: pd.DataFrame
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    mentions: pd.DataFrame | None = None  # tagged (taxonomy= or model=) or discovered themes
    sentences: pd.DataFrame | None = None
    discovery: DiscoveryResult | None = None  # when themes were discovered
    sentiment_method: str | None = None  # of the tagged mentions: "survey" or "lexicon"
    programme: ProgrammeReport | None = None  # the NPS programme's sections (brands, accounts, league, ...)

    def to_dict(self) -> dict[str, Any]:
        return self.data

    def to_frame(self) -> pd.DataFrame:
        return summary_frame(self.data)

    def summary(self) -> str:
        lines = [score_text(self.data)]
        if self.data.get("drivers"):
            lines.append(drivers_text(self.data["drivers"]))
        skipped = (self.data.get("discovered_themes") or {}).get("skipped")
        if skipped:
            lines.append(f"No theme discovery: {skipped}")
        if self.programme is not None:
            lines.append("NPS programme: " + ", ".join(k for k, v in self.programme.sections.items() if v is not None))
        if self.files:
            lines.append(f"{len(self.files)} files written to {self.files[0].parent}.")
        return "\n".join(lines)


def analyze(
    source: str | Path | pd.DataFrame | LoadedSurvey,
    *,
    outdir: str | Path | None = None,
    by: list[str] | None = None,
    period: str | None = None,
    target: float | None = None,
    level: float = 0.95,
    taxonomy: str | Path | None = None,
    model: str | Path | None = None,
    method: str = "rules",
    redact_pii: bool = False,
    sentiment: str = "auto",
    drivers: bool = True,
    discover: bool | None = None,
    guide: str | Path | None = None,
    embedder: str = "auto",
    report: bool = True,
    lang: str | None = None,
    since: Any = None,
    until: Any = None,
    programme: bool | Mapping[str, Any] | None = None,
    **load_options: Any,
) -> AnalysisResult:
    """The main job: load a survey, compute NPS overall, by segment and over time, write the tables.

    With ``taxonomy`` or ``model`` it also prepares and tags the comments (see :func:`tag_survey`)
    and adds the mentions and a per-theme summary (mentions, respondents, sentiment counts, NPS of
    the respondents who mention the theme, with interval). Without them it discovers the themes
    (see :func:`discover_survey`) when there are enough comments. Either way the drivers follow.

    Parameters
    ----------
    source : path or DataFrame
        Anything :func:`~nps_text.load_survey` reads.
    outdir : path, optional
        Where to write ``summary.json``, ``load_report.json``, ``nps_by_segment.csv``,
        ``nps_by_period.csv``, ``rejected_rows.csv``, and the three tables as sheets of
        ``nps_tables.xlsx``. Nothing is written when None.
    by : list of str, optional
        Segment columns; default: the segments ``load_survey`` found.
    period : {"week", "month", "quarter", "year"}, optional
        Default "month" when the survey has a date column.
    taxonomy, model, method, redact_pii, sentiment
        As in :func:`tag_survey`. When ``taxonomy`` or ``model`` is given, ``mentions.csv`` and
        ``theme_summary.csv`` (also a sheet of ``nps_tables.xlsx``) are written too, and
        ``to_dict()["themes"]`` holds the tagging set-up and the per-theme rows.
    drivers : bool, default True
        With themes, also the driver tables of :func:`driver_tables` (``drivers.csv``,
        ``strengths.csv``, ``pain_points.csv``, ``followup.csv``, ... and their sheets) and
        ``to_dict()["drivers"]`` (what ``nps-text drivers --format json`` prints, without the row counts).
        Discovered themes are read at the top level of the theme tree and split by sentiment.
    discover : bool, optional
        Without ``taxonomy``/``model``: discover themes (``discovered_themes.csv``,
        ``taxonomy_draft.yaml``, ``mentions.csv``, ``to_dict()["discovered_themes"]``). Default: when
        at least 50 responses have a comment; with fewer, ``to_dict()["discovered_themes"]`` says why
        not. ``False`` never discovers; ``True`` always does.
    guide : path or "default", optional
        Guided discovery: a taxonomy whose themes seed the discovered ones (see
        :class:`~nps_text.discover.ThemeDiscovery`). Needs discovery: not with ``taxonomy``, ``model`` or
        ``discover=False``.
    embedder : str, default "auto"
        The embedding backend for discovery (and for the sentiment it learns from the survey);
        ``"auto"``: see :func:`~nps_text.embed.choose_embedder` (e5 for German or mixed comments).
    report : bool, default True
        With ``outdir``, also write ``report.html``: the self-contained HTML report (see
        :func:`~nps_text.report.render_report`; personal data in its quotes is always redacted).
    lang : {"en", "de"}, optional
        The report's language; default: the language of most comments.
    programme : bool or dict, optional
        The NPS programme's sections (:func:`~nps_text.jobs.programme.programme_report`: brands,
        accounts and roles, league table, per-customer view, promoters, testimonial candidates,
        indifferent themes; with files also benchmarks, weighting, outcomes), computed from this
        analysis's themes, written as ``programme.json`` and CSVs and shown in ``report.html``.
        Default (None): when the survey has columns that :func:`~nps_text.jobs.programme.programme_columns`
        recognises by name (brand/Marke, account/Firma with role/Rolle, team, customer_id/Kunden-Nr).
        A dict gives ``programme_report``'s options (``unit="Filiale"``, ``benchmarks="bench.csv"``,
        ``population=...``, ``outcomes=...``, ...) over the recognised columns (``None`` switches
        one off); ``True`` runs it even without such columns, ``False`` never.
    **load_options
        Passed to :func:`~nps_text.load_survey` (``score=``, ``comment=``, ``scale=``, ...).

    Examples
    --------
    >>> import pandas as pd
    >>> result = analyze(pd.DataFrame({"score": [10, 9, 3], "comment": ["top", "gut", "teuer"]}))
    >>> round(result.to_dict()["nps"], 1)
    33.3
    """
    if outdir is not None and Path(outdir).exists() and not Path(outdir).is_dir():
        raise SurveyFileError(f"The output folder '{outdir}' is an existing file. Pass a folder for the tables "
                              "(CLI: -o FOLDER), e.g. -o out/survey.")
    if lang is not None:
        check_lang(lang)
    if guide is not None and (taxonomy is not None or model is not None or discover is False):
        given = "taxonomy" if taxonomy is not None else "model" if model is not None else "discover=False"
        raise ParameterError(f"guide steers theme discovery, but {given} means no discovery (the comments are tagged, "
                             f"or not themed at all). Drop {'the ' + given if '=' not in given else given} to discover the "
                             f"themes guided by {guide!r}, or drop the guide.")
    if guide is not None:  # a wrong file fails now, not after the comments are embedded
        from ..discover import resolve_guide

        guide = resolve_guide(guide)
    if taxonomy is None and model is None and method != "rules":
        taxonomy = "default"  # zero-shot needs a taxonomy: the bundled one unless one is given
    stored = None
    if is_store(source):  # a results store that the nightly job filled: its responses and current mentions
        from ..store import Store  # loads SQLAlchemy, only for a store

        store = source if getattr(source, "is_nps_store", False) else Store(source)
        if load_options or taxonomy not in (None, "default") or model is not None:
            given = sorted(load_options) + (["taxonomy"] if taxonomy not in (None, "default") else []) + \
                (["model"] if model is not None else [])
            raise ParameterError(f"{given} do not apply to a store: its responses are loaded and its mentions "
                                 "tagged already. To tag with another taxonomy or model, run `nps-text tag SOURCE "
                                 "--db ...` with it first.")
        survey, stored = store.load(since=since, until=until), (store.mentions(since=since, until=until), store.run())
        taxonomy = None
    elif since is not None or until is not None:
        raise ParameterError("since/until select responses of a store (analyze(Store(...)) or a store's path/URL); "
                             "for a survey file, filter the DataFrame before passing it.")
    survey = survey if stored else loaded(source, load_options)
    if survey.report is None:
        raise ParameterError("analyze needs the load report of the survey (its rejected rows and segments): pass the "
                             "file, or the LoadedSurvey that load_survey() returned.")
    responses, report = survey
    by = report.segments if by is None else resolve_segments(responses, by, report)
    if period is None and "date" in responses and responses["date"].notna().any():
        period = "month"
    summary = score_survey(responses, by=by, period=period, target=target, level=level, report=report).to_dict()
    tables = {
        "nps_by_segment": pd.DataFrame(summary["by"], columns=SEGMENT_COLUMNS),
        "nps_by_period": pd.DataFrame(summary["periods"], columns=PERIOD_COLUMNS),
        "rejected_rows": report.rejected_frame(),
    }
    result = AnalysisResult(data=summary, report=report, responses=responses, tables=tables)
    if stored is not None:
        from ..tagging.summary import theme_summary

        mentions, run = stored
        themes = theme_summary(mentions, responses, level=level)
        tables["theme_summary"] = themes
        summary["themes"] = to_jsonable({
            "tagger": run["tagger_name"] if run["tagger"] == "model" else run["tagger"],  # as tag_survey names it
            "tagger_name": run["tagger_name"], "sentiment_method": "lexicon", "mentions": len(mentions),
            "responses_with_mentions": int(mentions["response_id"].nunique()), "responses": len(responses),
            "sentences": None, "store": store.where, "fingerprint": mentions.attrs.get("fingerprint"),
            "by_theme": themes.to_dict(orient="records")})
        result.mentions, result.sentiment_method = mentions, "lexicon"
    elif taxonomy is not None or model is not None:
        from ..tagging.summary import theme_summary

        tagged = tag_survey(survey, taxonomy=taxonomy, model=model, method=method, redact_pii=redact_pii,
                            sentiment=sentiment, embedder=embedder)
        themes = theme_summary(tagged.mentions, tagged.responses, level=level)
        tables["theme_summary"] = themes
        summary["themes"] = to_jsonable({**tagged.setup(), "by_theme": themes.to_dict(orient="records")})
        result.responses, result.sentences, result.mentions = tagged.responses, tagged.sentences, tagged.mentions
        result.sentiment_method = tagged.sentiment_method
    elif discover is not False:
        n_comments = comments_with_content(responses)
        if discover or n_comments >= MIN_COMMENTS_TO_DISCOVER:
            try:
                found = discover_survey(survey, embedder=embedder, redact_pii=redact_pii, sentiment=sentiment,
                                       guide=guide)
            except NpsTextError as exc:
                if discover or guide is not None:  # asked for explicitly: say why it cannot be done
                    raise
                found, summary["discovered_themes"] = None, {"skipped": f"theme discovery failed: {exc}"}
        else:
            found = None
            summary["discovered_themes"] = {"skipped": f"{n_comments} comments with content; theme discovery "
                                            f"needs at least {MIN_COMMENTS_TO_DISCOVER} (pass discover=True / "
                                            "--discover to force it, or tag with a taxonomy)."}
        if found is not None:
            tables["discovered_themes"] = found.discovery.top_themes
            tables["discovered_subthemes"] = found.discovery.themes
            tables["assignments"] = found.discovery.assignments  # each clause's theme, as `discover` writes it
            summary["discovered_themes"] = found.to_dict()
            result.responses, result.sentences = found.responses, found.sentences
            result.mentions, result.discovery = found.discovery.mentions, found.discovery
    if result.mentions is not None and drivers:
        mentions, split = driver_inputs(result)
        driver_result = driver_tables(result.responses, mentions, by=by, period=period, level=level, sentiment=split,
                                      redact_pii=redact_pii)
        if result.discovery is not None:
            _warn_mixed(driver_result["drivers"], result.discovery.top_themes)
        tables.update(driver_result)
        summary["drivers"] = drivers_summary(driver_result, level=level, fdr=0.05, period=period)
    options = programme_options(result.responses, programme)
    if options is not None:
        result.programme = _programme(result, options, level)
        summary["programme"] = {"sections": [k for k in PROGRAMME_KEYS if result.programme.sections.get(k) is not None],
                                "options": {k: v if isinstance(v, (str, type(None))) else str(v)
                                            for k, v in options.items() if not isinstance(v, pd.DataFrame)}}
        tables.update(result.programme.tables)
    if outdir is not None:
        result.files = _write_outputs(result, Path(outdir))
        if report:
            result.files.append(write_report(report_input(result, tables_written=True), Path(outdir) / "report.html",
                                             lang=lang))
    return result


def programme_options(responses: pd.DataFrame, programme: bool | Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The options ``analyze`` passes to the NPS programme's sections, or None when it runs none.

    >>> survey = pd.DataFrame({"score": [9, 3], "Team": ["Nord", "Süd"]})
    >>> programme_options(survey, None), programme_options(survey, {"unit": None}), programme_options(survey, False)
    ({'unit': 'Team'}, None, None)
    """
    if programme is False:
        return None
    if programme is not None and programme is not True and not isinstance(programme, Mapping):
        raise ParameterError(f"programme must be True, False, None or a dict of programme_report's options, got "
                             f"{programme!r}. Pass e.g. programme={{'unit': 'team', 'benchmarks': 'benchmarks.csv'}}.")
    options: dict[str, Any] = programme_columns(responses)
    if isinstance(programme, Mapping):
        options.update(programme)
    options = {k: v for k, v in options.items() if v is not None}
    return options if options or programme is True else None


def _programme(result: AnalysisResult, options: dict[str, Any], level: float) -> ProgrammeReport:
    """The programme's sections from the analysis's themes (the drivers' mentions: discovered themes named)."""
    responses, sentences = result.responses, result.sentences
    if sentences is None:  # no themes were tagged or discovered: the clauses for the testimonials
        responses, sentences = prepare_text(responses)
    mentions = driver_inputs(result)[0] if result.mentions is not None else \
        pd.DataFrame(columns=["response_id", "sentence_id", "theme", "sentiment"])
    programme = programme_sections(responses, sentences, mentions, level=level, **options)
    programme.report = result.report
    return programme


def driver_inputs(result: AnalysisResult) -> tuple[pd.DataFrame, bool | None]:
    """The mentions the drivers use and whether to split them by sentiment (None: when they have one).

    Discovered themes are the top-level topics (tone projected out before clustering), named in
    words (with their key only where two share a name), and split by sentiment like tagged ones.
    A sentiment learned from this survey's scores must not split the drivers that are then tested
    against those same scores, so the split uses the lexicon's sentiment, which knows no scores.
    """
    mentions = result.mentions
    if result.discovery is not None:
        names = _driver_names(result.discovery.top_themes)
        mentions = mentions.assign(theme=mentions["theme"].map(lambda k: names.get(k, k)))
    if result.sentiment_method == "survey" or result.discovery is not None:
        from ..tagging import add_sentiment, sentence_sentiment

        return add_sentiment(mentions, result.sentences, sentence_sentiment(result.sentences, method="lexicon")), None
    return mentions, None


def _driver_names(top: pd.DataFrame) -> dict[str, str]:
    """Per key, a discovered top-level theme's name as a driver: in words, as in discovered_themes.csv; the key only
    tells apart two themes of the same name."""
    shared = set(top["name"][top["name"].duplicated(keep=False)])
    return {k: f"{n} [{k}]" if n in shared else n for k, n in zip(top["key"], top["name"])}


def _warn_mixed(drivers: pd.DataFrame, top: pd.DataFrame) -> None:
    """A driver that is a mixed discovered theme says so in its ``warning``, in place: its impact is that of
    several things at once (a trial read a guided catch-all as a clear driver)."""
    from ..discover import KIND_NOTES

    names = _driver_names(top)
    mixed = {names[k] for k, kind in zip(top["key"], top["kind"]) if kind == "mixed"}
    if drivers.empty or not mixed or "theme_id" not in drivers:
        return
    rows = drivers["theme_id"].isin(mixed)
    drivers.loc[rows, "warning"] = ["; ".join(w for w in (old, KIND_NOTES["mixed"]) if isinstance(w, str) and w)
                                    for old in drivers.loc[rows, "warning"]]


def report_input(result: AnalysisResult, *, tables_written: bool = False) -> ReportInput:
    """What :func:`~nps_text.report.render_report` needs from an :class:`AnalysisResult`
    (``tables_written``: its CSV files are beside the report, which may then point to them)."""
    mentions, split = driver_inputs(result) if result.mentions is not None else (None, None)
    return ReportInput(data=result.to_dict(), tables=result.tables, responses=result.responses, mentions=mentions,
                       sentiment_split=split, source=Path(result.report.source).name, version=VERSION,
                       tables_written=tables_written, programme=result.programme)


def _write_outputs(result: AnalysisResult, outdir: Path) -> list[Path]:
    outdir.mkdir(parents=True, exist_ok=True)
    files = []
    for name, payload in (("summary.json", result.data), ("load_report.json", result.report.to_dict())):
        path = outdir / name
        path.write_text(json.dumps(to_jsonable(payload), indent=2, ensure_ascii=False), encoding="utf-8")
        files.append(path)
    for name, table in result.tables.items():
        files.append(write_table(round_table(table), outdir / f"{name}.csv"))
    if result.mentions is not None:
        files.append(write_table(result.mentions, outdir / "mentions.csv"))
    if result.discovery is not None:
        files.append(result.discovery.to_taxonomy().save(outdir / "taxonomy_draft.yaml"))
    if result.programme is not None:  # its CSVs are among the tables; its JSON as `nps-text programme` writes it
        files += write_programme(result.programme, outdir, tables=False, html=False)
    files.append(write_table(dict(result.tables), outdir / "nps_tables.xlsx"))  # Excel in any locale
    return files


