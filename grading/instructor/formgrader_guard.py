"""A Jupyter server extension for every formgrader Pathways starts (`pathways formgrader`, and the workshop's in
grading/delivery/workshop/formgrader.py): what the instructor's grading server must never do, whatever page the
instructor's
browser is shown.

* No kernel, session, terminal or contents write: those routes answer 403 (extension routes are matched before the
  server's own), so no page can run code as the account the formgrader runs as. Contents can still be read.
* None of nbgrader's buttons that run or move learners' work (Autograde runs their code outside the sandbox; release,
  collect and feedback are Pathways' own commands, whose feedback pages nbgrader's would overwrite), nor adding
  students (the class list does that).
* Every answer carries a Content-Security-Policy: scripts only from the formgrader's own static folders or inline
  ones bearing this answer's nonce, which only nbgrader's own pages get (after nbconvert's sanitizer has taken every
  script out of the learner's notebook: `--HTMLExporter.sanitize_html=True`); no framing, no plugins. Files a
  learner handed in get no nonce, so nothing inline in them runs. API answers are JSON, never HTML.
"""

from __future__ import annotations

import inspect
import re
import secrets

from jupyter_server.base.handlers import path_regex
from jupyter_server.services.contents.handlers import ContentsHandler
from nbgrader.server_extensions.formgrader.apihandlers import StudentHandler
from tornado import web
from tornado.web import OutputTransform

#: Routes refused outright (whatever the method).
REFUSED = [
    r"/api/kernels.*", r"/api/sessions.*", r"/api/terminals.*", r"/terminals/.*", r"/api/events.*",
    r"/formgrader/api/assignment/[^/]+/(?:assign|unrelease|release|collect|generate_feedback|release_feedback)/?",
    r"/formgrader/api/assignment/[^/]+/[^/]+/(?:generate_feedback|release_feedback)/?",
    r"/formgrader/api/submission/[^/]+/[^/]+/autograde/?",
]
#: Pages nbgrader renders from its own templates: the only answers whose inline scripts may run.
PAGES = re.compile(r"^/formgrader/?$|^/formgrader/(?:manage_assignments|manage_submissions|gradebook|"
                   r"manage_students)(?:/|$)|^/formgrader/submissions/(?!components/)[^/]+/?$")
INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)(?=[\s>])")


class Refused(web.RequestHandler):
    """403 for everyone, before any other check (a plain handler: nothing of the server's runs for it)."""

    def prepare(self):
        self.set_status(403)
        self.set_header("Content-Type", "text/plain; charset=UTF-8")
        self.finish("not served by the workshop's formgrader\n")


class ReadOnlyContents(ContentsHandler):
    """The contents API for reading only."""

    async def prepare(self):
        if self.request.method not in ("GET", "HEAD"):
            raise web.HTTPError(403, "the workshop's formgrader changes no file")
        result = super().prepare()
        if inspect.isawaitable(result):
            await result


class ReadOnlyStudent(StudentHandler):
    """nbgrader's student API for reading only: adding or changing a learner is the class list's job."""

    def prepare(self):
        if self.request.method not in ("GET", "HEAD"):
            raise web.HTTPError(403, "learners come from the class list")
        return super().prepare()


class Guard(OutputTransform):
    """Headers on every answer (see the module's doc)."""

    def __init__(self, request):
        self.path = request.path
        self.host = request.host
        super().__init__(request)

    def transform_first_chunk(self, status_code, headers, chunk, finishing):
        nonce = secrets.token_urlsafe(18)
        html = headers.get("Content-Type", "").startswith("text/html")
        if self.path.startswith("/formgrader/api/") and html:
            headers["Content-Type"] = "application/json; charset=UTF-8"
        elif html and finishing and PAGES.match(self.path):
            chunk = INLINE_SCRIPT.sub(f'<script nonce="{nonce}"'.encode(), chunk)
            if "Content-Length" in headers:
                headers["Content-Length"] = str(len(chunk))
        static = f"http://{self.host}/formgrader/static/ http://{self.host}/formgrader/submissions/components/"
        headers["Content-Security-Policy"] = (
            f"default-src 'self'; script-src 'nonce-{nonce}' {static}; object-src 'none'; base-uri 'none'; "
            "frame-ancestors 'none'; form-action 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:")
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "no-referrer"
        return status_code, headers, chunk


def _load_jupyter_server_extension(serverapp) -> None:
    """Add the refusals (before the server's own routes) and the headers."""
    app = serverapp.web_app
    base = app.settings["base_url"].rstrip("/")
    routes = [(base + pattern, Refused) for pattern in REFUSED]
    routes += [(base + "/api/contents" + path_regex, ReadOnlyContents),
               (base + r"/formgrader/api/student/([^/]+)", ReadOnlyStudent)]
    app.add_handlers(".*$", routes)
    # first of all routes: extensions load in name order, so nbgrader's routes were added before these
    rules = app.default_router.rules
    rules.insert(0, rules.pop(-2))
    app.transforms.insert(0, Guard)  # before any compression, which would hide the page from the nonces


def _jupyter_server_extension_points():
    return [{"module": "pathways.grading.instructor.formgrader_guard"}]
