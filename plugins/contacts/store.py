"""The contact database: the only module that speaks SQL.

One SQLite file in WAL mode with `synchronous=FULL` and foreign keys on. Every method that
takes an email address normalises it first; every write runs in a transaction, and
`Store.transaction()` groups several writes into one (an import, a forget).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Self

from .errors import ContactExists, ContactNotFound, DatabaseError, Forgotten, InvalidValue
from .migrations import migrate
from .models import (
    SUPPRESSED,
    ConsentStatus,
    Contact,
    ContactFields,
    DueContact,
    NewContact,
    NewTouch,
    Touch,
)
from .validate import clean_line, clean_notes, clean_tags, normalize_email

_TAG_SEPARATOR = "\x1f"  # char(31) in the contact_rows view; tags never hold control characters
_SUPPRESSED_JSON = json.dumps(sorted(SUPPRESSED))
_FETCH = 500


def now() -> dt.datetime:
    """The current time in UTC, to the second: the timestamps the store writes."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def email_hash(address: str) -> str:
    """What a forgotten address leaves behind: the SHA-256 of its normalised form."""
    return hashlib.sha256(address.encode()).hexdigest()


SEND_STATES = ("pending", "sending", "sent", "deferred", "failed", "bounced", "unknown")
# A contact is in a send's audience when they have a tag from each non-empty group in
# :groups (a JSON list of lists): the issue's segment, then the --tag of the command.
# The ledger's queries include this constant (hence their `noqa: S608`): no value is ever
# formatted into SQL.
_AUDIENCE = """
    (:groups = '[]' OR NOT EXISTS (SELECT 1 FROM json_each(:groups) AS grp
                WHERE NOT EXISTS (SELECT 1 FROM contact_tags t WHERE t.contact_id = c.id
                                  AND t.tag IN (SELECT value FROM json_each(grp.value)))))
"""


@dataclass(frozen=True)
class Delivery:
    """A send-ledger row just marked `sending`: who to mail, with which Message-ID."""

    id: int
    issue: int
    contact_id: int
    email: str
    first_name: str
    last_name: str
    message_id: str

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


@dataclass(frozen=True)
class SendRow:
    """One row of the send ledger; `email` is None once the contact was forgotten."""

    id: int
    issue: int
    contact_id: int | None
    email: str | None
    state: str
    attempts: int
    reply: str
    bounce: str | None
    updated: dt.datetime


@dataclass(frozen=True)
class SubscribeRequest:
    """A sign-up waiting for the link in its confirmation email to be opened (double opt-in)."""

    email: str
    token: str
    first_name: str
    tags: tuple[str, ...]
    source: str
    requested: dt.datetime


