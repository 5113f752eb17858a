"""The transport: NURTURE_SMTP_URL checked, TLS verified, passwords kept off plain text."""

from __future__ import annotations

import mailbox

import pytest

from plugins.newsletter.transport import (
    Outbox,
    SmtpConfig,
    SmtpTransport,
    TransportError,
    from_environment,
    parse_smtp_url,
)

MESSAGE = b"From: a@example.org\r\nTo: b@example.org\r\nSubject: hi\r\n\r\nHello.\r\n"


def test_smtp_urls_are_parsed_with_secure_defaults(tmp_path):
    secret = tmp_path / "password"
    secret.write_text("s3cret\n")
    remote = parse_smtp_url(
        "smtp://olivia%40warmleads.example@mail.example.com",
        {"NURTURE_SMTP_PASSWORD_FILE": str(secret)},
    )
    assert (remote.host, remote.port, remote.tls) == ("mail.example.com", 587, "starttls")
    assert (remote.user, remote.password) == ("olivia@warmleads.example", "s3cret")
    assert "s3cret" not in repr(remote) and "s3cret" not in remote.description
    assert parse_smtp_url("smtps://mail.example.com", {}).port == 465
    assert parse_smtp_url("smtps://mail.example.com", {}).tls == "implicit"
    assert parse_smtp_url("smtp://127.0.0.1:2525", {}).tls == "optional"
    assert parse_smtp_url("smtp://relay.lan:25?tls=none", {}).tls == "none"
    local = parse_smtp_url(
        "smtp://u@[::1]:25?cafile=/ca.pem&timeout=5", {"NURTURE_SMTP_PASSWORD": "p"}
    )
    assert (local.host, local.tls, local.cafile, local.timeout) == (
        "::1",
        "optional",
        "/ca.pem",
        5.0,
    )


@pytest.mark.parametrize(
    ("url", "environ", "message"),
    [
        ("http://mail.example.com", {}, "must look like smtp://"),
        ("smtp://u:pw@mail.example.com", {}, "must not contain the password"),
        ("smtp://u@mail.example.com", {}, "set NURTURE_SMTP_PASSWORD"),
        ("smtp://u@relay.lan?tls=none", {"NURTURE_SMTP_PASSWORD": "p"}, "never sends a password"),
        ("smtps://mail.example.com?tls=none", {}, "the only tls option is tls=none, for smtp://"),
        ("smtp://mail.example.com?verify=no", {}, "unknown option(s) verify"),
        ("smtp://mail.example.com:port", {}, "malformed port or timeout"),
    ],
)
def test_bad_smtp_urls_say_what_to_change(url, environ, message):
    with pytest.raises(TransportError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_smtp_url(url, environ)


def test_loopback_server_without_tls_gets_the_message(smtp_server):
    with from_environment({"NURTURE_SMTP_URL": f"smtp://127.0.0.1:{smtp_server.port}"}) as out:
        out.send("a@example.org", "b@example.org", MESSAGE)
    [received] = smtp_server.messages
    assert received.rcpt_tos == ["b@example.org"]
    assert received.data.replace(b"\r\n", b"\n") == MESSAGE.replace(b"\r\n", b"\n")


def test_password_is_never_sent_without_tls(smtp_server):
    environ = {
        "NURTURE_SMTP_URL": f"smtp://olivia@127.0.0.1:{smtp_server.port}",
        "NURTURE_SMTP_PASSWORD": "s3cret",
    }
    with from_environment(environ) as out, pytest.raises(TransportError) as error:
        out.send("a@example.org", "b@example.org", MESSAGE)
    assert "offers no TLS, so the password is not sent" in str(error.value)
    assert "s3cret" not in str(error.value)
    assert smtp_server.messages == []


def test_starttls_is_required_of_a_server_that_does_not_offer_it(smtp_server):
    config = SmtpConfig(scheme="smtp", host="127.0.0.1", port=smtp_server.port, tls="starttls")
    with (
        SmtpTransport(config) as out,
        pytest.raises(TransportError, match="does not offer STARTTLS"),
    ):
        out.send("a@example.org", "b@example.org", MESSAGE)
    assert smtp_server.messages == []


def test_a_self_signed_certificate_is_refused_unless_its_ca_is_given(starttls_server, certificate):
    url = f"smtp://127.0.0.1:{starttls_server.port}"
    with from_environment({"NURTURE_SMTP_URL": url}) as out, pytest.raises(TransportError) as error:
        out.send("a@example.org", "b@example.org", MESSAGE)
    assert "CERTIFICATE_VERIFY_FAILED" in str(error.value)
    assert starttls_server.messages == []

    trusted = {"NURTURE_SMTP_URL": f"{url}?cafile={certificate[0]}"}
    with from_environment(trusted) as out:
        out.send("a@example.org", "b@example.org", MESSAGE)
    assert [m.rcpt_tos for m in starttls_server.messages] == [["b@example.org"]]


def test_without_a_url_messages_go_to_a_private_maildir(tmp_path):
    outbox = tmp_path / "data" / "outbox"
    with from_environment({}, outbox) as out:
        assert isinstance(out, Outbox)
        out.send("a@example.org", "b@example.org", MESSAGE)
        out.send("a@example.org", "c@example.org", MESSAGE)
    assert outbox.stat().st_mode & 0o777 == 0o700
    messages = list(mailbox.Maildir(outbox, create=False))
    assert [m["Subject"] for m in messages] == ["hi", "hi"]
    assert b"\r\n" not in (next((outbox / "new").iterdir())).read_bytes()
