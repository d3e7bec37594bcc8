"""A workshop's stop leaves no process behind: what the hub started is found by its HOME in the workshop's folder,
or as the hub's descendant, even when the hub could not stop it (a loaded machine; the hub killed)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from pathways.grading.workshop.common import alive, default_signals, descendants, kill_started, started_in

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


def _wait_gone(pid: int) -> bool:
    deadline = time.monotonic() + 10
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not alive(pid)


def test_a_process_with_its_home_in_the_workshop_is_found_and_stopped(tmp_path):
    """Is a process in a session of its own whose HOME is in the workshop's folder found (and one whose HOME is a
    sibling folder with the same prefix not), and stopped by kill_started?"""
    state = tmp_path / "state"
    (state / "formgrader-home").mkdir(parents=True)
    ours = subprocess.Popen(SLEEPER, env={"HOME": str(state / "formgrader-home")}, start_new_session=True)
    other = subprocess.Popen(SLEEPER, env={"HOME": f"{state}-other"}, start_new_session=True)
    try:
        found = started_in(state)
        assert ours.pid in {pid for pid, _ in found} and other.pid not in {pid for pid, _ in found}
        assert kill_started(found, signal.SIGTERM) >= 1
        ours.wait(timeout=10)
        assert other.poll() is None
    finally:
        for proc in (ours, other):
            proc.kill()
            proc.wait()


def test_a_descendant_is_found_and_a_reused_number_is_never_signalled(tmp_path):
    """Is a grandchild found below its grandparent, and does kill_started leave alone a process whose start time
    differs from the one recorded (a process number reused)?"""
    parent = subprocess.Popen([sys.executable, "-c", "import subprocess, sys, time\n"
                               "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
                               "print(p.pid, flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        grandchild = int(parent.stdout.readline())
        below = dict(descendants(parent.pid))
        assert grandchild in below
        assert kill_started([(grandchild, "0")], signal.SIGTERM) == 0 and alive(grandchild)
        assert kill_started([(grandchild, below[grandchild])], signal.SIGKILL) == 1
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
