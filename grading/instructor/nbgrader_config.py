# nbgrader configuration for Pathways. Works with the plain `nbgrader` commands, e.g.
#
#     cd grading/instructor && nbgrader generate_assignment 01-why-dont-they-leave
#
# and is what the `pathways` command loads. The course folder (release/, submitted/, autograded/,
# feedback/, gradebook.db) is build/course by default; set PATHWAYS_COURSE to use another one
# (and PATHWAYS_LESSONS to take lessons from another folder, as some tests do).
# A course with several graders can keep its gradebook in PostgreSQL: set PATHWAYS_DB_URL to a
# SQLAlchemy URL such as postgresql+psycopg2://user@127.0.0.1/pathways (and `pip install psycopg2-binary`).
import os
from pathlib import Path

c = get_config()  # noqa: F821  (provided by traitlets when nbgrader loads this file)

REPO = Path(__file__).resolve().parents[2]
COURSE = Path(os.environ.get("PATHWAYS_COURSE", REPO / "build" / "course")).resolve()
COURSE.mkdir(parents=True, exist_ok=True)

c.CourseDirectory.course_id = "pathways"
c.CourseDirectory.root = str(COURSE)
# The lessons folder is nbgrader's source folder (an absolute path: os.path.join keeps it as is).
SOURCE = Path(os.environ.get("PATHWAYS_LESSONS", REPO / "lessons")).resolve()
# A lesson's notebook is lesson.ipynb; lesson.es.ipynb beside it is its Spanish translation. nbgrader never
# copies a notebook as a plain file, and this id never matches a translation, so an English release never
# holds one. A course taught in another language (PATHWAYS_LANG=es for every command, its own course folder)
# takes its lessons from a copy in which each translated lesson's lesson.ipynb IS the translation
# (lessons/AUTHORING.md, "Translate it"): same file names, cells and grade ids, so grading is the same.
c.CourseDirectory.notebook_id = "lesson"
LANG = (os.environ.get("PATHWAYS_LANG") or "en").strip()
if LANG != "en" and SOURCE.is_dir():
    from pathways.grading.course import language_source

    SOURCE = language_source(SOURCE, LANG, COURSE / "pathways" / f"source.{LANG}")
c.CourseDirectory.source_directory = str(SOURCE)
c.CourseDirectory.db_url = os.environ.get("PATHWAYS_DB_URL", f"sqlite:///{COURSE / 'gradebook.db'}")
# Never copy editor or generated files. (responses.json must NOT be ignored: it carries the learner's work.)
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".*"]
# A very large file in a submission is not copied (10 MB; a learner's real files are tiny).
c.CourseDirectory.max_file_size = 10_000

# Release: solution regions become a harmless comment, not `raise NotImplementedError()`,
# because learners answer with widgets and must be able to run every cell.
# In the course's language (the `solution_stub` and `text_stub` strings of widgets/data/ui.<lang>.yaml).
from pathways.i18n import ui  # noqa: E402

c.ClearSolutions.code_stub = {"python": f"pass  # {ui('solution_stub', LANG)}"}
c.ClearSolutions.text_stub = ui("text_stub", LANG)

# Autograde: restore deleted test cells, never overwrite a learner's response file with one from
# the source folder, and stop a cell that runs away.
c.OverwriteCells.add_missing_cells = True
LESSONS = Path(c.CourseDirectory.source_directory)
c.Autograde.exclude_overwriting = {
    p.name: ["responses.json"] for p in LESSONS.iterdir() if p.is_dir()} if LESSONS.is_dir() else {}
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True

# Feedback: hidden tests lose their source AND their outputs (nbgrader's default shows both).
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "pathways.grading.instructor.preprocessors.ClearHiddenTestsAndOutputs",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
