"""The contact database as the service uses it: one connection, in one thread.

SQLite lets one writer in at a time, so the service sends all its work through one
thread that owns one connection: requests never wait on each other's locks, only on
other programs' (a send, an import), for up to the store's busy timeout. Each piece of
work runs inside one transaction, so a failure leaves nothing half-written.

Before each piece of work the file is looked at. If it is gone, the work fails with
Unavailable (the service answers 503) instead of writing into a deleted file; if it was
replaced (restored from a backup), it is opened again.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from plugins.contacts import DatabaseError, Store
from plugins.errors import NurtureError

T = TypeVar("T")


class Unavailable(NurtureError):
    """The contact database is locked, missing or failing; the request may be retried."""


class Database:
    """Runs work on the contact database in its own thread, one piece at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nurture-db")
        self._store: Store | None = None
        self._identity: tuple[int, int] | None = None

    def open(self) -> Path | None:
        """Open (creating and migrating it if needed) at start-up; return a migration backup."""
        return self._executor.submit(self._open_now).result()

    def _open_now(self) -> Path | None:
        try:
            self._store = Store.open(self.path)
        except DatabaseError as error:
            raise Unavailable(str(error)) from None
        self._identity = _identity(self.path.stat())
        return self._store.backup

    async def run(self, work: Callable[[Store], T]) -> T:
        """Run `work(store)` in the database thread; raise Unavailable if it cannot."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._call, work)

    def _call(self, work: Callable[[Store], T]) -> T:
        store = self._current()
        try:
            return work(store)
        except sqlite3.OperationalError as error:  # locked, read-only, disk I/O
            raise Unavailable(f"the contact database {self.path} is unavailable: {error}") from None
        except sqlite3.DatabaseError as error:
            self._drop()
            raise Unavailable(f"the contact database {self.path} failed: {error}") from None

    def _current(self) -> Store:
        try:
            identity = _identity(self.path.stat())
        except FileNotFoundError:
            self._drop()
            raise Unavailable(f"the contact database {self.path} is missing") from None
        if self._store is None or identity != self._identity:
            self._drop()
            try:
                self._store = Store.open(self.path)
            except DatabaseError as error:
                raise Unavailable(str(error)) from None
            self._identity = identity
        return self._store

    def _drop(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def close(self) -> None:
        self._executor.submit(self._drop).result()
        self._executor.shutdown()


def _identity(stat: os.stat_result) -> tuple[int, int]:
    return stat.st_dev, stat.st_ino
