"""Starting and stopping a workshop: accounts, exchange and lessons ready, then JupyterHub launched on the chosen
address (HTTPS only on any address but 127.0.0.1) with a passphrase each; stopping collects and archives every
hand-in, then removes everything (or, with --keep, only the passphrases and the hub)."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pathways import config
from pathways.files import LESSON_NOTEBOOK, write_atomically

from ... import processes
from . import limits
from .accounts import (
    USERNAME,
    _account,
    _free_uid,
    _group,
    _uids_in_use,
    create_account,
    hide_from,
    plan_accounts,
    remove_account,
    unhide,
)
from .cleanup import kill_all, remove_traces
from .common import (
    DEFAULT_PREFIX,
    DEFAULT_UIDS,
    HUB_FILES,
    PASSPHRASES,
    REPO,
    Layout,
    WorkshopError,
    default_signals,
    mkdir,
    run,
    shared_env,
    workshop_root,
)
from .environment import ensure_environment
from .exchange import archive_exchange, build_exchange, collect_exchange, write_learner_config
from .formgrader import GRADER, instructor_settings, remove_grader, setup_grader, start_formgrader
from .limits import Limits
from .record import LearnerAccount, WorkshopRecord, load_record, save_record
from .sheet import fingerprint, new_passphrases, self_signed, write_sheet


def _quiet(line: str) -> None:
    """The default `log`: library functions never print (the command passes print)."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def needs_tls(address: str) -> bool:
    """Every address but 127.0.0.1 is served over HTTPS only."""
    return address != "127.0.0.1"


def hub_url(address: str, port: int, tls: bool) -> str:
    """The address learners open."""
    host = f"[{address}]" if ":" in address else address
    return f"{'https' if tls else 'http'}://{host}:{port}/"


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
    root: Path | None = None  # default: the configured workshop_root
    shared: Path | None = None  # default: the configured workshop_shared
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
    limits: Limits | None = Limits()  # None: --no-limits


def _check_start(opts: StartOptions) -> tuple[Layout, WorkshopRecord | None]:
    """Refuse what cannot start: not root, a workshop already running there, half a certificate, a bad prefix."""
    if os.geteuid() != 0:
        raise WorkshopError("run as root (sudo): the workshop creates Unix accounts")
    layout = Layout(workshop_root(opts.root).resolve())
    old = load_record(layout.root)
    if old and processes.alive(old.hub_pid):
        raise WorkshopError(f"a workshop is already running under {layout.root} ({old.url}); stop it first")
    if needs_tls(opts.address) and bool(opts.cert) != bool(opts.key):
        raise WorkshopError("give both --cert and --key, or neither (a self-signed certificate is made)")
    if not USERNAME.match(opts.prefix + "x") or not opts.prefix.endswith("-"):
        raise WorkshopError("--prefix must be lower-case letters and digits ending with '-' (e.g. 'pw-')")
    cannot = limits.missing() if opts.limits else []
    if opts.limits and any(layout.root.is_relative_to(p) for p in limits.PRIVATE):
        cannot.append(f"the workshop's folder {layout.root} is in a temporary folder each learner gets her own of")
    if cannot:
        raise WorkshopError("per-learner limits cannot be enforced on this machine (" + "; ".join(cannot) + "): "
                            "fix that, or start with --no-limits (then one learner can take the whole machine)")
    return layout, old


def _prepare_course(opts: StartOptions):
    """The course with the class list and released lessons: (course, ledger, learner ids, lessons)."""
    from ...instructor import workflow
    from ...instructor.ledger import Ledger

    course = workflow.course_root(opts.course)
    rep = workflow.init_course(course, roster=opts.class_list, release=opts.release)
    if rep.problems:
        raise WorkshopError("the course could not be prepared: " + "; ".join(rep.problems))
    ledger = Ledger.load(course)
    sids, _ = ledger.add_roster(workflow.read_roster(Path(opts.class_list)))  # the ids init_course gave them
    lessons = workflow.released_lessons(course)
    if not sids:
        raise WorkshopError(f"{opts.class_list} names no learner")
    if not lessons:
        raise WorkshopError("no lesson is released in the course")
    return course, ledger, sids, lessons


