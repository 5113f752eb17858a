"""Contacts out: CSV (readable again by `contacts.import`) and JSON, written as a stream."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from .errors import ContactsError
from .models import Contact
from .settings import ROOT

COLUMNS = (
    "Email",
    "First Name",
    "Last Name",
    "Company",
    "Tags",
    "Stage",
    "Status",
    "Consent Source",
    "Consent Date",
    "Cadence",
    "Notes",
    "Created",
    "Updated",
)
_FORMULA_STARTS = ("=", "+", "-", "@")


def record(contact: Contact) -> dict[str, object]:
    """The contact as plain values, keyed by the export's column names."""
    return dict(
        zip(
            COLUMNS,
            (
                contact.email,
                contact.first_name,
                contact.last_name,
                contact.company,
                ", ".join(contact.tags),
                contact.stage,
                contact.status.value,
                contact.consent_source,
                contact.consent_date.isoformat() if contact.consent_date else "",
                contact.cadence_days or "",
                contact.notes,
                contact.created.isoformat(),
                contact.updated.isoformat(),
            ),
            strict=True,
        )
    )


def write_csv(contacts: Iterable[Contact], out: TextIO) -> int:
    """Write a header and one row per contact; return the number of contacts.

    A cell that a spreadsheet would run as a formula (=, +, -, @) gets a leading apostrophe,
    which `contacts.import` removes again.
    """
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    count = 0
    for contact in contacts:
        writer.writerow(_guard(value) for value in record(contact).values())
        count += 1
    return count


def write_json(contacts: Iterable[Contact], out: TextIO) -> int:
    """Write a JSON array of contact objects; return the number of contacts."""
    count = 0
    for contact in contacts:
        out.write(",\n " if count else "[\n ")
        json.dump(record(contact), out, ensure_ascii=False)
        count += 1
    out.write("\n]\n" if count else "[]\n")
    return count


def export_csv(contacts: Iterable[Contact], path: Path, overwrite: bool = False) -> int:
    """Write the contacts to a CSV file outside the published site; return how many."""
    published = ROOT / "output"
    if path.resolve().is_relative_to(published):
        raise ContactsError(
            f"{path} is inside {published}, which is published with the site; "
            "export your contacts somewhere private"
        )
    if path.exists() and not overwrite:
        raise ContactsError(f"{path} already exists; choose another name or pass --force")
    try:
        out = path.open("w", newline="", encoding="utf-8")
    except OSError as error:
        raise ContactsError(f"cannot write {path}: {error.strerror}") from None
    with out:
        return write_csv(contacts, out)


def _guard(value: object) -> object:
    return f"'{value}" if isinstance(value, str) and value.startswith(_FORMULA_STARTS) else value
