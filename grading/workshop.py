"""`pathways workshop`: a class on one machine, each learner on their own JupyterLab, handing in safely.

    pathways workshop start --class-list class.csv [--address 127.0.0.1] [--port 8000]
    pathways collect                 # hand-ins from the exchange into the course (as often as you like)
    pathways grade && pathways feedback
    pathways workshop return         # each learner's feedback, to that learner only
    pathways workshop stop [--keep]  # collect and archive everything, then remove accounts, homes, exchange

Run as root (accounts are real Unix users). What it builds, and who can read what:

* a shared hub environment (`--shared`, default /opt/pathways-workshop): a venv made from Debian's
  /usr/bin/python3.11 (a Python under root's private home cannot be run by learners) with the pinned
  versions of constraints.txt, this project installed as a copy, and configurable-http-proxy from npm;
  readable by everyone, writable by root only;
* one Unix account per learner: a name prefix, a uid from a reserved range, no login shell, no
  Unix password (locked), no sudo, a private home (0700) holding their own copy of the lessons; a
  name that already exists on the machine is refused; all learners share a group that an ACL shuts
  out of the checkout (source lessons with model answers), the lessons folder and the course folder;
* JupyterHub (LocalProcessSpawner, each server as its learner) on the chosen address, HTTPS only on
  any address but 127.0.0.1, logging learners in with a random passphrase each (only its scrypt hash
  is on disk), an idle culler and a limit on servers starting at once;
* nbgrader's exchange with one hand-in folder per learner (theirs, 0700), one feedback folder per
  learner (readable by their group only) and the release shared read-only (see workshop_exchange);
* a private state folder (root only, 0700): the hub's database and settings, the passphrase hashes,
  the sign-in sheet and printable slips.

`stop` collects every hand-in into the course, archives the raw exchange into the course folder
(private to the instructor), stops the hub and every learner process, then removes accounts, homes,
exchange, ACLs and state, unless `--keep` (accounts, homes and exchange stay for a follow-up; the
passphrases stop working all the same).
"""

from __future__ import annotations

import argparse
import contextlib
import grp
import hashlib
import html
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import ssl
import stat
import subprocess
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from . import course as course_mod
from .collect import CollectReport, exchange_name

GRADING = Path(__file__).resolve().parent
REPO = GRADING.parent
HUB_FILES = GRADING / "hub"
DEFAULT_ROOT = Path(os.environ.get("PATHWAYS_WORKSHOP_ROOT") or "/srv/pathways-workshop")
DEFAULT_SHARED = Path(os.environ.get("PATHWAYS_WORKSHOP_SHARED") or "/opt/pathways-workshop")
SYSTEM_PYTHON = "/usr/bin/python3.11"
COURSE_ID = "pathways"
#: Learner uids come from this range (its first id is the learners' group). It sits below the grading sandbox's
#: uids (50000 up) and Debian's dynamic ranges, and above the ids useradd hands out in order.
DEFAULT_UIDS = (47000, 47999)
DEFAULT_PREFIX = "pw-"
LEARNER_COMMENT = "Pathways workshop learner"
NOLOGIN = "/usr/sbin/nologin"
HANDIN_FILES = {"responses.json", "timestamp.txt"}
MAX_HANDIN_FILE = 20_000_000
PRIVILEGED_GROUPS = {"root", "sudo", "admin", "wheel", "adm", "docker", "lxd", "disk", "shadow"}
#: Unambiguous letters and digits for passphrases (no 0/o, 1/l/i): 4 groups of 5 = about 98 bits.
PASS_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


class WorkshopError(RuntimeError):
    """Something the instructor must fix; the message says what."""


# --- where things are ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Layout:
    """The folders of one workshop under its root."""

    root: Path

    @property
    def state(self) -> Path:
        """Root only: hub settings and database, passphrase hashes, the sheet."""
        return self.root / "state"

    @property
    def exchange(self) -> Path:
        """nbgrader's exchange (per-learner folders inside)."""
        return self.root / "exchange"

    @property
    def homes(self) -> Path:
        """The learners' homes (each 0700)."""
        return self.root / "homes"

    @property
    def learner_config(self) -> Path:
        """Jupyter configuration every learner's server reads (read-only for them)."""
        return self.root / "learner-config"

    @property
    def record(self) -> Path:
        """What this workshop is: learners, accounts, ports, processes (workshop.json)."""
        return self.state / "workshop.json"

    @property
    def course_exchange(self) -> Path:
        """The exchange's course folder."""
        return self.exchange / COURSE_ID


def load_record(root: Path) -> dict | None:
    """The record of the workshop under `root`, or None if there is none."""
    path = Layout(Path(root)).record
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def _save_record(layout: Layout, record: dict) -> None:
    part = layout.record.with_suffix(".part")
    part.write_text(json.dumps(record, indent=1, sort_keys=True), encoding="utf-8")
    os.chmod(part, 0o600)
    os.replace(part, layout.record)


def _mkdir(path: Path, mode: int, uid: int = 0, gid: int = 0) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    os.chown(path, uid, gid)
    os.chmod(path, mode)
    return path


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL, **kw)
    if proc.returncode != 0:
        raise WorkshopError(f"{' '.join(cmd[:3])} failed: {(proc.stderr or proc.stdout).strip()[-800:]}")
    return proc


# --- the shared hub environment -------------------------------------------------------------------------