def _new_record(layout: Layout, old: WorkshopRecord | None, opts: StartOptions, course: Path, lessons: list[str],
                group: str) -> WorkshopRecord:
    mkdir(layout.root, 0o755)
    mkdir(layout.state, 0o700)
    mkdir(layout.homes, 0o711)
    new = {"course": str(course), "lessons": lessons, "prefix": opts.prefix, "group": group, "uids": opts.uids,
           "address": opts.address, "port": opts.port, "started": datetime.now(UTC).isoformat(timespec="seconds"),
           "limits": limits.settings(opts.prefix, opts.limits)}
    record = WorkshopRecord.model_validate({**(old.model_dump() if old else {}), **new})  # kept: learners, grader
    save_record(layout, record)
    return record


def _make_learners(layout: Layout, record: WorkshopRecord, opts: StartOptions, names: dict[str, str], ledger,
                   env: dict) -> None:
    """The learners' group, its ACL away from the sources (the checkout, the course, the lessons folder, and the
    source lessons the hub environment's package holds), and an account per learner (kept ones reused)."""
    from ...instructor import workflow

    group, course = record.group, Path(record.course)
    if _group(group) is None:
        run(["groupadd", "--gid", str(opts.uids[0]), group])
    record.group_created = True
    record.hidden = sorted(set(record.hidden) | set(hide_from(
        group, [REPO, course, workflow.lessons_dir(), config.shipped_lessons(), Path(env["lessons"])])))
    save_record(layout, record)
    taken = _uids_in_use()
    for sid, user in names.items():
        if user in record.learners and _account(user) is not None:
            account = record.learners[user].model_dump()  # kept from an earlier workshop (stop --keep)
        else:
            account = create_account(user, _free_uid(opts.uids, taken), group, layout.homes / user)
        record.learners[user] = LearnerAccount(**{**account, "sid": sid, "name": ledger.name(sid)})
        save_record(layout, record)
    limits.set_up_learners(layout.root, record)


def start(opts: StartOptions, log=_quiet) -> WorkshopRecord:
    """Start a workshop (see the package's doc); return its record. Anything half made is removed on failure,
    except accounts kept from an earlier workshop (`stop --keep`), which stay as they were."""
    from .hub_login import copy_lessons

    layout, old = _check_start(opts)
    env = ensure_environment(shared_env(opts.shared), log=log)
    course, ledger, sids, lessons = _prepare_course(opts)
    names = plan_accounts(sids, opts.prefix, opts.uids, old.learners if old else {})
    if opts.prefix + GRADER in names.values():
        raise WorkshopError(f"a learner's id is '{GRADER}', the workshop's grader account: rename them")
    group = f"{opts.prefix}learners"
    if _group(group) is not None and not old:
        raise WorkshopError(f"group {group} already exists on this machine: choose another --prefix")
    record = _new_record(layout, old, opts, course, lessons, group)
    try:
        _make_learners(layout, record, opts, names, ledger, env)
        setup_grader(layout, record, opts.uids)
        build_exchange(layout, course, lessons, record.learners)
        for user, info in record.learners.items():
            copy_lessons(layout.course_exchange / "outbound", info.home, user)
        write_learner_config(layout)
        start_hub(layout, record, env, opts, log)
    except BaseException:
        with contextlib.suppress(Exception):
            teardown(layout, record, keep=bool(old and old.learners), log=log)
        raise
    return record


#: The instructor's settings every learner's server gets (as PATHWAYS_* variables): only what a lesson shows. Never
#: the course folder or the gradebook's URL (it may carry a database password).
LEARNER_OPTIONS = ("lang",)


