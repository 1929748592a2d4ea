"""The docs are part of the product: the MkDocs site builds strictly, and the README stays a short front door."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from nps_text.tagging.taxonomy import load_taxonomy
from tests._drafts import keywords_found

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
# [text](target) and ![alt](target); the target ends at whitespace or ")" (an optional "title" may follow)
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
FENCE = re.compile(r"^```.*?^```", re.M | re.S)


def _readme_links() -> list[str]:
    text = FENCE.sub("", README.read_text(encoding="utf-8"))  # code blocks hold no links
    return LINK.findall(text)


def test_mkdocs_build_strict(tmp_path):
    """`mkdocs build --strict` passes: no broken link or anchor, no page missing from the nav, no bad docstring."""
    mkdocs = Path(sys.executable).with_name("mkdocs")
    assert mkdocs.exists(), f"{mkdocs} not found: install the dev extra (pip install -e '.[dev]')."
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [str(mkdocs), "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stderr}\n{result.stdout}"
    assert (tmp_path / "site" / "index.html").exists()
    assert (tmp_path / "site" / "api" / "nps_text.html").exists()


def test_readme_is_short():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) < 200, f"README.md has {len(lines)} lines; the reference belongs in docs/, keep it under 200."


def test_readme_links_point_at_files():
    links = _readme_links()
    assert links, "found no links in README.md"
    missing = []
    for target in links:
        if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue  # https:, mailto:, in-page anchors
        path = target.split("#", 1)[0]
        if not (ROOT / path).exists():
            missing.append(target)
    assert not missing, f"README.md links to files that do not exist: {missing}"


def test_api_index_names_every_public_name():
    """docs/api/nps_text.md lists every name of nps_text.__all__ (the lazily loaded ones are not found by mkdocstrings)."""
    import nps_text

    page = (ROOT / "docs" / "api" / "nps_text.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"\[`(\w+)`\]\[", page))
    missing = sorted(set(nps_text.__all__) - listed)
    assert not missing, f"docs/api/nps_text.md does not list {missing}; add a row linking each to its subpackage page."


def test_readme_quickstart_runs():
    """The Python block of the README runs as written on the sample data, from the repository root."""
    blocks = re.findall(r"^```python\n(.*?)^```", README.read_text(encoding="utf-8"), re.M | re.S)
    assert len(blocks) == 1, "expected one Python block (the quickstart) in README.md"
    assert len(blocks[0].strip().splitlines()) <= 10, "the README quickstart should stay within 10 lines"
    result = subprocess.run([sys.executable, "-c", blocks[0]], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"the README quickstart failed:\n{result.stderr}"
    assert "impact" in result.stdout and "delivery (negative)" in result.stdout
    assert "praise (positive)" not in result.stdout  # the top drivers are topics, not the score restated



def test_discovery_guide_snippet_runs(tmp_path):
    """docs/discovery.md's Python blocks run as written on the sample (a new user's trial found it broken)."""
    page = (ROOT / "docs" / "discovery.md").read_text(encoding="utf-8")
    code = "\n".join(re.findall(r"^```python\n(.*?)^```", page, re.M | re.S))  # the guided one uses the first's
    assert "guide=" in code
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "sample_survey.csv").write_bytes((ROOT / "data" / "sample_survey.csv").read_bytes())
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"the docs/discovery.md snippet failed:\n{result.stderr[-3000:]}"
    assert (tmp_path / "taxonomy_draft.yaml").is_file() and (tmp_path / "discovery_model" / "discovery.json").is_file()
    # the ids in the snippet still point at the themes its comments name (they move when discovery changes)
    expected = {"Service & Personal / service & staff": {"service", "staff", "beratung"}, "App": {"app"},
                "Stabilität / reliability": {"bug", "ausfall"},
                "Abbuchung & Nachfassen / debits & chasing": {"lastschrift", "chase"},
                "Rechnung & Tracking / invoices & tracking": {"invoice", "sendungsverfolgung"},
                "Zustellung & Verpackung / drop-off & packaging": {"paket", "neighbour"},
                "Produkt & Defekte / product & defects": {"product", "defective"}}
    assert keywords_found(tmp_path / "taxonomy_draft.yaml", expected) == expected
    draft = load_taxonomy(tmp_path / "taxonomy_draft.yaml")
    tops = {t.id: t.name.get("de") for t in draft if t.parent is None}
    moved = next(t for t in draft if t.name.get("de") == "Zustellung & Verpackung")
    assert tops[moved.parent] == "Lieferung"  # moved under delivery
