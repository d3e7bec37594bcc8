"""The kernel behind every published dashboard: IPython's kernel without what a visitor's page never uses.

Started by the `pathways-dashboard` kernelspec (grading/delivery/dashboards/voila/share/kernels/), which
`pathways dashboards build` writes into every dashboard notebook. Compared with the stock `python3` kernel it
  * has no debugger: debugpy is never imported (a visitor's kernel accepts widget messages only, so nobody
    could use it), which saves about 8 MB in every visitor's kernel;
  * keeps no input history: IPython would write every executed cell to history.sqlite on the server;
  * hands memory that Python freed back to the system after each cell (the YAML and validation work of
    building a lesson leaves about 1.5 MB of freed but still-resident memory behind).
With 30 visitors, that is about 300 MB less; `make bench-dashboards` prints the figures.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import sys

from traitlets.config import Config


def _trimmer():
    """A function giving freed heap memory back to the system (glibc's malloc_trim), or None elsewhere."""
    name = ctypes.util.find_library("c")
    try:
        trim = ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to do
        return None
    if trim is None:
        return None

    def settle(*_args) -> None:
        gc.collect()
        trim(0)
    return settle


def main(argv: list[str] | None = None) -> None:
    """Start the kernel (same command-line options as `python -m ipykernel_launcher`)."""
    sys.modules["debugpy"] = None  # ipykernel then runs without its debugger (it treats debugpy as optional)
    from ipykernel.kernelapp import IPKernelApp

    config = Config()
    config.HistoryManager.enabled = False
    app = IPKernelApp.instance(config=config)
    app.initialize(argv)
    settle = _trimmer()
    if settle is not None:
        app.shell.events.register("post_run_cell", settle)
    app.start()


if __name__ == "__main__":
    main()
