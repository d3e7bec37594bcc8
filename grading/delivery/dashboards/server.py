"""The Voila process of the published dashboards: stock Voila, with pools that fill without starving visitors.

`pathways dashboards serve` runs `python -m pathways.grading.delivery.dashboards.server …` (same arguments as `python
-m voila`).
This module changes three things in Voila before it starts, and nothing else:

* **Pools fill politely.** Voila starts every kernel of every pool at once when it starts (7 lessons × 2 = 14
  kernels, each executing its whole lesson) and the first visitors of a small server wait behind all of them
  (measured on 2 cores: load average 12, first pages after 30–60 s). Here a `PreheatScheduler` lets at most
  `preheat_concurrency` kernels preheat at a time (default: half the cores, at least one), and picks the lesson
  that needs one most: a lesson a visitor just asked for first, then the lesson with the fewest kernels ready
  (so every lesson gets its first kernel before any gets its second), lessons in their order.
* **A visitor never waits behind the queue.** When a visitor asks for a lesson, a kernel that is ready is taken
  before one still preheating, and a kernel that is only waiting its turn starts at once, whatever the limit.
  While a visitor's page is being served (and 2 s after, while its widgets are drawn), no background preheat
  starts: pages first, pools after (a preheat is held back 15 s at most).
  A pooled kernel that died or failed to preheat is dropped (and replaced) instead of being handed out.
* **A full server says so.** Past `max_kernels` kernels (default: what three quarters of the memory holds), a
  visitor whose lesson has no kernel ready gets a plain "busy, try again in a minute" page (HTTP 503, with the
  quick exit and the support lines) instead of a page that never comes.

The page itself (grading/delivery/dashboards/voila/share/voila/templates/pathways/index.html.j2) tells a visitor
plainly when the
lesson is slow to start, could not start, or lost its kernel, and offers to reload it.

Its parts: preheat.py (which kernel preheats next), pools.py (Voila's kernel manager with the scheduler and the
cap), and this module (the busy page, and Voila started with both put in place).
"""

from __future__ import annotations

import sys

import tornado.web

from .pools import KERNEL_MB, default_max_kernels, kernel_manager_factory
from .preheat import PreheatScheduler, default_concurrency

#: Importable from here as before (tests, and the code that knew only this module).
__all__ = ["KERNEL_MB", "PreheatScheduler", "busy_handler_class", "default_concurrency", "default_max_kernels",
           "install", "kernel_manager_factory", "main"]


# --- the busy page -----------------------------------------------------------------------------------------------
def busy_handler_class():
    """Voila's page handler, answering 503 with the busy page when the server has no room for the visitor."""
    from voila.tornado.handler import TornadoVoilaHandler

    class PathwaysVoilaHandler(TornadoVoilaHandler):
        @tornado.web.authenticated
        async def get(self, path=None):
            notebook = self.notebook_path or path
            scheduler = getattr(self.kernel_manager, "scheduler", None)
            if notebook and scheduler is not None:
                scheduler.ask(notebook)  # this lesson's pool fills first for a while
            can_serve = getattr(self.kernel_manager, "can_serve", None)
            if notebook and notebook.endswith(".ipynb") and can_serve is not None and not can_serve(notebook):
                self.set_status(503)
                self.set_header("Retry-After", "60")
                self.set_header("Cache-Control", "no-store")
                self.finish(self.render_template("busy.html", base_url=self.base_url, retry_url=self.request.uri))
                return
            if scheduler is None:
                await super().get(path)
                return
            scheduler.page_started()  # pools wait while a visitor's page is served
            try:
                await super().get(path)
            finally:
                scheduler.page_done()

    return PathwaysVoilaHandler


def install() -> None:
    """Put the scheduled kernel manager and the busy page into Voila (before its app is created)."""
    import voila.app

    voila.app.voila_kernel_manager_factory = kernel_manager_factory
    voila.app.TornadoVoilaHandler = busy_handler_class()


def main() -> None:
    """`python -m pathways.grading.delivery.dashboards.server ARGS`: Voila with the changes above, same arguments."""
    install()
    from voila.app import main as voila_main

    sys.exit(voila_main())


if __name__ == "__main__":
    main()