def _digest(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts) \
            if path.is_dir() else [path]
        for f in files:
            h.update(str(f.relative_to(REPO)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()


def _constraints(dest: Path) -> Path:
    """constraints.txt with the pins Debian's Python cannot install replaced (hub/python3.11.2-overrides.txt)."""
    def key(line: str) -> str:
        return re.split(r"[=<>~! ]", line.strip(), maxsplit=1)[0].lower().replace("_", "-")

    overrides = {key(line): line.strip() for line in (HUB_FILES / "python3.11.2-overrides.txt").read_text().splitlines()
                 if line.strip() and not line.startswith("#")}
    lines = [overrides.get(key(line), line) for line in (REPO / "constraints.txt").read_text().splitlines()]
    dest.write_text("\n".join(lines) + "\n")
    return dest


def _project_copy(dest: Path) -> Path:
    """A copy of what `pip install` needs, so building never writes into the checkout (its build/ holds courses)."""
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, dest / name)
    _constraints(dest / "constraints.txt")
    for name in ("widgets", "grading"):
        shutil.copytree(REPO / name, dest / name, ignore=shutil.ignore_patterns("__pycache__", "node_modules"))
    return dest


def ensure_environment(shared: Path = DEFAULT_SHARED, log=print) -> dict[str, str]:
    """Build (or bring up to date) the shared hub environment; return the paths of its programs.

    The venv is rebuilt when constraints.txt or pyproject.toml change, and the project reinstalled (a copy,
    not a link to the checkout) when its code changes; the proxy is reinstalled when its lock file changes.
    """
    if not Path(SYSTEM_PYTHON).is_file():
        raise WorkshopError(f"{SYSTEM_PYTHON} is missing: the hub environment is built from Debian's Python "
                            "(apt-get install python3.11-venv)")
    if not shutil.which("npm"):
        raise WorkshopError("npm is missing (apt-get install npm): the hub's proxy is configurable-http-proxy")
    old_umask = os.umask(0o022)
    try:
        _mkdir(shared, 0o755)
        venv = shared / "venv"
        stamp_file = venv / ".pathways-stamp.json"
        want = {"deps": _digest([REPO / "constraints.txt", REPO / "pyproject.toml",
                                 HUB_FILES / "python3.11.2-overrides.txt"]),
                "src": _digest([REPO / "widgets", REPO / "grading"])}
        stamp = json.loads(stamp_file.read_text()) if stamp_file.is_file() else {}
        pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
        if stamp.get("deps") != want["deps"] or not (venv / "bin" / "jupyterhub").exists():
            log(f"Building the shared hub environment in {venv} (a few minutes the first time) ...")
            shutil.rmtree(venv, ignore_errors=True)
            _run([SYSTEM_PYTHON, "-m", "venv", str(venv)])
            _run([*pip, "install", "--upgrade", "pip>=24"])
            with tempfile.TemporaryDirectory(prefix="pathways-hubenv-") as tmp:
                src = _project_copy(Path(tmp))
                _run([*pip, "install", "-c", str(src / "constraints.txt"), f"{src}[workshop]"], cwd=tmp)
        elif stamp.get("src") != want["src"]:
            log("Updating Pathways in the shared hub environment ...")
            with tempfile.TemporaryDirectory(prefix="pathways-hubenv-") as tmp:
                src = _project_copy(Path(tmp))
                _run([*pip, "install", "--no-deps", "--force-reinstall", str(src)], cwd=tmp)
        stamp_file.write_text(json.dumps(want))

        proxy = shared / "proxy"
        lock = HUB_FILES / "package-lock.json"
        proxy_bin = proxy / "node_modules" / ".bin" / "configurable-http-proxy"
        if not proxy_bin.exists() or not (proxy / "package-lock.json").is_file() \
                or (proxy / "package-lock.json").read_bytes() != lock.read_bytes():
            log(f"Installing configurable-http-proxy into {proxy} ...")
            _mkdir(proxy, 0o755)
            shutil.copy2(HUB_FILES / "package.json", proxy / "package.json")
            shutil.copy2(lock, proxy / "package-lock.json")
            _run(["npm", "ci", "--prefix", str(proxy), "--omit=dev", "--no-audit", "--no-fund", "--ignore-scripts"])
    finally:
        os.umask(old_umask)
    bin_ = venv / "bin"
    return {"python": str(bin_ / "python"), "bin": str(bin_), "jupyterhub": str(bin_ / "jupyterhub"),
            "singleuser": str(bin_ / "jupyterhub-singleuser"), "proxy": str(proxy_bin),
            "proxy_bin": str(proxy_bin.parent)}


# --- learners and accounts ----------------------------------------------------------------------------------

USERNAME = re.compile(r"^[a-z][a-z0-9-]{0,31}$")


def unix_name(prefix: str, sid: str) -> str:
    """The account name of a learner: the prefix and their course id, made a valid Unix name (a short hash is
    added when anything had to change, so two ids never share a name)."""
    base = re.sub(r"[^a-z0-9]+", "-", sid.lower()).strip("-")
    name = prefix + base
    if base != sid or len(name) > 32 or not USERNAME.match(name):
        digest = hashlib.sha256(sid.encode("utf-8")).hexdigest()[:6]
        name = (prefix + base)[:25].rstrip("-") + "-" + digest
    if not USERNAME.match(name):
        raise WorkshopError(f"prefix {prefix!r} cannot make a Unix account name (lower-case letters, digits, '-', "
                            "starting with a letter)")
    return name


def new_passphrase() -> str:
    """A random passphrase: four groups of five easy-to-read characters."""
    return "-".join("".join(secrets.choice(PASS_ALPHABET) for _ in range(5)) for _ in range(4))


def _account(name: str):
    try:
        return pwd.getpwnam(name)
    except KeyError:
        return None


def _group(name: str):
    try:
        return grp.getgrnam(name)
    except KeyError:
        return None


def _uids_in_use() -> set[int]:
    used = {p.pw_uid for p in pwd.getpwall()} | {g.gr_gid for g in grp.getgrall()}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                used.add(os.stat(f"/proc/{entry}").st_uid)
    return used


def plan_accounts(sids: list[str], prefix: str, uids: tuple[int, int], ours: dict[str, dict]) -> dict[str, str]:
    """Account name for every learner id; raise WorkshopError naming every collision with an existing account
    (one that is not an account of this workshop), before anything is created."""
    names = {sid: unix_name(prefix, sid) for sid in sids}
    clashes = [f"{name} (for {sid})" for sid, name in names.items()
               if _account(name) is not None and name not in ours]
    twice = {n for n in names.values() if list(names.values()).count(n) > 1}
    if twice:
        raise WorkshopError(f"two learners would get the same account name: {', '.join(sorted(twice))}")
    if clashes:
        raise WorkshopError("these account names already exist on this machine, so the workshop will not use them "
                            f"(choose another --prefix): {', '.join(clashes)}")
    for name in names.values():
        acct = _account(name)
        if acct is not None and not (uids[0] < acct.pw_uid <= uids[1]):
            raise WorkshopError(f"account {name} exists outside the workshop's uid range: refused")
    return names


def _free_uid(uids: tuple[int, int], taken: set[int]) -> int:
    for uid in range(uids[0] + 1, uids[1] + 1):
        if uid not in taken:
            taken.add(uid)
            return uid
    raise WorkshopError(f"no free uid left in {uids[0]}-{uids[1]}")


def create_account(name: str, uid: int, group: str, home: Path) -> dict:
    """A learner account: own group, no login shell, locked password, member of the learners' group only, a
    private home. Raises WorkshopError if it ends up with any privileged group."""
    _run(["useradd", "--uid", str(uid), "--user-group", "--no-create-home", "--home-dir", str(home),
          "--shell", NOLOGIN, "--comment", LEARNER_COMMENT, "--groups", group, name])
    acct = pwd.getpwnam(name)
    _mkdir(home, 0o700, acct.pw_uid, acct.pw_gid)
    groups = {g.gr_name for g in grp.getgrall() if name in g.gr_mem} | {grp.getgrgid(acct.pw_gid).gr_name}
    if groups & PRIVILEGED_GROUPS:
        raise WorkshopError(f"account {name} is in a privileged group ({', '.join(groups & PRIVILEGED_GROUPS)})")
    return {"uid": acct.pw_uid, "gid": acct.pw_gid, "home": str(home)}


def _kill_uid_processes(uids: set[int], sig: int = signal.SIGKILL) -> int:
    """Signal every process owned by one of these (learner) uids, by process id; return how many."""
    n = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if os.stat(f"/proc/{entry}").st_uid in uids:
                os.kill(int(entry), sig)
                n += 1
        except (OSError, ProcessLookupError):
            continue
    return n


def remove_account(name: str, home: str | None) -> None:
    """Delete a learner account, its group and its home."""
    acct = _account(name)
    if acct is not None:
        if acct.pw_gecos != LEARNER_COMMENT or acct.pw_shell != NOLOGIN:
            raise WorkshopError(f"{name} does not look like a workshop account: not removed")
        _kill_uid_processes({acct.pw_uid})
        subprocess.run(["userdel", name], capture_output=True, stdin=subprocess.DEVNULL)
        if _group(name) is not None:
            subprocess.run(["groupdel", name], capture_output=True, stdin=subprocess.DEVNULL)
    if home and Path(home).exists():
        shutil.rmtree(home, ignore_errors=True)


# --- what learners may not see ---------------------------------------------------------------------------------

def hide_from(group: str, paths: list[Path]) -> list[str]:
    """Deny the learners' group any access to these folders (an ACL entry: other users keep their access)."""
    if not shutil.which("setfacl"):
        raise WorkshopError("setfacl is missing (apt-get install acl): it keeps learners out of the source lessons")
    done = []
    for path in dict.fromkeys(p.resolve() for p in paths if p.exists()):
        _run(["setfacl", "-m", f"g:{group}:---", str(path)])
        done.append(str(path))
    return done


def unhide(group: str, paths: list[str]) -> None:
    """Remove the ACL entries hide_from added."""
    for path in paths:
        if Path(path).exists() and shutil.which("setfacl"):
            subprocess.run(["setfacl", "-x", f"g:{group}", path], capture_output=True, stdin=subprocess.DEVNULL)


# --- the exchange ------------------------------------------------------------------------------------------

def _copy_release(release: Path, dest: Path) -> None:
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(release, dest, ignore=shutil.ignore_patterns(".*", "__pycache__"))
    for p in [dest, *dest.rglob("*")]:
        os.chown(p, 0, 0, follow_symlinks=False)
        if not p.is_symlink():
            os.chmod(p, 0o755 if p.is_dir() else 0o644)


def build_exchange(layout: Layout, course: Path, lessons: list[str], learners: dict[str, dict]) -> None:
    """The release shared read-only; per learner a hand-in folder (theirs, 0700), a feedback folder (their group
    only) and a view of the three as nbgrader expects them (`views/<user>/<course>/{outbound,inbound,feedback}`)."""
    ex = layout.course_exchange
    _mkdir(layout.exchange, 0o755)
    _mkdir(ex, 0o755)
    _mkdir(ex / "outbound", 0o755)
    for sub in ("inbound", "feedback"):
        _mkdir(ex / sub, 0o711)  # nobody lists who handed in
    views = _mkdir(layout.exchange / "views", 0o711)
    for lesson in lessons:
        _copy_release(course / "release" / lesson, ex / "outbound" / lesson)
    for user, info in learners.items():
        uid, gid = info["uid"], info["gid"]
        _mkdir(ex / "inbound" / user, 0o700, uid, gid)
        _mkdir(ex / "feedback" / user, 0o750, 0, gid)
        view = _mkdir(views / user, 0o700, uid, gid)
        inner = view / COURSE_ID
        if inner.is_symlink() or (inner.exists() and inner.lstat().st_uid != 0):
            shutil.rmtree(inner) if not inner.is_symlink() else inner.unlink()
        _mkdir(inner, 0o755)
        for name, target in (("outbound", ex / "outbound"), ("inbound", ex / "inbound" / user),
                             ("feedback", ex / "feedback" / user)):
            link = inner / name
            if link.is_symlink() or link.exists():
                link.unlink()
            link.symlink_to(target)


def write_learner_config(layout: Layout) -> None:
    """The Jupyter configuration learners' servers read: the exchange, no instructor tools, no news."""
    dest = _mkdir(layout.learner_config, 0o755)
    for src in (HUB_FILES / "learner").rglob("*"):
        target = dest / src.relative_to(HUB_FILES / "learner")
        if src.is_dir():
            _mkdir(target, 0o755)
        else:
            shutil.copyfile(src, target)
            os.chmod(target, 0o644)
    (dest / "exchange.json").write_text(json.dumps({"course_id": COURSE_ID, "views": str(layout.exchange / "views")}))
    os.chmod(dest / "exchange.json", 0o644)


# --- collecting hand-ins and returning feedback --------------------------------------------------------------

@dataclass
class ExchangeReport:
    """What collecting from the exchange did, before the course's own collect."""

    taken: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    course: CollectReport | None = None

    def lines(self) -> list[str]:
        """The report, one line each."""
        out = [f"Took {len(self.taken)} hand-in(s) from the workshop exchange."]
        if self.refused:
            out.append("REFUSED (not handed in by the account it names, or not a hand-in):")
            out += [f"  - {r}" for r in self.refused]
        if self.course:
            out += self.course.lines()
        return out


def _open_dir(name: str, dir_fd: int | None = None) -> int:
    return os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=dir_fd)


