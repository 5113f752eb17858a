"""The send engine against real SMTP servers on 127.0.0.1: who gets what, once."""

from __future__ import annotations

import email
import ssl
import time
from email import policy

import pytest

from plugins.contacts import ConsentStatus, NewContact
from plugins.contacts.store import SEND_STATES
from plugins.newsletter.runlog import RunLog
from plugins.newsletter.send import (
    Composer,
    SendError,
    SendOptions,
    boot_id,
    check_sendable,
    dry_run,
    send_issue,
)
from plugins.newsletter.transport import from_environment

from .conftest import (
    ENVELOPE,
    Rules,
    add_contacts,
    free_port,
    newsletter_config,
    run_send,
    write_issue,
)


def states(store, issue_number: int = 1) -> dict[str, str]:
    return {row.email: row.state for row in store.send_rows(issue_number, SEND_STATES)}


def test_every_subscribed_contact_in_the_segment_gets_one_message(db, tmp_path, smtp):
    issue = write_issue(tmp_path / "cache", segment=("clients", "partners"))
    clients = add_contacts(db, 8, tags=("clients",))
    partners = add_contacts(db, 4, start=20, tags=("partners", "vip"))
    add_contacts(db, 3, start=40, tags=("friends",))  # not in the segment
    add_contacts(db, 2, start=50, tags=("clients",), status=ConsentStatus.PENDING)
    add_contacts(db, 2, start=60, tags=("clients",), status=ConsentStatus.UNSUBSCRIBED)
    db.forget("c3@example.org")
    server = smtp(Rules(pipelining=False))

    report = run_send(db, issue, server.url, workers=3)

    expected = sorted(set(clients + partners) - {"c3@example.org"})
    assert report.counts == {"sent": len(expected)}
    assert sorted(server.copies()) == expected
    assert set(server.copies().values()) == {1}
    assert {m.mail_from for m in server.messages} == {ENVELOPE}
    assert all(len(m.rcpt_tos) == 1 for m in server.messages)
    assert states(db) == dict.fromkeys(expected, "sent")
    contact = db.get_contact("c21@example.org")
    [touch] = db.touches_of(contact)
    assert (touch.kind, touch.reference) == ("newsletter", f"issue 1: {issue.subject}")

    again = run_send(db, issue, server.url)
    assert (again.planned, sum(again.counts.values())) == (0, 0)
    assert len(server.messages) == len(expected)


