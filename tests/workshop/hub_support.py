"""What the workshop test uses to act as learners and instructor, and to check that nothing is left behind."""

from __future__ import annotations

import grp
import hashlib
import json
import os
import pwd
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time
import uuid
from pathlib import Path

from pathways.grading import processes
from pathways.grading.delivery.workshop.cleanup import traces
from pathways.grading.delivery.workshop.limits import CGROUP, CONTROLLERS
from pathways.grading.delivery.workshop.record import WorkshopRecord
from support.hub_env import hub_environment

LESSON = "01-why-dont-they-leave"
# a prefix and uid range of its own, apart from a real workshop's default; overridable so that two checkouts' test
# runs on one machine (the CI beside a developer) never share accounts
PREFIX = os.environ.get("PATHWAYS_TEST_WORKSHOP_PREFIX", "pwt-")
UIDS = tuple(int(n) for n in os.environ.get("PATHWAYS_TEST_WORKSHOP_UIDS", "47900-47999").split("-", 1))
LEARNERS = {"ana": "Ana Lima", "ben": "Ben Okafor", "cleo": "Cleo Martin"}
REPO = Path(__file__).resolve().parents[2]
PATHWAYS = str(Path(sys.executable).parent / "pathways")
TIMINGS: dict[str, float] = {}


def missing() -> str | None:
    """Why the workshop cannot run here, or None."""
    if os.geteuid() != 0:
        return "needs root (real Unix accounts)"
    for tool in ("useradd", "setfacl", "npm", "bwrap"):
        if not shutil.which(tool):
            return f"needs {tool}"
    if not Path("/usr/bin/python3.11").is_file():
        return "needs Debian's /usr/bin/python3.11"
    return None


# --- talking to the hub as a learner would -----------------------------------------------------------------

class Learner:
    """One learner's browser session, then their API token (as JupyterLab's own requests use)."""

    def __init__(self, url: str, user: str, passphrase: str, verify: str | bool = True):
        import requests

        self.url, self.user, self.passphrase = url, user, passphrase
        self.http = requests.Session()
        self.http.verify = verify  # over HTTPS: the workshop's own certificate
        self.http.trust_env = False  # else REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE would replace `verify`
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
        import requests

        headers = {"Authorization": f"token {self.token}", **kw.pop("headers", {})}
        timeout = kw.pop("timeout", 60)
        try:
            return self.http.request(method, self.url + path, headers=headers, timeout=timeout, **kw)
        except requests.ConnectionError as exc:
            # a kept-alive connection the proxy closed while it was idle (node closes them after 5 s) fails
            # when reused, before the request reaches anyone: once more, on a new connection
            if "RemoteDisconnected" not in repr(exc):
                raise
            return self.http.request(method, self.url + path, headers=headers, timeout=timeout, **kw)

    def start_server(self, timeout: float = 240, poll: float = 0.25) -> float:
        """Ask the hub for this learner's server and wait until the hub says it is ready; seconds taken (the
        benchmark polls less often, so that thirty learners asking do not load the hub themselves)."""
        t0 = time.monotonic()
        resp = self.api("POST", f"hub/api/users/{self.user}/server")
        assert resp.status_code in (201, 202), resp.text
        while time.monotonic() - t0 < timeout:
            info = self.api("GET", f"hub/api/users/{self.user}").json()
            server = info.get("servers", {}).get("")
            if server and server.get("ready"):
                return time.monotonic() - t0
            time.sleep(poll)
        raise AssertionError(f"{self.user}'s server was not ready within {timeout} s")

    def run(self, code: str, cwd: str = LESSON, timeout: float = 120, close: bool = True) -> str:
        """Run code in a kernel of the learner's own server (a notebook session in `cwd`); its printed output.
        `close=False` leaves the kernel running (the benchmark measures memory with one kernel per learner)."""
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
        if close:
            self.api("DELETE", f"user/{self.user}/api/sessions/{sess['id']}")
        assert done, f"kernel of {self.user} did not finish"
        return "".join(out)

    def assignments(self, action: str | None = None) -> object:
        """The Assignments tab's calls: list, or fetch / submit / fetch_feedback the lesson."""
        if action is None:
            return self.api("GET", f"user/{self.user}/assignments", params={"course_id": "pathways"}).json()
        return self.api("POST", f"user/{self.user}/assignments/{action}",
                        data={"course_id": "pathways", "assignment_id": LESSON}).json()


