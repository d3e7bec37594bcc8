"""Launch a grading kernel inside a bubblewrap sandbox, locked away from everything but its own submission.

nbgrader starts the kernel that runs a student's notebook; Pathways points it at a kernel spec
whose command is `python -m pathways.grading.sandbox.jail ... -- {connection_file}`. This thin launcher
runs first, as the instructor: it hands the kernel its connection file and home, sets the
resource limits and an empty environment, and then becomes `bwrap` (bubblewrap, Debian package
`bubblewrap`), which starts the ordinary IPython kernel

* in a network namespace of its own with no interface up (no network at all; the kernel talks
  to nbgrader over Unix sockets in its home, which is bound in read-write),
* in a pid namespace of its own (it sees only its own processes; they all die with the kernel),
* on a read-only view of the disk, in which the course folder, the lessons (with their model
  answers) and other private folders are covered by empty, unreadable file systems, and /tmp is
  a fresh, small one,
* as an unprivileged user id of its own (switched by setpriv(1): bubblewrap's --uid needs a user
  namespace), with no capabilities and no way to gain any,
* with memory, file size, core dumps and processes capped.

A Python or a checkout that sits in a folder other users cannot enter (a Python under /root, a
clone in `mktemp -d`, a private home) is made reachable inside the sandbox and nothing else of
that folder: the private folder is covered by a fresh file system into which only the paths the
kernel needs are bound (`needed_paths`).

`pathways.grading.sandbox.probe` really starts a sandbox and checks each property from inside;
`pathways.grading.sandbox.parallel` decides once per run what is available and says so when it is less than
everything.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
from pathlib import Path

from pathways import config

#: Environment variables a kernel may keep; everything else (gradebook URL, course paths) is dropped.
#: PYTHONPATH stays so the kernel imports the same `pathways` as the grader.
KEEP_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "NBGRADER_EXECUTION", "PYTHONHASHSEED",
            "PYDEVD_DISABLE_FILE_VALIDATION", "PYTHONPATH")
GIB = 1 << 30
#: The limits a kernel runs under: a runaway allocation fails, not the machine; no file over 64 MB.
LIMITS = {"RLIMIT_AS": 4 * GIB, "RLIMIT_FSIZE": 64 << 20, "RLIMIT_CORE": 0}
NPROC = 256  # processes of the kernel's own user id (only set when it has one)
TMP_SIZE = 256 << 20  # the kernel's private /tmp
#: Set by an instructor (or a test) to use another bubblewrap, or none ("" or a missing path): pathways.config.
BWRAP_ENV = config.PathwaysConfig.variable("bwrap")


# --- finding bubblewrap ------------------------------------------------------------------------------

def find_bwrap() -> str | None:
    """The bubblewrap program to use: the configured one if set (may name a missing one), else bwrap on PATH."""
    path = config.current().bwrap
    if path is not None:
        return path if path and os.path.isfile(path) and os.access(path, os.X_OK) else None
    return shutil.which("bwrap")


def bwrap_version(bwrap: str) -> tuple[int, ...]:
    """bubblewrap's version, e.g. (0, 8, 0); (0,) if it cannot tell."""
    try:
        out = subprocess.run([bwrap, "--version"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return (0,)
    found = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", out)
    return tuple(int(x or 0) for x in found.groups()) if found else (0,)


# --- what the kernel needs to see -------------------------------------------------------------------

def needed_paths() -> list[str]:
    """Folders the kernel must be able to read: its Python (venv and base), sys.path, the pathways source."""
    import pathways
    import pathways.grading

    paths = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
             os.path.dirname(os.path.realpath(sys.executable)),
             os.path.dirname(os.path.abspath(pathways.__file__)),
             os.path.dirname(os.path.abspath(pathways.grading.__file__))]
    cwd = os.getcwd()
    paths += [p for p in sys.path if p and os.path.abspath(p) != cwd]
    out = []
    for path in paths:
        path = os.path.abspath(path)
        if os.path.isdir(path) and path not in out:
            out.append(path)
    return out


def _reachable(st: os.stat_result, uid: int | None, bits: int) -> bool:
    if uid is not None and st.st_uid == uid:
        return bool(st.st_mode & (bits << 6))
    if uid is not None and st.st_gid == uid:
        return bool(st.st_mode & (bits << 3))
    return bool(st.st_mode & bits)


def private_ancestor(path: str, uid: int | None) -> str | None:
    """The outermost folder above `path` that `uid` (or any other user) cannot enter, if there is one."""
    parts = Path(path).parts
    for i in range(2, len(parts)):
        prefix = os.path.join(*parts[:i])
        try:
            st = os.stat(prefix)
        except OSError:
            return None
        if not _reachable(st, uid, 0o1):
            return prefix
    return None


def _under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _covers(uid: int | None, wanted: list[str], needed: list[str]) -> tuple[dict[str, str], set[str]]:
    """The folders to cover with a fresh file system (folder -> its mode), and the needed folders the kernel user
    could not read (covered too; only what the kernel needs is bound back into them)."""
    covers = {"/tmp": "1777"}  # the kernel's own /tmp, and the host's (other users' files, the course) gone
    closed = set()
    if uid is None:
        return covers, closed
    for path in wanted:  # another user needs a way through the instructor's private folders
        for form in (path, os.path.realpath(path)):
            top = private_ancestor(form, uid)
            if top:
                covers.setdefault(top, "0755")
            if path not in needed:
                continue
            try:
                readable = _reachable(os.stat(form), uid, 0o5)
            except OSError:
                continue
            if not readable:
                closed.add(form)
                covers.setdefault(form, "0755")
    return covers, closed


def mounts(uid: int | None, hide: list[str], home: str | None, cwd: str, needed: list[str],
           version: tuple[int, ...] = (0, 8, 0), files: list[str] = ()) -> list[str]:
    """bwrap's file-system arguments: the disk read-only, private folders covered, needs bound, hidden hidden.

    Order matters: first fresh file systems over /tmp and over every private folder on the way to
    something the kernel needs, then the folders it needs bound back in (their parents made
    enterable), and last the hidden folders, so a hidden folder stays hidden even inside a bound one.
    """
    perms = version >= (0, 5)  # --perms before --tmpfs/--dir
    size = version >= (0, 8)
    args = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]

    wanted = [(p, False) for p in [*needed, *files, cwd] if p] + ([(home, True)] if home else [])
    covers, closed = _covers(uid, [path for path, _ in wanted], needed)
    tops = sorted(c for c in covers if not any(o != c and _under(c, o) for o in covers))

    binds: dict[str, tuple[str, bool]] = {}  # dest -> (source, writable)
    for path, writable in wanted:
        for form in dict.fromkeys((path, os.path.realpath(path))):
            if any(_under(form, t) for t in tops) and os.path.exists(form) and form not in closed:
                src = os.path.realpath(path)
                if form not in binds or writable:
                    binds[form] = (src, writable)
    # A read-only folder inside another read-only one is already there.
    dests = sorted(binds, key=lambda d: (d.count("/"), d))
    dests = [d for d in dests if binds[d][1] or not any(o != d and not binds[o][1] and _under(d, o) for o in dests)]

    for top in sorted(tops, key=lambda d: d.count("/")):
        if perms:
            args += ["--perms", covers[top]]
        if size and top == "/tmp":
            args += ["--size", str(TMP_SIZE)]
        args += ["--tmpfs", top]
    made = set(tops)
    for dest in dests:
        top = next(t for t in tops if _under(dest, t))
        parts = Path(dest).parts
        for i in range(len(Path(top).parts) + 1, len(parts)):
            folder = os.path.join(*parts[:i])
            if folder not in made and not any(_under(folder, d) for d in dests if d != dest):
                made.add(folder)
                args += (["--perms", "0755"] if perms else []) + ["--dir", folder]
        src, writable = binds[dest]
        args += ["--bind" if writable else "--ro-bind", src, dest]
    for path in hide:
        args += (["--perms", "0000"] if perms else []) + ["--tmpfs", path]
    return args


