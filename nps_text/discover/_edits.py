"""The analyst's edits of a fitted discovery model: rename, merge, split and drop, at either level; move.

Each returns a new fitted model and leaves the original as it is (like pandas methods), so edits
chain, a fitted model never changes behind the caller's back, and ``clone()`` still works.
At the sub level they act on sub-themes (a merged or split sub-theme keeps its parent); at the
top level on the top-level themes, whose sub-themes move with them. ``move`` puts sub-themes under
another (or a new) top-level theme.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

import numpy as np

from ..errors import DiscoveryModelError, ParameterError
from . import _cluster as C
from ._describe import TOPICAL, slug

if TYPE_CHECKING:  # the model class mixes this in: an import at run time would be a cycle
    from ._model import ThemeDiscovery

__all__ = ["EditsMixin"]


def _level(level: str) -> str:
    if level not in ("sub", "top"):
        raise ParameterError(f"level must be 'top' (the top-level themes) or 'sub' (their sub-themes), got {level!r}.")
    return level


class EditsMixin:
    """``rename``, ``merge``, ``split``, ``drop`` and ``move`` for :class:`~nps_text.discover.ThemeDiscovery`."""

    def _edited(self) -> ThemeDiscovery:
        """A deep copy to edit. It shares the stored vectors, which no edit changes: a large model is not copied."""
        self._check_fitted()
        out = copy.deepcopy(self, {id(self.vectors_): self.vectors_})
        out._editing = True  # its next description keeps the names of the themes the edit hardly changed
        return out

    def _check_ids(self, ids: list[int], what: str, level: str = "sub") -> list[int]:
        ids = [int(i) for i in ids]
        known = self.active_ids if _level(level) == "sub" else self.active_top_ids
        unknown = [i for i in ids if i not in known]
        if unknown:
            word = "theme" if level == "sub" else "top-level theme"
            raise ParameterError(f"Cannot {what} {word}(s) {unknown}: not among the {word}s {known}.")
        return ids

    def rename(self, theme: int, name: str, *, level: str = "sub") -> ThemeDiscovery:
        """A copy with ``theme`` named ``name`` (its key becomes the name's slug)."""
        (theme,) = self._check_ids([theme], "rename", level)
        if not isinstance(name, str) or not name.strip():
            raise ParameterError(f"A theme name must be a non-empty text, got {name!r}.")
        out = self._edited()
        names, rows = (out.names_, out.themes_) if level == "sub" else (out.top_names_, out.top_themes_)
        names[theme] = name.strip()
        if slug(name) in [t["key"] for t in rows if t["theme"] != theme]:
            raise ParameterError(f"Another theme already has the key {slug(name)!r}; choose a different name.")
        out._describe()
        return out

    def _need_texts(self, edit: str) -> None:
        if not self.has_texts_:
            raise DiscoveryModelError(
                f"Cannot {edit} themes of a discovery model saved without its comment texts (the default of "
                "ThemeDiscovery.save, so that shared model folders hold no raw comments): new themes could not be "
                "described. Fit again, or save the model with include_texts=True to edit it later.")

    def merge(self, themes: list[int], *, name: str | None = None, level: str = "sub") -> ThemeDiscovery:
        """A copy in which ``themes`` are one theme (the smallest id).

        Sub-themes: one centroid recomputed from the members, under the parent of the smallest id.
        Top-level themes: the sub-themes of all of them come under the smallest id.
        """
        self._need_texts("merge")
        themes = sorted(set(self._check_ids(themes, "merge", level)))
        if len(themes) < 2:
            raise ParameterError(f"merge needs at least two different themes, got {themes}.")
        out = self._edited()
        target = themes[0]
        if level == "top":
            out.parents_ = [target if p in themes else p for p in out.parents_]
            for i in themes[1:]:
                out.top_names_.pop(i, None)
            if name:
                out.top_names_[target] = name
            out._describe()
            return out
        content = out.labels_[out.content_rows_]
        content = np.where(np.isin(content, themes), target, content)
        parent = out.parent_of(target)
        out._replace_centroids({target: (out.vectors_[content == target], parent)}, remove=themes[1:])
        for i in themes[1:]:
            out.names_.pop(i, None)
        if name:
            out.names_[target] = name
        out._reassign()
        out._describe()
        return out

    def split(self, theme: int, n: int = 2, *, level: str = "sub") -> ThemeDiscovery:
        """A copy in which ``theme`` is split in ``n``; the largest part keeps the id.

        Sub-themes: Ward on the theme's clauses (its parts keep the parent). Top-level themes:
        Ward on its sub-themes' centroids weighted by size (it needs at least ``n`` sub-themes).
        Then every clause goes to its nearest centroid, as after every edit (the labels stay what
        :meth:`predict` gives): a few clauses of other themes that are nearer to one of the new
        parts than to their own theme move to it.
        """
        self._need_texts("split")
        (theme,) = self._check_ids([theme], "split", level)
        if level == "top":
            return self._split_top(theme, n)
        members = np.flatnonzero(self.labels_[self.content_rows_] == theme)
        if not isinstance(n, (int, np.integer)) or n < 2 or n > len(members):
            raise ParameterError(f"n must be a whole number from 2 to the theme's {len(members)} clauses, got {n!r}.")
        out = self._edited()
        x = out.vectors_[members]
        parts = C.cut_tree(C.ward_tree(x[: self.max_fit]), n)
        if len(x) > self.max_fit:
            part_centroids = C.centroids_of(x[: self.max_fit], parts, list(range(n)))
            parts = C.nearest(x, part_centroids)[0]
        sizes = sorted(((-(parts == p).sum(), p) for p in range(n)))
        new_ids = [theme] + list(range(max(out.theme_ids_) + 1, max(out.theme_ids_) + n))
        parent = out.parent_of(theme)
        out.names_.pop(theme, None)
        out._replace_centroids({new: (x[parts == p], parent) for new, (_, p) in zip(new_ids, sizes)}, remove=[])
        out._reassign()
        out._describe()
        return out

    def _split_top(self, theme: int, n: int) -> ThemeDiscovery:
        subs = [i for i in self.active_ids if self.parent_of(i) == theme]
        if not isinstance(n, (int, np.integer)) or n < 2 or n > len(subs):
            raise ParameterError(f"n must be a whole number from 2 to the top-level theme's {len(subs)} sub-themes, "
                                 f"got {n!r}; split a sub-theme (level='sub') to cut finer.")
        out = self._edited()
        content = out.labels_[out.content_rows_]
        sizes = np.array([max(1, (content == i).sum()) for i in subs], dtype=np.float64)
        centroids = np.vstack([out.centroids_[out.theme_ids_.index(i)] for i in subs])
        parts = C.cut_tree(C.weighted_ward(centroids, sizes), n)
        order = sorted(range(n), key=lambda p: (-sizes[parts == p].sum(), p))
        new_top = {order[0]: theme, **{p: max(out.parents_) + k for k, p in enumerate(order[1:], start=1)}}
        lookup = {i: new_top[int(p)] for i, p in zip(subs, parts)}
        out.parents_ = [lookup.get(i, p) for i, p in zip(out.theme_ids_, out.parents_)]
        out.top_names_.pop(theme, None)
        out._describe()
        return out

    def move(self, themes: list[int], to: int | None = None, *, name: str | None = None) -> ThemeDiscovery:
        """A copy in which the sub-themes ``themes`` sit under the top-level theme ``to``; ``to=None``: under a
        new top-level theme of their own (named ``name``, else described like the others).

        The clauses stay in their sub-themes (the labels do not change); the top level is described
        again. A top-level theme left without sub-themes is gone.
        """
        self._need_texts("move")
        if isinstance(themes, (int, np.integer)):
            themes = [themes]
        themes = sorted(set(self._check_ids(themes, "move", "sub")))
        if not themes:
            raise ParameterError("move needs at least one sub-theme id, e.g. move([6], to=5).")
        if to is not None:
            (to,) = self._check_ids([to], "move sub-themes to", "top")
            self._check_kinds(themes, to)
        out = self._edited()
        target = max(out.parents_) + 1 if to is None else to
        out.parents_ = [target if i in themes else p for i, p in zip(out.theme_ids_, out.parents_)]
        if name:
            out.top_names_[target] = name
        for gone in set(out.top_names_) - set(out.active_top_ids):
            out.top_names_.pop(gone)
        out._describe()
        return out

    def _check_kinds(self, themes: list[int], to: int) -> None:
        """A topic goes under a topic, context under context: else background would count as a driver, or a
        topic would vanish from the mentions."""
        sub_kind = {t["theme"]: t["kind"] for t in self.themes_}
        top_kind = next(t["kind"] for t in self.top_themes_ if t["theme"] == to)
        wrong = [i for i in themes if (sub_kind[i] in TOPICAL) != (top_kind in TOPICAL)]
        if wrong:
            raise ParameterError(
                f"Cannot move sub-theme(s) {wrong} (kind {sorted({sub_kind[i] for i in wrong})}) under top-level "
                f"theme {to} (kind {top_kind!r}): topics go under topics, and context, tone and churn-intent "
                "sub-themes under their own kind. Move to a top-level theme of the same kind, or to=None for a new "
                "one.")

    def drop(self, themes: list[int], *, level: str = "sub") -> ThemeDiscovery:
        """A copy in which ``themes`` are no theme: their clauses (and new ones near them) stay unassigned.

        Dropping a top-level theme drops all its sub-themes.
        """
        themes = self._check_ids(themes, "drop", level)
        out = self._edited()
        if level == "top":
            themes = [i for i in out.active_ids if out.parent_of(i) in themes]
        out.dropped_ |= set(themes)
        out._reassign()
        out._describe()
        return out

    def _replace_centroids(self, members: dict[int, tuple[np.ndarray, int]], remove: list[int]) -> None:
        """New centroids (and parents) for the themes in ``members``; ``remove`` leaves."""
        ids = [i for i in self.theme_ids_ if i not in remove]
        rows = {i: (self.centroids_[self.theme_ids_.index(i)], self.parent_of(i)) for i in ids}
        for i, (x, parent) in members.items():
            rows[i] = (C._l2(x.mean(axis=0, dtype=np.float32, keepdims=True))[0], parent)
        self.theme_ids_ = sorted(rows)
        self.centroids_ = np.vstack([rows[i][0] for i in self.theme_ids_]).astype(np.float32)
        self.parents_ = [rows[i][1] for i in self.theme_ids_]
