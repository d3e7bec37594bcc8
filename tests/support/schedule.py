"""The order in which pytest-xdist hands out the test files (tests/conftest.py)."""

#: The test files that take longest (a class graded, servers started under load, a browser), longest first.
#: pytest-xdist hands out work in collection order, so these start first and the many short tests fill the end
#: of the run on both workers, instead of one worker starting a two-minute group when the other is nearly done.
LONGEST_FIRST = (
    # One class graded for these (tests/support/graded_class.py): adjacent, so their worker grades it first.
    "grading/test_class_workflow.py", "grading/test_identity.py", "grading/test_excusal_totals.py",
    "grading/test_purge.py",
    # One hub for both (tests/workshop/conftest.py): the attacks need it running, and test_workshop.py's last tests
    # stop it and check what every learner left behind, so the attacks must come first.
    "workshop/test_attacks.py", "workshop/test_workshop.py", "browser/test_cold_start.py",
    "notebooks/test_nbgrader_workflow.py", "browser/test_dashboards.py", "browser/test_quick_exit_typing.py",
    "browser/test_dashboard_recovery.py", "browser/test_jupyterlab.py", "browser/test_learner_screen.py",
    # The static site built once and the SCORM packages, served to the worker's one Chromium (group "site").
    "site/test_site_browser.py", "site/test_scorm.py", "site/test_key_scan.py",
    "install/test_shared_install.py", "content/test_spanish_lesson1.py", "authoring/test_authoring_end_to_end.py",
    "grading/test_postgres_gradebook.py",
    # One course and one set of PDFs rendered for these (group "evidence"), so one worker renders them once.
    "evidence/test_print.py", "evidence/test_certificates.py", "evidence/test_lms.py",
)
