"""The hub's certificate (self-signed unless the instructor gives one) and the instructor's sign-in sheet and
cut-out slips (root only; the slips carry no course title)."""

from __future__ import annotations

import hashlib
import ipaddress
import json
import ssl
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pathways.files import write_atomically

from .common import Layout
from .record import WorkshopRecord


def self_signed(state: Path, address: str, days: int = 30) -> tuple[Path, Path]:
    """A self-signed certificate for `address` (an IP address or a host name: its CN and its one subjectAltName),
    valid `days` from now, and its key (RSA 2048), readable by root only."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    try:
        alt: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(address))
    except ValueError:
        alt = x509.DNSName(address)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, address)])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=days))
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.SubjectAlternativeName([alt]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = state / "hub.crt", state / "hub.key"
    write_atomically(key_path, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                 serialization.NoEncryption()), mode=0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


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

def write_sheet(layout: Layout, record: WorkshopRecord, passphrases: dict[str, str]) -> tuple[Path, Path]:
    """The instructor's sign-in sheet (text) and cut-out slips (HTML, no course title), both root only, from the
    templates sheet.txt.j2 and slips.html.j2 (grading/delivery/workshop/templates)."""
    from ...instructor.templates import environment

    formgrader = record.formgrader  # never on the slips
    rows = [{"user": user, "name": info.name, "passphrase": passphrases.get(user, "(unchanged)")}
            for user, info in sorted(record.learners.items(), key=lambda kv: kv[1].sid)]
    values = {"url": record.url, "fingerprint": record.fingerprint, "formgrader": formgrader,
              "formgrader_port": formgrader.split(":")[2].split("/")[0] if formgrader else None}
    sheet, slips = layout.state / "sheet.txt", layout.state / "slips.html"
    write_atomically(sheet, environment().get_template("sheet.txt.j2").render(rows=rows, **values), mode=0o600)
    slip_rows = [{"user": row["user"], "passphrase": passphrases.get(row["user"], "")} for row in rows]
    write_atomically(slips, environment().get_template("slips.html.j2").render(slips=slip_rows, **values), mode=0o600)
    return sheet, slips

