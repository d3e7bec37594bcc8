"""`pathways workshop start | stop | return | status | prepare`: the workshop's part of the one command line.

Assembled into `pathways` by grading/cli.py (as the author's commands are from grading/authoring/cli.py); like
that module, this one prints: the library functions it calls report through the `log` they are given."""

from __future__ import annotations

import argparse
from pathlib import Path

from pathways import config

from ... import processes, settings
from .common import DEFAULT_PREFIX, DEFAULT_UIDS, WorkshopError
from .environment import ensure_environment, environment_status, missing_tools
from .exchange import return_feedback
from .hub import StartOptions, start, stop
from .limits import Limits
from .record import load_record


def _uid_range(text: str) -> tuple[int, int]:
    lo, _, hi = text.partition("-")
    lo_i, hi_i = int(lo), int(hi)
    if not 1000 <= lo_i < hi_i < 60000:
        raise argparse.ArgumentTypeError("a range like 47000-47999, within 1000-59999")
    return lo_i, hi_i


def _cmd_start(a) -> int:
    opts = StartOptions(class_list=Path(a.class_list), course=config.current().course, address=a.address,
                        port=a.port, root=_root(), shared=_shared(), prefix=a.prefix, uids=a.uids, cert=a.cert,
                        key=a.key, idle_timeout=a.idle_timeout, spawn_limit=a.spawn_limit,
                        release=not a.no_release, ready_timeout=a.ready_timeout,
                        limits=None if a.no_limits else Limits(memory_mb=a.memory, processes=a.processes,
                                                               disk_mb=a.disk))
    start(opts, log=print)
    print("Next: hand out the slips; `pathways collect` any time; `pathways workshop stop` at the end.")
    return 0


def _cmd_stop(a) -> int:
    stop(_root(), keep=a.keep, log=print)
    return 0


def _cmd_return(a) -> int:
    for line in return_feedback(_root()):
        print(line)
    return 0


def _cmd_status(a) -> int:
    record = load_record(_root())
    if record is None:
        print(f"No workshop under {_root()}.")
        return 1
    running = processes.alive(record.hub_pid)
    print(f"{'Running' if running else 'Stopped'}: {record.url} - {len(record.learners)} learner "
          f"account(s), course {record.course}")
    if record.sheet:
        print(f"Sign-in sheet: {record.sheet}")
    return 0 if running else 1


def _cmd_prepare(a) -> int:
    """Build the shared hub environment, or with --if-possible say why not and succeed (make test on a machine
    that cannot run a workshop: its test skips)."""
    why = missing_tools()
    if why and a.if_possible:
        print(f"Shared hub environment not built: {why} (the workshop test will be skipped)")
        return 0
    if why:
        raise WorkshopError(why)
    todo = environment_status(_shared())
    ensure_environment(_shared(), log=print)
    print(f"Shared hub environment in {_shared()}: " + ("built (" + ", ".join(todo) + ")" if todo else "up to date"))
    if a.stamp:
        Path(a.stamp).touch()
    return 0


def _root() -> Path:
    return Path(config.current().workshop_root)


def _shared() -> Path:
    return Path(config.current().workshop_shared)


def _root_arg(q) -> None:
    settings.alias(q, "workshop_root", "--root")


def _shared_arg(q) -> None:
    settings.alias(q, "workshop_shared", "--shared")


def _add_start(wsub) -> None:
    q = wsub.add_parser("start", help="create the learners' accounts and start JupyterHub",
                        description="Create one account per learner on the class list, give each their own copy of "
                        "the lessons, and start JupyterHub. Prints where the sign-in sheet is.")
    q.add_argument("--class-list", required=True, help="the class list CSV (see GRADING.md, 'How learners are "
                   "identified')")
    q.add_argument("--address", default="127.0.0.1", help="address to listen on (default 127.0.0.1; any other is "
                   "HTTPS only)")
    q.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    q.add_argument("--cert", help="TLS certificate (PEM) for --address; default: a self-signed one")
    q.add_argument("--key", help="TLS key (PEM) of --cert")
    _root_arg(q)
    _shared_arg(q)
    q.add_argument("--prefix", default=DEFAULT_PREFIX, help=f"account name prefix (default {DEFAULT_PREFIX})")
    q.add_argument("--uids", type=_uid_range, default=DEFAULT_UIDS,
                   help=f"reserved uid range (default {DEFAULT_UIDS[0]}-{DEFAULT_UIDS[1]})")
    q.add_argument("--idle-timeout", type=int, default=3600, help="stop a server idle this many seconds (3600)")
    q.add_argument("--spawn-limit", type=int, default=10, help="servers starting at once at most (10)")
    q.add_argument("--ready-timeout", type=float, default=120, help="seconds JupyterHub may take to answer (120)")
    q.add_argument("--no-release", action="store_true", help="use the lessons already released in the course")
    q.add_argument("--memory", type=int, default=Limits.memory_mb, help="memory per learner, MB, her server and "
                   f"kernels together ({Limits.memory_mb})")
    q.add_argument("--processes", type=int, default=Limits.processes, help="processes and threads per learner "
                   f"({Limits.processes})")
    q.add_argument("--disk", type=int, default=Limits.disk_mb, help="disk per learner, MB, home and temporary files "
                   f"({Limits.disk_mb})")
    q.add_argument("--no-limits", action="store_true", help="start even where per-learner limits cannot be enforced "
                   "(one learner could then take the whole machine)")
    q.set_defaults(func=_cmd_start)


def _add_others(wsub) -> None:
    q = wsub.add_parser("stop", help="collect and archive every hand-in, then remove accounts, homes, exchange",
                        description="Collect every hand-in into the course and archive the raw exchange there, stop "
                        "JupyterHub and every learner process, then remove accounts, homes and the exchange.")
    _root_arg(q)
    q.add_argument("--keep", action="store_true", help="keep accounts, homes and exchange (passphrases still stop "
                   "working)")
    q.set_defaults(func=_cmd_stop)

    q = wsub.add_parser("return", help="return feedback to each learner through the exchange",
                        description="After `pathways feedback`: give each learner the feedback on the hand-in that "
                        "was graded, in a folder only they can read (they fetch it in the Assignments tab).")
    _root_arg(q)
    q.set_defaults(func=_cmd_return)

    q = wsub.add_parser("status", help="is a workshop running, and where")
    _root_arg(q)
    q.set_defaults(func=_cmd_status)

    q = wsub.add_parser("prepare", help="build the shared hub environment now (make does this before tests)",
                        description="Build or update the shared hub environment (a few minutes the first time).")
    _shared_arg(q)
    q.add_argument("--if-possible", action="store_true", help="if not root or a tool is missing, say so and succeed")
    q.add_argument("--stamp", help="a file to touch once the environment is up to date (make's stamp)")
    q.set_defaults(func=_cmd_prepare)


def workshop_commands(sub: argparse._SubParsersAction) -> None:
    """Add `pathways workshop` to the `pathways` parser."""
    p = sub.add_parser("workshop", help="run a class on one machine: JupyterHub, learner accounts, the exchange",
                       description="Run a workshop on this machine (as root): an account and a JupyterLab per "
                       "learner behind JupyterHub, handing in through nbgrader's exchange. See README, 'Running a "
                       "workshop'.")
    wsub = p.add_subparsers(dest="workshop_command", metavar="ACTION")
    _add_start(wsub)
    _add_others(wsub)
    p.set_defaults(func=lambda a: p.print_help() or 2)

