"""A real workshop, driven through `pathways workshop` as an instructor would: three learner accounts, JupyterHub
on 127.0.0.1, the exchange, grading and feedback; then `stop --keep`, a restart on 127.0.0.2 (HTTPS only, a
self-signed certificate whose fingerprint is on the sheet) with new passphrases, and `stop`.

One hub serves the module's tests in order (conftest.py: the same hub test_attacks.py attacks first). The fixture
removes every account, home, group, ACL, process, cgroup, mount and temporary file it made even when a test fails,
then checks that nothing is left. Needs root, bubblewrap, setfacl, npm and Debian's /usr/bin/python3.11 (all
installed by .ci/run), cgroup v1 and loop devices (the limits; start refuses without them). The shared hub
environment (/opt/pathways-workshop) is built by `make test` before the tests; run directly, pytest builds it when
missing (minutes, and says so).
"""

from __future__ import annotations

import json
import os
import pwd
import re
import shutil
import socket
import subprocess
import tarfile
import time
from pathlib import Path

import attacks
import pytest
from hub_support import (
    LEARNERS,
    LESSON,
    PATHWAYS,
    PREFIX,
    REPO,
    TIMINGS,
    UIDS,
    Learner,
    archives,
    free_port,
    leftovers,
    model_code,
    probe_code,
    run_pathways,
    served_fingerprint,
    start_workshop,
)
from pathways.grading.processes import pids_of

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("workshop")]

MARK = "Ben's second thoughts, handed in at the follow-up session."


def test_are_accounts_locked_down_and_homes_private(hub):
    """Is every learner account without a shell, password or privileged group, with a private home holding the
    lessons?"""
    for user, info in hub["record"].learners.items():
        acct = pwd.getpwnam(user)
        assert acct.pw_shell == "/usr/sbin/nologin" and UIDS[0] < acct.pw_uid <= UIDS[1]
        groups = subprocess.run(["id", "-nG", user], capture_output=True, text=True).stdout.split()
        assert set(groups) == {user, f"{PREFIX}learners"}
        shadow = subprocess.run(["getent", "shadow", user], capture_output=True, text=True).stdout
        assert shadow.split(":")[1].startswith("!")
        home = Path(info.home)
        assert home.stat().st_mode & 0o777 == 0o700 and home.stat().st_uid == acct.pw_uid
        assert (home / LESSON / "lesson.ipynb").stat().st_uid == acct.pw_uid
    sheet = Path(hub["record"].sheet)
    assert sheet.stat().st_mode & 0o777 == 0o600 and Path(hub["record"].slips).stat().st_mode & 0o777 == 0o600


def test_is_logging_in_without_the_passphrase_refused(hub):
    """Does the hub refuse a wrong passphrase, an unknown name, and a server request with no login at all?"""
    import requests

    assert Learner(hub["url"], f"{PREFIX}ana", "wrong-passphrase").login() != 302
    assert Learner(hub["url"], "root", "anything").login() != 302
    anon = requests.get(hub["url"] + f"user/{PREFIX}ana/api/contents", allow_redirects=False, timeout=30)
    assert anon.status_code in (302, 401, 403)


