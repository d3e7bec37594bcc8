"""Run the browser tests again and again under load, and count the passes (`make test-browser-loop`).

Two processes keep both cores busy the whole time (bounded busy loops, stopped when the loop ends, and each
stopping by itself after `--hog-seconds`), as in the cold-start stress test; then `pytest -m browser` runs
`--runs` times in a row, each in its own process. Prints one line per run (passed/failed, seconds) and a
summary `N passed, N failed`. Exit status 0 only if every run passed.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE.parent))  # the tests' support package

from support.browser import cpu_hogs  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Run the loop; return 0 if every run passed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--hogs", type=int, default=2, help="busy processes (default: 2, one per core here)")
    parser.add_argument("--hog-seconds", type=float, default=7200, help="each busy process stops after this")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (default: -m browser -x -q)")
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *(args.pytest_args or ["-m", "browser", "-q"])]
    passed = failed = 0
    # Stopped with kill (or Ctrl-C): leave through the `with` below, so that the busy processes stop too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with cpu_hogs(args.hogs, args.hog_seconds):
        for run in range(1, args.runs + 1):
            start = time.monotonic()
            proc = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
            seconds = time.monotonic() - start
            last = (proc.stdout.strip().splitlines() or ["(no output)"])[-1]
            if proc.returncode == 0:
                passed += 1
            else:
                failed += 1
                (REPO / "build").mkdir(exist_ok=True)
                log = REPO / "build" / f"browser-loop-run{run}.log"
                log.write_text(proc.stdout + proc.stderr)
                last += f" (log: {log})"
            print(f"run {run}/{args.runs}: {'passed' if proc.returncode == 0 else 'FAILED'} in {seconds:.0f} s: {last}")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
