"""Is lesson 1 whole in Spanish: does a learner in Spanish mode meet no English anywhere (readings, role-play,
checks, sorting, reflection, content note, skip controls, quick exit, support panel, grading lines), is the
Spanish lesson graded like the English one, and do the releases keep each language's notebook apart?"""

from __future__ import annotations

import ast
import html
import re
import shutil
from pathlib import Path

import nbformat
import pytest
import yaml
from pathways import config, engine, i18n
from pathways.activities.checks import load_checks, notebook_keys
from pathways.activities.sorting import load_exercise
from pathways.activities.testcells import calls_in
from pathways.resources import load_resources
from pathways.scenario import load
from support.course import LESSONS, execute_notebook

#: The module's release and graded course are made once, on one pytest-xdist worker.
pytestmark = pytest.mark.xdist_group("spanish-lesson1")
LESSON = LESSONS / "01-why-dont-they-leave"
EN_NB, ES_NB = LESSON / "lesson.ipynb", LESSON / "lesson.es.ipynb"
DATA = Path(i18n.__file__).parent / "data"


@pytest.fixture(autouse=True)
def language_restored():
    """Every test here leaves the kernel's language as it found it: `i18n.set_language` sets the language for the
    rest of the process (pathways.config.configure), and the tests that run after these in the same process
    (pytest-xdist workers) must not find their widgets in Spanish."""
    yield
    config.reset()
PAIRS = [("er_visit.yaml", "er_visit.es.yaml"), ("checks.yaml", "checks.es.yaml"), ("sorting.yaml", "sorting.es.yaml")]

#: English a Spanish learner may still see: names of organisations, hotlines, laws and publications (given in
#: English beside their Spanish name so they can be looked up), the operator's text keyword, and key names.
ALLOWED = [
    "National Human Trafficking Hotline", "National Domestic Violence Hotline", "Canadian Human Trafficking Hotline",
    "Break the Silence Against Domestic Violence", "BTSADV", "Guardian Group", "Covenant House Toronto",
    "The Hindsight Group", "Why victims can't leave",
    "Getting Out: A National Framework for Escaping Human Trafficking for Sexual Exploitation in Canada",
    "Getting Out", "Trafficking Victims Protection Act", "TVPA",
    "Human Trafficking Task Force e-Guide", "Office for Victims of Crime", "OVC", "PEARR tool", "PEARR Tool",
    "PEARR", "Dignity Health", "HEAL Trafficking", "Pacific Survivor Center", "Polaris", "Brian Joseph", "SAMHSA",
    "WHO", "Zimmerman & Watts", "DHS", "OSCE", "UNODC", "START", "Shift", "TTY", "Tab", "Enter", "Pathways",
    "EE. UU.",
]
#: Everyday English words that are not Spanish words: one of them in a Spanish string means English was left.
ENGLISH_WORDS = {
    "the", "and", "you", "your", "is", "are", "with", "this", "that", "what", "for", "of", "to", "it", "be",
    "will", "can", "have", "from", "or", "on", "in", "not", "was", "they", "their", "who", "when", "how", "which",
    "by", "at", "an", "if", "we", "our", "my", "do", "does", "would", "should", "here", "there", "why", "skip",
    "page", "exit", "saved", "check", "answer", "question", "points", "role", "play", "sorting", "text", "call",
}


def _norm(text: str) -> str:
    text = html.unescape(re.sub(r"<style.*?</style>|<script.*?</script>", " ", str(text), flags=re.S))
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"[*_`#|>]+", " ", text).replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')
    return " ".join(text.split())


def _without_allowed(text: str) -> str:
    for name in sorted(ALLOWED, key=len, reverse=True):
        text = re.sub(rf"(?<![\w-]){re.escape(name)}(?![\w-])", " ", text)
    return text


def _strings(data) -> list[str]:
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [s for v in data.values() for s in _strings(v)]
    if isinstance(data, list | tuple):
        return [s for v in data for s in _strings(v)]
    return []


