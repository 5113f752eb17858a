"""Turning what a user typed or a CSV held into values we store, or a one-line reason why not.

Names end up in email headers ("To: Priya Shah <priya@...>"), so line breaks in them are
folded to spaces and any other control character is refused: nothing is stored raw.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email

from .errors import InvalidEmail, InvalidValue
from .models import ConsentStatus
from .settings import ContactsSettings

MAX_LINE = 200
MAX_NOTES = 10_000
MAX_TAG = 50

# The common case, checked without email-validator's full (and slower) Unicode path: an
# ASCII dot-atom local part, which email-validator accepts unchanged. The domain is still
# checked by email-validator, once per distinct domain.
_SIMPLE_LOCAL = re.compile(r"[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*")
_SPACES = re.compile(r"\s+")  # with line breaks: \r \n \v \f \x85 \u2028 \u2029
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")  # and bidi overrides
_TAG_SPLIT = re.compile(r"\s*(?::::|[,;])\s*")

# Mailchimp calls bounced addresses "cleaned".
_STATUS_ALIASES = {"cleaned": ConsentStatus.BOUNCED}


def normalize_email(value: str) -> str:
    """The address as stored: validated by email-validator, then lowercased."""
    address = value.strip()
    local, at, domain = address.rpartition("@")
    try:
        if at and len(local) <= 64 and len(address) <= 254 and _SIMPLE_LOCAL.fullmatch(local):
            return f"{local}@{_normalize_domain(domain)}".lower()
        return validate_email(address, check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise InvalidEmail(f"{address!r} is not a valid email address: {error}") from None


@lru_cache(maxsize=4096)
def _normalize_domain(domain: str) -> str:
    return validate_email(f"a@{domain}", check_deliverability=False).domain


def clean_line(value: str, field: str) -> str:
    """A one-line field (name, company): line breaks become spaces; other controls are refused."""
    if not value:
        return ""
    if value.isprintable() and "  " not in value:  # the common case: nothing to clean
        text = value.strip()
    else:
        text = _SPACES.sub(" ", value).strip()
        _refuse_controls(text, field)
    if len(text) > MAX_LINE:
        raise InvalidValue(f"{field} is longer than {MAX_LINE} characters; shorten it")
    return text


def clean_notes(value: str) -> str:
    """Free text: line breaks are kept (as \\n), other control characters refused."""
    if not value:
        return ""
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    _refuse_controls(text.replace("\n", "").replace("\t", ""), "notes")
    if len(text) > MAX_NOTES:
        raise InvalidValue(f"notes are longer than {MAX_NOTES} characters; shorten them")
    return text


def clean_tags(value: str) -> tuple[str, ...]:
    """Tags from "vip, referrer" or Google's "* myContacts ::: Clients" (system labels dropped)."""
    tags: list[str] = []
    for raw in _TAG_SPLIT.split(value) if value else ():
        text = raw.strip().strip('"').strip()
        if not text or text.startswith("*"):
            continue
        tag = clean_line(text, "tag").lower()
        if len(tag) > MAX_TAG:
            raise InvalidValue(f"tag {tag[:20]!r}... is longer than {MAX_TAG} characters")
        if tag not in tags:
            tags.append(tag)
    return tuple(tags)


def parse_stage(value: str, settings: ContactsSettings) -> str:
    stage = value.strip().lower()
    if stage not in settings.stages:
        raise InvalidValue(
            f"unknown stage {value.strip()!r}; use one of {', '.join(settings.stages)} "
            "(or add it to CONTACTS['stages'] in pelicanconf.py)"
        )
    return stage


def parse_status(value: str) -> ConsentStatus:
    text = value.strip().lower()
    try:
        return _STATUS_ALIASES.get(text) or ConsentStatus(text)
    except ValueError:
        raise InvalidValue(
            f"unknown status {value.strip()!r}; use one of {', '.join(ConsentStatus)}"
        ) from None


def parse_cadence(value: str | int) -> int:
    """Days between touches, 1 to 3650."""
    try:
        days = int(value)
    except ValueError:
        days = 0
    if not 1 <= days <= 3650:
        raise InvalidValue(f"cadence {value!r} must be a whole number of days from 1 to 3650")
    return days


def parse_date(value: str, field: str = "date") -> dt.date:
    """An ISO date (YYYY-MM-DD)."""
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidValue(
            f"{field} {value.strip()!r} is not a date; write it as YYYY-MM-DD"
        ) from None


def parse_datetime(value: str, field: str) -> dt.datetime:
    """An ISO date or date and time ("2024-03-05 09:30:00"), as UTC when it has no zone."""
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidValue(
            f"{field} {value.strip()!r} is not a date; write it as YYYY-MM-DD or YYYY-MM-DD HH:MM"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def parse_kind(value: str, settings: ContactsSettings) -> str:
    kind = value.strip().lower()
    if kind not in settings.touch_kinds:
        raise InvalidValue(
            f"unknown kind of touch {value.strip()!r}; use one of "
            f"{', '.join(settings.touch_kinds)} "
            "(or add it to CONTACTS['touch_kinds'] in pelicanconf.py)"
        )
    return kind


def _refuse_controls(text: str, field: str) -> None:
    if found := _CONTROL.search(text):
        raise InvalidValue(
            f"{field} contains the control character U+{ord(found.group()):04X}; remove it"
        )
