"""A plain static web server (Python's http.server) on 127.0.0.1 for one folder, for the static site's tests."""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # the tests read what they need; no log on stderr
        pass


@dataclass
class StaticServer:
    """Where a folder is served."""

    root: Path
    base: str  # http://127.0.0.1:<port>/


@contextlib.contextmanager
def serve(root: Path) -> Iterator[StaticServer]:
    """Serve `root` on a free 127.0.0.1 port for the duration of the block (listening when it yields)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield StaticServer(Path(root), f"http://127.0.0.1:{server.server_port}/")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
