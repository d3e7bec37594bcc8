"""A real workshop on 127.0.0.1: three learner accounts, JupyterHub, the exchange, grading and feedback.

One hub serves the whole module (it takes seconds to start and each learner's server ~150 MB). The fixture
removes every account, home and process it made even when a test fails, and then checks that nothing is left.
Needs root, bubblewrap, setfacl, npm and Debian's /usr/bin/python3.11 (all installed by .ci/run); the shared hub
environment (/opt/pathways-workshop) is built the first time and reused after.
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("workshop")]

LESSON = "01-why-dont-they-leave"
PREFIX = "pwt-"
UIDS = (47900, 47999)  # a range of its own, apart from a real workshop's default
LEARNERS = {"ana": "Ana Lima", "ben": "Ben Okafor", "cleo": "Cleo Martin"}
REPO = Path(__file__).resolve().parents[2]
TIMINGS: dict[str, float] = {}


def _missing() -> str | None:
    if os.geteuid() != 0:
        return "needs root (real Unix accounts)"
    for tool in ("useradd", "setfacl", "npm", "bwrap", "openssl"):
        if not shutil.which(tool):
            return f"needs {tool}"
    if not Path("/usr/bin/python3.11").is_file():
        return "needs Debian's /usr/bin/python3.11"
    return None


# --- talking to the hub as a learner would -----------------------------------------------------------------

class Learner:
    """One learner's browser session, then their API token (as JupyterLab's own requests use)."""

    def __init__(self, url: str, user: str, passphrase: str):
        import requests

        self.url, self.user, self.passphrase = url, user, passphrase
        self.http = requests.Session()
        self.token = None

    def login(self) -> int:
        """Log in through the hub's form; the HTTP status of the answer."""
        page = self.http.get(self.url + "hub/login", timeout=30)
        m = re.search(r'name="_xsrf"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="_xsrf"', page.text)
        xsrf = m.group(1) or m.group(2)
        resp = self.http.post(self.url + "hub/login", data={"username": self.user, "password": self.passphrase,
                                                              "_xsrf": xsrf}, allow_redirects=False, timeout=60)
        if resp.status_code == 302:
            home = self.http.get(self.url + "hub/home", timeout=30)  # the xsrf token is tied to the new session
            xsrf = re.search(r'xsrf_token: "([^"]+)"', home.text).group(1)
            tok = self.http.post(self.url + f"hub/api/users/{self.user}/tokens", json={"note": "test"},
                                 headers={"X-XSRFToken": xsrf}, timeout=30)
            tok.raise_for_status()
            self.token = tok.json()["token"]
        return resp.status_code

    def api(self, method: str, path: str, **kw):
        """A request with the learner's token."""
        headers = {"Authorization": f"token {self.token}", **kw.pop("headers", {})}
        return self.http.request(method, self.url + path, headers=headers, timeout=kw.pop("timeout", 60), **kw)

    def start_server(self, timeout: float = 240) -> float:
        """Ask the hub for this learner's server and wait until the hub says it is ready; seconds taken."""
        t0 = time.monotonic()
        resp = self.api("POST", f"hub/api/users/{self.user}/server")
        assert resp.status_code in (201, 202), resp.text
        while time.monotonic() - t0 < timeout:
            info = self.api("GET", f"hub/api/users/{self.user}").json()
            server = info.get("servers", {}).get("")
            if server and server.get("ready"):
                return time.monotonic() - t0
            time.sleep(0.25)
        raise AssertionError(f"{self.user}'s server was not ready within {timeout} s")

    def run(self, code: str, cwd: str = LESSON, timeout: float = 120) -> str:
        """Run code in a kernel of the learner's own server (a notebook session in `cwd`); its printed output."""
        import websocket

        sess = self.api("POST", f"user/{self.user}/api/sessions", json={
            "path": f"{cwd}/scratch.ipynb", "type": "notebook", "name": "scratch.ipynb",
            "kernel": {"name": "python3"}}).json()
        kid = sess["kernel"]["id"]
        ws = websocket.create_connection(self.url.replace("http", "ws", 1) + f"user/{self.user}/api/kernels/{kid}/"
                                         "channels", header=[f"Authorization: token {self.token}"], timeout=timeout)
        msg_id = uuid.uuid4().hex
        ws.send(json.dumps({"header": {"msg_id": msg_id, "username": self.user, "session": uuid.uuid4().hex,
                                       "msg_type": "execute_request", "version": "5.3"},
                            "parent_header": {}, "metadata": {}, "channel": "shell",
                            "content": {"code": code, "silent": False, "store_history": False,
                                        "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}}))
        out, done = [], False
        deadline = time.monotonic() + timeout
        while not done and time.monotonic() < deadline:
            msg = json.loads(ws.recv())
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = msg["header"]["msg_type"]
            if kind == "stream":
                out.append(msg["content"]["text"])
            elif kind == "error":
                out.append("ERROR " + msg["content"]["ename"] + ": " + msg["content"]["evalue"])
            elif kind == "status" and msg["content"]["execution_state"] == "idle":
                done = True
        ws.close()
        self.api("DELETE", f"user/{self.user}/api/sessions/{sess['id']}")
        assert done, f"kernel of {self.user} did not finish"
        return "".join(out)

    def assignments(self, action: str | None = None) -> object:
        """The Assignments tab's calls: list, or fetch / submit / fetch_feedback the lesson."""
        if action is None:
            return self.api("GET", f"user/{self.user}/assignments", params={"course_id": "pathways"}).json()
        return self.api("POST", f"user/{self.user}/assignments/{action}",
                        data={"course_id": "pathways", "assignment_id": LESSON}).json()


def _model_code() -> str:
    """The lesson's model answers (its solution cell), recorded as the activities record them, then saved to the
    learner's responses.json (model answers alone stay in memory)."""
    import nbformat

    nb = nbformat.read(REPO / "lessons" / LESSON / "lesson.ipynb", as_version=4)
    save = ("\nfrom pathways.responses import store as _store\n_s = _store()\n"
            "for _a, _r in list(_s.memory.items()):\n    _s.put(_a, _r, persist=True)\n")
    return "\n".join(re.sub(r"^\s*### (BEGIN|END) SOLUTION\s*$", "", c.source, flags=re.M) for c in nb.cells
                     if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")) + save


GROUP = f"{PREFIX}learners"


def _acl_entries(paths: list[str]) -> list[str]:
    """ACL entries for the learners' group (by name, or by gid once the group is gone) on these paths."""
    found = []
    for path in paths:
        if not Path(path).exists():
            continue
        acl = subprocess.run(["getfacl", "-p", "--omit-header", path], capture_output=True, text=True).stdout
        if re.search(rf"^group:({re.escape(GROUP)}|{UIDS[0]}):", acl, re.M):
            found.append(f"ACL on {path}")
    return found


def _leftovers(root: Path, hidden: list[str]) -> list[str]:
    """Everything of the test's workshop still on the machine: accounts, groups, processes, ACLs, its folder."""
    left = [f"account {p.pw_name}" for p in pwd.getpwall() if p.pw_name.startswith(PREFIX)
            or UIDS[0] <= p.pw_uid <= UIDS[1]]
    left += [f"group {g.gr_name}" for g in grp.getgrall() if g.gr_name.startswith(PREFIX)
             or UIDS[0] <= g.gr_gid <= UIDS[1]]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if UIDS[0] <= os.stat(f"/proc/{entry}").st_uid <= UIDS[1]:
                    left.append(f"process {entry}")
            except OSError:
                continue
    left += _acl_entries(hidden)
    if root.exists():
        left.append(f"folder {root}")
    return left


def _sweep(workshop, root: Path, hidden: list[str]) -> None:
    """Remove whatever a failed start or stop left: the workshop's own teardown, then any account of the test's
    prefix made by a workshop, its group, and the group's ACL entries."""
    record = workshop.load_record(root)
    if record is not None:
        workshop.teardown(workshop.Layout(root), record, keep=False)
    for acct in pwd.getpwall():
        if acct.pw_name.startswith(PREFIX) and acct.pw_gecos == workshop.LEARNER_COMMENT:
            workshop.remove_account(acct.pw_name, acct.pw_dir)
    workshop.unhide(GROUP, hidden)
    subprocess.run(["groupdel", GROUP], capture_output=True)
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def hub(released_course, tmp_path_factory):
    """A running workshop for three learners; removed (and checked removed) whatever happens."""
    why = _missing()
    if why:
        pytest.skip(why)
    from pathways.grading import workshop

    base = tmp_path_factory.mktemp("workshop")
    course = base / "course"
    shutil.copytree(released_course, course)
    roster = base / "class.csv"
    roster.write_text("id,name\n" + "".join(f"{sid},{name}\n" for sid, name in LEARNERS.items()), encoding="utf-8")
    root = Path(tempfile.mkdtemp(prefix="pathways-ws-test-"))
    port = workshop._free_port()
    hidden = [str(REPO), str(REPO / "lessons"), str(course)]  # the folders hide_from shuts learners out of
    opts = workshop.StartOptions(class_list=roster, course=course, port=port, root=root, prefix=PREFIX, uids=UIDS,
                                 spawn_limit=3, idle_timeout=900, release=False, ready_timeout=180)
    t0 = time.monotonic()
    try:
        record = workshop.start(opts, log=lambda *_: None)
        TIMINGS["start"] = time.monotonic() - t0
        users = sorted(record["learners"])
        sheet = Path(record["sheet"]).read_text(encoding="utf-8")
        secrets_by_user = {u: re.search(rf"^.*\b{re.escape(u)}\s+(\S+)$", sheet, re.M).group(1) for u in users}
        yield {"record": record, "root": root, "course": course, "passphrases": secrets_by_user, "url": record["url"],
               "workshop": workshop, "learners": {}}
    finally:
        t1 = time.monotonic()
        _sweep(workshop, root, hidden)
        TIMINGS["teardown"] = time.monotonic() - t1
        left = _leftovers(root, hidden)
        print(f"\nworkshop test timings (s): {json.dumps({k: round(v, 1) for k, v in TIMINGS.items()})}")
        assert not left, f"left behind: {left}"


@pytest.fixture(scope="module")
def learners(hub) -> dict[str, Learner]:
    """The three learners logged in, each with their server started (all three at once)."""
    out = {}
    for sid in LEARNERS:
        user = f"{PREFIX}{sid}"
        out[sid] = Learner(hub["url"], user, hub["passphrases"][user])
        assert out[sid].login() == 302
    t0 = time.monotonic()
    with ThreadPoolExecutor(3) as pool:
        waits = list(pool.map(lambda le: le.start_server(), out.values()))
    TIMINGS["servers_ready"] = time.monotonic() - t0
    TIMINGS["slowest_server"] = max(waits)
    return out


def test_are_accounts_locked_down_and_homes_private(hub):
    """Is every learner account without a shell, password or privileged group, with a private home holding the
    lessons?"""
    for user, info in hub["record"]["learners"].items():
        acct = pwd.getpwnam(user)
        assert acct.pw_shell == "/usr/sbin/nologin" and UIDS[0] < acct.pw_uid <= UIDS[1]
        groups = subprocess.run(["id", "-nG", user], capture_output=True, text=True).stdout.split()
        assert set(groups) == {user, f"{PREFIX}learners"}
        shadow = subprocess.run(["getent", "shadow", user], capture_output=True, text=True).stdout
        assert shadow.split(":")[1].startswith("!")
        home = Path(info["home"])
        assert home.stat().st_mode & 0o777 == 0o700 and home.stat().st_uid == acct.pw_uid
        assert (home / LESSON / "lesson.ipynb").stat().st_uid == acct.pw_uid
    sheet = Path(hub["record"]["sheet"])
    assert sheet.stat().st_mode & 0o777 == 0o600 and Path(hub["record"]["slips"]).stat().st_mode & 0o777 == 0o600


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
    code = _model_code()
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

    pathways = [str(Path(sys.executable).parent / "pathways")]
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
        scores[sid] = re.search(r"Score: ([0-9.]+) / ([0-9.]+)", page)
    assert scores["ana"] and scores["cleo"] and float(scores["ana"].group(1)) > float(scores["cleo"].group(1))


def test_do_the_attacks_of_one_learner_on_another_fail(hub, learners):
    """As a learner (in their own kernel and with their own token): is handing in as another, reading another's
    home, hand-ins or feedback, listing the inbox, reaching the gradebook, the source lessons, the formgrader or
    the hub's user list, or another's server, refused, and does collect refuse a forged hand-in?"""
    ana, ben = learners["ana"], learners["ben"]
    ex = hub["root"] / "exchange" / "pathways"
    targets = {
        "ben's home": hub["record"]["learners"][ben.user]["home"],
        "ben's lesson": f"{hub['record']['learners'][ben.user]['home']}/{LESSON}/lesson.ipynb",
        "ben's hand-ins": str(ex / "inbound" / ben.user),
        "ben's feedback": str(ex / "feedback" / ben.user),
        "the inbox": str(ex / "inbound"),
        "the feedback folder": str(ex / "feedback"),
        "the gradebook": str(hub["course"] / "gradebook.db"),
        "the course": str(hub["course"]),
        "the source lessons": str(REPO / "lessons" / LESSON / "lesson.ipynb"),
        "the workshop state": str(hub["root"] / "state"),
    }
    probe = f"""
import json, os
result = {{}}
for name, path in {json.dumps(targets)}.items():
    try:
        if os.path.isdir(path):
            os.listdir(path)
        else:
            open(path, "rb").read(1)
        result[name] = "READ"
    except OSError as exc:
        result[name] = type(exc).__name__
try:
    open({json.dumps(str(ex / 'inbound' / ben.user / 'x'))}, "w").write("x")
    result["write into ben's hand-ins"] = "WROTE"
except OSError as exc:
    result["write into ben's hand-ins"] = type(exc).__name__
import subprocess, sys
run = subprocess.run([sys.executable, "-m", "nbgrader", "submit", "{LESSON}", "--student", "{ben.user}"],
                     cwd=os.path.expanduser("~"), capture_output=True, text=True)
result["nbgrader submit --student ben"] = run.returncode
print(json.dumps(result))
"""
    out = ana.run(probe, cwd=".")
    result = json.loads(out.strip().splitlines()[-1])
    assert result.pop("nbgrader submit --student ben") != 0
    assert all(v in ("PermissionError", "FileNotFoundError") for v in result.values()), result

    # Bypassing nbgrader: a hand-in named for ben, written straight into ana's own inbound folder.
    forged = f"{ben.user}+{LESSON}+2030-01-01 00:00:00.000000 UTC+forged"
    view = hub["root"] / "exchange" / "views" / ana.user / "pathways" / "inbound" / forged
    out = ana.run(f"""
import os, shutil
d = {str(view)!r}
os.makedirs(d)
shutil.copy('lesson.ipynb', d)
print('forged')
""")
    assert "forged" in out, out
    report = hub["workshop"].collect_exchange(hub["root"])
    assert any("named for" in r and ben.user in r for r in report.refused), report.lines()
    assert not any(ben.user in t and "2030" in t for t in report.taken)

    # Over HTTP with ana's own token.
    assert ana.api("GET", "hub/api/users").status_code == 403
    assert ana.api("GET", f"hub/api/users/{ben.user}").status_code in (403, 404)
    assert ana.api("GET", f"user/{ben.user}/api/contents", allow_redirects=False).status_code in (302, 403, 404)
    assert ana.api("GET", f"user/{ana.user}/formgrader", allow_redirects=False).status_code == 404
    assert ana.api("GET", "services/formgrader/").status_code in (403, 404)  # via the hub's redirect: none there