def test_each_message_has_the_headers_of_a_good_newsletter(db, issue, smtp):
    add_contacts(db, 1)
    server = smtp()
    run_send(db, issue, server.url, workers=1)
    [received] = server.messages
    message = email.message_from_bytes(received.data, policy=policy.default)
    contact = db.get_contact("c1@example.org")
    assert message["From"] == "Olivia Hart <olivia@warmleads.example>"
    assert message["To"] == "Reader1 <c1@example.org>"
    assert message["Reply-To"] == "Olivia Hart <olivia@warmleads.example>"
    assert message["Subject"] == issue.subject
    assert message["Date"].datetime.tzinfo is not None
    assert message["Message-ID"] == f"<newsletter.1.{contact.id}@warmleads.example>"
    assert message["List-Unsubscribe"] == (
        "<https://news.example/leave?e=c1@example.org>, "
        "<mailto:olivia@warmleads.example?subject=Unsubscribe>"
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Id"] == "Warm Leads <newsletter.warmleads.example>"
    assert message.get_content_type() == "multipart/alternative"
    text, html = message.iter_parts()
    assert (text.get_content_type(), html.get_content_type()) == ("text/plain", "text/html")
    assert text.get_content().startswith("Hi Reader1,")
    assert "https://news.example/leave?e=c1@example.org" in html.get_content()
    assert ".button { color: #123; }" in html.get_content()
    assert received.rcpt_tos == ["c1@example.org"]


def test_a_mailto_unsubscribe_link_gets_no_one_click_header(db, tmp_path, smtp):
    issue = write_issue(tmp_path / "cache", unsubscribe="mailto:olivia@warmleads.example")
    add_contacts(db, 1)
    server = smtp()
    run_send(db, issue, server.url, workers=1)
    message = email.message_from_bytes(server.messages[0].data, policy=policy.default)
    assert message["List-Unsubscribe"] == "<mailto:olivia@warmleads.example>"
    assert message["List-Unsubscribe-Post"] is None


def test_faults_are_retried_bounced_or_failed_per_contact(db, issue, smtp):
    emails = add_contacts(db, 12)
    rules = Rules(
        rcpt={
            "c1@example.org": ["550 5.1.1 No such user"],
            "c2@example.org": ["451 4.3.0 Try later", "451 4.3.0 Try later", "250 OK"],
            "c3@example.org": ["452 4.2.2 Mailbox full"],
            "c4@example.org": ["drop", "250 OK"],
            "c5@example.org": ["421 4.7.0 Closing", "250 OK"],
        },
        end={
            "c6@example.org": ["554 5.7.1 Rejected as spam"],
            "c7@example.org": ["drop"],
            "c8@example.org": ["552 5.2.2 Over quota"],
        },
    )
    server = smtp(rules)

    report = run_send(db, issue, server.url, workers=2)

    assert states(db) == {
        "c1@example.org": "bounced",
        "c2@example.org": "sent",
        "c3@example.org": "deferred",
        "c4@example.org": "sent",
        "c5@example.org": "sent",
        "c6@example.org": "failed",
        "c7@example.org": "unknown",
        "c8@example.org": "bounced",
        **dict.fromkeys(emails[8:], "sent"),
    }
    copies = server.copies()
    assert (
        copies
        == {
            "c7@example.org": 1,  # the server kept it, but we never heard its reply
            **dict.fromkeys(("c2@example.org", "c4@example.org", "c5@example.org"), 1),
            **dict.fromkeys(emails[8:], 1),
        }
    )
    assert report.counts["retrying"] == 6  # c2 and c3 twice each, c4 and c5 once
    assert db.get_contact("c1@example.org").status == ConsentStatus.BOUNCED
    assert db.get_contact("c8@example.org").status == ConsentStatus.BOUNCED
    assert db.get_contact("c6@example.org").status == ConsentStatus.SUBSCRIBED
    assert db.get_contact("c3@example.org").status == ConsentStatus.SUBSCRIBED
    [deferred] = db.send_rows(1, ["deferred"])
    assert (deferred.attempts, deferred.reply) == (3, "452 4.2.2 Mailbox full")

    # The next run retries only the deferred one, and never the unknown one.
    rules.rcpt["c3@example.org"] = ["250 OK"]
    server.handler.attempts.clear()
    run_send(db, issue, server.url)
    assert server.copies()["c3@example.org"] == 1
    assert server.copies()["c7@example.org"] == 1
    assert states(db)["c3@example.org"] == "sent"

    # On request, the unknown one goes again, with the same Message-ID.
    rules.end.clear()
    run_send(db, issue, server.url, resend_unknown=True)
    first, second = [m.data for m in server.messages if m.rcpt_tos == ["c7@example.org"]]
    message_id = email.message_from_bytes(first)["Message-ID"]
    assert email.message_from_bytes(second)["Message-ID"] == message_id
    assert states(db)["c7@example.org"] == "sent"


def test_a_server_that_is_down_stops_the_send_before_anything_is_marked(db, issue):
    add_contacts(db, 3)
    with pytest.raises(SendError, match=r"cannot connect to smtp://127\.0\.0\.1:\d+: .*"
                                        r"nothing was sent or marked"):  # fmt: skip
        run_send(db, issue, f"smtp://127.0.0.1:{free_port()}")
    assert db.send_counts(1) == {}


def test_the_envelope_sender_refused_stops_the_run(db, issue, smtp):
    add_contacts(db, 5)
    server = smtp(Rules(mail="553 5.7.1 Sender not allowed"))
    report = run_send(db, issue, server.url, workers=1)
    assert "553 5.7.1 Sender not allowed; check NEWSLETTER['envelope_sender']" in report.problem
    assert db.send_counts(1) == {"deferred": 1, "pending": 4}
    assert server.messages == []


def test_unsubscribes_and_bounces_during_a_send_are_honoured(db, issue, smtp, tmp_path):
    add_contacts(db, 20)
    other = type(db).open(db.path, sending=True)  # another command, used by the server thread

    def meanwhile(received):
        if received.rcpt_tos == ["c3@example.org"]:
            other.set_status("c10@example.org", ConsentStatus.UNSUBSCRIBED, "clicked")
            other.set_status("c11@example.org", ConsentStatus.BOUNCED, "bounce report")
            other.forget("c12@example.org")

    server = smtp(Rules(on_message=meanwhile))
    report = run_send(db, issue, server.url, workers=1)
    other.close()
    assert sorted(server.copies(), key=lambda a: int(a[1:].split("@")[0])) == [
        f"c{n}@example.org" for n in range(1, 21) if n not in (10, 11, 12)
    ]
    assert report.counts == {"sent": 17, "skipped": 3}
    assert "c10@example.org" not in states(db)  # nothing was sent, so no row is kept


def test_limit_sends_that_many_and_the_rest_stays_pending(db, issue, smtp):
    add_contacts(db, 10)
    server = smtp()
    report = run_send(db, issue, server.url, limit=4)
    assert report.counts == {"sent": 4}
    assert sorted(server.copies()) == [f"c{n}@example.org" for n in (1, 2, 3, 4)]
    assert db.send_counts(1) == {"sent": 4, "pending": 6}
    run_send(db, issue, server.url)
    assert db.send_counts(1) == {"sent": 10}
    assert set(server.copies().values()) == {1}


def test_rate_limits_messages_per_second(db, issue, smtp):
    add_contacts(db, 8)
    server = smtp()
    started = time.monotonic()
    run_send(db, issue, server.url, workers=2, rate=20)
    assert time.monotonic() - started >= 7 / 20
    assert len(server.messages) == 8


def test_workers_send_in_parallel_to_a_slow_server(db, issue, smtp):
    add_contacts(db, 12)
    server = smtp(Rules(delay=0.15))
    started = time.monotonic()
    run_send(db, issue, server.url, workers=4)
    assert time.monotonic() - started < 12 * 0.15 * 0.75  # one worker would take 1.8 s
    assert len(server.messages) == 12


def test_dry_run_renders_everything_and_touches_nothing(db, issue, smtp):
    add_contacts(db, 5)
    db.insert_contacts([NewContact("bad@example.org", "client", first_name="=?utf-8?q?x?=")])
    composer = Composer(issue, newsletter_config())
    report = dry_run(db, composer, SendOptions())
    assert report.counts == {"sent": 5, "failed": 1}
    assert db.send_counts(1) == {}


def test_a_draft_or_a_development_build_is_not_sent(tmp_path):
    with pytest.raises(SendError, match="is a draft: set `Status: ready`"):
        check_sendable(write_issue(tmp_path / "a", status="draft"))
    for siteurl in ("http://127.0.0.1:8000", "http://localhost:8000", "/", ""):
        with pytest.raises(SendError, match="would not lead to your published site; build the"):
            check_sendable(write_issue(tmp_path / "b", siteurl=siteurl))


def test_rows_an_interrupted_run_left_become_unknown_and_are_not_resent(db, issue, smtp):
    add_contacts(db, 6)
    groups = [[], []]
    db.plan_sends(1, groups, "<newsletter.1.%d@warmleads.example>")
    first, *_ = db.reserve_sends(1, groups, ["pending"], 3, boot_id())
    db.start_send(first, ["pending"])  # then the process was killed
    # A run before the machine lost power had reserved the next two.
    db.reserve_sends(1, groups, ["pending"], 2, "an-earlier-boot")
    server = smtp()

    report = run_send(db, issue, server.url)

    assert report.recovered == 3
    assert db.send_counts(1) == {"unknown": 3, "sent": 3}
    assert sorted(server.copies()) == [f"c{n}@example.org" for n in (2, 3, 6)]
    reasons = {row.reply for row in db.send_rows(1, ["unknown"])}
    assert reasons == {
        "the send stopped during the SMTP transaction: the server may have it",
        "the machine restarted during a send: this message may have gone out",
    }


def test_a_self_signed_certificate_is_refused_and_nothing_is_marked(db, issue, smtp, certificate):
    add_contacts(db, 2)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    server = smtp(tls_context=context)
    with pytest.raises(SendError, match="CERTIFICATE_VERIFY_FAILED"):
        run_send(db, issue, server.url)
    assert db.send_counts(1) == {}
    assert server.messages == []
    report = run_send(db, issue, f"{server.url}?cafile={certificate[0]}")
    assert report.counts == {"sent": 2}


def test_the_password_is_never_sent_in_plain_text_nor_shown(db, issue, smtp):
    add_contacts(db, 1)
    server = smtp()
    url = f"smtp://olivia@127.0.0.1:{server.port}"
    with pytest.raises(SendError) as error:
        run_send(db, issue, url, environ={"NURTURE_SMTP_PASSWORD": "s3cret-pw"})
    assert "offers no TLS, so the password is not sent" in str(error.value)
    assert "s3cret-pw" not in str(error.value)
    assert db.send_counts(1) == {}


def test_the_run_log_tells_the_story(db, issue, smtp):
    add_contacts(db, 3)
    server = smtp(Rules(rcpt={"c2@example.org": ["550 5.1.1 No such user"]}))
    composer = Composer(issue, newsletter_config())
    log = RunLog(1, db.path.parent / "logs")
    transports = [from_environment({"NURTURE_SMTP_URL": server.url})]
    send_issue(db, composer, transports, SendOptions(), envelope_sender=ENVELOPE, log=log)
    lines = log.path.read_text().splitlines()
    assert "start: issue 1 through smtp://127.0.0.1:" in lines[0]
    assert lines[1].endswith("bounced: c2@example.org 550 5.1.1 No such user")
    assert " end: done; 1 bounced, 2 sent in " in lines[2]
    assert log.path.stat().st_mode & 0o777 == 0o600
    assert len(server.messages) == 2
