"""What the evidence reads from the course's own sources: the facilitator guide's times and agenda, the lessons'
titles and objectives, and the handouts' key points."""

from __future__ import annotations

import re

from pathways.grading import course as course_mod
from pathways.grading.evidence import course_facts, printing
from pathways.scenario import BLAMING, RESTRAINT, STIGMATISING


def test_guide_times_and_agenda_are_read_and_add_up_as_the_guide_says():
    """Does every lesson have its two times from the guide's table, and do the agenda's contact minutes add up to
    the total the guide itself states (so the course sheet's contact hours are the guide's)?"""
    lessons = course_facts.course_lessons()
    assert [les.id for les in lessons] == course_mod.lesson_ids()
    assert {les.number: (les.minutes_alone, les.minutes_workshop) for les in lessons}[1] == (55, 45)
    items = course_facts.agenda()
    contact = sum(i.minutes for i in items if i.contact)
    stated = re.search(r"closing 15 minutes: (\d+) minutes\)", course_facts.guide_text())
    assert stated and contact == int(stated[1]) == 380
    assert [i.what for i in items if not i.contact] == ["Break", "Lunch", "Break"]
    # every lesson's workshop time in the agenda is the table's
    for les in lessons:
        assert any(i.what == f"Lesson {les.number}" and i.minutes == les.minutes_workshop for i in items), les.id


def test_every_lesson_has_a_title_objectives_and_handout_points():
    """Does every lesson give a title and its objectives (from its notebook) and have four to six handout key
    points, each a sentence that names no lesson the course lacks?"""
    points = printing.handout_points()
    assert set(points) == set(course_mod.lesson_ids())
    for les in course_facts.course_lessons():
        assert les.title != les.id and len(les.objectives) >= 4, les.id
        assert 4 <= len(points[les.id]) <= 6, les.id
        assert all(p.rstrip().endswith((".", ")")) for p in points[les.id]), les.id


def test_hours_text():
    """Are minutes written as hours and minutes?"""
    assert [course_facts.hours_text(m) for m in (45, 60, 380)] == ["45 min", "1 h", "6 h 20 min"]


def test_handout_points_follow_the_style_rules():
    """Are the handouts' key points (English and Spanish) free of the blaming, stigmatising and restraint wording that
    `pathways check` refuses in a lesson's activities?"""
    for lang in ("en", "es"):
        for lesson, points in printing.handout_points(lang=lang).items():
            for point in points:
                for rx in [*BLAMING, *STIGMATISING, RESTRAINT]:
                    assert not rx.search(point), (lang, lesson, point)