def _learner_settings() -> dict[str, str]:
    settings = config.current()
    wanted = {settings.variable(name) for name in LEARNER_OPTIONS}
    return {var: value for var, value in settings.environment().items() if var in wanted}


def _hub_settings(layout: Layout, record: WorkshopRecord, env: dict, opts: StartOptions, cert, key) -> dict:
    """What jupyterhub_config.py reads (settings.json)."""
    first = record.lessons[0]
    return {
        "address": opts.address, "port": opts.port, "hub_port": _free_port(), "proxy_api_port": _free_port(),
        "ssl_cert": str(cert) if cert else None, "ssl_key": str(key) if key else None,
        "proxy": env["proxy"], "python": env["python"], "singleuser": env["singleuser"],
        "users": sorted(record.learners), "default_url": f"/lab/tree/{first}/{LESSON_NOTEBOOK}",
        "path": f"{env['bin']}:/usr/local/bin:/usr/bin:/bin", "learner_config": str(layout.learner_config),
        "outbound": str(layout.course_exchange / "outbound"),
        "learner_env": _learner_settings(),
        "start_timeout": opts.start_timeout, "spawn_limit": opts.spawn_limit,
        "server_limit": len(record.learners) + 2, "idle_timeout": opts.idle_timeout,
        "cull_every": opts.cull_every, "limits": record.limits.model_dump() if record.limits else {},
    }


def start_hub(layout: Layout, record: WorkshopRecord, env: dict, opts: StartOptions, log=_quiet) -> None:
    """Write the hub's settings and passphrases, start JupyterHub, and wait until it answers."""
    tls = needs_tls(opts.address)
    cert = key = None
    if tls:
        cert, key = (Path(opts.cert), Path(opts.key)) if opts.cert else self_signed(layout.state, opts.address)
    record.fingerprint = fingerprint(cert) if cert else None
    record.url = hub_url(opts.address, opts.port, tls)
    passphrases = new_passphrases(layout, record.learners)
    write_atomically(layout.hub_settings, json.dumps(_hub_settings(layout, record, env, opts, cert, key), indent=1))
    shutil.copyfile(HUB_FILES / "jupyterhub_config.py", layout.state / "jupyterhub_config.py")
    hub_env = {"PATH": f"{env['bin']}:{env['proxy_bin']}:/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8",
               "HOME": str(layout.state), "CONFIGPROXY_AUTH_TOKEN": secrets.token_hex(32)}
    log_path = layout.state / "jupyterhub.log"
    with open(log_path, "ab") as out:
        proc = subprocess.Popen([env["jupyterhub"], "-f", str(layout.state / "jupyterhub_config.py")],
                                cwd=layout.state, env=hub_env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True, preexec_fn=default_signals)
    record.hub_pid = proc.pid
    save_record(layout, record)
    probe = hub_url("127.0.0.1", opts.port, tls) if opts.address in ("0.0.0.0", "::") else record.url
    wait_ready(probe, proc, opts.ready_timeout, log_path)
    record.formgrader = start_formgrader(layout, record, env, _free_port(), instructor_settings(record.course))
    save_record(layout, record)
    sheet, slips = write_sheet(layout, record, passphrases)
    record.sheet, record.slips = str(sheet), str(slips)
    save_record(layout, record)
    log(f"Workshop running at {record.url} for {len(record.learners)} learner(s).")
    log(f"Limits per learner: {opts.limits.describe()}." if opts.limits else "NO limits per learner (--no-limits): "
        "one learner can take the machine's memory, processes, disk and processor from everyone.")
    if tls:
        log(f"Certificate fingerprint (SHA-256), also on the sheet: {record.fingerprint}")
    log(f"Formgrader (for you only; open it at this machine or through an SSH tunnel, see the sheet): "
        f"{record.formgrader.split('?')[0]}")
    log(f"Sign-in sheet (root only): {sheet}; printable slips: {slips}")


