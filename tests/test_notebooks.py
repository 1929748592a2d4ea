"""The analyst's path: every notebook runs top to bottom on the sample data, and only calls the library.

The notebooks are kept in git without outputs; each run here executes a copy in memory (the files are
never written back) and writes whatever a notebook saves into a temporary folder
(``NPS_TEXT_NOTEBOOK_OUT``), not into the repository.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests._drafts import keywords_found

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
EXPECTED = ["01_quickstart.ipynb", "02_discover_themes.ipynb", "03_train_a_theme_classifier.ipynb",
            "04_segments_and_trends.ipynb", "05_batch_and_scale.ipynb", "06_nps_programme.ipynb"]
MAX_QUICKSTART_CODE_CELLS = 15


def _read(path: Path):
    return nbformat.read(path, as_version=4)


def _code_cells(notebook) -> list:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def _python(source: str) -> str:
    """The cell's Python, IPython magics (``%matplotlib inline``) left out."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def _execute(path: Path, out: Path, monkeypatch) -> nbformat.NotebookNode:
    monkeypatch.setenv("NPS_TEXT_NOTEBOOK_OUT", str(out))  # what the notebooks write goes here, not into the repo
    notebook = _read(path)
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return notebook


def test_the_six_notebooks_are_there():
    assert [p.name for p in NOTEBOOKS] == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_without_outputs(path):
    """Outputs are stripped in git: no outputs, no execution counts (write notebooks with nbformat, cleared)."""
    notebook = _read(path)
    nbformat.validate(notebook)
    dirty = [i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code"
             and (cell.get("outputs") or cell.get("execution_count") is not None)]
    assert not dirty, f"{path.name}: code cells {dirty} hold outputs or execution counts; clear them before committing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_defines_no_logic_of_its_own(path):
    """Notebooks import the library and define no logic of their own: no function or class definitions."""
    for i, cell in enumerate(_code_cells(_read(path))):
        tree = ast.parse(_python(cell.source))
        defined = [type(node).__name__ for node in ast.walk(tree)
                   if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda))]
        assert not defined, f"{path.name}, code cell {i}: defines {defined}; move that logic into nps_text"
        assert "def " not in cell.source and "class " not in cell.source, f"{path.name}, code cell {i}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_imports_the_library(path):
    sources = "\n".join(cell.source for cell in _code_cells(_read(path)))
    assert "import nps_text as nt" in sources


def test_quickstart_is_short():
    notebook = _read(NOTEBOOKS[0])
    assert NOTEBOOKS[0].name == "01_quickstart.ipynb"
    assert len(_code_cells(notebook)) < MAX_QUICKSTART_CODE_CELLS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path, tmp_path, monkeypatch):
    notebook = _execute(path, tmp_path, monkeypatch)
    outputs = [o for cell in notebook.cells for o in cell.get("outputs", [])]
    errors = [f"{o.get('ename')}: {o.get('evalue')}" for o in outputs if o.get("output_type") == "error"]
    assert not errors
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    if path.name == "01_quickstart.ipynb":  # the quickstart shows pictures, not only tables
        assert images, "01_quickstart produced no image/png output: its figures do not display"
        assert (tmp_path / "01_quickstart" / "report.html").is_file()
    elif path.name != "03_train_a_theme_classifier.ipynb":
        assert images, f"{path.name} produced no figure"
    if path.name == "02_discover_themes.ipynb":  # its edits' ids still point at the themes its text names
        expected = {"Service & Personal / service & staff": {"service", "mitarbeiter", "beratung"},
                    "Hotline & Rückruf / hotline & callbacks": {"hotline", "rückruf"},
                    "Störungen & Defekte / outages & defects": {"ticket", "defective"},
                    "Bestellprozess, Rechnung & Versandkosten / checkout, billing & shipping fees": {"invoice", "fee"},
                    "Bedienung, Störungen & Sonstiges / usability, outages & other": {"bedienung", "bug"},
                    "Qualität & Produkt / quality & product": {"qualität", "produkt"}}
        assert keywords_found(tmp_path / "02_discover_themes" / "taxonomy_draft.yaml", expected) == expected
