"""Properties of import over generated files: idempotent, and suppression is for good."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plugins.contacts import ConsentStatus, ImportOptions, NewContact, Store, import_csv
from plugins.contacts.settings import check_settings

SETTINGS = check_settings({})
LOCALS = ["ana", "Ana", "bo", "BO.x", "cy+news", "dee"]
DOMAINS = ["example-firm.example", "Example-Firm.EXAMPLE", "other.example", "bad..example"]
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)

rows = st.lists(
    st.tuples(
        st.sampled_from(LOCALS),
        st.sampled_from(DOMAINS),
        TEXT,  # first name: anything, control characters included
        st.sampled_from(["", "client", "friend", "nope"]),  # stage
        st.sampled_from(["", *ConsentStatus, "cleaned", "maybe"]),  # status
        st.sampled_from(["", "vip", "vip, Referrer", "* myContacts ::: News"]),  # tags
        TEXT,  # notes
    ),
    min_size=1,
    max_size=15,
)
existing = st.lists(
    st.tuples(st.sampled_from(LOCALS), st.sampled_from(list(ConsentStatus))),
    max_size=4,
    unique_by=lambda pair: pair[0].lower(),
)


def snapshot(store: Store) -> list[tuple]:
    return [
        (c.email, c.first_name, c.tags, c.stage, c.status, c.notes, c.consent_date, c.updated)
        for c in store.contacts()
    ]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=rows, existing=existing)
def test_import_is_idempotent_and_never_changes_a_suppressed_status(rows, existing):
    with tempfile.TemporaryDirectory() as folder, Store.open(Path(folder) / "t.sqlite3") as store:
        for local, status in existing:
            store.add_contact(
                NewContact(email=f"{local}@example-firm.example", stage="client", status=status)
            )
        before = {c.email: c.status for c in store.contacts()}
        path = Path(folder) / "in.csv"
        with path.open("w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow(["Email", "First Name", "Stage", "Status", "Tags", "Notes"])
            writer.writerows([f"{local}@{domain}", *rest] for local, domain, *rest in rows)
        options = ImportOptions(tags=("autumn",))

        first = import_csv(store, path, SETTINGS, options)
        after_first = snapshot(store)
        second = import_csv(store, path, SETTINGS, options)

        assert snapshot(store) == after_first
        assert (second.added, second.updated, second.rejected) == (0, 0, first.rejected)
        assert second.unchanged == first.added + first.updated + first.unchanged
        statuses = {c.email: c.status for c in store.contacts()}
        for email, status in before.items():
            if status.suppressed:
                assert statuses[email] == status
