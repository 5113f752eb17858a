"""The numbers behind `contacts.stats`: who is where, and how often we kept in touch."""

from __future__ import annotations

import datetime as dt

from .models import Stats
from .store import Store


def months_back(today: dt.date, months: int) -> list[str]:
    """The last `months` calendar months up to today's, as "YYYY-MM", oldest first."""
    index = today.year * 12 + today.month - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - months + 1, index + 1)]


def contact_stats(store: Store, today: dt.date, months: int = 12) -> Stats:
    """Counts by stage and status, and touches in each of the last `months` months."""
    labels = months_back(today, months)
    counts = store.touches_per_month(dt.date.fromisoformat(f"{labels[0]}-01"))
    return Stats(
        by_stage_status=store.count_by_stage_status(),
        touches_per_month=[(label, counts.get(label, 0)) for label in labels],
        forgotten=store.count_forgotten(),
    )
