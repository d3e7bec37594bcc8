"""Published dashboards: built from the release, served by Voila on 127.0.0.1, opened in headless Chromium.

One Voila (production config, small pools) serves every test here; see conftest.py. Lessons are found at
collection time, so a new lesson is covered as soon as its folder exists.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import pytest
from pathways import engine
from pathways.activities.checks import load_checks
from pathways.activities.sorting import load_exercise
from pathways.grading import cli, settings
from pathways.grading.delivery.dashboards import build as dashboards
from pathways.i18n import ui
from pathways.markdown import plain
from pathways.resources import load_resources
from pathways.scenario import load
from support.browser import check_a_question, check_a_sorting, play_a_walk
from support.processes import run_async, wait_for
from support.testcells import played_scenarios
from support.voila import (
    V1_PROTOCOL,
    kernel_count,
    kernel_message,
    kernel_processes,
    one_lesson_site,
    start_server,
    stop_server,
    v1_frame,
    v1_read,
)

REPO = Path(__file__).resolve().parents[2]
LESSONS = sorted(p.name for p in (REPO / "lessons").iterdir() if (p / "lesson.ipynb").is_file())
#: Lessons whose notebook plays at least one role-play (the one played through is the first).
ROLEPLAY_LESSONS = [name for name in LESSONS if played_scenarios(REPO / "lessons" / name / "lesson.ipynb")]
#: Lessons with a question of several answers (a group of checkboxes).
CHECKBOX_LESSONS = [name for name in LESSONS if (REPO / "lessons" / name / "checks.yaml").is_file()
                    and any(q.multiple for q in load_checks(REPO / "lessons" / name / "checks.yaml").questions)]
SERIOUS = {"serious", "critical"}
RENDER_TIMEOUT = 60_000  # ms; a cold kernel on a busy 2-core CI machine can take a while


def http_get(url: str) -> tuple[int, str]:
    """Status and body of a GET (errors included), without following redirects to other hosts."""
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            return resp.status, resp.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", errors="replace")


def open_lesson(visit, server, lesson: str):
    """Open a lesson's dashboard and wait until its widgets (at least the quick exit) are on screen."""
    page = visit.page
    page.goto(server.lesson_url(lesson))
    page.wait_for_selector("#rendered_cells", state="visible", timeout=RENDER_TIMEOUT)
    page.wait_for_selector("#rendered_cells .pw-exit", state="visible", timeout=RENDER_TIMEOUT)
    return page


def axe_violations(page, axe_source: str) -> list[dict]:
    """Run axe-core on the page; return its violations (id, impact, help, targets)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "targets": [n["target"] for n in v["nodes"]][:5]} for v in result["violations"]]


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under a folder with its size and modification time."""
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")}


# --- build (no browser) --------------------------------------------------------------------------------------
def test_cli_has_dashboards_build_and_serve():
    """Does `pathways dashboards` offer build and serve --port?"""
    parser = cli.build_parser()
    args = parser.parse_args(["dashboards", "serve", "--port", "9999"])
    assert settings.given(args) == {"dashboards_port": "9999"} and callable(args.func)
    assert callable(parser.parse_args(["dashboards", "build"]).func)


def test_publish_notebook_drops_grading_cells_and_outputs(tmp_path):
    """Does the dashboard notebook lose the cells tagged `grading`, every output and nbgrader metadata?"""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Lesson 9 · A title\n\ntext"),
                nbformat.v4.new_code_cell("show()", outputs=[nbformat.v4.new_output("stream", text="x")]),
                nbformat.v4.new_code_cell("check_points('q1', 'b')", metadata={"tags": ["grading"]})]
    nb.cells[1].metadata["nbgrader"] = {"grade_id": "a", "locked": True}
    nbformat.write(nb, tmp_path / "in.ipynb")
    dashboards.publish_notebook(tmp_path / "in.ipynb", tmp_path / "out.ipynb")
    out = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    assert [c.source for c in out.cells] == ["# Lesson 9 · A title\n\ntext", "show()"]
    assert out.cells[1].outputs == [] and "nbgrader" not in out.cells[1].metadata
    assert out.metadata.title == "Lesson 9 · A title"
    assert out.metadata.kernelspec.name == "pathways-dashboard"


