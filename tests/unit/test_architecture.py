"""Does the code keep its import contract (pyproject.toml, [tool.importlinter]) and its import promises?

`lint-imports` reads a package from disk, from the folder of its `__init__.py`. Installed, `pathways` comes
from widgets/ and `pathways.grading` from grading/ ([tool.setuptools.package-dir]), which is not inside
widgets/: read from the checkout, grading would be invisible and "pathways never imports pathways.grading"
could not fail. So the check runs over a folder laid out as installed: `pathways/` holding a link to each
entry of widgets/, and `pathways/grading/` a link to each entry of grading/.

Run as a script (`make lint` does), this file prints lint-imports' report and exits with its status.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = ROOT / "pyproject.toml"
BIN = Path(sys.executable).parent
LINT_IMPORTS = BIN / "lint-imports"


def lay_out(view: Path) -> Path:
    """Lay the packages out in `view` as an install does ([tool.setuptools.package-dir]); returns `view`."""
    folders = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["setuptools"]["package-dir"]
    for package in sorted(folders, key=lambda name: name.count(".")):  # parents before their subpackages
        here = view.joinpath(*package.split("."))
        here.mkdir(parents=True, exist_ok=True)
        for entry in sorted((ROOT / folders[package]).iterdir()):
            if entry.name != "__pycache__" and not (here / entry.name).exists():
                (here / entry.name).symlink_to(entry)
    return view


def _env(view: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(view), os.environ.get("PYTHONPATH")]))}


def lint_imports(view: Path, *contracts: str) -> subprocess.CompletedProcess:
    """Run the venv's lint-imports over the laid-out `view` (only `contracts`, by id, when given)."""
    args = [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(PYPROJECT)]
    for contract in contracts:
        args += ["--contract", contract]
    return subprocess.run(args, cwd=view, env=_env(view), capture_output=True, text=True, timeout=300)


def test_import_contract_is_kept(tmp_path):
    """Does `lint-imports` find every contract kept, over the package as installed (grading included)?"""
    result = lint_imports(lay_out(tmp_path))
    print(result.stdout, result.stderr)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_contract_sees_the_grading_package(tmp_path):
    """Would a widget module importing pathways.grading break the contract (is grading really in the graph)?"""
    view = lay_out(tmp_path)
    (view / "pathways" / "zz_breaks_the_contract.py").write_text("from pathways.grading import cli\n")
    result = lint_imports(view, "no-grading")
    print(result.stdout)
    assert result.returncode != 0
    assert "pathways.zz_breaks_the_contract -> pathways.grading.cli" in result.stdout


def test_acyclic_contract_sees_a_package_level_cycle(tmp_path):
    """Would a scenario module importing `pathways.i18n` (which builds on the scenario package) break the
    acyclic contract, as the lazy imports of the first split did?"""
    view = lay_out(tmp_path)
    scenario = view / "pathways" / "scenario"  # a link to widgets/scenario: made a folder of links, so that
    real = scenario.resolve()                  # the module written below stays out of the checkout
    scenario.unlink()
    scenario.mkdir()
    for entry in real.iterdir():
        if entry.name != "__pycache__":
            (scenario / entry.name).symlink_to(entry)
    (scenario / "zz_cycle.py").write_text("from pathways.i18n import ui\n")
    result = lint_imports(view, "acyclic")
    print(result.stdout)
    assert result.returncode != 0
    assert "No cycles are allowed in pathways." in result.stdout and ".scenario -> .i18n" in result.stdout


_NO_CYCLES = """
import grimp, json, networkx
graph = grimp.build_graph("pathways", cache_dir=None)
edges = networkx.DiGraph((m, i) for m in graph.modules for i in graph.find_modules_directly_imported_by(m))
print(json.dumps([sorted(c) for c in networkx.simple_cycles(edges)][:10]))
"""


def test_no_import_cycle_between_modules(tmp_path):
    """Is the module import graph of pathways (grading included) free of cycles?"""
    view = lay_out(tmp_path)
    result = subprocess.run([sys.executable, "-c", _NO_CYCLES], cwd=view, env=_env(view), capture_output=True,
                            text=True, timeout=300, check=True)
    assert json.loads(result.stdout) == []


