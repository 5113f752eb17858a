"""`invoke newsletter.send|status|bounces` as a user runs them: crashes, Ctrl-C, the sample list."""

from __future__ import annotations

import email
import email.policy
import mailbox
import re
import signal
import subprocess

from plugins.contacts import Store
from plugins.contacts.store import SEND_STATES
from plugins.subscriptions.tokens import KeyRing, unsubscribing
from tests.helpers import copy_project, run

from .conftest import INVOKE, wait_for
from .test_bounces import dsn

SECRET = "a-test-secret-for-one-click-links-0123456789"


def ledger(database) -> dict[str, str]:
    with Store.open(database) as store:
        return {row.email: row.state for row in store.send_rows(1, SEND_STATES)}


def test_a_killed_send_resumes_and_nobody_gets_a_second_copy(project, smtp):
    """SIGKILL at several points, then resume: the server's record has one copy per
    contact, except for those the ledger calls unknown (at most one per worker a kill)."""
    sending = project(3000)
    server = smtp()
    sending.env["NURTURE_SMTP_URL"] = server.url
    command = ("newsletter.send", "1", "--yes", "--workers", "2")
    kills = 0
    for received in (1, 700, 1600, 2400):
        process = sending.popen(*command)
        wait_for(lambda p=process, n=received: len(server.messages) >= n or p.poll() is not None)
        assert process.poll() is None, process.communicate()
        process.send_signal(signal.SIGKILL)
        process.wait()
        kills += 1
    final = sending.invoke(*command)
    assert final.returncode == 0, final.stdout + final.stderr

    states = ledger(sending.database)
    copies = server.copies()
    subscribed = {f"c{n}@example.org" for n in range(1, 3001)}
    assert set(states) == subscribed
    assert set(copies) <= subscribed
    assert set(states.values()) <= {"sent", "unknown"}
    unknown = {address for address, state in states.items() if state == "unknown"}
    assert len(unknown) <= 2 * kills
    for address in subscribed - unknown:
        assert copies.get(address) == 1, address
    for address in unknown:
        assert copies.get(address, 0) <= 1, address
    status = sending.invoke("newsletter.status", "1")
    assert (f"unknown ({len(unknown)})" in status.stdout) == bool(unknown), status.stdout
    with Store.open(sending.database) as store:
        contact = store.get_contact("c2999@example.org")
        assert [t.kind for t in store.touches_of(contact)] == ["newsletter"]


def test_ctrl_c_stops_cleanly_and_the_next_run_sends_the_rest(project, smtp):
    sending = project(300)
    server = smtp()
    sending.env["NURTURE_SMTP_URL"] = server.url
    process = sending.popen("newsletter.send", "1", "--yes", "--rate", "100")
    wait_for(lambda: len(server.messages) >= 30 or process.poll() is not None)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stdout + stderr
    assert "Stopped: run the same command again to send the rest." in stderr
    assert "Traceback" not in stderr
    states = ledger(sending.database)
    assert set(states.values()) == {"sent", "pending"}
    assert len(server.messages) == list(states.values()).count("sent") < 300
    assert sending.invoke("newsletter.send", "1", "--yes").returncode == 0
    assert set(ledger(sending.database).values()) == {"sent"}
    assert sorted(server.copies().values()) == [1] * 300


