"""The formgrader, served apart from everything learners can touch.

Learners' pages are served on the hub's origin, and a learner can make her server serve a page of hers there. So the
formgrader is not a hub service: `workshop start` runs nbgrader's formgrader as a plain `jupyter server` on the
machine's loopback, on a port of its own, at the host name `localhost` (the hub's address is always an IP address,
so no cookie of the hub's origin is ever sent to it, nor any of its cookies to the hub), with a random token. The
instructor opens it at the machine, or through an SSH tunnel (`ssh -L 8100:127.0.0.1:PORT machine`). Per-user
subdomains would also separate the origins, but need a DNS name per learner and a wildcard certificate, which a
room rarely has.

It runs as the workshop's grader account (`<prefix>grader`: no login shell, not in the learners' group), which owns
the course folder while the workshop runs (root's commands, `pathways collect`, `grade`, `feedback`, work as
before; `stop` gives the folder back to its owner), with only nbgrader's formgrader extension and the guard
(pathways.grading.instructor.formgrader_guard: no kernels, terminals, contents writes or code-running buttons; learner
HTML sanitized and a Content-Security-Policy without inline script of theirs).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from ...instructor.formgrader import enabled_extensions, server_args
from .common import GRADER_COMMENT, NOLOGIN, Layout, WorkshopError, mkdir, run
from .record import GraderAccount, Lent, WorkshopRecord, save_record

#: The grader account's name after the prefix, and its comment (how `stop` knows it made it).
GRADER = "grader"
#: The host name the formgrader is opened at (it listens on 127.0.0.1 only).
HOST = "localhost"


def create_grader(name: str, uid: int, home: Path) -> GraderAccount:
    """The grader account: own group only, no login shell, locked password, a private home."""
    run(["useradd", "--uid", str(uid), "--user-group", "--no-create-home", "--home-dir", str(home),
         "--shell", NOLOGIN, "--comment", GRADER_COMMENT, name])
    acct = pwd.getpwnam(name)
    mkdir(home, 0o700, acct.pw_uid, acct.pw_gid)
    return GraderAccount(uid=acct.pw_uid, gid=acct.pw_gid, home=str(home), user=name)


def setup_grader(layout: Layout, record: WorkshopRecord, uids: tuple[int, int]) -> None:
    """The grader account (kept from an earlier workshop, or made) and the course folder lent to it."""
    from .accounts import _account, _free_uid, _uids_in_use

    name = record.prefix + GRADER
    acct = _account(name)
    if acct is not None and acct.pw_gecos != GRADER_COMMENT:
        raise WorkshopError(f"account {name} exists and is not a workshop's grader: choose another --prefix")
    if acct is None:
        record.grader = create_grader(name, _free_uid(uids, _uids_in_use()), layout.root / GRADER)
    else:
        record.grader = GraderAccount(uid=acct.pw_uid, gid=acct.pw_gid, home=acct.pw_dir, user=name)
    save_record(layout, record)
    if not record.lent:
        record.lent = lend_course(Path(record.course), record.grader)
        save_record(layout, record)


def instructor_settings(course: str) -> dict[str, str]:
    """The formgrader's PATHWAYS_* variables: the instructor's, on this workshop's course."""
    from pathways import config

    settings = config.current()
    return {**settings.environment(), settings.variable("course"): course}


def lend_course(course: Path, grader: GraderAccount) -> Lent:
    """Give the course folder to the grader account (its previous owner recorded, to give it back at stop) and let
    the grader through every folder above it (an ACL entry `u:grader:--x` where others may not pass)."""
    st = course.stat()
    lent = Lent(course=str(course), uid=st.st_uid, gid=st.st_gid)
    for parent in reversed(course.parents):
        if not parent.stat().st_mode & 0o001:
            plain = not run(["getfacl", "--skip-base", "-p", str(parent)]).stdout.strip()
            run(["setfacl", "-m", f"u:{grader.uid}:--x", str(parent)])
            lent.passage.append((str(parent), plain))
    _chown_tree(course, grader.uid, grader.gid, only_uid=None)
    return lent


