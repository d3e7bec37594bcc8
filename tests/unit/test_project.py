"""Is the project wired as documented (dependencies in sync, commands present, CI calling make test)?"""

import re
import tomllib

import yaml
from support.course import REPO


def _name(spec: str) -> str:
    return re.split(r"[<>=!~\[ ]", spec, maxsplit=1)[0].lower()


def test_environment_yml_matches_pyproject():
    """Does environment.yml ask for exactly what pyproject.toml asks for (runtime + test)?"""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = set(project["dependencies"]) | set(project["optional-dependencies"]["test"])
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    assert set(pip) == wanted


def test_every_dependency_is_pinned():
    """Is every dependency pinned in constraints.txt, which `make` installs with?"""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pins = {_name(line) for line in (REPO / "constraints.txt").read_text().splitlines() if "==" in line}
    names = {_name(s) for s in project["dependencies"] + project["optional-dependencies"]["test"]}
    assert names <= {p.replace("_", "-") for p in pins} | pins, names - pins
    assert "-c constraints.txt" in (REPO / "Makefile").read_text()


def test_no_process_pays_for_the_slow_iri_checker():
    """Is rfc3987-syntax (jsonschema 4.25+'s IRI checker, about 3 s of CPU each time a Jupyter process imports
    nbformat or jupyter_events) kept out of the pinned environment, so servers, kernels' hosts and nbgrader
    commands start in a fraction of a second?"""
    from importlib.metadata import version

    pins = dict(line.split("==", 1) for line in (REPO / "constraints.txt").read_text().splitlines() if "==" in line)
    assert "rfc3987-syntax" not in pins
    for found in (pins["jsonschema"], version("jsonschema")):  # pinned, and what this environment imports
        assert tuple(int(x) for x in found.split(".")[:2]) < (4, 25), found


def test_readme_opens_with_the_two_commands_and_ci_runs_the_test_one():
    """Does the README start with `make start` and `make test`, and does .ci/run call `make test`?"""
    head = (REPO / "README.md").read_text().splitlines()[:8]
    assert any(line.startswith("make start") for line in head) and any(line.startswith("make test") for line in head)
    assert re.search(r"^make test$", (REPO / ".ci" / "run").read_text(), re.M)


def test_every_package_folder_is_in_the_wheel():
    """Does pyproject.toml list every folder of widgets/, grading/ and lessons/ that holds Python modules, under the
    name it is imported by (a folder left out is missing from `pip install .`, as grading/delivery/learner once was)?"""
    setuptools = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    listed = set(setuptools["packages"])
    roots = {folder: name for name, folder in setuptools["package-dir"].items()}
    found = set()
    for folder, name in roots.items():
        for init in (REPO / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(REPO / folder)
            if "__pycache__" not in rel.parts and "node_modules" not in rel.parts:
                found.add(".".join([name, *rel.parts]))
    assert found - listed == set(), f"not in [tool.setuptools] packages: {sorted(found - listed)}"


def test_the_longest_tests_named_for_scheduling_exist():
    """Does every file conftest.py starts first (LONGEST_FIRST) still exist, so a rename cannot quietly send a
    two-minute group to the end of the run?"""
    from support.schedule import LONGEST_FIRST

    assert [name for name in LONGEST_FIRST if not (REPO / "tests" / name).is_file()] == []
