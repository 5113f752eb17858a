"""Who is due for a touch: each contact's cadence comes from them, their stage or the default."""

from __future__ import annotations

import datetime as dt

from .models import DueContact
from .settings import ContactsSettings
from .store import Store


def due_contacts(
    store: Store,
    settings: ContactsSettings,
    today: dt.date,
    within_days: int = 0,
    tag: str | None = None,
) -> list[DueContact]:
    """Contacts due today (or within the next `within_days`), most overdue first."""
    return store.due(
        cadences=settings.stages,
        default_cadence=settings.default_cadence,
        today=today,
        within_days=within_days,
        tag=tag,
    )