def model_code() -> str:
    """The lesson's model answers (its solution cell), recorded as the activities record them, then saved to the
    learner's responses.json (model answers alone stay in memory)."""
    import nbformat

    nb = nbformat.read(REPO / "lessons" / LESSON / "lesson.ipynb", as_version=4)
    save = ("\nfrom pathways.activities.responses import store as _store\n_s = _store()\n"
            "for _a, _r in list(_s.memory.items()):\n    _s.put(_a, _r, persist=True)\n")
    return "\n".join(re.sub(r"^\s*### (BEGIN|END) SOLUTION\s*$", "", c.source, flags=re.M) for c in nb.cells
                     if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")) + save


GROUP = f"{PREFIX}learners"


def acl_entries(paths: list[str], group: str = GROUP, gid: int = UIDS[0]) -> list[str]:
    """ACL entries for the learners' group (by name, or by gid once the group is gone) on these paths."""
    found = []
    for path in paths:
        if not Path(path).exists():
            continue
        acl = subprocess.run(["getfacl", "-p", "--omit-header", path], capture_output=True, text=True).stdout
        if re.search(rf"^group:({re.escape(group)}|{gid}):", acl, re.M):
            found.append(f"ACL on {path}")
    return found


def leftovers(root: Path, hidden: list[str], prefix: str = PREFIX, uids: tuple[int, int] = UIDS) -> list[str]:
    """Everything of the test's workshop still on the machine: accounts, groups, processes, ACLs, its folder
    (the benchmark's workshop has a prefix and uid range of its own)."""
    left = [f"account {p.pw_name}" for p in pwd.getpwall() if p.pw_name.startswith(prefix)
            or uids[0] <= p.pw_uid <= uids[1]]
    left += [f"group {g.gr_name}" for g in grp.getgrall() if g.gr_name.startswith(prefix)
             or uids[0] <= g.gr_gid <= uids[1]]
    # a process of theirs still running (a zombie has ended: it only waits for init, PID 1, to collect it)
    left += [f"process {p.pid}" for p in processes.owned_by(range(uids[0], uids[1] + 1)) if processes.running(p)]
    left += [f"process {p.pid} (HOME in the workshop's folder)" for p in processes.with_home_in(root)]
    left += [t for t in traces(set(range(uids[0], uids[1] + 1))) if not t.startswith("process")]  # temp files, IPC
    cgroups = [f"{CGROUP}/{c}" for c in CONTROLLERS]
    left += [f"cgroup {d}" for top in cgroups for d, _, _ in os.walk(top) if d.endswith(f"/pathways-{prefix[:-1]}")]
    left += [f"mount {line.split()[1]}" for line in Path("/proc/mounts").read_text().splitlines()
             if line.split()[1].startswith(str(root) + "/")]
    left += acl_entries(hidden, f"{prefix}learners", uids[0])
    if root.exists():
        left.append(f"folder {root}")
    return left


def sweep(workshop, root: Path, hidden: list[str], prefix: str = PREFIX) -> None:
    """Remove whatever a failed start or stop left: the workshop's own teardown, then any account of the test's
    prefix made by a workshop, its group, and the group's ACL entries."""
    record = workshop.load_record(root)
    if record is not None:
        workshop.teardown(workshop.Layout(root), record, keep=False)
    for acct in pwd.getpwall():
        if acct.pw_name.startswith(prefix) and acct.pw_gecos in workshop.WORKSHOP_COMMENTS:
            workshop.remove_account(acct.pw_name, acct.pw_dir)
    workshop.unhide(f"{prefix}learners", hidden)
    subprocess.run(["groupdel", f"{prefix}learners"], capture_output=True)
    shutil.rmtree(root, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_pathways(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """The instructor's command, as they type it; fails the test with its output if it fails."""
    proc = subprocess.run([PATHWAYS, *args], capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, f"pathways {' '.join(args)}:\n{proc.stdout}\n{proc.stderr}"
    return proc


def read_sheet(record: WorkshopRecord) -> tuple[str, dict[str, str]]:
    """The sign-in sheet's text and the passphrase it gives each account."""
    sheet = Path(record.sheet).read_text(encoding="utf-8")
    return sheet, {u: re.search(rf"^.*\b{re.escape(u)}\s+(\S+)$", sheet, re.M).group(1) for u in record.learners}


def shared_environment() -> None:
    """Bring the shared hub environment up to date (support.hub_env), timing it."""
    t0 = time.monotonic()
    found = hub_environment()
    if isinstance(found, str):
        raise RuntimeError(f"no shared hub environment: {found}")
    TIMINGS["hub_environment"] = time.monotonic() - t0


def start_workshop(hub: dict, address: str, port: int) -> dict:
    """`pathways workshop start` for the test's class on this address; the workshop's record."""
    t0 = time.monotonic()
    out = run_pathways("workshop", "start", "--class-list", str(hub["roster"]), "--course", str(hub["course"]),
                       "--address", address, "--port", str(port), "--root", str(hub["root"]), "--prefix", PREFIX,
                       "--uids", f"{UIDS[0]}-{UIDS[1]}", "--spawn-limit", "3", "--idle-timeout", "900",
                       "--no-release", "--ready-timeout", "180")
    TIMINGS[f"start {address}"] = time.monotonic() - t0
    assert "Workshop running at" in out.stdout, out.stdout
    record = hub["workshop"].load_record(hub["root"])
    hub["record"], hub["url"] = record, record.url
    hub["sheet"], hub["passphrases"] = read_sheet(record)
    return record


def probe_code(targets: dict[str, str], ben_inbound: str, ben_user: str) -> str:
    """Code a learner runs in their kernel: try to read every target, write into ben's hand-ins and hand in as ben;
    prints the outcome of each as JSON."""
    return f"""
import json, os, subprocess, sys
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
    open({json.dumps(ben_inbound + '/x')}, "w").write("x")
    result["write into ben's hand-ins"] = "WROTE"
except OSError as exc:
    result["write into ben's hand-ins"] = type(exc).__name__
run = subprocess.run([sys.executable, "-m", "nbgrader", "submit", "{LESSON}", "--student", "{ben_user}"],
                     cwd=os.path.expanduser("~"), capture_output=True, text=True)
result["nbgrader submit --student ben"] = run.returncode
print(json.dumps(result))
"""


def archives(course: Path) -> list[Path]:
    """The exchange archives `stop` left in the course."""
    return sorted((course / "pathways" / "workshop").glob("exchange-*.tar.gz"))


def served_fingerprint(address: str, port: int) -> str:
    """The SHA-256 fingerprint of the certificate served there, as a browser shows it."""
    der = ssl.PEM_cert_to_DER_cert(ssl.get_server_certificate((address, port), timeout=30))
    return ":".join(f"{b:02X}" for b in hashlib.sha256(der).digest())
