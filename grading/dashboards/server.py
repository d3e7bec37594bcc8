"""The Voila process of the published dashboards: stock Voila, with pools that fill without starving visitors.

`pathways dashboards serve` runs `python -m pathways.grading.dashboards.server …` (same arguments as `python -m voila`).
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

The page itself (grading/dashboards/voila/share/voila/templates/pathways/index.html.j2) tells a visitor plainly when the
lesson is slow to start, could not start, or lost its kernel, and offers to reload it.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import sys
import time
from collections.abc import Callable

import tornado.web
from jupyter_core.utils import ensure_async
from traitlets import HasTraits, Int

#: What one visitor's kernel costs, to size `max_kernels` from memory (measured: about 57 MB; see README).
KERNEL_MB = 64


def default_concurrency() -> int:
    """Preheats at a time when not configured: half the cores, at least one (1 on a 2-core machine)."""
    return max(1, (os.cpu_count() or 2) // 2)


def default_max_kernels(kernel_mb: int = KERNEL_MB) -> int:
    """Kernels a server may run when not configured: three quarters of the machine's memory, at least 4."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not a POSIX system that says
        return 100
    return max(4, int(total * 0.75) // (kernel_mb << 20))


class _Waiter:
    __slots__ = ("notebook", "seq", "not_before", "future", "granted", "queued")

    def __init__(self, notebook: str, seq: int, not_before: float, future: asyncio.Future, queued: float) -> None:
        self.notebook, self.seq, self.not_before, self.future = notebook, seq, not_before, future
        self.granted = False
        self.queued = queued


class PreheatScheduler:
    """Grants pool kernels the right to start preheating, a few at a time, the neediest lesson first.

    `readiness(notebook)` says how many kernels a lesson has ready or preheating; `has_room()` whether one more
    kernel fits on the server. Pure asyncio bookkeeping: no Voila, no kernels (tested on its own).
    """

    #: After a visitor's page is complete, background preheats wait this long more (s): the page's widgets are
    #: still being drawn, and ask the kernel for their state.
    GRACE = 2.0
    #: ...but no waiting entry is held back longer than this (s) by a stream of visitors.
    MAX_DEFER = 15.0

    def __init__(self, limit: int, readiness: Callable[[str], int], has_room: Callable[[], bool] = lambda: True,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = max(1, int(limit))
        self.readiness = readiness
        self.has_room = has_room
        self.clock = clock
        self.pages = 0  # visitors' pages being served right now
        self.last_page = -1e9  # when the last one was complete
        self.running = 0
        self.waiting: dict[object, _Waiter] = {}  # key (the pool entry) -> waiter
        self.asked: dict[str, float] = {}  # lesson -> when a visitor last asked for it
        self._seq = itertools.count()
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = 0.0
        self.closed = False

    async def acquire(self, key: object, notebook: str, not_before: float = 0.0) -> None:
        """Wait until this entry may start preheating (call `release()` once it has finished).

        Raises RuntimeError once the server is stopping (`close()`), so nothing waits for a turn forever."""
        if self.closed:
            raise RuntimeError("the server is stopping")
        future = asyncio.get_running_loop().create_future()
        waiter = _Waiter(notebook, next(self._seq), not_before, future, self.clock())
        self.waiting[key] = waiter
        self.dispatch()
        try:
            await future
        except asyncio.CancelledError:
            if self.waiting.pop(key, None) is None and waiter.granted:
                self.release()  # granted, then cancelled before it could start: give the turn back
            raise

    def close(self) -> None:
        """The server is stopping: every waiting entry (and any later one) gives up."""
        self.closed = True
        for waiter in self.waiting.values():
            if not waiter.future.done():
                waiter.future.set_exception(RuntimeError("the server is stopping"))
        self.waiting.clear()
        if self._timer is not None:
            self._timer.cancel()

    def release(self) -> None:
        """One preheat has finished (or failed): let the next one start."""
        self.running = max(0, self.running - 1)
        self.dispatch()

    def promote(self, key: object) -> bool:
        """A visitor needs this waiting entry now: start it at once, past the limit. True if it was waiting."""
        waiter = self.waiting.pop(key, None)
        if waiter is None:
            return False
        self._grant(waiter)
        return True

    def ask(self, notebook: str) -> None:
        """A visitor asked for this lesson: its refills go first for a while."""
        self.asked[notebook] = self.clock()

    def page_started(self) -> None:
        """A visitor's page is being served: background preheats wait (visitors first)."""
        self.pages += 1

    def page_done(self) -> None:
        """A visitor's page is complete: background preheats go on after a short grace."""
        self.pages = max(0, self.pages - 1)
        self.last_page = self.clock()
        self.dispatch()

    def _visitors_first(self, waiter: _Waiter, now: float) -> bool:
        """Should this background preheat wait for the visitors' pages being served?"""
        busy = self.pages > 0 or now - self.last_page < self.GRACE
        return busy and now - max(waiter.queued, waiter.not_before) < self.MAX_DEFER

    def is_waiting(self, key: object) -> bool:
        """Is this entry still waiting for its turn (not started)?"""
        return key in self.waiting

    def _rank(self, waiter: _Waiter) -> tuple:
        # Asked for in the last minute first; then the lesson with the fewest kernels ready; then the lessons in
        # their order (visitors of a new server mostly start with the first); then first come, first served.
        recently_asked = self.clock() - self.asked.get(waiter.notebook, -1e9) < 60
        return (not recently_asked, self.readiness(waiter.notebook), waiter.notebook, waiter.seq)

    def _grant(self, waiter: _Waiter) -> None:
        if waiter.future.done():  # cancelled meanwhile
            return
        self.running += 1
        waiter.granted = True
        waiter.future.set_result(None)

    def dispatch(self) -> None:
        """Start as many waiting entries as the limit and the server's room allow, neediest first."""
        now = self.clock()
        while self.running < self.limit and self.has_room():
            due = [w for w in self.waiting.values()
                   if w.not_before <= now and not w.future.done() and not self._visitors_first(w, now)]
            for key in [k for k, w in self.waiting.items() if w.future.done()]:
                del self.waiting[key]  # cancelled waiters
            if not due:
                break
            best = min(due, key=self._rank)
            del self.waiting[next(k for k, w in self.waiting.items() if w is best)]
            self._grant(best)
        later = [w.not_before for w in self.waiting.values() if w.not_before > now]
        held = [max(w.queued, w.not_before) + self.MAX_DEFER for w in self.waiting.values()
                if w.not_before <= now and self._visitors_first(w, now)]
        if held:  # held back for visitors: look again when the last page's grace is over, or at the latest
            later.append(min(held) if self.pages else min(min(held), self.last_page + self.GRACE))
        if later:
            self._wake_at(min(later))

    def _wake_at(self, when: float) -> None:
        """Run `dispatch` again at `when` (one timer: the earliest asked for)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        if self._timer is not None and not self._timer.cancelled() and self._timer_at <= when \
                and self._timer_at > self.clock():
            return
        if self._timer is not None:
            self._timer.cancel()
        self._timer_at = when
        self._timer = loop.call_later(max(0.0, when - self.clock()) + 0.01, self.dispatch)


# --- the kernel manager ------------------------------------------------------------------------------------------
def kernel_manager_factory(base_class, preheat_kernel, default_pool_size, page_config_hook=None):
    """Voila's own factory, with the Pathways pool scheduling and capacity on top (used in place of Voila's)."""
    from voila.voila_kernel_manager import voila_kernel_manager_factory

    voila_class = voila_kernel_manager_factory(base_class, preheat_kernel, default_pool_size, page_config_hook)
    if not preheat_kernel:
        return type("PathwaysKernelManager", (_Capacity, voila_class), {"__module__": __name__})
    return type("PathwaysKernelManager", (_Capacity, _Scheduled, voila_class), {"__module__": __name__})


class _Capacity(HasTraits):
    """How many kernels the server may run, and whether a visitor of a lesson can be served now."""

    max_kernels = Int(0, config=True, help="Most kernels (visitors' and pooled) the server runs at once; past it, "
                      "a visitor whose lesson has no kernel ready gets the busy page. 0: three quarters of the "
                      f"memory at {KERNEL_MB} MB a kernel.")

    def kernel_limit(self) -> int:
        """The configured `max_kernels`, or the default for this machine."""
        return self.max_kernels if self.max_kernels > 0 else default_max_kernels()

    def has_room(self) -> bool:
        """Can one more kernel start?"""
        starting = getattr(self, "_starting", 0)
        return len(self._kernels) + starting < self.kernel_limit()

    def can_serve(self, notebook: str) -> bool:
        """Will a visitor of this lesson get a kernel now (a pooled one ready or preheating, or room for one)?"""
        pool = getattr(self, "_pools", {}).get(notebook, [])
        scheduler = getattr(self, "scheduler", None)
        started = [e for e in pool if not (e.done() and _failed(e)) and not (scheduler and scheduler.is_waiting(e))]
        return bool(started) or self.has_room()


def _failed(entry: asyncio.Future) -> bool:
    """A pool entry that finished with an error (the kernel did not start or the lesson did not render)."""
    if entry.cancelled():
        return True
    if entry.exception() is not None:
        return True
    task = entry.result().get("task")
    return bool(task is not None and task.done() and (task.cancelled() or task.exception() is not None))


class _Scheduled(HasTraits):
    """Pools filled through a PreheatScheduler; visitors first; dead pooled kernels never handed out."""

    preheat_concurrency = Int(0, config=True, help="Kernels preheating at once (each executes its whole lesson). "
                              "0: half the cores, at least one.")

    @property
    def scheduler(self) -> PreheatScheduler:
        """The scheduler of this server's pools (made on first use, when the configuration is loaded)."""
        if getattr(self, "_scheduler", None) is None:
            limit = self.preheat_concurrency or default_concurrency()
            self._scheduler = PreheatScheduler(limit, self._readiness, self.has_room)
        return self._scheduler

    def _readiness(self, notebook: str) -> int:
        pool = getattr(self, "_pools", {}).get(notebook, [])
        return sum(1 for e in pool if not self.scheduler.is_waiting(e) and not (e.done() and _failed(e)))

    def fill_if_needed(self, delay=None, notebook_name=None, extra_kernel_env_variables=None, **kwargs):
        """Voila's refill, with the delay handled by the scheduler (so a visitor can cut it short)."""
        delay = self.fill_delay if delay is None else delay
        kwargs["_pathways_not_before"] = time.monotonic() + delay
        super().fill_if_needed(delay=0, notebook_name=notebook_name,
                               extra_kernel_env_variables=extra_kernel_env_variables or {}, **kwargs)

    async def _initialize(self, notebook_path, kernel_id=None, **kwargs):
        not_before = kwargs.pop("_pathways_not_before", 0.0)
        if kernel_id is not None:  # a restart of a kernel already given out: no turn to wait for
            return await super()._initialize(notebook_path, kernel_id, **kwargs)
        entry = asyncio.current_task()
        await self.scheduler.acquire(entry, notebook_path, not_before)
        self._starting = getattr(self, "_starting", 0) + 1
        try:
            content = await super()._initialize(notebook_path, None, **kwargs)
        except BaseException:
            self.scheduler.release()
            raise
        finally:
            self._starting -= 1
        content["task"].add_done_callback(lambda _task: self.scheduler.release())
        return content

    async def get_rendered_notebook(self, notebook_name, extra_kernel_env_variables=None, **kwargs):
        """Hand out the best pooled kernel of a lesson: ready, else preheating, else one started right now."""
        scheduler = self.scheduler
        scheduler.ask(notebook_name)
        await self._drop_broken(notebook_name)
        pool = self._pools.setdefault(notebook_name, [])
        if not pool:
            self.fill_if_needed(delay=0, notebook_name=notebook_name)

        def order(entry) -> int:
            if entry.done():
                return 0
            return 2 if scheduler.is_waiting(entry) else 1

        pool.sort(key=order)
        if pool and scheduler.is_waiting(pool[0]):
            scheduler.promote(pool[0])
        return await super().get_rendered_notebook(notebook_name, extra_kernel_env_variables or {}, **kwargs)

    async def _drop_broken(self, notebook_name: str) -> None:
        """Remove pool entries that failed, and ready kernels that are no longer alive (and replace them)."""
        pool = self._pools.get(notebook_name, [])
        broken = []
        for entry in list(pool):
            if not entry.done():
                continue
            if _failed(entry):
                broken.append((entry, None))
                continue
            kernel_id = entry.result().get("kernel_id")
            alive = kernel_id in self._kernels
            if alive:
                try:
                    alive = await ensure_async(self._kernels[kernel_id].is_alive())
                except Exception:  # noqa: BLE001 - a kernel we cannot ask is as good as dead
                    alive = False
            if not alive:
                broken.append((entry, kernel_id))
        for entry, kernel_id in broken:
            if entry in pool:
                pool.remove(entry)
            self.log.warning("Dropped a pooled kernel of %s that %s", notebook_name,
                             "failed to preheat" if kernel_id is None else "had died")
            if kernel_id is not None and kernel_id in self._kernels:
                try:
                    await ensure_async(self.shutdown_kernel(kernel_id, now=True))
                except Exception:  # noqa: BLE001
                    pass
        if broken:
            self.fill_if_needed(delay=0, notebook_name=notebook_name)

    async def shutdown_all(self, *args, **kwargs):
        """Stop: entries still waiting for their turn give up first (Voila awaits every pool entry)."""
        self.scheduler.close()
        await super().shutdown_all(*args, **kwargs)

    async def shutdown_kernel(self, kernel_id, *args, **kwargs):
        """Voila's shutdown; then a pool that was waiting for room may fill."""
        try:
            return await super().shutdown_kernel(kernel_id, *args, **kwargs)
        finally:
            self.scheduler.dispatch()


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
    """`python -m pathways.grading.dashboards.server ARGS`: Voila with the changes above, same arguments."""
    install()
    from voila.app import main as voila_main

    sys.exit(voila_main())


if __name__ == "__main__":
    main()
