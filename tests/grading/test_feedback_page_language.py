"""The learner's feedback page speaks the course's language: every word of its own (ui.<lang>.yaml, fb_*), not only
the lesson's texts (a translation is whole)."""

import re

from markupsafe import Markup
from pathways.grading.instructor.excusal_totals import Adjusted
from pathways.grading.instructor.feedback_page import Page, Part, render
from pathways.i18n import ui_strings


def _page(lang: str) -> str:
    parts = [
        Part("roleplay", "3", title="R", points=4, max=4, ending="Fin",
             steps=[{"speaker": "", "scene": Markup("<p>s</p>"), "choice": Markup("c"), "honours": False,
                     "reaction": Markup("r"), "principle": "P", "why": Markup("w")}]),
        Part("check", "5", title="Q 1", points=1, max=1, options=[(Markup("a"), True, Markup("why a"))],
             notes=["n"]),
        Part("check", "5", title="Q 2", max=1, skipped=True),
        Part("sorting", "4", title="S", points=2, max=3, placed=[("Cat", []), ("Otra", [(Markup("i"), Markup(""))])]),
        Part("reflection", "6", max=3, awaiting=True, answer="<b>mine</b>", comment="bien"),
    ]
    return render(Page("01-x", "Lección 1", parts, Adjusted(7, 12, 7, 8, excused=1, pending=1), lang))


def test_is_every_word_of_the_page_in_the_course_language():
    """Does a Spanish course's page use the Spanish strings for every part, with none of the English ones left, and
    does an English page keep its own?"""
    es, en = _page("es"), _page("en")
    spanish, english = ui_strings("es"), ui_strings("en")
    assert '<html lang="es">' in es and "Tu total: 7 de 8 puntos (88 %)." in es
    for key in ("fb_you_chose", "fb_breaks", "fb_ending", "fb_your_answer", "fb_skipped", "fb_nothing",
                "fb_you_wrote", "fb_comment", "fb_why", "fb_excused_one", "fb_pending", "fb_intro"):
        assert spanish[key] in es.replace("&#39;", "'"), key
        assert english[key] not in es, key
        assert english[key] in en.replace("&#39;", "'").replace("&amp;", "&"), key
    assert spanish["fb_awaiting"].format(max=3) in es and "Puntos: 1 de 1." in es
    assert "&lt;b&gt;mine&lt;/b&gt;" in es  # what a learner wrote stays text
    words = set(re.findall(r">([^<>{}]*[A-Za-z]{4,}[^<>{}]*)<", es))
    assert not {w for w in words if re.search(r"\b(?:You|Your|Points|point|Ending|nothing|placed)\b", w)}, words