class Store:
    """A connection to the contact database, migrated to the latest schema on open."""

    def __init__(self, conn: sqlite3.Connection, path: Path, backup: Path | None) -> None:
        self._conn = conn
        self._durable = True  # synchronous = FULL
        self.path = path
        self.backup = backup
        """The copy written before this open migrated an existing database, if it did."""

    @classmethod
    def open(cls, path: Path, *, sending: bool = False) -> Self:
        """Open (creating it, private to this user, if needed) and migrate the database.

        `sending=True` is for the newsletter's send: the connection may be used from a
        thread other than the one that opened it (one call at a time), and its write-ahead
        log is copied into the database every 40 MB instead of every 4 MB, which keeps the
        per-message marks cheap.
        """
        created = not path.exists()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=not sending)
        except (OSError, sqlite3.Error) as error:
            raise DatabaseError(
                f"cannot create the contact database {path}: {error}; "
                "check the path (NURTURE_DB) and its permissions"
            ) from None
        try:
            if created:
                path.chmod(0o600)
            conn.execute("PRAGMA busy_timeout = 5000")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA secure_delete = ON")  # forgotten data is overwritten, not freed
            conn.execute("PRAGMA cache_size = -32768")  # 32 MB, for imports and `due`
            if sending:
                conn.execute("PRAGMA wal_autocheckpoint = 10000")
            return cls(conn, path, migrate(conn, path))
        except sqlite3.DatabaseError as error:
            conn.close()
            raise DatabaseError(
                f"cannot open the contact database {path}: {error}; "
                "check the path (NURTURE_DB) and that the file is a Nurture database"
            ) from None
        except BaseException:
            conn.close()
            raise

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextmanager
    def transaction(self, *, durable: bool = True) -> Iterator[None]:
        """All writes inside happen or none do (also on Ctrl-C). Nested calls join the outer one.

        A durable transaction is on disk when it returns, even after a power cut. One with
        `durable=False` (the send ledger's per-message marks) survives the process being
        killed but not the machine losing power until the next durable one, which flushes
        every transaction before it.
        """
        if self._conn.in_transaction:
            yield
            return
        if durable != self._durable:
            self._conn.execute(f"PRAGMA synchronous = {'FULL' if durable else 'NORMAL'}")
            self._durable = durable
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if self._conn.in_transaction:  # SQLite may have rolled back already
                self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    # Contacts

    def add_contact(self, new: NewContact) -> Contact:
        """Add one contact, its text cleaned; raise ContactExists, Forgotten or InvalidValue."""
        email = normalize_email(new.email)
        clean = replace(
            new,
            email=email,
            first_name=clean_line(new.first_name, "first name"),
            last_name=clean_line(new.last_name, "last name"),
            company=clean_line(new.company, "company"),
            tags=clean_tags(",".join(new.tags)),
            consent_source=clean_line(new.consent_source, "consent source"),
            notes=clean_notes(new.notes),
        )
        with self.transaction():
            if self.find_contact(email):
                raise ContactExists(f"{email} is already a contact; change it with contacts.edit")
            self._refuse_forgotten(email)
            self.insert_contacts([clean])
        return self.get_contact(email)

    def insert_contacts(
        self, contacts: Sequence[NewContact], when: dt.datetime | None = None
    ) -> None:
        """Insert contacts with normalised addresses known to be new and not forgotten."""
        stamp = (when or now()).isoformat()
        with self.transaction():
            # The write lock is ours, so we can number the rows and tag them without lookups.
            first = self._conn.execute(
                "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'contacts'), 0) + 1"
            ).fetchone()[0]
            self._conn.executemany(
                "INSERT INTO contacts (id, email, first_name, last_name, company, stage, status, "
                "consent_source, consent_date, cadence_days, notes, created, updated) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    (
                        id,
                        c.email,
                        c.first_name,
                        c.last_name,
                        c.company,
                        c.stage,
                        c.status.value,
                        c.consent_source,
                        _iso(c.consent_date),
                        c.cadence_days,
                        c.notes,
                        stamp,
                        stamp,
                    )
                    for id, c in enumerate(contacts, first)
                ),
            )
            self._conn.executemany(
                "INSERT INTO contact_tags (contact_id, tag) VALUES (?, ?)",
                ((id, tag) for id, c in enumerate(contacts, first) for tag in c.tags),
            )

    def save_contacts(self, contacts: Sequence[Contact], when: dt.datetime | None = None) -> None:
        """Write back changed contacts (every field but id, created and updated; tags are added)."""
        stamp = (when or now()).isoformat()
        with self.transaction():
            self._conn.executemany(
                "UPDATE contacts SET first_name = ?, last_name = ?, company = ?, stage = ?, "
                "status = ?, consent_source = ?, consent_date = ?, cadence_days = ?, notes = ?, "
                "updated = ? WHERE id = ?",
                (
                    (
                        c.first_name,
                        c.last_name,
                        c.company,
                        c.stage,
                        c.status.value,
                        c.consent_source,
                        _iso(c.consent_date),
                        c.cadence_days,
                        c.notes,
                        stamp,
                        c.id,
                    )
                    for c in contacts
                ),
            )
            self._conn.executemany(
                "INSERT OR IGNORE INTO contact_tags (contact_id, tag) VALUES (?, ?)",
                ((c.id, tag) for c in contacts for tag in c.tags),
            )

    def find_contact(self, email: str) -> Contact | None:
        row = self._conn.execute(
            "SELECT * FROM contact_rows WHERE email = ?",
            (normalize_email(email),),
        ).fetchone()
        return _contact(row) if row else None

    def contact_by_id(self, contact_id: int) -> Contact | None:
        row = self._conn.execute(
            "SELECT * FROM contact_rows WHERE id = ?", (contact_id,)
        ).fetchone()
        return _contact(row) if row else None

    def get_contact(self, email: str) -> Contact:
        """The contact with this address; raise ContactNotFound."""
        found = self.find_contact(email)
        if found is None:
            raise ContactNotFound(
                f"{normalize_email(email)} is not a contact; "
                "see `invoke contacts.list`, or add them with contacts.add"
            )
        return found

    def contacts_by_email(self, emails: Sequence[str]) -> dict[str, Contact]:
        """The existing contacts among these normalised addresses, by address."""
        rows = self._conn.execute(
            "SELECT * FROM contact_rows WHERE email IN (SELECT value FROM json_each(?))",
            (json.dumps(list(emails)),),
        )
        return {contact.email: contact for contact in map(_contact, rows)}

    def update_contact(self, email: str, fields: ContactFields) -> Contact:
        """Change the given fields (None leaves a field alone); return the contact as saved."""

        def line(value: str | None, field: str) -> str | None:
            return None if value is None else clean_line(value, field)

        cleaned = replace(
            fields,
            first_name=line(fields.first_name, "first name"),
            last_name=line(fields.last_name, "last name"),
            company=line(fields.company, "company"),
            notes=None if fields.notes is None else clean_notes(fields.notes),
        )
        with self.transaction():
            contact = self.get_contact(email)
            self._conn.execute(
                "UPDATE contacts SET first_name = coalesce(:first_name, first_name), "
                "last_name = coalesce(:last_name, last_name), "
                "company = coalesce(:company, company), stage = coalesce(:stage, stage), "
                "cadence_days = coalesce(:cadence_days, cadence_days), "
                "notes = coalesce(:notes, notes), updated = :updated WHERE id = :id",
                {**vars(cleaned), "updated": now().isoformat(), "id": contact.id},
            )
        return self.get_contact(email)

    def clear_cadence(self, email: str) -> Contact:
        """Go back to the cadence of the contact's stage."""
        with self.transaction():
            contact = self.get_contact(email)
            self._conn.execute(
                "UPDATE contacts SET cadence_days = NULL, updated = ? WHERE id = ?",
                (now().isoformat(), contact.id),
            )
        return self.get_contact(email)

    def set_status(self, email: str, status: ConsentStatus, source: str) -> Contact:
        """Record a consent change; leaving unsubscribed/bounced/complained needs a new source."""
        source = clean_line(source, "consent source")
        with self.transaction():
            contact = self.get_contact(email)
            if contact.status == status:
                return contact
            if contact.status.suppressed and not status.suppressed and not source:
                raise InvalidValue(
                    f"{contact.email} is {contact.status}; to make them {status} again, "
                    "give the source of their new consent (where and when they asked)"
                )
            stamp = now().isoformat()
            self._conn.execute(
                "UPDATE contacts SET status = ?, consent_source = ?, consent_date = ?, "
                "updated = ? WHERE id = ?",
                (status.value, source or "changed by hand", stamp, stamp, contact.id),
            )
        return self.get_contact(email)

    def add_tags(self, email: str, tags: Iterable[str]) -> Contact:
        with self.transaction():
            contact = self.get_contact(email)
            self._conn.executemany(
                "INSERT OR IGNORE INTO contact_tags (contact_id, tag) VALUES (?, ?)",
                ((contact.id, tag) for tag in tags),
            )
            self._touch_updated(contact.id)
        return self.get_contact(email)

    def remove_tags(self, email: str, tags: Iterable[str]) -> Contact:
        with self.transaction():
            contact = self.get_contact(email)
            self._conn.executemany(
                "DELETE FROM contact_tags WHERE contact_id = ? AND tag = ?",
                ((contact.id, tag) for tag in tags),
            )
            self._touch_updated(contact.id)
        return self.get_contact(email)

    def contacts(
        self, *, tag: str | None = None, stage: str | None = None, status: str | None = None
    ) -> Iterator[Contact]:
        """Every contact matching all the filters given, by name, read lazily."""
        yield from self._iter_contacts(
            "SELECT * FROM contact_rows WHERE (:stage IS NULL OR stage = :stage) "
            "AND (:status IS NULL OR status = :status) AND (:tag IS NULL OR id IN "
            "(SELECT contact_id FROM contact_tags WHERE tag = :tag)) "
            "ORDER BY lower(last_name), lower(first_name), email",
            {"tag": tag, "stage": stage, "status": status},
        )

    def sendable_contacts(self, tags: Iterable[str] = ()) -> Iterator[Contact]:
        """Subscribed contacts (with any of `tags`, if given), by id, read lazily.

        This is what the newsletter sends to: never anyone pending or suppressed.
        """
        yield from self._iter_contacts(
            "SELECT * FROM contact_rows WHERE status = 'subscribed' "
            "AND (:tags = '[]' OR id IN (SELECT contact_id FROM contact_tags "
            "WHERE tag IN (SELECT value FROM json_each(:tags)))) ORDER BY id",
            {"tags": json.dumps(list(tags))},
        )

    def is_suppressed(self, email: str) -> bool:
        """True for an unsubscribed, bounced, complained or forgotten address."""
        address = normalize_email(email)
        row = self._conn.execute(
            "SELECT EXISTS (SELECT 1 FROM contacts WHERE email = ? "
            "AND status IN (SELECT value FROM json_each(?))) "
            "OR EXISTS (SELECT 1 FROM suppressions WHERE email_sha256 = ?)",
            (address, _SUPPRESSED_JSON, email_hash(address)),
        ).fetchone()
        return bool(row[0])

    def forgotten_among(self, emails: Sequence[str]) -> set[str]:
        """Which of these normalised addresses were forgotten."""
        hashes = {email_hash(email): email for email in emails}
        rows = self._conn.execute(
            "SELECT email_sha256 FROM suppressions "
            "WHERE email_sha256 IN (SELECT value FROM json_each(?))",
            (json.dumps(list(hashes)),),
        )
        return {hashes[digest] for (digest,) in rows}

    def forget(self, email: str) -> bool:
        """Erase the contact, their tags and touches; keep only a hash so they are never mailed.

        Returns whether there was a contact to erase (the hash is recorded either way).
        """
        address = normalize_email(email)
        with self.transaction():
            erased = self._conn.execute("DELETE FROM contacts WHERE email = ?", (address,))
            self._conn.execute("DELETE FROM subscribe_requests WHERE email = ?", (address,))
            self._conn.execute(
                "INSERT OR IGNORE INTO suppressions (email_sha256, reason, created) "
                "VALUES (?, 'forgotten', ?)",
                (email_hash(address), now().isoformat()),
            )
        # Copy the erased pages into the database file and empty the write-ahead log, so
        # the old rows are gone from disk too (secure_delete zeroes them in the file).
        self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return erased.rowcount > 0

    def unforget(self, email: str) -> bool:
        """Lift the forgotten mark: only for an owner who proved the address and asked back in.

        The subscriptions service calls this when the link in a confirmation email sent to
        the address is opened. Returns whether the address was forgotten.
        """
        with self.transaction():
            cursor = self._conn.execute(
                "DELETE FROM suppressions WHERE email_sha256 = ? AND reason = 'forgotten'",
                (email_hash(normalize_email(email)),),
            )
        return cursor.rowcount > 0

    # Subscribe requests: a sign-up waits here until its confirmation link is opened.

    def save_subscribe_request(
        self, email: str, *, first_name: str, tags: Iterable[str], source: str, when: dt.datetime
    ) -> SubscribeRequest:
        """Open the request for this address, or refresh the open one (which keeps its token)."""
        with self.transaction():
            row = self._conn.execute(
                "INSERT INTO subscribe_requests "
                "(email, token, first_name, tags, source, requested) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (email) DO UPDATE SET "
                "first_name = excluded.first_name, tags = excluded.tags, "
                "source = excluded.source, requested = excluded.requested RETURNING *",
                (
                    normalize_email(email),
                    secrets.token_urlsafe(16),
                    clean_line(first_name, "first name"),
                    json.dumps(clean_tags(",".join(tags))),
                    clean_line(source, "consent source"),
                    when.isoformat(),
                ),
            ).fetchone()
        return _subscribe_request(row)

    def subscribe_request(self, token: str) -> SubscribeRequest | None:
        row = self._conn.execute(
            "SELECT * FROM subscribe_requests WHERE token = ?", (token,)
        ).fetchone()
        return _subscribe_request(row) if row else None

    def delete_subscribe_request(self, email: str) -> None:
        with self.transaction():
            self._conn.execute(
                "DELETE FROM subscribe_requests WHERE email = ?", (normalize_email(email),)
            )

    def delete_subscribe_requests_before(self, moment: dt.datetime) -> int:
        """Drop the requests made before `moment` (expired); return how many."""
        with self.transaction():
            cursor = self._conn.execute(
                "DELETE FROM subscribe_requests WHERE requested < ?", (moment.isoformat(),)
            )
        return cursor.rowcount

    # The send ledger: one row per (newsletter issue, contact). plugins/newsletter/send.py
    # drives it; docs/newsletter.md ("Sending") explains the states.

    def plan_sends(self, issue: int, groups: Sequence[Sequence[str]], message_id: str) -> int:
        """Add a `pending` row for each subscribed contact in the audience that has none.

        `message_id` is a printf format for the contact id. Waiting rows (pending, deferred)
        whose contact is no longer subscribed are dropped first: nothing was sent to them.
        Returns how many rows were added.
        """
        stamp = now().isoformat()
        with self.transaction():
            self._conn.execute(
                "DELETE FROM sends WHERE issue = ? AND state IN ('pending', 'deferred') "
                "AND NOT EXISTS (SELECT 1 FROM contacts "
                "WHERE id = sends.contact_id AND status = 'subscribed')",
                (issue,),
            )
            cursor = self._conn.execute(
                "INSERT OR IGNORE INTO sends (issue, contact_id, message_id, created, updated) "  # noqa: S608
                "SELECT :issue, c.id, printf(:format, c.id), :now, :now FROM contacts c "
                f"WHERE c.status = 'subscribed' AND {_AUDIENCE} ORDER BY c.id",
                {"issue": issue, "format": message_id, "now": stamp, "groups": _groups(groups)},
            )
            return cursor.rowcount

    def unsent_contacts(
        self, issue: int, groups: Sequence[Sequence[str]], states: Sequence[str]
    ) -> Iterator[Contact]:
        """Subscribed contacts in the audience with no row for the issue or a row in `states`:
        whom a send would mail now. Read lazily, by id."""
        yield from self._iter_contacts(
            "SELECT * FROM contact_rows c WHERE status = 'subscribed' "  # noqa: S608
            f"AND {_AUDIENCE} AND coalesce((SELECT state FROM sends "
            "WHERE issue = :issue AND contact_id = c.id) IN (SELECT value FROM json_each(:states)),"
            " 1) ORDER BY id",
            {"issue": issue, "groups": _groups(groups), "states": json.dumps(states)},
        )

    def count_unsent(
        self, issue: int, groups: Sequence[Sequence[str]], states: Sequence[str]
    ) -> int:
        return self._conn.execute(
            "SELECT count(*) FROM contacts c WHERE status = 'subscribed' "  # noqa: S608
            f"AND {_AUDIENCE} AND coalesce((SELECT state FROM sends "
            "WHERE issue = :issue AND contact_id = c.id) IN (SELECT value FROM json_each(:states)),"
            " 1)",
            {"issue": issue, "groups": _groups(groups), "states": json.dumps(states)},
        ).fetchone()[0]

    def recover_sends(self, issue: int, boot_id: str) -> int:
        """Settle what a run that stopped without finishing (killed, crashed) left behind.

        Rows left `sending` were in the SMTP transaction: they become `unknown`. Rows that
        run reserved on an earlier boot of the machine (or on a machine without a boot id)
        become `unknown` too: a power cut may have lost their `sending` mark. Every other
        reservation is released. Returns how many rows became unknown.
        """
        stamp = now().isoformat()
        with self.transaction():
            interrupted = self._conn.execute(
                "UPDATE sends SET state = 'unknown', updated = ?, reply = "
                "'the send stopped during the SMTP transaction: the server may have it' "
                "WHERE issue = ? AND state = 'sending'",
                (stamp, issue),
            ).rowcount
            lost = self._conn.execute(
                "UPDATE sends SET state = 'unknown', updated = ?, reply = "
                "'the machine restarted during a send: this message may have gone out' "
                "WHERE issue = ? AND reserved IS NOT NULL AND (? = '' OR reserved != ?) "
                "AND state IN ('pending', 'deferred', 'failed')",
                (stamp, issue, boot_id, boot_id),
            ).rowcount
            self.release_sends(issue)
        return interrupted + lost

    def reserve_sends(
        self,
        issue: int,
        groups: Sequence[Sequence[str]],
        states: Sequence[str],
        limit: int,
        boot_id: str,
    ) -> list[int]:
        """Durably reserve up to `limit` startable rows (in `states`, contact subscribed and in
        the audience), state by state in id order; return their ids."""
        reserved: list[int] = []
        with self.transaction():
            for state in states:
                rows = self._conn.execute(
                    "UPDATE sends SET reserved = :boot WHERE id IN (SELECT s.id FROM sends s "  # noqa: S608
                    "JOIN contacts c ON c.id = s.contact_id WHERE s.issue = :issue "
                    "AND s.state = :state AND s.reserved IS NULL AND c.status = 'subscribed' "
                    f"AND {_AUDIENCE} ORDER BY s.id LIMIT :limit) RETURNING id",
                    {
                        "boot": boot_id,
                        "issue": issue,
                        "state": state,
                        "groups": _groups(groups),
                        "limit": limit - len(reserved),
                    },
                ).fetchall()
                reserved += sorted(id for (id,) in rows)
        return reserved

    def release_sends(self, issue: int) -> None:
        """Durably release the issue's reservations (the end of a run)."""
        with self.transaction():
            self._conn.execute(
                "UPDATE sends SET reserved = NULL WHERE issue = ? AND reserved IS NOT NULL",
                (issue,),
            )

    def start_send(self, send_id: int, states: Sequence[str]) -> Delivery | None:
        """Mark the row `sending` if it is in `states` and its contact is still subscribed.

        Not durable (see `transaction`): a run reserves rows durably before starting them.
        A waiting row whose contact is no longer subscribed is dropped (nothing was sent);
        None is returned for it, as for a row not in `states`.
        """
        with self.transaction(durable=False):
            row = self._conn.execute(
                "UPDATE sends SET state = 'sending', attempts = attempts + 1, updated = ? "
                "WHERE id = ? AND state IN (SELECT value FROM json_each(?)) AND EXISTS "
                "(SELECT 1 FROM contacts WHERE id = sends.contact_id AND status = 'subscribed') "
                "RETURNING issue, contact_id, message_id",
                (now().isoformat(), send_id, json.dumps(states)),
            ).fetchone()
            if row is None:
                self._conn.execute(
                    "DELETE FROM sends WHERE id = ? AND state IN ('pending', 'deferred') "
                    "AND NOT EXISTS (SELECT 1 FROM contacts "
                    "WHERE id = sends.contact_id AND status = 'subscribed')",
                    (send_id,),
                )
                return None
            issue, contact_id, message_id = row
            email, first, last = self._conn.execute(
                "SELECT email, first_name, last_name FROM contacts WHERE id = ?", (contact_id,)
            ).fetchone()
        return Delivery(send_id, issue, contact_id, email, first, last, message_id)

    def finish_send(
        self, send_id: int, state: str, reply: str, *, touch: str = "", suppress: str = ""
    ) -> None:
        """Record what became of a started message (not durable, like `start_send`).

        `touch` (for `sent`): the reference of the newsletter touch recorded for the
        contact. `suppress`: the reason the contact is marked bounced (a 5xx reply).
        A `deferred` row keeps its reservation, for a retry within the run.
        """
        stamp = now()
        with self.transaction(durable=False):
            row = self._conn.execute(
                "UPDATE sends SET state = :state, reply = :reply, updated = :now, "
                "reserved = CASE WHEN :state = 'deferred' THEN reserved END "
                "WHERE id = :id RETURNING contact_id",
                {"state": state, "reply": reply, "now": stamp.isoformat(), "id": send_id},
            ).fetchone()
            contact_id = row[0] if row else None
            if contact_id is not None and touch:
                self._conn.execute(
                    "INSERT INTO touches (contact_id, kind, date, reference, note, created) "
                    "VALUES (?, 'newsletter', ?, ?, '', ?)",
                    (contact_id, stamp.date().isoformat(), touch, stamp.isoformat()),
                )
            if contact_id is not None and suppress:
                self._suppress_bounced(contact_id, suppress, stamp)

    def send_counts(self, issue: int) -> dict[str, int]:
        """How many rows of the issue are in each state."""
        rows = self._conn.execute(
            "SELECT state, count(*) FROM sends WHERE issue = ? GROUP BY state", (issue,)
        )
        return dict(rows.fetchall())

    def sent_per_issue(self) -> dict[int, tuple[int, int]]:
        """(sent, rows) for each issue in the ledger."""
        rows = self._conn.execute(
            "SELECT issue, sum(state = 'sent'), count(*) FROM sends GROUP BY issue"
        )
        return {issue: (sent, total) for issue, sent, total in rows}

    def send_rows(self, issue: int, states: Sequence[str]) -> Iterator[SendRow]:
        """The issue's rows in `states`, by id, read lazily."""
        cursor = self._conn.execute(
            f"{_SEND_ROWS} WHERE s.issue = ? AND s.state IN (SELECT value FROM json_each(?)) "  # noqa: S608
            "ORDER BY s.id",
            (issue, json.dumps(states)),
        )
        while rows := cursor.fetchmany(_FETCH):
            yield from map(_send_row, rows)

    def find_send(self, message_id: str) -> SendRow | None:
        row = self._conn.execute(f"{_SEND_ROWS} WHERE s.message_id = ?", (message_id,)).fetchone()
        return _send_row(row) if row else None

    def last_send_to(self, email: str) -> SendRow | None:
        """The row of the issue last sent (or bounced) to this address."""
        row = self._conn.execute(
            f"{_SEND_ROWS} WHERE c.email = ? AND s.state IN ('sent', 'bounced') "
            "ORDER BY s.id DESC LIMIT 1",
            (normalize_email(email),),
        ).fetchone()
        return _send_row(row) if row else None

    def record_bounce(self, send_id: int, *, hard: bool, reason: str, soft_limit: int) -> bool:
        """Note a bounce report on a ledger row; return whether its contact is now bounced.

        A hard bounce marks the row and the contact `bounced`. A soft one is noted on the
        row; the contact is marked bounced when the last `soft_limit` issues sent to them
        all bounced.
        """
        stamp = now()
        with self.transaction():
            row = self._conn.execute(
                "UPDATE sends SET bounce = CASE WHEN :hard THEN 'hard' "
                "ELSE coalesce(bounce, 'soft') END, "
                "state = CASE WHEN :hard THEN 'bounced' ELSE state END, "
                "reply = :reason, updated = :now WHERE id = :id RETURNING contact_id",
                {"hard": hard, "reason": reason, "now": stamp.isoformat(), "id": send_id},
            ).fetchone()
            contact_id = row[0] if row else None
            if contact_id is None:
                return False
            if not hard:
                recent = self._conn.execute(
                    "SELECT bounce FROM sends WHERE contact_id = ? "
                    "AND state IN ('sent', 'bounced') ORDER BY id DESC LIMIT ?",
                    (contact_id, soft_limit),
                ).fetchall()
                if len(recent) < soft_limit or any(bounce is None for (bounce,) in recent):
                    return False
            self._suppress_bounced(contact_id, f"bounce report: {reason}", stamp)
        return True

    # Touches

    def record_touches(self, touches: Iterable[NewTouch]) -> int:
        """Append touches; return how many were recorded."""
        stamp = now().isoformat()
        with self.transaction():
            cursor = self._conn.executemany(
                "INSERT INTO touches (contact_id, kind, date, reference, note, created) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    (t.contact_id, t.kind, t.date.isoformat(), t.reference, t.note, stamp)
                    for t in touches
                ),
            )
            return cursor.rowcount

    def touches_of(self, contact: Contact) -> list[Touch]:
        """The contact's timeline, newest first."""
        rows = self._conn.execute(
            "SELECT id, contact_id, kind, date, reference, note FROM touches "
            "WHERE contact_id = ? ORDER BY date DESC, id DESC",
            (contact.id,),
        )
        return [
            Touch(id, contact_id, kind, dt.date.fromisoformat(day), reference, note)
            for id, contact_id, kind, day, reference, note in rows
        ]

    # Due and stats

    def due(
        self,
        *,
        cadences: dict[str, int],
        default_cadence: int,
        today: dt.date,
        within_days: int = 0,
        tag: str | None = None,
    ) -> list[DueContact]:
        """Contacts due within `within_days` of today, most overdue first.

        A contact is due `cadence` days after their last touch or, never touched, from the
        day they were added. The cadence is the contact's own, else their stage's (from
        `cadences`), else `default_cadence`.
        """
        rows = self._conn.execute(
            """
            WITH cadence AS (SELECT key AS stage, value AS days FROM json_each(:cadences)),
            contact_last AS MATERIALIZED (
                SELECT c.email, c.first_name, c.last_name, c.stage, c.created,
                       coalesce(c.cadence_days, cadence.days, :default) AS days,
                       (SELECT date || ' ' || kind FROM touches WHERE contact_id = c.id
                        ORDER BY date DESC LIMIT 1) AS last
                FROM contacts c LEFT JOIN cadence ON cadence.stage = c.stage
                WHERE :tag IS NULL
                   OR c.id IN (SELECT contact_id FROM contact_tags WHERE tag = :tag)
            ),
            contact_due AS MATERIALIZED (
                SELECT *, coalesce(date(substr(last, 1, 10), '+' || days || ' days'),
                                   date(created)) AS due
                FROM contact_last
            )
            SELECT email, first_name, last_name, stage, days, last, due FROM contact_due
            WHERE due <= :until ORDER BY due, email
            """,
            {
                "cadences": json.dumps(cadences),
                "default": default_cadence,
                "tag": tag,
                "until": (today + dt.timedelta(days=within_days)).isoformat(),
            },
        )
        result = []
        for email, first, last, stage, days, last_touch, due in rows:
            last_date, _, kind = last_touch.partition(" ") if last_touch else (None, "", None)
            due_date = dt.date.fromisoformat(due)
            result.append(
                DueContact(
                    email=email,
                    name=" ".join(part for part in (first, last) if part),
                    stage=stage,
                    cadence_days=days,
                    last_touch_kind=kind,
                    last_touch_date=dt.date.fromisoformat(last_date) if last_date else None,
                    due_date=due_date,
                    overdue_days=(today - due_date).days,
                )
            )
        return result

    def count_by_stage_status(self) -> dict[tuple[str, ConsentStatus], int]:
        rows = self._conn.execute(
            "SELECT stage, status, count(*) FROM contacts GROUP BY stage, status"
        )
        return {(stage, ConsentStatus(status)): count for stage, status, count in rows}

    def touches_per_month(self, since: dt.date) -> dict[str, int]:
        """Touches per calendar month ("2026-11") from `since` on."""
        rows = self._conn.execute(
            "SELECT substr(date, 1, 7), count(*) FROM touches WHERE date >= ? GROUP BY 1",
            (since.isoformat(),),
        )
        return dict(rows.fetchall())

    def count_forgotten(self) -> int:
        return self._conn.execute(
            "SELECT count(*) FROM suppressions WHERE reason = 'forgotten'"
        ).fetchone()[0]

    def count_contacts(self) -> int:
        return self._conn.execute("SELECT count(*) FROM contacts").fetchone()[0]

    # The importer's bookkeeping: which addresses this import has seen, at which line.

    def start_import(self) -> None:
        self._conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS import_seen "
            "(email TEXT PRIMARY KEY, line INTEGER NOT NULL) WITHOUT ROWID"
        )
        self._conn.execute("DELETE FROM import_seen")

    def mark_seen(self, lines: dict[str, int]) -> dict[str, int]:
        """Remember these addresses at these lines; return those seen before, with their line."""
        seen = dict(
            self._conn.execute(
                "SELECT email, line FROM import_seen "
                "WHERE email IN (SELECT value FROM json_each(?))",
                (json.dumps(list(lines)),),
            ).fetchall()
        )
        self._conn.executemany(
            "INSERT INTO import_seen (email, line) VALUES (?, ?)",
            ((email, line) for email, line in lines.items() if email not in seen),
        )
        return seen

    # Internals

    def _suppress_bounced(self, contact_id: int, reason: str, when: dt.datetime) -> None:
        """Mark a subscribed (or pending) contact bounced; other suppressions stay as they are."""
        self._conn.execute(
            "UPDATE contacts SET status = 'bounced', consent_source = ?, consent_date = ?, "
            "updated = ? WHERE id = ? AND status IN ('subscribed', 'pending')",
            (reason[:200], when.isoformat(), when.isoformat(), contact_id),
        )

    def _refuse_forgotten(self, email: str) -> None:
        if self.forgotten_among([email]):
            raise Forgotten(
                f"{email} was forgotten at their request; Nurture will not add them again"
            )

    def _touch_updated(self, contact_id: int) -> None:
        self._conn.execute(
            "UPDATE contacts SET updated = ? WHERE id = ?", (now().isoformat(), contact_id)
        )

    def _iter_contacts(self, sql: str, params: dict[str, object]) -> Iterator[Contact]:
        cursor = self._conn.execute(sql, params)
        while rows := cursor.fetchmany(_FETCH):
            yield from map(_contact, rows)