def _read_owned_file(name: str, dir_fd: int, uid: int) -> bytes | None:
    """A regular file's bytes, only if it is the learner's own (never following a link); None otherwise."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=dir_fd)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode) or st.st_uid != uid or st.st_size > MAX_HANDIN_FILE:
            return None
        return fh.read(MAX_HANDIN_FILE + 1)[:MAX_HANDIN_FILE]


def take_handins(layout: Layout, record: dict, dest: Path, report: ExchangeReport) -> dict:
    """Copy each learner's hand-ins from their own inbound folder into `dest`, named by their course id.

    A hand-in is taken only when its folder is in the learner's own inbound folder, is named for that learner
    (`<user>+<lesson>+<time>+<random>`), and the folder and every file taken belong to the learner's uid;
    links are never followed. Returns the submission secrets {user: {lesson: {time: secret}}} nbgrader uses to
    name feedback.
    """
    inbound = layout.course_exchange / "inbound"
    found: dict = {}
    lessons = set(record["lessons"])
    for user, info in sorted(record["learners"].items()):
        uid, sid = info["uid"], info["sid"]
        try:
            ufd = _open_dir(str(inbound / user))
        except OSError:
            continue
        try:
            if os.fstat(ufd).st_uid != uid:
                report.refused.append(f"{user}: the hand-in folder does not belong to the account")
                continue
            for entry in sorted(os.listdir(ufd)):
                parts = exchange_name(entry)
                if parts is None:
                    report.refused.append(f"{user}: {entry!r} is not a hand-in")
                    continue
                if parts["student"] != user:
                    report.refused.append(f"{user}: a hand-in named for {parts['student']!r}: a learner hands in "
                                          "only as themselves")
                    continue
                if parts["lesson"] not in lessons:
                    report.refused.append(f"{user}: {parts['lesson']!r} is not a lesson of this workshop")
                    continue
                try:
                    sfd = _open_dir(entry, ufd)
                except OSError:
                    report.refused.append(f"{user}: {entry!r} is a link or not a folder")
                    continue
                try:
                    if os.fstat(sfd).st_uid != uid:
                        report.refused.append(f"{user}: {entry!r} does not belong to the account")
                        continue
                    target = dest / f"{sid}+{parts['lesson']}+{parts['ts']}+{len(report.taken)}"
                    target.mkdir()
                    for name in sorted(os.listdir(sfd)):
                        if not (name.endswith(".ipynb") or name in HANDIN_FILES or name == "submission_secret.txt"):
                            continue
                        data = _read_owned_file(name, sfd, uid)
                        if data is None:
                            report.refused.append(f"{user}: {entry}/{name} is not the learner's own file")
                            continue
                        if name == "submission_secret.txt":
                            found.setdefault(user, {}).setdefault(parts["lesson"], {})[parts["ts"]] = \
                                data.decode("utf-8", "replace")
                        else:
                            (target / name).write_bytes(data)
                    report.taken.append(f"{user} ({sid}) {parts['lesson']} {parts['ts']}")
                finally:
                    os.close(sfd)
        finally:
            os.close(ufd)
    return found


def collect_exchange(root: Path = DEFAULT_ROOT, course: Path | None = None) -> ExchangeReport:
    """Take every hand-in from the running workshop's exchange into its course (pathways collect)."""
    from . import workflow

    layout = Layout(Path(root))
    record = load_record(layout.root)
    if record is None:
        raise WorkshopError(f"no workshop under {layout.root}")
    course = Path(course or record["course"])
    report = ExchangeReport()
    with tempfile.TemporaryDirectory(prefix="pathways-exchange-") as tmp:
        os.chmod(tmp, 0o700)
        found = take_handins(layout, record, Path(tmp), report)
        secrets_file = layout.state / "secrets.json"
        known = json.loads(secrets_file.read_text()) if secrets_file.is_file() else {}
        for user, lessons in found.items():
            for lesson, by_time in lessons.items():
                known.setdefault(user, {}).setdefault(lesson, {}).update(by_time)
        secrets_file.write_text(json.dumps(known))
        os.chmod(secrets_file, 0o600)
        if report.taken:
            report.course = workflow.collect(tmp, course)
    return report


