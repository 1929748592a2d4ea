"""What the edits of a documented discovery example did: shared by the docs and notebook tests."""

from __future__ import annotations

from pathlib import Path

from nps_text.tagging.taxonomy import load_taxonomy


def keywords_found(path: Path, expected: dict[str, set[str]]) -> dict[str, set[str]]:
    """Per theme of a taxonomy draft named in ``expected``: which of its expected words are among its keywords.

    The examples edit themes by id; when discovery changes, the ids move. Comparing the result with
    ``expected`` shows that each id still points at the theme the example's text names.
    """
    found = {}
    for theme in load_taxonomy(path):
        parts = list(dict.fromkeys(theme.name.values()))  # the draft gives each language its part of the name
        names = {" / ".join(parts), *parts}
        for name in names & set(expected):
            words = {w.lower() for ws in theme.keywords.values() for k in ws for w in k.split()}
            found[name] = expected[name] & words
    return found