def english_sentences() -> set[str]:
    """Every sentence (four words or more) of the English sources a Spanish learner could otherwise meet."""
    texts = [c.source for c in nbformat.read(EN_NB, as_version=4).cells if c.cell_type == "markdown"]
    for name in ("checks.yaml", "sorting.yaml", "er_visit.yaml"):
        data = yaml.safe_load((LESSON / name).read_text(encoding="utf-8"))
        texts += _strings({k: v for k, v in data.items() if k not in ("id", "checklist", "variables", "start")})
    texts += _strings(yaml.safe_load((DATA / "ui.en.yaml").read_text(encoding="utf-8")))
    texts += _strings(yaml.safe_load((DATA / "resources.yaml").read_text(encoding="utf-8")))
    texts += [s for p in yaml.safe_load((DATA / "principles.yaml").read_text(encoding="utf-8")).values()
              for s in (p["name"], p["summary"])]
    out = set()
    for text in texts:
        for part in re.split(r"[.!?;:()\n]+", _without_allowed(_norm(text)).lower()):
            part = " ".join(re.findall(r"[a-z0-9']+", part))
            if sum(w.isalpha() for w in part.split()) >= 4:  # words, not a phone number such as 1-800-799-SAFE
                out.add(part)
    return out


def english_left(texts: dict[str, str]) -> list[str]:
    """Each shown string (by where it was shown) that is English or holds English, with the English found."""
    sentences = english_sentences()
    found = []
    for where, text in texts.items():
        plain = _without_allowed(_norm(re.sub(r"{\w+(:[^}]*)?}", " ", text)))  # a {field} is filled in later
        words = re.findall(r"[a-záéíóúñü0-9']+", plain.lower())
        english = sorted({w for w in words if w in ENGLISH_WORDS})
        joined = " ".join(w for w in words)
        copied = [s for s in sentences if f" {s} " in f" {joined} "]
        if english or copied:
            found.append(f"{where}: {plain[:160]!r} (English: {', '.join(english + copied[:2])})")
    return found


def test_the_english_detector_finds_english_and_passes_spanish():
    """Would the inventory notice English left in a Spanish string, and pass Spanish with the allowed names?"""
    assert english_left({"a": "Guardado. You can stop at any time."})
    assert english_left({"b": "Exit this page"})
    assert english_left({"c": "<p>Sección 4: Safety comes before everything else</p>"})
    assert not english_left({"d": "Puedes parar cuando quieras. Línea Directa Nacional contra la Trata de Personas "
                                  "(National Human Trafficking Hotline, EE. UU.): envía «START» al 88788."})


# --- the Spanish files are the English ones, translated -------------------------------------------------------


def test_spanish_files_keep_the_english_ids_activities_and_keys():
    """Do the Spanish checks, sorting and notebook keep every id, activity, cell, grade id and answer key of the
    English lesson, so a Spanish hand-in is recorded and graded exactly like an English one?"""
    en, es = load_checks(LESSON / "checks.yaml"), load_checks(LESSON / "checks.es.yaml")
    assert es.activity == en.activity
    assert es.mode == en.mode == "formative"
    assert [(q.id, q.multiple, [o.id for o in q.options], q.answer) for q in es.questions] == \
        [(q.id, q.multiple, [o.id for o in q.options], q.answer) for q in en.questions]
    en_s, es_s = load_exercise(LESSON / "sorting.yaml"), load_exercise(LESSON / "sorting.es.yaml")
    assert (es_s.activity, [c.id for c in es_s.categories], [i.id for i in es_s.items], es_s.key, es_s.mode) == \
        (en_s.activity, [c.id for c in en_s.categories], [i.id for i in en_s.items], en_s.key, en_s.mode)
    nb_en, nb_es = nbformat.read(EN_NB, as_version=4), nbformat.read(ES_NB, as_version=4)
    shape = [(c.cell_type, c.metadata.get("nbgrader"), c.metadata.get("tags")) for c in nb_en.cells]
    assert [(c.cell_type, c.metadata.get("nbgrader"), c.metadata.get("tags")) for c in nb_es.cells] == shape
    assert notebook_keys(ES_NB, en.activity) == notebook_keys(EN_NB, en.activity)
    assert _grading_calls(nb_es) == _grading_calls(nb_en)
    translated = load(LESSON / "er_visit.es.yaml")
    assert translated.version == load(LESSON / "er_visit.yaml").version
    assert "set_language(\"es\")" in nb_es.cells[1].source


def _grading_calls(nb: nbformat.NotebookNode) -> list[str]:
    """Every grading and model-answer call of a notebook with its arguments (explanations left out: translated)."""
    calls = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for node in calls_in(cell.source):
            if isinstance(node.func, ast.Name) and node.func.id != "model_reflection" \
                    and (node.func.id.endswith("_points") or node.func.id.startswith("model_")):
                kwargs = [ast.dump(k) for k in node.keywords if k.arg != "explanations"]
                call = f"{node.func.id}({[ast.dump(a) for a in node.args]}, {kwargs})"
                calls.append(call.replace(".es.yaml", ".yaml"))  # the translated scenario: the same graph
    return calls


