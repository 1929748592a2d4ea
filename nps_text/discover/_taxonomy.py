"""A fitted discovery model's active themes as a draft taxonomy (names, keywords, examples per language)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..tagging.taxonomy import Taxonomy, Theme
from ._describe import KEYWORD_LANGS

if TYPE_CHECKING:  # the model module uses this one: an import at run time would be a cycle
    from ._model import ThemeDiscovery

__all__ = ["to_taxonomy"]

_KINDS = ("topic", "mixed")  # the kinds a taxonomy draft holds


def to_taxonomy(model: ThemeDiscovery, *, name: str = "discovered", version: str = "draft-1", n_keywords: int = 6,
                levels: tuple[str, ...] = ("top", "sub")):
    """A draft :class:`~nps_text.tagging.taxonomy.Taxonomy` of the active topics: two levels, names, keywords, examples.

    Each top-level theme comes first, then its sub-themes with ``parent`` set to it (``levels``
    picks one level or both). Keywords are the top c-TF-IDF lemmas (the RuleTagger matches them
    on lemmas); examples are the representative quotes, by language. Tone themes (general praise
    or complaint) and context are left out: they are not topics. Mixed themes stay in, named
    "Gemischt (…) / mixed (…)": split, rename or delete them. Save it with ``.save(path)`` and edit it by hand.
    """
    langs = model.sentences_.set_index("text")["lang"].astype(str).to_dict()
    tops = {t["theme"]: t for t in model.top_themes_ if t["kind"] in _KINDS}
    themes = []
    for top in tops.values():
        if "top" in levels:
            themes.append(_theme(top, langs, n_keywords, parent=None, level="top-level theme"))
        if "sub" in levels:
            themes += [_theme(t, langs, n_keywords, parent=top["key"] if "top" in levels else None, level="theme")
                       for t in model.themes_ if t["parent"] == top["theme"] and t["kind"] in _KINDS]
    return Taxonomy(name=name, version=version, themes=tuple(themes), languages=KEYWORD_LANGS,
                    description="Draft taxonomy written by nps-text theme discovery; review names and keywords.")


def _theme(t: dict, langs: dict[str, str], n_keywords: int, *, parent: str | None, level: str) -> Theme:
    keywords = {lang: tuple(dict.fromkeys(w for w in t[f"keywords_{lang}"][:n_keywords]))
                for lang in KEYWORD_LANGS if t[f"keywords_{lang}"]}
    examples: dict[str, list[str]] = {}
    for quote in t["quotes"]:
        lang = langs.get(quote, "en")
        examples.setdefault(lang if lang in KEYWORD_LANGS else "en", []).append(quote)
    words = ", ".join(w for lang in KEYWORD_LANGS for w in t[f"keywords_{lang}"][:5])
    return Theme(id=t["key"], parent=parent, name=_names(t["name"]),
                 description={"en": f"Discovered {level} {t['theme']} ({t['size']} clauses): {words}."},
                 keywords=keywords, examples={k: tuple(v) for k, v in examples.items()})


def _names(name: str) -> dict[str, str]:
    """Per language the part of a discovered name: "Preis / price" is "Preis" in German and "price" in English.

    Names are written German part first (:func:`readable_name`, analysts' names alike); a name of
    one part ("App", "Beratung") is that name in both languages.

    >>> _names("Lieferung / delivery"), _names("App")
    ({'de': 'Lieferung', 'en': 'delivery'}, {'de': 'App', 'en': 'App'})
    """
    parts = [part.strip() for part in name.split(" / ")]
    if len(parts) == 2 and all(parts):
        return dict(zip(KEYWORD_LANGS, parts))
    return {lang: name for lang in KEYWORD_LANGS}
