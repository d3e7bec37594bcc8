# nbgrader configuration for Pathways. Works with the plain `nbgrader` commands, e.g.
#
#     export PATHWAYS_COURSE=$PWD/build/course     # at the checkout's root, once
#     cd grading/instructor && nbgrader generate_assignment 01-why-dont-they-leave
#
# and is what the `pathways` command loads. Every path comes from pathways.config (README, "Configuration"), the
# one place that reads the PATHWAYS_* variables: the course folder (release/, submitted/, autograded/, feedback/,
# gradebook.db) is PATHWAYS_COURSE, else build/course in the working folder (`pathways` always passes an absolute
# one; for plain nbgrader, set it as above); the lessons are PATHWAYS_LESSONS, else the shipped lessons (some tests
# use another folder). A course with several graders can keep its gradebook in PostgreSQL: set PATHWAYS_DB_URL to
# a SQLAlchemy URL such as postgresql+psycopg2://user@127.0.0.1/pathways (and `pip install psycopg2-binary`).
from pathways import config
from pathways.files import RESPONSES_FILE
from pathways.grading import course as courselib
from pathways.grading import nbgrader_run
from pathways.i18n import ui

c = get_config()  # noqa: F821  (provided by traitlets when nbgrader loads this file)
PATHWAYS = config.current()

COURSE = courselib.course_dir()
COURSE.mkdir(parents=True, exist_ok=True)

c.CourseDirectory.course_id = courselib.COURSE_ID
c.CourseDirectory.root = str(COURSE)
# The lessons folder is nbgrader's source folder (an absolute path: os.path.join keeps it as is).
SOURCE = courselib.lessons_dir()
# A lesson's notebook is lesson.ipynb; lesson.es.ipynb beside it is its Spanish translation. nbgrader never
# copies a notebook as a plain file, and this id never matches a translation, so an English release never
# holds one. A course taught in another language (PATHWAYS_LANG=es for every command, its own course folder)
# takes its lessons from a copy in which each translated lesson's lesson.ipynb IS the translation
# (lessons/AUTHORING.md, "Translate it"): same file names, cells and grade ids, so grading is the same.
c.CourseDirectory.notebook_id = "lesson"
LANG = PATHWAYS.lang
if LANG != "en" and SOURCE.is_dir():
    SOURCE = nbgrader_run.language_source(SOURCE, LANG, courselib.CourseFolder(COURSE).language_source(LANG))
c.CourseDirectory.source_directory = str(SOURCE)
c.CourseDirectory.db_url = courselib.db_url(COURSE)
# Never copy editor or generated files. (responses.json must NOT be ignored: it carries the learner's work.)
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".*"]
# A very large file in a submission is not copied (10 MB; a learner's real files are tiny).
c.CourseDirectory.max_file_size = 10_000

# Release: solution regions become a harmless comment, not `raise NotImplementedError()`,
# because learners answer with widgets and must be able to run every cell.
# In the course's language (the `solution_stub` and `text_stub` strings of widgets/data/ui.<lang>.yaml).
c.ClearSolutions.code_stub = {"python": f"pass  # {ui('solution_stub', LANG)}"}
c.ClearSolutions.text_stub = ui("text_stub", LANG)

# Autograde: restore deleted test cells, never overwrite a learner's response file with one from
# the source folder, and stop a cell that runs away.
c.OverwriteCells.add_missing_cells = True
LESSONS = SOURCE
c.Autograde.exclude_overwriting = {
    p.name: [RESPONSES_FILE] for p in LESSONS.iterdir() if p.is_dir()} if LESSONS.is_dir() else {}
c.Execute.timeout = PATHWAYS.cell_timeout
c.Execute.interrupt_on_timeout = True

# Feedback: hidden tests lose their source AND their outputs (nbgrader's default shows both).
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "pathways.grading.instructor.preprocessors.ClearHiddenTestsAndOutputs",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
