"""Contacts: import 100,000 generated contacts, then `due` over them with 1,000,000 touches.

Each measured run happens in a child process of its own, so its peak memory is its own.
Anchors: plain sqlite3 `executemany` of the same rows into a table with a unique email
index (for import), and the bare SQL that finds every contact's last touch (for due).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.figures import Figure, best_of, peak_rss_mb

STAGES = ("prospect", "client", "partner", "friend")
KINDS = ("newsletter", "email", "call", "meeting", "card")
TODAY = dt.date(2026, 11, 22)


def run(quick: bool) -> list[Figure]:
    contacts = 10_000 if quick else 100_000
    touches = contacts * 10
    with tempfile.TemporaryDirectory(prefix="bench-contacts-") as folder:
        work = Path(folder)
        source = work / "contacts.csv"
        write_contacts(source, contacts)
        anchor_import = best_of(1, lambda: executemany_anchor(source, work / "anchor.sqlite3"))
        imported = child("import", source, work / "nurture.sqlite3")
        add_touches(work / "nurture.sqlite3", contacts, touches)
        anchor_due = best_of(3, lambda: last_touch_anchor(work / "nurture.sqlite3"))
        due = child("due", work / "nurture.sqlite3")
    size = f"{contacts:,} contacts"
    return [
        Figure(
            name=f"import {size} (CSV, upsert by email)",
            value=contacts / imported["seconds"],
            unit="rows/s",
            anchor=contacts / anchor_import,
            anchor_label="sqlite3 executemany",
            target=">= 20,000 rows/s",
            note=f"{imported['seconds']:.2f} s; best of 3",
            higher_is_better=True,
        ),
        Figure(
            name=f"import {size}: peak memory",
            value=imported["rss_mb"],
            unit="MB",
            target="< 200 MB",
            note="child process, whole interpreter",
        ),
        Figure(
            name=f"due over {size}, {touches:,} touches",
            value=due["seconds"],
            unit="s",
            anchor=anchor_due,
            anchor_label="bare last-touch SQL",
            target="< 1 s",
            note=f"{due['count']:,} due; best of 3",
        ),
        Figure(
            name=f"due over {size}: peak memory",
            value=due["rss_mb"],
            unit="MB",
            target="< 200 MB",
            note="child process, whole interpreter",
        ),
    ]


def write_contacts(path: Path, count: int) -> None:
    """A CSV like a real export: a header, names, companies, tags and stages."""
    rng = random.Random(5)
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["Email", "First Name", "Last Name", "Company", "Tags", "Stage", "Notes"])
        for i in range(count):
            company = f"company{i % 2000}"
            writer.writerow(
                [
                    f"person.{i}@{company}.example",
                    f"First{i}",
                    f"Last{i}",
                    f"Company {i % 2000}",
                    ", ".join(rng.sample(["vip", "referrer", "local", "news", "speaker"], 2)),
                    STAGES[i % len(STAGES)],
                    "Met at the breakfast group" if i % 5 == 0 else "",
                ]
            )


def executemany_anchor(source: Path, target: Path) -> None:
    """What plain sqlite3 takes to store the same rows, with no checks at all."""
    target.unlink(missing_ok=True)
    conn = sqlite3.connect(target)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute(
        "CREATE TABLE contacts (id INTEGER PRIMARY KEY, email TEXT UNIQUE, first TEXT, "
        "last TEXT, company TEXT, tags TEXT, stage TEXT, notes TEXT)"
    )
    with source.open(newline="", encoding="utf-8") as file, conn:
        rows = csv.reader(file)
        next(rows)
        conn.executemany("INSERT INTO contacts VALUES (NULL, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.close()


def add_touches(database: Path, contacts: int, touches: int) -> None:
    """`touches` touches spread over every contact and the last 400 days."""
    from plugins.contacts import NewTouch, Store

    rng = random.Random(7)
    per_contact = touches // contacts
    with Store.open(database) as store:
        store.record_touches(
            NewTouch(
                contact_id=contact_id,
                kind=rng.choice(KINDS),
                date=TODAY - dt.timedelta(days=rng.randrange(400)),
            )
            for contact_id in range(1, contacts + 1)
            for _ in range(per_contact)
        )


def last_touch_anchor(database: Path) -> None:
    conn = sqlite3.connect(database)
    conn.execute("SELECT contact_id, max(date), kind FROM touches GROUP BY contact_id").fetchall()
    conn.close()


def child(*args: object) -> dict[str, float]:
    """Run one measurement in a fresh interpreter; return what it printed."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_contacts", *map(str, args)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def _measure(args: list[str]) -> dict[str, float]:
    from plugins.contacts import Store, due_contacts, import_csv
    from plugins.contacts.settings import check_settings

    settings = check_settings({})
    if args[0] == "import":  # best of 3, each into a new database; the last one is kept
        source, database = map(Path, args[1:])
        seconds = float("inf")
        for _ in range(3):
            for old in database.parent.glob(f"{database.name}*"):
                old.unlink()
            with Store.open(database) as store:
                seconds = min(seconds, best_of(1, lambda: import_csv(store, source, settings)))
                count = store.count_contacts()
    else:
        with Store.open(Path(args[1])) as store:
            found: list[int] = []
            seconds = best_of(3, lambda: found.append(len(due_contacts(store, settings, TODAY))))
            count = found[-1]
    return {"seconds": seconds, "count": count, "rss_mb": peak_rss_mb()}


if __name__ == "__main__":
    print(json.dumps(_measure(sys.argv[1:])))
