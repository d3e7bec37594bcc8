"""Learner accounts: a name prefix, a reserved uid range, no login shell, no password, no sudo, a private home;
and the ACL that shuts the learners' group out of the checkout, the lessons and the course."""

from __future__ import annotations

import grp
import hashlib
import pwd
import re
import secrets
import shutil
import subprocess
import time
from pathlib import Path

from ... import processes
from .cleanup import kill_all, remove_traces, uids_with_traces
from .common import (
    LEARNER_COMMENT,
    NOLOGIN,
    PASS_ALPHABET,
    PRIVILEGED_GROUPS,
    WORKSHOP_COMMENTS,
    WorkshopError,
    mkdir,
    run,
)

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
    used = {p.pw_uid for p in pwd.getpwall()} | {g.gr_gid for g in grp.getgrall()} | processes.uids_in_use()
    return used | uids_with_traces()  # a uid whose files or IPC an earlier learner left is never reused


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
    run(["useradd", "--uid", str(uid), "--user-group", "--no-create-home", "--home-dir", str(home),
          "--shell", NOLOGIN, "--comment", LEARNER_COMMENT, "--groups", group, name])
    acct = pwd.getpwnam(name)
    mkdir(home, 0o700, acct.pw_uid, acct.pw_gid)
    groups = {g.gr_name for g in grp.getgrall() if name in g.gr_mem} | {grp.getgrgid(acct.pw_gid).gr_name}
    if groups & PRIVILEGED_GROUPS:
        raise WorkshopError(f"account {name} is in a privileged group ({', '.join(groups & PRIVILEGED_GROUPS)})")
    return {"uid": acct.pw_uid, "gid": acct.pw_gid, "home": str(home)}


def remove_account(name: str, home: str | None, traces: bool = True) -> list[str]:
    """Delete a workshop account (learner or grader), its group, its home and (unless the caller did, `traces`
    False) whatever its uid left outside it (cleanup.remove_traces); the problems, each said (an empty list:
    nothing of it is left)."""
    acct = _account(name)
    problems = []
    if acct is not None:
        if acct.pw_gecos not in WORKSHOP_COMMENTS or acct.pw_shell != NOLOGIN:
            return [f"{name} does not look like a workshop account: not removed"]
        left = kill_all({acct.pw_uid})
        if left:
            problems.append(f"{name}: {len(left)} process(es) could not be killed: {left[:5]}")
        deadline = time.monotonic() + 10  # the dead, until their parent (often init) collects them: userdel
        while processes.pids_of({acct.pw_uid}) and time.monotonic() < deadline:  # refuses a user who has any
            time.sleep(0.05)
        problems += [f"{name}: {p}" for p in remove_traces({name: acct.pw_uid})] if traces else []
        proc = subprocess.run(["userdel", name], capture_output=True, text=True, stdin=subprocess.DEVNULL)
        if proc.returncode != 0 or _account(name) is not None:
            problems.append(f"account {name} was NOT removed: userdel: {(proc.stderr or proc.stdout).strip()}")
        if _group(name) is not None:
            proc = subprocess.run(["groupdel", name], capture_output=True, text=True, stdin=subprocess.DEVNULL)
            if _group(name) is not None:
                problems.append(f"group {name} was NOT removed: groupdel: {proc.stderr.strip()}")
    if home and Path(home).exists():
        shutil.rmtree(home, ignore_errors=True)
        if Path(home).exists():
            problems.append(f"the home {home} could not be removed entirely")
    return problems


# --- what learners may not see ----------------------------------------------------------------------

def hide_from(group: str, paths: list[Path]) -> list[str]:
    """Deny the learners' group any access to these folders (an ACL entry: other users keep their access)."""
    if not shutil.which("setfacl"):
        raise WorkshopError("setfacl is missing (apt-get install acl): it keeps learners out of the source lessons")
    done = []
    for path in dict.fromkeys(p.resolve() for p in paths if p.exists()):
        run(["setfacl", "-m", f"g:{group}:---", str(path)])
        done.append(str(path))
    return done


def unhide(group: str, paths: list[str]) -> None:
    """Remove the ACL entries hide_from added."""
    for path in paths:
        if Path(path).exists() and shutil.which("setfacl"):
            subprocess.run(["setfacl", "-x", f"g:{group}", path], capture_output=True, stdin=subprocess.DEVNULL)