def test_spanish_role_play_is_neutral_latin_american_spanish():
    """Does the role-play avoid Spain-only words and forms (coger, vosotros, oíros, ¿vale?), use usted with
    the patient throughout, and no longer say "con la paciente" or "tienen un sitio adonde ir"?"""
    texts = " ".join(i18n.learner_strings(load(LESSON / "er_visit.es.yaml")).values())
    for wrong in (r"\bcog(e|er|erla|erlo|ió|iendo)\b", r"\bvosotr", r"\bos\b", r"oíros", r"¿vale\?",
                  r"con la paciente", r"un sitio adonde"):
        assert not re.search(wrong, texts, flags=re.I), wrong
    speech = " ".join(re.findall(r'"([^"]+)"', texts))
    assert not re.search(r"\b(tú|te|ti|contigo|tienes|puedes|sientes)\b", speech, flags=re.I), \
        "the staff and Dani speak to each other as usted"


def test_spanish_resources_name_every_line_and_change_no_number():
    """Does resources.es.yaml give the words of every line (by its number), keep every number, and say the
    hotline's confidentiality exceptions and the DV line's keyword as its operator documents it?"""
    en, es = load_resources(lang="en"), load_resources(lang="es")
    assert es.phone_numbers() == en.phone_numbers()
    assert [(ln.phone, ln.text, ln.tty, ln.panel) for ln in es.lines] == \
        [(ln.phone, ln.text, ln.tty, ln.panel) for ln in en.lines]
    data = yaml.safe_load((DATA / "resources.es.yaml").read_text(encoding="utf-8"))
    assert set(data["lines"]) == {ln.phone for ln in en.lines}
    texts = {"region": es.region, "exit": es.quick_exit.label, "hint": es.quick_exit.hint,
             "emergency": f"{es.emergency.name}. {es.emergency.note}"}
    texts |= {ln.phone: f"{ln.name}. {ln.hours or ''}. {ln.note}" for ln in es.lines}
    assert english_left(texts) == []
    hotline = next(ln for ln in es.lines if ln.phone == "1-888-373-7888")
    assert "abuso infantil" in hotline.note and "peligro inminente" in hotline.note
    assert "survivor" not in " ".join(ln.note for ln in en.lines)
    assert "safer" in en.quick_exit.hint and "más seguro" in es.quick_exit.hint


def test_every_widget_string_and_principle_has_spanish():
    """Is every widget string (ui.es.yaml) and every principle's name and summary given in Spanish, with the
    same {fields} as in English?"""
    en, es = i18n.ui_strings("en"), yaml.safe_load((DATA / "ui.es.yaml").read_text(encoding="utf-8"))
    assert set(es) == set(en)
    for key, text in es.items():
        assert set(re.findall(r"{(\w+)", text)) == set(re.findall(r"{(\w+)", en[key])), key
    principles = yaml.safe_load((DATA / "principles.es.yaml").read_text(encoding="utf-8"))
    texts = {f"ui.{k}": v for k, v in es.items() if k not in ("tty",)}
    texts |= {f"principle.{pid}.{f}": p[f] for pid, p in principles.items() for f in ("name", "summary")}
    assert english_left(texts) == []


