"""The records the contacts library hands out: contacts, touches and what commands report."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path


class ConsentStatus(StrEnum):
    """Where a contact stands on receiving the newsletter."""

    SUBSCRIBED = "subscribed"
    PENDING = "pending"
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"
    COMPLAINED = "complained"

    @property
    def suppressed(self) -> bool:
        """No command mails a suppressed contact, and no import resubscribes them."""
        return self in SUPPRESSED


SUPPRESSED = frozenset(
    {ConsentStatus.UNSUBSCRIBED, ConsentStatus.BOUNCED, ConsentStatus.COMPLAINED}
)


@dataclass(frozen=True)
class Contact:
    """One person in the contact database."""

    id: int
    email: str
    first_name: str
    last_name: str
    company: str
    tags: tuple[str, ...]
    stage: str
    status: ConsentStatus
    consent_source: str
    consent_date: dt.datetime | None
    cadence_days: int | None
    notes: str
    created: dt.datetime
    updated: dt.datetime

    @property
    def name(self) -> str:
        """First and last name, as one would write them on an envelope."""
        return " ".join(part for part in (self.first_name, self.last_name) if part)


@dataclass(frozen=True)
class ContactFields:
    """The editable fields of a contact; None means "leave as it is"."""

    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    stage: str | None = None
    cadence_days: int | None = None
    notes: str | None = None


@dataclass(frozen=True)
class NewContact:
    """A contact to add: the email is already normalised and every field already clean."""

    email: str
    stage: str
    first_name: str = ""
    last_name: str = ""
    company: str = ""
    tags: tuple[str, ...] = ()
    status: ConsentStatus = ConsentStatus.SUBSCRIBED
    consent_source: str = ""
    consent_date: dt.datetime | None = None
    cadence_days: int | None = None
    notes: str = ""


@dataclass(frozen=True)
class Touch:
    """One contact moment: a newsletter issue, a call, a card, a meal, ..."""

    id: int
    contact_id: int
    kind: str
    date: dt.date
    reference: str
    note: str


@dataclass(frozen=True)
class NewTouch:
    """A touch to record for the contact with this id."""

    contact_id: int
    kind: str
    date: dt.date
    reference: str = ""
    note: str = ""


@dataclass(frozen=True)
class DueContact:
    """A contact whose next touch falls on or before the day asked about."""

    email: str
    name: str
    stage: str
    cadence_days: int
    last_touch_kind: str | None
    last_touch_date: dt.date | None
    due_date: dt.date
    overdue_days: int


@dataclass(frozen=True)
class Rejection:
    """A CSV row that was not imported, and why."""

    line: int
    email: str
    reason: str


@dataclass
class ImportResult:
    """What one import did; the first rejections are kept, all of them go to the report file."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    first_rejections: list[Rejection] = field(default_factory=list)
    report_path: Path | None = None


@dataclass(frozen=True)
class Stats:
    """Counts by stage and status, and touches per month (YYYY-MM, oldest first)."""

    by_stage_status: dict[tuple[str, ConsentStatus], int]
    touches_per_month: list[tuple[str, int]]
    forgotten: int

    @property
    def contacts(self) -> int:
        return sum(self.by_stage_status.values())
