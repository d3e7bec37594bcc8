"""Is every setting of Pathways one typed, documented option of pathways.config, read from PATHWAYS_* there only?"""

from __future__ import annotations

import ast
import importlib.util
import os
import re
from pathlib import Path

import pytest
from pathways import config
from pathways.config import ConfigError, PathwaysConfig
from pathways.grading import cli, course, nbgrader_run
from pathways.grading.authoring import commands
from pathways.grading.delivery.dashboards import build as site
from pathways.grading.instructor import workflow
from support.course import REPO
from traitlets.config.loader import PyFileConfigLoader


@pytest.fixture(autouse=True)
def _forget_settings():
    """Settings made in this process by a test are forgotten after it."""
    yield
    config.reset()


def test_every_option_has_help_a_type_a_default_and_its_variable():
    """Does every option say what it means and what type it is, have one default, and a variable named after it?"""
    fresh = PathwaysConfig()
    names = PathwaysConfig.option_names()
    assert {"course", "lessons", "lang", "storage", "resources", "db_url", "cell_timeout", "bwrap", "dashboards",
            "dashboards_port", "pool_size", "lesson_pools"} <= set(names)
    for option in fresh.options():
        assert len(option.help) > 20 and option.kind, option.name
        assert option.variable == f"PATHWAYS_{option.name.upper()}"
        assert option.source == "default" and option.default, option.name
    assert (fresh.cell_timeout, fresh.dashboards_port, fresh.course, fresh.dashboards) == (
        60, 8866, "build/course", "build/dashboards")


def test_each_variable_sets_its_option(monkeypatch, tmp_path):
    """Does each PATHWAYS_* variable set its option, parsed to its type, and say it came from the environment?"""
    monkeypatch.setenv("PATHWAYS_CELL_TIMEOUT", " 90 ")
    monkeypatch.setenv("PATHWAYS_LESSON_POOLS", "01-a=5, 02-b=0")
    monkeypatch.setenv("PATHWAYS_STORAGE", "MEMORY")
    monkeypatch.setenv("PATHWAYS_LESSONS", str(tmp_path))
    monkeypatch.setenv("PATHWAYS_COURSE", "")  # empty: as if unset
    monkeypatch.setenv("PATHWAYS_BWRAP", "")  # empty: no sandbox (not: the default)
    now = config.current()
    assert (now.cell_timeout, now.lesson_pools, now.storage, now.lessons) == (90, {"01-a": 5, "02-b": 0}, "memory",
                                                                             str(tmp_path))
    assert now.course == "build/course" and now.bwrap == ""
    assert now.sources == {name: "environment" for name in ("storage", "cell_timeout", "bwrap", "lesson_pools",
                                                              "lessons")}


@pytest.mark.parametrize(("name", "value"), [
    ("CELL_TIMEOUT", "sixty"), ("CELL_TIMEOUT", "0"), ("STORAGE", "ram"), ("LANG", "Spanish please"),
    ("LESSON_POOLS", "01-a=many"), ("LESSON_POOLS", "01-a"), ("DASHBOARDS_PORT", "99999"), ("POOL_SIZE", "-1"),
])
def test_a_bad_value_names_its_variable_and_value(monkeypatch, name, value):
    """Does a value that cannot be used stop with a message naming the variable, the value and what it means?"""
    monkeypatch.setenv(f"PATHWAYS_{name}", value)
    with pytest.raises(ConfigError) as caught:
        config.current()
    message = str(caught.value)
    assert f"PATHWAYS_{name}=" in message and value.strip() in message
    assert PathwaysConfig.class_traits()[name.lower()].help in message


def test_a_bad_variable_is_a_plain_error_of_the_command(monkeypatch, capsys):
    """Does `pathways` say which variable is wrong instead of showing a traceback?"""
    monkeypatch.setenv("PATHWAYS_CELL_TIMEOUT", "1m")
    assert cli.main(["config"]) == 1
    assert "PATHWAYS_CELL_TIMEOUT='1m'" in capsys.readouterr().err


def test_the_configuration_follows_the_environment_between_calls(monkeypatch):
    """Is the environment read again when it changed (tests change it between calls in one process)?"""
    assert config.current().cell_timeout == 60
    monkeypatch.setenv("PATHWAYS_CELL_TIMEOUT", "5")
    assert config.current().cell_timeout == 5
    monkeypatch.delenv("PATHWAYS_CELL_TIMEOUT")
    assert config.current().cell_timeout == 60


