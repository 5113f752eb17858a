"""The fictional contacts and touches shipped for the demo (`invoke contacts.sample`)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from .errors import ContactsError
from .importer import ImportOptions, import_csv
from .models import ImportResult, NewTouch
from .settings import ContactsSettings
from .store import Store

SAMPLE = Path(__file__).resolve().parent / "sample"


def load_sample(
    store: Store, settings: ContactsSettings, today: dt.date
) -> tuple[ImportResult, int]:
    """Import sample/contacts.csv and the touches in sample/touches.csv (dated back from today)
    into an empty database; return the import result and the number of touches."""
    if store.count_contacts():
        raise ContactsError(
            f"{store.path} already has contacts; load the sample into a database of its own, "
            "e.g. NURTURE_DB=data/sample.sqlite3 invoke contacts.sample"
        )
    with store.transaction():
        result = import_csv(
            store, SAMPLE / "contacts.csv", settings, ImportOptions(source="sample data")
        )
        with (SAMPLE / "touches.csv").open(newline="", encoding="utf-8") as file:
            rows = list(csv.DictReader(file))
        contacts = store.contacts_by_email([row["email"] for row in rows])
        touches = store.record_touches(
            NewTouch(
                contact_id=contacts[row["email"]].id,
                kind=row["kind"],
                date=today - dt.timedelta(days=int(row["days_ago"])),
                note=row["note"],
            )
            for row in rows
        )
    return result, touches