def command(bwrap: str, uid: int | None, hide: list[str], home: str | None, cwd: str, argv: list[str],
            version: tuple[int, ...] = (0, 8, 0), needed: list[str] | None = None, files: list[str] = ()) -> list[str]:
    """The whole command that runs argv in the sandbox (files: single files it must read, e.g. its connection file)."""
    needed = needed_paths() if needed is None else needed
    hide = [h for h in hide if not any(_under(n, h) for n in needed)]  # never cover the kernel's own Python
    cmd = [bwrap, "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--hostname", "grading",
           "--die-with-parent", "--new-session", "--cap-drop", "ALL"]
    if uid is not None:  # just what setpriv needs to switch user and drop the rest for good
        cmd += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_SETPCAP"]
    cmd += mounts(uid, hide, home, cwd, needed, version, [os.path.abspath(f) for f in files])
    cmd += ["--chdir", cwd, "--"]
    return cmd + as_user(uid, argv)


def as_user(uid: int | None, argv: list[str]) -> list[str]:
    """argv run as the jail user, with no capabilities and no way to gain one (no setuid programs)."""
    if uid is None:
        return argv
    return ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all",
            "--bounding-set=-all", "--no-new-privs", "--", *argv]


def clean_env(home: str | None) -> dict[str, str]:
    """The environment a kernel gets: only harmless variables, and a private home."""
    env = {k: v for k, v in os.environ.items() if k in KEEP_ENV or k.startswith("JPY_")}
    if home:
        env.update(HOME=home, IPYTHONDIR=os.path.join(home, ".ipython"), MPLCONFIGDIR=os.path.join(home, ".mpl"),
                   XDG_CACHE_HOME=os.path.join(home, ".cache"), JUPYTER_RUNTIME_DIR=home)
    env.update(config.PathwaysConfig().environment(storage="disk"))  # read responses.json as a notebook would
    return env


