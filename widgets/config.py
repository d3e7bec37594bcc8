"""Every setting of Pathways in one typed object, `PathwaysConfig`, and the one place that reads PATHWAYS_*.

Each option is a trait with its help text and its one default (as nbgrader's `CourseDirectory` and Voila's
`VoilaConfiguration` do); option `name` is set, from the lowest precedence to the highest, by:

1. its default;
2. a config file, `c.PathwaysConfig.<name> = ...` in a `pathways_config.py` (read by the instructor's `pathways`
   command only: grading/settings.py; never in a learner's kernel, which may run in a folder the learner writes);
3. the environment variable `PATHWAYS_<NAME>`;
4. the `pathways` command's flag `--<name>` (dashes for underscores; grading/settings.py makes the flags from
   these traits);
5. `configure()` in this process (a translated lesson's `set_language`).

`current()` is the configuration in force: it is read again whenever one of those changed (tests change variables
between calls); the command's layers (2 and 4) are set only for the time a command runs (`command_line()`). A child
process (nbgrader, Voila, a kernel) gets its settings passed explicitly, as `environment()`: nothing here ever
changes `os.environ`.

Cheap to import: traitlets is already loaded wherever widgets or Jupyter run; nothing else of pathways is used.
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from traitlets import Dict, Enum, Int, TraitError, TraitType, Unicode, default, validate
from traitlets.config import Configurable

PREFIX = "PATHWAYS_"
#: A language code as lessons and translations name them ("es", "pt-BR").
LANG_CODE = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")


class ConfigError(ValueError):
    """A PATHWAYS_* variable (or a configured value) that cannot be used: the message names it and its value."""


@cache
def shipped_lessons() -> Path:
    """The lessons shipped with Pathways: the `pathways.lessons` package data when installed, else the checkout's
    lessons/ folder beside widgets/."""
    try:
        spec = importlib.util.find_spec("pathways.lessons")
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.submodule_search_locations:
        return Path(list(spec.submodule_search_locations)[0])
    return Path(__file__).resolve().parent.parent / "lessons"


class PathwaysConfig(Configurable):
    """The settings of Pathways. A relative folder is relative to the working folder at the time of use (the
    Makefile and the `pathways` command run at the checkout's root, so build/course is the checkout's)."""

    course = Unicode("build/course", help="The instructor's course folder (nbgrader's root: release/, submitted/, "
                     "autograded/, feedback/, gradebook.db).").tag(config=True, kind="folder")
    lessons = Unicode(help="The lessons folder: one folder per lesson (nbgrader's source folder); every command "
                      "that lists lessons reads it.").tag(
                          config=True, kind="folder", shown_default="the shipped lessons")
    lang = Unicode("en", help="The language of the widgets, the support lines and a course's release (a code "
                   "such as es); a translated lesson sets its own.").tag(config=True, kind="language code")
    storage = Enum(["disk", "memory"], "disk", help="Where learners' answers go: disk (responses.json beside the "
                   "notebook) or memory (never written). Kernels started by Voila always keep them in memory.").tag(
                       config=True, kind="disk or memory")
    resources = Unicode(help="A support-lines file replacing the shipped one (else the nearest "
                        "pathways-resources.yaml upwards from the notebook, else the shipped file).").tag(
                            config=True, kind="file", shown_default="none")
    db_url = Unicode(help="The gradebook's SQLAlchemy URL, e.g. postgresql+psycopg2://user@host/db for several "
                     "graders; by default SQLite gradebook.db in the course folder.").tag(
                         config=True, kind="URL", shown_default="sqlite:///COURSE/gradebook.db")
    cell_timeout = Int(60, min=1, help="Seconds a cell may run while grading before it is stopped.").tag(
        config=True, kind="seconds")
    bwrap = Unicode(None, allow_none=True, help="The bubblewrap program that sandboxes grading; by default bwrap "
                    "on PATH; empty or a missing file: no sandbox.").tag(
                        config=True, kind="file", empty=True, shown_default="bwrap on PATH")
    dashboards = Unicode("build/dashboards", help="The dashboards folder: where `pathways dashboards build` "
                         "writes and what `serve` serves.").tag(config=True, kind="folder")
    dashboards_port = Int(8866, min=1, max=65535, help="The port of the dashboards on 127.0.0.1.").tag(
        config=True, kind="port")
    pool_size = Int(2, min=0, help="Preheated Voila kernels per lesson on the dashboards.").tag(
        config=True, kind="count")
    lesson_pools = Dict(value_trait=Int(min=0), help="Preheated kernels for some lessons, "
                        "overriding pool_size, as LESSON=N,LESSON=N (a workshop's lesson of the day).").tag(
                            config=True, kind="LESSON=N,...", shown_default="none")
    lab_port = Int(8888, min=1, max=65535, help="The port of JupyterLab (`pathways lab`) on 127.0.0.1.").tag(
        config=True, kind="port")
    preview_port = Int(8867, min=1, max=65535, help="The port of the author's preview (`pathways preview`) on "
                       "127.0.0.1.").tag(config=True, kind="port")
    workshop_root = Unicode("/srv/pathways-workshop", help="A workshop's folder (`pathways workshop`): its "
                            "private state, the learners' homes and the nbgrader exchange.").tag(
                                config=True, kind="folder")
    workshop_shared = Unicode("/opt/pathways-workshop", help="The shared hub environment of a workshop: the venv "
                              "JupyterHub and every learner's server run, readable by all, outside any checkout.").tag(
                                  config=True, kind="folder")

    # --- evidence of completion (grading/evidence/, issue 27) -----------------------------------------------------
    completion_lessons = Unicode("all", help="The lessons a learner must have handed in (and had graded) for a "
                                 "certificate of completion: all (every lesson the course released) or a number; "
                                 "items skipped for wellbeing count as done.").tag(config=True, kind="all or count")
    completion_post_test = Int(0, min=0, max=100, help="The post-test mark (percent) a certificate of completion also "
                               "needs, from the course's evaluation; 0: none.").tag(config=True, kind="percent")
    provider = Unicode(help="The organisation that teaches the course, named on certificates, the completion record "
                       "and the course sheet.").tag(config=True, kind="text", shown_default="none")

    @validate("completion_lessons")
    def _valid_completion_lessons(self, proposal) -> str:
        value = proposal["value"].strip().lower()
        if value != "all" and not (value.isdigit() and int(value) > 0):
            raise TraitError(f"expected all or a number of lessons above 0, not {proposal['value']!r}")
        return value

    @default("lessons")
    def _lessons_default(self) -> str:
        return str(shipped_lessons())

    @validate("lang")
    def _valid_lang(self, proposal) -> str:
        value = proposal["value"].strip()
        if not LANG_CODE.match(value):
            raise TraitError(f"not a language code: {value!r} (for example 'es')")
        return value

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        #: Where each option that is not at its default came from: a config file's path, "environment", "command
        #: line" or "this process".
        self.sources: dict[str, str] = {name: "this process" for name in kwargs if name in self.option_names()}

    @classmethod
    def option_names(cls) -> list[str]:
        """Every option, in the order defined here (the order of the documentation)."""
        return [name for name, value in vars(cls).items()
                if isinstance(value, TraitType) and value.metadata.get("config")]

    @classmethod
    def variable(cls, name: str) -> str:
        """The environment variable of an option: PATHWAYS_ and its name in capitals."""
        if name not in cls.class_own_traits(config=True):
            raise KeyError(f"no Pathways option {name!r}")
        return PREFIX + name.upper()

    @classmethod
    def flag(cls, name: str) -> str:
        """The `pathways` command's flag of an option: --name, dashes for underscores."""
        cls.variable(name)  # an unknown name is a KeyError
        return "--" + name.replace("_", "-")

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None, files: Iterable[tuple[str, dict]] = (),
                         flags: Mapping[str, str] | None = None, **values) -> PathwaysConfig:
        """The configuration given by config files' values (`files`: (path, {option: value}), later ones winning),
        then the PATHWAYS_* variables of `environ` (default: this process's environment), then the command's
        `flags` ({option: text as typed}), then `values`. A variable set but empty counts as unset (but for
        bwrap: no sandbox)."""
        environ = os.environ if environ is None else environ
        config = cls()
        for path, found in files:
            for name, value in found.items():
                config._set_checked(name, value, f"c.PathwaysConfig.{name} in {path}", " = ")
                config.sources[name] = str(path)
        for name in cls.option_names():
            trait, var = cls.class_traits()[name], cls.variable(name)
            text = environ.get(var)
            if text is None or (text.strip() == "" and not trait.metadata.get("empty")):
                continue
            config._set_checked(name, _parse(var, trait, text))
            config.sources[name] = "environment"
        for name, text in (flags or {}).items():
            label = cls.flag(name)
            config._set_checked(name, _parse(label, cls.class_traits()[name], text, " "), label, " ")
            config.sources[name] = "command line"
        for name, value in values.items():
            config._set_checked(name, value)
            config.sources[name] = "this process"
        return config

    @classmethod
    def checked(cls, **values) -> PathwaysConfig:
        """A configuration with these values, a bad one raising ConfigError that names its variable."""
        config = cls()
        for name, value in values.items():
            config._set_checked(name, value)
        return config

    def _set_checked(self, name: str, value: object, label: str | None = None, sep: str = "=") -> None:
        """Set an option; a bad value raises ConfigError naming where it was given (`label`: its variable unless
        said) and the value."""
        label = label or self.variable(name)
        try:
            setattr(self, name, value)
        except TraitError as exc:
            raise ConfigError(f"{label}{sep}{_shown(value)} cannot be used: {_reason(exc)}. "
                              f"{self.traits()[name].help}") from None

    def environment(self, **changes) -> dict[str, str]:
        """The PATHWAYS_* variables that give a child process this configuration (every option not at its
        default), with `changes` made: what nbgrader, Voila or a kernel started from here must get."""
        out = {}
        for name in self.option_names():
            if name not in changes and name not in self.sources:
                continue
            value = changes[name] if name in changes else getattr(self, name)
            if value is not None:
                out[self.variable(name)] = _text(value)
        return out

    def options(self) -> list[Option]:
        """Every option with its variable, flag, type, default, value in force, where it came from and its help."""
        fresh, traits = type(self)(), self.traits()
        return [Option(name, self.variable(name), self.flag(name), traits[name].metadata["kind"],
                       traits[name].metadata.get("shown_default") or _text(getattr(fresh, name)),
                       _text(getattr(self, name)), self.sources.get(name, "default"), traits[name].help)
                for name in self.option_names()]


