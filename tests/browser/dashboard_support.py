"""Helpers shared by the dashboard browser tests and the dashboard benchmark: start/stop Voila, Chromium.

Voila runs with the production configuration (grading/dashboards/voila/voila.py) plus any overrides, on a free
127.0.0.1 port, with the caller's own Jupyter config folder so the machine's settings never leak in.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from pathways.grading.dashboards import site as dashboards

HERE = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"

# --- talking to a kernel as a visitor's page does ---------------------------------------------------------------
#: The kernel WebSocket protocol of JupyterLab's and Voila's front ends: binary frames that the server forwards
#: without decoding them (jupyter_server encodes and decodes them with the functions used below).
V1_PROTOCOL = "v1.kernel.websocket.jupyter.org"


def kernel_message(msg_type: str, content: dict, metadata: dict | None = None) -> dict:
    """A shell-channel Jupyter message as a front end sends it (its id is msg['header']['msg_id'])."""
    header = {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "username": "", "session": "visitor",
              "version": "5.3", "date": ""}
    return {"header": header, "parent_header": {}, "metadata": metadata or {}, "content": content}


def v1_frame(msg: dict) -> bytes:
    """A message as one v1-protocol frame on the shell channel."""
    from jupyter_server.services.kernels.connection.base import serialize_msg_to_ws_v1

    return serialize_msg_to_ws_v1(msg, "shell", pack=lambda part: json.dumps(part).encode())


def v1_read(frame: bytes) -> dict:
    """A v1-protocol frame from the server as {msg_type, parent_header, content}."""
    from jupyter_server.services.kernels.connection.base import deserialize_msg_from_ws_v1

    _channel, parts = deserialize_msg_from_ws_v1(frame)
    header, parent, _metadata, content = (json.loads(part) for part in parts[:4])
    return {"msg_type": header["msg_type"], "parent_header": parent, "content": content}


def free_port() -> int:
    """A TCP port nobody listens on right now (127.0.0.1)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    """Wait until `url` answers 200, or fail with the server's output if it dies or takes too long."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"Voila exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


@dataclass
class Server:
    """A running Voila: its base URL, the folder it serves, its process and log file."""

    url: str
    root: Path
    proc: subprocess.Popen
    log: Path
    lessons: list[str] = field(default_factory=list)

    def lesson_url(self, lesson: str) -> str:
        """The dashboard page of a lesson."""
        return f"{self.url}voila/render/{lesson}/lesson.ipynb"


def start_server(root: Path, log: Path, overrides: list[str] | None = None, pool: int = 2,
                 lesson_pools: dict[str, int] | None = None) -> Server:
    """Start Voila on a free port with the production config (plus overrides) and wait until it answers."""
    port = free_port()
    home = log.parent / "jupyter-config"
    env = {"JUPYTER_CONFIG_DIR": str(home), "PATHWAYS_RESOURCES": None, "PATHWAYS_COURSE": None}
    proc = dashboards.start(root, port, overrides or [], pool=pool, lesson_pools=lesson_pools, extra_env=env,
                            stdout=log.open("w"), stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}/", root, proc, log)
    try:
        wait_http(server.url, proc)
    except Exception:
        stop_server(server)
        raise RuntimeError(f"Voila did not start:\n{log.read_text(errors='replace')[-4000:]}") from None
    return server


def stop_server(server: Server) -> None:
    """Stop Voila (and with it every kernel it started)."""
    if server.proc.poll() is None:
        server.proc.terminate()
        try:
            server.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait()


def scenario_files(notebook: Path) -> list[str]:
    """The scenario files a lesson notebook plays, in order (from its `roleplay("...")` calls)."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    found = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            found += re.findall(r"roleplay\(\s*[\"']([^\"']+)[\"']", "".join(cell["source"]))
    return found


def kernel_processes(pid: int) -> dict[str, object]:
    """Kernel id -> psutil.Process for every kernel a Voila process (pid) runs (from its connection file)."""
    import psutil

    found = {}
    for child in psutil.Process(pid).children(recursive=True):
        try:
            match = re.search(r"kernel-([0-9a-f-]{36})\.json", " ".join(child.cmdline()))
        except psutil.Error:
            continue
        if match:
            found[match.group(1)] = child
    return found


def kernel_count(proc) -> int:
    """How many kernels a Voila process runs."""
    return len(kernel_processes(proc.pid))


def one_lesson_site(dashboards_site: Path, folder: Path, lesson: str) -> Path:
    """A copy of one lesson's dashboard alone (a small server for culling and capacity tests)."""
    (folder / lesson).mkdir(parents=True)
    for path in (dashboards_site / lesson).iterdir():
        (folder / lesson / path.name).write_bytes(path.read_bytes())
    (folder / dashboards.MARKER).write_text("test\n")
    return folder


def wait_for(condition, timeout: float, every: float = 0.25) -> bool:
    """Poll `condition()` until it is true or `timeout` s have passed; return its last value."""
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(every)
    return bool(condition())


# --- cold start: load, launch, first render ---------------------------------------------------------------------
@contextlib.contextmanager
def cpu_hogs(count: int, seconds: float):
    """`count` processes that keep a core busy each, for at most `seconds` (they stop by themselves, and are
    stopped when the block ends)."""
    loop = f"import time\nend = time.monotonic() + {float(seconds)}\nwhile time.monotonic() < end:\n    pass\n"
    procs = [subprocess.Popen([sys.executable, "-c", loop], stdin=subprocess.DEVNULL) for _ in range(count)]
    try:
        yield procs
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()


def render_in_browser(browser, url: str, timeout_ms: int = 60_000) -> float:
    """Seconds from asking for a lesson page in a new tab to its widgets on screen (the lesson's own quick exit
    and, where there is one, the role-play's choices)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        start = time.monotonic()
        page.goto(url, timeout=timeout_ms)
        page.wait_for_selector("#rendered_cells .pw-exit", state="visible", timeout=timeout_ms)
        if page.locator(".pw-roleplay").count():
            page.wait_for_selector(".pw-roleplay .pw-choice", state="visible", timeout=timeout_ms)
        return time.monotonic() - start
    finally:
        context.close()


def pools_warm(proc: subprocess.Popen, expected: int, timeout: float = 300, quiet_cpu: float = 0.05) -> float | None:
    """Wait until a Voila runs `expected` kernels and none of them is working (preheating done: each used less
    than `quiet_cpu` s of CPU over 0.5 s); return the seconds waited, or None on timeout."""
    import psutil

    start = time.monotonic()
    while time.monotonic() - start < timeout:
        found = kernel_processes(proc.pid)
        if len(found) >= expected:
            try:
                before = {k: sum(p.cpu_times()[:2]) for k, p in found.items()}
                time.sleep(0.5)
                busy = [k for k, p in found.items() if sum(p.cpu_times()[:2]) - before[k] > quiet_cpu]
            except psutil.Error:
                continue
            if not busy:
                return time.monotonic() - start
        else:
            time.sleep(0.25)
    return None


@dataclass
class ColdStart:
    """What a visitor of a freshly launched dashboards server sees, in seconds."""

    http: float  # launch -> the server answers
    first_render: float  # launch -> the first lesson's widgets on screen in Chromium
    first_render_after_http: float  # the server answers -> the first lesson on screen
    every_lesson: dict[str, float]  # each lesson's render, opened one after another right after
    all_warm: float | None  # launch -> every pool full and idle


def cold_start(site: Path, log: Path, browser, lessons: list[str], pool: int = 2,
               lesson_pools: dict[str, int] | None = None, overrides: list[str] | None = None,
               refill: bool = True) -> tuple[Server, ColdStart]:
    """Launch Voila on `site`, open the first lesson in Chromium as soon as it answers, then every lesson, then
    wait for the pools to be warm (with `refill=False`, when the caller has made refills wait longer than the
    run: the first pool kernels, less those the visits took). Returns the running server (the caller stops it)
    and the timings."""
    start = time.monotonic()
    server = start_server(site, log, overrides=overrides, pool=pool, lesson_pools=lesson_pools)
    http = time.monotonic() - start
    first = render_in_browser(browser, server.lesson_url(lessons[0]))
    first_total = time.monotonic() - start
    each = {lessons[0]: first}
    for lesson in lessons[1:]:
        each[lesson] = render_in_browser(browser, server.lesson_url(lesson))
    # every pool full again: pool kernels per lesson, plus the kernels of the visits just made (not yet culled)
    pooled = sum((lesson_pools or {}).get(lesson, pool) for lesson in lessons)
    waited = pools_warm(server.proc, pooled + len(lessons) if refill else pooled)
    warm = None if waited is None else time.monotonic() - start
    return server, ColdStart(http, first_total, first, each, warm)