def set_limits(uid: int | None) -> None:
    """Cap memory, file size and core dumps (and processes, for a user id of the kernel's own)."""
    for name, value in LIMITS.items():
        resource.setrlimit(getattr(resource, name), (value, value))
    if uid is not None:
        resource.setrlimit(resource.RLIMIT_NPROC, (NPROC, NPROC))


def hand_over(uid: int, home: str | None, connection_file: str | None) -> None:
    """Give the kernel user its home and connection file; let it read, not change, its working folder.

    nbgrader writes the graded notebook into that folder afterwards, as the instructor, and must
    not find a planted link; no other jail user (another student graded at the same moment) may
    even read it.
    """
    cwd = os.getcwd()
    os.chown(cwd, 0, uid)
    os.chmod(cwd, 0o750)
    if home:
        os.chown(home, uid, uid)
        os.chmod(home, 0o700)
    if connection_file:
        os.chown(connection_file, uid, uid)


def expected_python() -> list[str]:
    """What must be the same inside the sandbox as in this launcher: the Python and the pathways package."""
    import pathways

    return [sys.prefix, sys.version, os.path.dirname(os.path.abspath(pathways.__file__))]


# --- the launcher ---------------------------------------------------------------------------------

def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m pathways.grading.sandbox.jail")
    p.add_argument("--bwrap", default=None, help="the bubblewrap program (none: no sandbox)")
    p.add_argument("--bwrap-version", default="0.8.0")
    p.add_argument("--uid", type=int, default=None)
    p.add_argument("--hide", action="append", default=[], help="a folder the kernel must not see")
    p.add_argument("--home", default=None)
    p.add_argument("--probe", action="store_true", help="check the isolation instead of starting a kernel")
    p.add_argument("--port", type=int, default=9, help="(probe) a port on the host's 127.0.0.1 to try")
    p.add_argument("connection_file", nargs="?")
    args, extra = p.parse_known_args(argv)
    args.extra = extra  # kernel options nbgrader adds (e.g. --HistoryManager.hist_file=:memory:)
    return args


def main(argv: list[str] | None = None) -> None:
    """Prepare, then become bubblewrap running an IPython kernel (or, with --probe, the probe's inside half)."""
    args = _parse(argv)
    if args.uid is not None:
        hand_over(args.uid, args.home, args.connection_file)
    set_limits(args.uid)
    env = clean_env(args.home)
    if args.probe:
        inner = [sys.executable, "-m", "pathways.grading.sandbox.probe", "--port", str(args.port),
                 *[f"--hide={p}" for p in args.hide], *(["--uid", str(args.uid)] if args.uid is not None else []),
                 *(["--home", args.home] if args.home else []), *[f"--expect={x}" for x in expected_python()]]
    else:
        inner = [sys.executable, "-m", "ipykernel_launcher", "-f", args.connection_file,
                 *[a for a in args.extra if a.startswith("--") and "=" in a]]
    if args.bwrap:
        # In its own pid namespace the kernel's parent is the namespace's init, pid 1, which ipykernel would
        # take for "my parent has exited"; told so, it does not watch (the sandbox dies with its parent anyway).
        env["JPY_PARENT_PID"] = "1"
        version = tuple(int(x) for x in args.bwrap_version.split(".") if x.isdigit())
        cmd = command(args.bwrap, args.uid, args.hide, args.home, os.getcwd(), inner, version,
                      files=[args.connection_file] if args.connection_file else [])
    else:
        cmd = inner  # no sandbox at all: decided (and announced) by pathways.grading.sandbox.parallel
    os.execvpe(cmd[0], cmd, env)


if __name__ == "__main__":
    main()
