"""Promoter programmes: who to ask for a referral, and which of their words could become a testimonial.

:func:`promoter_list` is the referral list: every promoter with contact and segment columns, the
themes they mentioned and their comment, newest first, optionally formula-safe for a spreadsheet
(:func:`~nps_text.io.export.neutralise_formulas`). :func:`testimonial_candidates` picks promoter
clauses (or a few consecutive clauses of one comment) that praise something specific, are of
readable length, carry no personal data and are not near-duplicates of each other, ranked by
:data:`SCORE_WEIGHTS`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._core.themes import GENERIC_THEMES
from ..errors import ColumnError, ParameterError
from ..io.export import neutralise_formulas
from ..stats.scores import nps_group
from ..text.prepare import normalise_comment
from ..text.redact import redact as redact_text

__all__ = ["promoter_list", "testimonial_candidates", "GENERIC_PRAISE", "GENERIC_THEMES", "SCORE_WEIGHTS"]

logger = logging.getLogger(__name__)

# words (lower-cased lemmas and surface forms) that praise without saying what: not counted as content
GENERIC_PRAISE = frozenset({
    # German
    "super", "toll", "tolle", "top", "topp", "gut", "gute", "prima", "klasse", "spitze", "perfekt", "bestens",
    "zufrieden", "zufriedenheit", "sehr", "alles", "immer", "weiter", "empfehlen", "empfehlung", "weiterempfehlen", "danken",
    "weiterempfehlung", "empfehlenswert", "danke", "dank", "dankeschön", "gerne", "gern", "wunderbar", "hervorragend",
    "ausgezeichnet", "rundum", "ok", "okay", "passt", "passen", "genial", "lob", "begeistert", "begeistern", "schön",
    "positiv", "einwandfrei", "mega", "echt", "wirklich", "total", "einfach", "firma", "unternehmen", "kunde",
    "erfahrung", "klar", "weiter_so", "zufriedener", "glücklich", "froh", "bestes", "beste", "optimal",
    # English
    "great", "good", "excellent", "awesome", "amazing", "perfect", "love", "nice", "best", "fantastic",
    "satisfied", "satisfy", "happy", "recommend", "recommended", "thanks", "thank", "wonderful", "brilliant",
    "superb", "fine", "everything", "always", "really", "very", "keep", "work", "company", "experience",
    "customer", "outstanding", "terrific", "lovely", "pleased", "impressed", "impress", "cool", "well",
    "overall", "job", "guy", "guys", "five", "star", "stars", "definitely", "highly",
})
# candidate_score = sum of weight * component (each component in 0..1), see testimonial_candidates
SCORE_WEIGHTS = {"specificity": 0.5, "length_fit": 0.3, "importance": 0.2}
_FULL_SPECIFICITY = 8  # content words at which specificity reaches 1
_PLACEHOLDER = re.compile(r"<[A-Z_]+>")
_INTERNAL = {"has_comment", "source_row", "is_empty", "is_junk", "junk_reason", "duplicate_of", "lang",
             "n_sentences", "comment_redacted", "pii_found", "nps_group"}


# ----------------------------------------------------------------------------- shared helpers
def _check_frame(frame: Any, name: str, columns: Sequence[str], fix: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise ParameterError(f"{name} must be a pandas DataFrame, got {type(frame).__name__}. {fix}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ColumnError(f"Column(s) {missing} not found in {name}. Available columns: {list(frame.columns)}. "
                          f"{fix}")


def _comment_column(responses: pd.DataFrame) -> str | None:
    """The comment to show: the redacted one when prepare_text(redact_pii=True) ran, never the original then."""
    return next((c for c in ("comment_redacted", "comment") if c in responses.columns), None)


def _themes_by_response(mentions: pd.DataFrame | None) -> pd.Series:
    """response id (str) → "a; b" of the distinct themes it mentions, alphabetical."""
    if mentions is None or mentions.empty:
        return pd.Series(dtype=object)
    _check_frame(mentions, "mentions", ["response_id", "theme"], "Pass the mentions table of a tagger.")
    pairs = mentions[["response_id", "theme"]].dropna().astype(str).drop_duplicates()
    return pairs.groupby("response_id")["theme"].agg(lambda t: "; ".join(sorted(t))).astype(object)


def _promoters(responses: pd.DataFrame, score: str, scale: str) -> pd.Series:
    """True where the score makes a promoter (9-10 on both scales; 0 is invalid on "1-10")."""
    return nps_group(responses[score], scale=scale).astype("string").eq("promoter").fillna(False).astype(bool)


def _formula_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """The text columns through :func:`~nps_text.io.export.neutralise_formulas`; dates and numbers keep their dtype."""
    text = [c for c in frame.columns if pd.api.types.is_object_dtype(frame[c]) or pd.api.types.is_string_dtype(frame[c])]
    out = frame.copy()
    if text:
        out[text] = neutralise_formulas(frame[text])
    return out


# ----------------------------------------------------------------------------- referral list
def promoter_list(responses: pd.DataFrame, *, mentions: pd.DataFrame | None = None,
                  contact: str | Sequence[str] | None = None, carry: Sequence[str] | None = None,
                  since: Any = None, scale: str = "0-10", date: str = "date", formula_safe: bool = False) -> pd.DataFrame:
    """The promoters to ask for a referral, newest first, with their themes and comment.

    Parameters
    ----------
    responses : DataFrame
        Responses with ``response_id`` and ``score``; ``comment`` (or ``comment_redacted``, which is
        shown instead when present) and ``date`` when the survey has them.
    mentions : DataFrame, optional
        Mentions table (``response_id``, ``theme``); gives each promoter its ``themes``.
    contact : str or sequence of str, optional
        Contact columns (e-mail, customer number) placed right after the id; adds ``has_contact``
        (a promoter without contact data stays in the list, marked False).
    carry : sequence of str, optional
        Segment columns to carry through. Default: every survey column that is not the id, score,
        date, comment, contact or one that ``load_survey`` / ``prepare_text`` add.
    since : date-like, optional
        Keep responses dated on or after this day (needs the ``date`` column; undated ones are left out).
    scale : {"0-10", "1-10"}
        Answer scale, passed to :func:`~nps_text.stats.nps_group`: promoters score 9-10 on both.
    date : str, default "date"
        Date column; sorts the list (newest first, undated last) when present.
    formula_safe : bool, default False
        Quote text cells starting with ``=``, ``+``, ``-``, ``@``, TAB or CR
        (:func:`~nps_text.io.export.neutralise_formulas`) so a spreadsheet does not run them.

    Returns
    -------
    DataFrame
        ``response_id, <contact>, [has_contact], score, [date], <carry>, themes, [comment]``, the
        input's index, sorted by date (newest first), then score (highest first), then id.

    Examples
    --------
    >>> r = pd.DataFrame({"response_id": ["a", "b", "c"], "score": [10, 3, 9], "comment": ["=top", "bad", "Fast"],
    ...                   "date": pd.to_datetime(["2025-01-01", "2025-01-02", "2025-01-03"]), "shop": ["x", "y", "z"]})
    >>> m = pd.DataFrame({"response_id": ["c"], "theme": ["delivery"]})
    >>> promoter_list(r, mentions=m, formula_safe=True)[["response_id", "shop", "themes", "comment"]].values.tolist()
    [['c', 'z', 'delivery', 'Fast'], ['a', 'x', '', "'=top"]]
    """
    contacts = [contact] if isinstance(contact, str) else list(contact or [])
    _check_frame(responses, "responses", ["response_id", "score", *contacts, *(carry or [])],
                 "Pass the survey table from load_survey(), and contact=/carry= columns it has.")
    dated = date in responses.columns
    if since is not None and not dated:
        raise ColumnError(f"since={since!r} needs a date column, but {date!r} is not in the responses. Available "
                          f"columns: {list(responses.columns)}. Pass date='<column>' or leave since out.")
    keep = _promoters(responses, "score", scale)
    if since is not None:
        try:
            cutoff = pd.Timestamp(since)
        except (TypeError, ValueError) as exc:
            raise ParameterError(f"since must be a date such as '2025-01-01', got {since!r}.") from exc
        keep &= pd.to_datetime(responses[date], errors="coerce").ge(cutoff).fillna(False).to_numpy()
    out = responses.loc[keep].copy()
    comment = _comment_column(out)
    known = {"response_id", "score", date, "comment", *contacts}
    carried = list(carry) if carry is not None else [c for c in responses.columns if c not in known | _INTERNAL]
    ids = out["response_id"].astype(str)
    out["themes"] = ids.map(_themes_by_response(mentions)).astype(object).fillna("").to_numpy()
    if comment is not None:
        out["comment"] = out[comment]
    if contacts:
        filled = out[contacts].apply(lambda c: c.notna() & c.astype(str).str.strip().ne(""))
        out["has_contact"] = filled.any(axis=1).astype(bool)
    key = pd.DataFrame({"date": pd.to_datetime(out[date], errors="coerce") if dated else pd.NaT,
                        "score": pd.to_numeric(out["score"], errors="coerce"), "id": ids}).reset_index(drop=True)
    order = key.sort_values(["date", "score", "id"], ascending=[False, False, True], kind="stable", na_position="last")
    out = out.iloc[order.index]
    columns = ["response_id", *contacts, *(["has_contact"] if contacts else []), "score", *([date] if dated else []),
               *carried, "themes", *(["comment"] if comment is not None else [])]
    out = out[list(dict.fromkeys(columns))]
    logger.info("promoter list: %d of %d responses", len(out), len(responses))
    return _formula_safe(out) if formula_safe else out


# ----------------------------------------------------------------------------- testimonials
def _check_testimonial_params(n: Any, min_chars: Any, max_chars: Any, langs: Any, max_clauses: Any,
                              similarity: Any) -> list[str]:
    for name, value in (("n", n), ("min_chars", min_chars), ("max_chars", max_chars), ("max_clauses", max_clauses)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < (0 if name == "min_chars" else 1):
            raise ParameterError(f"{name} must be a positive whole number, got {value!r}. Pass e.g. n=20, "
                                 "min_chars=40, max_chars=300, max_clauses=3.")
    if min_chars >= max_chars:
        raise ParameterError(f"min_chars must be below max_chars, got min_chars={min_chars} and "
                             f"max_chars={max_chars}. Pass e.g. min_chars=40, max_chars=300.")
    if isinstance(langs, str) or not langs or not all(isinstance(x, str) for x in langs):
        raise ParameterError(f"langs must be a non-empty sequence of language codes, got {langs!r}. "
                             "Pass e.g. langs=('de', 'en').")
    if isinstance(similarity, bool) or not isinstance(similarity, (int, float)) or not 0 < similarity <= 1:
        raise ParameterError(f"similarity must be in (0, 1], got {similarity!r}. Pass e.g. similarity=0.8.")
    return list(langs)


def _diverse(candidates: list[dict[str, Any]], n: int, similarity: float, per_theme: int | None,
             weight: Mapping[str, float]) -> list[dict[str, Any]]:
    """Up to ``n`` candidates, best first: no near-duplicates, at most ``per_theme`` per theme on a first pass."""
    themes = {t for c in candidates for t in c["_themes"]}
    cap = per_theme if per_theme is not None else max(2, -(-n // max(1, len(themes))))
    kept: list[dict[str, Any]] = []
    count: dict[str, int] = {}

    def distinct(c: dict[str, Any]) -> bool:
        return all(_jaccard(c["_grams"], k["_grams"]) <= similarity and _jaccard(c["_words"], k["_words"]) <= similarity
                   for k in kept)

    for first_pass in (True, False):
        for c in candidates:
            if len(kept) >= n:
                return kept
            if any(c is k for k in kept):
                continue
            open_themes = [t for t in c["_themes"] if count.get(t, 0) < cap] if first_pass else c["_themes"]
            if not open_themes or not distinct(c):
                continue
            theme = min(open_themes, key=lambda t: (count.get(t, 0), -weight.get(t, 0.0)))
            if theme != c["theme"]:
                c["theme"], c["importance"] = theme, weight.get(theme, 0.0)
                c["candidate_score"] = sum(SCORE_WEIGHTS[k] * c[k] for k in SCORE_WEIGHTS)
            count[theme] = count.get(theme, 0) + 1
            kept.append(c)
    return kept


def _jaccard(a: frozenset, b: frozenset) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def _trigrams(text: str) -> frozenset:
    norm = f" {normalise_comment(text)} "
    return frozenset(norm[i:i + 3] for i in range(len(norm) - 2))


def _clause_facts(sentences: pd.DataFrame, mentions: pd.DataFrame, generic: set[str]) -> pd.DataFrame:
    """Per clause: its positive specific themes, whether any mention praises, whether any is negative, its content words."""
    m = mentions.assign(response_id=mentions["response_id"].astype(str), theme=mentions["theme"].astype(str),
                        sentiment=mentions["sentiment"].astype("string").fillna(""))
    key = ["response_id", "sentence_id"]
    positive = m[m["sentiment"].eq("positive") & ~m["theme"].isin(generic)]
    facts = sentences.assign(response_id=sentences["response_id"].astype(str)).sort_values(key, kind="stable")
    pos = positive.groupby(key)["theme"].agg(lambda t: list(dict.fromkeys(t)))
    neg = m[m["sentiment"].eq("negative")].groupby(key).size()
    index = pd.MultiIndex.from_frame(facts[key])
    facts["themes"] = [v if isinstance(v, list) else [] for v in pos.reindex(index).tolist()]
    other = m[~m["sentiment"].eq("positive")].groupby(key).size()
    facts["unclear"] = other.reindex(index).fillna(0).to_numpy() > 0  # a mention the tagger did not read as praise
    from ..tagging.polarity import lexicon_score  # nps_text.tagging loads spaCy: only when candidates are made
    from ..text.nlp import NEGATIONS  # (spaCy too)

    # a clause is negative when a mention says so, or, without one, when its own words do ("Die Hotline ist
    # ein Witz. Aber die Dame war nett" must not become a testimonial)
    facts["negative"] = (neg.reindex(index).fillna(0).to_numpy() > 0) | \
        np.array([lexicon_score(str(t)) < 0 for t in facts["text"].fillna("")], dtype=bool)
    source = facts["lemmas"] if "lemmas" in facts.columns else facts["text"]
    facts["words"] = [frozenset(w.lower() for w in str(s).split() if any(ch.isalpha() for ch in w)
                                and not _PLACEHOLDER.fullmatch(w)) for s in source.fillna("")]
    # a clause without praise that negates something ("Gutschrift wurde nicht verrechnet") is a complaint the
    # lexicon cannot read
    facts["negated"] = [not themes and bool(words & NEGATIONS) for themes, words in zip(facts["themes"], facts["words"])]
    return facts.reset_index(drop=True)


# words that turn praise into praise with a reservation or a concession ("immerhin nette Beratung", "dafür
# hochwertige Verarbeitung": something else was not), or say the writer is torn: no testimonial holds one
_CONTRAST = re.compile(r"\b(aber|allerdings|jedoch|leider|trotzdem|obwohl|obgleich|immerhin|wenigstens|zumindest|dafür|"
                       r"hergerissen|zwiegespalten|but|however|although|though|unfortunately|except|despite|at least|"
                       r"on the other hand|torn|mixed feelings)\b", re.IGNORECASE)


def _windows(clauses: pd.DataFrame, comment: Any, max_clauses: int) -> list[dict[str, Any]]:
    """Runs of up to ``max_clauses`` consecutive clauses of one comment, one language, with at least one
    positive mention of a specific theme. A run ends before a clause that is negative (a negative mention or,
    without one, the lexicon), that has a mention the tagger did not read as praise ("Login ist jedes Mal ein
    Krampf" tagged neutral), that negates without praising ("Gutschrift wurde nicht verrechnet"), or that
    makes a reservation or concession ("aber", "obwohl", "immerhin"): a testimonial is praise only."""
    rows = clauses.to_dict("records")
    found = []
    for i in range(len(rows)):
        for j in range(i, min(len(rows), i + max_clauses)):
            run = rows[i:j + 1]
            last = run[-1]
            if last["negative"] or last["unclear"] or last["negated"] or last["lang"] != run[0]["lang"]:
                break
            if any(_CONTRAST.search(str(r["text"])) for r in run):  # "..., aber ...": praise with a reservation
                break
            themes = list(dict.fromkeys(t for r in run for t in r["themes"]))
            if not themes:
                continue
            if isinstance(comment, str) and 0 <= run[0]["start"] < run[-1]["end"] <= len(comment):
                text = comment[run[0]["start"]:run[-1]["end"]]
            else:
                text = " ".join(str(r["text"]) for r in run)
            found.append({"text": text, "lang": run[0]["lang"], "themes": themes,
                          "words": frozenset().union(*(r["words"] for r in run)),
                          "first_sentence": run[0]["sentence_id"], "last_sentence": run[-1]["sentence_id"]})
    return found


def _importance(facts: pd.DataFrame, importance: Mapping[str, float] | None) -> dict[str, float]:
    """Theme → importance in 0..1: given values over their maximum, else the theme's share of promoters
    praising it over the top theme's share."""
    if importance is None:
        counts = facts.explode("themes").dropna(subset=["themes"]).drop_duplicates(["response_id", "themes"])
        raw = counts.groupby("themes").size().astype(float).to_dict()
    else:
        raw = {str(k): float(v) for k, v in importance.items()}
    top = max([v for v in raw.values() if v > 0], default=0.0)
    return {k: (max(v, 0.0) / top if top else 0.0) for k, v in raw.items()}


def testimonial_candidates(responses: pd.DataFrame, sentences: pd.DataFrame, mentions: pd.DataFrame, *,
                           n: int = 20, min_chars: int = 40, max_chars: int = 300, redact: bool = True,
                           langs: Sequence[str] = ("de", "en"), scale: str = "0-10", ideal_chars: int = 120,
                           min_content_words: int = 3, max_clauses: int = 3, similarity: float = 0.8,
                           importance: Mapping[str, float] | None = None,
                           generic_themes: Sequence[str] = GENERIC_THEMES,
                           per_theme: int | None = None) -> pd.DataFrame:
    """Promoter quotes that praise something specific, ranked for use as testimonials (to be approved by a person).

    A candidate is one clause, or up to ``max_clauses`` consecutive clauses of one comment in one
    language, of a promoter (score 9-10 on ``scale``) that

    * has a **positive** mention of a **specific** theme (not one of ``generic_themes``) and no
      negative mention;
    * has at least ``min_content_words`` content words (the clauses' lemmas, without
      :data:`GENERIC_PRAISE` such as "super", "alles", "great"), so "Alles super, danke!" or
      "Great service" are never candidates;
    * is ``min_chars`` to ``max_chars`` characters long and in one of ``langs``;
    * carries no personal data: with ``redact=True`` a candidate that
      :func:`~nps_text.text.redact.redact` would change, or that holds a placeholder such as
      ``<PHONE>`` from ``prepare_text(redact_pii=True)``, is **dropped**, not shown redacted (a
      quote with "<EMAIL>" in it is no testimonial, and its author wrote personal data there).

    Each response gives at most its best candidate; then, best first, a candidate is dropped when
    its character-3-gram or lemma-set Jaccard similarity to one already kept exceeds ``similarity``.
    So that the list speaks for every praised theme and not only for the most important one, a
    theme gets at most ``per_theme`` candidates (default: ``n`` over the number of praised themes,
    rounded up, at least 2) on a first pass; a candidate that praises several themes speaks for the
    one with the fewest candidates so far (``theme``). Slots left after that pass go to the best
    remaining candidates, whatever their theme.

    ``candidate_score = 0.5 specificity + 0.3 length_fit + 0.2 importance`` (:data:`SCORE_WEIGHTS`):
    ``specificity = min(1, content_words / 8)``, ``length_fit = max(0, 1 - |chars - ideal_chars| /
    (max_chars - min_chars))``, ``importance`` is that of the candidate's ``theme`` (its most important
    praised theme) over the most important theme's: given as ``importance`` (e.g. the positive
    impacts of :func:`~nps_text.drivers.theme_table`), else the number of promoters who praise it.

    Parameters
    ----------
    responses : DataFrame
        With ``response_id`` and ``score``; ``comment`` (or ``comment_redacted``) gives the text
        between clauses, else clause texts are joined with a space.
    sentences : DataFrame
        ``prepare_text``'s clauses: ``response_id, sentence_id, text, lang, start, end``, and ``lemmas``.
    mentions : DataFrame
        Mentions with ``response_id, sentence_id, theme, sentiment``.

    Returns
    -------
    DataFrame
        ``rank, response_id, score, text, lang, theme, themes, first_sentence, last_sentence, n_chars,
        content_words, specificity, length_fit, importance, candidate_score``, at most ``n`` rows,
        ranked by ``candidate_score`` (``importance`` is that of the theme the candidate speaks for).

    Examples
    --------
    >>> r = pd.DataFrame({"response_id": ["a", "b"], "score": [10, 10],
    ...                   "comment": ["Alles super!", "Die Lieferung kam schon am nächsten Morgen, bestens verpackt."]})
    >>> s = pd.DataFrame({"response_id": ["a", "b"], "sentence_id": [0, 0], "text": r["comment"], "lang": ["de", "de"],
    ...                   "lemmas": ["super", "Lieferung nächster Morgen bestens verpacken"], "start": [0, 0],
    ...                   "end": [12, 61]})
    >>> m = pd.DataFrame({"response_id": ["a", "b"], "sentence_id": [0, 0], "theme": ["praise", "delivery"],
    ...                   "sentiment": ["positive", "positive"]})
    >>> testimonial_candidates(r, s, m)[["response_id", "theme", "content_words"]].values.tolist()
    [['b', 'delivery', 4]]
    """
    langs = _check_testimonial_params(n, min_chars, max_chars, langs, max_clauses, similarity)
    if per_theme is not None and (isinstance(per_theme, bool) or not isinstance(per_theme, (int, np.integer))
                                  or per_theme < 1):
        raise ParameterError(f"per_theme must be a positive whole number or None, got {per_theme!r}. Pass e.g. "
                             "per_theme=3, or None for n over the number of praised themes.")
    _check_frame(responses, "responses", ["response_id", "score"], "Pass the survey table from load_survey().")
    _check_frame(sentences, "sentences", ["response_id", "sentence_id", "text", "lang", "start", "end"],
                 "Pass the sentences table of prepare_text().")
    _check_frame(mentions, "mentions", ["response_id", "sentence_id", "theme", "sentiment"],
                 "Pass the mentions table of a tagger (it carries the sentiment of each mention).")
    promoter = _promoters(responses, "score", scale)
    ids = responses.loc[promoter, "response_id"].astype(str)
    comment = _comment_column(responses)
    comments = dict(zip(ids, responses.loc[promoter, comment])) if comment else {}
    scores = dict(zip(ids, responses.loc[promoter, "score"]))
    own = sentences[sentences["response_id"].astype(str).isin(set(ids))]
    facts = _clause_facts(own, mentions[mentions["response_id"].astype(str).isin(set(ids))], set(generic_themes))
    weight = _importance(facts, importance)
    candidates = []
    for rid, clauses in facts.groupby("response_id", sort=True):
        best = None
        for w in _windows(clauses, comments.get(rid), max_clauses):
            content = frozenset(x for x in w["words"] if x not in GENERIC_PRAISE)
            n_chars = len(w["text"])
            if (w["lang"] not in langs or not min_chars <= n_chars <= max_chars
                    or len(content) < min_content_words):
                continue
            if redact and (_PLACEHOLDER.search(w["text"]) or redact_text(w["text"]) != w["text"]):
                continue
            theme = max(w["themes"], key=lambda t: weight.get(t, 0.0))  # first of equals: the earliest
            parts = {"specificity": min(1.0, len(content) / _FULL_SPECIFICITY),
                     "length_fit": max(0.0, 1 - abs(n_chars - ideal_chars) / (max_chars - min_chars)),
                     "importance": weight.get(theme, 0.0)}
            row = {"response_id": rid, "score": scores[rid], "text": w["text"], "lang": w["lang"], "theme": theme,
                   "themes": "; ".join(w["themes"]), "_themes": list(w["themes"]), "first_sentence": w["first_sentence"],
                   "last_sentence": w["last_sentence"], "n_chars": n_chars, "content_words": len(content), **parts,
                   "candidate_score": sum(SCORE_WEIGHTS[k] * v for k, v in parts.items()),
                   "_words": content, "_grams": _trigrams(w["text"])}
            if best is None or row["candidate_score"] > best["candidate_score"]:
                best = row
        if best is not None:
            candidates.append(best)
    candidates.sort(key=lambda c: (-c["candidate_score"], c["response_id"]))
    kept = _diverse(candidates, n, similarity, per_theme, weight)
    logger.info("testimonials: %d candidates from %d promoters, %d kept", len(candidates), len(ids), len(kept))
    kept.sort(key=lambda c: (-c["candidate_score"], c["response_id"]))
    columns = ["rank", "response_id", "score", "text", "lang", "theme", "themes", "first_sentence", "last_sentence",
               "n_chars", "content_words", *SCORE_WEIGHTS, "candidate_score"]
    out = pd.DataFrame([{k: v for k, v in c.items() if not k.startswith("_")} for c in kept],
                       columns=columns[1:])
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out



testimonial_candidates.__test__ = False  # type: ignore[attr-defined]  # its name starts with "test": not a pytest test
