"""`pathways print`: the facilitator guide, the glossary, a handout per lesson and a discreet support card as PDFs,
with every support number the configured one, made with the network unreachable."""

from __future__ import annotations

import re
import socket

import pytest
from pathways.grading import course as course_mod
from pathways.grading.evidence import course_facts, pdf, printing
from pathways.resources import load_resources
from support.evidence import pdf_text

#: Their course and PDFs are made once per worker (tests/evidence/conftest.py): one worker runs them all.
pytestmark = pytest.mark.xdist_group("evidence")

#: What a phone number, a short code or a TTY number looks like in the PDFs' text.
NUMBER = re.compile(r"\b(?:1-)?\d{3}-\d{3}-(?:\d{4}|[A-Z]{4})\b|\b(?:911|711|988|\d{5,6})\b")


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    """Every PDF `pathways print` makes, once per module, with every connection refused."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"a network connection was attempted: {args}")

    out = tmp_path_factory.mktemp("print")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", refuse)
        mp.setattr(socket, "create_connection", refuse)
        mp.setattr(socket, "getaddrinfo", refuse)
        rep = printing.print_all(out, start=out)
    return {path.name: pdf_text(path) for path in rep.written}


def test_every_document_is_printed(printed):
    """Are the guide, the glossary, one one-page handout per lesson and a one-page card all made?"""
    handouts = [f"handout-{lid}.pdf" for lid in course_mod.lesson_ids()]
    assert set(printed) == {"facilitator-guide.pdf", "glossary.pdf", "support-card.pdf", *handouts,
                            "handout-01-why-dont-they-leave.es.pdf"}
    assert all(printed[name][1] == 1 for name in [*handouts, "support-card.pdf"])
    guide = " ".join(printed["facilitator-guide.pdf"][0].split())
    assert "Pathways facilitator guide" in guide and "Looking after yourself as a facilitator" in guide
    assert "Act, means and purpose" in " ".join(printed["glossary.pdf"][0].split())
    first = " ".join(printed[handouts[0]][0].split())
    lesson = course_facts.course_lessons()[0]
    assert f"Lesson 1 · {lesson.title}" in first
    assert printing.handout_points()[lesson.id][0][:40] in first
    spanish = " ".join(printed["handout-01-why-dont-they-leave.es.pdf"][0].split())
    assert printed["handout-01-why-dont-they-leave.es.pdf"][1] == 1
    assert "Lección 1 · ¿Por qué no se van?" in spanish and "Líneas de apoyo (Estados Unidos y Canadá)" in spanish
    assert printing.handout_points(lang="es")[lesson.id][0][:40] in spanish


def test_every_support_number_is_a_configured_one(printed):
    """Is every number in every PDF one of the configured resources, and are the panel's lines on every handout?"""
    res = load_resources()
    configured = res.phone_numbers() | {kw[1] for line in res.lines if (kw := line.text_keyword())}
    panel = [line.phone for line in res.lines if line.panel] + [res.emergency.phone]
    for name, (text, _pages) in printed.items():
        found = set(NUMBER.findall(text)) - {"2000", "2003", "2005", "2007", "2010", "2011", "2013", "2014",
                                             "2016", "2017", "2019", "2022", "2024"} - _citation_numbers(text)
        assert found <= configured, (name, found - configured)
        if name.startswith("handout-") or name == "support-card.pdf":
            assert all(number in text for number in panel), name


def _citation_numbers(text: str) -> set[str]:
    """Numbers the guide and glossary cite that are not phone numbers (a statute's section)."""
    return set(re.findall(r"§ (\d+)", text))


def test_card_says_nothing_about_the_course(printed):
    """Does the wallet card carry no course title and no word about trafficking or abuse?"""
    text = printed["support-card.pdf"][0].lower()
    for word in ("pathways", "traffick", "slavery", "exploit", "abuse", "violence", "sex", "course", "lesson"):
        assert word not in text, word


def test_an_instructors_own_lines_are_the_ones_printed(tmp_path, monkeypatch):
    """With an instructor's resources file, do the handout and the card show its numbers and none of the shipped
    ones?"""
    own = tmp_path / "pathways-resources.yaml"
    own.write_text("""region: "Testland"
quick_exit: {url: "https://www.example.org/"}
emergency: {name: "Emergency services", phone: "112"}
lines:
  - {name: "National helpline", phone: "0800-555-0199", hours: "24/7"}
""", encoding="utf-8")
    monkeypatch.setenv("PATHWAYS_RESOURCES", str(own))
    res = load_resources()
    lesson = course_facts.course_lessons()[0]
    handout = pdf_text(printing.handout_pdf(lesson, ["A point."], res, tmp_path / "h.pdf"))[0]
    card = pdf_text(printing.card_pdf(res, tmp_path / "c.pdf"))[0]
    for text in (handout, card):
        assert "0800-555-0199" in text and "112" in text
        assert "1-888-373-7888" not in text and "911" not in text


def test_rendering_fetches_nothing(tmp_path):
    """Does a document that names anything to load stop with a message naming it, instead of fetching it?"""
    with pytest.raises(pdf.PrintError, match="asked for https://example.org/logo.png"):
        pdf.render('<img src="https://example.org/logo.png">', tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()
