"""The store on a real SQLite file: schema and migrations, consent, forget, due and stats."""

from __future__ import annotations

import datetime as dt
import sqlite3
import stat
from pathlib import Path

import pytest

from plugins.contacts import (
    ConsentStatus,
    ContactFields,
    ContactsError,
    DatabaseError,
    InvalidValue,
    NewContact,
    NewTouch,
    Store,
    contact_stats,
    due_contacts,
    migrations,
)
from plugins.contacts.export import export_csv
from plugins.contacts.settings import check_settings
from tests.helpers import ROOT

TODAY = dt.date(2026, 11, 22)


def add(store: Store, email: str, **fields) -> int:
    return store.add_contact(
        NewContact(email=email, stage=fields.pop("stage", "client"), **fields)
    ).id


def touch(store: Store, contact_id: int, days_ago: int, kind: str = "call") -> None:
    store.record_touches([NewTouch(contact_id, kind, TODAY - dt.timedelta(days=days_ago))])


def test_a_new_database_is_private_durable_and_at_the_latest_schema(store: Store, db_path: Path):
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600
    conn = store._conn
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert conn.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL
    assert conn.execute("PRAGMA foreign_keys").fetchone() == (1,)
    assert conn.execute("PRAGMA user_version").fetchone() == (migrations.LATEST,)
    assert store.backup is None


def _one_migration_pending(db_path: Path, monkeypatch) -> migrations.Migration:
    """A database with one contact, one schema version behind a (made-up) newest one."""
    with Store.open(db_path) as store:
        add(store, "kept@example-firm.example")
    extra = migrations.Migration(
        migrations.LATEST + 1, "birthdays", ("ALTER TABLE contacts ADD COLUMN birthday TEXT",)
    )
    monkeypatch.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, extra))
    monkeypatch.setattr(migrations, "LATEST", extra.version)
    return extra


def test_a_migration_backs_up_the_database_first(db_path, monkeypatch):
    extra = _one_migration_pending(db_path, monkeypatch)

    with Store.open(db_path) as store:
        assert store.backup is not None
        assert store.backup.parent == db_path.parent
        assert store.backup.name.startswith(f"nurture.schema-v{extra.version - 1}.")
        assert store._conn.execute("PRAGMA user_version").fetchone() == (extra.version,)
        assert store.find_contact("kept@example-firm.example")
    backup = sqlite3.connect(store.backup)
    assert backup.execute("PRAGMA user_version").fetchone() == (extra.version - 1,)
    assert backup.execute("SELECT email FROM contacts").fetchall() == [
        ("kept@example-firm.example",)
    ]
    backup.close()
    with Store.open(db_path) as store:  # nothing left to do: no second backup
        assert store.backup is None


def test_a_failed_migration_changes_nothing(db_path, monkeypatch):
    Store.open(db_path).close()
    broken = migrations.Migration(
        migrations.LATEST + 1, "broken", ("CREATE TABLE ledger (id INTEGER)", "NOT SQL")
    )
    monkeypatch.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, broken))
    monkeypatch.setattr(migrations, "LATEST", broken.version)
    with pytest.raises(DatabaseError, match="syntax error"):
        Store.open(db_path)
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA user_version").fetchone() == (broken.version - 1,)
    assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'ledger'").fetchall() == []
    conn.close()


def test_a_database_from_a_newer_nurture_or_another_program_is_refused(tmp_path):
    newer = tmp_path / "newer.sqlite3"
    conn = sqlite3.connect(newer)
    conn.execute(f"PRAGMA user_version = {migrations.LATEST + 1}")
    conn.close()
    with pytest.raises(DatabaseError) as refused:
        Store.open(newer)
    assert str(refused.value) == (
        f"{newer} has schema version {migrations.LATEST + 1} but this Nurture knows only up to "
        f"{migrations.LATEST}; update Nurture (git pull) before using this database"
    )
    other = tmp_path / "other.sqlite3"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE photos (id INTEGER)")
    conn.close()
    with pytest.raises(DatabaseError) as refused:
        Store.open(other)
    assert str(refused.value) == (
        f"{other} is an SQLite database but not a Nurture one; point NURTURE_DB at another file"
    )
    text = tmp_path / "notes.sqlite3"
    text.write_text("not a database at all, just some text " * 100)
    with pytest.raises(
        DatabaseError, match=r"^cannot open the contact database .*notes\.sqlite3: "
    ):
        Store.open(text)


