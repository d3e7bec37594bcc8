"""The `pathways` command's own ways to set an option, both made from pathways.config's options (declared once,
there): config files and command-line flags. Precedence, lowest first: default < config file < environment
(PATHWAYS_*) < flag (README, "Configuration").

**Config files**, as nbgrader, Voila and JupyterHub read theirs: Python run by traitlets' loader, setting
`c.PathwaysConfig.<option>`:

    c = get_config()  # noqa (optional: traitlets provides `c`)
    c.PathwaysConfig.course = "/srv/courses/spring"
    c.PathwaysConfig.cell_timeout = 90

read from `pathways_config.py` in the working folder, then the course folder's own `pathways_config.py` (it cannot
move the course), then `--config FILE`; a later file wins over an earlier one. A config file is Python run with
your rights, so it is read only when it belongs to you (or root) and no one else can change it or replace it in
its folder. Only this command, run by the instructor, reads config files: a learner's kernel (the widgets) never
does, as it may run in a folder the learner can write (and pathways.grading, which holds this module, is never
imported there: the import contract "no-grading").

**Flags**: every option is `--<option>` (dashes for underscores) on every command, before or after its name
(`pathways --course X grade`, `pathways grade --course X`); a command may give an option a shorter name of its own
(`alias`: `pathways grade --timeout 90` is `--cell-timeout 90`).
"""

from __future__ import annotations

import argparse
import os
import stat
from pathlib import Path

from pathways.config import ConfigError, Option, PathwaysConfig
from traitlets import Dict

#: The config file's name, in the working folder or the course folder.
FILE_NAME = "pathways_config.py"
_DEST = "option:{}"


def _help(name: str) -> str:
    return PathwaysConfig.class_traits()[name].help.replace("%", "%%")  # argparse formats help with %


def _metavar(name: str) -> str:
    return PathwaysConfig.class_traits()[name].metadata["kind"].upper().replace(" OR ", "|").replace(" ", "-")


def _repeated(name: str) -> bool:
    """True for an option of LESSON=N pairs: its flag may be given again, each time adding pairs."""
    return isinstance(PathwaysConfig.class_traits()[name], Dict)


def alias(parser: argparse.ArgumentParser, name: str, *flags: str) -> None:
    """Give option `name` another flag on one command (e.g. `--timeout` for cell_timeout); its help and type are
    the option's."""
    repeat = _repeated(name)
    parser.add_argument(*flags, dest=_DEST.format(name), default=argparse.SUPPRESS, metavar=_metavar(name),
                        action="append" if repeat else "store",
                        help=f"{_help(name)} (the same as {PathwaysConfig.flag(name)})")


def _subparsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    return [child for action in parser._actions if isinstance(action, argparse._SubParsersAction)
            for child in dict.fromkeys(action.choices.values())]


def add_flags(parser: argparse.ArgumentParser) -> None:
    """Add --config and every option's flag to `parser` and to every command under it (a flag a command already
    has, as its alias, is left to it). Flags are matched whole, never by a prefix: with every option on every
    command, argparse would read a command's own `--lesson` as an ambiguous prefix of `--lessons` and
    `--lesson-pools` (it matches prefixes against the top-level parser before the command's)."""
    parser.allow_abbrev = False
    taken = set(parser._option_string_actions)
    group = parser.add_argument_group("settings (also PATHWAYS_* variables or pathways_config.py; `pathways config` "
                                      "shows each in force and where it came from)")
    if "--config" not in taken:
        group.add_argument("--config", metavar="FILE", dest=_DEST.format(":file"), default=argparse.SUPPRESS,
                           help=f"a config file, read after {FILE_NAME} in the working and the course folder")
    for name in PathwaysConfig.option_names():
        flag = PathwaysConfig.flag(name)
        if flag not in taken:
            repeat = _repeated(name)
            group.add_argument(flag, dest=_DEST.format(name), default=argparse.SUPPRESS, metavar=_metavar(name),
                               action="append" if repeat else "store", help=_help(name))
    for child in _subparsers(parser):
        add_flags(child)


def given(args: argparse.Namespace) -> dict[str, str]:
    """The options set by flags, as typed ({option: text}; a repeated LESSON=N flag joined with commas)."""
    out = {}
    for name in PathwaysConfig.option_names():
        value = getattr(args, _DEST.format(name), None)
        if value is not None:
            out[name] = ",".join(value) if isinstance(value, list) else value
    return out


