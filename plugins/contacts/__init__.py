"""Contacts and touches: the relationship ledger behind the newsletter.

The library is typed and quiet (it returns results or raises ContactsError subclasses);
`tasks.py` is the command layer (`invoke contacts.*`). The newsletter sends with
`Store.sendable_contacts(tags=...)` and checks `Store.is_suppressed(email)`.
"""

from .due import due_contacts
from .errors import (
    ContactExists,
    ContactNotFound,
    ContactsError,
    DatabaseError,
    Forgotten,
    ImportFileError,
    InvalidEmail,
    InvalidValue,
    SettingsError,
)
from .importer import ImportOptions, import_csv
from .models import (
    ConsentStatus,
    Contact,
    ContactFields,
    DueContact,
    ImportResult,
    NewContact,
    NewTouch,
    Rejection,
    Stats,
    Touch,
)
from .settings import ContactsSettings, database_path, load_settings
from .stats import contact_stats
from .store import Store

__all__ = [
    "ConsentStatus",
    "Contact",
    "ContactExists",
    "ContactFields",
    "ContactNotFound",
    "ContactsError",
    "ContactsSettings",
    "DatabaseError",
    "DueContact",
    "Forgotten",
    "ImportFileError",
    "ImportOptions",
    "ImportResult",
    "InvalidEmail",
    "InvalidValue",
    "NewContact",
    "NewTouch",
    "Rejection",
    "SettingsError",
    "Stats",
    "Store",
    "Touch",
    "contact_stats",
    "database_path",
    "due_contacts",
    "import_csv",
    "load_settings",
]
