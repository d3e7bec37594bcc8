"""The hub's certificate (self-signed unless the instructor gives one) and the instructor's sign-in sheet and
cut-out slips (root only; the slips carry no course title)."""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import ssl
from pathlib import Path

from pathways.files import write_atomically

from .common import Layout, run


def self_signed(state: Path, address: str) -> tuple[Path, Path]:
    """A self-signed certificate for `address` (valid 30 days), key readable by root only."""
    cert, key = state / "hub.crt", state / "hub.key"
    kind = "IP" if re.match(r"^[0-9.]+$|:", address) else "DNS"
    run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj", f"/CN={address}",
          "-addext", f"subjectAltName={kind}:{address}", "-keyout", str(key), "-out", str(cert)])
    os.chmod(key, 0o600)
    return cert, key


def fingerprint(cert: Path) -> str:
    """The SHA-256 fingerprint of a PEM certificate, as a browser shows it."""
    der = ssl.PEM_cert_to_DER_cert(Path(cert).read_text())
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def new_passphrases(layout: Layout, users) -> dict[str, str]:
    """A new passphrase per learner; only their scrypt hashes are written (root only)."""
    from .accounts import new_passphrase
    from .hub_login import hash_passphrase

    passphrases = {user: new_passphrase() for user in users}
    write_atomically(layout.passphrases, json.dumps({user: hash_passphrase(p) for user, p in passphrases.items()}),
                     mode=0o600)
    return passphrases


# --- the sheet ---------------------------------------------------------------------------------------------------

def write_sheet(layout: Layout, record: dict, passphrases: dict[str, str]) -> tuple[Path, Path]:
    """The instructor's sign-in sheet (text) and cut-out slips (HTML, no course title), both root only."""
    url, fp = record["url"], record.get("fingerprint")
    rows = sorted(record["learners"].items(), key=lambda kv: kv[1]["sid"])
    lines = ["WORKSHOP SIGN-IN SHEET - keep it private; each passphrase stops working when the workshop stops.",
             f"Address: {url}"]
    if fp:
        lines.append(f"Certificate fingerprint (SHA-256), check it in the browser: {fp}")
    if record.get("formgrader"):  # never on the slips
        port = record["formgrader"].split(":")[2].split("/")[0]
        lines.append(f"Instructor's formgrader (at this machine only): {record['formgrader']}")
        lines.append(f"  from another computer: ssh -L {port}:127.0.0.1:{port} root@THIS-MACHINE, then that address")
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

