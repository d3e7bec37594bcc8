"""`pathways workshop`: a class on one machine, each learner on their own JupyterLab, handing in safely.

    pathways workshop start --class-list class.csv [--address 127.0.0.1] [--port 8000]
    pathways collect                 # hand-ins from the exchange into the course (as often as you like)
    pathways grade && pathways feedback
    pathways workshop return         # each learner's feedback, to that learner only
    pathways workshop stop [--keep]  # collect and archive everything, then remove accounts, homes, exchange
    pathways workshop prepare        # build the shared hub environment beforehand (make does)

Run as root (accounts are real Unix users). What it builds, and who can read what:

* a shared hub environment (`--shared`, default /opt/pathways-workshop): a venv made from Debian's
  /usr/bin/python3.11 (a Python under root's private home cannot be run by learners) with the pinned
  versions of constraints.txt, this project installed as a copy, and configurable-http-proxy from npm;
  readable by everyone, writable by root only;
* one Unix account per learner: a name prefix, a uid from a reserved range, no login shell, no
  Unix password (locked), no sudo, a private home (0700) holding their own copy of the lessons; a
  name that already exists on the machine is refused; all learners share a group that an ACL shuts
  out of the checkout (source lessons with model answers), the lessons folder, the course folder and the
  source lessons inside the hub environment's installed package (site-packages/pathways/lessons);
* JupyterHub (LocalProcessSpawner, each server as its learner) on the chosen address, HTTPS only on
  any address but 127.0.0.1, logging learners in with a random passphrase each (only its scrypt hash
  is on disk), an idle culler and a limit on servers starting at once;
* nbgrader's exchange with one hand-in folder per learner (theirs, 0700), one feedback folder per
  learner (readable by their group only) and the release shared read-only (see learner_submit);
* the formgrader apart from the hub (grading/delivery/workshop/formgrader.py): on the machine's loopback, at
  `localhost` on a port of its own with a token on the sheet, as the grader account `<prefix>grader`, which owns
  the course folder while the workshop runs; no kernel, terminal or contents-write API, learner HTML sanitized;
* a private state folder (root only, 0700): the hub's database and settings, the passphrase hashes,
  the sign-in sheet and printable slips.

* limits per learner (`limits`): her own cgroups (memory, processes, CPU share, freezer) and a size-limited
  home holding her private temporary folders; `start` refuses where they cannot be enforced (--no-limits).

`stop` collects every hand-in into the course, archives the raw exchange into the course folder
(private to the instructor), stops the hub, the formgrader and every learner process (`cleanup`: her cgroup
frozen and killed, then every process of her uid at once), removes what her uid left in the machine's temporary
folders, SysV IPC and cron/at, then removes accounts, homes, exchange, ACLs and state, reporting every step that
failed (and exiting with an error until nothing is left), unless `--keep` (accounts, homes and exchange stay for
a follow-up; the passphrases stop working all the same).

The parts: `common` (where things are), `record` (the workshop's record, typed), `environment` (the shared hub
environment; `pathways workshop prepare`), `accounts` (accounts and the ACL), `limits`, `cleanup` (with
`pathways.grading.processes`), `formgrader` (and its server extension `instructor.formgrader_guard`), `exchange`
(building it, collect, feedback, archive),
`sheet` (certificate, sheet, slips), `hub` (start and stop), `cli` (the commands, assembled into `pathways` by
grading/cli.py). What runs inside the hub is `hub_login` (the passphrase login, the lessons hook), and on the
learner's side `learner_submit`. Each learner's server shows the learners' screen of `make start`
(pathways.grading.delivery.learner.lab).
"""

from .accounts import (
    USERNAME,
    create_account,
    hide_from,
    new_passphrase,
    plan_accounts,
    remove_account,
    unhide,
    unix_name,
)
from .common import (
    COURSE_ID,
    DEFAULT_PREFIX,
    DEFAULT_UIDS,
    LEARNER_COMMENT,
    NOLOGIN,
    SYSTEM_PYTHON,
    WORKSHOP_COMMENTS,
    Layout,
    WorkshopError,
    shared_env,
    workshop_root,
)
from .environment import ensure_environment, environment_status, installed_lessons, missing_tools
from .exchange import (
    ExchangeReport,
    archive_exchange,
    build_exchange,
    collect_exchange,
    return_feedback,
    take_handins,
    write_learner_config,
)
from .hub import StartOptions, _free_port, hub_url, needs_tls, start, start_hub, stop, stop_hub, teardown, wait_ready
from .record import WorkshopRecord, load_record
from .sheet import fingerprint, self_signed, write_sheet

__all__ = [
    "COURSE_ID", "DEFAULT_PREFIX", "DEFAULT_UIDS", "LEARNER_COMMENT", "NOLOGIN", "WORKSHOP_COMMENTS",
    "SYSTEM_PYTHON", "USERNAME", "ExchangeReport", "Layout", "StartOptions", "WorkshopError", "WorkshopRecord",
    "archive_exchange",
    "build_exchange", "collect_exchange", "create_account", "ensure_environment", "environment_status",
    "fingerprint", "hide_from", "installed_lessons", "hub_url", "load_record", "missing_tools", "needs_tls",
    "new_passphrase",
    "plan_accounts", "remove_account", "return_feedback", "self_signed", "start", "start_hub", "stop",
    "stop_hub", "take_handins", "teardown", "unhide", "unix_name", "wait_ready", "write_learner_config",
    "write_sheet", "_free_port", "shared_env", "workshop_root",
]
