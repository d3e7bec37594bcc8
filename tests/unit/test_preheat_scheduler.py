"""The dashboards' preheat scheduler (pathways.grading.delivery.dashboards.preheat), without Voila or kernels."""

from __future__ import annotations

import asyncio

import pytest
from pathways.grading.delivery.dashboards.pools import default_max_kernels
from pathways.grading.delivery.dashboards.preheat import PreheatScheduler, default_concurrency
from support.processes import run_async


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def run(coro):
    return run_async(coro)  # in a thread of its own: a browser test may have left a loop running in this one


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def test_defaults_fit_the_machine():
    """Is the default at least one preheat at a time (one on 2 cores), and room for at least 4 kernels?"""
    assert default_concurrency() >= 1
    assert default_max_kernels() >= 4
    assert default_max_kernels(kernel_mb=10**9) == 4


def test_at_most_limit_preheat_at_once_and_each_lesson_gets_one_before_any_gets_two():
    """With 3 lessons × 2 kernels queued and a limit of 1, does one start at a time, the first kernel of every
    lesson before any second one?"""

    async def scenario() -> list[str]:
        ready: dict[str, int] = {"a": 0, "b": 0, "c": 0}
        sched = PreheatScheduler(1, lambda nb: ready[nb])
        order: list[str] = []

        async def entry(nb: str) -> None:
            await sched.acquire(asyncio.current_task(), nb)
            order.append(nb)
            ready[nb] += 1
            assert sched.running == 1
            await asyncio.sleep(0)
            sched.release()

        tasks = [asyncio.create_task(entry(nb)) for nb in ("a", "a", "b", "b", "c", "c")]
        await asyncio.gather(*tasks)
        return order

    order = run(scenario())
    assert sorted(order[:3]) == ["a", "b", "c"] and sorted(order[3:]) == ["a", "b", "c"]


def test_a_lesson_a_visitor_asked_for_goes_first():
    """When a visitor asks for lesson c, is c's waiting kernel the next to start, ahead of older ones?"""

    async def scenario() -> list[str]:
        sched = PreheatScheduler(1, lambda nb: 0)
        order: list[str] = []
        gate = asyncio.Event()

        async def entry(nb: str) -> None:
            await sched.acquire(asyncio.current_task(), nb)
            order.append(nb)
            if nb == "first":
                await gate.wait()
            sched.release()

        tasks = [asyncio.create_task(entry(nb)) for nb in ("first", "a", "b", "c")]
        await settle()
        sched.ask("c")
        gate.set()
        await asyncio.gather(*tasks)
        return order

    assert run(scenario())[:2] == ["first", "c"]


def test_promote_starts_a_waiting_entry_past_the_limit():
    """Does a visitor's promotion start a waiting entry at once even though the limit is taken?"""

    async def scenario() -> tuple[int, bool, bool]:
        sched = PreheatScheduler(1, lambda nb: 0)
        started: list[str] = []

        async def entry(nb: str) -> None:
            await sched.acquire(asyncio.current_task(), nb)
            started.append(nb)

        busy = asyncio.create_task(entry("busy"))
        waiting = asyncio.create_task(entry("wanted"))
        await settle()
        assert started == ["busy"] and sched.is_waiting(waiting)
        promoted = sched.promote(waiting)
        await settle()
        await asyncio.gather(busy, waiting)
        return sched.running, promoted, sched.promote(waiting)

    running, promoted, again = run(scenario())
    assert promoted and not again and running == 2


def test_a_refill_waits_for_its_delay_unless_promoted():
    """Does an entry with a not-before time wait for it (the refill delay), and start at once when promoted?"""

    async def scenario() -> tuple[bool, bool]:
        loop_clock = asyncio.get_running_loop().time
        sched = PreheatScheduler(2, lambda nb: 0, clock=loop_clock)
        started: list[str] = []

        async def entry(nb: str, delay: float) -> None:
            await sched.acquire(asyncio.current_task(), nb, loop_clock() + delay)
            started.append(nb)

        slow = asyncio.create_task(entry("later", 0.3))
        held = asyncio.create_task(entry("held", 60))
        await settle()
        early = "later" in started
        await asyncio.wait_for(slow, 5)  # woken by its timer, no polling
        sched.promote(held)
        await asyncio.wait_for(held, 1)
        return early, started == ["later", "held"]

    early, in_order = run(scenario())
    assert not early and in_order


def test_no_start_without_room_and_a_freed_kernel_lets_the_next_start():
    """When the server has no room for another kernel, does the queue wait, and go on once room is made?"""

    async def scenario() -> list[str]:
        room = {"free": False}
        sched = PreheatScheduler(2, lambda nb: 0, has_room=lambda: room["free"])
        started: list[str] = []

        async def entry(nb: str) -> None:
            await sched.acquire(asyncio.current_task(), nb)
            started.append(nb)

        task = asyncio.create_task(entry("a"))
        await settle()
        assert started == []
        room["free"] = True
        sched.dispatch()  # what a kernel shutdown does
        await asyncio.wait_for(task, 1)
        return started

    assert run(scenario()) == ["a"]


def test_close_makes_every_waiter_give_up():
    """When the server stops, does every waiting entry (and any later one) fail instead of waiting forever?"""

    async def scenario() -> None:
        sched = PreheatScheduler(1, lambda nb: 0)
        sched.running = 1  # the limit is taken
        waiting = asyncio.create_task(sched.acquire("k", "a"))
        await settle()
        sched.close()
        with pytest.raises(RuntimeError, match="stopping"):
            await waiting
        with pytest.raises(RuntimeError, match="stopping"):
            await sched.acquire("k2", "a")

    run(scenario())


def test_a_cancelled_granted_entry_gives_its_turn_back():
    """If an entry is cancelled after being granted its turn but before it could start, does the next waiter
    still get the turn (no turn is lost)?"""

    async def scenario() -> int:
        sched = PreheatScheduler(1, lambda nb: 0)
        await sched.acquire("holder", "a")
        first = asyncio.create_task(sched.acquire("one", "a"))
        second = asyncio.create_task(sched.acquire("two", "a"))
        await settle()
        sched.release()  # the holder is done: "one" is granted, but has not run yet
        first.cancel()
        await asyncio.gather(first, return_exceptions=True)
        await asyncio.wait_for(second, 1)
        return sched.running

    assert run(scenario()) == 1


def test_background_preheats_wait_while_a_visitor_page_is_served():
    """While a visitor's page is being served (and a short grace after), does a waiting preheat stay queued, then
    start by itself; and does a stream of visitors hold it back no longer than MAX_DEFER?"""

    async def scenario() -> tuple[bool, bool, float]:
        clock = asyncio.get_running_loop().time
        sched = PreheatScheduler(1, lambda nb: 0, clock=clock)
        sched.GRACE, sched.MAX_DEFER = 0.2, 0.6
        sched.page_started()
        first = asyncio.create_task(sched.acquire("a", "lesson"))
        await asyncio.sleep(0.1)
        held = not first.done()
        sched.page_done()
        await asyncio.sleep(0.05)
        still_in_grace = not first.done()
        await asyncio.wait_for(first, 2)  # woken when the grace is over, no polling
        sched.release()
        sched.page_started()  # a visitor who never finishes
        start = clock()
        await asyncio.wait_for(sched.acquire("b", "lesson"), 3)
        return held, still_in_grace, clock() - start

    held, in_grace, deferred = run(scenario())
    assert held and in_grace and 0.5 <= deferred < 2.0
