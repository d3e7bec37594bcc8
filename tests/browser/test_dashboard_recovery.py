"""Dashboards under pressure: a full server, a pooled kernel that died, a visitor's kernel that dies or never answers.

Each test runs its own small Voila (one lesson, pool of 1) with the production configuration, so it can fill,
starve or break that server without touching the shared one of test_dashboards.py.
"""

from __future__ import annotations

import json
import re
import signal
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from pathways.resources import load_resources
from support.processes import wait_for
from support.voila import kernel_count, kernel_processes, one_lesson_site, start_server, stop_server

REPO = Path(__file__).resolve().parents[2]
LESSON = sorted(p.name for p in (REPO / "lessons").iterdir() if (p / "lesson.ipynb").is_file())[0]
RENDER_TIMEOUT = 60_000

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def http_get(url: str) -> tuple[int, dict, str]:
    """Status, headers and body of a GET (error statuses included)."""
    try:
        with urllib.request.urlopen(url, timeout=60) as resp:
            return resp.status, dict(resp.headers), resp.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode("utf-8", errors="replace")


def page_kernel_id(html: str) -> str:
    """The kernel id a rendered lesson page was given."""
    config = re.search(r'<script id="jupyter-config-data" type="application/json">\s*(.*?)\s*</script>', html, re.S)
    return json.loads(config.group(1))["kernelId"]


def small_server(dashboards_site: Path, tmp_path: Path, *overrides: str):
    """A Voila serving one lesson with a pool of one kernel, waiting until that kernel exists."""
    site = one_lesson_site(dashboards_site, tmp_path / "site", LESSON)
    server = start_server(site, tmp_path / "voila.log", pool=1, overrides=list(overrides))
    if not wait_for(lambda: kernel_count(server.proc) == 1, 60):
        stop_server(server)
        raise AssertionError("the pool kernel never started")
    return server


@pytest.fixture(scope="module")
def one_lesson_server(dashboards_site, tmp_path_factory):
    """One small server for the tests that kill kernels (each leaves it with a pool kernel on its way)."""
    server = small_server(dashboards_site, tmp_path_factory.mktemp("one-lesson"), "--VoilaKernelManager.fill_delay=0")
    yield server
    stop_server(server)


def pooled_kernels(server, timeout: float = 60) -> dict:
    """The kernels of a server once at least one waits in the pool (kernel id -> process)."""
    assert wait_for(lambda: kernel_count(server.proc) >= 1, timeout), "no pool kernel"
    return kernel_processes(server.proc.pid)


def test_a_full_server_answers_with_the_busy_page(dashboards_site, tmp_path, browser):
    """When the server holds as many kernels as it may and a visitor's lesson has none ready, does the visitor
    get a plain 'busy, try again in a minute' page (503, Retry-After) with the quick exit and the support lines,
    and is no kernel started for them?"""
    server = small_server(dashboards_site, tmp_path, "--PathwaysKernelManager.max_kernels=1")
    try:
        status, _headers, html = http_get(server.lesson_url(LESSON))  # the first visitor takes the only kernel
        assert status == 200 and page_kernel_id(html)
        status, headers, html = http_get(server.lesson_url(LESSON))
        assert status == 503 and headers.get("Retry-After") == "60"
        context = browser.new_context()
        page = context.new_page()
        response = page.goto(server.lesson_url(LESSON))
        assert response.status == 503
        page.wait_for_selector(".pw-exit", state="visible")
        text = page.inner_text("body")
        assert "try again in a minute" in text and "Try again" in text
        res = load_resources()
        assert res.emergency.phone in text and res.lines[0].phone in text
        assert page.locator("main h1").inner_text() == "Busy right now"
        context.close()
        assert kernel_count(server.proc) == 1  # no kernel was started for the visitors turned away
    finally:
        stop_server(server)


def test_a_pooled_kernel_that_died_is_never_handed_out(one_lesson_server, browser):
    """If the kernels waiting in the pool die, does the next visitor still get a working lesson (a new kernel),
    not a page whose activities never appear?"""
    server = one_lesson_server
    dead = pooled_kernels(server)
    for process in dead.values():
        process.send_signal(signal.SIGKILL)
    context = browser.new_context()
    page = context.new_page()
    page.goto(server.lesson_url(LESSON))
    page.wait_for_selector("#rendered_cells .pw-exit", state="visible", timeout=RENDER_TIMEOUT)
    page.wait_for_selector(".pw-roleplay .pw-choice", timeout=RENDER_TIMEOUT)
    assert page_kernel_id(page.content()) not in dead
    assert page.inner_text("#pw-start") == ""
    context.close()


def test_a_visitor_whose_kernel_dies_is_told_plainly_and_can_reload(one_lesson_server, browser):
    """When a visitor's kernel dies mid-lesson, does the page say so within seconds (with a reload button, the
    quick exit and the support lines), and does reloading give a working lesson again?"""
    server = one_lesson_server
    context = browser.new_context()
    page = context.new_page()
    page.goto(server.lesson_url(LESSON))
    page.wait_for_selector(".pw-roleplay .pw-choice", timeout=RENDER_TIMEOUT)
    kernel_id = page_kernel_id(page.content())
    kernel_processes(server.proc.pid)[kernel_id].send_signal(signal.SIGKILL)
    killed = time.monotonic()
    notice = page.locator("#pw-start")
    notice.filter(has_text="lost its connection").wait_for(timeout=15_000)
    print(f"kernel death shown to the visitor after {time.monotonic() - killed:.1f} s")
    assert page.locator("#rendered_cells .pw-exit").is_visible()  # the lesson's own exit works without a kernel
    assert load_resources().emergency.phone in notice.inner_text()
    page.click("#pw-start .pw-reload")
    page.wait_for_selector(".pw-roleplay .pw-choice", timeout=RENDER_TIMEOUT)
    assert page_kernel_id(page.content()) != kernel_id
    assert page.inner_text("#pw-start") == ""
    context.close()


@pytest.mark.xdist_group("dashboards")  # uses the shared server of test_dashboards.py
def test_a_kernel_that_never_answers_is_not_a_blank_lesson(voila_server, browser):
    """If the lesson's kernel never answers (its channel stays silent), does the visitor first learn that the
    lesson is slow to start, then that it could not start, with a reload button, the quick exit and the support
    lines, instead of a blank page?"""
    context = browser.new_context()
    page = context.new_page()
    page.route_web_socket(re.compile(r".*/api/kernels/.*"), lambda ws: None)  # connected to nothing: silence
    opened = time.monotonic()
    page.goto(voila_server.lesson_url(LESSON))
    notice = page.locator("#pw-start")
    notice.filter(has_text="longer than usual").wait_for(timeout=15_000)
    slow = time.monotonic() - opened
    notice.filter(has_text="could not start").wait_for(timeout=40_000)
    failed = time.monotonic() - opened
    print(f"slow notice after {slow:.1f} s, could-not-start after {failed:.1f} s")
    assert page.locator("#pw-exit-mount .pw-exit").is_visible()  # the page's own quick exit, with no kernel
    assert page.locator("#pw-start .pw-reload").is_visible()
    assert load_resources().lines[0].phone in notice.inner_text()
    context.close()
