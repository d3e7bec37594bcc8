"""The order in which a dashboards server's pools preheat kernels: a few at a time, the neediest lesson first.

Voila alone starts every kernel of every pool at once (7 lessons x 2 = 14 kernels on start, load average 12 on 2
cores, first pages after 30-60 s). `PreheatScheduler` is the policy that replaces it (see server.py): pure asyncio
bookkeeping, no Voila and no kernels, so it is tested on its own (tests/unit/test_preheat_scheduler.py).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from collections.abc import Callable


def default_concurrency() -> int:
    """Preheats at a time when not configured: half the cores, at least one (1 on a 2-core machine)."""
    return max(1, (os.cpu_count() or 2) // 2)



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
