"""Is every setting of Pathways one typed, documented option of pathways.config, read from PATHWAYS_* there only?"""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pathways import config
from pathways.config import ConfigError, PathwaysConfig
from pathways.grading import cli, course, nbgrader_run, settings
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

def test_every_option_is_a_flag_of_every_command_and_short_names_are_aliases(monkeypatch, capsys):
    """Is every option a flag of the command line, before or after any command's name, and are a command's short
    names (grade --timeout, dashboards serve --port) the same options, declared once (their help is the option's)?"""
    parser = cli.build_parser()
    assert settings.given(parser.parse_args(["--course", "/c", "grade", "--db-url", "sqlite:///x.db"])) == {
        "course": "/c", "db_url": "sqlite:///x.db"}
    assert settings.given(parser.parse_args(["grade", "--timeout", "5"])) == {"cell_timeout": "5"}
    assert settings.given(parser.parse_args(["dashboards", "serve", "--port", "9001", "--lesson-pool", "01-a=3",
                                             "--lesson-pool", "02-b=1"])) == {
        "dashboards_port": "9001", "lesson_pools": "01-a=3,02-b=1"}
    assert settings.given(parser.parse_args(["lab", "--port", "9002"])) == {"lab_port": "9002"}
    assert settings.given(parser.parse_args(["workshop", "status", "--root", "/w"])) == {"workshop_root": "/w"}
    assert settings.given(parser.parse_args(["config"])) == {}
    for command in (["grade"], ["workshop", "stop"], ["check"], ["dashboards", "build"]):
        with pytest.raises(SystemExit):
            parser.parse_args([*command, "--help"])
        shown = capsys.readouterr().out
        assert all(PathwaysConfig.flag(name) in shown for name in PathwaysConfig.option_names()), command
    monkeypatch.setenv("PATHWAYS_CELL_TIMEOUT", "7")
    assert cli.main(["config", "--cell-timeout", "9"]) == 0
    assert "cell_timeout = 9  (command line --cell-timeout)" in capsys.readouterr().out
    assert config.current().cell_timeout == 7  # the command's flags last as long as the command


def test_pathways_config_shows_every_option_and_where_it_came_from(monkeypatch, capsys):
    """Does `pathways config` show each option's value, whether it is the default or from the environment, and
    its meaning; and `--table` the README's table?"""
    monkeypatch.setenv("PATHWAYS_POOL_SIZE", "4")
    assert cli.main(["config"]) == 0
    out = capsys.readouterr().out
    assert "pool_size = 4  (environment PATHWAYS_POOL_SIZE)" in out
    assert ("cell_timeout = 60  (default; set it with c.PathwaysConfig.cell_timeout, PATHWAYS_CELL_TIMEOUT or "
            "--cell-timeout)") in out
    assert all(f"{name} = " in out and PathwaysConfig.class_traits()[name].help in out
               for name in PathwaysConfig.option_names())
    assert cli.main(["config", "--table"]) == 0
    assert config.markdown_table() in capsys.readouterr().out


# --- config files ---------------------------------------------------------------------------------------------------

