"""Published dashboards: every lesson's release version served by Voila, safe for any visitor.

`build()` releases each lesson with nbgrader (so no solution or hidden test can reach a visitor), drops the
cells tagged `grading` (the autograder section means nothing on a dashboard), keeps only the notebook and the
data files its widgets read, and checks the result for solution text before replacing the published folder.
`serve()` runs Voila on 127.0.0.1 with the production settings of `grading/delivery/dashboards/voila/voila.py`, the
one config
file (template, file rules, culling, preheated kernels, headers). See grading/delivery/dashboards/voila/README.md.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

import nbformat
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_server._tz import utcnow
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from pathways import config
from pathways.activities import registry

from ... import course as course_mod
from ... import nbgrader_run
from ..publish import refuse_foreign, replace_published

VOILA_DIR = Path(__file__).resolve().parent / "voila"
CONFIG = VOILA_DIR / "voila.py"
#: A file in every built folder, so `build()` only ever deletes a folder it made itself.
MARKER = ".pathways-dashboards"
COMMAND = "pathways dashboards build"
#: Files a lesson's widgets read (scenarios, checks, exercises) and images its markdown shows.
DATA_SUFFIXES = {".yaml", ".yml", ".json", ".csv", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"}
#: Never published even if a release contains them: learners' answers, instructors' notes.
SKIP_NAMES = re.compile(r"(^\.|^responses\.json$|facilitator|solution|answer[-_ ]?key|instructor)", re.IGNORECASE)
#: Text that must never reach a visitor (solution regions, hidden tests, model answers, the grading calls): every
#: registered activity kind's model answers and grader calls (pathways.activities.registry).
FORBIDDEN_TEXT = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "pathways.autograde",
                  *(m.name for k in registry.kinds() for m in k.models),
                  *(f"{g.name}(" for k in registry.kinds() for g in k.graders))
GRADING_TAG = "grading"

SITE_TITLE = "Pathways"
TAGLINE = ("Short interactive lessons on why people who are sex-trafficked often cannot simply leave or come "
           "forward, and how to respond in a way that keeps them safe.")
CONTENT_NOTE = [
    "These lessons talk about sex trafficking, coercion, threats and fear. They contain no graphic "
    "descriptions. You can stop, skip a section or step away at any time.",
    "Nothing you choose or type here is saved: your answers stay in this browser tab and are gone when you "
    "close it. The red button at the top of every page, or pressing Shift three times, leaves at once.",
]


# The kernelspec of every dashboard (grading/delivery/dashboards/voila/share/kernels/pathways-dashboard, found through
# the
# JUPYTER_PATH that grading/delivery/dashboards/voila/voila.py sets).
KERNELSPEC = {"name": "pathways-dashboard", "display_name": "Pathways dashboard (Python 3)", "language": "python"}


# --- build --------------------------------------------------------------------------------------------------
def publish_notebook(src: Path, dest: Path) -> None:
    """Write the dashboard version of a release notebook: no `grading` cells, no outputs, a page title."""
    nb = nbformat.read(src, as_version=4)
    nb.cells = [cell for cell in nb.cells if GRADING_TAG not in cell.get("metadata", {}).get("tags", [])]
    for cell in nb.cells:
        cell.get("metadata", {}).pop("nbgrader", None)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb.metadata.pop("nbgrader", None)
    # The lean, history-free dashboard kernel (pathways.grading.delivery.dashboards.kernel).
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    title = notebook_title(nb)
    if title:
        nb.metadata["title"] = title  # the page's <title> and the name of its main landmark
    nbformat.write(nb, dest)


def notebook_title(nb: nbformat.NotebookNode) -> str | None:
    """The first level-1 heading of a notebook, as plain text."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            if line.startswith("# "):
                return re.sub(r"[*_`]", "", line[2:]).strip()
    return None


def notebook_summary(nb: nbformat.NotebookNode, limit: int = 320) -> str:
    """The first paragraph of the notebook's Overview section (for the landing page), or ''."""
    for cell in nb.cells:
        if cell.cell_type == "markdown" and re.match(r"##\s+(\d+\.\s*)?Overview", cell.source):
            paras = [p.strip() for p in cell.source.split("\n\n")[1:] if p.strip()]
            if paras:
                text = re.sub(r"[*_`]", "", " ".join(paras[0].split()))
                return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
    return ""


def publish_lesson(release: Path, dest: Path) -> list[Path]:
    """Copy one released lesson into a dashboard folder; return the files written."""
    written = []
    for src in sorted(release.rglob("*")):
        rel = src.relative_to(release)
        if not src.is_file() or any(SKIP_NAMES.search(part) for part in rel.parts) or "__pycache__" in rel.parts:
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if src.suffix == ".ipynb":
            publish_notebook(src, target)
        elif src.suffix.lower() in DATA_SUFFIXES:
            shutil.copy2(src, target)
        else:
            continue
        written.append(target)
    return written