def test_the_sample_list_through_the_outbox_and_a_local_server(tmp_path, smtp):
    root = copy_project(tmp_path / "project")
    publish = root / "publishconf.py"
    publish.write_text(publish.read_text() + '\nSUBSCRIPTIONS_URL = "https://subscribe.example"\n')
    database = tmp_path / "data" / "sample.sqlite3"
    env = {
        "NURTURE_DB": str(database),
        "NURTURE_SMTP_URL": "",
        "NURTURE_SITEURL": "https://warmleads.example",
        "NURTURE_SUBSCRIPTIONS_SECRET": SECRET,
    }

    def invoke(*args: str) -> subprocess.CompletedProcess[str]:
        return run([INVOKE, *args], cwd=root, env=env, stdin=subprocess.DEVNULL)

    assert invoke("contacts.sample").returncode == 0
    outbox = root / "data" / "outbox"
    assert invoke("build").returncode == 0  # development: links to 127.0.0.1
    refused = invoke("newsletter.send", "2", "--yes")
    assert refused.returncode == 1
    assert refused.stderr.startswith("error: issue 2 was rendered with SITEURL 'http://127.0.0.1")
    assert "`invoke preview`" in refused.stderr and "Traceback" not in refused.stderr

    assert invoke("preview").returncode == 0
    unconfirmed = invoke("newsletter.send", "2")
    assert unconfirmed.returncode == 1
    assert unconfirmed.stderr.strip() == (
        f"error: there is no terminal to confirm sending issue 2 to 35 contact(s) through "
        f"the outbox {outbox}; add --yes to send"
    )
    # No short flags: "-y" is not taken for --yes, nor quietly for --retry-failed.
    short = invoke("newsletter.send", "2", "-y")
    assert short.returncode != 0
    assert "No idea what '-y' is" in short.stdout + short.stderr
    dry = invoke("newsletter.send", "2", "--dry-run")
    assert "would go to 35 contact(s); nothing was sent or recorded" in dry.stdout
    assert not outbox.exists()

    sent = invoke("newsletter.send", "2", "--yes")
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert re.search(r"│ sent +│ +35 │", sent.stdout)
    box = mailbox.Maildir(outbox, create=False)
    messages = [
        email.message_from_bytes(box.get_bytes(key), policy=email.policy.default)
        for key in box.iterkeys()
    ]
    assert len(messages) == 35
    with Store.open(database) as store:
        subscribed = {c.email for c in store.sendable_contacts()}
    assert {m["To"].addresses[0].addr_spec for m in messages} == subscribed
    link = messages[0]["List-Unsubscribe"]
    token = re.fullmatch(
        r"<https://subscribe\.example/unsubscribe/([^>]+)>, "
        r"<mailto:olivia@warmleads\.example\?subject=Unsubscribe>",
        link,
    ).group(1)
    with Store.open(database) as store:
        contact = store.get_contact(messages[0]["To"].addresses[0].addr_spec)
    assert unsubscribing(token, KeyRing([SECRET.encode()])) == contact.id
    assert "35 sent" in invoke("newsletter.list").stdout
    again = invoke("newsletter.send", "2", "--yes")
    assert again.stdout.startswith("Nothing to send: every subscribed contact")

    server = smtp()
    env["NURTURE_SMTP_URL"] = server.url
    through_smtp = invoke("newsletter.send", "1", "--yes", "--workers", "3")
    assert through_smtp.returncode == 0, through_smtp.stderr
    assert sorted(server.copies()) == sorted(subscribed)

    report = tmp_path / "bounce.eml"
    report.write_bytes(dsn("priya@northwind-accounting.example", "5.1.1"))
    bounced = invoke("newsletter.bounces", str(report))
    assert "1 hard and 0 soft bounce(s); 1 contact(s) now bounced" in bounced.stdout
    status = invoke("newsletter.status", "1")
    assert re.search(r"│ sent +│ +34 │", status.stdout)
    assert re.search(r"│ bounced +│ +1 │", status.stdout)
    assert "priya@northwind-accounting.example" in status.stdout
    assert "hard bounce 5.1.1" in status.stdout

    assert invoke("contacts.add", "new@example.org").returncode == 0
    env["NURTURE_SMTP_URL"] = f"smtp://olivia@127.0.0.1:{server.port}"
    env["NURTURE_SMTP_PASSWORD"] = "pw-never-shown"
    plain = invoke("newsletter.send", "1", "--yes")
    assert plain.returncode == 1
    assert "offers no TLS, so the password is not sent" in plain.stderr
    assert "pw-never-shown" not in plain.stdout + plain.stderr
    assert "new@example.org" not in server.copies()
    help_text = invoke("--help", "newsletter.send").stdout
    assert "password" not in help_text.lower()
