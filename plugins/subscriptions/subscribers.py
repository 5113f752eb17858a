"""Double opt-in against the contact database: ask, confirm, unsubscribe.

Each function is one transaction, run in the database thread (database.py).

- `ask` records a sign-up. A new address becomes a `pending` contact with the form as
  its consent source and date; a pending one gets a fresh consent date; an
  unsubscribed, bounced, complained or forgotten address is left exactly as it is. In
  each case the request waits, with its random token, until the emailed link is opened.
  An address that is already subscribed changes nothing.
- `confirm` makes the contact `subscribed`, records a touch and closes the request, so a
  link works once. A forgotten address comes back only this way: its owner asked and
  then proved the address is theirs, so the forgotten mark is lifted and a new contact
  made. A request older than a change of the contact's consent (an unsubscribe) is dead.
- `unsubscribe` makes the contact `unsubscribed` and closes any open request, so an
  older confirmation link cannot undo it. Bounced and complained contacts stay so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from enum import StrEnum

from plugins.contacts import ConsentStatus, ContactsSettings, NewContact, NewTouch, Store

TOUCH_KIND = "email"


@dataclass(frozen=True)
class SignUp:
    """What a sign-up form sent, checked: a normalised address and clean text."""

    email: str
    first_name: str
    tags: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class Asked:
    """What to mail: a confirmation link for `request_token`, or (None) an "already" note."""

    request_token: str | None
    contact_id: int | None = None


class Outcome(StrEnum):
    CONFIRMED = "confirmed"
    ALREADY = "already"  # subscribed before the link was opened
    USED = "used"  # no open request has this token: used, replaced, or expired and purged
    EXPIRED = "expired"


def ask(
    store: Store,
    signup: SignUp,
    *,
    contacts: ContactsSettings,
    now: dt.datetime,
    valid_for: dt.timedelta,
) -> Asked:
    with store.transaction():
        store.delete_subscribe_requests_before(now - valid_for)
        contact = store.find_contact(signup.email)
        if contact is not None and contact.status == ConsentStatus.SUBSCRIBED:
            return Asked(None, contact.id)
        if contact is None and not store.forgotten_among([signup.email]):
            store.add_contact(
                NewContact(
                    email=signup.email,
                    stage=contacts.default_stage,
                    first_name=signup.first_name,
                    tags=signup.tags,
                    status=ConsentStatus.PENDING,
                    consent_source=signup.source,
                    consent_date=now,
                )
            )
        elif contact is not None and contact.status == ConsentStatus.PENDING:
            store.save_contacts(
                [replace(contact, consent_source=signup.source, consent_date=now)], when=now
            )
        request = store.save_subscribe_request(
            signup.email,
            first_name=signup.first_name,
            tags=signup.tags,
            source=signup.source,
            when=now,
        )
    return Asked(request.token)


def confirm(
    store: Store,
    request_token: str,
    *,
    contacts: ContactsSettings,
    now: dt.datetime,
    valid_for: dt.timedelta,
) -> Outcome:
    with store.transaction():
        request = store.subscribe_request(request_token)
        if request is None:
            return Outcome.USED
        contact = store.find_contact(request.email)
        if contact is not None and contact.status == ConsentStatus.SUBSCRIBED:
            store.delete_subscribe_request(request.email)
            return Outcome.ALREADY
        if request.requested < now - valid_for or (
            contact is not None
            and contact.consent_date is not None
            and contact.consent_date > request.requested
        ):
            return Outcome.EXPIRED
        store.delete_subscribe_request(request.email)
        source = f"{request.source}, confirmed by email"
        if contact is None:
            store.unforget(request.email)
            contact = store.add_contact(
                NewContact(
                    email=request.email,
                    stage=contacts.default_stage,
                    first_name=request.first_name,
                    tags=request.tags,
                    status=ConsentStatus.SUBSCRIBED,
                    consent_source=source,
                    consent_date=now,
                )
            )
        else:
            confirmed = replace(
                contact,
                first_name=contact.first_name or request.first_name,
                tags=(*contact.tags, *request.tags),
                status=ConsentStatus.SUBSCRIBED,
                consent_source=source,
                consent_date=now,
            )
            store.save_contacts([confirmed], when=now)
        store.record_touches(
            [
                NewTouch(
                    contact.id,
                    TOUCH_KIND,
                    now.date(),
                    reference="subscribe",
                    note="Confirmed the newsletter subscription",
                )
            ]
        )
    return Outcome.CONFIRMED


def unsubscribe(store: Store, contact_id: int) -> bool:
    """Unsubscribe the contact with this id; return whether anything changed."""
    with store.transaction():
        contact = store.contact_by_id(contact_id)
        if contact is None:
            return False
        store.delete_subscribe_request(contact.email)
        if contact.status.suppressed:
            return False
        store.set_status(contact.email, ConsentStatus.UNSUBSCRIBED, "one-click unsubscribe link")
    return True