def test_dashboard_kernelspec_is_found_and_runs_the_lean_kernel(monkeypatch):
    """Does Jupyter find the `pathways-dashboard` kernelspec on the path grading/delivery/dashboards/voila/voila.py sets
    (Voila silently falls back to another Python kernel when it does not), and does it start
    pathways.grading.delivery.dashboards.kernel?"""
    from jupyter_client.kernelspec import KernelSpecManager
    from pathways.grading.delivery.dashboards import kernel

    share = Path(dashboards.__file__).resolve().parent / "voila" / "share"
    monkeypatch.setenv("JUPYTER_PATH", str(share))
    spec = KernelSpecManager().get_kernel_spec(dashboards.KERNELSPEC["name"])
    assert spec.argv[:3] == ["python", "-m", kernel.__name__] and spec.language == "python"
    assert spec.display_name == dashboards.KERNELSPEC["display_name"]
    assert kernel._trimmer() is not None  # glibc here: freed memory goes back after each cell


def test_leaks_finds_solution_text(tmp_path):
    """Would the build notice a hidden test or a solution region that reached the dashboard folder?"""
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "lesson.ipynb").write_text('{"x": "### BEGIN HIDDEN TESTS"}')
    (tmp_path / "a" / "checks.yaml").write_text("q: ok\n")
    assert dashboards.leaks(tmp_path) == ["a/lesson.ipynb: 'BEGIN HIDDEN TESTS'"]


def test_build_refuses_to_replace_a_folder_it_did_not_make(tmp_path):
    """Does build() leave alone a non-empty folder without its marker (it deletes what it replaces)?"""
    (tmp_path / "precious.txt").write_text("keep me")
    with pytest.raises(RuntimeError, match="not made by"):
        dashboards.build(tmp_path, lessons=["whatever"])
    assert (tmp_path / "precious.txt").read_text() == "keep me"


@pytest.mark.slow
def test_culler_counts_a_kernel_leaving_its_pool_as_active():
    """Does a kernel get a full idle timeout from the moment it leaves its pool for a visitor, also when the
    culler first met it while it was still preheating, and when it started and left between two rounds; and
    is a handed-out kernel that nobody connects to left to age (and be culled) after that?"""
    import asyncio
    from datetime import timedelta

    from jupyter_server._tz import utcnow

    long_ago = utcnow() - timedelta(hours=1)

    class Kernel:
        last_activity = long_ago

    async def rounds() -> None:
        km = dashboards.DashboardKernelManager()
        checked: list[str] = []

        async def stock_check(kernel_id: str) -> None:  # the per-kernel idle check, recorded instead of run
            checked.append(kernel_id)
        km.cull_kernel_if_idle = stock_check
        preheating = asyncio.get_running_loop().create_future()
        km._pools = {"01/lesson.ipynb": [preheating]}
        a = km._kernels["a"] = Kernel()
        await km.cull_kernels()  # 'a' preheats: its pool entry has no kernel id yet, the culler meets it
        a.last_activity = long_ago
        preheating.set_result({"kernel_id": "a"})  # ready: it waits in its pool
        await km.cull_kernels()
        assert a.last_activity == long_ago
        km._pools["01/lesson.ipynb"].clear()  # a visitor takes it
        await km.cull_kernels()
        assert a.last_activity > long_ago  # a full timeout from now to connect
        a.last_activity = long_ago
        await km.cull_kernels()
        assert a.last_activity == long_ago and checked.count("a") == 4  # nobody came: it ages, the check runs
        b = km._kernels["b"] = Kernel()  # started and handed out between two rounds
        await km.cull_kernels()
        assert b.last_activity > long_ago

    run_async(rounds())  # in a thread of its own: Playwright keeps a loop running in this one


