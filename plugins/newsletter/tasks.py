"""`invoke newsletter.*`: draft an issue, list the issues, preview and test one.

Each task parses its arguments, calls the library and prints. A mistake is one line on
stderr starting with "error:" and exit code 1, never a traceback.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from invoke import Exit, task
from rich.console import Console
from rich.table import Table

from plugins.blog import build as site
from plugins.errors import NurtureError

from . import preview as previews
from . import transport
from .drafting import NothingNew, draft_next_issue
from .message import Address
from .project import load_project, sent_status
from .rendered import load_rendered, rendered_directory

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ROOT / "pelicanconf.py"
SETTINGS_PUBLISH = ROOT / "publishconf.py"
console = Console(highlight=False)


def _project():
    try:
        return load_project(SETTINGS)
    except NurtureError as error:
        raise Exit(f"error: {error}", code=1) from None


@task(help={"since": "draft from the posts published on or after this day (YYYY-MM-DD)"})
def new(c, since=None):
    """Draft the next issue from the posts published since the last one."""
    project = _project()
    try:
        start = project.parse_date(since) if since else None
    except ValueError:
        raise Exit(
            f"error: --since {since!r} is not a date; write it as YYYY-MM-DD", code=1
        ) from None
    try:
        draft = draft_next_issue(project, datetime.now(UTC), start)
    except NothingNew as error:
        print(f"Nothing to draft: {error}.")
        return
    print(f"Drafted issue {draft.number} in {draft.path.relative_to(ROOT)} with:")
    for title in draft.titles:
        print(f"  - {title}")
    print(
        "Write the intro, check the subject, then set Status: ready. "
        f"See it with: invoke newsletter.preview {draft.number}"
    )


@task(name="list")
def list_(c):
    """Every issue: number, date, status, whether it was sent, and any problem."""
    project = _project()
    table = Table(title=f"{len(project.issues)} issue(s)", title_justify="left")
    for column in ("#", "Date", "Status", "Sent", "Posts", "Subject"):
        table.add_column(column, justify="right" if column in {"#", "Posts"} else "left")
    for issue in sorted(project.issues, key=lambda issue: issue.number, reverse=True):
        table.add_row(
            str(issue.number),
            f"{issue.date:%Y-%m-%d}",
            issue.status,
            sent_status(issue.number),
            str(len(issue.posts)),
            issue.subject,
        )
    console.print(table)
    for problem in project.problems:
        print(f"error: {problem}", file=sys.stderr)
    if project.problems:
        raise Exit(code=1)


@task(
    help={
        "number": "the issue to preview",
        "contact": "personalise for this contact (their email address)",
        "to": "also send the preview to this address, subject prefixed [TEST]",
        "serve": "serve the preview at http://127.0.0.1:PORT/ until Ctrl-C",
        "port": "the port for --serve",
        "production": "build with publishconf.py, so links point at the published site",
    }
)
def preview(c, number, contact=None, to=None, serve=False, port=8001, production=False):
    """Build, then write issue N's email for one reader (and optionally mail a test)."""
    try:
        issue_number = int(number)
    except ValueError:
        raise Exit(f"error: {number!r} is not an issue number", code=1) from None
    settings_file = SETTINGS_PUBLISH if production else SETTINGS
    try:
        contact_recipient = previews.find_recipient(contact) if contact else None
        test_address = Address(to.strip()) if to else None
        result = site.run_pelican(settings_file, [])
        if result.errors:
            print(result.summary())
        issue = load_rendered(issue_number, rendered_directory(settings_file))
        recipient = contact_recipient or previews.default_recipient(issue)
        html_path, text_path = previews.write_preview(issue, recipient)
        print(f"Issue {issue.number} ({issue.status}) for {recipient.email}:")
        print(f"  HTML: {html_path}")
        print(f"  text: {text_path}")
        if test_address:
            with transport.from_environment() as outbound:
                previews.send_test(issue, recipient, test_address, outbound)
            print(f"Sent a [TEST] copy to {test_address.email} through {outbound.description}.")
    except NurtureError as error:
        raise Exit(f"error: {error}", code=1) from None
    if serve:
        print(f"Serving http://127.0.0.1:{port}/{html_path.name} (Ctrl-C stops)")
        site.serve(html_path.parent, "127.0.0.1", int(port))
