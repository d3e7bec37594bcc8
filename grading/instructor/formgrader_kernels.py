"""The kernel manager of `pathways formgrader`'s server: it starts no kernel (grading reflections needs none, and a
kernel there would run as the instructor, outside the sandbox). Imported by that server only."""

from __future__ import annotations

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web


class NoKernels(AsyncMappingKernelManager):
    """Refuses every kernel (HTTP 403)."""

    async def start_kernel(self, *args, **kwargs):
        """Never: see the module docstring."""
        raise web.HTTPError(403, "the formgrader starts no kernel")
