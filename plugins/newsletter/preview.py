"""`newsletter.preview`: an issue personalised for one reader, as files and as a test email.

The files hold a real contact's name and address, so they go to data/previews/
(private, like everything in data/), never to output/. A test email goes to one address
through the configured transport with "[TEST] " before the subject; nothing is recorded
anywhere, so the real send later still mails everyone.
"""

from __future__ import annotations

from pathlib import Path

from plugins.contacts import ContactsError, Store, database_path
from plugins.errors import NurtureError

from .message import Address
from .rendered import Reader, Recipient, RenderedIssue
from .transport import Transport

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DIRECTORY = ROOT / "data" / "previews"
TEST_PREFIX = "[TEST] "


class PreviewError(NurtureError):
    """The preview cannot be made for this reader."""


def find_recipient(email: str, database: Path | None = None) -> Recipient:
    """The contact with this address, from the contact database."""
    path = database or database_path()
    if not path.exists():
        raise PreviewError(
            f"there is no contact database at {path} to find {email} in; add contacts "
            "with `invoke contacts.import` or preview without --contact"
        )
    try:
        with Store.open(path) as store:
            return store.get_contact(email)
    except ContactsError as error:
        raise PreviewError(str(error)) from None


def default_recipient(issue: RenderedIssue) -> Recipient:
    """A reader with no first name, at the owner's own address: the fallback greeting."""
    return Reader(issue.sender.email)


def write_preview(
    issue: RenderedIssue, recipient: Recipient, directory: Path = DEFAULT_DIRECTORY
) -> tuple[Path, Path]:
    """Write issue-<n>.html and issue-<n>.txt personalised for `recipient`; return both paths."""
    text, html = issue.personalise(recipient)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    html_path = directory / f"issue-{issue.number}.html"
    text_path = directory / f"issue-{issue.number}.txt"
    html_path.write_text(html, encoding="utf-8")
    text_path.write_text(text, encoding="utf-8")
    return html_path, text_path


def send_test(
    issue: RenderedIssue, recipient: Recipient, to: Address, transport: Transport
) -> None:
    """Mail the issue, personalised for `recipient`, to the single address `to`."""
    message = issue.message(recipient, to=to, subject_prefix=TEST_PREFIX)
    transport.send(issue.sender.email, to.email, message)
