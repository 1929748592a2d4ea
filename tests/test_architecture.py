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
    {"tagging", "discover", "drivers"},
    {"plot"},
    {"report"},
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


def _imports(name: str, path: Path) -> list[tuple[str, list[str], int]]:
    """(imported module, imported names, line) for every nps_text import in the file, nested ones included."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If)
                   and isinstance(block.test, ast.Name) and block.test.id == "TYPE_CHECKING"
                   for stmt in block.body for n in ast.walk(stmt)}  # annotations only: no import at run time
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
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
