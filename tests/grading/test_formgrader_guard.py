"""The formgrader guard (grading/instructor/formgrader_guard.py) on the page a learner's hand-in becomes:
nbconvert with nbgrader's formgrade template and sanitize_html, as the formgrader runs it, then the guard's headers.
Learner markup (a markdown cell and an HTML output, as `pathways grade --run-learner-code` keeps them) must come out
inert: no script of hers, no event handler, and only nbgrader's own scripts carry the page's nonce."""

from __future__ import annotations

import re

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

EVIL = '<img src=x onerror="alert(1)"><script>stealFromFormgrader()</script><a href="javascript:steal()">x</a>'


def _page() -> bytes:
    from nbconvert.exporters import HTMLExporter
    from nbgrader.server_extensions.formgrader import handlers
    from pathways.grading.instructor.formgrader import SANITIZER
    from traitlets.config import Config

    config = Config()
    config.HTMLExporter.template_name = "formgrade"
    config.HTMLExporter.extra_template_basedirs = [handlers.template_path]
    config.HTMLExporter.sanitize_html = True  # what formgrader.command passes
    config.HTMLExporter.preprocessors = [SANITIZER]
    code = new_code_cell("display(HTML(evil))", outputs=[new_output(
        "display_data", data={"text/html": EVIL, "application/javascript": "stealFromFormgrader()"})])
    nb = new_notebook(cells=[new_markdown_cell(EVIL), code])
    resources = {"assignment_id": "a", "notebook_id": "lesson", "submission_id": "s", "index": 0, "total": 1,
                 "base_url": "", "student": "ana", "last_name": "", "first_name": "", "notebook_path": "x"}
    html, _ = HTMLExporter(config=config).from_notebook_node(nbformat.from_dict(nb), resources=resources)
    return html.encode()


def test_is_learner_markup_inert_in_the_formgraders_page():
    """Does the learner's script, event handler and javascript: link vanish from her page in the formgrader, and
    does the guard's CSP forbid inline script but for the nonce it gives nbgrader's own scripts?"""
    from pathways.grading.instructor.formgrader_guard import Guard

    class Request:
        path, host = "/formgrader/submissions/s/", "localhost:8100"

    page = _page()
    # nothing of hers left as markup: at most shown as text
    assert not re.search(rb"<script>stealFromFormgrader|<img[^>]*onerror|href=.javascript:", page), page
    status, headers, chunk = Guard(Request()).transform_first_chunk(
        200, {"Content-Type": "text/html; charset=UTF-8"}, page, True)
    csp = headers["Content-Security-Policy"]
    script_src = csp.split("script-src")[1].split(";")[0]
    assert "'unsafe-inline'" not in script_src and "frame-ancestors 'none'" in csp
    nonce = re.search(r"'nonce-([^']+)'", script_src).group(1)
    inline = re.findall(rb"<script(?![^>]*\bsrc=)[^>]*>", chunk)
    assert inline and all(f'nonce="{nonce}"'.encode() in tag for tag in inline)


def test_does_a_learners_file_get_no_nonce_and_the_api_answer_json():
    """A file she handed in, served by the formgrader, gets the CSP but no nonce (nothing inline of hers runs),
    and nbgrader's API answers as JSON, never as a page."""
    from pathways.grading.instructor.formgrader_guard import Guard

    class Request:
        path, host = "/formgrader/submissions/s/evil.html", "localhost:8100"

    _, headers, chunk = Guard(Request()).transform_first_chunk(200, {"Content-Type": "text/html"},
                                                               b"<script>steal()</script>", True)
    assert chunk == b"<script>steal()</script>" and "'nonce-" in headers["Content-Security-Policy"]
    Request.path = "/formgrader/api/students"
    _, headers, _ = Guard(Request()).transform_first_chunk(200, {"Content-Type": "text/html"}, b"[]", True)
    assert headers["Content-Type"].startswith("application/json")


def test_does_every_formgrader_switch_off_each_extension_its_environment_enables(tmp_path):
    """The workshop's formgrader runs in the hub environment, not this one: are the server extensions enabled there
    (in jupyter_server_config.json and in jupyter_server_config.d) each switched off on its command line, but the
    formgrader and the guard, read by the same function as `pathways formgrader` reads its own?"""
    import json

    from pathways.grading.delivery.workshop.formgrader import command
    from pathways.grading.instructor.formgrader import GUARD, ON, enabled_extensions

    etc = tmp_path / "venv" / "etc" / "jupyter"
    (etc / "jupyter_server_config.d").mkdir(parents=True)
    (etc / "jupyter_server_config.json").write_text(json.dumps({"ServerApp": {"jpserver_extensions": {"a.b": True}}}))
    (etc / "jupyter_server_config.d" / "c.json").write_text(json.dumps(
        {"ServerApp": {"jpserver_extensions": {"c": True, ON[0]: True}}}))
    assert enabled_extensions([str(etc)]) == {"a.b", "c", ON[0]}
    cmd = command({"bin": str(tmp_path / "venv" / "bin")}, 8999, "token", str(tmp_path))
    flags = {arg.split("=", 1)[1] for arg in cmd if arg.startswith("--ServerApp.jpserver_extensions=")}
    assert {"a.b=False", "c=False", f"{GUARD}=True", f"{ON[0]}=True"} <= flags and f"{ON[0]}=False" not in flags