def return_feedback(root: Path = DEFAULT_ROOT) -> list[str]:
    """Put each learner's feedback pages (from `pathways feedback`) in their own feedback folder, named as nbgrader
    expects, for the hand-in that was graded. Returns what was done, one line each."""
    from nbgrader.utils import notebook_hash

    from .ledger import Ledger

    layout = Layout(Path(root))
    record = load_record(layout.root)
    if record is None:
        raise WorkshopError(f"no workshop under {layout.root}")
    course = Path(record["course"])
    known = json.loads((layout.state / "secrets.json").read_text()) if (layout.state / "secrets.json").is_file() \
        else {}
    ledger = Ledger.load(course)
    lines = []
    for user, info in sorted(record["learners"].items()):
        sid = info["sid"]
        for folder in sorted((course / "feedback" / sid).glob("*")):
            sub = ledger.get(sid, folder.name)
            secret = known.get(user, {}).get(folder.name, {}).get(sub.timestamp if sub else "")
            if not secret:
                lines.append(f"{user} / {folder.name}: no hand-in through the exchange matches the graded one")
                continue
            dest = layout.course_exchange / "feedback" / user
            for page in sorted(folder.glob("*.html")):
                target = dest / f"{notebook_hash(secret=secret, notebook_id=page.stem)}.html"
                part = dest / f".{target.name}.part"
                shutil.copyfile(page, part)
                os.chown(part, 0, info["gid"])
                os.chmod(part, 0o640)
                os.replace(part, target)
                lines.append(f"{user} / {folder.name}: feedback returned")
    return lines


