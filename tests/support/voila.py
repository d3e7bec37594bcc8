"""A Voila serving built dashboards, as the dashboard browser tests and the dashboard benchmark run it, and a
visitor's kernel messages.

Voila runs with the production configuration (grading/delivery/dashboards/voila/voila.py) plus any overrides, on a free
127.0.0.1 port, with the caller's own Jupyter config folder so the machine's settings never leak in.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from pathways.grading.delivery.dashboards import build as dashboards

from .processes import free_port, stop_process, wait_http

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
        stop_process(server.proc, timeout=20)


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
