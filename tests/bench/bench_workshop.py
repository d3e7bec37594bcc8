"""Benchmark: a workshop class on this machine, driven as the workshop test drives three learners.

    sudo make bench-workshop                          # 30 learners
    sudo .venv/bin/python tests/bench/bench_workshop.py --learners 3

`pathways workshop start` for a generated class list (accounts `pwb-NN`, uids 47800-47899: not the workshop test's;
do not run it beside a real workshop), then: ONE learner logs in and starts their server alone (the anchor: every time
below is also given as a multiple of it, so the figures survive the machine's drift), stops it; all N log in over
HTTP at once and start their servers at once (`--spawn-limit N`, so that the hub lets them: at a real workshop's
default of 10 the others are told to try again; time until each is ready: p50, p95, max; until all are); memory per
learner (RSS and PSS of every process of their account: the server alone, then with a kernel that ran the
lesson's model answers) and the machine's used memory before and after; all hand in at once through the exchange
(the Assignments tab's call); the instructor's `pathways collect`, `pathways grade`, `pathways workshop stop`.

Everything is removed at the end (accounts, homes, group, ACLs, processes, course), also on Ctrl-C or SIGTERM,
and the benchmark checks that nothing is left. Needs root and what the workshop test needs.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
# tests/ (support) and tests/workshop (hub_support: the workshop test's learners and cleanup)
sys.path[:0] = [str(HERE.parent), str(HERE.parent / "workshop")]

from hub_support import (  # noqa: E402
    LESSON,
    PATHWAYS,
    REPO,
    Learner,
    free_port,
    leftovers,
    missing,
    model_code,
    read_sheet,
    run_pathways,
    shared_environment,
    sweep,
)
from pathways.grading.delivery.workshop.record import WorkshopRecord  # noqa: E402

PREFIX = "pwb-"
UIDS = (47800, 47899)
MB = 1024 * 1024


def used_memory() -> int:
    """Bytes in use on the machine (MemTotal - MemAvailable: what is not free to give to new processes)."""
    info = {}
    for line in Path("/proc/meminfo").read_text().splitlines():
        key, value = line.split(":", 1)
        info[key] = int(value.split()[0]) * 1024
    return info["MemTotal"] - info["MemAvailable"]


def memory_by_uid(uids: set[int]) -> dict[int, dict[str, int]]:
    """RSS and PSS (shared pages divided among their users: what a learner adds) of every process of each uid."""
    out = {uid: {"rss": 0, "pss": 0, "procs": 0} for uid in uids}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            uid = os.stat(f"/proc/{entry}").st_uid
            if uid not in out:
                continue
            rollup = Path(f"/proc/{entry}/smaps_rollup").read_text().splitlines()
        except OSError:
            continue
        fields = {ln.split(":")[0]: int(ln.split()[1]) * 1024 for ln in rollup[1:] if ln.split()[-1] == "kB"}
        out[uid]["rss"] += fields.get("Rss", 0)
        out[uid]["pss"] += fields.get("Pss", 0)
        out[uid]["procs"] += 1
    return out


def tree_rss(pid: int) -> int:
    """Bytes of RSS of a process and all its descendants (the instructor's grading: workers, sandboxes, kernels)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo += children.get(current, [])
        try:
            status = Path(f"/proc/{current}/status").read_text()
        except OSError:
            continue
        found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
        total += int(found.group(1)) * 1024 if found else 0
    return total


def run_sampled(args: list[str], env: dict) -> tuple[str, int]:
    """Run an instructor's command; its output and the peak RSS of its process tree (sampled twice a second)."""
    proc = subprocess.Popen([PATHWAYS, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                            stdin=subprocess.DEVNULL)
    peak, out = 0, []
    reader = threading.Thread(target=lambda: out.append(proc.stdout.read()), daemon=True)
    reader.start()
    while proc.poll() is None:
        peak = max(peak, tree_rss(proc.pid))
        time.sleep(0.5)
    reader.join()
    assert proc.returncode == 0, f"pathways {' '.join(args)}:\n{''.join(out)}"
    return "".join(out), peak


def spread(values: list[float]) -> dict[str, float]:
    """p50, p95 and max of a list (p95 by nearest rank: with few learners it is the slowest)."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(0.95 * len(ordered) + 0.5) - 1))
    return {"p50": statistics.median(ordered), "p95": ordered[rank], "max": ordered[-1]}


class Bench:
    """The run's figures, printed as they come (each time also as a multiple of the anchor)."""

    def __init__(self):
        self.figures: dict[str, object] = {}
        self.anchor: float | None = None

    def time(self, name: str, seconds: float) -> None:
        self.figures[name] = round(seconds, 2)
        ratio = f"  ({seconds / self.anchor:.1f}x anchor)" if self.anchor else ""
        print(f"{name:<44} {seconds:8.1f} s{ratio}", flush=True)

    def note(self, name: str, value: object, text: str) -> None:
        self.figures[name] = value
        print(f"{name:<44} {text}", flush=True)


@contextlib.contextmanager
def crowd(n: int):
    """Threads acting as n learners at once; on an interruption the cleanup does not wait for their requests (they
    fail as soon as the hub is gone)."""
    pool = ThreadPoolExecutor(n)
    try:
        yield pool
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def make_class(base: Path, n: int) -> Path:
    """A generated class list of n learners."""
    roster = base / "class.csv"
    roster.write_text("id,name\n" + "".join(f"{i:02d},Learner {i:02d}\n" for i in range(1, n + 1)), encoding="utf-8")
    return roster


def start(base: Path, root: Path, n: int, bench: Bench) -> dict:
    """`pathways workshop start` as the instructor types it (lessons released into a new course); the record."""
    from pathways.grading.delivery import workshop

    t0 = time.monotonic()
    run_pathways("workshop", "start", "--class-list", str(make_class(base, n)), "--course", str(base / "course"),
                 "--address", "127.0.0.1", "--port", str(free_port()), "--root", str(root), "--prefix", PREFIX,
                 "--uids", f"{UIDS[0]}-{UIDS[1]}", "--spawn-limit", str(max(n, 1)), "--idle-timeout", "3600",
                 "--ready-timeout", "300")
    bench.time("workshop start (accounts, release, hub up)", time.monotonic() - t0)
    return workshop.load_record(root)


def anchor(learner: Learner, bench: Bench) -> None:
    """One learner alone: log in, start the server, then stop it again (the run's unit of time)."""
    t0 = time.monotonic()
    assert learner.login() == 302, "the anchor learner could not log in"
    learner.start_server(timeout=300, poll=0.1)
    bench.anchor = time.monotonic() - t0
    bench.time("anchor: one learner logs in, server ready", bench.anchor)
    learner.api("DELETE", f"hub/api/users/{learner.user}/server")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if not learner.api("GET", f"hub/api/users/{learner.user}").json().get("servers"):
            return
        time.sleep(0.5)
    raise RuntimeError("the anchor learner's server did not stop")


def all_at_once(learners: list[Learner], bench: Bench) -> None:
    """Every learner logs in, then every server is asked for at once; seconds until each is ready."""
    with crowd(len(learners)) as pool:
        t0 = time.monotonic()
        logins = list(pool.map(lambda le: (le.login(), time.monotonic() - t0)[1], learners))
        bench.time(f"{len(learners)} log in at once: all done", time.monotonic() - t0)
        t0 = time.monotonic()
        waits = list(pool.map(lambda le: le.start_server(timeout=900, poll=0.5), learners))
        bench.time(f"{len(learners)} servers at once: all ready", time.monotonic() - t0)
    assert all(le.token for le in learners), "a learner could not log in"
    for key, value in spread(logins).items():
        bench.time(f"  login {key}", value)
    for key, value in spread(waits).items():
        bench.time(f"  server ready {key}", value)


def own_rss(pid: int | None) -> int:
    """Bytes of RSS of one process (0 if gone)."""
    try:
        return int(re.search(r"^VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.M).group(1)) * 1024
    except (OSError, AttributeError, TypeError):
        return 0


def memory(record: WorkshopRecord, root: Path, bench: Bench, label: str) -> None:
    """Memory of each learner's processes, of the hub and its proxy (their own processes only: the learners'
    servers are the hub's children), and the machine's."""
    per = memory_by_uid({info.uid for info in record.learners.values()}).values()
    rss, pss = [m["rss"] / MB for m in per], [m["pss"] / MB for m in per]
    bench.note(f"memory per learner, {label}", {"rss_mean": round(statistics.mean(rss)), "rss_max": round(max(rss)),
                                                "pss_mean": round(statistics.mean(pss)), "pss_max": round(max(pss))},
               f"RSS mean {statistics.mean(rss):.0f} MB, max {max(rss):.0f} MB; PSS mean {statistics.mean(pss):.0f} MB,"
               f" max {max(pss):.0f} MB")
    proxy = None
    with contextlib.suppress(OSError, ValueError):
        proxy = int((root / "state" / "proxy.pid").read_text().strip())
    hub = (own_rss(record.hub_pid) + own_rss(proxy)) / MB
    bench.note(f"hub and proxy, {label}", round(hub), f"RSS {hub:.0f} MB")
    used = used_memory()
    bench.note(f"machine used memory, {label}", round(used / MB), f"{used / MB:.0f} MB")


def play_and_hand_in(learners: list[Learner], bench: Bench) -> None:
    """Each learner's kernel runs the lesson's model answers (kernels left running), then all hand in at once."""
    code = model_code()
    with crowd(len(learners)) as pool:
        t0 = time.monotonic()
        outs = list(pool.map(lambda le: le.run(code, timeout=900, close=False), learners))
        bench.time(f"{len(learners)} kernels run the lesson: all done", time.monotonic() - t0)
        assert not [o for o in outs if "ERROR" in o], [o for o in outs if "ERROR" in o][:1]
        t0 = time.monotonic()
        results = list(pool.map(lambda le: le.assignments("submit"), learners))
        bench.time(f"{len(learners)} hand in at once: all done", time.monotonic() - t0)
    assert not [r for r in results if isinstance(r, dict) and r.get("success") is False], results[:1]


def instructor(root: Path, course: Path, n: int, bench: Bench) -> None:
    """`pathways collect`, `pathways grade`, then `pathways workshop stop` (collects again, archives, removes)."""
    env = {**os.environ, "PATHWAYS_WORKSHOP_ROOT": str(root)}
    t0 = time.monotonic()
    out = run_pathways("collect", "--course", str(course), env=env).stdout
    bench.time("pathways collect", time.monotonic() - t0)
    assert f"Imported {n} hand-in(s)" in out, out
    t0 = time.monotonic()
    out, peak = run_sampled(["grade", LESSON, "--course", str(course), "--no-progress"], env)
    bench.time(f"pathways grade ({n} notebooks)", time.monotonic() - t0)
    bench.note("pathways grade: peak memory (RSS, whole tree)", round(peak / MB), f"{peak / MB:.0f} MB")
    assert f"Graded {n} notebook(s)" in out, out
    t0 = time.monotonic()
    run_pathways("workshop", "stop", "--root", str(root))
    bench.time("pathways workshop stop", time.monotonic() - t0)


def run(n: int, base: Path, root: Path, bench: Bench) -> None:
    """The whole benchmark (cleanup is the caller's)."""
    before = used_memory()
    bench.note("machine used memory, before", round(before / MB), f"{before / MB:.0f} MB "
               f"({os.cpu_count()} cores, load {os.getloadavg()[0]:.1f})")
    record = start(base, root, n, bench)
    _, passphrases = read_sheet(record)
    learners = [Learner(record.url, user, passphrases[user]) for user in sorted(record.learners)]
    hub_up = used_memory()
    bench.note("machine used memory, hub up", round(hub_up / MB), f"{hub_up / MB:.0f} MB")
    anchor(Learner(record.url, learners[0].user, passphrases[learners[0].user]), bench)
    all_at_once(learners, bench)
    memory(record, root, bench, "servers ready")
    play_and_hand_in(learners, bench)
    memory(record, root, bench, "with a lesson kernel each")
    added = (used_memory() - hub_up) / MB
    bench.note("machine memory added per learner", round(added / n), f"{added / n:.0f} MB ({added:.0f} MB for {n}: "
               "servers and kernels, and any other work on the machine meanwhile)")
    instructor(root, Path(record.course), n, bench)
    after = used_memory()
    bench.note("machine used memory, after stop", round(after / MB), f"{after / MB:.0f} MB "
               f"(load {os.getloadavg()[0]:.1f})")


def _interrupted(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")  # so that the cleanup below runs on SIGTERM too


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--learners", type=int, default=30)
    p.add_argument("--json", help="also write the figures to this file")
    a = p.parse_args(argv)
    why = missing()
    if why:
        print(f"bench-workshop cannot run here: {why}")
        return 2
    if not 1 <= a.learners <= UIDS[1] - UIDS[0]:
        p.error(f"--learners from 1 to {UIDS[1] - UIDS[0]}")
    from pathways.grading.delivery import workshop

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _interrupted)
    t0 = time.monotonic()
    shared_environment()
    print(f"shared hub environment ready in {time.monotonic() - t0:.0f} s", flush=True)
    # Not under /tmp/pathways-*: other benchmarks tidy their own folders by that name.
    tmp = "/var/tmp" if os.path.isdir("/var/tmp") else None
    base = Path(tempfile.mkdtemp(prefix="workshop-bench-", dir=tmp))  # the class list and course (root only)
    # learners reach their homes through it; not in /var/tmp, which each learner's server has its own of
    root = Path(tempfile.mkdtemp(prefix="workshop-bench-root-", dir="/srv"))
    hidden = [str(REPO), str(REPO / "lessons"), str(base / "course")]
    bench = Bench()
    try:
        run(a.learners, base, root, bench)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the cleanup short
        sweep(workshop, root, hidden, prefix=PREFIX)
        left = leftovers(root, hidden, prefix=PREFIX, uids=UIDS)
        shutil.rmtree(base, ignore_errors=True)
        shutil.rmtree(root, ignore_errors=True)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        print("cleaned up" if not left else f"LEFT BEHIND: {left}", flush=True)
    if a.json:
        Path(a.json).write_text(json.dumps({"learners": a.learners, **bench.figures}, indent=1), encoding="utf-8")
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main())
