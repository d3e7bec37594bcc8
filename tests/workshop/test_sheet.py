"""The workshop's printouts and certificate, without a hub (fast, no root): the sign-in sheet and slips from their
templates, and the self-signed certificate."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta

import pytest
from pathways.grading.delivery.workshop.common import Layout
from pathways.grading.delivery.workshop.record import LearnerAccount, WorkshopRecord
from pathways.grading.delivery.workshop.sheet import fingerprint, self_signed, write_sheet

HOSTILE = "<script>alert(1)</script> & 'Zoë' \"O'Neil\""


def _layout(tmp_path) -> Layout:
    layout = Layout(tmp_path / "ws")
    layout.state.mkdir(parents=True)
    return layout


def test_slips_escape_what_they_show_and_the_sheet_keeps_names_as_typed(tmp_path):
    """With markup in a learner's name, the address and a passphrase: do the slips (HTML) escape every value and
    never show the name or the formgrader, does the sheet (plain text) keep the name exactly as the class list has
    it, and are both root only?"""
    record = WorkshopRecord(course="/c", lessons=["l1"], prefix="pw-", group="pw-learners", uids=(47000, 47999),
                            address="10.0.0.5", port=8000, started="2026-12-08T00:00:00+00:00",
                            url="https://10.0.0.5:8000/<b>", fingerprint="AB:CD",
                            formgrader="http://localhost:41234/formgrader?token=t0k3n",
                            learners={"pw-s2": LearnerAccount(uid=1, gid=1, home="/h2", sid="s2", name=HOSTILE),
                                      "pw-s1": LearnerAccount(uid=2, gid=2, home="/h1", sid="s1", name="Ana")})
    sheet, slips = write_sheet(_layout(tmp_path), record, {"pw-s1": "pass <one>", "pw-s2": "pass&two"})
    html = slips.read_text(encoding="utf-8")
    assert "<script>" not in html and "Zoë" not in html and "t0k3n" not in html
    assert "https://10.0.0.5:8000/&lt;b&gt;" in html and "pass &lt;one&gt;" in html and "pass&amp;two" in html
    assert html.count("<section class=slip>") == 2 and html.count("Certificate fingerprint: AB:CD") == 2
    text = sheet.read_text(encoding="utf-8").splitlines()
    assert HOSTILE[:32] in text[-1] and text[-1].endswith("pw-s2                    pass&two")
    assert text[-2].startswith("Ana ") and "ssh -L 41234:127.0.0.1:41234" in "\n".join(text)
    assert sheet.stat().st_mode & 0o777 == 0o600 and slips.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("address", ["127.0.0.2", "::1", "hub.example.org"])
def test_the_self_signed_certificate_names_the_address_for_30_days_and_its_key_is_private(tmp_path, address):
    """Is the certificate for the address (its CN and its subjectAltName: an IP address as an IP address), valid
    for 30 days from now, with the fingerprint a browser shows, and is its key readable by root only?"""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    cert_path, key_path = self_signed(_layout(tmp_path).state, address)
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == address
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    try:
        assert san.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address(address)]
    except ValueError:
        assert san.get_values_for_type(x509.DNSName) == [address]
    now = datetime.now(UTC)
    assert cert.not_valid_before_utc <= now and \
        abs(cert.not_valid_after_utc - (now + timedelta(days=30))) < timedelta(minutes=10)
    assert fingerprint(cert_path) == cert.fingerprint(hashes.SHA256()).hex(":").upper()
    assert key_path.stat().st_mode & 0o777 == 0o600 and b"PRIVATE KEY" in key_path.read_bytes()
