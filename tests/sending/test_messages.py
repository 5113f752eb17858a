"""What the server receives, byte for byte: no injected header or recipient, DKIM that verifies."""

from __future__ import annotations

import base64
import re
import subprocess

import dkim
import pytest

from plugins.contacts import NewContact
from plugins.newsletter.message import HeaderError, quoted_printable
from plugins.newsletter.send import Composer
from plugins.newsletter.settings import SettingsError
from plugins.newsletter.signing import Signer
from plugins.newsletter.transport import crlf

from .conftest import add_contacts, newsletter_config, run_send, write_issue

HOSTILE_NAMES = [
    "Eve\r\nBcc: evil@attacker.example",
    "Eve\nBcc: evil@attacker.example\n",
    "=?utf-8?q?Eve=0ABcc:_evil@attacker.example?=",
    "=?UTF-8?B?RXZlDQpCY2M6IGV2aWxAYXR0YWNrZXIuZXhhbXBsZQ==?=",
    "Eve\u2028Bcc: evil@attacker.example",
]
HOSTILE_ADDRESSES = [
    "victim@example.org\r\nRCPT TO:<evil@attacker.example>",
    "victim@example.org>\r\nRCPT TO:<evil@attacker.example",
    "evil@attacker.example\n",
]


def test_hostile_names_and_addresses_never_make_a_header_or_a_recipient(db, issue, smtp):
    add_contacts(db, 2)
    # Stored raw, as a damaged or hand-edited database could hold them: the store's own
    # cleaning would refuse most of them on the way in.
    db.insert_contacts(
        [NewContact(f"n{i}@example.org", "client", first_name=name, last_name=name)
         for i, name in enumerate(HOSTILE_NAMES)]
        + [NewContact(address, "client") for address in HOSTILE_ADDRESSES]
    )  # fmt: skip
    server = smtp()

    report = run_send(db, issue, server.url)

    assert report.counts == {"sent": 2, "failed": len(HOSTILE_NAMES) + len(HOSTILE_ADDRESSES)}
    assert sorted(server.copies()) == ["c1@example.org", "c2@example.org"]
    for received in server.messages:
        head = received.data.split(b"\r\n\r\n")[0]
        assert b"attacker" not in received.data
        names = [line.split(b":")[0] for line in head.split(b"\r\n") if line[:1] not in b" \t"]
        assert len(names) == len(set(names)), names
        assert not re.search(rb"(?im)^bcc:", head)
    reasons = {row.reply for row in db.send_rows(1, ["failed"])}
    assert any("encoded word" in reason for reason in reasons)
    assert any("line break or control character" in reason for reason in reasons)
    assert any("is not an address Nurture can send to" in reason for reason in reasons)


def test_a_name_in_any_script_is_encoded_not_refused(db, issue, smtp):
    db.insert_contacts([NewContact("zoe@example.org", "client", first_name="Zoë", last_name="Ōta")])
    server = smtp()
    run_send(db, issue, server.url)
    [received] = server.messages
    assert received.data.isascii()
    assert b"To: =?utf-8?" in received.data


def test_no_encoded_line_starts_with_a_dot_so_nothing_is_lost_in_smtp(db, tmp_path, smtp):
    assert b"\r\n." not in quoted_printable(".a\n" + "x" * 75 + "\n." + "y" * 80)
    issue = write_issue(tmp_path / "cache")
    add_contacts(db, 1)
    server = smtp()
    run_send(db, issue, server.url)
    assert b"\r\n.button" not in server.messages[0].data
    assert b"=2Ebutton { color: #123; }" in server.messages[0].data


def test_bare_line_ends_become_crlf():
    assert crlf(b"a\nb\rc\r\nd") == b"a\r\nb\r\nc\r\nd"


@pytest.fixture(scope="module")
def dkim_key(tmp_path_factory) -> tuple[str, bytes]:
    """A fresh RSA key (the PEM file's path) and its DNS TXT record."""
    folder = tmp_path_factory.mktemp("dkim")
    key = folder / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(key), "1024"], check=True, capture_output=True)
    public = subprocess.run(
        ["openssl", "rsa", "-in", str(key), "-pubout", "-outform", "DER"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    return str(key), b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)


def test_dkim_signs_both_list_unsubscribe_headers_and_verifies(db, issue, smtp, dkim_key, tmp_path):
    key_file, record = dkim_key
    add_contacts(db, 2)
    config = newsletter_config(dkim_key_file=key_file, dkim_selector="nurture")
    server = smtp()
    report = run_send(db, issue, server.url, config=config, signer=Signer(config.dkim, tmp_path))
    assert report.counts == {"sent": 2}
    for received in server.messages:
        assert received.data.startswith(b"DKIM-Signature: v=1; a=rsa-sha256;")
        header = received.data.split(b"\r\n\r\n")[0].replace(b"\r\n ", b" ")
        signed = re.search(rb"h=([^;]+);", header).group(1).replace(b" ", b"").split(b":")
        assert {b"list-unsubscribe", b"list-unsubscribe-post", b"from", b"subject"} <= set(signed)
        assert b"d=warmleads.example" in header and b"s=nurture" in header

        def dns(name: bytes, timeout: int = 5) -> bytes:
            assert name == b"nurture._domainkey.warmleads.example."
            return record

        assert dkim.verify(received.data, dnsfunc=dns)
        tampered = received.data.replace(
            b"<https://news.example/leave", b"<https://evil.example/leave"
        )
        assert tampered != received.data
        assert not dkim.verify(tampered, dnsfunc=dns)


def test_dkim_settings_are_checked(tmp_path):
    with pytest.raises(SettingsError, match="needs both"):
        newsletter_config(dkim_selector="nurture")
    with pytest.raises(SettingsError, match="is not a DNS label"):
        newsletter_config(dkim_key_file="k.pem", dkim_selector="bad selector")
    config = newsletter_config(dkim_key_file="missing.pem", dkim_selector="nurture")
    with pytest.raises(Exception, match=r"cannot read the DKIM key .*missing\.pem"):
        Signer(config.dkim, tmp_path)
    (tmp_path / "junk.pem").write_text("not a key")
    config = newsletter_config(dkim_key_file="junk.pem", dkim_selector="nurture")
    with pytest.raises(Exception, match="cannot sign"):
        Signer(config.dkim, tmp_path)


def test_header_values_with_line_breaks_raise(issue):
    composer = Composer(issue, newsletter_config())
    with pytest.raises(HeaderError):
        composer.message(1, "a@example.org", "A", "A\r\nBcc: x@example.org", "<1@x>")
