"""A fresh contact database per test, the settings, and the CLI as a user runs it."""

from __future__ import annotations

import csv
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from plugins.contacts import Store
from plugins.contacts.settings import ContactsSettings, check_settings
from tests.helpers import BIN, ROOT, run

SAMPLE = ROOT / "plugins" / "contacts" / "sample"
# Runs a command and then reports the peak memory of that command on its last stderr line.
MEASURE = (
    "import resource, subprocess, sys\n"
    "code = subprocess.call(sys.argv[1:])\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024, file=sys.stderr)\n"
    "sys.exit(code)\n"
)


@pytest.fixture
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where this test's database lives; NURTURE_DB points there."""
    path = tmp_path / "data" / "nurture.sqlite3"
    monkeypatch.setenv("NURTURE_DB", str(path))
    return path


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    with Store.open(db_path) as opened:
        yield opened


@pytest.fixture
def settings() -> ContactsSettings:
    """The defaults, which are also what the project's pelicanconf.py asks for."""
    return check_settings({})


@pytest.fixture
def cli(db_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """`invoke contacts.<command> ARGS...` from the project root, on this test's database.

    With measure=True, the last line of stderr is the command's peak memory in MB.
    """

    def invoke(
        command: str, *args: str | Path, measure: bool = False
    ) -> subprocess.CompletedProcess[str]:
        wrapper = [sys.executable, "-c", MEASURE] if measure else []
        return run(
            [*wrapper, str(BIN / "invoke"), f"contacts.{command}", *map(str, args)],
            env={"NURTURE_DB": str(db_path)},
        )

    return invoke


def write_csv(path: Path, rows: list[list[str]], **format: str) -> Path:
    """A CSV file of these rows (the first is the header); `format` goes to csv.writer."""
    with path.open("w", newline="", encoding=format.pop("encoding", "utf-8")) as file:
        csv.writer(file, **format).writerows(rows)
    return path