def leaks(folder: Path) -> list[str]:
    """Every published file that contains text a visitor must never get, as 'path: text'."""
    found = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix.lower() in DATA_SUFFIXES | {".ipynb"}:
            text = path.read_text(encoding="utf-8", errors="replace")
            found += [f"{path.relative_to(folder)}: {bad!r}" for bad in FORBIDDEN_TEXT if bad in text]
    return found


def _release_each(lessons: list[str], course: str | Path | None, tmp: Path) -> dict[str, Path]:
    """Release folders of the lessons (nbgrader in this process). Without a course, a throwaway course is used so
    the instructor's gradebook is never touched."""
    return dict(zip(lessons, nbgrader_run.release(lessons, course=course or tmp / "course"), strict=True))


def build(out: str | Path | None = None, lessons: Iterable[str] | None = None,
          course: str | Path | None = None, released: str | Path | None = None) -> Path:
    """Build the dashboards of the lessons (default: all) into `out` (default: the configured dashboards folder).

    The new site is assembled and checked in a temporary folder, then replaces `out` (only a folder an
    earlier build made, or an empty or missing one). Raises RuntimeError if a lesson fails to release or if
    solution text would be published. `released`: a course's release folder (release/<lesson>/) made
    earlier, published as it is instead of releasing the lessons again (it is read, never changed).
    """
    out = course_mod.dashboards_dir(out)
    lessons = list(lessons or course_mod.lesson_ids())
    if not lessons:
        raise RuntimeError(f"no lessons found in {course_mod.lessons_dir()}")
    refuse_foreign(out, MARKER, COMMAND)
    with tempfile.TemporaryDirectory(prefix="pathways-dashboards-") as tmp:
        tmp = Path(tmp)
        if released is not None:
            releases = {lesson: Path(released) / lesson for lesson in lessons}
        else:
            releases = _release_each(lessons, course, tmp)
        site = tmp / "site"
        site.mkdir()
        for lesson in lessons:
            if not publish_lesson(releases[lesson], site / lesson):
                raise RuntimeError(f"the release of {lesson} has nothing to publish")
        return replace_published(site, out, MARKER, COMMAND, leaks(site))


# --- landing page -------------------------------------------------------------------------------------------
def landing_context(root: str | Path) -> dict:
    """What the landing page shows (read by the Voila config at start-up): lessons, content note, resources."""
    from pathways.resources import load_resources
    from pathways.views.safety import resources_html

    root = Path(root)
    lessons = []
    for nb_path in sorted(root.glob("*/lesson.ipynb")) if root.is_dir() else []:
        if nb_path.parent.name.startswith("."):
            continue
        nb = nbformat.read(nb_path, as_version=4)
        lessons.append({"path": nb_path.relative_to(root).as_posix(),
                        "title": nb.metadata.get("title") or notebook_title(nb) or nb_path.parent.name,
                        "summary": notebook_summary(nb)})
    res = load_resources(root if root.is_dir() else None)
    # The landing page mounts the lessons' own quick-exit module (one piece serves both); Tornado will not
    # serve a file from outside the template folder, so the page carries the module's text.
    views = resources.files("pathways.views")
    return {"site_title": SITE_TITLE, "tagline": TAGLINE, "content_note": CONTENT_NOTE, "lessons": lessons,
            "resources_html": resources_html(res),
            "quick_exit": {"url": res.quick_exit.url, "label": res.quick_exit.label, "hint": res.quick_exit.hint},
            "quick_exit_js": views.joinpath("quick_exit.js").read_text(encoding="utf-8"),
            "quick_exit_css": views.joinpath("quick_exit.css").read_text(encoding="utf-8")}


# --- serve ---------------------------------------------------------------------------------------------------
class DashboardKernelClient(AsyncKernelClient):
    """The kernel client Voila's renderer uses (set in voila.py), without a heartbeat channel.

    Measured here under load (60 preheated kernels on 2 cores): a heartbeat thread of jupyter_client can hang
    in its own event loop, and the renderer's `stop_channels()` then joins it forever, on the server's main
    thread: the whole server stops answering. Nothing needs the heartbeat (a kernel's death is seen from
    its process), so the renderer's clients do without it.
    """

    def start_channels(self, shell: bool = True, iopub: bool = True, stdin: bool = True, hb: bool = True,
                       control: bool = True) -> None:
        """Start every channel asked for except the heartbeat."""
        super().start_channels(shell=shell, iopub=iopub, stdin=stdin, hb=False, control=control)


