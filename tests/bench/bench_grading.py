"""Benchmark: `pathways grade` against plain sequential `nbgrader autograde`, on the same simulated class.

    make bench-grading            # 30 students x every lesson that releases
    .venv/bin/python tests/bench/bench_grading.py --students 10 --lessons 01-why-dont-they-leave

Builds one course, releases every lesson, writes N simulated hand-ins per lesson (random but
plausible answers, seeded), collects them, then copies the course: one copy is graded by
`pathways grade` (parallel, sandboxed), the other by plain sequential `nbgrader autograde LESSON`,
lesson by lesson in alternation (so other work on a shared machine weighs on both alike). Prints
wall time, amortised seconds per notebook and CPU seconds per notebook for both, their ratio, and
checks that both gradebooks hold identical scores. Exit status 1 if the scores differ.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # support.learner: the simulated class

from pathways.grading import nbgrader_run  # noqa: E402
from pathways.grading.instructor import gradebook, workflow  # noqa: E402
from support import learner  # noqa: E402


def _cpu() -> float:
    """CPU seconds used so far by this process and every finished child (workers, kernels, nbgrader)."""
    import resource

    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--students", type=int, default=30)
    p.add_argument("--lessons", nargs="*", help="default: every lesson that releases")
    p.add_argument("--jobs", type=int, default=None, help="pathways grade workers (default: cores)")
    p.add_argument("--keep", action="store_true", help="keep the temporary courses")
    p.add_argument("--isolation", choices=["auto", "none"], default="auto", help="pathways grade's isolation")
    a = p.parse_args(argv)

    # Not under /tmp/pathways-*: other benchmarks tidy their own folders by that name.
    base = Path(tempfile.mkdtemp(prefix="grading-bench-", dir="/var/tmp" if os.path.isdir("/var/tmp") else None))
    ours, plain = base / "pathways", base / "nbgrader"
    os.environ.pop("PATHWAYS_DB_URL", None)
    try:
        t = time.monotonic()
        init = workflow.init_course(ours)
        lessons = [lesson for lesson in (a.lessons or init.released) if lesson in init.released]
        for problem in init.problems:
            print(f"(skipped) {problem}")
        upload = learner.random_class(ours / "release", workflow.lessons_dir(), lessons, a.students,
                                        base / "upload")
        workflow.collect(upload, ours)
        shutil.copytree(ours, plain, symlinks=True)
        n = a.students * len(lessons)
        print(f"Class: {a.students} students x {len(lessons)} lessons = {n} notebooks "
              f"(setup {time.monotonic() - t:.0f} s; {os.cpu_count()} cores)")

        # Lesson by lesson, pathways then nbgrader, so that other work on the machine weighs on both alike.
        t_ours = c_ours = t_plain = c_plain = 0.0
        workers, isolation, failed = 0, "", []
        for lesson in lessons:
            t, c = time.monotonic(), _cpu()
            rep = workflow.grade(ours, lessons=[lesson], jobs=a.jobs, progress=True, isolation=a.isolation)
            t_ours, c_ours = t_ours + time.monotonic() - t, c_ours + _cpu() - c
            workers, isolation, failed = rep.workers, rep.isolation, failed + rep.failed
            t, c = time.monotonic(), _cpu()
            run = nbgrader_run.nbgrader("autograde", lesson, "--force", course=plain)
            t_plain, c_plain = t_plain + time.monotonic() - t, c_plain + _cpu() - c
            if not run.ok:
                print(f"nbgrader autograde {lesson} reported a problem:\n{run.output[-1500:]}")
            print(f"  {lesson}: pathways {t_ours:.0f} s, nbgrader {t_plain:.0f} s so far "
                  f"(load {os.getloadavg()[0]:.1f})", flush=True)
        if failed:
            print("pathways grade could not grade:", failed[:3])

        a_scores = {k: round(v["score"], 4) for k, v in gradebook.scores(workflow.db_url(ours)).items()}
        b_scores = {k: round(v["score"], 4) for k, v in gradebook.scores(workflow.db_url(plain)).items()}
        same = a_scores == b_scores and len(a_scores) == n
        print(f"pathways grade ({workers} workers, isolation: {isolation}): "
              f"{t_ours:.1f} s wall, {t_ours / n:.2f} s/notebook, CPU {c_ours / n:.2f} s/notebook")
        print(f"nbgrader autograde (sequential): {t_plain:.1f} s wall, {t_plain / n:.2f} s/notebook, "
              f"CPU {c_plain / n:.2f} s/notebook")
        print(f"machine load average at the end: {os.getloadavg()[0]:.1f} (other work competes for the cores)")
        print(f"speed-up: {t_plain / t_ours:.2f}x   scores identical: {same} ({len(a_scores)} submissions)")
        if not same:
            diff = sorted(k for k in set(a_scores) | set(b_scores) if a_scores.get(k) != b_scores.get(k))
            for key in diff[:10]:
                print(f"  differs {key}: pathways {a_scores.get(key)} nbgrader {b_scores.get(key)}")
        return 0 if same else 1
    finally:
        if a.keep:
            print(f"courses kept in {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
