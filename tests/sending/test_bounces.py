"""Bounce reports (RFC 3464) read from .eml files, mboxes and Maildirs into the ledger."""

from __future__ import annotations

import mailbox

from plugins.contacts import ConsentStatus
from plugins.newsletter.bounces import parse_report, read_bounces

from .conftest import add_contacts, run_send, write_issue


def dsn(recipient: str, status: str, *, message_id: str = "", action: str = "failed") -> bytes:
    """A delivery status notification as Postfix writes one."""
    original = (
        f"text/rfc822-headers\r\n\r\nFrom: olivia@warmleads.example\r\nTo: {recipient}\r\n"
        f"Message-ID: {message_id}\r\nSubject: Letter\r\n"
        if message_id
        else "text/plain\r\n\r\n(no copy)\r\n"
    )
    return (
        "From: MAILER-DAEMON@mx.example.org\r\n"
        "To: bounces@warmleads.example\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you...\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.org\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nOriginal-Recipient: rfc822;{recipient}\r\n"
        f"Action: {action}\r\nStatus: {status}\r\n"
        f"Diagnostic-Code: smtp; {status[0]}50 {status} mailbox says no\r\n\r\n"
        f"--B\r\nContent-Type: {original}"
        "--B--\r\n"
    ).encode()


def test_a_report_names_each_failed_recipient_and_the_message():
    [bounce] = parse_report(dsn("c1@example.org", "5.1.1", message_id="<newsletter.1.1@w>"))
    assert (bounce.recipient, bounce.status, bounce.message_id) == (
        "c1@example.org",
        "5.1.1",
        "<newsletter.1.1@w>",
    )
    assert bounce.hard and bounce.reason == "hard bounce 5.1.1: 550 5.1.1 mailbox says no"
    assert parse_report(dsn("c1@example.org", "4.4.1", action="delayed")) == []
    assert parse_report(b"From: a@example.org\r\nSubject: Out of office\r\n\r\nAway.\r\n") == []


def test_hard_bounces_suppress_and_soft_ones_after_three_in_a_row(db, tmp_path, smtp):
    add_contacts(db, 4)
    server = smtp()
    for number in (1, 2, 3):
        run_send(db, write_issue(tmp_path / "cache", number), server.url)
    emails = [f"c{n}@example.org" for n in (1, 2, 3, 4)]

    def message_id(issue: int, email: str) -> str:
        return f"<newsletter.{issue}.{db.get_contact(email).id}@warmleads.example>"

    reports = tmp_path / "bounces.mbox"
    box = mailbox.mbox(reports)
    box.add(dsn("c1@example.org", "5.1.1", message_id=message_id(1, "c1@example.org")))
    for number in (1, 2):  # two soft bounces in a row for c2: not yet
        box.add(dsn("c2@example.org", "4.2.2", message_id=message_id(number, "c2@example.org")))
    box.add(dsn("c3@example.org", "4.2.2"))  # no copy: the newest issue sent to them
    box.add(dsn("c4@example.org", "4.4.1", action="delayed"))
    box.add(dsn("stranger@example.org", "5.1.1"))
    box.add(b"From: a@example.org\r\nSubject: Out of office\r\n\r\nAway.\r\n")
    box.close()

    report = read_bounces(db, reports)

    assert (report.messages, report.hard, report.soft) == (7, 1, 3)
    assert report.suppressed == ["c1@example.org"]
    assert [why for _, why in report.ignored] == [
        "not a failure report (or only a delay warning)",
        "no issue was sent to stranger@example.org",
        "not a failure report (or only a delay warning)",
    ]
    status = {email: db.get_contact(email).status for email in emails}
    assert status == {
        "c1@example.org": ConsentStatus.BOUNCED,
        "c2@example.org": ConsentStatus.SUBSCRIBED,
        "c3@example.org": ConsentStatus.SUBSCRIBED,
        "c4@example.org": ConsentStatus.SUBSCRIBED,
    }
    [bounced] = db.send_rows(1, ["bounced"])
    assert (bounced.email, bounced.bounce) == ("c1@example.org", "hard")
    assert [row.bounce for row in db.send_rows(3, ["sent"]) if row.email == "c3@example.org"] == [
        "soft"
    ]

    again = read_bounces(db, reports)  # the same reports again change nothing
    assert db.get_contact("c2@example.org").status == ConsentStatus.SUBSCRIBED
    assert again.suppressed == ["c1@example.org"]

    maildir = mailbox.Maildir(tmp_path / "Maildir")  # the third soft bounce in a row
    maildir.add(dsn("c2@example.org", "4.2.2", message_id=message_id(3, "c2@example.org")))
    third = read_bounces(db, tmp_path / "Maildir")
    assert third.suppressed == ["c2@example.org"]
    assert db.get_contact("c2@example.org").status == ConsentStatus.BOUNCED
    assert db.get_contact("c2@example.org").consent_source.startswith("bounce report: soft bounce")

    single = tmp_path / "one.eml"
    single.write_bytes(dsn("c4@example.org", "5.2.1"))
    assert read_bounces(db, single).suppressed == ["c4@example.org"]


def test_forgetting_a_contact_keeps_the_count_but_nothing_about_them(db, issue, smtp):
    add_contacts(db, 2)
    server = smtp()
    run_send(db, issue, server.url)
    db.finish_send(1, "sent", "250 2.0.0 queued for c1@example.org")
    db.forget("c1@example.org")
    forgotten, kept = db.send_rows(1, ["sent"])
    assert (forgotten.email, forgotten.contact_id, forgotten.reply) == (None, None, "")
    assert kept.email == "c2@example.org"
    assert db.send_counts(1) == {"sent": 2}