def archive_exchange(layout: Layout, course: Path) -> Path | None:
    """Every raw hand-in of the exchange, as a tar.gz in the course folder (root only, 0600)."""
    inbound = layout.course_exchange / "inbound"
    if not inbound.is_dir():
        return None
    dest = _mkdir(course / "pathways" / "workshop", 0o700)
    path = dest / f"exchange-{datetime.now(UTC).strftime('%Y%m%d-%H%M%S')}.tar.gz"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh, tarfile.open(fileobj=fh, mode="w:gz") as tar:
        tar.add(inbound, arcname="inbound", filter=lambda ti: ti if ti.isfile() or ti.isdir() else None)
    return path


# --- TLS ------------------------------------------------------------------------------------------------------

def self_signed(state: Path, address: str) -> tuple[Path, Path]:
    """A self-signed certificate for `address` (valid 30 days), key readable by root only."""
    cert, key = state / "hub.crt", state / "hub.key"
    kind = "IP" if re.match(r"^[0-9.]+$|:", address) else "DNS"
    _run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj", f"/CN={address}",
          "-addext", f"subjectAltName={kind}:{address}", "-keyout", str(key), "-out", str(cert)])
    os.chmod(key, 0o600)
    return cert, key


def fingerprint(cert: Path) -> str:
    """The SHA-256 fingerprint of a PEM certificate, as a browser shows it."""
    der = ssl.PEM_cert_to_DER_cert(Path(cert).read_text())
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


# --- the sheet ---------------------------------------------------------------------------------------------------

def write_sheet(layout: Layout, record: dict, passphrases: dict[str, str]) -> tuple[Path, Path]:
    """The instructor's sign-in sheet (text) and cut-out slips (HTML, no course title), both root only."""
    url, fp = record["url"], record.get("fingerprint")
    rows = sorted(record["learners"].items(), key=lambda kv: kv[1]["sid"])
    lines = ["WORKSHOP SIGN-IN SHEET - keep it private; each passphrase stops working when the workshop stops.",
             f"Address: {url}"]
    if fp:
        lines.append(f"Certificate fingerprint (SHA-256), check it in the browser: {fp}")
    lines.append("")
    lines.append(f"{'learner':32} {'username':24} passphrase")
    for user, info in rows:
        lines.append(f"{info['name'][:32]:32} {user:24} {passphrases.get(user, '(unchanged)')}")
    sheet = layout.state / "sheet.txt"
    slips = layout.state / "slips.html"
    for path, text in ((sheet, "\n".join(lines) + "\n"), (slips, _slips_html(url, fp, rows, passphrases))):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(path, 0o600)
    return sheet, slips