def test_built_site_holds_only_what_visitors_need(dashboards_site):
    """Is every lesson built, with its notebook and data files only, and no solution or grading text?"""
    assert sorted(p.parent.name for p in dashboards_site.glob("*/lesson.ipynb")) == LESSONS
    for path in dashboards_site.rglob("*"):
        if path.is_file() and path.name != dashboards.MARKER:
            assert path.suffix in dashboards.DATA_SUFFIXES | {".ipynb"}, path
            assert path.name != "responses.json"
    assert dashboards.leaks(dashboards_site) == []
    for lesson in LESSONS:
        nb = nbformat.read(dashboards_site / lesson / "lesson.ipynb", as_version=4)
        assert all("grading" not in c.metadata.get("tags", []) for c in nb.cells)
        for scenario in played_scenarios(dashboards_site / lesson / "lesson.ipynb"):
            assert (dashboards_site / lesson / scenario).is_file(), f"{lesson} needs {scenario}"


# --- pages in the browser ----------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.browser
def test_landing_page_lists_lessons_with_note_exit_and_resources(voila_server, visit, axe_source):
    """Does the landing page list every lesson and show the content note, quick exit and hotlines, offline?"""
    page = visit.page
    page.goto(voila_server.url)
    page.wait_for_selector(".pw-exit", state="visible")
    text = page.inner_text("body")
    assert "Content note" in text
    res = load_resources()
    assert res.lines[0].phone in text and res.emergency.phone in text
    links = page.locator("ol.pw-lessons a")
    assert links.count() == len(LESSONS)
    for i, lesson in enumerate(LESSONS):
        assert links.nth(i).get_attribute("href").endswith(f"/voila/render/{lesson}/lesson.ipynb")
    assert visit.foreign_requests() == []
    assert_nothing_fixed_covers_text(page)
    violations = axe_violations(page, axe_source)
    print("axe landing: " + json.dumps(violations))
    assert [v for v in violations if v["impact"] in SERIOUS] == []


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("lesson", LESSONS)
def test_each_lesson_renders_offline_and_plays_by_keyboard_alone(voila_server, visit, axe_source, lesson):
    """Does each lesson render (content note, exit, widgets), with no code, no error, no outside request and no
    serious or critical axe violation; and can its role-play be played with Tab, Enter and Space only, showing the
    feedback of every choice and the end summary, with nothing written on the server? (One visit per lesson: a
    render costs seconds on a loaded machine.)"""
    before = snapshot(voila_server.root)
    page = open_lesson(visit, voila_server, lesson)
    _assert_rendered_without_source(page, voila_server, lesson)
    assert_nothing_fixed_covers_text(page)
    violations = axe_violations(page, axe_source)
    print(f"axe {lesson}: " + json.dumps(violations))
    assert [v for v in violations if v["impact"] in SERIOUS] == []
    if lesson in ROLEPLAY_LESSONS:
        _play_by_keyboard(page, voila_server, lesson)
        assert [v for v in axe_violations(page, axe_source) if v["impact"] in SERIOUS] == []
    if lesson == LESSONS[0]:  # one lesson is enough, and costs no render of its own
        _learn_from_first_answers_and_missteps(page, voila_server.root / lesson)
    assert visit.foreign_requests() == []
    assert snapshot(voila_server.root) == before  # no responses.json, nothing changed on the server
    assert not list(voila_server.root.rglob("responses.json"))


def _assert_rendered_without_source(page, voila_server, lesson: str) -> None:
    """The lesson's title, content note and widgets are on screen; no code, no error; every question a fieldset."""
    nb = nbformat.read(voila_server.root / lesson / "lesson.ipynb", as_version=4)
    assert page.title() == nb.metadata.title
    body = page.inner_text("#rendered_cells")
    assert "Content note" in body
    assert "There was an error" not in body and "Traceback" not in body
    assert page.locator(".jp-CodeCell .jp-InputArea, .jp-InputArea-editor").count() == 0  # strip_sources
    if lesson in ROLEPLAY_LESSONS:
        page.wait_for_selector(".pw-roleplay .pw-choice", timeout=RENDER_TIMEOUT)
    assert page.locator("main, [role=main]").count() >= 1
    # every question is a fieldset named by its legend: radios sharing one name, or checkboxes, never both
    groups = page.evaluate("""() => [...document.querySelectorAll('fieldset.pw-choices')].map(f => ({
        legend: (f.querySelector('legend') || {}).textContent || '',
        radios: f.querySelectorAll('input[type=radio]').length,
        boxes: f.querySelectorAll('input[type=checkbox]').length,
        names: new Set([...f.querySelectorAll('input[type=radio]')].map(i => i.name)).size}))""")
    assert groups and all(g["legend"].strip() for g in groups), groups
    assert all((g["radios"] >= 2 and g["names"] == 1 and not g["boxes"]) or (g["boxes"] >= 2 and not g["radios"])
               for g in groups), groups
    assert any(g["boxes"] for g in groups) or lesson not in CHECKBOX_LESSONS
    # no unlabelled ipywidgets radio group or ungrouped checkbox left
    assert page.locator(".widget-radio-box").count() == 0 and page.locator(".widget-checkbox").count() == 0