def give_course_back(lent: Lent, grader_uid: int) -> list[str]:
    """Undo lend_course: what the grader owns in the course goes back to the course's owner, and the passage ACLs
    go; the problems, if any (each said)."""
    problems = []
    course = Path(lent.course)
    if course.exists():
        try:
            _chown_tree(course, lent.uid, lent.gid, only_uid=grader_uid)
        except OSError as exc:
            problems.append(f"the course folder {course} could not be given back to uid {lent.uid}: {exc}")
    for path, plain in lent.passage:
        # a folder that had no ACL before gets none again (removing the entry alone leaves a mask behind)
        proc = subprocess.run(["setfacl", "-b" if plain else "-x", *([] if plain else [f"u:{grader_uid}"]), path],
                              capture_output=True, text=True, stdin=subprocess.DEVNULL)
        if proc.returncode != 0 and Path(path).exists():
            problems.append(f"the ACL entry for uid {grader_uid} on {path} could not be removed: {proc.stderr.strip()}")
    return problems


def _chown_tree(top: Path, uid: int, gid: int, only_uid: int | None) -> None:
    for folder, dirs, files in os.walk(top):
        for name in [None, *dirs, *files]:
            path = os.path.join(folder, name) if name else folder
            st = os.lstat(path)
            if only_uid is None or st.st_uid == only_uid:
                os.lchown(path, uid, gid)


def command(env: dict, port: int, token: str, course: str) -> list[str]:
    """The formgrader's command line: a Jupyter server with the formgrader and the guard only."""
    enabled = enabled_extensions([str(Path(env["bin"]).parent / "etc" / "jupyter")])  # the hub environment's
    return [str(Path(env["bin"]) / "jupyter-server"), "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0", "--ServerApp.open_browser=False", f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={course}", f"--ServerApp.local_hostnames={HOST}", *server_args(enabled)]


def start_formgrader(layout: Layout, record: WorkshopRecord, env: dict, port: int, settings: dict[str, str]) -> str:
    """Start the formgrader as the grader account; wait until it answers; its address (with the token)."""
    grader = record.grader
    config_dir = str(Path(env["lessons"]).parent / "grading" / "instructor")  # nbgrader_config.py, installed
    token = secrets.token_urlsafe(32)
    home = Path(grader.home)
    environ = {"PATH": f"{env['bin']}:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
               "JUPYTER_CONFIG_PATH": config_dir, "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
               "JUPYTER_DATA_DIR": str(home / "data"), "IPYTHONDIR": str(home / "ipython"), **settings}
    log_path = layout.state / "formgrader.log"
    with open(log_path, "ab") as out:
        proc = subprocess.Popen(command(env, port, token, record.course), cwd=record.course, env=environ,
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                user=grader.uid, group=grader.gid, extra_groups=[], umask=0o077,
                                start_new_session=True)
    record.formgrader_pid = proc.pid
    url = f"http://{HOST}:{port}/formgrader"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2) as resp:
                if resp.status == 200:
                    return f"{url}?token={token}"
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    tail = log_path.read_text(errors="replace")[-2000:] if log_path.exists() else ""
    raise WorkshopError(f"the formgrader did not come up on 127.0.0.1:{port}. Its log ends:\n{tail}")


def stop_formgrader(record: WorkshopRecord) -> None:
    """Stop the formgrader (its whole session): SIGTERM, then SIGKILL after 10 s."""
    pid = record.formgrader_pid
    if not pid:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            os.killpg(pid, 0)
            time.sleep(0.1)
        os.killpg(pid, signal.SIGKILL)
    record.formgrader_pid = None


def remove_grader(layout: Layout, record: WorkshopRecord, traces: bool = True) -> list[str]:
    """Stop the formgrader, give the course folder back and remove the grader account (what its uid left outside
    its home too, unless `traces` is False: the caller does); the problems."""
    from .accounts import remove_account

    stop_formgrader(record)
    grader = record.grader
    if not grader:
        return []
    problems = give_course_back(record.lent, grader.uid) if record.lent else []
    if not problems:
        record.lent = None
    mine = remove_account(grader.user, grader.home, traces=traces)
    if not mine:
        record.grader = None
    save_record(layout, record)
    return problems + mine
