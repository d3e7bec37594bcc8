"""The kernel manager of the dashboards server: Voila's pools, filled through the preheat scheduler, with a cap.

`kernel_manager_factory` takes Voila's place (server.py installs it) and adds two traits to Voila's kernel manager,
configurable as `PathwaysKernelManager.max_kernels` and `.preheat_concurrency`: how many kernels the server may
run (the busy page answers past it), and how many preheat at once (preheat.py decides which). A pooled kernel
that died or failed to preheat is dropped and replaced instead of being handed out.
"""

from __future__ import annotations

import asyncio
import os
import time

from jupyter_core.utils import ensure_async
from traitlets import HasTraits, Int

from .preheat import PreheatScheduler, default_concurrency

#: What one visitor's kernel costs, to size `max_kernels` from memory (measured: about 57 MB; see README).
KERNEL_MB = 64


def default_max_kernels(kernel_mb: int = KERNEL_MB) -> int:
    """Kernels a server may run when not configured: three quarters of the machine's memory, at least 4."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not a POSIX system that says
        return 100
    return max(4, int(total * 0.75) // (kernel_mb << 20))



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
