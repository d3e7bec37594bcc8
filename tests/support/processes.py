"""Processes and threads a test starts: stop a server, wait for a port or a condition, run code off the main thread."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.error
import urllib.request


def stop_process(proc: subprocess.Popen, timeout: float = 20) -> None:
    """Stop a server a test started: terminate, then kill if it does not exit in time."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def in_own_thread(func, *args, **kwargs):
    """Call `func` in a new thread and return its result (or raise its exception).

    Once a browser test has started Playwright's sync API on an xdist worker, the worker's main thread has a
    running asyncio loop for the rest of the session: `asyncio.run()` fails there, and code that looks for a
    running loop (a widget deciding whether it runs in a kernel) finds Playwright's. A fresh thread has none.
    """
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(func, *args, **kwargs).result()


def run_async(coro):
    """`asyncio.run(coro)` in a thread of its own (see `in_own_thread`)."""
    import asyncio

    return in_own_thread(asyncio.run, coro)


def free_port() -> int:
    """A TCP port nobody listens on right now (127.0.0.1)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    """Wait until `url` answers 200, or fail if the server (`proc`) dies or takes too long."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


def wait_for(condition, timeout: float, every: float = 0.25) -> bool:
    """Poll `condition()` until it is true or `timeout` s have passed; return its last value."""
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(every)
    return bool(condition())