def test_every_spanish_activity_shows_only_spanish(in_tmp, monkeypatch):
    """Driven as a learner would (every path of the role-play, every check and the sorting checked, every skip
    pressed), do the Spanish activities show only Spanish: texts, feedback, summaries, explanations, buttons,
    notes, the resources panel and the quick exit?"""
    from pathways import views
    from pathways.views.roleplay import feedback_html, summary_html

    monkeypatch.delenv("PATHWAYS_LANG", raising=False)
    i18n.set_language("es")
    shown: dict[str, str] = {}
    scenario = load(LESSON / "er_visit.es.yaml")
    shown |= {"/".join(k): v for k, v in i18n.learner_strings(scenario).items()}
    for n, walk in enumerate(engine.all_walks(scenario)):
        shown[f"summary {n}"] = summary_html(engine.summarize(walk, "es"), "es")
        for step in walk.steps:
            choice = next(c for c in scenario.nodes[step.node].choices if c.id == step.choice)
            shown[f"feedback {step.node}/{step.choice}"] = feedback_html(choice, "es")
    rp = views.RolePlay(scenario)
    shown |= {"roleplay header": rp.header.value, "roleplay prompt": rp.prompt.value,
              "roleplay notice": rp.notice.value, "roleplay again": rp.replay_button.description}
    checks = load_checks(LESSON / "checks.es.yaml")
    for q in checks.questions:
        kc = views.checks.KnowledgeCheck(checks, q)
        kc.answer([q.options[0].id] if q.multiple else q.options[0].id)
        kc.check()
        kc.widget.skip_toggle.skip()
        shown |= {f"{q.id} {name}": value for name, value in (
            ("legend", kc.group.legend), ("options", " / ".join(t for t, _ in kc.group.options)),
            ("prompt", kc.widget.children[2].value), ("button", kc.button.description),
            ("status", kc.status.value), ("explanations", kc.explanations.value),
            ("skip", kc.widget.skip_toggle.label), ("skip note", kc.widget.skip_toggle.note),
            ("undo", kc.widget.skip_toggle.undo_label))}
    exercise = load_exercise(LESSON / "sorting.es.yaml")
    board = views.Sorting(exercise)
    for item in exercise.items:
        board.place(item.id, exercise.categories[0].id)
    board.check()
    b = board.board
    shown |= {"sorting title": b.title, "sorting intro": b.intro, "sorting place": b.place_label,
              "sorting status": b.status, "sorting note": b.note, "sorting button": b.checked_label,
              "sorting items": " / ".join(t for _, t in b.items),
              "sorting categories": " / ".join(t for t, _ in b.categories),
              **{f"sorting explanation {k}": v for k, v in b.explanations.items()}}
    reflection = views.Reflection("reflection-why-stay")
    reflection.text.value = "Una reflexión."
    reflection.save()
    shown |= {"reflection label": reflection.text.description, "reflection placeholder": reflection.text.placeholder,
              "reflection button": reflection.save_button.description, "reflection status": reflection.status.value}
    panel = views.safety_panel()
    exit_button = panel.children[1]
    shown |= {"quick exit": exit_button.label, "quick exit hint": exit_button.hint,
              "support panel": panel.children[-1].value}
    assert english_left(shown) == []


# --- releases and the executed lesson -------------------------------------------------------------------------


LEAKS = ["BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "model_checks", "model_roleplay", "model_sorting",
         "model_reflection", "check_points(\"", "sorting_points(\"", "PALERMO_KEY"]


@pytest.fixture(scope="module")
def releases(tmp_path_factory, released_course) -> dict[str, Path]:
    """Lesson 1 released by nbgrader in each language: English as the run's shared release made it (read only),
    Spanish in a course folder of its own, released with PATHWAYS_LANG=es."""
    from pathways.grading import nbgrader_run

    base = tmp_path_factory.mktemp("spanish-releases")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PATHWAYS_LANG", "es")
        mp.delenv("PATHWAYS_LESSONS", raising=False)
        es = nbgrader_run.release([LESSON.name], course=base / "es")[0]
    return {"en": released_course / "release" / LESSON.name, "es": es}


def _leaks(folder: Path) -> list[str]:
    return [f"{p.name}: {leak}" for p in folder.rglob("*") if p.is_file()
            for leak in LEAKS if leak in p.read_text(encoding="utf-8", errors="replace")]


@pytest.mark.slow
def test_each_release_holds_only_its_own_language_notebook_and_no_answers(releases):
    """Does an English release of lesson 1 hold no Spanish notebook, and a Spanish release no English one, each
    a single lesson.ipynb with no solutions or hidden tests in any file?"""
    for lang, first_line in (("en", "# Lesson 1"), ("es", "# Lección 1")):
        folder = releases[lang]
        assert sorted(p.name for p in folder.glob("*.ipynb")) == ["lesson.ipynb"], lang
        nb = nbformat.read(folder / "lesson.ipynb", as_version=4)
        assert nb.cells[0].source.startswith(first_line), lang
        assert _leaks(folder) == [], lang
    en_text = (releases["en"] / "lesson.ipynb").read_text(encoding="utf-8")
    assert "Lección 1" not in en_text and "set_language" not in en_text
    assert "# Lesson 1" not in (releases["es"] / "lesson.ipynb").read_text(encoding="utf-8")


