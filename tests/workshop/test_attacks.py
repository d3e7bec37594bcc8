"""A learner with bad intent, on the workshop of conftest.py (before test_workshop.py's stops): from her own kernel
and token, and from a page she would serve to the instructor's browser. Each attack is bounded and what it got is
recorded (ATTACKS, printed at the end and kept in attacks.json beside the test's files): README, "Running a
workshop", lists these figures."""

from __future__ import annotations

import json
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import attacks
import psutil
import pytest
from hub_support import LESSON
from pathways.grading import processes

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("workshop")]

ATTACKS: dict[str, object] = {}


@pytest.fixture(scope="module", autouse=True)
def _record(hub):
    yield
    (hub["base"] / "attacks.json").write_text(json.dumps(ATTACKS, indent=1))
    print(f"\nattacks: {json.dumps(ATTACKS)}")


def _formgrader(hub) -> tuple[str, str]:
    url = re.search(r"^Instructor's formgrader \(at this machine only\): (\S+)$", hub["sheet"], re.M).group(1)
    base, token = url.split("?token=")
    return base.removesuffix("/formgrader"), token


def _responsiveness(hub, ben) -> dict[str, float]:
    """Seconds the hub took to answer its health check, and ben's kernel to run a small cell."""
    import requests

    t0 = time.monotonic()
    assert requests.get(hub["url"] + "hub/health", timeout=60).status_code == 200
    t1 = time.monotonic()
    assert ben.run("print(sum(range(3_000_000)))").strip() == str(sum(range(3_000_000)))
    return {"hub_s": round(t1 - t0, 2), "ben_cell_s": round(time.monotonic() - t1, 2)}


def _cgroup_peak(hub, user: str) -> int:
    """The most memory her cgroup held (bytes)."""
    path = f"{hub['record'].limits.parents['memory']}/{user}/memory.max_usage_in_bytes"
    return int(Path(path).read_text())


def _while_bomb(hub, learners, name: str, code) -> dict:
    """Run a bomb in ana's kernel; when it is at its worst (its ready file), time the hub and ben; its result."""
    ana, ben = learners["ana"], learners["ben"]
    ready = f".bomb-{name}"
    home = Path(hub["record"].learners[ana.user].home)
    with ThreadPoolExecutor(1) as pool:
        job = pool.submit(ana.run, code(f"~/{ready}"), ".", 180)
        deadline = time.monotonic() + 120
        while not (home / ready).exists() and not job.done() and time.monotonic() < deadline:
            time.sleep(0.05)
        during = _responsiveness(hub, ben) if (home / ready).exists() else {"not ready": True}
        out = job.result()
    (home / ready).unlink(missing_ok=True)
    return {"result": attacks.last_json(out), "meanwhile": during}


def test_does_a_learner_config_make_her_server_serve_her_page(hub, learners):
    """Ana writes ~/.jupyter/jupyter_server_config.py to serve a page of hers unauthenticated on the hub's origin
    and restarts her server: is it ignored (Spawner.disable_user_config), the page not served?"""
    import requests

    ana = learners["ana"]
    assert "written" in ana.run(attacks.USER_CONFIG, cwd=".")
    assert ana.api("DELETE", f"hub/api/users/{ana.user}/server").status_code in (202, 204)
    deadline = time.monotonic() + 60
    while ana.api("GET", f"hub/api/users/{ana.user}").json().get("servers") and time.monotonic() < deadline:
        time.sleep(0.2)
    ana.start_server()
    page = requests.get(hub["url"] + f"user/{ana.user}/static/evil.html", allow_redirects=False, timeout=30)
    ATTACKS["her page on the hub's origin after a user config"] = page.status_code
    assert page.status_code != 200 or "EVIL-PAGE" not in page.text


