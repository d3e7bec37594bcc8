"""Benchmark: loading a role-play scenario (`pathways.scenario.load`), as a ratio to one plain YAML parse.

    make bench-load

Every lesson's kernel, the dashboards' preheated kernels, `pathways check` and the grader load scenarios, so a
load is paid many times a day. The anchor, measured in the same run on the same files, is ONE parse of the file
with PyYAML's pure-Python safe loader (what a naive loader does at least once; the loader before issue 13 parsed
each file three times, nine for a translation, all pure Python: a ratio of 3 or more). A load also validates the
model and its rules, so its ratio says how much work it adds to a single parse, whatever the machine's speed.
Prints per file: mean ms of load(), mean ms of the anchor, ratio; then the totals. Exit status 1 if the total
ratio exceeds --max-ratio (default 1.0).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import yaml
from pathways.scenario import load
from pathways.scenario.loader import is_translation

LESSONS = Path(__file__).resolve().parents[2] / "lessons"


def timed(fn, repeat: int) -> float:
    """Mean seconds of fn() over `repeat` runs, after one warm-up."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.mean(times)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=20)
    p.add_argument("--max-ratio", type=float, default=1.0)
    args = p.parse_args(argv)
    files = []
    for path in sorted(LESSONS.glob("*/*.yaml")):
        text = path.read_text(encoding="utf-8")
        data = yaml.load(text, Loader=yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader)
        if isinstance(data, dict) and ("nodes" in data or is_translation(text, data)):
            files.append(path)
    total_load = total_anchor = 0.0
    print(f"{'scenario':52} {'load() ms':>10} {'1 parse ms':>11} {'ratio':>6}")
    for path in files:
        text = path.read_text(encoding="utf-8")
        took = timed(lambda p=path: load(p), args.repeat)
        anchor = timed(lambda t=text: yaml.load(t, Loader=yaml.SafeLoader), args.repeat)
        total_load, total_anchor = total_load + took, total_anchor + anchor
        print(f"{path.parent.name + '/' + path.name:52} {took * 1000:10.1f} {anchor * 1000:11.1f} {took / anchor:6.2f}")
    ratio = total_load / total_anchor
    print(f"{'all ' + str(len(files)) + ' scenarios':52} {total_load * 1000:10.1f} {total_anchor * 1000:11.1f} "
          f"{ratio:6.2f}")
    print(f"libyaml C loader: {'yes' if hasattr(yaml, 'CSafeLoader') else 'no (pure Python)'}")
    if ratio > args.max_ratio:
        print(f"FAIL: loading costs {ratio:.2f} plain parses (goal: at most {args.max_ratio})")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