class DashboardKernelManager(AsyncMappingKernelManager):
    """Voila's kernel manager (set in voila.py; Voila adds its preheated pools on top), with one fix to culling.

    A preheated kernel can wait in its pool for longer than the idle timeout. When a visitor takes it, the page
    needs a second or two to load before it connects; if the culler ran in that window it saw a kernel idle for
    ages with no connection and shut it down, and the visitor got a page without widgets (measured: about one
    visit in three with a 5 s cull interval). So at each culling round, a kernel counts as active *now* when it
    has just left its pool (it was waiting in a pool at the last round and is not any more) or when the culler
    meets it for the first time (it started and was handed out between two rounds): a visitor always gets a
    full idle timeout to connect, and a kernel nobody connects to is still culled one timeout later.

    Voila hides from the culler only the pool entries that have finished preheating; a kernel still preheating
    is met outside the pools, then hides in its pool, then comes out for a visitor: the "just left its pool"
    rule covers that path, which a "first time met" rule alone missed.
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._known: set[str] = set()  # kernels that existed at the last round
        self._pooled_last_round: set[str] = set()

    def _pooled(self) -> set[str]:
        """Kernels waiting, preheated, in Voila's pools (a pool entry still preheating has no kernel id yet)."""
        ids = set()
        for pool in getattr(self, "_pools", {}).values():
            for entry in pool:
                if entry.done() and not entry.cancelled() and entry.exception() is None:
                    ids.add(entry.result().get("kernel_id"))
        return ids

    async def cull_kernels(self) -> None:
        """One culling round: first count kernels just handed to a visitor as active, then cull as usual."""
        pooled = self._pooled()
        for kernel_id, kernel in list(self._kernels.items()):
            fresh = kernel_id not in self._known or kernel_id in self._pooled_last_round
            if fresh and kernel_id not in pooled:
                kernel.last_activity = utcnow()
        self._known, self._pooled_last_round = set(self._kernels), pooled
        await super().cull_kernels()


# --- serve: the Voila process ---------------------------------------------------------------------------------
def voila_command(root: str | Path, port: int, overrides: Iterable[str] = ()) -> list[str]:
    """The Voila command line: the dashboards folder, this config folder only, the port, any overrides.

    Voila runs through pathways.grading.delivery.dashboards.server: the same Voila, with pools that fill a few kernels
    at a
    time (visitors first) and a busy page when the server is full."""
    return [sys.executable, "-m", "pathways.grading.delivery.dashboards.server", str(Path(root).resolve()),
            f"--Voila.config_file_paths={VOILA_DIR}", f"--port={int(port)}", "--Voila.port_retries=0", *overrides]


def capacity_overrides(max_kernels: int | None = None, preheat: int | None = None) -> list[str]:
    """Voila options for the server's capacity: most kernels at once, and kernels preheating at once."""
    found = []
    if max_kernels:
        found.append(f"--PathwaysKernelManager.max_kernels={int(max_kernels)}")
    if preheat:
        found.append(f"--PathwaysKernelManager.preheat_concurrency={int(preheat)}")
    return found


def voila_env(root: str | Path, **settings: object) -> dict[str, str]:
    """Environment of the Voila process (kernels inherit it): the configuration in force with memory-only answers,
    this dashboards folder and `settings` (pathways.config options, read by the Voila config file)."""
    env = dict(os.environ)
    env.update(config.current().environment(storage="memory", dashboards=str(Path(root).resolve()), **settings))
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def start(root: str | Path | None = None, port: int | None = None, overrides: Iterable[str] = (),
          pool: int | None = None, lesson_pools: dict[str, int] | None = None,
          extra_env: dict[str, str | None] | None = None, **popen: object) -> subprocess.Popen:
    """Start Voila on 127.0.0.1:port (default: the configured dashboards port) in the background (tests,
    benchmark); the caller stops it.

    `pool` is the number of preheated kernels per lesson and `lesson_pools` overrides it for some lessons
    (both read by the config file). `extra_env` adds variables to Voila's environment (None removes one);
    `popen` goes to subprocess.Popen.
    """
    root = serve_root(root)
    if not (root / MARKER).is_file():
        raise RuntimeError(f"no dashboards in {root}: run `pathways dashboards build` first")
    pools = {} if pool is None else {"pool_size": int(pool)}
    if lesson_pools:
        pools["lesson_pools"] = {lesson: int(size) for lesson, size in lesson_pools.items()}
    env = voila_env(root, **pools)
    for name, value in (extra_env or {}).items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    port = config.current().dashboards_port if port is None else port
    return subprocess.Popen(voila_command(root, port, overrides), env=env, cwd=root,
                            stdin=subprocess.DEVNULL, **popen)  # type: ignore[call-overload]


def serve_root(root: str | Path | None = None) -> Path:
    """The dashboards folder served: `root`, else the configured one (build/dashboards in the working folder)."""
    return course_mod.dashboards_dir(root)


def serve(root: str | Path | None = None, port: int | None = None, pool: int | None = None,
          lesson_pools: dict[str, int] | None = None, max_kernels: int | None = None,
          preheat: int | None = None) -> int:
    """Serve the dashboards until interrupted; return Voila's exit status."""
    root = serve_root(root)
    overrides = capacity_overrides(max_kernels, preheat)
    proc = start(root, port, overrides, pool=pool, lesson_pools=lesson_pools)

    def stop_on_term(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt  # SIGTERM (a service manager, `kill`) stops Voila and its kernels too

    previous = signal.signal(signal.SIGTERM, stop_on_term)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            return proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()
    finally:
        signal.signal(signal.SIGTERM, previous)
