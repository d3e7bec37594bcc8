"""Check a bubblewrap sandbox from inside, before any learner's code runs in one.

`probe()` starts a real sandbox exactly as a grading kernel is started (`python -m pathways.grading.sandbox.jail
--probe`, so the same launcher, limits and mounts), but in place of the kernel runs this module's inside half
(`python -m pathways.grading.sandbox.probe`), which reports what it can see and do: its user, the processes, the
network, the hidden folders, where it can write, its limits, its Python. `problems()` compares that with what was
asked for, so `pathways.grading.sandbox.parallel` grades only in a sandbox that was seen to hold.
"""

from __future__ import annotations

import argparse
import os
import resource
import socket
import subprocess
import sys

from .. import processes
from .jail import LIMITS, NPROC, expected_python


def _limits() -> str:
    return ",".join(f"{name}={resource.getrlimit(getattr(resource, name))[1]}" for name in (*LIMITS, "RLIMIT_NPROC"))


def inside_report(args: argparse.Namespace) -> dict[str, str]:
    """Each property of the sandbox, as seen from inside it."""
    results = {"uid": str(os.getuid()),
               "processes": str(processes.count())}
    try:
        socket.create_connection(("127.0.0.1", args.port), timeout=1).close()
        results["network"] = "open"
    except OSError:
        results["network"] = "closed"
    for path in args.hide:  # never written to: were the sandbox broken, this would be the real course
        try:
            seen = os.listdir(path)
        except OSError:
            seen = []
        results[f"hide:{path}"] = "writable" if os.access(path, os.W_OK) else "visible" if seen else "hidden"
    for name, folder in (("home", args.home or "."), ("outside", "/var/tmp"), ("workdir", ".")):
        results[name] = _try_write(folder)
    results["limits"] = _limits()
    results["python"] = "same" if expected_python() == args.expect else f"different ({', '.join(expected_python())})"
    try:
        import pathways.autograde  # the kernel must still reach the grading functions

        results["import"] = "ok"
        results["pathways"] = os.path.dirname(pathways.autograde.__file__)
    except Exception as exc:  # noqa: BLE001
        results["import"] = f"failed: {exc.__class__.__name__}: {exc}"
    return results


def _try_write(folder: str) -> str:
    path = os.path.join(folder, f".pathways-probe-{os.getpid()}")
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError as exc:
        return f"not writable ({exc.strerror})"
    os.unlink(path)
    return "writable"


def probe(bwrap: str | None, uid: int | None, hide: list[str], folder: str, version: tuple[int, ...] = (0, 8, 0),
          timeout: float = 60) -> tuple[bool, str, dict[str, str]]:
    """Start a real sandbox as a kernel would be started; return (works, why not, what it saw inside).

    `folder` (empty, enterable by the kernel user) gets a home and a working folder, as a job's has.
    """
    home, work = os.path.join(folder, "home"), os.path.join(folder, "work")
    for path in (home, work):
        os.makedirs(path, exist_ok=True)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    cmd = [sys.executable, "-m", "pathways.grading.sandbox.jail", "--probe", "--home", home,
           "--port", str(listener.getsockname()[1])]
    if bwrap:
        cmd += ["--bwrap", bwrap, "--bwrap-version", ".".join(map(str, version))]
    if uid is not None:
        cmd += ["--uid", str(uid)]
    for path in hide:
        cmd += ["--hide", path]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=work,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, str(exc), {}
    finally:
        listener.close()
    found = dict(line.split("=", 1) for line in proc.stdout.splitlines() if "=" in line)
    if proc.returncode != 0 or "import" not in found:
        return False, (proc.stderr.strip().splitlines() or [f"it stopped with status {proc.returncode}"])[-1], found
    return (not (why := problems(found, bwrap, uid, hide))), "; ".join(why), found


def problems(found: dict[str, str], bwrap: str | None, uid: int | None, hide: list[str]) -> list[str]:
    """What the inside report shows is missing from what was asked for."""
    why = []
    if found.get("import") != "ok":
        why.append(f"the kernel could not import pathways ({found.get('import')})")
    if found.get("python") != "same":
        why.append(f"the kernel did not get the grader's Python and pathways ({found.get('python')})")
    limits = dict(item.split("=") for item in found.get("limits", "").split(",") if "=" in item)
    wanted = {**LIMITS, **({"RLIMIT_NPROC": NPROC} if uid is not None else {})}
    if any(limits.get(name) != str(value) for name, value in wanted.items()):
        why.append(f"the resource limits were not set ({found.get('limits')})")
    if found.get("home") != "writable":
        why.append(f"the kernel's home is {found.get('home')}")
    if uid is not None and found.get("uid") != str(uid):
        why.append(f"could not change user (the kernel ran as {found.get('uid')})")
    if bwrap:
        if found.get("network") != "closed":
            why.append("the network was still reachable")
        if int(found.get("processes", "999")) > 8:
            why.append(f"the kernel saw {found.get('processes')} processes (no pid namespace)")
        if found.get("outside") == "writable" or found.get("workdir") == "writable":
            why.append("the kernel could write outside its home")
        leaks = [f"{p} ({found.get(f'hide:{p}')})" for p in hide if found.get(f"hide:{p}") != "hidden"]
        if leaks:
            why.append(f"not hidden: {', '.join(leaks)}")
    return why


def main(argv: list[str] | None = None) -> None:
    """The inside half: print each property as key=value, read by probe() in the instructor's process."""
    p = argparse.ArgumentParser(prog="python -m pathways.grading.sandbox.probe")
    p.add_argument("--port", type=int, default=9, help="a port on the host's 127.0.0.1 to try")
    p.add_argument("--hide", action="append", default=[], help="a folder that must be hidden")
    p.add_argument("--uid", type=int, default=None)
    p.add_argument("--home", default=None)
    p.add_argument("--expect", action="append", default=[], help="the grader's Python and pathways")
    sys.stdout.write("".join(f"{key}={value}\n" for key, value in inside_report(p.parse_args(argv)).items()))


if __name__ == "__main__":
    main()
