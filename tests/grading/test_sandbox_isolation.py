"""The grading sandbox (bubblewrap): what a kernel can reach, wherever the checkout lives, and never degrading silently.

The probe tests really start a sandbox (a fraction of a second each); the tests that grade a hand-in
run nbgrader and are marked slow.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from pathways.grading.sandbox import jail, parallel, probe
from pathways.grading.sandbox.job import Jail
from support.course import copy_lesson

REPO = Path(__file__).resolve().parents[2]
LESSON = "01-why-dont-they-leave"
BWRAP = shutil.which("bwrap")
ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
needs_sandbox = pytest.mark.skipif(not (BWRAP and ROOT), reason="needs bubblewrap and root (the full sandbox)")


@pytest.fixture
def uid():
    """A reserved, unused user id for a kernel."""
    base = parallel.reserve_uids()
    if base is None:
        pytest.skip("no free block of user ids")
    yield base
    parallel.release_uids()


@pytest.fixture
def private(tmp_path):
    """A folder only root can enter (as `mktemp -d` makes), outside /tmp, which the sandbox always replaces."""
    parent = "/var/tmp" if os.access("/var/tmp", os.W_OK) else None
    folder = Path(tempfile.mkdtemp(dir=parent, prefix="pathways-private-"))
    assert (folder.stat().st_mode & 0o777) == 0o700
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _probe_folder(tmp_path: Path) -> str:
    folder = tmp_path / "probe"
    folder.mkdir()
    os.chmod(tmp_path, 0o711)
    os.chmod(folder, 0o711)
    return str(folder)


@needs_sandbox
def test_full_sandbox_holds_every_guarantee(tmp_path, uid):
    """Does a probed kernel run as its own user, alone, offline, on a read-only disk, with lessons hidden?"""
    version = jail.bwrap_version(BWRAP)
    ok, why, found = probe.probe(BWRAP, uid, [str(REPO / "lessons")], _probe_folder(tmp_path), version)
    assert ok, (why, found)
    assert found["uid"] == str(uid) and int(found["processes"]) <= 3
    assert found["network"] == "closed" and found[f"hide:{REPO / 'lessons'}"] == "hidden"
    assert found["home"] == "writable" and found["outside"].startswith("not writable")
    assert found["workdir"].startswith("not writable")  # the submission folder: read, never changed
    # The grader's own Python (here under /root, which other users cannot enter), not a stand-in.
    assert found["python"] == "same" and found["import"] == "ok"
    assert f"RLIMIT_AS={4 << 30}" in found["limits"] and "RLIMIT_CORE=0" in found["limits"]
    assert f"RLIMIT_NPROC={jail.NPROC}" in found["limits"]


@needs_sandbox
def test_processes_die_with_the_kernel(tmp_path, uid):
    """Does a process the kernel starts in the background (in a session of its own) die when the kernel ends?"""
    home = tmp_path / "home"
    home.mkdir()
    os.chown(home, uid, uid)
    os.chmod(tmp_path, 0o711)
    script = ("import subprocess; p = subprocess.Popen(['sleep', '300'], start_new_session=True); "
              "print(p.pid, flush=True)")
    cmd = jail.command(BWRAP, uid, [], str(home), str(home), [sys.executable, "-c", script],
                       jail.bwrap_version(BWRAP))
    proc = subprocess.run(cmd, capture_output=True, text=True, env=jail.clean_env(str(home)), timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip(), proc.stderr

    def left() -> list[str]:
        found = []
        for entry in os.listdir("/proc"):
            try:
                if entry.isdigit() and os.stat(f"/proc/{entry}").st_uid == uid:
                    found.append(entry)
            except OSError:
                continue
        return found

    # The kernel tears the pid namespace down as its first process ends (a moment after bwrap returns).
    deadline = time.monotonic() + 10
    while left() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert left() == []


@needs_sandbox
def test_checkout_in_a_private_folder(tmp_path, uid, private, monkeypatch):
    """With pathways reachable only through a 0700 folder, does the kernel user import it, see nothing else there,
    and neither read nor write the course folder kept in that same folder?"""
    (private / "pathways").symlink_to(REPO / "widgets")  # a clone's package, seen through the private folder
    course = private / "course"
    course.mkdir(mode=0o755)
    (course / "gradebook.db").write_text("grades")
    (private / "notes.txt").write_text("the instructor's")
    monkeypatch.setenv("PYTHONPATH", str(private))
    # Without the sandbox, the kernel user cannot even reach the package.
    plain = subprocess.run(["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", sys.executable, "-c",
                            "import os, sys; sys.exit(0 if os.access(sys.argv[1], os.R_OK) else 1)",
                            str(private / "pathways" / "__init__.py")], env=dict(os.environ), cwd="/")
    assert plain.returncode == 1

    ok, why, found = probe.probe(BWRAP, uid, [str(course)], _probe_folder(tmp_path), jail.bwrap_version(BWRAP))
    assert ok, (why, found)
    assert found["pathways"] == str(private / "pathways"), found  # imported through the private folder
    assert found[f"hide:{course}"] == "hidden"

    script = """