def test_settings_made_in_the_process_win_and_never_touch_the_environment(monkeypatch):
    """Does `configure` (a translated lesson's language) win over the environment without changing os.environ,
    does `using` last only for its block, and do children started from here get those settings passed?"""
    monkeypatch.setenv("PATHWAYS_LANG", "en")
    with config.using(lang="fr"):
        assert config.current().lang == "fr"
    assert config.current().lang == "en"
    config.configure(lang="es")
    assert config.current().lang == "es" and os.environ["PATHWAYS_LANG"] == "en"
    assert config.current().sources["lang"] == "this process"
    assert nbgrader_run.nbgrader_env("/tmp/x")["PATHWAYS_LANG"] == "es"
    assert nbgrader_run.nbgrader_env("/tmp/x")["PATHWAYS_COURSE"] == str(Path("/tmp/x").resolve())
    with pytest.raises(ConfigError, match="PATHWAYS_CELL_TIMEOUT"):
        config.configure(cell_timeout="soon")
    config.reset()
    assert config.current().lang == "en"


def test_children_get_their_settings_explicitly(tmp_path):
    """Do Voila and the preview get memory-only answers and their options in their own environment?"""
    env = site.voila_env(tmp_path, pool_size=3, lesson_pools={"01-a": 9})
    assert (env["PATHWAYS_STORAGE"], env["PATHWAYS_DASHBOARDS"], env["PATHWAYS_POOL_SIZE"],
            env["PATHWAYS_LESSON_POOLS"]) == ("memory", str(tmp_path.resolve()), "3", "01-a=9")
    assert commands.preview_command()[1]["PATHWAYS_STORAGE"] == "memory"
    assert f"--port={PathwaysConfig().preview_port}" in commands.preview_command()[0]
    assert "PATHWAYS_STORAGE" not in os.environ


# --- one reader of the environment ------------------------------------------------------------------------------

def _docstrings(tree: ast.AST) -> set[int]:
    return {id(node.body[0].value) for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body
            and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}


def test_pathways_variables_are_named_only_in_pathways_config():
    """Outside pathways.config (widgets/config.py), does no code of widgets/ or grading/ read, write or name a
    PATHWAYS_* variable (docstrings, comments and help texts may mention them)?"""
    found = []
    for path in sorted([*(REPO / "widgets").rglob("*.py"), *(REPO / "grading").rglob("*.py")]):
        if path == REPO / "widgets" / "config.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _docstrings(tree)
        found += [f"{path.relative_to(REPO)}:{node.lineno} {node.value!r}" for node in ast.walk(tree)
                  if isinstance(node, ast.Constant) and id(node) not in skip and isinstance(node.value, str)
                  and re.fullmatch(r"PATHWAYS_[A-Z_]*", node.value)]
    assert found == []


def test_the_widgets_never_change_the_environment():
    """Does no module of the pathways package assign to, update or pop os.environ (settings go to the config)?"""
    writes = re.compile(r"os\.environ\s*\[[^]]+\]\s*=|os\.environ\.(update|pop|setdefault|clear)\(|os\.putenv\(")
    found = [f"{p.relative_to(REPO)}" for p in (REPO / "widgets").rglob("*.py") if writes.search(p.read_text())]
    assert found == []


# --- the lessons, the course and the dashboards ------------------------------------------------------------------

def test_every_lesson_list_honours_the_configured_lessons_folder(monkeypatch, tmp_path):
    """With PATHWAYS_LESSONS set, do the course, the instructor's pipeline and the author's commands all list the
    lessons of that folder (a folder without lesson.ipynb is no lesson)?"""
    for name in ("02-second", "01-first", "notes"):
        (tmp_path / name).mkdir()
    for name in ("01-first", "02-second"):
        (tmp_path / name / "lesson.ipynb").write_text("{}")
    assert course.lesson_ids()[0] == "01-why-dont-they-leave"  # the shipped lessons by default
    monkeypatch.setenv("PATHWAYS_LESSONS", str(tmp_path))
    assert course.lesson_ids() == workflow.all_lessons() == ["01-first", "02-second"]
    assert course.lessons_dir() == workflow.lessons_dir() == commands.lessons_dir() == tmp_path.resolve()


def test_the_default_lessons_are_the_shipped_ones(monkeypatch):
    """Are the default lessons the `pathways.lessons` package data when installed, else the checkout's lessons/?"""
    config.shipped_lessons.cache_clear()
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    try:
        assert config.shipped_lessons() == REPO / "lessons"
        assert (config.shipped_lessons() / "01-why-dont-they-leave" / "lesson.ipynb").is_file()
    finally:
        config.shipped_lessons.cache_clear()