@dataclass(frozen=True)
class Option:
    """One option as documented and as in force."""

    name: str
    variable: str
    flag: str
    kind: str
    default: str
    value: str
    source: str
    help: str


def _parse(var: str, trait: TraitType, text: str, sep: str = "=") -> object:
    """The value of one variable (or flag) as typed, for its trait; ConfigError naming the variable (or flag) and
    the value if unusable."""
    text = text.strip()
    try:
        if isinstance(trait, Int):
            return int(text)
        if isinstance(trait, Enum):
            return text.lower()
        if isinstance(trait, Dict):
            return _pairs(text)
    except ValueError:
        raise ConfigError(f"{var}{sep}{text!r} cannot be used: expected {_expected(trait)}. {trait.help}") from None
    return text


def _pairs(text: str) -> dict[str, int]:
    """'a=1, b=2' as {'a': 1, 'b': 2}."""
    out = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(item)
        out[key.strip()] = int(value)
    return out


def _expected(trait: TraitType) -> str:
    return {Int: "a whole number", Dict: "LESSON=N pairs separated by commas"}.get(type(trait), "a value")


def _reason(exc: TraitError) -> str:
    text = str(exc).strip().splitlines()[0]
    return re.sub(r"^(The value of )?[Tt]he '\w+' trait of a PathwaysConfig instance ", "it ", text).rstrip(".")


