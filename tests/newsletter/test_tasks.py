"""`invoke newsletter.new|list|preview` in private copies of the project, as a user runs them."""

from __future__ import annotations

import email
import json
import mailbox
from datetime import UTC, datetime, timedelta
from email import policy

import pytest

from plugins.contacts import NewContact, Store
from tests.helpers import copy_project, run

from .conftest import INVOKE, write_issue, write_post

PRODUCTION = "https://warmleads.example"


@pytest.fixture
def project(tmp_path):
    """The sample project (two ready issues), with its own contact database."""
    root = copy_project(tmp_path / "project")
    database = tmp_path / "contacts.sqlite3"
    with Store.open(database) as store:
        store.add_contact(
            NewContact(email="priya@northwind.example", stage="client", first_name="Priya")
        )
    return root, {
        "NURTURE_DB": str(database),
        "NURTURE_SMTP_URL": "",
        "NURTURE_SITEURL": PRODUCTION,
    }


def test_new_refuses_politely_when_nothing_was_published_since_the_last_issue(project):
    root, env = project
    result = run([INVOKE, "newsletter.new"], cwd=root, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(
        "Nothing to draft: no posts were published since issue 2 (19 November 2026)"
    )
    assert sorted(p.name for p in (root / "content/newsletter").iterdir()) == ["1.md", "2.md"]


def test_new_drafts_the_next_issue_from_new_posts_and_list_shows_it(project):
    root, env = project
    yesterday = datetime.now(UTC) - timedelta(days=1)
    write_post(root / "content", "older-news", date=f"{yesterday:%Y-%m-%d} 06:00")
    write_post(root / "content", "fresh-news", date=f"{yesterday:%Y-%m-%d} 08:00", summary="Fresh.")
    write_post(root / "content", "unfinished", date=f"{yesterday:%Y-%m-%d} 09:00", status="draft")
    result = run([INVOKE, "newsletter.new"], cwd=root, env=env)
    assert result.returncode == 0, result.stderr
    assert "Drafted issue 3 in content/newsletter/3.md with:" in result.stdout
    header = (root / "content/newsletter/3.md").read_text().split("\n\n")[0].splitlines()
    assert header[0] == "Subject: Fresh News"
    assert header[2:] == ["Posts: fresh-news, older-news", "Preheader: Fresh.", "Status: draft"]

    listing = run([INVOKE, "newsletter.list"], cwd=root, env=env)
    assert listing.returncode == 0, listing.stderr
    rows = [line.split("│")[1:-1] for line in listing.stdout.splitlines() if "│" in line]
    assert [[cell.strip() for cell in row] for row in rows] == [
        ["3", f"{datetime.now(UTC):%Y-%m-%d}", "draft", "not sent", "2", "Fresh News"],
        ["2", "2026-11-19", "ready", "not sent", "2", "How often is too often?"],
        ["1", "2026-10-06", "ready", "not sent", "3", "The follow-up is the event"],
    ]

    again = run([INVOKE, "newsletter.new"], cwd=root, env=env)
    assert again.stdout.startswith("Nothing to draft: no posts were published since issue 3")

    build = run([INVOKE, "build"], cwd=root, env=env)
    assert build.returncode == 0, build.stdout + build.stderr
    assert (root / "output/newsletter/drafts/3/index.html").is_file()
    production = run([INVOKE, "preview"], cwd=root, env=env)
    assert production.returncode == 0, production.stdout + production.stderr
    assert (root / "output/newsletter/2/index.html").is_file()
    assert not (root / "output/newsletter/drafts").exists(), "drafts are never published"
    rendered = json.loads((root / "cache/newsletter/3/issue.json").read_text())
    assert (rendered["status"], rendered["url"]) == ("draft", f"{PRODUCTION}/newsletter/drafts/3/")


def test_new_since_a_bad_date_and_list_with_a_bad_issue_are_one_line_errors(project):
    root, env = project
    result = run([INVOKE, "newsletter.new", "--since", "last week"], cwd=root, env=env)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: --since 'last week' is not a date; write it as YYYY-MM-DD"
    )
    write_issue(root / "content", "3", "Subject: Three\nDate: 2026-11-20\nPosts: no-such-post")
    listing = run([INVOKE, "newsletter.list"], cwd=root, env=env)
    assert listing.returncode == 1
    assert listing.stderr.strip() == (
        "error: content/newsletter/3.md: post 'no-such-post' does not exist; "
        "Posts takes the slugs of published posts"
    )


def test_preview_to_sends_one_test_message_and_records_nothing(project, smtp_server):
    root, env = project
    env = {**env, "NURTURE_SMTP_URL": f"smtp://127.0.0.1:{smtp_server.port}"}
    result = run(
        [INVOKE, "newsletter.preview", "2", "--contact", "Priya@Northwind.example",
         "--to", "owner@example.org"],
        cwd=root, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"through smtp://127.0.0.1:{smtp_server.port}." in result.stdout

    [received] = smtp_server.messages
    assert received.rcpt_tos == ["owner@example.org"]
    assert received.mail_from == "olivia@warmleads.example"
    message = email.message_from_bytes(received.data, policy=policy.default)
    assert message["Subject"] == "[TEST] How often is too often?"
    assert message["To"] == "owner@example.org"
    assert "Hi Priya," in message.get_body(("plain",)).get_content()
    assert "sent to priya@northwind.example" in message.get_body(("html",)).get_content()

    preview = root / "data/previews/issue-2.html"
    assert "Hi Priya," in preview.read_text()
    assert "Hi Priya," in (root / "data/previews/issue-2.txt").read_text()
    with Store.open(root.parent / "contacts.sqlite3") as store:
        assert store.touches_of(store.get_contact("priya@northwind.example")) == []


def test_preview_without_a_server_goes_to_the_outbox_maildir(project):
    root, env = project
    result = run([INVOKE, "newsletter.preview", "1", "--to", "me@example.org"], cwd=root, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    outbox = mailbox.Maildir(root / "data/outbox", create=False)
    [message] = list(outbox)
    assert message["Subject"] == "[TEST] The follow-up is the event"
    assert "Hi friend," in (root / "data/previews/issue-1.txt").read_text()


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["7"], "error: issue 7 has no rendered email in "),
        (["seven"], "error: 'seven' is not an issue number"),
        (["1", "--contact", "nobody@example.org"], "error: nobody@example.org is not a contact"),
        (["1", "--to", "not an address"], "error: 'not an address' is not an address"),
    ],
)
def test_preview_mistakes_are_one_line_errors(project, args, error):
    root, env = project
    result = run([INVOKE, "newsletter.preview", *args], cwd=root, env=env)
    assert result.returncode == 1
    assert result.stderr.strip().startswith(error), result.stderr
    assert "Traceback" not in result.stderr
