"""The JupyterLab a learner gets, as one list of arguments: `make start` (`pathways lab`) and a workshop's learner
servers (for instance JupyterHub's `Spawner.args`) start JupyterLab with the same settings.

What a learner who has never seen Jupyter finds, and how:

* A lesson opens ready to use. The course's own small JupyterLab extension (source in `autorun/` here, built
  by `make labextension` into `labextensions/` here and committed, so no learner needs node) runs a lesson's
  activity cells when it opens. It runs only notebooks whose path is a released lesson
  (`<NN-name>/lesson[.xx].ipynb`, the pattern in `lab_settings/page_config.json`), and in them only the
  nbgrader-locked cells that neither grade nor hold a solution: the course's own read-only cells, released by
  nbgrader (which restores them when grading). Nobody is asked to trust anything: these cells are the course's,
  and a notebook anywhere else never runs by itself. The instructor's marking cells never run by themselves.
* No instructor tools. nbgrader's Create Assignment, Formgrader, Course List and Validate lab extensions are
  disabled, the way nbgrader's installation guide disables them for students; the Assignment List (fetch and
  submit) stays. The formgrader and course-list server extensions are off too (the validate one stays: the
  Assignment List's own check before handing in uses it).
* Nothing offers to reach the internet: no news (the announcements plugin off, `fetchNews` "false", no news URL),
  no update check, no extension manager (its plugin off, and read-only on the server).

The settings are the launcher's own (`LabApp.app_settings_dir`): the user's Jupyter configuration is not changed.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent
SETTINGS_DIR = HERE / "lab_settings"  # page_config.json (disabled plugins, lesson pattern), overrides.json
LABEXTENSIONS = HERE / "labextensions"  # the built lesson-autorun extension (`make labextension`)
INSTRUCTOR_SERVER_EXTENSIONS = ("nbgrader.server_extensions.formgrader", "nbgrader.server_extensions.course_list")


def learner_lab_args() -> list[str]:
    """The JupyterLab settings of every learner's server, as command-line arguments (no address, port or folder:
    the launcher or the hub chooses those)."""
    args = [f"--LabApp.app_settings_dir={SETTINGS_DIR}", f"--LabApp.extra_labextensions_path={LABEXTENSIONS}",
            "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.extension_manager=readonly"]
    args += [f"--ServerApp.jpserver_extensions={name}=False" for name in INSTRUCTOR_SERVER_EXTENSIONS]
    return args



def run_foreground(command: list[str], **popen) -> int:
    """Run a server (JupyterLab, the formgrader) until it ends; SIGTERM or SIGHUP to this process is passed on to
    it and waited for, so stopping `pathways lab` by its pid stops its JupyterLab too (Ctrl-C reaches both)."""
    import signal
    import subprocess

    child = subprocess.Popen(command, **popen)

    def pass_on(signum, _frame):
        child.send_signal(signal.SIGTERM)

    previous = {sig: signal.signal(sig, pass_on) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        while True:
            try:
                return child.wait()
            except KeyboardInterrupt:  # Ctrl-C reached the server too (same process group): wait for it to stop
                continue
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