def _play_by_keyboard(page, voila_server, lesson: str) -> None:
    """Play the lesson's first role-play along its best walk with Tab, Enter and Space only; every choice's
    feedback is announced and the summary shows the engine's score and ending."""
    scenario_file = played_scenarios(voila_server.root / lesson / "lesson.ipynb")[0]
    scenario = load(voila_server.root / lesson / scenario_file)
    walk = engine.best_walk(scenario)
    roleplay = page.locator(".pw-roleplay").first
    roleplay.locator(".pw-choice").first.wait_for(timeout=RENDER_TIMEOUT)
    for number, step in enumerate(walk.steps):
        choice = engine.choice_at(scenario, step.node, step.choice)
        button = roleplay.locator(".pw-choice", has_text=choice.text)
        button.wait_for(timeout=10_000)
        reach_by_tab(page, button)
        assert_focus_ring(page)
        page.keyboard.press("Enter" if number % 2 == 0 else " ")
        feedback = roleplay.locator(".pw-feedback")
        feedback.filter(has_text=choice.feedback.reaction).wait_for(timeout=10_000)
        # announced: the feedback sits in a polite live region that was on the page before it changed
        assert feedback.locator("xpath=ancestor::*[@aria-live='polite']").count() == 1
    summary = roleplay.locator(".pw-summary")
    summary.wait_for(timeout=10_000)
    result = engine.summarize(walk)
    assert ui("you_earned", score=result.score, best=result.best) in summary.inner_text()
    assert result.ending_title in summary.inner_text()


