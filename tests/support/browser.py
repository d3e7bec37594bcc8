"""Headless Chromium for the browser tests and benchmarks: where it is, how it starts, what a cold start of the
dashboards costs a visitor; axe-core's script (installed by npm into tests/browser)."""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .voila import Server, pools_warm, start_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: The folder of package.json and package-lock.json, where `npm ci` installs axe-core.
NPM_DIR = Path(__file__).resolve().parents[1] / "browser"
AXE = NPM_DIR / "node_modules" / "axe-core" / "axe.min.js"


def npm_installed(*wanted: Path) -> None:
    """Run `npm ci` in tests/browser (from its lock file, the npm registry only) unless every path in `wanted` is
    there already; a failure says why (as a test failure, not an error deep in a test)."""
    import shutil

    import pytest

    if all(p.exists() for p in wanted):
        return
    npm = shutil.which("npm")
    if not npm:
        pytest.fail("npm is needed to install the browser tests' tools (apt-get install -y npm)")
    run = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=NPM_DIR,
                         capture_output=True, text=True, timeout=600)
    if run.returncode != 0 or not all(p.exists() for p in wanted):
        pytest.fail(f"npm ci failed in {NPM_DIR}:\n{run.stdout}\n{run.stderr}")


@contextlib.contextmanager
def chromium_browser():
    """Headless Debian Chromium driven by Playwright (never `playwright install`), closed when the block ends."""
    import pytest

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def cpu_hogs(count: int, seconds: float):
    """`count` processes that keep a core busy each, for at most `seconds` (they stop by themselves, and are
    stopped when the block ends)."""
    loop = f"import time\nend = time.monotonic() + {float(seconds)}\nwhile time.monotonic() < end:\n    pass\n"
    procs = [subprocess.Popen([sys.executable, "-c", loop], stdin=subprocess.DEVNULL) for _ in range(count)]
    try:
        yield procs
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()


def render_in_browser(browser, url: str, timeout_ms: int = 60_000) -> float:
    """Seconds from asking for a lesson page in a new tab to its widgets on screen (the lesson's own quick exit
    and, where there is one, the role-play's choices)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        start = time.monotonic()
        page.goto(url, timeout=timeout_ms)
        page.wait_for_selector("#rendered_cells .pw-exit", state="visible", timeout=timeout_ms)
        if page.locator(".pw-roleplay").count():
            page.wait_for_selector(".pw-roleplay .pw-choice", state="visible", timeout=timeout_ms)
        return time.monotonic() - start
    finally:
        context.close()


@dataclass
class ColdStart:
    """What a visitor of a freshly launched dashboards server sees, in seconds."""

    http: float  # launch -> the server answers
    first_render: float  # launch -> the first lesson's widgets on screen in Chromium
    first_render_after_http: float  # the server answers -> the first lesson on screen
    every_lesson: dict[str, float]  # each lesson's render, opened one after another right after
    all_warm: float | None  # launch -> every pool full and idle


def cold_start(site: Path, log: Path, browser, lessons: list[str], pool: int = 2,
               lesson_pools: dict[str, int] | None = None, overrides: list[str] | None = None,
               refill: bool = True) -> tuple[Server, ColdStart]:
    """Launch Voila on `site`, open the first lesson in Chromium as soon as it answers, then every lesson, then
    wait for the pools to be warm (with `refill=False`, when the caller has made refills wait longer than the
    run: the first pool kernels, less those the visits took). Returns the running server (the caller stops it)
    and the timings."""
    start = time.monotonic()
    server = start_server(site, log, overrides=overrides, pool=pool, lesson_pools=lesson_pools)
    http = time.monotonic() - start
    first = render_in_browser(browser, server.lesson_url(lessons[0]))
    first_total = time.monotonic() - start
    each = {lessons[0]: first}
    for lesson in lessons[1:]:
        each[lesson] = render_in_browser(browser, server.lesson_url(lesson))
    # every pool full again: pool kernels per lesson, plus the kernels of the visits just made (not yet culled)
    pooled = sum((lesson_pools or {}).get(lesson, pool) for lesson in lessons)
    waited = pools_warm(server.proc, pooled + len(lessons) if refill else pooled)
    warm = None if waited is None else time.monotonic() - start
    return server, ColdStart(http, first_total, first, each, warm)


# --- a learner's first answers, in a page (dashboard or JupyterLab) ----------------------------------------------
def check_a_question(page, checks, answer: str, timeout_ms: int = 30_000) -> str:
    """In a lesson's page, answer the first knowledge check shown (a one-answer question of `checks`, the file the
    page shows) with the option `answer` by clicking its label, press "Check answer" and return what the learner
    then reads under the question (the status line and every option's explanation), once the explanations are on
    screen."""
    from pathways.markdown import plain

    question = checks.questions[0]
    box = page.locator(".pw-check").first
    box.scroll_into_view_if_needed()
    option = next(o for o in question.options if o.id == answer)
    box.locator("label.pw-choice-option", has_text=plain(option.text)).click()
    box.locator("button", has_text="Check answer").click()
    box.locator(".pw-explanations li").first.wait_for(timeout=timeout_ms)
    return box.inner_text()


def check_a_sorting(page, exercise, placements: dict[str, str], timeout_ms: int = 30_000) -> str:
    """In a lesson's page, place every item of the sorting exercise shown (`exercise`, the file the page shows) as
    `placements` says, press "Check my sorting" and return what the learner then reads (the status line and each
    item's note), once every item's explanation is on screen."""
    from pathways.markdown import plain

    board = page.locator(".pw-sorting").first
    board.scroll_into_view_if_needed()
    for item in exercise.items:
        row = board.locator(".pw-sort-item", has_text=plain(item.text))
        row.locator("select").select_option(value=placements[item.id])
    board.locator("button.pw-check-button").click()
    try:
        board.locator(".pw-sort-note:not(:empty)").first.wait_for(timeout=timeout_ms)  # every note in one message
    except Exception as exc:
        raise AssertionError(f"no explanation after the check; the exercise reads:\n{board.inner_text()}") from exc
    return board.inner_text()


def play_a_walk(page, scenario, walk, timeout_ms: int = 30_000) -> str:
    """In a lesson's page, play the first role-play shown along `walk` (an engine walk through `scenario`) by
    clicking each choice, waiting for its feedback each time, and return the end summary the learner reads. If the
    role-play has ended already, "Play again" starts a practice run first."""
    from pathways import engine

    roleplay = page.locator(".pw-roleplay").first
    again = roleplay.locator("button", has_text="Play again")
    if again.is_visible():
        again.click()
        roleplay.locator(".pw-summary").wait_for(state="detached", timeout=timeout_ms)
    for step in walk.steps:
        choice = engine.choice_at(scenario, step.node, step.choice)
        exact = re.compile(rf"^\d+\. {re.escape(choice.text)}$")  # shown numbered; one choice's text may hold another's
        roleplay.locator(".pw-choice", has_text=exact).click(timeout=timeout_ms)
        roleplay.locator(".pw-feedback", has_text=choice.feedback.reaction).wait_for(timeout=timeout_ms)
    summary = roleplay.locator(".pw-summary")
    summary.wait_for(timeout=timeout_ms)
    return summary.inner_text()