def test_emails_are_unique_whatever_their_case(store):
    add(store, "Ada@Example-Firm.example")
    assert store.get_contact("ADA@example-firm.EXAMPLE").email == "ada@example-firm.example"
    with pytest.raises(Exception, match="is already a contact"):
        add(store, "ada@EXAMPLE-firm.example")


def test_touches_are_never_edited(store):
    touch(store, add(store, "t@example-firm.example"), 3)
    with pytest.raises(sqlite3.IntegrityError, match="touches are never edited"):
        store._conn.execute("UPDATE touches SET note = 'changed'")


def test_who_is_suppressed_and_who_is_sent_to(store):
    for status in ConsentStatus:
        add(store, f"{status}@example-firm.example", status=status, tags=("news",))
    add(store, "untagged@example-firm.example")
    store.forget("forgotten@example-firm.example")

    assert [c.email for c in store.sendable_contacts()] == [
        "subscribed@example-firm.example",
        "untagged@example-firm.example",
    ]
    assert [c.email for c in store.sendable_contacts(tags=["news", "other"])] == [
        "subscribed@example-firm.example"
    ]
    suppressed = {s for s in ConsentStatus if store.is_suppressed(f"{s}@Example-Firm.example")}
    assert suppressed == {"unsubscribed", "bounced", "complained"}
    assert store.is_suppressed("FORGOTTEN@example-firm.example")
    assert not store.is_suppressed("stranger@example-firm.example")


def test_leaving_a_suppressed_status_needs_a_new_consent_source(store):
    add(store, "u@example-firm.example", status=ConsentStatus.UNSUBSCRIBED)
    with pytest.raises(InvalidValue, match="give the source of their new consent"):
        store.set_status("u@example-firm.example", ConsentStatus.SUBSCRIBED, "")
    back = store.set_status("u@example-firm.example", ConsentStatus.SUBSCRIBED, "asked at lunch")
    assert (back.status, back.consent_source) == ("subscribed", "asked at lunch")
    assert back.consent_date is not None


def test_forget_erases_the_person_from_the_file_and_keeps_a_hash(store, db_path):
    contact_id = add(
        store, "secret.person@example-firm.example", first_name="Secretia", tags=("vip",)
    )
    store.record_touches([NewTouch(contact_id, "meal", TODAY, note="Talked about Secretia's move")])
    add(store, "other@example-firm.example")

    assert store.forget("Secret.Person@example-firm.example") is True
    assert store.find_contact("secret.person@example-firm.example") is None
    assert store.count_contacts() == 1
    assert store._conn.execute("SELECT count(*) FROM touches").fetchone() == (0,)
    assert store._conn.execute("SELECT count(*) FROM contact_tags").fetchone() == (0,)
    on_disk = b"".join(p.read_bytes() for p in db_path.parent.glob("nurture.sqlite3*"))
    assert b"Secretia" not in on_disk
    assert b"secret.person" not in on_disk
    assert store.forget("secret.person@example-firm.example") is False
    assert store.count_forgotten() == 1
    # A new contact never takes a forgotten one's id.
    assert add(store, "next@example-firm.example") > contact_id


def test_update_changes_only_the_given_fields(store):
    add(store, "e@example-firm.example", first_name="Eve", company="Old", cadence_days=10)
    changed = store.update_contact("e@example-firm.example", ContactFields(company="New"))
    assert (changed.first_name, changed.company, changed.cadence_days) == ("Eve", "New", 10)
    assert store.clear_cadence("e@example-firm.example").cadence_days is None


