"""The exceptions the contacts library raises; each message says what is wrong and how to fix it."""

from __future__ import annotations


class ContactsError(Exception):
    """Base class: a problem the user can fix, reported as one line."""


class SettingsError(ContactsError):
    """The CONTACTS setting in pelicanconf.py is malformed."""


class DatabaseError(ContactsError):
    """The contact database cannot be opened or migrated."""


class InvalidEmail(ContactsError):
    """An email address is not valid."""


class InvalidValue(ContactsError):
    """A field (name, tag, stage, status, cadence, date, kind) has a value we cannot store."""


class ContactNotFound(ContactsError):
    """No contact has this email address."""


class ContactExists(ContactsError):
    """A contact with this email address is already in the database."""


class Forgotten(ContactsError):
    """The address was forgotten at the person's request and may not be added again."""


class ImportFileError(ContactsError):
    """The whole file cannot be imported (empty, unreadable, wrong encoding, no email column)."""