def _shown(value: object) -> str:
    return repr(_text(value)) if isinstance(value, (str, dict)) else repr(value)


def _text(value: object) -> str:
    """An option's value as its environment variable writes it."""
    if isinstance(value, dict):
        return ",".join(f"{k}={v}" for k, v in value.items())
    return "" if value is None else str(value)


def markdown_table() -> str:
    """Every option as the Markdown table of README.md ("Configuration"): option (config file), flag, variable,
    type, default, meaning."""
    rows = ["| option (`c.PathwaysConfig.…`) | flag | variable | type | default | meaning |",
            "|---|---|---|---|---|---|"]
    prose = {name for name, trait in PathwaysConfig.class_traits().items() if "shown_default" in trait.metadata}
    rows += [f"| `{o.name}` | `{o.flag}` | `{o.variable}` | {o.kind} | "
             f"{o.default if o.name in prose else f'`{o.default}`'} | {o.help} |" for o in PathwaysConfig().options()]
    return "\n".join(rows)


# --- the configuration in force ------------------------------------------------------------------------------

_SET_HERE: dict[str, object] = {}
_CACHE: dict[str, object] = {}
#: The `pathways` command's layers while a command runs: its config files' values and its flags.
_COMMAND: dict[str, object] = {"files": (), "flags": {}}