def _learn_from_first_answers_and_missteps(page, folder: Path) -> None:
    """A visitor answers a knowledge check and a sorting exercise and reads, at once, whether they were right and
    every explanation, with no word of grades or feedback; then plays the role-play again with one misstep and with
    two, and reads the engine's score: below the best with one, at most half with two."""
    checks, exercise = load_checks(folder / "checks.yaml"), load_exercise(folder / "sorting.yaml")
    question = checks.questions[0]
    read = check_a_question(page, checks, question.answer)
    assert ui("first_right") in read and read.count(ui("right_answer")) == 1
    assert all(plain(o.explanation)[:40] in read for o in question.options), read
    wrong = next(c.id for c in exercise.categories if c.id != exercise.items[0].category)
    sorted_read = check_a_sorting(page, exercise, {**exercise.key, exercise.items[0].id: wrong})
    assert ui("sorting_result", right=len(exercise.items) - 1, total=len(exercise.items)) in sorted_read
    assert all(plain(i.explanation)[:40] in sorted_read for i in exercise.items), sorted_read
    assert sorted_read.count("it belongs in:") == 1
    for text in (read, sorted_read):
        assert "grade" not in text.lower() and "feedback" not in text.lower() and "counts" not in text, text
    print(f"\nDashboard, {folder.name}, after the first answer:\n{read}\n\nafter the first check:\n{sorted_read}")
    scenario = load(folder / played_scenarios(folder / "lesson.ipynb")[0])
    best = engine.best_score(scenario)
    for missteps in (1, 2):
        walk = max((w for w in engine.all_walks(scenario) if w.missteps == missteps),
                   key=lambda w: (w.score, -len(w.steps)))
        summary = play_a_walk(page, scenario, walk)
        assert ui("you_earned", score=walk.score, best=best) in summary
        assert walk.score < best and (missteps < 2 or walk.score <= best // 2)
        assert ui("you_earned", score=best, best=best) not in summary and ui("where_differently") in summary
        print(f"\nRole-play with {missteps} misstep(s), {' → '.join(s.choice for s in walk.steps)}:\n{summary}")


#: A phone and a laptop: the widths at which nothing fixed on a page may cover text.
WIDTHS = ((390, 844), (1100, 800))
#: Every piece of text on the page that a visible position:fixed element covers, in the viewport's coordinates.
COVERED_TEXT = """() => {
    const fixed = [...document.querySelectorAll("body *")].filter((el) => {
        const s = getComputedStyle(el), r = el.getBoundingClientRect();
        return s.position === "fixed" && s.visibility !== "hidden" && r.width > 0 && r.height > 0; });
    const covered = [], walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const el = node.parentElement;
        if (!node.textContent.trim() || !el || fixed.some((f) => f.contains(el))) continue;
        if (getComputedStyle(el).visibility === "hidden") continue;
        const range = document.createRange();
        range.selectNodeContents(node);
        for (const r of range.getClientRects()) {
            for (const f of fixed) {
                const b = f.getBoundingClientRect();
                if (r.width && r.height && r.left < b.right && r.right > b.left && r.top < b.bottom && r.bottom > b.top)
                    covered.push(`${node.textContent.trim().slice(0, 50)} (under ${f.tagName}.${f.className})`);
            }
        }
    }
    return {fixed: fixed.length, covered};
}"""


def assert_nothing_fixed_covers_text(page) -> None:
    """At a phone's and a laptop's width, with the page at its top, no fixed element (the quick exit) covers any
    text: the lesson title and the content note start below it. The first viewport is restored afterwards."""
    before = page.viewport_size
    try:
        for width, height in WIDTHS:
            page.set_viewport_size({"width": width, "height": height})
            page.evaluate("() => { window.scrollTo(0, 0); return new Promise((done) => "
                          "requestAnimationFrame(() => requestAnimationFrame(done))); }")
            found = page.evaluate(COVERED_TEXT)
            assert found["fixed"] >= 1, f"no fixed quick exit on the page at {width} px"
            assert found["covered"] == [], f"at {width} px a fixed element covers text: {found['covered']}"
    finally:
        page.set_viewport_size(before)


def _luminance(rgb: tuple[int, ...]) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def assert_focus_ring(page) -> None:
    """The focused control shows an outline at least 2px wide with 3:1 contrast or more against white
    (WCAG 1.4.11; ipywidgets' own ring is 1px at 1.9:1)."""
    style = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return {width: s.outlineWidth, style: s.outlineStyle, color: s.outlineColor}; }""")
    assert style["style"] != "none" and float(style["width"].rstrip("px")) >= 2, style
    rgb = tuple(int(x) for x in re.findall(r"\d+", style["color"])[:3])
    contrast = (1.05) / (_luminance(rgb) + 0.05)
    assert contrast >= 3, f"focus ring {style['color']} has contrast {contrast:.1f}:1"


def reach_by_tab(page, target, limit: int = 80) -> None:
    """Move the keyboard focus to `target` with Tab presses only (fails if it is not in the tab order)."""
    handle = target.element_handle()
    for _ in range(limit):
        if page.evaluate("(el) => document.activeElement === el", handle):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{limit} Tab presses did not reach {target}")


# --- quick exit -------------------------------------------------------------------------------------------------
def _exit_setup(visit, server):
    """Route the quick-exit address to a local stand-in page (nothing leaves the machine); return its URL."""
    url = load_resources().quick_exit.url
    visit.page.route(re.compile(re.escape(url.split("?")[0]) + ".*"),
                     lambda route: route.fulfill(status=200, content_type="text/html",
                                                 body="<!doctype html><title>Weather</title><p>Weather</p>"))
    return url


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("how", ["click", "shift3"])
def test_quick_exit_replaces_the_page_and_its_history_entry(voila_server, visit, how):
    """Does one click, or Shift pressed three times, leave for the neutral page without leaving the lesson
    in the tab's history (Back returns to the page before it)?"""
    url = _exit_setup(visit, voila_server)
    page = visit.page
    page.goto(voila_server.url)
    page.wait_for_selector(".pw-exit", state="visible")
    lesson = LESSONS[0]
    page.click(f"a[href$='/voila/render/{lesson}/lesson.ipynb']")
    page.wait_for_selector("#rendered_cells .pw-exit", state="visible", timeout=RENDER_TIMEOUT)
    length = page.evaluate("history.length")
    if how == "click":
        page.click("#rendered_cells .pw-exit")
    else:
        page.locator("body").click(position={"x": 5, "y": 5})  # focus in the page, not on a control
        for _ in range(3):
            page.keyboard.press("Shift")
    page.wait_for_url(url + "*", timeout=10_000)
    assert page.title() == "Weather"
    assert page.evaluate("history.length") == length  # replaced, not pushed
    page.go_back()
    page.wait_for_load_state()
    assert page.url.rstrip("/") == voila_server.url.rstrip("/")  # the lesson is gone from the history
    assert {urlsplit(u).hostname for u in visit.foreign_requests()} <= {urlsplit(url).hostname}