@pytest.mark.browser
def test_can_a_learner_page_reach_the_formgrader_in_the_instructors_browser(hub, learners, browser):
    """Chromium logged in to the formgrader opens a page on the hub's origin (as a learner would serve one there):
    can it read the formgrader in a popup (its XSRF token), read its API with the instructor's cookies, or start a
    kernel there? All refused: another origin (localhost, another port), no kernel API."""
    base, token = _formgrader(hub)
    evil = hub["url"] + f"user/{learners['ana'].user}/static/evil.html"
    context = browser.new_context()
    try:
        page = context.new_page()
        assert page.goto(f"{base}/formgrader/manage_assignments?token={token}").ok  # the instructor's cookie
        page.route(evil, lambda route: route.fulfill(content_type="text/html", body=attacks.POPUP_PAGE))
        page.goto(evil)
        page.evaluate("fg => { document.body.dataset.fg = fg; }", base)
        page.click("#go")
        page.wait_for_function("window.RESULT !== undefined", timeout=30_000)
        result = page.evaluate("window.RESULT")
    finally:
        context.close()
    ATTACKS["learner page in the instructor's browser"] = result
    assert all(not str(v).startswith("READ") for v in result.values()), result
    grader = hub["record"].grader.uid
    kernels = [p.pid for p in processes.owned_by({grader}) if "ipykernel" in " ".join(_cmdline(p))]
    assert kernels == [], "a kernel runs as the grader"


def _cmdline(proc) -> list[str]:
    try:
        return proc.cmdline()
    except psutil.Error:
        return []


def test_can_a_learner_listen_to_another_learners_kernel(hub, learners):
    """While ben's kernel prints a secret, ana looks for his kernels' ports and sockets and subscribes to all of
    them: does she find no TCP port of his but his server's, no way into his runtime folder or sockets, and hear
    nothing?"""
    ana, ben = learners["ana"], learners["ben"]
    with ThreadPoolExecutor(1) as pool:
        job = pool.submit(ben.run, "import time\nfor i in range(60):\n    print('SECRET', i, flush=True)\n"
                                   "    time.sleep(0.1)", LESSON, 60)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any(
                k.get("execution_state") == "busy" for k in ben.api("GET", f"user/{ben.user}/api/kernels").json()):
            time.sleep(0.1)
        result = attacks.last_json(ana.run(attacks.listen_code(ben.user, 3), cwd="."))
        kernels = len(ben.api("GET", f"user/{ben.user}/api/kernels").json())
        job.result()
    ATTACKS["listening to ben's kernel"] = result
    # his server's port (the proxy's way in) and, per kernel, ipykernel's pipe for output of forked processes: a
    # PULL socket (it only receives, and drops any message without the kernel's random key); no kernel channel
    assert len(result["ben_tcp_listening"]) <= 1 + kernels, (result, kernels)
    assert result["runtime_folder"] == "PermissionError" and result["heard"] == 0, result
    assert result.get("unix_connect", "PermissionError") == "PermissionError", result


def test_do_memory_fork_and_disk_bombs_stay_in_her_limits(hub, learners):
    """Ana's memory bomb (3 GB asked), fork bomb (2,000 asked), disk fill (2 GB each in her home, /tmp, /dev/shm)
    and four busy processes in sessions of their own: is each bounded by her limits, while the hub and ben's
    kernel keep answering (timed at the bomb's worst)?"""
    ana, ben = learners["ana"], learners["ben"]
    values = hub["record"].limits.values
    ATTACKS["quiet"] = _responsiveness(hub, ben)
    memory = _while_bomb(hub, learners, "memory", attacks.memory_bomb)
    memory["her cgroup's peak MB"] = _cgroup_peak(hub, ana.user) // 2**20
    ATTACKS["memory bomb"] = memory
    assert memory["her cgroup's peak MB"] <= values["memory_mb"] and memory["result"]["out"][0] != "0 of 10 killed"
    forks = _while_bomb(hub, learners, "fork", attacks.fork_bomb)
    ATTACKS["fork bomb"] = forks
    started = int(forks["result"]["out"][0].split()[0])
    assert started < values["processes"], forks
    disk = _while_bomb(hub, learners, "disk", attacks.disk_bomb)
    ATTACKS["disk fill"] = disk
    assert int(disk["result"]["out"][0].split()[0]) <= values["disk_mb"], disk
    ATTACKS["cpu hogs"] = _while_bomb(hub, learners, "cpu", attacks.cpu_hogs)
    for name in ("memory bomb", "fork bomb", "disk fill", "cpu hogs"):
        during = ATTACKS[name]["meanwhile"]
        assert during.get("ben_cell_s", 99) < 30 and during.get("hub_s", 99) < 10, (name, during)