def stop_hub(layout: Layout, record: WorkshopRecord, timeout: float = 30) -> None:
    """Stop JupyterHub (it stops every learner's server and its proxy), then any process left of a learner."""
    pid = record.hub_pid
    # what the hub started (the proxy, the formgrader service in a session of its own; all with HOME in the state
    # folder): the hub stops them on its way out, but one it had no time to stop (the hub killed) would outlive it
    started = processes.descendants(pid) if processes.alive(pid) else []
    if processes.alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while processes.alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if processes.alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
    started += processes.with_home_in(layout.state)
    if processes.signal_each(started, signal.SIGTERM):
        deadline = time.monotonic() + 5
        while processes.signal_each(started, 0) and time.monotonic() < deadline:
            time.sleep(0.1)
        processes.signal_each(started, signal.SIGKILL)
    record.hub_pid = None


def teardown(layout: Layout, record: WorkshopRecord, keep: bool, log=_quiet) -> list[str]:
    """Stop everything (the hub, the formgrader, every process of a learner's uid); give the course folder back and
    remove the grader account; unless `keep`, remove accounts, homes, exchange, ACLs and state. Safe to repeat.
    Returns what could not be done, each said (the record and state stay then, for another `stop`)."""
    stop_hub(layout, record)
    owners = {user: info.uid for user, info in record.learners.items()}
    if record.grader:
        owners[record.grader.user] = record.grader.uid
    problems = remove_grader(layout, record, traces=False)
    problems += limits.release_learners(layout.root, record, keep)
    uids = {info.uid for info in record.learners.values()}
    left = kill_all(uids)
    problems += [f"{len(left)} learner process(es) could not be killed: {left[:5]}"] if left else []
    for name in (PASSPHRASES, "cookie_secret", "jupyterhub.sqlite"):
        with contextlib.suppress(FileNotFoundError):
            (layout.state / name).unlink()
    if keep:
        save_record(layout, record)
        return problems
    problems += remove_traces(owners)  # one look through the temporary folders for every account
    for user, info in list(record.learners.items()):
        mine = remove_account(user, info.home, traces=False)
        problems += mine
        if not mine:
            record.learners.pop(user)
    group = record.group
    if group and not record.learners:
        unhide(group, record.hidden)
        if record.group_created and _group(group) is not None:
            proc = subprocess.run(["groupdel", group], capture_output=True, text=True, stdin=subprocess.DEVNULL)
            if _group(group) is not None:
                problems.append(f"group {group} was NOT removed: groupdel: {proc.stderr.strip()}")
    if problems:
        save_record(layout, record)
        return problems
    for path in (layout.exchange, layout.homes, layout.learner_config, layout.state, layout.root / "disks"):
        shutil.rmtree(path, ignore_errors=True)
    with contextlib.suppress(OSError):
        layout.root.rmdir()
    return []


def stop(root: Path | None = None, keep: bool = False, log=_quiet) -> dict:
    """Collect and archive every hand-in into the course, then stop and remove the workshop (see `teardown`)."""
    layout = Layout(workshop_root(root).resolve())
    record = load_record(layout.root)
    if record is None:
        raise WorkshopError(f"no workshop under {layout.root}")
    result = {"collect": None, "archive": None}
    try:
        result["collect"] = collect_exchange(layout.root)
        for line in result["collect"].lines():
            log(line)
        result["archive"] = archive_exchange(layout, Path(record.course))
        if result["archive"]:
            log(f"Every raw hand-in archived in {result['archive']} (root only)")
    finally:
        problems = teardown(layout, record, keep=keep, log=log)
        for line in problems:
            log(f"NOT DONE: {line}")
    if problems:
        raise WorkshopError(f"the workshop is stopped but {len(problems)} thing(s) above are left on the machine; "
                            "run `pathways workshop stop` again (it exits with an error until nothing is left)")
    log("Workshop stopped" + (": accounts, homes and exchange kept (passphrases no longer work)." if keep else
                              ": accounts, homes, exchange and passphrases removed, and nothing of the learners' "
                              "accounts is left."))
    return result
