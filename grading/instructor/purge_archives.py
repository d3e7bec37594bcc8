"""A workshop's raw exchange archives without some learners: whose each member is, and the archive rewritten.

An archive (`pathways workshop stop`, grading/delivery/workshop/exchange.py `archive_exchange`) holds
`inbound/<account>/<account>+<lesson>+<time>+<random>/<file>` and `course.ARCHIVE_LEARNERS`, {account: learner
id}. An archive without that member is read by the account names themselves: the workshop names an account
`<prefix><id>` made a Unix name (grading/delivery/workshop/accounts.py, `unix_name`), so an account is a learner's when
some prefix gives their id that name; an account that could be two known learners' is never guessed at.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import tarfile
from pathlib import Path, PurePosixPath

from pathways.files import atomic_file

from ..course import ARCHIVE_LEARNERS

_PREFIX = re.compile(r"^[a-z][a-z0-9-]*-$")  # what `pathways workshop start --prefix` accepts


def account_of(member: str) -> str | None:
    """The learner account a member belongs to (`inbound/<account>/...`), or None."""
    parts = PurePosixPath(member).parts
    return parts[1] if len(parts) >= 2 and parts[0] == "inbound" else None


def _manifest(tar: tarfile.TarFile) -> dict[str, str] | None:
    try:
        member = tar.getmember(ARCHIVE_LEARNERS)
    except KeyError:
        return None
    fh = tar.extractfile(member)
    return json.loads(fh.read().decode("utf-8")) if fh else None


def _owners_by_name(account: str, known: set[str]) -> set[str]:
    """The known learners whose account this name could be, under any prefix the workshop accepts."""
    from ..delivery.workshop.accounts import unix_name
    from ..delivery.workshop.common import WorkshopError

    prefixes = [account[:i + 1] for i, c in enumerate(account) if c == "-" and _PREFIX.match(account[:i + 1])]
    owners = set()
    for lid in known:
        for prefix in prefixes:
            with contextlib.suppress(WorkshopError):
                if unix_name(prefix, lid) == account:
                    owners.add(lid)
    return owners


def owners(tar: tarfile.TarFile, name: str, wanted: set[str], known: set[str]) -> dict[str, str]:
    """{account: learner id} for the archive's accounts; ValueError when an account could be one of `wanted` or
    another learner (an archive without ARCHIVE_LEARNERS), so nothing is removed on a guess."""
    manifest = _manifest(tar)
    if manifest is not None:
        return manifest
    out = {}
    for account in sorted({a for m in tar.getnames() if (a := account_of(m))}):
        found = _owners_by_name(account, known | wanted)
        if len(found) == 1:
            out[account] = found.pop()
        elif found & wanted:
            raise ValueError(f"{name}: the account {account} could be any of {', '.join(sorted(found))}; "
                             "nothing was removed")
    return out


def count_members(archive: Path, wanted: set[str], known: set[str]) -> int:
    """How many members of an archive are these learners'."""
    with tarfile.open(archive, "r:gz") as tar:
        whose = owners(tar, archive.name, wanted, known)
        return sum(1 for m in tar.getnames() if whose.get(account_of(m) or "") in wanted)


def rewrite_without(archive: Path, wanted: set[str], known: set[str]) -> int:
    """Rewrite an archive without these learners' members (and their line of ARCHIVE_LEARNERS): written whole
    beside it (0600), then renamed over it, so a crash leaves the old archive or the new one. Returns how many
    members were left out."""
    with tarfile.open(archive, "r:gz") as src:
        whose = owners(src, archive.name, wanted, known)
        drop = {account for account, lid in whose.items() if lid in wanted}
        left_out = 0
        with atomic_file(archive, mode=0o600, binary=True) as fh, tarfile.open(fileobj=fh, mode="w:gz") as dst:
            for member in src.getmembers():
                if account_of(member.name) in drop:
                    left_out += 1
                elif member.name == ARCHIVE_LEARNERS:
                    kept = {a: lid for a, lid in whose.items() if a not in drop}
                    data = json.dumps(kept, indent=1, sort_keys=True).encode("utf-8")
                    member.size = len(data)
                    dst.addfile(member, io.BytesIO(data))
                else:
                    dst.addfile(member, src.extractfile(member) if member.isfile() else None)
    return left_out
