"""Rule: trauma-informed wording and teaching design (warnings: the story still works).

Blaming or stigmatising words, images of restraint, a blaming choice marked as good, missteps without a
pointer to review, very long choices, tags missing from the scenario's checklist list. The word lists are
English: a scenario in another language gets no style warnings.
"""

from __future__ import annotations

import re

from ..model import Choice, Scenario
from ..problems import Problem, Report, SourceMap

#: Questions and phrases that put the blame on the person harmed (lessons/STYLE.md, TI-12, TI-13).
BLAMING = [re.compile(p, re.I) for p in (
    r"\bwhy (didn'?t|don'?t|did not|do not|wouldn'?t) (you|she|he|they) (just )?(leave|go|run|get out|say no|"
    r"tell|report|call|stop)",
    r"\bwhy (did|do|does) (you|she|he|they) (stay|go back|put up with|let)",
    r"\byou (should|shouldn'?t|could|ought to) ha(ve|d) ",
    r"\b(it'?s|it is|was) (your|her|his|their) (own )?fault",
    r"\byou (chose|asked for|brought) (this|it)",
    r"\bwhat were you (wearing|thinking|doing there)",
    r"\bhow could you (let|have|not)",
    r"\bjust leave\b",
)]
#: Words lessons/STYLE.md asks us not to use for a person who is trafficked, outside quoted speech.
STIGMATISING = [re.compile(p, re.I) for p in (
    r"\b(child )?prostitutes?\b", r"\bwhores?\b", r"\brescued (girl|boy|woman|women|man|men)\b",
    r"\bchild sex workers?\b",
)]
#: Imagery to avoid: most control is psychological (HHS "Look Beneath the Surface"). A chain is restraint only
#: when someone is in it ("in chains", "chained"): "a chain pharmacy" or "a supply chain" is not.
RESTRAINT = re.compile(r"\b(in chains|chained|shackle[sd]?|shackles|handcuff(s|ed)?)\b", re.I)
#: The guide an author is sent to for the wording rules (shipped in lessons/).
STYLE_GUIDE = "lessons/STYLE.md"
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”|«[^»]*»")

#: A choice is a button: past this length a learner has to read a paragraph to choose.
MAX_CHOICE_CHARS = 300


def _blaming(text: str) -> str | None:
    """The first blaming phrase in a text, if any."""
    for rx in BLAMING:
        if m := rx.search(text):
            return m.group(0)
    return None


def _unquoted(text: str) -> str:
    """Text with quoted speech removed: a character may say what the narration must not."""
    return _QUOTED.sub(" ", text.replace("’", "'"))


def style_problems(scenario: Scenario, smap: SourceMap, filename: str) -> list[Problem]:
    """Warnings on wording and teaching design: blaming or stigmatising words, a blaming choice marked as
    good, missteps without a pointer to review, very long choices, tags missing from the checklist list."""
    report = Report(smap, filename)
    for nid, node in scenario.nodes.items():
        if len(node.choices) == 1:
            _warn(report, ("nodes", nid, "choices"), f"moment {nid!r} has only one choice, so the learner has "
                  "nothing to decide there; add another choice (two or three are best), or join its text to the "
                  "next moment")
    if scenario.language != "en":
        return report.problems  # the word lists are English
    for key in ("title", "role", "setting"):
        _wording(report, (key,), getattr(scenario, key))
    for nid, node in scenario.nodes.items():
        _wording(report, ("nodes", nid, "text"), node.text)
        if node.ending:
            _wording(report, ("nodes", nid, "ending", "title"), node.ending.title)
            if m := _blaming(_unquoted(node.text)):
                _warn(report, ("nodes", nid, "text"), f"the ending's narration says {m!r}, which blames the person "
                      "harmed; describe what happened next instead")
        for ci, choice in enumerate(node.choices):
            _choice_style(report, ("nodes", nid, "choices", ci), choice, set(scenario.checklist))
    return report.problems