def test_due_uses_the_contact_then_the_stage_then_the_default_cadence(store):
    settings = check_settings({"stages": {"client": 30, "friend": 90}, "default_cadence": 60})
    touch(store, add(store, "own@example-firm.example", cadence_days=7), 8)  # 1 day overdue
    touch(store, add(store, "client@example-firm.example"), 40)  # 10 days overdue
    touch(store, add(store, "friend@example-firm.example", stage="friend"), 89)  # due tomorrow
    touch(store, add(store, "retired@example-firm.example", stage="retired"), 61)  # default
    fresh = add(store, "fresh@example-firm.example")  # touched today
    touch(store, fresh, 100, kind="card")
    touch(store, fresh, 0, kind="meeting")

    due = due_contacts(store, settings, TODAY)
    assert [(d.email, d.overdue_days, d.cadence_days) for d in due] == [
        ("client@example-firm.example", 10, 30),
        ("own@example-firm.example", 1, 7),
        ("retired@example-firm.example", 1, 60),
    ]
    assert (due[0].last_touch_kind, due[0].last_touch_date) == (
        "call",
        TODAY - dt.timedelta(days=40),
    )
    ahead = due_contacts(store, settings, TODAY, within_days=1)
    assert ahead[-1].email == "friend@example-firm.example"
    assert ahead[-1].overdue_days == -1


def test_never_touched_contacts_are_due_and_tags_filter(store, settings):
    add(store, "new@example-firm.example", tags=("vip",))
    add(store, "other@example-firm.example")
    today = dt.datetime.now(dt.UTC).date()
    due = due_contacts(store, settings, today, tag="vip")
    assert [(d.email, d.last_touch_kind, d.last_touch_date, d.overdue_days) for d in due] == [
        ("new@example-firm.example", None, None, 0)
    ]


def test_stats_count_by_stage_and_status_and_touches_per_month(store):
    a = add(store, "a@example-firm.example")
    add(store, "b@example-firm.example", stage="friend", status=ConsentStatus.BOUNCED)
    touch(store, a, 0)
    touch(store, a, 25)  # 2026-10-28
    touch(store, a, 400)  # older than a year: not shown
    store.forget("c@example-firm.example")
    stats = contact_stats(store, TODAY, months=3)
    assert stats.by_stage_status == {
        ("client", ConsentStatus.SUBSCRIBED): 1,
        ("friend", ConsentStatus.BOUNCED): 1,
    }
    assert stats.contacts == 2
    assert stats.touches_per_month == [("2026-09", 0), ("2026-10", 1), ("2026-11", 1)]
    assert stats.forgotten == 1


def test_every_way_in_cleans_names_or_refuses_them(store):
    added = store.add_contact(
        NewContact(email="n@example-firm.example", stage="client", first_name="Eve\r\nAnn",
                   tags=("VIP",), notes="line one\r\nline two")
    )  # fmt: skip
    assert (added.first_name, added.tags, added.notes) == (
        "Eve Ann",
        ("vip",),
        "line one\nline two",
    )
    with pytest.raises(InvalidValue, match=r"^last name contains the control character U\+0000"):
        store.add_contact(
            NewContact(email="z@example-firm.example", stage="client", last_name="\0")
        )
    with pytest.raises(InvalidValue, match=r"^company contains the control character U\+0007"):
        store.update_contact("n@example-firm.example", ContactFields(company="Bell\a"))
    assert store.get_contact("n@example-firm.example").company == ""


def test_export_refuses_to_write_into_the_published_site(store):
    target = ROOT / "output" / "contacts.csv"
    with pytest.raises(ContactsError) as refused:
        export_csv(store.contacts(), target)
    assert str(refused.value) == (
        f"{target} is inside {ROOT / 'output'}, which is published with the site; "
        "export your contacts somewhere private"
    )
    assert not target.exists()


def test_the_newsletter_commands_say_when_they_upgraded_the_database(db_path, monkeypatch, capsys):
    """As the contacts commands do: the path of the copy kept from before the upgrade."""
    from plugins.newsletter.tasks import _database

    _one_migration_pending(db_path, monkeypatch)
    monkeypatch.setenv("NURTURE_DB", str(db_path))
    with _database() as store:
        assert store.find_contact("kept@example-firm.example")
    said = capsys.readouterr().out
    assert said.startswith(f"upgraded {db_path}; the old version is kept in {db_path.parent}/")
    with _database():
        pass
    assert capsys.readouterr().out == ""