@pytest.mark.slow
@pytest.mark.browser
def test_quick_exit_on_landing_page(voila_server, visit):
    """Does the landing page's quick exit (the lessons' module, mounted without a kernel) work too?"""
    url = _exit_setup(visit, voila_server)
    page = visit.page
    page.goto("about:blank")
    page.goto(voila_server.url)
    page.wait_for_selector(".pw-exit", state="visible")
    length = page.evaluate("history.length")
    for _ in range(3):
        page.keyboard.press("Shift")
    page.wait_for_url(url + "*", timeout=10_000)
    assert page.evaluate("history.length") == length


# --- what a visitor can and cannot fetch -------------------------------------------------------------------------
FORBIDDEN = [
    "voila/files/{lesson}/lesson.ipynb",
    "voila/files/{lesson}/{scenario}",
    "voila/files/{lesson}/checks.yaml",
    "voila/files/{lesson}/responses.json",
    "voila/files/.pathways-dashboards",
    "voila/files/gradebook.db",
    "voila/files/../grading/instructor/nbgrader_config.py",
    "voila/files/%2e%2e/%2e%2e/grading/delivery/dashboards/voila/voila.py",
    "voila/files/{lesson}/..%2f..%2fpyproject.toml",
    "voila/static/..%2f..%2f..%2fvoila%2fapp.py",
    "voila/render/{lesson}/{scenario}",
    "voila/render/{lesson}/checks.yaml",
    "voila/render/../grading/instructor/nbgrader_config.py",
    "voila/tree/{lesson}/lesson.ipynb",
    "api/contents",
    "api/contents/{lesson}/lesson.ipynb",
    "api/kernels",
    "api/sessions",
    "api/kernelspecs",
    "files/{lesson}/lesson.ipynb",
    "notebooks/{lesson}/lesson.ipynb",
    "tree",
    "lab",
    "nbgrader",
    "formgrader",
]


