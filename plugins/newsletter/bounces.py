"""Bounce reports: RFC 3464 delivery status notifications, read into the send ledger.

`invoke newsletter.bounces PATH` reads what the envelope sender's mailbox collected (an
.eml file, an mbox or a Maildir). In each report (multipart/report;
report-type=delivery-status), every recipient whose Action is "failed" counts:

- a 5.x.x status is a hard bounce: the address does not work, so the ledger row and
  the contact become `bounced` (suppressed) at once;
- a 4.x.x status is a soft bounce (a full mailbox, a server away for days): noted on
  the row; the contact becomes `bounced` when the last SOFT_LIMIT issues sent to them
  all bounced.

"delayed" (a warning that the server is still trying), "delivered" and the like change
nothing. The message that bounced is found by its Message-ID, from the report's copy of
the original (message/rfc822 or text/rfc822-headers), else by the recipient's address
and the newest issue sent to them. Reading the same report again changes nothing more.
"""

from __future__ import annotations

import email.policy
import re
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from email.parser import BytesParser, HeaderParser
from pathlib import Path

from plugins.comments.mail import messages
from plugins.contacts import Store

SOFT_LIMIT = 3
_PARSER = BytesParser(policy=email.policy.default)
_STATUS = re.compile(r"\s*([245])\.\d{1,3}\.\d{1,3}")
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")


@dataclass(frozen=True)
class Bounce:
    """One failed recipient of one report."""

    recipient: str
    status: str
    diagnostic: str
    message_id: str

    @property
    def hard(self) -> bool:
        return self.status.startswith("5")

    @property
    def reason(self) -> str:
        return f"{'hard' if self.hard else 'soft'} bounce {self.status}: {self.diagnostic}"[:300]


@dataclass
class BounceReport:
    """What reading a mailbox of reports did."""

    messages: int = 0
    hard: int = 0
    soft: int = 0
    suppressed: list[str] = field(default_factory=list)
    ignored: list[tuple[str, str]] = field(default_factory=list)  # (message, why)


def parse_report(raw: bytes) -> list[Bounce]:
    """The failed recipients of a delivery status notification; [] for anything else."""
    report = _PARSER.parsebytes(raw)
    if report.get_content_type() != "multipart/report" or (
        str(report.get_param("report-type", "")).lower() != "delivery-status"
    ):
        return []
    status_blocks: list[Message] = []
    message_id = ""
    for part in report.walk():
        kind = part.get_content_type()
        if kind == "message/delivery-status":
            status_blocks = [block for block in part.get_payload() if isinstance(block, Message)]
        elif kind == "message/rfc822" and not message_id:
            original = part.get_payload()[0] if part.is_multipart() else None
            message_id = _message_id(original)
        elif kind == "text/rfc822-headers" and not message_id:
            content = part.get_payload(decode=True) or b""
            message_id = _message_id(HeaderParser().parsestr(content.decode(errors="replace")))
    bounces = []
    for block in status_blocks[1:]:  # the first block is about the whole message
        recipient = _address(block.get("Original-Recipient") or block.get("Final-Recipient"))
        status = _STATUS.match(str(block.get("Status", "")))
        if str(block.get("Action", "")).strip().lower() != "failed" or not (recipient and status):
            continue
        code = str(block["Status"]).strip().split()[0]
        diagnostic = " ".join(str(block.get("Diagnostic-Code", "")).split())
        bounces.append(Bounce(recipient, code, diagnostic.partition(";")[2].strip(), message_id))
    return bounces


def read_bounces(store: Store, path: Path, soft_limit: int = SOFT_LIMIT) -> BounceReport:
    """Record every bounce in the reports at `path` (see the module)."""
    result = BounceReport()
    for label, raw in messages(path):
        result.messages += 1
        try:
            bounces = parse_report(raw)
        except (ValueError, LookupError, TypeError) as error:
            result.ignored.append((label, f"unreadable report: {error}"))
            continue
        if not bounces:
            result.ignored.append((label, "not a failure report (or only a delay warning)"))
            continue
        for bounce in bounces:
            row = store.find_send(bounce.message_id) if bounce.message_id else None
            row = row or store.last_send_to(bounce.recipient)
            if row is None:
                result.ignored.append((label, f"no issue was sent to {bounce.recipient}"))
                continue
            if bounce.hard:
                result.hard += 1
            else:
                result.soft += 1
            hard = bounce.hard
            if store.record_bounce(row.id, hard=hard, reason=bounce.reason, soft_limit=soft_limit):
                result.suppressed.append(row.email or bounce.recipient)
    return result


def _address(field: object) -> str:
    """The address of an RFC 3464 recipient field ("rfc822; user@example.com")."""
    kind, _, address = str(field or "").partition(";")
    if kind.strip().lower() != "rfc822":
        return ""
    return address.strip().strip("<>").strip()


def _message_id(headers: Message | EmailMessage | None) -> str:
    found = _MESSAGE_ID.search(str(headers.get("Message-ID", ""))) if headers else None
    return found.group(0) if found else ""
