"""The static site in headless Chromium, from a plain static web server on 127.0.0.1 and from a folder: every page
renders with no request off its origin, no script error and 0 axe-core violations; a role-play is played by
keyboard to an ending; the quick exit leaves by click and by Shift pressed three times; a visit leaves nothing
behind (cookies, Web Storage, IndexedDB, Cache API, service workers)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from pathways.resources import load_resources
from support.browser import AXE

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("site")]

LESSON1 = "01-why-dont-they-leave"
#: The pages axe-core audits here (each costs seconds on a loaded machine): the landing page, lesson 1 in both
#: languages and the longest lesson; every page is built from the same templates and renderers.
AUDITED = ("index.html", f"{LESSON1}/index.html", f"{LESSON1}/es.html", "07-trauma-informed-response/index.html")
NEUTRAL = "<!doctype html><title>Neutral</title><p>A neutral page.</p>"


def exit_url() -> str:
    return load_resources().quick_exit.url


def open_context(chromium, requests: list[str], bypass_csp: bool = False):
    """A fresh context that records every request; the quick exit's address answers with a stub page (nothing
    reaches the internet), any other host is aborted."""
    context = chromium.new_context(viewport={"width": 1100, "height": 900}, bypass_csp=bypass_csp)
    target = urlsplit(exit_url()).hostname

    def guard(route):
        host = urlsplit(route.request.url).hostname
        if host == "127.0.0.1" or route.request.url.startswith("file:"):
            route.continue_()
        elif host == target:
            route.fulfill(status=200, content_type="text/html", body=NEUTRAL)
        else:
            route.abort()

    context.route("**/*", guard)
    context.on("request", lambda r: requests.append(r.url))
    return context


def pages(site) -> list[str]:
    """Every page of the site, relative to its root."""
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))


def axe_violations(page) -> list:
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]


def test_every_page_renders_on_its_own_origin_without_errors_and_passes_axe(chromium, static_server, npm_tools):
    requests: list[str] = []
    errors: list[str] = []
    context = open_context(chromium, requests)
    audit = open_context(chromium, requests, bypass_csp=True)  # axe is injected as an inline script
    try:
        page, checked = context.new_page(), audit.new_page()
        page.on("console", lambda m: errors.append(f"{page.url}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
        found = pages(static_server.root)
        assert "index.html" in found and f"{LESSON1}/es.html" in found and len(found) == 9
        for rel in found:
            page.goto(static_server.base + rel)
            page.wait_for_selector(".pw-exit", state="visible")
            assert page.locator(".pw-panel").count() == 1, rel
            if rel != "index.html":
                page.wait_for_selector("body[data-pw-ready]")
                assert page.locator(".pw-reading h2").count() >= 3, rel
                assert page.locator(".pw-roleplay .pw-choice").count() >= 2, rel
                assert page.locator(".pw-sorting select").count() >= 2, rel
                assert page.locator(".pw-check input").count() >= 8, rel
                assert page.locator(".pw-reflection textarea").count() == 1, rel
            if rel in AUDITED:
                checked.goto(static_server.base + rel)
                checked.wait_for_selector(".pw-exit", state="visible")
                assert axe_violations(checked) == [], rel
        assert errors == []
        origin = static_server.base.rstrip("/")
        assert [u for u in requests if not u.startswith(origin)] == []
    finally:
        context.close()
        audit.close()


def test_roleplay_by_keyboard_to_an_ending_and_a_visit_leaves_nothing_behind(chromium, static_server, npm_tools):
    requests: list[str] = []
    context = open_context(chromium, requests, bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(static_server.base + f"{LESSON1}/index.html")
        page.wait_for_selector("body[data-pw-ready]")
        for _ in range(80):  # Tab through the page to the role-play's first choice
            page.keyboard.press("Tab")
            if page.evaluate("() => document.activeElement.classList.contains('pw-choice')"):
                break
        else:
            pytest.fail("Tab never reached a role-play choice")
        for _ in range(30):  # Enter on the focused choice; the next moment's first choice takes the focus
            if page.locator(".pw-roleplay .pw-summary").count():
                break
            assert page.evaluate("() => document.activeElement.classList.contains('pw-choice')")
            page.keyboard.press("Enter")
        summary = page.locator(".pw-roleplay .pw-summary").inner_text()
        assert "points" in summary and page.locator(".pw-roleplay .pw-feedback").count() == 1
        assert page.evaluate("() => document.activeElement.tagName") == "H4"  # the ending is announced
        # a knowledge check and the sorting, answered and checked; a reflection typed
        check = page.locator(".pw-check").first
        check.locator("input").first.check()
        check.locator("button.pw-check-button").click()
        assert check.locator(".pw-explanations li").count() >= 2
        sorting = page.locator(".pw-sorting")
        for select in sorting.locator("select").all():
            select.select_option(index=1)
        sorting.locator("button.pw-check-button").click()
        assert "items were where they belong" in sorting.locator(".pw-status").inner_text()
        page.locator(".pw-reflection textarea").fill("Some private thoughts.")
        assert axe_violations(page) == []  # with feedback, explanations and the summary on screen
        stored = page.evaluate("""async () => ({
            cookie: document.cookie, local: localStorage.length, session: sessionStorage.length,
            idb: (await indexedDB.databases()).length, caches: (await caches.keys()).length,
            workers: (await navigator.serviceWorker.getRegistrations()).length})""")
        assert stored == {"cookie": "", "local": 0, "session": 0, "idb": 0, "caches": 0, "workers": 0}
        assert context.cookies() == []
        assert [u for u in requests if not u.startswith(static_server.base)] == []
    finally:
        context.close()


@pytest.mark.parametrize("how", ["click", "shift"])
def test_quick_exit_replaces_the_page(chromium, static_server, how):
    requests: list[str] = []
    context = open_context(chromium, requests)
    try:
        page = context.new_page()
        page.goto(static_server.base + f"{LESSON1}/index.html")
        page.wait_for_selector("body[data-pw-ready]")
        with page.expect_navigation(url=exit_url()):
            if how == "click":
                page.locator(".pw-exit").click()
            else:
                for _ in range(3):
                    page.keyboard.press("Shift")
        assert page.go_back() is None  # replaced, not added: Back does not lead to the lesson
    finally:
        context.close()


def test_a_lesson_works_opened_from_a_folder(chromium, static_site):
    requests: list[str] = []
    errors: list[str] = []
    context = open_context(chromium, requests)
    try:
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto((static_site / LESSON1 / "es.html").as_uri())
        page.wait_for_selector("body[data-pw-ready]")
        page.locator(".pw-roleplay .pw-choice").first.click()
        assert page.locator(".pw-roleplay .pw-feedback").count() == 1
        assert page.evaluate("() => document.documentElement.lang") == "es"
        assert errors == []
        assert all(u.startswith("file://") or u.startswith("data:") for u in requests), requests
    finally:
        context.close()