def _config_file(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / settings.FILE_NAME
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


def test_config_files_set_options_below_the_environment_and_the_flags(tmp_path, monkeypatch, capsys):
    """Do the working folder's pathways_config.py, then the course folder's, then --config FILE set options (a later
    one winning), the environment winning over them and a flag over that, and does `pathways config` name the file
    each value came from?"""
    here = _config_file(tmp_path / "here", f"c.PathwaysConfig.course = {str(tmp_path / 'course')!r}\n"
                        "c.PathwaysConfig.cell_timeout = 90\nc.PathwaysConfig.pool_size = 4\n"
                        "c.PathwaysConfig.lesson_pools = {'01-a': 5}\n")
    theirs = _config_file(tmp_path / "course", "c.PathwaysConfig.cell_timeout = 80\nc.PathwaysConfig.lab_port = 9100\n")
    given = _config_file(tmp_path / "elsewhere", "c.PathwaysConfig.lab_port = 9200\n")
    monkeypatch.chdir(here.parent)
    monkeypatch.setenv("PATHWAYS_POOL_SIZE", "6")
    assert cli.main(["config", "--config", str(given), "--lang", "es"]) == 0
    out = capsys.readouterr().out
    assert f"course = {tmp_path / 'course'}  (config file {here})" in out
    assert f"cell_timeout = 80  (config file {theirs})" in out and f"lab_port = 9200  (config file {given})" in out
    assert f"lesson_pools = 01-a=5  (config file {here})" in out
    assert "pool_size = 6  (environment PATHWAYS_POOL_SIZE)" in out and "lang = es  (command line --lang)" in out
    with config.command_line(settings.config_files(cli.build_parser().parse_args(["config"]))):
        assert config.current().environment()["PATHWAYS_CELL_TIMEOUT"] == "80"  # what nbgrader or Voila gets
    _config_file(tmp_path / "course", "c.PathwaysConfig.course = '/elsewhere'\n")
    assert cli.main(["config"]) == 1
    assert "that course folder's own file" in capsys.readouterr().err


@pytest.mark.parametrize(("text", "message"), [
    ("c.PathwaysConfig.cell_timeout = 'soon'\n", "c.PathwaysConfig.cell_timeout in {file} = 'soon' cannot be used"),
    ("c.PathwaysConfig.cel_timeout = 5\n", "{file} sets c.PathwaysConfig.cel_timeout, which Pathways does not have"),
    ("c.Voila.port = 5\n", "{file} sets c.Voila"),
    ("c.PathwaysConfig.lang = \n", "{file} could not be read: SyntaxError"),
])
def test_a_bad_config_file_is_a_plain_error_naming_it(tmp_path, monkeypatch, capsys, text, message):
    """Does a config file with a bad value, an option Pathways does not have, another program's section or bad
    Python stop the command with a message naming the file (and the option)?"""
    path = _config_file(tmp_path / "here", text)
    monkeypatch.chdir(path.parent)
    assert cli.main(["config"]) == 1
    assert message.format(file=path) in capsys.readouterr().err


def test_a_config_file_others_could_change_is_never_run(tmp_path, monkeypatch, capsys):
    """Is a pathways_config.py that other users can change (or replace in its folder) refused with a message saying
    why, and never run?"""
    marker = tmp_path / "ran"
    path = _config_file(tmp_path / "here", f"open({str(marker)!r}, 'w').close()\n")
    monkeypatch.chdir(path.parent)
    path.chmod(0o666)
    assert cli.main(["config"]) == 1
    assert f"chmod go-w {path}" in capsys.readouterr().err
    path.chmod(0o600)
    path.parent.chmod(0o777)
    try:
        assert cli.main(["config"]) == 1
        assert "its folder is writable by others" in capsys.readouterr().err
    finally:
        path.parent.chmod(0o700)
    assert not marker.exists()


def test_a_learners_kernel_never_reads_a_config_file(tmp_path):
    """In a folder holding a pathways_config.py (a learner could write one beside a lesson), does the widgets'
    configuration (what a learner's kernel reads) ignore it and never run it?"""
    marker = tmp_path / "ran"
    _config_file(tmp_path, f"open({str(marker)!r}, 'w').close()\nc.PathwaysConfig.storage = 'memory'\n")
    probe = ("from pathways import config\nfrom pathways.activities import responses\n"
             "print(config.current().storage, responses.FILENAME)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PATHWAYS_")}
    out = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True,
                         check=True).stdout
    assert out.split() == ["disk", "responses.json"] and not marker.exists()


def test_the_readme_documents_every_option():
    """Does README.md's "Configuration" section hold the table generated from the options (so it names every
    variable, its type, default and meaning, and cannot drift from the code)?"""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "## Configuration" in readme
    assert config.markdown_table() in readme.split("## Configuration", 1)[1], "run `pathways config --table`"