def _check_trusted(path: Path) -> None:
    """Refuse a config file someone else could have written (it is run as Python with this user's rights)."""
    st, folder = path.stat(), path.parent.stat()
    if st.st_uid not in (os.geteuid(), 0):
        raise ConfigError(f"{path} belongs to another user (uid {st.st_uid}): not read, as it would run with your "
                          "rights. Copy what you need into a file of your own.")
    if st.st_mode & 0o022:
        raise ConfigError(f"{path} can be changed by other users: not read (chmod go-w {path})")
    if folder.st_mode & 0o022 and not folder.st_mode & stat.S_ISVTX:
        raise ConfigError(f"{path} could be replaced by another user (its folder is writable by others): not read")


def read_file(path: str | Path) -> dict[str, object]:
    """The options a config file sets ({option: value}); ConfigError naming the file for one it cannot be."""
    from traitlets.config.loader import ConfigFileNotFound, PyFileConfigLoader

    path = Path(path).resolve()
    _check_trusted(path)
    try:
        loaded = PyFileConfigLoader(path.name, path=str(path.parent)).load_config()
    except ConfigFileNotFound:
        raise ConfigError(f"{path}: no such config file") from None
    except Exception as exc:  # noqa: BLE001 - the file is the instructor's Python: say where it failed
        raise ConfigError(f"{path} could not be read: {exc.__class__.__name__}: {exc}") from None
    others = sorted(set(loaded) - {"PathwaysConfig"})
    values = dict(loaded.get("PathwaysConfig", {}))
    unknown = sorted(set(values) - set(PathwaysConfig.option_names()))
    if others or unknown:
        what = [f"c.{name}" for name in others] + [f"c.PathwaysConfig.{name}" for name in unknown]
        raise ConfigError(f"{path} sets {', '.join(what)}, which Pathways does not have (its options: "
                          f"{', '.join(PathwaysConfig.option_names())}); nothing was done")
    return values


def config_files(args: argparse.Namespace, cwd: Path | None = None) -> list[tuple[str, dict]]:
    """Every config file this command reads, lowest precedence first, with its options: the working folder's, the
    course folder's (the course in force given the others, the environment and the flags), then --config."""
    here = (cwd or Path.cwd()) / FILE_NAME
    first = [(str(here.resolve()), read_file(here))] if here.is_file() else []
    explicit = getattr(args, _DEST.format(":file"), None)
    if explicit is not None and not Path(explicit).is_file():
        raise ConfigError(f"--config {explicit}: no such file")
    last = [(str(Path(explicit).resolve()), read_file(explicit))] if explicit else []
    course = Path(PathwaysConfig.from_environment(files=first + last, flags=given(args)).course).resolve()
    theirs = course / FILE_NAME
    middle = []
    if theirs.is_file() and str(theirs.resolve()) not in {path for path, _ in first + last}:
        middle = [(str(theirs.resolve()), read_file(theirs))]
        if "course" in middle[0][1]:
            raise ConfigError(f"{theirs} sets the course folder, but it is that course folder's own file: set it in "
                              f"the working folder's {FILE_NAME}, with --config, PATHWAYS_COURSE or --course")
    return first + middle + last


def _source(option: Option) -> str:
    """Where an option's value came from, in words."""
    if option.source == "default":
        return f"default; set it with c.PathwaysConfig.{option.name}, {option.variable} or {option.flag}"
    return {"environment": f"environment {option.variable}", "command line": f"command line {option.flag}",
            "this process": "this process"}.get(option.source, f"config file {option.source}")


def describe(settings: PathwaysConfig) -> list[str]:
    """`pathways config`: which config files set options, then every option's value, where it came from and its
    meaning."""
    options = settings.options()
    files = sorted({o.source for o in options} - {"default", "environment", "command line", "this process"})
    head = (f"Config files setting options: {', '.join(files)}" if files else
            f"No config file sets an option ({FILE_NAME} in the working folder or the course folder, or --config).")
    return [head] + [f"{o.name} = {o.value or '(none)'}  ({_source(o)})\n    {o.help}" for o in options]