#: Every variable read, computed once: `current()` runs at every use (each widget string asks for the language).
_VARIABLES = tuple(map(PathwaysConfig.variable, PathwaysConfig.option_names()))


def _key() -> tuple:
    return tuple(map(os.environ.get, _VARIABLES)), repr(sorted(_SET_HERE.items())), repr(_COMMAND)


def current() -> PathwaysConfig:
    """The configuration in force: the environment as it is now, with what `configure()` set in this process
    (read again only when one of those changed, so it is cheap to call at every use)."""
    key = _key()
    if _CACHE.get("key") != key:
        _CACHE.update(key=key, config=PathwaysConfig.from_environment(
            files=_COMMAND["files"], flags=_COMMAND["flags"], **_SET_HERE))  # type: ignore[arg-type]
    return _CACHE["config"]  # type: ignore[return-value]


@contextmanager
def command_line(files: Iterable[tuple[str, dict]] = (), flags: Mapping[str, str] | None = None
                 ) -> Iterator[PathwaysConfig]:
    """The `pathways` command's config files' values and flags in force for the duration of a `with` block (the
    command), checked at once (a bad value raises ConfigError naming its file or flag); then as before."""
    before = dict(_COMMAND)
    _COMMAND.update(files=tuple((str(path), dict(values)) for path, values in files), flags=dict(flags or {}))
    try:
        yield current()
    finally:
        _COMMAND.update(before)


def configure(**values) -> PathwaysConfig:
    """Set options for the rest of this process, over the environment (a translated lesson's language); a bad
    value raises ConfigError and changes nothing. `reset()` forgets them."""
    PathwaysConfig.checked(**values)
    _SET_HERE.update(values)
    return current()


@contextmanager
def using(**values) -> Iterator[PathwaysConfig]:
    """Options set for the duration of a `with` block only (then what was in force before)."""
    before = dict(_SET_HERE)
    configure(**values)
    try:
        yield current()
    finally:
        _SET_HERE.clear()
        _SET_HERE.update(before)


def reset() -> None:
    """Forget what `configure()` set: the environment alone decides again (tests that set a language)."""
    _SET_HERE.clear()
    _CACHE.clear()
