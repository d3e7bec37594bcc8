"""A workshop's stop leaves no process behind: what the hub started is found by its HOME in the workshop's folder,
or as the hub's descendant, even when the hub could not stop it (a loaded machine; the hub killed)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
from pathways.grading.delivery.workshop.common import default_signals
from pathways.grading.processes import alive, descendants, signal_each, with_home_in

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


def _wait_gone(pid: int) -> bool:
    deadline = time.monotonic() + 10
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not alive(pid)


def test_a_process_with_its_home_in_the_workshop_is_found_and_stopped(tmp_path):
    """Is a process in a session of its own whose HOME is in the workshop's folder found (and one whose HOME is a
    sibling folder with the same prefix not), and stopped by signal_each?"""
    state = tmp_path / "state"
    (state / "formgrader-home").mkdir(parents=True)
    ours = subprocess.Popen(SLEEPER, env={"HOME": str(state / "formgrader-home")}, start_new_session=True)
    other = subprocess.Popen(SLEEPER, env={"HOME": f"{state}-other"}, start_new_session=True)
    try:
        found = with_home_in(state)
        assert ours.pid in {p.pid for p in found} and other.pid not in {p.pid for p in found}
        assert signal_each(found, signal.SIGTERM) >= 1
        ours.wait(timeout=10)
        assert other.poll() is None
    finally:
        for proc in (ours, other):
            proc.kill()
            proc.wait()


def test_a_descendant_is_found_and_an_ended_process_is_never_signalled(tmp_path):
    """Is a grandchild found below its grandparent, and does signal_each leave alone a process seen before that has
    ended since (psutil also refuses one whose number a new process took: it compares start times)?"""
    parent = subprocess.Popen([sys.executable, "-c", "import subprocess, sys, time\n"
                               "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
                               "print(p.pid, flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        grandchild = int(parent.stdout.readline())
        below = {p.pid: p for p in descendants(parent.pid)}
        assert grandchild in below
        ended = subprocess.Popen([sys.executable, "-c", "pass"])
        seen = psutil.Process(ended.pid)
        ended.wait()
        assert signal_each([seen], signal.SIGTERM) == 0 and alive(grandchild)
        assert signal_each([below[grandchild]], signal.SIGKILL) == 1
        assert _wait_gone(grandchild)
    finally:
        parent.kill()
        parent.wait()


def test_the_hub_gets_sigint_back_when_started_from_the_background():
    """Started from a process that ignores SIGINT (a shell without job control does that to whatever it starts in
    the background), does the hub's process get SIGINT back, so that the servers and services JupyterHub stops
    with SIGINT stop at once instead of after its 10 s wait?"""
    probe = "print(open('/proc/self/status').read().split('SigIgn:')[1].split()[0])"
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        plain = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
        reset = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                               preexec_fn=default_signals).stdout
    finally:
        signal.signal(signal.SIGINT, old)
    sigint = 1 << (signal.SIGINT - 1)
    assert int(plain, 16) & sigint and not int(reset, 16) & sigint


def _throwaway_uid() -> int:
    """A uid that no account and no process has (root only), from a range of these tests' own: never the workshop
    test's (hub_support.UIDS), whose fixture checks, perhaps at the same moment on the other worker, that nothing of
    a uid in its range is left."""
    import pwd

    from pathways.grading.processes import uids_in_use

    used = {p.pw_uid for p in pwd.getpwall()} | uids_in_use()
    return next(uid for uid in range(THROWAWAY_UIDS[1], THROWAWAY_UIDS[0], -1) if uid not in used)


#: The uids these tests make processes and files for: apart from every workshop's (real ones: 47000-47999).
THROWAWAY_UIDS = (46800, 46899)


HOPPER = ("import os, time\nif os.fork():\n    os._exit(0)\nos.setsid()\nwhile True:\n    if os.fork():\n"
          "        os._exit(0)\n    time.sleep(0.003)\n")


def test_a_fork_hopper_of_a_learner_uid_is_killed_by_stop():
    """A process that forks and exits every few ms (a new number each time) outruns any scan of /proc: does
    cleanup.kill_all (kill(-1) from the uid itself) leave nothing of that uid?"""
    import os

    import pytest
    from pathways.grading import processes
    from pathways.grading.delivery.workshop import cleanup

    if os.geteuid() != 0:
        pytest.skip("needs root (a uid of its own)")
    uid = _throwaway_uid()
    subprocess.run(["/usr/bin/python3", "-c", HOPPER], user=uid, group=65534, extra_groups=[], cwd="/",
                   timeout=30)  # returns at once: the hopper hops on in the background
    deadline = time.monotonic() + 10
    while not processes.owned_by({uid}) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert processes.owned_by({uid}), "the hopper did not start"
    assert cleanup.kill_all({uid}, timeout=20) == []
    time.sleep(0.05)  # a process a scan missed would have forked again by now
    assert [p for p in processes.owned_by({uid}) if processes.running(p)] == []  # (init reaps the dead)


def test_a_failed_userdel_is_reported_never_said_removed(monkeypatch):
    """When userdel fails (as it did while her processes lived), does remove_account say so, instead of nothing?"""
    import pwd

    from pathways.grading.delivery.workshop import accounts
    from pathways.grading.delivery.workshop.common import LEARNER_COMMENT, NOLOGIN

    fake = pwd.struct_passwd(("pz-x", "x", 46998, 46998, LEARNER_COMMENT, "/nonexistent", NOLOGIN))
    monkeypatch.setattr(accounts, "_account", lambda name: fake)
    monkeypatch.setattr(accounts, "_group", lambda name: None)
    monkeypatch.setattr(accounts, "kill_all", lambda uids: [])
    monkeypatch.setattr(accounts, "remove_traces", lambda users: [])
    monkeypatch.setattr(accounts.subprocess, "run", lambda cmd, **kw: subprocess.CompletedProcess(
        cmd, 8, "", "userdel: user pz-x is currently used by process 4242"))
    problems = accounts.remove_account("pz-x", None)
    assert problems == ["account pz-x was NOT removed: userdel: userdel: user pz-x is currently used by process 4242"]


def test_a_uid_that_still_owns_a_temporary_file_is_never_handed_out(tmp_path):
    """A file in /tmp owned by an earlier learner's uid: is that uid skipped when accounts are made?"""
    import os

    import pytest
    from pathways.grading.delivery.workshop.accounts import _free_uid, _uids_in_use
    from pathways.grading.delivery.workshop.common import WorkshopError

    if os.geteuid() != 0:
        pytest.skip("needs root (chown)")
    uid = _throwaway_uid()
    left = Path("/tmp") / f"left-by-{uid}"
    left.write_text("x")
    os.chown(left, uid, uid)
    try:
        taken = _uids_in_use()
        assert uid in taken
        with pytest.raises(WorkshopError):  # the range's one uid is taken: no account gets it
            _free_uid((uid - 1, uid), taken)
    finally:
        left.unlink()
