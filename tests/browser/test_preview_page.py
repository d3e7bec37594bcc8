"""Does the author's preview (`pathways preview`) open in a browser as a lesson page does: ready, with no false
"could not start" banner (the page waits for a quick exit, which the preview once lacked)?"""

from __future__ import annotations

import subprocess

import pytest
from pathways.grading.authoring import commands
from support.processes import free_port, stop_process, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_preview_page_is_ready_without_a_failure_banner(browser):
    """Is the preview page marked ready (its quick exit shown), its role-play playable, and no banner shown?"""
    port = free_port()
    cmd, env = commands.preview_command(port)
    proc = subprocess.Popen(cmd, env=env, cwd=commands.PREVIEW.parent, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        assert wait_for(lambda: commands.port_taken(port) or proc.poll() is not None, timeout=60)
        assert proc.poll() is None
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{port}/", timeout=90_000)
        page.wait_for_selector("body[data-pw-ready='true']", timeout=90_000)
        page.wait_for_selector(".pw-roleplay .pw-choice", state="visible", timeout=30_000)
        assert page.locator("#pw-start").inner_text().strip() == ""
    finally:
        context.close()
        stop_process(proc, timeout=20)