def _subscribe_request(row: tuple) -> SubscribeRequest:
    email, token, first_name, tags, source, requested = row
    moment = dt.datetime.fromisoformat(requested)
    return SubscribeRequest(email, token, first_name, tuple(json.loads(tags)), source, moment)


_SEND_ROWS = (
    "SELECT s.id, s.issue, s.contact_id, c.email, s.state, s.attempts, s.reply, s.bounce, "
    "s.updated FROM sends s LEFT JOIN contacts c ON c.id = s.contact_id"
)


def _groups(groups: Sequence[Sequence[str]]) -> str:
    """The :groups parameter of _AUDIENCE: the non-empty groups, as JSON."""
    return json.dumps([list(group) for group in groups if group])


def _send_row(row: tuple) -> SendRow:
    id, issue, contact_id, email, state, attempts, reply, bounce, updated = row
    return SendRow(
        id, issue, contact_id, email, state, attempts, reply, bounce,
        dt.datetime.fromisoformat(updated),
    )  # fmt: skip


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _contact(row: tuple) -> Contact:
    (id, email, first, last, company, tags, stage, status, source, consent, cadence, notes,
     created, updated) = row  # fmt: skip
    return Contact(
        id=id,
        email=email,
        first_name=first,
        last_name=last,
        company=company,
        tags=tuple(tags.split(_TAG_SEPARATOR)) if tags else (),
        stage=stage,
        status=ConsentStatus(status),
        consent_source=source,
        consent_date=dt.datetime.fromisoformat(consent) if consent else None,
        cadence_days=cadence,
        notes=notes,
        created=dt.datetime.fromisoformat(created),
        updated=dt.datetime.fromisoformat(updated),
    )