@pytest.mark.slow
@pytest.mark.browser
def test_forbidden_paths_are_refused(voila_server):
    """Does every attempt to fetch a notebook, scenario, config, gradebook or source get 403/404?"""
    lesson = ROLEPLAY_LESSONS[0] if ROLEPLAY_LESSONS else LESSONS[0]
    scenario = (played_scenarios(voila_server.root / lesson / "lesson.ipynb") or ["checks.yaml"])[0]
    leaked = []
    for pattern in FORBIDDEN:
        path = pattern.format(lesson=lesson, scenario=scenario)
        status, body = http_get(voila_server.url + path)
        if status not in (403, 404) or "nbformat" in body or "BEGIN" in body or "def " in body:
            leaked.append(f"{path}: {status} {body[:120]!r}")
    assert leaked == []
    # Voila's template-asset handler answers 500 (an `assert` in TemplateStaticFileHandler.parse_url_path) to a
    # path outside <template>/static/: refused all the same, with Tornado's bare error page.
    for path in ("voila/templates/pathways/conf.json", "voila/templates/pathways/index.html.j2",
                 "voila/templates/pathways/static/..%2f..%2f..%2f..%2f..%2f..%2fvoila.py"):
        status, body = http_get(voila_server.url + path)
        assert status in (403, 404, 500) and "{" not in body and "import" not in body, path
    # Voila's own contents API (used by its JupyterLab tree page) lists names but never returns a file's text.
    status, body = http_get(f"{voila_server.url}voila/api/contents/{lesson}/lesson.ipynb?content=1")
    assert status in (403, 404) or json.loads(body).get("content") is None


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("lesson", LESSONS)
@pytest.mark.parametrize("query", ["", "?template=lab&theme=dark"])
def test_served_html_has_no_solution_hidden_test_or_source(voila_server, lesson, query):
    """Is the page a visitor downloads free of solutions, hidden tests, grading calls, code and CDN links,
    even when the visitor asks for Voila's stock template?"""
    status, html = http_get(voila_server.lesson_url(lesson) + query)
    assert status == 200
    for text in (*dashboards.FORBIDDEN_TEXT, "from pathways", "roleplay(\"", "knowledge_check(\"", "safety_panel()"):
        assert text not in html, text
    assert "cdn.jsdelivr" not in html and "cdnjs" not in html and "fontawesome" not in html.lower()


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("protocol", ["legacy", V1_PROTOCOL])
def test_kernel_refuses_code_from_a_visitor(voila_server, protocol):
    """Does a visitor's kernel ignore an execute_request (only widget messages pass), while still answering
    kernel_info_request (so the test can tell a dead channel from a refusing one), in the JSON protocol and in
    the binary v1 protocol browsers use? And is it the lean dashboard kernel, with no debugger, that every
    visitor gets?"""
    import uuid

    import websocket

    v1 = protocol != "legacy"

    lesson = LESSONS[0]
    status, html = http_get(voila_server.lesson_url(lesson))
    config = json.loads(re.search(r'<script id="jupyter-config-data" type="application/json">\s*(.*?)\s*</script>',
                                  html, re.S).group(1))
    port = voila_server.url.rstrip("/").rsplit(":", 1)[1]
    ws = websocket.create_connection(f"ws://127.0.0.1:{port}/api/kernels/{config['kernelId']}/channels"
                                     f"?session_id={uuid.uuid4()}", origin=voila_server.url.rstrip("/"),
                                     timeout=10, subprotocols=[protocol] if v1 else None)
    assert ws.getsubprotocol() == (protocol if v1 else None)
    marker = voila_server.root / lesson / "visitor-was-here.txt"

    def send(msg_type: str, content: dict) -> str:
        msg = kernel_message(msg_type, content)
        if v1:
            ws.send_binary(v1_frame(msg))
        else:
            ws.send(json.dumps({**msg, "channel": "shell"}))
        return msg["header"]["msg_id"]

    def receive() -> dict:
        frame = ws.recv()
        return v1_read(frame) if v1 else json.loads(frame)

    try:
        send("execute_request", {"code": f"open({str(marker)!r}, 'w').write('x')", "silent": False,
                                 "store_history": False, "user_expressions": {}, "allow_stdin": False})
        info_id = send("kernel_info_request", {})
        replies, info, deadline = [], {}, time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                msg = receive()
            except websocket.WebSocketTimeoutException:
                break
            replies.append(msg.get("msg_type") or msg.get("header", {}).get("msg_type"))
            if msg.get("parent_header", {}).get("msg_id") == info_id and replies[-1] == "kernel_info_reply":
                info = msg["content"]
                break
        assert "kernel_info_reply" in replies
        # pathways.grading.delivery.dashboards.kernel: no debugpy for a visitor
        assert "debugger" not in info["supported_features"]
        commands = [" ".join(p.cmdline()) for p in kernel_processes(voila_server.proc.pid).values()]
        assert commands and all("-m pathways.grading.delivery.dashboards.kernel " in c for c in commands), commands
        assert "execute_reply" not in replies and "execute_input" not in replies
        time.sleep(1)
        assert not marker.exists()
    finally:
        ws.close()


