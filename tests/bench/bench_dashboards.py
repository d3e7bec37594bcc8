"""Benchmark the published dashboards under a workshop's load (`make bench-dashboards`).

What it does, over real HTTP and WebSocket on 127.0.0.1 with the production Voila config:
  1. builds every lesson's dashboard into a temporary folder and starts Voila with preheated kernels
     (lesson 1 gets a pool as large as the class, as `--lesson-pool` sets for a workshop; the others the
     default per-lesson pool), a short culling time, and waits until the pools are warm;
  2. A: 30 visitors open lesson 1 at the same moment; B: 30 visitors open different lessons (round robin);
  3. each visitor does what a browser does before it can show the widgets: GET the page, open the kernel
     WebSocket, ask for kernel info and all widget states (the `jupyter.widget.control` comm's request_states,
     which is what ipywidgets 8 sends) and waits for them. "Time to rendered page" is from the GET to the
     widget states received: the page's HTML and the widget models, everything but the browser's own
     drawing. A real Chromium render of lesson 1 is timed separately (a few visits, one at a time);
  4. memory per visitor = mean RSS of a visitor's kernel + growth of the server process per visitor
     (psutil); the same is measured for a trivial widget notebook with Voila's defaults for comparison;
  5. kernels left = visitors' kernels still running 60 s after the last visitor left;
  6. the floor: the same crowd on a trivial one-slider notebook with the same preheating, i.e. what this
     machine and Voila cost per visitor before any lesson content;
  0. first of all, the cold start of `make dashboards` (pools of 2): seconds from launch to the first lesson
     rendered in Chromium, and until every pool is warm; with the pools filled as Pathways fills them (a few
     at a time, visitors first) and, for comparison in the same run, all at once as stock Voila does.

Every wait is bounded. Needs ~8 GB of free memory (about 100 kernels at the peak).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import nbformat
import psutil
from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import websocket_connect

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the tests' support package

from pathways.grading.delivery.dashboards import build as dashboards  # noqa: E402
from support.browser import CHROMIUM, CHROMIUM_ARGS, cold_start  # noqa: E402
from support.voila import (  # noqa: E402
    V1_PROTOCOL,
    kernel_message,
    kernel_processes,
    start_server,
    stop_server,
    v1_frame,
    v1_read,
)

CONFIG_RE = re.compile(r'<script id="jupyter-config-data" type="application/json">\s*(.*?)\s*</script>', re.S)


# --- one visitor ---------------------------------------------------------------------------------------------
# The visitors are coroutines on one asyncio loop (tornado's HTTP and WebSocket clients), not threads: a crowd of
# 30 then costs the machine little besides what the server does, as it would if they sat at their own computers.
# (A thread per visitor with the pure-Python websocket-client spent as much CPU as the server and its kernels.)
AsyncHTTPClient.configure(None, max_clients=1000)


async def visit(base: str, lesson: str, start: asyncio.Event, leave: asyncio.Event, arrived: list) -> None:
    """One visitor: page, kernel connection, widget states; appends its result to `arrived` once the page is
    ready (or failed), then stays connected until told to leave."""
    result: dict = {"lesson": lesson}
    ws = None
    try:
        await start.wait()
        t0 = time.perf_counter()
        resp = await AsyncHTTPClient().fetch(f"{base}voila/render/{lesson}/lesson.ipynb", request_timeout=120)
        html = resp.body.decode()
        result["html"] = time.perf_counter() - t0
        kernel_id = json.loads(CONFIG_RE.search(html).group(1))["kernelId"]
        result["kernel"] = kernel_id
        url = f"ws{base[4:]}api/kernels/{kernel_id}/channels?session_id={uuid.uuid4()}"
        # the v1 protocol, as JupyterLab's and Voila's front ends speak it
        ws = await websocket_connect(HTTPRequest(url, headers={"Origin": base.rstrip("/")}, request_timeout=60),
                                     max_message_size=64 * 2**20, subprotocols=[V1_PROTOCOL])
        if ws.selected_subprotocol != V1_PROTOCOL:
            raise RuntimeError(f"the server did not accept the {V1_PROTOCOL} protocol")
        comm_id = uuid.uuid4().hex
        for msg in (kernel_message("kernel_info_request", {}),
                    # ipywidgets' control protocol version, as its front end sends it
                    kernel_message("comm_open", {"comm_id": comm_id, "target_name": "jupyter.widget.control",
                                                 "data": {}}, {"version": "1.0.0"}),
                    kernel_message("comm_msg", {"comm_id": comm_id, "data": {"method": "request_states"}})):
            await ws.write_message(v1_frame(msg), binary=True)
        deadline = time.monotonic() + 120
        while True:
            frame = await asyncio.wait_for(ws.read_message(), timeout=max(0.1, deadline - time.monotonic()))
            if frame is None:
                raise ConnectionError("the server closed the kernel connection")
            msg = v1_read(frame)
            msg_type, data = msg["msg_type"], msg["content"].get("data", {})
            if msg_type == "comm_msg" and data.get("method") == "update_states":
                result["widgets"] = len(data.get("states", {}))
                result["ready"] = time.perf_counter() - t0
                break
            if msg_type == "comm_close":
                raise RuntimeError("the kernel refused the widget control comm")
    except Exception as exc:  # a failed visitor is reported, never hidden
        result["error"] = f"{type(exc).__name__}: {exc}"
    arrived.append(result)
    try:
        await asyncio.wait_for(leave.wait(), timeout=300)
    except TimeoutError:
        pass
    finally:
        if ws is not None:
            # Close as a browser closing its tab does: send the close frame and wait for the server's answer.
            # Without the wait, the loop could end before the frame left, leaving a connection the server only
            # drops after its ping timeout, and the kernel "left running" after the visitors were gone.
            ws.close()
            try:
                await asyncio.wait_for(ws.read_message(), timeout=10)
            except Exception:  # noqa: BLE001 - closed already, or closing timed out: counted by the server anyway
                pass


def crowd(base: str, lessons: list[str], during, hold: float = 2.0) -> tuple[list[dict], dict]:
    """Visitors (one per entry of `lessons`) arrive at the same moment; once all have their page (bounded
    wait), `during()` measures the server while they are connected; then they all leave."""
    async def run() -> tuple[list[dict], dict]:
        start, leave, arrived = asyncio.Event(), asyncio.Event(), []
        tasks = [asyncio.create_task(visit(base, lesson, start, leave, arrived)) for lesson in lessons]
        await asyncio.sleep(0.1)  # every visitor is waiting at the door
        start.set()
        deadline = time.monotonic() + 300
        while len(arrived) < len(lessons) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await asyncio.sleep(hold)
        extra = during(arrived)
        leave.set()
        await asyncio.wait(tasks, timeout=60)
        await asyncio.sleep(0.5)  # let the closing handshakes go out
        return list(arrived), extra
    return asyncio.run(run())


# --- measuring the server ----------------------------------------------------------------------------------
def kernels(proc: psutil.Process) -> dict[str, psutil.Process]:
    """Kernel id -> kernel process, for every kernel the Voila process runs."""
    return kernel_processes(proc.pid)


def rss_mb(p: psutil.Process) -> float:
    """Resident memory of one process in MB (0 if it is gone)."""
    try:
        return p.memory_info().rss / 2**20
    except psutil.Error:
        return 0.0


def wait_quiet(proc: psutil.Process, min_kernels: int, timeout: float = 600, exclude: set[str] = frozenset()) -> float:
    """Wait until at least `min_kernels` kernels (not counting `exclude`, visitors' kernels) run and the whole
    process tree is nearly idle; return the seconds waited."""
    t0 = time.monotonic()
    calm = 0
    while time.monotonic() - t0 < timeout:
        tree = [proc, *proc.children(recursive=True)]
        for p in tree:
            try:
                p.cpu_percent(None)
            except psutil.Error:
                pass
        time.sleep(1)
        busy = 0.0
        for p in tree:
            try:
                busy += p.cpu_percent(None)
            except psutil.Error:
                pass
        running = len(set(kernels(proc)) - exclude)
        # an idle kernel still wakes up now and then (heartbeats): allow a little CPU per kernel
        # a pool can end a kernel short (a kernel that failed to start is not replaced): after two minutes,
        # calm is enough
        enough = running >= min_kernels or time.monotonic() - t0 > 120
        calm = calm + 1 if busy < 20 + 0.5 * running and enough else 0
        if calm >= 3:
            return time.monotonic() - t0
    print(f"  (still busy after {timeout:.0f} s; measuring anyway)")
    return time.monotonic() - t0


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) of some values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def report(name: str, results: list[dict], memory: dict | None = None) -> dict:
    """Print p50/p95 of a crowd's times (and memory); return the figures."""
    ok = [r for r in results if "ready" in r and "widgets" in r]
    failed = [r for r in results if r not in ok]
    ready = [r["ready"] for r in ok]
    html = [r["html"] for r in ok]
    figures = {"visitors": len(results), "failed": len(failed),
               "ready_p50": pct(ready, 50) if ready else None, "ready_p95": pct(ready, 95) if ready else None,
               "html_p50": pct(html, 50) if html else None, "html_p95": pct(html, 95) if html else None}
    if memory:
        figures.update(memory)
    print(f"\n{name}")
    if ready:
        print(f"  time to rendered page (HTML + widget states): p50 {figures['ready_p50']:.3f} s, "
              f"p95 {figures['ready_p95']:.3f} s, max {max(ready):.3f} s")
        print(f"  HTML alone:                                  p50 {figures['html_p50']:.3f} s, "
              f"p95 {figures['html_p95']:.3f} s")
    if memory:
        print(f"  memory per visitor: {memory['per_visitor_mb']:.0f} MB "
              f"(visitor kernel {memory['kernel_mb']:.0f} MB + server {memory['server_mb_per_visitor']:.1f} MB); "
              f"kernel USS {memory['kernel_uss_mb']:.1f} MB, PSS {memory['kernel_pss_mb']:.1f} MB")
    for r in failed[:5]:
        print(f"  FAILED: {r}")
    return figures


def memory_probe(proc: psutil.Process, before_server_mb: float, visitors: int):
    """A function measuring, while visitors are connected, their kernels' RSS and the server's growth."""
    def probe(arrived: list[dict]) -> dict:
        by_id = kernels(proc)
        mine = [by_id[r["kernel"]] for r in arrived if r.get("kernel") in by_id]
        rss = [rss_mb(k) for k in mine]
        full = []
        for k in mine:
            try:
                full.append(k.memory_full_info())
            except psutil.Error:
                pass
        server = rss_mb(proc)
        kernel_mb = statistics.mean(rss) if rss else 0.0
        per_server = max(0.0, server - before_server_mb) / visitors
        return {"kernel_mb": kernel_mb, "server_mb_per_visitor": per_server,
                "per_visitor_mb": kernel_mb + per_server, "kernels_measured": len(mine),
                # USS: memory only this kernel holds (freed when it ends); PSS: USS plus its share of the
                # libraries all kernels map. RSS above counts those shared pages in full for every kernel.
                "kernel_uss_mb": statistics.mean(f.uss for f in full) / 2**20 if full else 0.0,
                "kernel_pss_mb": statistics.mean(f.pss for f in full) / 2**20 if full else 0.0}
    return probe


# --- a real browser -------------------------------------------------------------------------------------------
def browser_render(url: str, times: int = 3) -> list[float]:
    """Seconds from navigation to the role-play's first choice on screen, in Chromium, one visit at a time."""
    from playwright.sync_api import sync_playwright

    out = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        for _ in range(times):
            context = browser.new_context()
            page = context.new_page()
            errors: list[str] = []
            page.on("console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None)
            t0 = time.perf_counter()
            page.goto(url)
            try:
                page.wait_for_selector(".pw-roleplay .pw-choice", state="visible", timeout=60_000)
                out.append(time.perf_counter() - t0)
            except Exception as exc:  # report and go on: the other figures are still worth printing
                print(f"  Chromium render failed ({type(exc).__name__}); console errors: {errors[:5]}; "
                      f"page text: {page.inner_text('body')[:300]!r}")
            context.close()
        browser.close()
    return out


def trivial_site(folder: Path) -> Path:
    """A site with one trivial widget notebook (a slider), to measure Voila's own cost per visitor."""
    (folder / "trivial").mkdir(parents=True)
    nb = nbformat.v4.new_notebook()
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("import ipywidgets as w\nw.IntSlider(description='x')")]
    nbformat.write(nb, folder / "trivial" / "lesson.ipynb")
    (folder / dashboards.MARKER).write_text("bench\n")
    return folder


def cold_starts(site: Path, tmp: Path, lessons: list[str]) -> dict:
    """0. Launch -> first lesson in Chromium, and -> every pool warm: pools filled a few at a time (Pathways) and
    all at once (stock Voila's way, the same server with no limit on preheating), in the same run."""
    from playwright.sync_api import sync_playwright

    found = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        for name, overrides in (("scheduled", []), ("all_at_once", ["--PathwaysKernelManager.preheat_concurrency=99"])):
            server, cold = cold_start(site, tmp / f"voila-cold-{name}.log", browser, lessons, pool=2,
                                      overrides=overrides)
            stop_server(server)
            found[name] = {"http": cold.http, "first_render": cold.first_render, "all_warm": cold.all_warm,
                           "every_lesson": cold.every_lesson}
            warm = "never" if cold.all_warm is None else f"{cold.all_warm:.1f} s"
            print(f"0. cold start, pools of 2 filled {name.replace('_', ' ')}: server answers after {cold.http:.1f} s; "
                  f"first lesson on screen in Chromium {cold.first_render:.1f} s after launch; every lesson opened "
                  f"in turn: {', '.join(f'{t:.1f}' for t in cold.every_lesson.values())} s; every pool warm "
                  f"after {warm}")
        browser.close()
    return found


# --- the run ---------------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--visitors", type=int, default=30)
    parser.add_argument("--pool", type=int, default=5, help="preheated kernels per lesson (lesson 1: --visitors)")
    parser.add_argument("--after", type=float, default=60, help="seconds after the visitors leave to count kernels")
    parser.add_argument("--cull", type=int, default=20, help="cull_idle_timeout for the run (s)")
    parser.add_argument("--skip-cold", action="store_true", help="skip the cold-start measurement (0.)")
    parser.add_argument("--cold-only", action="store_true", help="only the cold-start measurement (0.)")
    parser.add_argument("--fill-delay", type=float, default=None,
                        help="seconds before a used pool kernel is replaced (default: the config's)")
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)
    n = args.visitors
    figures: dict = {}
    with tempfile.TemporaryDirectory(prefix="pathways-bench-") as tmp:
        tmp = Path(tmp)
        t0 = time.monotonic()
        site = dashboards.build(tmp / "site")
        lessons = sorted(p.parent.name for p in site.glob("*/lesson.ipynb"))
        print(f"built {len(lessons)} dashboards in {time.monotonic() - t0:.1f} s")
        first = lessons[0]
        if not args.skip_cold:
            figures["cold_start"] = cold_starts(site, tmp, lessons)
        if args.cold_only:
            print(json.dumps(figures, default=float))
            return 0
        server = start_server(site, tmp / "voila.log", pool=args.pool, lesson_pools={first: n},
                              overrides=[f"--MappingKernelManager.cull_idle_timeout={args.cull}",
                                         "--MappingKernelManager.cull_interval=5",
                                         *([f"--VoilaKernelManager.fill_delay={args.fill_delay}"]
                                           if args.fill_delay is not None else [])])
        proc = psutil.Process(server.proc.pid)
        visitor_ids: set[str] = set()
        try:
            pool_total = n + args.pool * (len(lessons) - 1)
            warm = wait_quiet(proc, pool_total)
            base_server = rss_mb(proc)
            all_mb = base_server + sum(rss_mb(k) for k in kernels(proc).values())
            print(f"pools warm ({len(kernels(proc))} kernels, {all_mb:.0f} MB in all) after {warm:.0f} s")

            out, mem = crowd(server.url, [first] * n, during=memory_probe(proc, base_server, n))
            figures["same_lesson"] = report(f"A. {n} visitors open {first} at once", out, mem)
            visitor_ids |= {r["kernel"] for r in out if "kernel" in r}

            time.sleep(2)  # let the server see the visitors leave before waiting for the pools to refill
            refill = wait_quiet(proc, pool_total, exclude=visitor_ids)
            print(f"\npools refilled after {refill:.0f} s")
            base_server = rss_mb(proc)
            spread = [lessons[i % len(lessons)] for i in range(n)]
            out, mem = crowd(server.url, spread, during=memory_probe(proc, base_server, n))
            figures["different_lessons"] = report(f"B. {n} visitors open {len(lessons)} different lessons at once",
                                                  out, mem)
            visitor_ids |= {r["kernel"] for r in out if "kernel" in r}
            left_at = time.monotonic()

            time.sleep(max(0.0, args.after - (time.monotonic() - left_at)))
            running = kernels(proc)
            left = len(visitor_ids & set(running))
            figures["kernels_left"] = left
            print(f"\nkernels left {args.after:.0f} s after the visitors left: {left} of {len(visitor_ids)} "
                  f"(cull_idle_timeout {args.cull} s); {len(running)} kernels running in all, "
                  f"{pool_total} of them the preheated pools")

            wait_quiet(proc, pool_total, timeout=120, exclude=visitor_ids)
            times = browser_render(server.lesson_url(first))
            figures["browser_preheated"] = times
            print(f"\nChromium, {first}, preheated, one visitor at a time: "
                  + ", ".join(f"{t:.2f} s" for t in times))
        finally:
            stop_server(server)

        # Voila's own cost: a trivial widget notebook with Voila's default (no preheating), and a cold lesson 1.
        base = trivial_site(tmp / "trivial")
        (base / first).mkdir()
        for path in (site / first).iterdir():
            (base / first / path.name).write_bytes(path.read_bytes())
        server = start_server(base, tmp / "voila-trivial.log", overrides=["--VoilaConfiguration.preheat_kernel=False"])
        proc = psutil.Process(server.proc.pid)
        try:
            wait_quiet(proc, 0, timeout=60)
            k = 10
            out, mem = crowd(server.url, ["trivial"] * k, during=memory_probe(proc, rss_mb(proc), k))
            figures["trivial_cold"] = report(f"C. Voila's own: {k} visitors open a trivial widget notebook "
                                             "at once (no preheating)", out, mem)
            wait_quiet(proc, 0, timeout=120)
            times = browser_render(server.lesson_url(first), times=2)
            figures["browser_cold"] = times
            print(f"\nChromium, {first}, no preheating (kernel started on the visit): "
                  + ", ".join(f"{t:.2f} s" for t in times))
        finally:
            stop_server(server)

        # The machine's floor for the speed goal: the same crowd on Voila's trivial notebook, preheated like ours.
        server = start_server(base, tmp / "voila-floor.log", pool=0, lesson_pools={"trivial": n})
        proc = psutil.Process(server.proc.pid)
        try:
            wait_quiet(proc, n)
            out, mem = crowd(server.url, ["trivial"] * n, during=memory_probe(proc, rss_mb(proc), n))
            figures["trivial_preheated"] = report(f"D. The floor: {n} visitors open the trivial widget notebook "
                                                  "at once, preheated", out, mem)
        finally:
            stop_server(server)

    a, c = figures["same_lesson"], figures["trivial_cold"]
    print("\nSummary")
    print(f"  p95 time to rendered page, {n} at once on one lesson: {a['ready_p95']:.3f} s (goal < 0.5 s)")
    print(f"  p95, {n} at once on different lessons:               "
          f"{figures['different_lessons']['ready_p95']:.3f} s")
    print(f"  p95, {n} at once on a trivial widget notebook (floor): "
          f"{figures['trivial_preheated']['ready_p95']:.3f} s")
    print(f"  memory per visitor: {a['per_visitor_mb']:.1f} MB (Voila with a trivial notebook: "
          f"{c['per_visitor_mb']:.1f} MB); kernel USS {a['kernel_uss_mb']:.1f} MB "
          f"(trivial {c['kernel_uss_mb']:.1f} MB)")
    print(f"  kernels left {args.after:.0f} s after the visitors left: {figures['kernels_left']} (goal 0)")
    for name, cold in figures.get("cold_start", {}).items():
        warm = "never" if cold["all_warm"] is None else f"{cold['all_warm']:.1f} s"
        print(f"  cold start ({name.replace('_', ' ')}): first lesson rendered {cold['first_render']:.1f} s after "
              f"launch (goal < 5 s on a quiet machine), every pool warm after {warm}")
    print(json.dumps(figures, default=float))
    return 0


if __name__ == "__main__":
    sys.exit(main())