def _shown_in_notebook(nb: nbformat.NotebookNode, code_comments: bool) -> dict[str, str]:
    """Every string an executed notebook shows: markdown, code comments (optional), outputs and widget states."""
    shown = {}
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            shown[f"cell {i}"] = cell.source
            continue
        if code_comments:
            comments = [ln.split("#", 1)[1] for ln in cell.source.splitlines() if "#" in ln]
            if comments:
                shown[f"cell {i} comments"] = " ".join(comments)
        for j, out in enumerate(cell.get("outputs", [])):
            if out.output_type == "stream":
                shown[f"cell {i} output {j}"] = out.text
            for mime, value in out.get("data", {}).items():
                widget = "application/vnd.jupyter.widget-view+json" in out.data
                if mime in ("text/html", "text/markdown") or (mime == "text/plain" and not widget):
                    shown[f"cell {i} output {j} {mime}"] = value if isinstance(value, str) else "".join(value)
    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    skip = {"layout", "style", "url", "icon", "button_style", "box_style", "orientation", "tabbable", "tooltip_id"}
    for mid, model in state.items():
        for key, value in model.get("state", {}).items():
            if key.startswith("_") or key in skip:
                continue
            for k, s in enumerate(_strings(value)):
                if s.startswith("IPY_MODEL_") or not re.search(r"[A-Za-zÀ-ÿ]{2}", s):
                    continue
                if key in ("items", "categories", "options", "_options_labels") and re.fullmatch(r"[a-z0-9-]+", s):
                    continue  # ids, never shown
                shown[f"widget {mid[:6]} {key} {k}"] = s
    return shown


@pytest.mark.slow
def test_spanish_release_executed_shows_no_english(releases, tmp_path, monkeypatch):
    """Run as a learner gets it (the Spanish release, Jupyter started without PATHWAYS_LANG), does lesson 1
    show only Spanish: every markdown cell, code comment, output and widget (labels, options, buttons, notes,
    the quick exit and the support panel)?"""
    monkeypatch.delenv("PATHWAYS_LANG", raising=False)
    folder = tmp_path / "learner"
    shutil.copytree(releases["es"], folder)
    nb = execute_notebook(folder / "lesson.ipynb")
    shown = _shown_in_notebook(nb, code_comments=True)
    widgets_shown = [k for k in shown if k.startswith("widget")]
    assert len(widgets_shown) > 30, "the widget states were not saved: nothing to inventory"
    assert any("Salir de esta página" in v for v in shown.values())
    assert english_left(shown) == []


@pytest.mark.slow
def test_spanish_grading_lines_are_spanish(tmp_path, monkeypatch):
    """With the model answers recorded, do the Spanish lesson's grading cells (what the feedback shows: points
    lines and the graded explanations) speak Spanish?"""
    monkeypatch.delenv("PATHWAYS_LANG", raising=False)
    folder = tmp_path / LESSON.name
    shutil.copytree(LESSON, folder, ignore=shutil.ignore_patterns("responses.json", ".ipynb_checkpoints"))
    nb = execute_notebook(folder / "lesson.es.ipynb")
    grading = [i for i, c in enumerate(nb.cells) if "grading" in c.metadata.get("tags", [])]
    shown = {k: v for k, v in _shown_in_notebook(nb, code_comments=False).items()
             if k.startswith("cell ") and int(k.split()[1]) in grading and "output" in k}
    assert any("Puntos:" in v for v in shown.values())
    assert english_left(shown) == []


@pytest.mark.slow
def test_spanish_hand_ins_are_graded_like_english_ones_with_spanish_feedback(releases, monkeypatch):
    """Graded with plain nbgrader in a Spanish course, does a perfect and a wrong hand-in earn exactly what the
    English lesson's keys give, and does the feedback explain in Spanish (the formative files' explanations) without
    showing any solution or hidden test?"""
    from nbgrader.api import Gradebook
    from pathways.grading import nbgrader_run
    from support.learner import expected_points, responses_for, write_responses

    monkeypatch.setenv("PATHWAYS_LANG", "es")
    course = releases["es"].parent.parent
    for student in ("perfect", "wrong"):
        folder = course / "submitted" / student / LESSON.name
        shutil.copytree(releases["es"], folder)
        (folder / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC")
        write_responses(folder, responses_for(LESSON, student))
    run = nbgrader_run.nbgrader("autograde", LESSON.name, course=course)
    assert run.ok, run.output
    feedback = nbgrader_run.nbgrader("generate_feedback", LESSON.name, course=course)
    assert feedback.ok, feedback.output
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in ("perfect", "wrong"):
            nb = gb.find_submission_notebook("lesson", LESSON.name, student)
            scores = {g.name: g.score for g in nb.grades if g.auto_score is not None or g.cell.cell_type == "code"}
            assert scores == expected_points(LESSON, student), student
    page = (course / "feedback" / "wrong" / LESSON.name / "lesson.html").read_text(encoding="utf-8")
    assert "BEGIN HIDDEN TESTS" not in page and "model_checks(" not in page
    assert "por qué cada opción es correcta o no" in page and "Puntos:" in page
    assert "why each option is right or not" not in page and "Points:" not in page