@pytest.mark.slow
@pytest.mark.browser
def test_tracebacks_and_code_hidden_when_a_cell_fails(tmp_path, browser):
    """When a cell fails, does the visitor see neither the traceback nor the failing code?"""
    site = tmp_path / "site"
    (site / "broken").mkdir(parents=True)
    (site / dashboards.MARKER).write_text("test\n")
    nb = nbformat.v4.new_notebook()
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    failing = "SECRET_ANSWER_KEY = 'b'\nraise ValueError('the key is ' + SECRET_ANSWER_KEY)"
    nb.cells = [nbformat.v4.new_markdown_cell("# Broken"), nbformat.v4.new_code_cell(failing)]
    nbformat.write(nb, site / "broken" / "lesson.ipynb")
    server = start_server(site, tmp_path / "voila.log", pool=1)
    try:
        status, html = http_get(server.lesson_url("broken"))
        context = browser.new_context()
        page = context.new_page()
        page.goto(server.lesson_url("broken"))
        page.wait_for_selector("#rendered_cells", state="visible", timeout=RENDER_TIMEOUT)
        shown = page.content()
        context.close()
    finally:
        stop_server(server)
    for text in ("SECRET_ANSWER_KEY", "the key is", "Traceback", "ValueError"):
        assert text not in html and text not in shown, text


# --- kernels are culled ------------------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.browser
def test_kernel_taken_from_pool_is_not_culled_before_its_visitor_connects(dashboards_site, tmp_path):
    """A pool kernel idle for longer than the cull timeout is handed to a visitor whose page is still loading:
    does it survive until the visitor can connect, and is it still culled if they never do?"""
    site = one_lesson_site(dashboards_site, tmp_path / "site", LESSONS[0])
    server = start_server(site, tmp_path / "voila.log", pool=1,
                          overrides=["--MappingKernelManager.cull_idle_timeout=4",
                                     "--MappingKernelManager.cull_interval=1", "--VoilaKernelManager.fill_delay=30"])
    try:
        assert wait_for(lambda: kernel_count(server.proc) == 1, 60)
        time.sleep(6)  # the pooled kernel is now idle for longer than the timeout
        status, html = http_get(server.lesson_url(LESSONS[0]))
        kernel_id = json.loads(re.search(r'<script id="jupyter-config-data" type="application/json">\s*(.*?)\s*'
                                         r"</script>", html, re.S).group(1))["kernelId"]
        time.sleep(2.5)  # two culling rounds while the "page loads"
        assert kernel_id in kernel_processes(server.proc.pid)
        assert wait_for(lambda: kernel_id not in kernel_processes(server.proc.pid), 20)  # never connected: culled
    finally:
        stop_server(server)


@pytest.mark.slow
@pytest.mark.browser
def test_closed_tab_kernel_is_culled(dashboards_site, tmp_path, browser):
    """Once a visitor closes the tab, is their kernel shut down (only the preheated pool stays)?"""
    lesson = LESSONS[0]
    site = one_lesson_site(dashboards_site, tmp_path / "site", LESSONS[0])
    server = start_server(site, tmp_path / "voila.log", pool=1,
                          overrides=["--MappingKernelManager.cull_idle_timeout=3",
                                     "--MappingKernelManager.cull_interval=1"])
    try:
        deadline = time.monotonic() + 60
        while kernel_count(server.proc) < 1 and time.monotonic() < deadline:
            time.sleep(0.5)
        context = browser.new_context()
        page = context.new_page()
        page.goto(server.lesson_url(lesson))
        page.wait_for_selector("#rendered_cells .pw-exit", state="visible", timeout=RENDER_TIMEOUT)
        deadline = time.monotonic() + 60  # the pool refills behind the visitor (after fill_delay)
        while kernel_count(server.proc) < 2 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert kernel_count(server.proc) == 2  # the visitor's kernel and the refilled pool
        context.close()
        deadline = time.monotonic() + 30
        while kernel_count(server.proc) > 1 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert kernel_count(server.proc) == 1  # only the waiting pool kernel is left
    finally:
        stop_server(server)