_FIRST_IMPORTS = """
import importlib, json, sys
names = sys.argv[1:]
loaded = {}
for name in names:
    for module in [m for m in sys.modules if m == "pathways" or m.startswith("pathways.")]:
        del sys.modules[module]
    importlib.import_module(name)
    loaded[name] = sorted(m for m in sys.modules if m.startswith("pathways."))
print(json.dumps(loaded))
"""


def test_every_module_can_be_imported_first():
    """Does each module that builds on the scenario package, and each module of the package, import cleanly when
    it is the first one imported (no import cycle hidden at run time)?"""
    names = ["pathways.engine", "pathways.activities.checks", "pathways.i18n", "pathways.activities.registry",
             "pathways.activities.sorting", "pathways.activities.responses", "pathways.activities.testcells",
             "pathways.authoring", "pathways.autograde", "pathways.activities.excusal", "pathways.scenario",
             "pathways.scenario.model", "pathways.scenario.engine", "pathways.scenario.translation",
             "pathways.scenario.loader", "pathways.scenario.rules.score", "pathways.scenario.rules.assessment"]
    result = subprocess.run([sys.executable, "-c", _FIRST_IMPORTS, *names], capture_output=True, text=True,
                            timeout=300, check=True)
    loaded = json.loads(result.stdout)
    assert set(loaded) == set(names)
    assert "pathways.scenario.loader" in loaded["pathways.scenario.model"]  # the package's __init__ is eager


_UPSTREAM = """
import grimp, json, sys
graph = grimp.build_graph("pathways", cache_dir=None)
print(json.dumps({m: sorted(graph.find_upstream_modules(m)) for m in sys.argv[1:]}))
"""


def test_engine_depends_only_on_the_model_and_conditions(tmp_path):
    """Does the engine (`pathways.scenario.engine`, also offered as `pathways.engine`) depend, directly or
    through others, only on the scenario model and conditions and the data readers the model uses?"""
    view = lay_out(tmp_path)
    result = subprocess.run([sys.executable, "-c", _UPSTREAM, "pathways.scenario.engine", "pathways.engine"],
                            cwd=view, env=_env(view), capture_output=True, text=True, timeout=300, check=True)
    upstream = json.loads(result.stdout)
    below = ["pathways.checklist", "pathways.principles", "pathways.scenario.conditions", "pathways.scenario.model",
             "pathways.yamlload"]
    assert upstream["pathways.scenario.engine"] == below
    assert upstream["pathways.engine"] == sorted([*below, "pathways.scenario.engine"])


def test_scenario_package_imports_its_names_up_front():
    """Is `pathways.scenario` an ordinary package: every name it offers imported when it is, none on first use?"""
    import pathways.scenario as scenario

    assert "__getattr__" not in vars(scenario)
    assert [name for name in scenario.__all__ if name not in vars(scenario)] == []


def _scenario_imports(tree: ast.AST, package: str) -> set[str]:
    """Names imported from pathways.scenario in one module (`package`: the module's package, for `from .x`)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")[:len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            if module == "pathways.scenario":
                names |= {alias.name for alias in node.names}
    return names


def _sources():
    """(package, Python source) of every module and notebook code cell that may import pathways.scenario."""
    packages = {"widgets": "pathways", "grading": "pathways.grading"}
    for folder in ("widgets", "grading", "tests", "lessons"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = path.relative_to(ROOT / folder).parent.parts
            yield ".".join([packages.get(folder, folder), *parts]), path.read_text(encoding="utf-8")
        for path in sorted((ROOT / folder).rglob("*.ipynb")):
            for cell in json.loads(path.read_text(encoding="utf-8")).get("cells", []):
                if cell.get("cell_type") == "code":
                    yield "", "".join(cell.get("source", []))


def test_scenario_package_offers_every_name_imported_from_it():
    """Does `pathways.scenario` still offer every name that widgets, grading, tests and lessons import from it?"""
    import pathways.scenario as scenario

    wanted = set()
    for package, source in _sources():
        try:
            wanted |= _scenario_imports(ast.parse(source), package)
        except SyntaxError:
            continue  # a notebook cell with IPython magics
    assert {"load", "parse", "analyse", "check_file", "check_text", "ScenarioError"} <= wanted
    assert [name for name in sorted(wanted) if not hasattr(scenario, name)] == []


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="pathways-imports-") as folder:
        outcome = lint_imports(lay_out(Path(folder)))
    print(outcome.stdout, outcome.stderr, sep="", end="")
    sys.exit(outcome.returncode)