def test_course_and_dashboards_default_to_the_working_folder(in_tmp):
    """Are the course and dashboards folders build/course and build/dashboards in the working folder (never
    beside the installed package), and the gradebook SQLite in the course folder?"""
    assert course.course_dir() == in_tmp.resolve() / "build" / "course"
    assert course.dashboards_dir() == site.serve_root() == in_tmp.resolve() / "build" / "dashboards"
    assert course.db_url() == f"sqlite:///{in_tmp.resolve() / 'build' / 'course' / 'gradebook.db'}"


def test_nbgrader_takes_its_paths_from_the_configuration(monkeypatch, tmp_path):
    """Does nbgrader_config.py take the course, lessons, gradebook and cell timeout from pathways.config?"""
    (tmp_path / "lessons" / "01-a").mkdir(parents=True)
    monkeypatch.setenv("PATHWAYS_COURSE", str(tmp_path / "course"))
    monkeypatch.setenv("PATHWAYS_LESSONS", str(tmp_path / "lessons"))
    monkeypatch.setenv("PATHWAYS_CELL_TIMEOUT", "7")
    c = PyFileConfigLoader("nbgrader_config.py", path=str(nbgrader_run.NBGRADER_CONFIG_DIR)).load_config()
    assert c.CourseDirectory.root == str(tmp_path / "course")
    assert c.CourseDirectory.source_directory == str(tmp_path / "lessons")
    assert c.CourseDirectory.db_url == f"sqlite:///{tmp_path / 'course' / 'gradebook.db'}"
    assert c.Execute.timeout == 7 and set(c.Autograde.exclude_overwriting) == {"01-a"}


def test_voila_takes_its_settings_from_the_configuration(monkeypatch, tmp_path):
    """Does the Voila config file take the dashboards folder, port and pool sizes from pathways.config, and give
    every kernel memory-only answers?"""
    monkeypatch.setenv("JUPYTER_PATH", "")  # the config file adds its template folder; undone after the test
    monkeypatch.setenv("PATHWAYS_DASHBOARDS", str(tmp_path))
    monkeypatch.setenv("PATHWAYS_DASHBOARDS_PORT", "9123")
    monkeypatch.setenv("PATHWAYS_POOL_SIZE", "3")
    monkeypatch.setenv("PATHWAYS_LESSON_POOLS", "01-a=7")
    c = PyFileConfigLoader("voila.py", path=str(site.VOILA_DIR)).load_config()
    assert c.Voila.port == 9123 and c.VoilaConfiguration.default_pool_size == 3
    pools = c.VoilaKernelManager.kernel_pools_config
    assert pools["default"] == {"pool_size": 3, "kernel_env_variables": {"PATHWAYS_STORAGE": "memory"}}
    assert pools["01-a/lesson.ipynb"] == {"pool_size": 7}
    assert c.VoilaKernelManager.default_env_variables == {"PATHWAYS_STORAGE": "memory"}


# --- the command line and the documentation -----------------------------------------------------------------------

def test_command_defaults_come_from_the_configuration(monkeypatch):
    """Do the ports and the cell timeout of `pathways` default to the configured values?"""
    monkeypatch.setenv("PATHWAYS_DASHBOARDS_PORT", "9001")
    monkeypatch.setenv("PATHWAYS_CELL_TIMEOUT", "5")
    parser = cli.build_parser()
    assert parser.parse_args(["dashboards", "serve"]).port == 9001
    assert parser.parse_args(["grade"]).timeout == 5
    assert parser.parse_args(["lab"]).port == PathwaysConfig().lab_port
    assert parser.parse_args(["preview"]).port == PathwaysConfig().preview_port


def test_pathways_config_shows_every_option_and_where_it_came_from(monkeypatch, capsys):
    """Does `pathways config` show each option's value, whether it is the default or from the environment, and
    its meaning; and `--table` the README's table?"""
    monkeypatch.setenv("PATHWAYS_POOL_SIZE", "4")
    assert cli.main(["config"]) == 0
    out = capsys.readouterr().out
    assert "pool_size = 4  (environment PATHWAYS_POOL_SIZE)" in out
    assert "cell_timeout = 60  (default, set with PATHWAYS_CELL_TIMEOUT)" in out
    assert all(f"{name} = " in out and PathwaysConfig.class_traits()[name].help in out
               for name in PathwaysConfig.option_names())
    assert cli.main(["config", "--table"]) == 0
    assert config.markdown_table() in capsys.readouterr().out


def test_the_readme_documents_every_option():
    """Does README.md's "Configuration" section hold the table generated from the options (so it names every
    variable, its type, default and meaning, and cannot drift from the code)?"""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "## Configuration" in readme
    assert config.markdown_table() in readme.split("## Configuration", 1)[1], "run `pathways config --table`"
