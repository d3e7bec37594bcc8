"""One SCORM 1.2 package (a zip) per lesson, built from the static site's pages (`pathways scorm`).

A package holds imsmanifest.xml (one organization, one item, one SCO: the lesson's page), the lesson's pages
(English, and each translation, linked from one another) and the site's static files plus scorm.js, the runtime
that reports to the LMS only the lesson status, the score (raw, min 0, max 100) and the session time. Only
activities whose keys are public (formative role-plays, checks and sorting) are scored, so the score is
low-stakes, as a lesson's grade is. The quick exit replaces the LMS's whole page, not only the lesson's frame.
Every file is scanned for hidden text before it is zipped, as the site's are.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path

from pathways.files import LESSON_NOTEBOOK

from ... import course as course_mod
from ... import templates
from ..site import build as site

HERE = Path(__file__).resolve().parent
_ENV = templates.environment(HERE)


def default_out() -> Path:
    """Where `pathways scorm` writes by default: scorm/ beside the dashboards' folder."""
    return course_mod.dashboards_dir(None).parent / "scorm"


def manifest(lesson_id: str, title: str, launch: str, files: list[str]) -> str:
    """The package's imsmanifest.xml (SCORM 1.2)."""
    ident = "pathways-" + re.sub(r"[^A-Za-z0-9_.-]", "-", lesson_id)
    return _ENV.get_template("imsmanifest.xml.j2").render(ident=ident, title=title, launch=launch, files=files)


def build_package(lesson_id: str, out: Path) -> Path:
    """Write `<out>/<lesson>.zip`, the lesson's SCORM 1.2 package; return its path."""
    folder = course_mod.lessons_dir() / lesson_id
    with tempfile.TemporaryDirectory(prefix="pathways-scorm-") as tmp:
        root = Path(tmp)
        site.write_static(root / "static")
        shutil.copy2(HERE / "scorm.js", root / "static" / "scorm.js")
        (root / lesson_id).mkdir()
        for lang in [None, *site.translations(folder)]:
            html, _scored = site.render_lesson(folder, lang, extra_scripts=["../static/scorm.js"])
            (root / lesson_id / site.page_name(lang)).write_text(html, encoding="utf-8")
        found = site.leaks(root)
        if found:
            raise site.SiteError("refusing to package solution or hidden-test text:\n  " + "\n  ".join(found))
        files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
        title = site.lesson_mod.read_head(folder / LESSON_NOTEBOOK)[0]
        (root / "imsmanifest.xml").write_text(manifest(lesson_id, title, f"{lesson_id}/index.html", files),
                                              encoding="utf-8")
        out.mkdir(parents=True, exist_ok=True)
        target = out / f"{lesson_id}.zip"
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                zf.write(path, path.relative_to(root).as_posix())
    return target


def build_all(out: str | Path | None = None, lessons: Iterable[str] | None = None) -> list[Path]:
    """One package per lesson (default: all) in `out`; return their paths."""
    out = Path(out) if out is not None else default_out()
    return [build_package(lesson_id, out) for lesson_id in (list(lessons or []) or course_mod.lesson_ids())]
