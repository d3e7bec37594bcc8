"""Benchmark the static site against the Voila dashboards, in one run (`make bench-site`).

What it does, on 127.0.0.1:
  1. builds the static site into a temporary folder and serves it with a plain static web server
     (`python -m http.server`, in a process of its own);
  2. first visit of lesson 1 in headless Chromium: the bytes transferred (every response, as the network
     reports them: no compression, as http.server sends them) and the time to interactive, i.e. from navigation
     to the role-play's first choice on screen and the activities ready, with the CPU throttled 4x and a slow
     network (CDP: 400 ms round trip, 400 kbit/s down, 400 kbit/s up), against the budget below;
  3. 1000 simulated visitors, 50 at a time, each fetching what a first visit of lesson 1 fetches (the page and
     its five static files) from the same server: time per visit at p50/p95, and visits per second;
  4. then (unless --no-voila) `bench_dashboards.py --skip-cold`, the Voila dashboards' crowd figures, in the same
     run, so that both sets of figures come from the same machine and moment.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from support.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from support.processes import free_port, stop_process, wait_http  # noqa: E402

LESSON = "01-why-dont-they-leave"
#: The budget a first visit of a lesson must meet (a phone on a poor connection in a shelter or a clinic).
BUDGET_BYTES = 300_000
BUDGET_TTI_S = 6.0
SLOW_NETWORK = {"offline": False, "latency": 400, "downloadThroughput": 400_000 / 8, "uploadThroughput": 400_000 / 8}
FILES = ["static/site.css", "static/quick-exit.css", "static/quick-exit.js", "static/player.js", "static/site.js"]


def first_visit(url: str, throttled: bool) -> dict:
    """Bytes and time to interactive of one first visit in a fresh Chromium context."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1100, "height": 900})
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            sizes: dict[str, int] = {}
            cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
            if throttled:
                cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
                cdp.send("Network.emulateNetworkConditions", SLOW_NETWORK)
            start = time.monotonic()
            page.goto(url, wait_until="commit")
            page.wait_for_selector("body[data-pw-ready] .pw-roleplay .pw-choice", state="visible", timeout=120_000)
            tti = time.monotonic() - start
            page.wait_for_load_state("load")
            return {"bytes": sum(sizes.values()), "requests": len(sizes), "tti_s": round(tti, 2)}
        finally:
            browser.close()


def visitors(base: str, count: int, at_once: int) -> dict:
    """`count` visitors, `at_once` at a time, each fetching the lesson page and its static files."""
    urls = [f"{base}{LESSON}/index.html"] + [base + f for f in FILES]

    def visit(_i: int) -> float:
        start = time.monotonic()
        for url in urls:
            with urllib.request.urlopen(url, timeout=60) as resp:
                resp.read()
        return time.monotonic() - start

    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(at_once) as pool:
        times = sorted(pool.map(visit, range(count)))
    wall = time.monotonic() - start
    return {"visitors": count, "at_once": at_once, "p50_s": round(statistics.median(times), 3),
            "p95_s": round(times[int(0.95 * (len(times) - 1))], 3), "visits_per_s": round(count / wall, 1),
            "wall_s": round(wall, 1)}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--visitors", type=int, default=1000)
    parser.add_argument("--at-once", type=int, default=50)
    parser.add_argument("--no-voila", action="store_true", help="skip the Voila dashboards' figures (4.)")
    args = parser.parse_args(argv)
    from pathways.grading.delivery.site import build

    with tempfile.TemporaryDirectory(prefix="bench-site-") as tmp:
        site = build.build(Path(tmp) / "site")
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                                   "--directory", str(site)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}/"
            wait_http(base, server)
            url = f"{base}{LESSON}/index.html"
            plain = first_visit(url, throttled=False)
            slow = first_visit(url, throttled=True)
            crowd = visitors(base, args.visitors, args.at_once)
        finally:
            stop_process(server)
    print(f"Static site, lesson 1, first visit: {plain['bytes']:,} bytes in {plain['requests']} requests "
          f"(budget {BUDGET_BYTES:,}: {'met' if plain['bytes'] <= BUDGET_BYTES else 'NOT MET'}); "
          f"time to interactive {plain['tti_s']} s unthrottled")
    print(f"  with the CPU 4x slower and a slow network (400 ms, 400 kbit/s): {slow['tti_s']} s "
          f"(budget {BUDGET_TTI_S} s: {'met' if slow['tti_s'] <= BUDGET_TTI_S else 'NOT MET'})")
    print(f"  {crowd['visitors']} visitors, {crowd['at_once']} at a time, from python -m http.server: "
          f"p50 {crowd['p50_s']} s, p95 {crowd['p95_s']} s per visit (6 files), {crowd['visits_per_s']} visits/s "
          f"({crowd['wall_s']} s in all); per visitor, the server keeps nothing")
    if not args.no_voila:
        print("\nThe Voila dashboards, same machine, same run (bench_dashboards.py --skip-cold):", flush=True)
        import bench_dashboards

        return bench_dashboards.main(["--skip-cold"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