def test_does_a_class_hand_in_and_get_only_its_own_feedback(hub, learners):
    """Do three learners open their lessons, play and answer through the kernel, hand in, and after the
    instructor collects, grades and returns feedback, each fetch their own feedback and nobody else's?"""
    course = hub["course"]
    code = model_code()
    for sid in ("ana", "ben"):
        listing = learners[sid].api("GET", f"user/{learners[sid].user}/api/contents/{LESSON}").json()
        assert "lesson.ipynb" in {item["name"] for item in listing["content"]}
        out = learners[sid].run(code)
        assert "ERROR" not in out, out
    t0 = time.monotonic()
    for sid in LEARNERS:  # cleo hands in without playing
        result = learners[sid].assignments("submit")
        assert not (isinstance(result, dict) and result.get("success") is False), result
    TIMINGS["hand_in"] = time.monotonic() - t0

    pathways = [PATHWAYS]
    env = {**os.environ, "PATHWAYS_WORKSHOP_ROOT": str(hub["root"])}
    t0 = time.monotonic()
    out = subprocess.run([*pathways, "collect", "--course", str(course)], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert "Imported 3 hand-in(s)" in out.stdout, out.stdout
    graded = subprocess.run([*pathways, "grade", LESSON, "--course", str(course), "--no-progress"],
                            capture_output=True, text=True, env=env)
    assert graded.returncode == 0 and "Graded 3 notebook(s)" in graded.stdout, graded.stdout + graded.stderr
    assert "NOT fully" not in graded.stdout + graded.stderr
    fb = subprocess.run([*pathways, "feedback", LESSON, "--course", str(course)], capture_output=True, text=True)
    assert fb.returncode == 0, fb.stdout + fb.stderr
    returned = subprocess.run([*pathways, "workshop", "return", "--root", str(hub["root"])], capture_output=True,
                              text=True)
    assert returned.stdout.count("feedback returned") == 3, returned.stdout + returned.stderr
    TIMINGS["collect_grade_feedback"] = time.monotonic() - t0

    scores = {}
    for sid, learner in learners.items():
        learner.assignments("fetch_feedback")
        listing = learner.api("GET", f"user/{learner.user}/api/contents/{LESSON}/feedback").json()
        stamps = [item["name"] for item in listing["content"]]
        assert len(stamps) == 1, listing
        page = learner.api("GET", f"user/{learner.user}/api/contents/{LESSON}/feedback/{stamps[0]}/lesson.html",
                           params={"content": 1}).json()["content"]
        mine = (course / "feedback" / sid / LESSON / "lesson.html").read_text(encoding="utf-8")
        assert page == mine  # their own page, exactly
        scores[sid] = re.search(r"Your total: ([0-9.]+) of ([0-9.]+) point", page)
    assert scores["ana"] and scores["cleo"] and float(scores["ana"].group(1)) > float(scores["cleo"].group(1))


def test_does_each_learners_server_show_the_learners_screen(hub, learners):
    """Does a learner's server on the hub give the screen of `make start` (grading/delivery/learner/lab.py, one set of
    settings): the lesson-autorun extension and its lesson pattern, nbgrader's instructor tools and the news
    switched off?"""
    ana = learners["ana"]
    page = ana.api("GET", f"user/{ana.user}/lab/tree/{LESSON}/lesson.ipynb")
    assert page.status_code == 200, page.status_code
    found = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', page.text, re.S)
    config = json.loads(found.group(1))
    assert config.get("pathwaysAutorunPattern"), sorted(config)
    assert {"@jupyter/nbgrader:create-assignment", "@jupyter/nbgrader:formgrader",
            "@jupyterlab/apputils-extension:announcements"} <= set(config.get("disabledExtensions", []))
    assert any(ext.get("name") == "pathways-lesson-autorun" for ext in config.get("federated_extensions", []))


def test_do_the_attacks_of_one_learner_on_another_fail(hub, learners):
    """As a learner (in their own kernel and with their own token): is handing in as another, reading another's
    home, hand-ins or feedback, listing the inbox, reaching the gradebook, the source lessons (the checkout's and
    those the hub environment's installed package holds), the formgrader or the hub's user list, or another's
    server, refused?"""
    ana, ben = learners["ana"], learners["ben"]
    ex = hub["root"] / "exchange" / "pathways"
    ben_home = hub["record"].learners[ben.user].home
    targets = {
        "ben's home": ben_home,
        "ben's lesson": f"{ben_home}/{LESSON}/lesson.ipynb",
        "ben's hand-ins": str(ex / "inbound" / ben.user),
        "ben's feedback": str(ex / "feedback" / ben.user),
        "the inbox": str(ex / "inbound"),
        "the feedback folder": str(ex / "feedback"),
        "the gradebook": str(hub["course"] / "gradebook.db"),
        "the course": str(hub["course"]),
        "the source lessons": str(REPO / "lessons" / LESSON / "lesson.ipynb"),
        "the source lessons in the hub environment": str(hub["installed_lessons"] / LESSON / "lesson.ipynb"),
        "the hub environment's lessons folder": str(hub["installed_lessons"]),
        "the workshop state": str(hub["root"] / "state"),
    }
    # there to be reached (so a refusal is the ACL's, not a missing file): the installed package holds them
    assert (hub["installed_lessons"] / LESSON / "lesson.ipynb").is_file()
    out = ana.run(probe_code(targets, str(ex / "inbound" / ben.user), ben.user), cwd=".")
    result = json.loads(out.strip().splitlines()[-1])
    assert result.pop("nbgrader submit --student ben") != 0
    assert all(v in ("PermissionError", "FileNotFoundError") for v in result.values()), result

    assert ana.api("GET", "hub/api/users").status_code == 403
    assert ana.api("GET", f"hub/api/users/{ben.user}").status_code in (403, 404)
    assert ana.api("GET", f"user/{ben.user}/api/contents", allow_redirects=False).status_code in (302, 403, 404)
    assert ana.api("GET", f"user/{ana.user}/formgrader", allow_redirects=False).status_code == 404
    assert ana.api("GET", "services/formgrader/").status_code in (403, 404)  # the instructor's service refuses


def formgrader(hub) -> tuple[str, str]:
    """The formgrader's address (without path) and token, from the sign-in sheet."""
    url = re.search(r"^Instructor's formgrader \(at this machine only\): (\S+)$", hub["sheet"], re.M).group(1)
    base, token = url.split("?token=")
    return base.removesuffix("/formgrader"), token


def test_is_the_formgrader_apart_unprivileged_and_without_code_apis(hub, learners):
    """Is the formgrader served apart from the hub (loopback, `localhost`, a port of its own, a token), by the grader
    account that owns the course (not root), answering the instructor's grading pages and API (JSON, with a CSP
    that forbids inline script) but refusing kernels, sessions, terminals, contents writes, Autograde and new
    students; and is it refused to a learner (the hub has no such service; her kernel has no token)?"""
    import requests

    base, token = formgrader(hub)
    assert base.startswith("http://localhost:")
    http = requests.Session()
    http.trust_env = False
    page = http.get(f"{base}/formgrader/manage_assignments", params={"token": token}, timeout=30)
    assert page.status_code == 200 and "manage assignments" in page.text.lower(), page.status_code
    csp = page.headers["Content-Security-Policy"]
    script_src = csp.split("script-src")[1].split(";")[0]
    assert "'unsafe-inline'" not in script_src and "'nonce-" in script_src and "frame-ancestors 'none'" in csp
    listed = http.get(f"{base}/formgrader/api/assignments", timeout=30)
    assert listed.status_code == 200 and LESSON in listed.text, listed.text[:300]
    students = http.get(f"{base}/formgrader/api/students", timeout=30)
    assert students.headers["Content-Type"].startswith("application/json"), students.headers
    xsrf = {"X-XSRFToken": http.cookies.get("_xsrf")}
    for method, path in [("POST", "api/kernels"), ("POST", "api/sessions"), ("POST", "api/terminals"),
                         ("PUT", "api/contents/x.txt"), ("POST", "api/contents"),
                         ("POST", f"formgrader/api/submission/{LESSON}/ana/autograde"),
                         ("POST", f"formgrader/api/assignment/{LESSON}/release"),
                         ("PUT", "formgrader/api/student/eve")]:
        answer = http.request(method, f"{base}/{path}", headers=xsrf, json={"type": "file", "content": "x",
                                                                          "format": "text"}, timeout=30)
        assert answer.status_code == 403, (method, path, answer.status_code)
    grader = hub["record"].grader
    assert os.stat(f"/proc/{hub['record'].formgrader_pid}").st_uid == grader.uid != 0
    assert hub["course"].stat().st_uid == grader.uid and (hub["course"] / "gradebook.db").stat().st_uid != 0
    ana = learners["ana"]
    assert ana.api("GET", "services/formgrader/formgrader").status_code == 404
    out = ana.run(f"import requests\nr = requests.get({base + '/formgrader/api/students'!r}, "
                  "allow_redirects=False)\nprint(r.status_code, 'ana' in r.text)")
    assert out.split()[1] == "False" and out.split()[0] in ("302", "403"), out


def test_does_collect_refuse_a_hand_in_named_for_another(hub, learners):
    """Bypassing nbgrader, ana writes a hand-in named for ben into her own hand-in folder: does `pathways collect`
    refuse it, and take nothing under ben's name from it?"""
    ana, ben = learners["ana"], learners["ben"]
    forged = f"{ben.user}+{LESSON}+2030-01-01 00:00:00.000000 UTC+forged"
    view = hub["root"] / "exchange" / "views" / ana.user / "pathways" / "inbound" / forged
    out = ana.run(f"import os, shutil\nos.makedirs({str(view)!r})\nshutil.copy('lesson.ipynb', {str(view)!r})\n"
                  "print('forged')")
    assert "forged" in out, out
    env = {**os.environ, "PATHWAYS_WORKSHOP_ROOT": str(hub["root"])}
    collected = run_pathways("collect", "--course", str(hub["course"]), env=env).stdout
    assert "REFUSED" in collected and f"a hand-in named for '{ben.user}'" in collected, collected
    assert "2030" not in collected.split("REFUSED")[0], collected


def test_does_she_leave_things_for_stop_to_find(hub, learners):
    """Ana leaves a fork-hopper, a SysV shared memory segment and files in /tmp and /dev/shm (the stops below check
    that nothing of hers is left): do her /tmp and /dev/shm turn out to be her own (not the machine's)? Last before
    the stops: a fork-hopper's exited processes can wait a while to be collected, and on a loaded machine they can
    fill her process limit, so her own server answers nothing more until stop ends them all."""
    ana = learners["ana"]
    uid = hub["record"].learners[ana.user].uid
    made = attacks.last_json(ana.run(attacks.LEAVE_BEHIND, cwd="."))
    (hub["base"] / "left-for-stop.json").write_text(json.dumps(made))
    assert made["shmid"] >= 0
    assert not Path("/tmp/left-by-ana").exists() and not Path("/dev/shm/left-by-ana").exists()
    private = Path(hub["record"].learners[ana.user].home) / ".workshop-tmp"
    assert (private / "tmp" / "left-by-ana").exists() and (private / "shm" / "left-by-ana").exists()
    seen = set(pids_of({uid}))
    deadline = time.monotonic() + 10
    while not set(pids_of({uid})) - seen and time.monotonic() < deadline:  # new processes of hers: hopping
        time.sleep(0.02)
    assert set(pids_of({uid})) - seen, "no fork-hopper running"


def test_does_stop_keep_close_the_hub_and_keep_accounts_homes_and_hand_ins(hub, learners):
    """Does `pathways workshop stop --keep` collect and archive every hand-in, stop the hub and every learner
    process, delete the passphrases, and keep the accounts, the homes with the learners' work and the hand-ins?"""
    import requests

    root, record = hub["root"], hub["record"]
    t0 = time.monotonic()
    out = run_pathways("workshop", "stop", "--keep", "--root", str(root)).stdout
    TIMINGS["stop --keep"] = time.monotonic() - t0
    # the hub's log of this first session, kept with the test's files (the final stop removes the workshop's folder)
    shutil.copyfile(root / "state" / "jupyterhub.log", hub["base"] / "jupyterhub-first.log")
    # the hub stopped its services and servers itself and finished (not killed after its 30 s: see default_signals)
    assert "Cleaning up PID file" in (root / "state" / "jupyterhub.log").read_text(encoding="utf-8")
    assert "Took 3 hand-in(s)" in out and "accounts, homes and exchange kept" in out, out
    found = archives(hub["course"])
    assert len(found) == 1 and found[0].stat().st_mode & 0o777 == 0o600
    assert found[0].parent.stat().st_mode & 0o777 == 0o700
    assert not (root / "state" / "passphrases.json").exists()
    with pytest.raises(requests.ConnectionError):
        requests.get(hub["url"] + "hub/login", timeout=10)
    status = subprocess.run([PATHWAYS, "workshop", "status", "--root", str(root)], capture_output=True, text=True)
    assert status.returncode == 1 and status.stdout.startswith("Stopped"), status.stdout
    assert [p for p in leftovers(root, []) if p.startswith("process")] == []
    for user, info in record.learners.items():
        assert pwd.getpwnam(user).pw_uid == info.uid
        assert (Path(info.home) / LESSON / "lesson.ipynb").is_file()
        assert any((root / "exchange" / "pathways" / "inbound" / user).iterdir())
    assert (Path(record.learners[learners["ana"].user].home) / LESSON / "responses.json").is_file()


def test_does_a_restart_on_another_address_serve_https_only(hub, learners):
    """After `stop --keep`, does `pathways workshop start --address 127.0.0.2` reuse the kept accounts with new
    passphrases (the old ones and old tokens no longer work), serve HTTPS only with the self-signed certificate
    whose fingerprint is on the sheet and the slips, and let a learner find their work and hand in again?"""
    import requests

    old_pass, old_uids = dict(hub["passphrases"]), {u: i.uid for u, i in hub["record"].learners.items()}
    port = free_port()
    record = start_workshop(hub, "127.0.0.2", port)
    assert record.url == f"https://127.0.0.2:{port}/"
    assert {u: i.uid for u, i in record.learners.items()} == old_uids
    assert all(hub["passphrases"][u] != old_pass[u] for u in old_pass)
    fp = served_fingerprint("127.0.0.2", port)
    assert f"Certificate fingerprint (SHA-256), check it in the browser: {fp}" in hub["sheet"]
    assert fp in Path(record.slips).read_text(encoding="utf-8")
    try:
        plain = requests.get(f"http://127.0.0.2:{port}/hub/login", timeout=10)
        assert plain.status_code >= 400 and "_xsrf" not in plain.text, plain.status_code
    except requests.RequestException:
        pass  # no answer at all over plain HTTP
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()

    cert, ben = str(hub["root"] / "state" / "hub.crt"), learners["ben"]
    stale = requests.get(record.url + f"hub/api/users/{ben.user}", verify=cert, timeout=30,
                         headers={"Authorization": f"token {ben.token}"})
    assert stale.status_code in (401, 403)
    assert Learner(record.url, ben.user, old_pass[ben.user], verify=cert).login() != 302
    again = Learner(record.url, ben.user, hub["passphrases"][ben.user], verify=cert)
    assert again.login() == 302
    TIMINGS["https server ready"] = again.start_server()
    listing = again.api("GET", f"user/{ben.user}/api/contents/{LESSON}").json()
    assert "responses.json" in {item["name"] for item in listing["content"]}  # his work, kept
    path = f"user/{ben.user}/api/contents/{LESSON}/lesson.ipynb"
    nb = again.api("GET", path, params={"content": 1}).json()["content"]
    nb["cells"].append({"cell_type": "markdown", "id": "ben-again", "metadata": {}, "source": MARK})
    assert again.api("PUT", path, json={"type": "notebook", "format": "json", "content": nb}).status_code == 200
    result = again.assignments("submit")
    assert not (isinstance(result, dict) and result.get("success") is False), result


def test_does_stop_collect_archive_and_remove_everything(hub):
    """Does `pathways workshop stop` collect the last hand-in (ben's changed lesson), archive the exchange into the
    course (instructor only), and remove the hub, every learner process, account, home, the group, the ACLs and the
    exchange?"""
    from pathways.grading.instructor.ledger import Ledger

    root, course = hub["root"], hub["course"]
    before = Ledger.load(course).get("ben", LESSON).timestamp
    t0 = time.monotonic()
    out = run_pathways("workshop", "stop", "--root", str(root)).stdout
    TIMINGS["stop"] = time.monotonic() - t0
    assert "Took 4 hand-in(s)" in out and "Imported 1 hand-in(s)" in out, out
    assert "accounts, homes, exchange and passphrases removed" in out, out
    assert Ledger.load(course).get("ben", LESSON).timestamp > before
    assert MARK in (course / "submitted" / "ben" / LESSON / "lesson.ipynb").read_text(encoding="utf-8")
    found = archives(course)
    assert len(found) == 2 and all(a.stat().st_mode & 0o777 == 0o600 for a in found)
    with tarfile.open(found[-1]) as tar:
        assert {f"inbound/{PREFIX}{sid}" for sid in LEARNERS} <= set(tar.getnames())
    assert leftovers(root, [str(REPO), str(REPO / "lessons"), str(course)]) == []
    status = subprocess.run([PATHWAYS, "workshop", "status", "--root", str(root)], capture_output=True, text=True)
    assert status.returncode == 1 and "No workshop" in status.stdout