def _slips_html(url: str, fp: str | None, rows, passphrases: dict[str, str]) -> str:
    esc = html.escape
    slips = []
    for user, _info in rows:
        extra = f"<p class=fp>Certificate fingerprint: {esc(fp)}</p>" if fp else ""
        slips.append(f"<section class=slip><p>Open <b>{esc(url)}</b></p><p>Username: <code>{esc(user)}</code></p>"
                     f"<p>Passphrase: <code>{esc(passphrases.get(user, ''))}</code></p>{extra}</section>")
    return ("<!doctype html><html lang=en><meta charset=utf-8><title>Sign-in slips</title><style>"
            "body{font:14pt sans-serif}.slip{border:1px dashed #555;padding:.6em 1em;margin:0 0 1em;"
            "break-inside:avoid}code{font-size:15pt}.fp{font-size:9pt;word-break:break-all}</style>"
            + "".join(slips) + "</html>\n")


# --- the hub -----------------------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def hub_url(address: str, port: int, tls: bool) -> str:
    """The address learners open."""
    host = f"[{address}]" if ":" in address else address
    return f"{'https' if tls else 'http'}://{host}:{port}/"


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def wait_ready(url: str, proc: subprocess.Popen, timeout: float, log_path: Path) -> None:
    """Wait until the hub answers its health check through the proxy; raise with the log's end if it does not."""
    ctx = ssl._create_unverified_context() if url.startswith("https") else None  # noqa: S323 - our own cert
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            with urllib.request.urlopen(url + "hub/health", timeout=2, context=ctx) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    tail = log_path.read_text(errors="replace")[-3000:] if log_path.exists() else ""
    raise WorkshopError(f"JupyterHub did not come up within {timeout:.0f} s. Its log ends:\n{tail}")


@dataclass
class StartOptions:
    """Everything `pathways workshop start` can be told."""

    class_list: Path
    course: Path | None = None
    address: str = "127.0.0.1"
    port: int = 8000
    root: Path = DEFAULT_ROOT
    shared: Path = DEFAULT_SHARED
    prefix: str = DEFAULT_PREFIX
    uids: tuple[int, int] = DEFAULT_UIDS
    cert: Path | None = None
    key: Path | None = None
    idle_timeout: int = 3600
    cull_every: int = 300
    spawn_limit: int = 10
    start_timeout: int = 180
    release: bool = True
    ready_timeout: float = 120


def start(opts: StartOptions, log=print) -> dict:
    """Start a workshop (see the module's doc); return its record. Anything half made is removed on failure."""
    from . import workflow

    if os.geteuid() != 0:
        raise WorkshopError("run as root (sudo): the workshop creates Unix accounts")
    layout = Layout(Path(opts.root).resolve())
    old = load_record(layout.root)
    if old and _alive(old.get("hub_pid")):
        raise WorkshopError(f"a workshop is already running under {layout.root} ({old['url']}); stop it first")
    tls = opts.address not in ("127.0.0.1",)
    if tls and bool(opts.cert) != bool(opts.key):
        raise WorkshopError("give both --cert and --key, or neither (a self-signed certificate is made)")
    if not USERNAME.match(opts.prefix + "x") or not opts.prefix.endswith("-"):
        raise WorkshopError("--prefix must be lower-case letters and digits ending with '-' (e.g. 'pw-')")
    env = ensure_environment(Path(opts.shared), log=log)

    course = workflow.course_root(opts.course)
    rep = workflow.init_course(course, roster=opts.class_list, release=opts.release)
    if rep.problems:
        raise WorkshopError("the course could not be prepared: " + "; ".join(rep.problems))
    from .ledger import Ledger

    ledger = Ledger.load(course)
    sids, _ = ledger.add_roster(workflow.read_roster(Path(opts.class_list)))  # the ids init_course gave them
    lessons = workflow.released_lessons(course)
    if not sids:
        raise WorkshopError(f"{opts.class_list} names no learner")
    if not lessons:
        raise WorkshopError("no lesson is released in the course")

    ours = (old or {}).get("learners", {})
    names = plan_accounts(sids, opts.prefix, opts.uids, ours)
    group = f"{opts.prefix}learners"
    if _group(group) is not None and not old:
        raise WorkshopError(f"group {group} already exists on this machine: choose another --prefix")

    _mkdir(layout.root, 0o755)
    _mkdir(layout.state, 0o700)
    _mkdir(layout.homes, 0o711)
    record = dict(old or {})
    record.update({"version": 1, "course": str(course), "lessons": lessons, "prefix": opts.prefix,
                   "group": group, "uids": list(opts.uids), "address": opts.address, "port": opts.port,
                   "started": datetime.now(UTC).isoformat(timespec="seconds")})
    record.setdefault("learners", {})
    record.setdefault("hidden", [])
    _save_record(layout, record)
    try:
        if _group(group) is None:
            _run(["groupadd", "--gid", str(opts.uids[0]), group])
        record["group_created"] = True
        record["hidden"] = sorted(set(record["hidden"]) | set(hide_from(
            group, [REPO, course, workflow.lessons_dir(), course_mod.LESSONS])))
        _save_record(layout, record)
        taken = _uids_in_use()
        for sid in sids:
            user = names[sid]
            if user in record["learners"] and _account(user) is not None:
                info = record["learners"][user]  # kept from an earlier workshop (stop --keep)
            else:
                info = create_account(user, _free_uid(opts.uids, taken), group, layout.homes / user)
            info.update({"sid": sid, "name": ledger.name(sid)})
            record["learners"][user] = info
            _save_record(layout, record)
        build_exchange(layout, course, lessons, record["learners"])
        from .workshop_hub import copy_lessons

        for user, info in record["learners"].items():
            copy_lessons(layout.course_exchange / "outbound", info["home"], user)
        write_learner_config(layout)
        start_hub(layout, record, env, opts, log)
    except BaseException:
        with contextlib.suppress(Exception):
            teardown(layout, record, keep=False, log=log)
        raise
    return record


