"""No key classified as hidden reaches the static site or a SCORM package: every built file (every member of every
zip) is scanned for the text of the lessons' solution regions (model answers, reflection model answers) and hidden
tests, and for the keys and explanations of any hidden-key bank (a YAML file with `mode: hidden-key`, and every
YAML of the evaluation's question bank under grading/evidence/). A companion test shows the scan finds a planted
key."""

from __future__ import annotations

import ast
import re
import zipfile
from pathlib import Path

import nbformat
import pytest
import yaml

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("site")]

ROOT = Path(__file__).resolve().parents[2]
BLOCK = re.compile(r"### BEGIN (SOLUTION|HIDDEN TESTS)\n(.*?)### END \1", re.S)
#: Fields of a hidden-key bank whose text is a key or gives one away.
KEYISH = re.compile(r"answer|explanation|key|solution|rationale|rubric|model|correct|why|category", re.I)
MIN_TEXT = 16
IDENT = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def _strings(code: str) -> set[str]:
    """The string literals and the longer lines of a block of code."""
    found = {ln.strip() for ln in code.splitlines() if len(ln.strip()) >= 24 and not ln.strip().startswith("#")}
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return found
    # an id ('only-his-version') is public (the page names its items by id); the key is what it maps to
    return found | {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
                    and len(n.value) >= MIN_TEXT and not IDENT.match(n.value)}


def _leaves(data, keyish: bool = False):
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _leaves(v, keyish or bool(KEYISH.search(str(k))))
    elif isinstance(data, list):
        for v in data:
            yield from _leaves(v, keyish)
    elif isinstance(data, str) and keyish and len(data) >= MIN_TEXT:
        yield data


def hidden_texts() -> dict[str, str]:
    """Every hidden text the project holds, with where it comes from."""
    out = {}
    for nb_path in sorted((ROOT / "lessons").glob("*/lesson*.ipynb")):
        for cell in nbformat.read(nb_path, as_version=4).cells:
            for _kind, code in BLOCK.findall(cell.source):
                for text in _strings(code):
                    out[text] = nb_path.relative_to(ROOT).as_posix()
    banks = [p for p in ROOT.rglob("*.yaml") if "node_modules" not in p.parts and ".venv" not in p.parts
             and (re.search(r"^mode:\s*hidden-key", p.read_text(encoding="utf-8"), re.M)
                  or "evidence" in p.relative_to(ROOT).parts)]
    for bank in banks:
        try:
            data = yaml.safe_load(bank.read_text(encoding="utf-8"))
        except yaml.YAMLError:
            continue
        for text in _leaves(data):
            out[text] = bank.relative_to(ROOT).as_posix()
    return out


def built_texts(site: Path, packages: list[Path]) -> dict[str, str]:
    """Every built file's text: the site's files and every member of every package."""
    out = {p.relative_to(site).as_posix(): p.read_text(encoding="utf-8", errors="replace")
           for p in site.rglob("*") if p.is_file()}
    for package in packages:
        with zipfile.ZipFile(package) as zf:
            for name in zf.namelist():
                out[f"{package.name}:{name}"] = zf.read(name).decode("utf-8", errors="replace")
    return out


def scan(files: dict[str, str], hidden: dict[str, str]) -> list[str]:
    """Every (built file, hidden text) pair where the text appears (HTML-escaped or as JSON, too)."""
    import html
    import json

    found = []
    for text, source in hidden.items():
        forms = {text, html.escape(text), html.escape(text, quote=False), json.dumps(text)[1:-1]}
        for name, content in files.items():
            if any(form in content for form in forms):
                found.append(f"{name} contains {text[:60]!r} (from {source})")
    return found


def test_no_hidden_key_in_the_site_or_any_scorm_package(static_site, scorm_packages):
    hidden = hidden_texts()
    assert any("Model reflection" in t for t in hidden)  # the reflection's model answer is among them
    files = built_texts(static_site, scorm_packages)
    assert len(scorm_packages) == 7 and any(n.endswith("imsmanifest.xml") for n in files)
    assert scan(files, hidden) == []
    print(f"key scan: {len(hidden)} hidden texts, {len(files)} built files, nothing found")


def test_the_scan_finds_a_planted_key(static_site):
    hidden = hidden_texts()
    planted = next(t for t in hidden if "Model reflection" in t)
    files = {"index.html": (static_site / "index.html").read_text(encoding="utf-8") + planted}
    assert scan(files, hidden) != []