def raw_wording_problems(data: dict, smap: SourceMap, filename: str) -> list[Problem]:
    """The wording warnings over plain data, for a file whose fields do not all validate yet: the advice on words
    comes with the errors, not after them (the other style rules need a valid scenario)."""
    if data.get("language", "en") != "en":
        return []
    report = Report(smap, filename)
    texts = [((key,), data.get(key)) for key in ("title", "role", "setting")]
    nodes = data.get("nodes") if isinstance(data.get("nodes"), dict) else {}
    for nid, node in nodes.items():
        if not isinstance(node, dict):
            continue
        texts.append((("nodes", nid, "text"), node.get("text")))
        choices = node.get("choices") if isinstance(node.get("choices"), list) else []
        for ci, choice in enumerate(c for c in choices if isinstance(c, dict)):
            fb = choice.get("feedback") if isinstance(choice.get("feedback"), dict) else {}
            at = ("nodes", nid, "choices", ci)
            texts += [((*at, "text"), choice.get("text")), ((*at, "feedback", "reaction"), fb.get("reaction")),
                      ((*at, "feedback", "why"), fb.get("why"))]
    for path, text in texts:
        if isinstance(text, str):
            _wording(report, path, text)
    return report.problems


def _warn(report: Report, path: tuple, message: str) -> None:
    report.add(path, message, "warning")


def _wording(report: Report, path: tuple, text: str | None, quoted_ok: bool = True) -> None:
    """Stigmatising words and images of restraint in one text (outside quoted speech when `quoted_ok`)."""
    if not text:
        return
    plain = _unquoted(text) if quoted_ok else text.replace("’", "'")
    for rx in STIGMATISING:
        if m := rx.search(plain):
            _warn(report, path, f"{m.group(0)!r} is a stigmatising word for a person who is trafficked; say "
                  f"'a person who is being trafficked' or 'a sexually exploited child' ({STYLE_GUIDE}, section 1)")
    if m := RESTRAINT.search(plain):
        _warn(report, path, f"{m.group(0)!r}: avoid images of physical restraint; most control is psychological "
              f"({STYLE_GUIDE}, section 2)")


def _choice_style(report: Report, at: tuple, choice: Choice, listed: set[str]) -> None:
    """One choice: blame marked as good, blaming feedback, a misstep without review, length, wording, tags."""
    fb = choice.feedback
    if (m := _blaming(choice.text.replace("’", "'"))) and (fb.honours or choice.score > 0):
        _warn(report, (*at, "text"), f"choice {choice.id!r} says {m!r}, which blames the person harmed, yet it is "
              "marked as a good choice; mark it 'honours: false' with score 0, or reword it (TI-12, TI-13)")
    for part in ("reaction", "why"):
        # Feedback speaks to the learner: "you could have offered more" is advice, not blame.
        m = _blaming(_unquoted(getattr(fb, part)))
        if m and not m.lower().startswith("you could"):
            _warn(report, (*at, "feedback", part), f"the feedback says {m!r}, which reads as blame; say what "
                  "helps instead, or quote the phrase if you are explaining why it hurts")
    if not fb.honours and not choice.review:
        _warn(report, at, f"choice {choice.id!r} works against a principle but has no 'review:'; say which "
              "section the learner should read again")
    if len(choice.text) > MAX_CHOICE_CHARS:
        _warn(report, (*at, "text"), f"choice {choice.id!r} is {len(choice.text)} characters long; keep a choice "
              f"under {MAX_CHOICE_CHARS} so it reads as one action")
    _wording(report, (*at, "text"), choice.text)
    _wording(report, (*at, "feedback", "reaction"), fb.reaction)
    _wording(report, (*at, "feedback", "why"), fb.why)
    for ti, tag in enumerate(choice.tags):
        if listed and tag not in listed:
            _warn(report, (*at, "tags", ti), f"choice {choice.id!r} teaches {tag}, which is not in the scenario's "
                  "'checklist:' list; add it there")