def start_hub(layout: Layout, record: dict, env: dict, opts: StartOptions, log=print) -> None:
    """Write the hub's settings and passphrases, start JupyterHub, and wait until it answers."""
    from .workshop_hub import hash_passphrase

    tls = opts.address not in ("127.0.0.1",)
    cert = key = None
    if tls:
        cert, key = (Path(opts.cert), Path(opts.key)) if opts.cert else self_signed(layout.state, opts.address)
        record["fingerprint"] = fingerprint(cert)
    record["url"] = hub_url(opts.address, opts.port, tls)
    passphrases = {user: new_passphrase() for user in record["learners"]}
    table = {user: hash_passphrase(p) for user, p in passphrases.items()}
    fd = os.open(layout.state / "passphrases.json", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(table, fh)
    first = record["lessons"][0]
    settings = {
        "address": opts.address, "port": opts.port, "hub_port": _free_port(), "proxy_api_port": _free_port(),
        "ssl_cert": str(cert) if cert else None, "ssl_key": str(key) if key else None,
        "proxy": env["proxy"], "python": env["python"], "singleuser": env["singleuser"],
        "users": sorted(record["learners"]), "default_url": f"/lab/tree/{first}/lesson.ipynb",
        "path": f"{env['bin']}:/usr/local/bin:/usr/bin:/bin", "learner_config": str(layout.learner_config),
        "outbound": str(layout.course_exchange / "outbound"), "lang": os.environ.get("PATHWAYS_LANG", ""),
        "start_timeout": opts.start_timeout, "spawn_limit": opts.spawn_limit,
        "server_limit": len(record["learners"]) + 2, "idle_timeout": opts.idle_timeout,
        "cull_every": opts.cull_every,
    }
    (layout.state / "settings.json").write_text(json.dumps(settings, indent=1))
    shutil.copyfile(HUB_FILES / "jupyterhub_config.py", layout.state / "jupyterhub_config.py")
    hub_env = {"PATH": f"{env['bin']}:{env['proxy_bin']}:/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8",
               "HOME": str(layout.state), "CONFIGPROXY_AUTH_TOKEN": secrets.token_hex(32)}
    log_path = layout.state / "jupyterhub.log"
    with open(log_path, "ab") as out:
        proc = subprocess.Popen([env["jupyterhub"], "-f", str(layout.state / "jupyterhub_config.py")],
                                cwd=layout.state, env=hub_env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    record["hub_pid"] = proc.pid
    _save_record(layout, record)
    probe = hub_url("127.0.0.1", opts.port, tls) if opts.address in ("0.0.0.0", "::") else record["url"]
    wait_ready(probe, proc, opts.ready_timeout, log_path)
    sheet, slips = write_sheet(layout, record, passphrases)
    record["sheet"], record["slips"] = str(sheet), str(slips)
    _save_record(layout, record)
    log(f"Workshop running at {record['url']} for {len(record['learners'])} learner(s).")
    log(f"Sign-in sheet (root only): {sheet}; printable slips: {slips}")


def stop_hub(layout: Layout, record: dict, timeout: float = 30) -> None:
    """Stop JupyterHub (it stops every learner's server and its proxy), then any process left of a learner."""
    pid = record.get("hub_pid")
    if _alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
    for name in ("proxy.pid",):
        path = layout.state / name
        with contextlib.suppress(OSError, ValueError, ProcessLookupError):
            other = int(path.read_text().strip())
            if _alive(other) and Path(f"/proc/{other}/cmdline").read_bytes().find(b"configurable-http-proxy") >= 0:
                os.kill(other, signal.SIGKILL)
    uids = {info["uid"] for info in record.get("learners", {}).values()}
    for _ in range(20):
        if not _kill_uid_processes(uids):
            break
        time.sleep(0.1)
    record["hub_pid"] = None


def teardown(layout: Layout, record: dict, keep: bool, log=print) -> None:
    """Stop everything; unless `keep`, remove accounts, homes, exchange, ACLs and state. Safe to repeat."""
    stop_hub(layout, record)
    for name in ("passphrases.json", "cookie_secret", "jupyterhub.sqlite"):
        with contextlib.suppress(FileNotFoundError):
            (layout.state / name).unlink()
    if keep:
        _save_record(layout, record)
        return
    for user, info in list(record.get("learners", {}).items()):
        remove_account(user, info.get("home"))
        record["learners"].pop(user)
    group = record.get("group")
    if group:
        unhide(group, record.get("hidden", []))
        if record.get("group_created") and _group(group) is not None:
            subprocess.run(["groupdel", group], capture_output=True, stdin=subprocess.DEVNULL)
    for path in (layout.exchange, layout.homes, layout.learner_config, layout.state):
        shutil.rmtree(path, ignore_errors=True)
    with contextlib.suppress(OSError):
        layout.root.rmdir()


def stop(root: Path = DEFAULT_ROOT, keep: bool = False, log=print) -> dict:
    """Collect and archive every hand-in into the course, then stop and remove the workshop (see `teardown`)."""
    layout = Layout(Path(root).resolve())
    record = load_record(layout.root)
    if record is None:
        raise WorkshopError(f"no workshop under {layout.root}")
    result = {"collect": None, "archive": None}
    try:
        result["collect"] = collect_exchange(layout.root)
        for line in result["collect"].lines():
            log(line)
        result["archive"] = archive_exchange(layout, Path(record["course"]))
        if result["archive"]:
            log(f"Every raw hand-in archived in {result['archive']} (root only)")
    finally:
        teardown(layout, record, keep=keep, log=log)
    log("Workshop stopped" + (": accounts, homes and exchange kept (passphrases no longer work)." if keep else
                              ": accounts, homes, exchange and passphrases removed."))
    return result


# --- command line -----------------------------------------------------------------------------------------------

def _uid_range(text: str) -> tuple[int, int]:
    lo, _, hi = text.partition("-")
    lo_i, hi_i = int(lo), int(hi)
    if not 1000 <= lo_i < hi_i < 60000:
        raise argparse.ArgumentTypeError("a range like 47000-47999, within 1000-59999")
    return lo_i, hi_i


def _cmd_start(a) -> int:
    opts = StartOptions(class_list=Path(a.class_list), course=a.course, address=a.address, port=a.port,
                        root=Path(a.root), shared=Path(a.shared), prefix=a.prefix, uids=a.uids, cert=a.cert,
                        key=a.key, idle_timeout=a.idle_timeout, spawn_limit=a.spawn_limit,
                        release=not a.no_release)
    start(opts)
    print("Next: hand out the slips; `pathways collect` any time; `pathways workshop stop` at the end.")
    return 0


def _cmd_stop(a) -> int:
    stop(Path(a.root), keep=a.keep)
    return 0


def _cmd_return(a) -> int:
    for line in return_feedback(Path(a.root)):
        print(line)
    return 0


def _cmd_status(a) -> int:
    record = load_record(Path(a.root))
    if record is None:
        print(f"No workshop under {a.root}.")
        return 1
    running = _alive(record.get("hub_pid"))
    print(f"{'Running' if running else 'Stopped'}: {record.get('url')} - {len(record['learners'])} learner "
          f"account(s), course {record['course']}")
    if record.get("sheet"):
        print(f"Sign-in sheet: {record['sheet']}")
    return 0 if running else 1


def register(sub: argparse._SubParsersAction) -> None:
    """Add `pathways workshop` to the `pathways` parser."""
    p = sub.add_parser("workshop", help="run a class on one machine: JupyterHub, learner accounts, the exchange",
                       description="Run a workshop on this machine (as root): an account and a JupyterLab per "
                       "learner behind JupyterHub, handing in through nbgrader's exchange. See README, 'Running a "
                       "workshop'.")
    wsub = p.add_subparsers(dest="workshop_command", metavar="ACTION")

    def root_arg(q):
        q.add_argument("--root", default=str(DEFAULT_ROOT),
                       help=f"the workshop's folder (default {DEFAULT_ROOT}, or $PATHWAYS_WORKSHOP_ROOT)")

    q = wsub.add_parser("start", help="create the learners' accounts and start JupyterHub",
                        description="Create one account per learner on the class list, give each their own copy of "
                        "the lessons, and start JupyterHub. Prints where the sign-in sheet is.")
    q.add_argument("--class-list", required=True, help="the class list CSV (see GRADING.md, 'How learners are "
                   "identified')")
    q.add_argument("--course", help="the course folder (default: $PATHWAYS_COURSE, else build/course)")
    q.add_argument("--address", default="127.0.0.1", help="address to listen on (default 127.0.0.1; any other is "
                   "HTTPS only)")
    q.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    q.add_argument("--cert", help="TLS certificate (PEM) for --address; default: a self-signed one")
    q.add_argument("--key", help="TLS key (PEM) of --cert")
    root_arg(q)
    q.add_argument("--shared", default=str(DEFAULT_SHARED), help=f"the shared hub environment (default "
                   f"{DEFAULT_SHARED}, or $PATHWAYS_WORKSHOP_SHARED)")
    q.add_argument("--prefix", default=DEFAULT_PREFIX, help=f"account name prefix (default {DEFAULT_PREFIX})")
    q.add_argument("--uids", type=_uid_range, default=DEFAULT_UIDS,
                   help=f"reserved uid range (default {DEFAULT_UIDS[0]}-{DEFAULT_UIDS[1]})")
    q.add_argument("--idle-timeout", type=int, default=3600, help="stop a server idle this many seconds (3600)")
    q.add_argument("--spawn-limit", type=int, default=10, help="servers starting at once at most (10)")
    q.add_argument("--no-release", action="store_true", help="use the lessons already released in the course")
    q.set_defaults(func=_cmd_start)

    q = wsub.add_parser("stop", help="collect and archive every hand-in, then remove accounts, homes, exchange",
                        description="Collect every hand-in into the course and archive the raw exchange there, stop "
                        "JupyterHub and every learner process, then remove accounts, homes and the exchange.")
    root_arg(q)
    q.add_argument("--keep", action="store_true", help="keep accounts, homes and exchange (passphrases still stop "
                   "working)")
    q.set_defaults(func=_cmd_stop)

    q = wsub.add_parser("return", help="return feedback to each learner through the exchange",
                        description="After `pathways feedback`: give each learner the feedback on the hand-in that "
                        "was graded, in a folder only they can read (they fetch it in the Assignments tab).")
    root_arg(q)
    q.set_defaults(func=_cmd_return)

    q = wsub.add_parser("status", help="is a workshop running, and where")
    root_arg(q)
    q.set_defaults(func=_cmd_status)
    p.set_defaults(func=lambda a: p.print_help() or 2)
