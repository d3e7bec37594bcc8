"""Launch a grading kernel locked away from everything but its own submission.

nbgrader starts the kernel that runs a student's notebook; Pathways points it at a kernel spec
whose command is `python -m pathways.grading.jail ... -- {connection_file}`. This launcher runs
first, as the instructor, and then, as far as the machine allows:

* gives the kernel a network namespace of its own with no interfaces up (no network at all;
  the kernel talks to nbgrader over Unix sockets, which still work),
* gives it a mount namespace in which the course folder, the lessons (with their model answers)
  and other private folders are covered by empty, unreadable file systems,
* drops to an unprivileged user id of its own (so it cannot write anything of the instructor's,
  nor read another student's sandbox),
* caps memory, file size and processes, and empties the environment (no gradebook URL, no paths),

and finally becomes the ordinary IPython kernel. What was not possible is decided beforehand by
`probe()`, so a machine without these features still grades, with a logged warning.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import resource
import socket
import subprocess
import sys

CLONE_NEWNS = 0x00020000
CLONE_NEWNET = 0x40000000
MS_REC = 0x4000
MS_PRIVATE = 1 << 18
MS_NOSUID, MS_NODEV, MS_NOEXEC = 2, 4, 8

#: Environment variables a kernel may keep; everything else (gradebook URL, course paths) is dropped.
KEEP_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "NBGRADER_EXECUTION", "PYTHONHASHSEED",
            "PYDEVD_DISABLE_FILE_VALIDATION")


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _check(ret: int, what: str) -> None:
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def enter(uid: int | None, network: bool, hide: list[str], home: str | None, limits: bool = True) -> None:
    """Apply the isolation to the current process (which must be single-threaded, and root for most of it)."""
    libc = _libc()
    flags = (0 if network else CLONE_NEWNET) | (CLONE_NEWNS if hide else 0)
    if flags:
        _check(libc.unshare(flags), "unshare")
    if hide:
        # Private propagation first, so nothing we mount leaks back to the host.
        _check(libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "mount --make-rprivate /")
        for path in hide:
            if os.path.isdir(path):
                _check(libc.mount(b"tmpfs", path.encode(), b"tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                                  b"size=4k,mode=000"), f"hide {path}")
    if limits:
        gib = 1 << 30
        resource.setrlimit(resource.RLIMIT_AS, (4 * gib, 4 * gib))  # a runaway allocation fails, not the machine
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 << 20, 64 << 20))  # no file larger than 64 MB
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if uid is not None:
        # The kernel may read its own folder but not change it: nbgrader writes the graded notebook
        # there afterwards, as the instructor, and must not find a planted link. No other jail user
        # (another student graded at the same moment) may even read it.
        cwd = os.getcwd()
        os.chown(cwd, 0, uid)
        os.chmod(cwd, 0o750)
        if home:
            os.chown(home, uid, uid)
            os.chmod(home, 0o700)
        resource.setrlimit(resource.RLIMIT_NPROC, (256, 256))


def as_user(uid: int | None, argv: list[str]) -> list[str]:
    """The command that runs argv as the jail user.

    setpriv(1) keeps the instructor's file access only until it has opened the program: the
    interpreter may live in a private folder (a Python under /root), which a plain setuid()
    before exec could not reach. Once running, the kernel has no privilege left, and with
    no_new_privs it can never gain one (no setuid programs).
    """
    if uid is None:
        return argv
    return ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--no-new-privs", "--", *argv]


def clean_env(home: str | None) -> dict[str, str]:
    """The environment a kernel gets: only harmless variables, and a private home."""
    env = {k: v for k, v in os.environ.items() if k in KEEP_ENV or k.startswith("JPY_")}
    if home:
        env.update(HOME=home, IPYTHONDIR=os.path.join(home, ".ipython"), MPLCONFIGDIR=os.path.join(home, ".mpl"),
                   XDG_CACHE_HOME=os.path.join(home, ".cache"), JUPYTER_RUNTIME_DIR=home)
    env["PATHWAYS_STORAGE"] = "disk"  # read responses.json as a notebook would
    return env


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m pathways.grading.jail")
    p.add_argument("--uid", type=int, default=None)
    p.add_argument("--no-net", action="store_true", help="give the kernel no network at all")
    p.add_argument("--hide", action="append", default=[], help="a folder the kernel must not see")
    p.add_argument("--home", default=None)
    p.add_argument("--probe", action="store_true", help="check the isolation instead of starting a kernel")
    p.add_argument("--report", action="store_true", help=argparse.SUPPRESS)  # the probe's second half
    p.add_argument("connection_file", nargs="?")
    args, extra = p.parse_known_args(argv)
    args.extra = extra  # kernel options nbgrader adds (e.g. --HistoryManager.hist_file=:memory:)
    return args


def main(argv: list[str] | None = None) -> None:
    """Enter the jail, then become an IPython kernel (or, with --probe, report what the jail allows)."""
    args = _parse(argv)
    if args.report:
        _probe_inside(args)
        return
    if args.connection_file and args.uid is not None:
        os.chown(args.connection_file, args.uid, args.uid)  # the kernel must read its own connection file
    enter(args.uid, not args.no_net, args.hide, args.home)
    env = clean_env(args.home)
    if args.probe:
        # A fresh interpreter, exactly as the kernel will be started (and so with its view of the disk).
        again = [sys.executable, "-m", "pathways.grading.jail", "--report"] + (["--no-net"] if args.no_net else [])
        again += [f"--hide={p}" for p in args.hide] + ([f"--uid={args.uid}"] if args.uid is not None else [])
        again += ["--home", args.home] if args.home else []
        env["PATHWAYS_PROBE_PORT"] = os.environ.get("PATHWAYS_PROBE_PORT", "9")
        cmd = as_user(args.uid, again)
    else:
        cmd = as_user(args.uid, [sys.executable, "-m", "ipykernel_launcher", "-f", args.connection_file,
                                 *[a for a in args.extra if a.startswith("--") and "=" in a]])
    os.execvpe(cmd[0], cmd, env)


def _probe_inside(args: argparse.Namespace) -> None:
    """Print one line per property the jail was asked to provide and whether it holds."""
    results = {}
    if args.no_net:
        try:
            socket.create_connection(("127.0.0.1", int(os.environ.get("PATHWAYS_PROBE_PORT", "9"))), timeout=1).close()
            results["network"] = "open"
        except OSError:
            results["network"] = "closed"
    for path in args.hide:
        try:
            os.listdir(path)
            results[f"hide:{path}"] = "visible" if os.listdir(path) else "hidden"
        except OSError:
            results[f"hide:{path}"] = "hidden"
    if args.uid is not None:
        results["uid"] = str(os.getuid())
        try:
            with open(os.path.join(args.home or ".", ".probe"), "w") as fh:
                fh.write("ok")
            results["home"] = "writable"
        except OSError as exc:
            results["home"] = f"not writable ({exc})"
    try:
        import pathways.autograde  # noqa: F401  - the kernel must still reach the grading functions
        results["import"] = "ok"
    except Exception as exc:  # noqa: BLE001
        results["import"] = f"failed: {exc}"
    for key, value in results.items():
        print(f"{key}={value}")


def probe(uid: int | None, no_net: bool, hide: list[str], home: str, timeout: float = 30) -> tuple[bool, str]:
    """Try a jail configuration in a child process; return (works, why not)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    env = dict(os.environ, PATHWAYS_PROBE_PORT=str(listener.getsockname()[1]))
    cmd = [sys.executable, "-m", "pathways.grading.jail", "--probe", "--home", home]
    if uid is not None:
        cmd += ["--uid", str(uid)]
    if no_net:
        cmd.append("--no-net")
    for path in hide:
        cmd += ["--hide", path]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=home,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, str(exc)
    finally:
        listener.close()
    if proc.returncode != 0:
        return False, (proc.stderr.strip().splitlines() or ["failed"])[-1]
    found = dict(line.split("=", 1) for line in proc.stdout.splitlines() if "=" in line)
    if found.get("import") != "ok":
        return False, f"the kernel could not import pathways ({found.get('import')})"
    if no_net and found.get("network") != "closed":
        return False, "the network was still reachable"
    leaks = [k[5:] for k, v in found.items() if k.startswith("hide:") and v != "hidden"]
    if leaks:
        return False, f"still visible: {', '.join(leaks)}"
    if uid is not None and found.get("uid") != str(uid):
        return False, "could not change user"
    if uid is not None and found.get("home") != "writable":
        return False, f"the kernel's home is {found.get('home')}"
    return True, ""


if __name__ == "__main__":
    main()
