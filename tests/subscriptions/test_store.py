"""What the service added to the contact store: subscribe requests, unforget, lookup by id."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from plugins.contacts import ConsentStatus, NewContact, Store, migrations

NOW = dt.datetime(2026, 11, 22, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "nurture.sqlite3") as opened:
        yield opened


def test_a_version_1_database_gains_the_requests_table_and_keeps_its_contacts(tmp_path: Path):
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:
        for statement in migrations.MIGRATIONS[0].statements:
            conn.execute(statement)
        conn.execute(
            "INSERT INTO contacts (email, stage, status, created, updated) "
            "VALUES ('kept@example.com', 'client', 'subscribed', '2025-01-01', '2025-01-01')"
        )
        conn.execute("PRAGMA user_version = 1")
    with Store.open(path) as store:
        assert store.backup is not None
        assert store.get_contact("kept@example.com").status == "subscribed"
        request = store.save_subscribe_request(
            "new@example.com", first_name="", tags=(), source="form", when=NOW
        )
        assert store.subscribe_request(request.token) == request


def test_a_refreshed_request_keeps_its_token_and_takes_the_new_details(store: Store):
    first = store.save_subscribe_request(
        "Ann@Example.com", first_name="Ann", tags=("newsletter",), source="form", when=NOW
    )
    later = NOW + dt.timedelta(hours=1)
    again = store.save_subscribe_request(
        "ann@example.com", first_name="Annie", tags=("News", "vip"), source="page", when=later
    )
    other = store.save_subscribe_request(
        "bo@example.com", first_name="", tags=(), source="", when=NOW
    )
    assert len(first.token) == 22
    assert again.token == first.token != other.token
    assert (again.email, again.first_name, again.tags, again.source, again.requested) == (
        "ann@example.com",
        "Annie",
        ("news", "vip"),
        "page",
        later,
    )
    assert store.subscribe_request(first.token) == again
    assert store.subscribe_request("no-such-token") is None


def test_old_requests_are_dropped_and_one_can_be_closed(store: Store):
    old = store.save_subscribe_request(
        "old@example.com", first_name="", tags=(), source="", when=NOW
    )
    new = store.save_subscribe_request(
        "new@example.com", first_name="", tags=(), source="", when=NOW + dt.timedelta(days=8)
    )
    assert store.delete_subscribe_requests_before(NOW + dt.timedelta(days=7)) == 1
    assert store.subscribe_request(old.token) is None
    store.delete_subscribe_request("NEW@example.com")
    assert store.subscribe_request(new.token) is None


def test_forget_erases_an_open_request_and_unforget_lifts_only_the_mark(store: Store):
    request = store.save_subscribe_request(
        "gone@example.com", first_name="Gwen", tags=(), source="form", when=NOW
    )
    store.forget("gone@example.com")
    assert store.subscribe_request(request.token) is None
    assert store.is_suppressed("gone@example.com")
    assert store.unforget("Gone@Example.com") is True
    assert not store.is_suppressed("gone@example.com")
    assert store.unforget("gone@example.com") is False
    assert store.find_contact("gone@example.com") is None


def test_a_contact_can_be_found_by_id(store: Store):
    contact = store.add_contact(
        NewContact("id@example.com", stage="client", status=ConsentStatus.PENDING)
    )
    assert store.contact_by_id(contact.id) == contact
    assert store.contact_by_id(contact.id + 1) is None
