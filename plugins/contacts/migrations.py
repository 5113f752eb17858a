"""The database schema, as an ordered list of migrations numbered by `PRAGMA user_version`.

To change the schema, append a Migration with the next version; never edit a released one.
Before migrating a database that already holds data, a copy is written beside it.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from .errors import DatabaseError


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "contacts, tags, touches and suppressions",
        (
            """
            CREATE TABLE contacts (
                id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused, also after a forget
                email TEXT NOT NULL UNIQUE,
                first_name TEXT NOT NULL DEFAULT '',
                last_name TEXT NOT NULL DEFAULT '',
                company TEXT NOT NULL DEFAULT '',
                stage TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN
                    ('subscribed', 'pending', 'unsubscribed', 'bounced', 'complained')),
                consent_source TEXT NOT NULL DEFAULT '',
                consent_date TEXT,
                cadence_days INTEGER CHECK (cadence_days BETWEEN 1 AND 3650),
                notes TEXT NOT NULL DEFAULT '',
                created TEXT NOT NULL,
                updated TEXT NOT NULL
            )
            """,
            """
            CREATE TABLE contact_tags (
                contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
                tag TEXT NOT NULL,
                PRIMARY KEY (contact_id, tag)
            ) WITHOUT ROWID
            """,
            "CREATE INDEX contact_tags_by_tag ON contact_tags (tag, contact_id)",
            """
            CREATE VIEW contact_rows AS
            SELECT c.id, c.email, c.first_name, c.last_name, c.company,
                   (SELECT group_concat(tag, char(31)) FROM
                       (SELECT tag FROM contact_tags WHERE contact_id = c.id ORDER BY tag)
                   ) AS tags,
                   c.stage, c.status, c.consent_source, c.consent_date, c.cadence_days,
                   c.notes, c.created, c.updated
            FROM contacts c
            """,
            """
            CREATE TABLE touches (
                id INTEGER PRIMARY KEY,
                contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
                kind TEXT NOT NULL,
                date TEXT NOT NULL,
                reference TEXT NOT NULL DEFAULT '',
                note TEXT NOT NULL DEFAULT '',
                created TEXT NOT NULL
            )
            """,
            "CREATE INDEX touches_by_contact ON touches (contact_id, date, kind)",
            """
            CREATE TRIGGER touches_are_appended BEFORE UPDATE ON touches
            BEGIN
                SELECT RAISE(ABORT, 'touches are never edited; record a new one');
            END
            """,
            """
            CREATE TABLE suppressions (
                email_sha256 TEXT PRIMARY KEY,
                reason TEXT NOT NULL,
                created TEXT NOT NULL
            ) WITHOUT ROWID
            """,
        ),
    ),
    Migration(
        2,
        "subscribe requests (double opt-in)",
        (
            """
            CREATE TABLE subscribe_requests (
                email TEXT PRIMARY KEY,           -- normalised; one open request per address
                token TEXT NOT NULL UNIQUE,       -- random; the signed confirmation link names it
                first_name TEXT NOT NULL DEFAULT '',
                tags TEXT NOT NULL DEFAULT '[]',  -- JSON list
                source TEXT NOT NULL,
                requested TEXT NOT NULL
            ) WITHOUT ROWID
            """,
        ),
    ),
    Migration(
        3,
        "the send ledger: one row per (newsletter issue, contact)",
        (
            # contact_id becomes NULL when the contact is forgotten: the row (and with it the
            # issue's counts) stays, says nothing about the person, and can never match anyone
            # else, because contact ids are never reused.
            """
            CREATE TABLE sends (
                id INTEGER PRIMARY KEY,
                issue INTEGER NOT NULL,
                contact_id INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
                state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sending',
                    'sent', 'deferred', 'failed', 'bounced', 'unknown')),
                attempts INTEGER NOT NULL DEFAULT 0,
                reply TEXT NOT NULL DEFAULT '',       -- the last SMTP reply or problem
                message_id TEXT NOT NULL UNIQUE,      -- stable per (issue, contact)
                bounce TEXT CHECK (bounce IN ('soft', 'hard')),  -- from a bounce report
                reserved TEXT,    -- boot id of the machine whose send run may start this row
                created TEXT NOT NULL,
                updated TEXT NOT NULL,
                UNIQUE (issue, contact_id)
            )
            """,
            "CREATE INDEX sends_by_state ON sends (issue, state)",
            "CREATE INDEX sends_by_contact ON sends (contact_id, issue)",
            # A reply may quote the address: it goes with the contact.
            """
            CREATE TRIGGER sends_forget_reply BEFORE DELETE ON contacts
            BEGIN
                UPDATE sends SET reply = '' WHERE contact_id = OLD.id;
            END
            """,
        ),
    ),
)

LATEST = MIGRATIONS[-1].version


def migrate(conn: sqlite3.Connection, path: Path) -> Path | None:
    """Bring the database at `path` up to LATEST; return the backup written first, if any.

    `conn` is in autocommit mode. Each migration runs in its own transaction together with
    its `user_version` bump, so an interrupted upgrade resumes where it stopped.
    """
    version = _user_version(conn)
    if version > LATEST:
        raise DatabaseError(
            f"{path} has schema version {version} but this Nurture knows only up to {LATEST}; "
            "update Nurture (git pull) before using this database"
        )
    if version == LATEST:
        return None
    if version == 0 and conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
        raise DatabaseError(
            f"{path} is an SQLite database but not a Nurture one; point NURTURE_DB at another file"
        )
    backup = _backup(conn, path, version) if version else None
    for migration in MIGRATIONS:
        conn.execute("BEGIN IMMEDIATE")
        try:
            if migration.version > _user_version(conn):
                for statement in migration.statements:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {migration.version:d}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    return backup


def _user_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def _backup(conn: sqlite3.Connection, path: Path, version: int) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.stem}.schema-v{version}.{stamp}{path.suffix}")
    copy = sqlite3.connect(target)
    try:
        conn.backup(copy)
    finally:
        copy.close()
    target.chmod(0o600)
    return target