import json, os, sys
folder, course = sys.argv[1], sys.argv[2]
out = {}
def attempt(name, action):
    try:
        out[name] = repr(action())
    except Exception as exc:
        out[name] = 'denied:' + type(exc).__name__
import pathways.autograde
out['import'] = pathways.autograde.__file__
attempt('list-folder', lambda: sorted(os.listdir(folder)))
attempt('read-notes', lambda: open(folder + '/notes.txt').read())
attempt('read-course', lambda: open(course + '/gradebook.db').read())
attempt('list-course', lambda: os.listdir(course))
attempt('write-course', lambda: open(course + '/gradebook.db', 'a').write('x'))
attempt('new-in-course', lambda: open(course + '/planted', 'w').write('x'))
print(json.dumps(out))
"""
    home = tmp_path / "home"
    home.mkdir()
    os.chown(home, uid, uid)
    cmd = jail.command(BWRAP, uid, [str(course)], str(home), str(home),
                       [sys.executable, "-c", script, str(private), str(course)], jail.bwrap_version(BWRAP),
                       needed=[*jail.needed_paths(), str(private), str(private / "pathways")])  # as with PYTHONPATH
    proc = subprocess.run(cmd, capture_output=True, text=True, env=jail.clean_env(str(home)), timeout=120)
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    assert seen["import"].startswith(str(private / "pathways"))
    assert seen["list-folder"] == repr(["course", "pathways"])  # notes.txt is not there at all
    assert seen["read-notes"].startswith("denied:")
    for key in ("read-course", "write-course", "new-in-course"):
        assert seen[key].startswith("denied:"), (key, seen[key])
    assert seen["list-course"].startswith("denied:") or seen["list-course"] == "[]"
    assert (course / "gradebook.db").read_text() == "grades" and not (course / "planted").exists()


def test_mounts_cover_private_folders_and_hide_last(tmp_path, private):
    """Is a private ancestor replaced by an enterable empty folder, what is needed bound back, and a hidden folder
    inside a bound one mounted after the bind?"""
    (private / "clone" / "widgets").mkdir(parents=True)
    (private / "clone" / "lessons").mkdir()
    clone = str(private / "clone")
    home, work = tmp_path / "job" / "home", tmp_path / "job" / "work"
    home.mkdir(parents=True)
    work.mkdir()
    text = " ".join(jail.mounts(50001, [f"{clone}/lessons"], str(home), str(work), [clone], (0, 8, 0)))
    assert "--perms 1777 --size" in text and "--tmpfs /tmp " in text  # the kernel's own /tmp
    assert f"--perms 0755 --tmpfs {private} " in text
    assert f"--ro-bind {clone} {clone}" in text
    assert f"--bind {home} {home}" in text and f"--ro-bind {work} {work}" in text
    assert text.index(f"--ro-bind {clone} {clone}") < text.index(f"--perms 0000 --tmpfs {clone}/lessons")
    # Every folder on the way to a bound one is made enterable (bubblewrap would make it 0700).
    assert f"--perms 0755 --dir {tmp_path / 'job'} " in text
    # The same user needs no way through its own folders: nothing of the private folder is mounted.
    assert str(private) not in " ".join(jail.mounts(None, [], str(home), str(work), [clone], (0, 8, 0)))
    if os.path.isdir("/root/.pyenv"):  # this machine's Python lives under /root (0700): covered, bound back
        assert jail.private_ancestor("/root/.pyenv/versions", 50001) == "/root"


def test_no_bubblewrap_is_reported(tmp_path, monkeypatch):
    """With bubblewrap missing, is the isolation 'none', not full, with the reason and the fix said plainly?"""
    monkeypatch.setenv(jail.BWRAP_ENV, str(tmp_path / "missing" / "bwrap"))
    assert jail.find_bwrap() is None
    chosen, warnings = parallel.choose_jail([str(tmp_path)], tmp_path)
    assert not chosen.full and chosen.bwrap is None and chosen.description == parallel.NONE
    assert any("bubblewrap is not installed" in w and "apt-get install bubblewrap" in w for w in warnings)


def test_a_forbidden_sandbox_is_reported(tmp_path, monkeypatch):
    """When bubblewrap may not create namespaces (a locked-down container), is its own error passed on?"""
    fake = tmp_path / "bwrap"
    fake.write_text("#!/bin/sh\n[ \"$1\" = --version ] && echo 'bubblewrap 0.8.0' && exit 0\n"
                    "echo 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv(jail.BWRAP_ENV, str(fake))
    work = tmp_path / "work"
    work.mkdir(mode=0o711)
    chosen, warnings = parallel.choose_jail([], work)
    parallel.release_uids()
    assert not chosen.full and chosen.description == parallel.NONE
    assert any("No permissions to create new namespace" in w for w in warnings), warnings


@pytest.mark.skipif(not BWRAP, reason="needs bubblewrap")
def test_not_root_is_reported(tmp_path, monkeypatch):
    """Without root (no user id switch), is the sandbox used but reported as weaker than full?"""
    monkeypatch.setattr(parallel.os, "geteuid", lambda: 1000)
    work = tmp_path / "work"
    work.mkdir(mode=0o711)
    chosen, warnings = parallel.choose_jail([], work)
    assert not chosen.full and chosen.uid_base is None
    assert any("not run as root" in w for w in warnings)
    assert chosen.description in (parallel.SAME_USER, parallel.NONE)


def test_learner_code_needs_consent_for_weaker_isolation():
    """Is learner code refused with less than the full sandbox unless accepted, while lesson cells only warn?"""
    weak = Jail(description=parallel.NONE)
    with pytest.raises(parallel.WeakIsolation, match="--accept-weaker-isolation"):
        parallel.isolation_notice(weak, ["bubblewrap is not installed"], run_learner_code=True, accept_weaker=False)
    accepted = parallel.isolation_notice(weak, ["why"], run_learner_code=True, accept_weaker=True)
    assert "NOT fully isolated" in accepted[0] and any("WILL be run" in line for line in accepted)
    lessons_only = parallel.isolation_notice(weak, ["why"], run_learner_code=False, accept_weaker=False)
    assert "NOT fully isolated" in lessons_only[0] and "  - why" in lessons_only
    full = Jail(BWRAP or "bwrap", uid_base=50000, description=parallel.FULL, full=True)
    assert parallel.isolation_notice(full, [], run_learner_code=True, accept_weaker=False) == []


@pytest.fixture(scope="module")
def small_course(tmp_path_factory):
    """A course with one lesson and one hand-in (whose learner code writes a file if it can)."""
    import nbformat
    from nbformat.v4 import new_code_cell
    from pathways.grading.instructor import workflow
    from support import learner, testcells

    base = tmp_path_factory.mktemp("weak")
    lessons = base / "lessons"
    copy_lesson(LESSON, lessons)
    root = base / "course"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PATHWAYS_LESSONS", str(lessons))
        mp.setenv("JUPYTER_CONFIG_DIR", str(base / "jupyter-config"))
        mp.delenv("PATHWAYS_DB_URL", raising=False)
        roster = base / "class.csv"
        roster.write_text("name\nana\n", encoding="utf-8")
        assert workflow.init_course(root, roster).released == [LESSON]
        rel = root / "release" / LESSON / "lesson.ipynb"
        nb = nbformat.read(rel, as_version=4)
        nb.cells.insert(testcells.cell_index(nb, "model-answers") + 1, new_code_cell("print('LEARNER CODE RAN')"))
        learner.write_submission(base / "up" / "ana" / LESSON, rel, learner.model_activities(lessons / LESSON),
                                   notebook=nb)
        workflow.collect(base / "up", root)
    return root, lessons


@pytest.mark.slow
def test_grade_refuses_learner_code_without_bubblewrap_unless_accepted(small_course, monkeypatch, capsys):
    """With bubblewrap missing, does `pathways grade --run-learner-code` refuse (nothing graded) and then run with
    --accept-weaker-isolation, saying and recording that the isolation was weaker; and without learner code, grade
    with a printed warning?"""
    from pathways.grading import cli

    root, lessons = small_course
    monkeypatch.setenv("PATHWAYS_LESSONS", str(lessons))
    monkeypatch.setenv(jail.BWRAP_ENV, "/nonexistent/bwrap")
    base = ["grade", "--course", str(root), "--no-progress", "--timeout", "20"]
    graded = root / "autograded" / "ana" / LESSON / "lesson.ipynb"

    assert cli.main([*base, "--run-learner-code"]) == 1
    err = capsys.readouterr().err
    assert "Refusing to run learner code" in err and "bubblewrap is not installed" in err
    assert not graded.exists() and not (root / "pathways" / "last-grade.json").exists()

    assert cli.main(base) == 0  # the lesson's own cells only: graded, with the warning printed
    out = capsys.readouterr()
    assert "NOT fully isolated" in out.err and "Only the lessons' own cells are run" in out.err
    assert "Warning: grading kernels were NOT fully isolated" in out.out
    assert "LEARNER CODE RAN" not in graded.read_text(encoding="utf-8")

    assert cli.main([*base, "--run-learner-code", "--accept-weaker-isolation", "--force"]) == 0
    out = capsys.readouterr()
    assert "WILL be run with this weaker isolation" in out.err
    assert "LEARNER CODE RAN" in graded.read_text(encoding="utf-8")
    record = json.loads((root / "pathways" / "last-grade.json").read_text(encoding="utf-8"))
    assert record["fully_isolated"] is False and record["accepted_weaker_isolation"] is True
    assert record["isolation"] == parallel.NONE and any("not installed" in w for w in record["warnings"])
