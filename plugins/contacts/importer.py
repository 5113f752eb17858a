"""CSV import: recognise the columns of common exports, check every row, upsert by email.

The file is read as a stream, a thousand rows at a time, in one transaction: a bad row is
rejected with its line number and reason (and written to the report file), a bad file
raises ImportFileError, and a crash or Ctrl-C leaves the database as it was.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from itertools import chain, islice
from pathlib import Path
from typing import Any, Self, TextIO

from .errors import ContactsError, ImportFileError, InvalidEmail
from .models import ConsentStatus, Contact, ImportResult, NewContact, Rejection
from .settings import ContactsSettings
from .store import Store, now
from .validate import (
    clean_line,
    clean_notes,
    clean_tags,
    normalize_email,
    parse_cadence,
    parse_datetime,
    parse_stage,
    parse_status,
)

# Our field -> accepted header names, normalised (lowercase, punctuation as spaces), in order
# of preference. Covers Google Contacts (old and new), LinkedIn connections, Mailchimp
# audience exports and our own `contacts.export`.
HEADERS: dict[str, tuple[str, ...]] = {
    "email": (
        "email",
        "email address",
        "e mail",
        "e mail address",
        "e mail 1 value",
        "email 1 value",
        "primary email",
    ),
    "first_name": ("first name", "firstname", "given name", "fname", "forename"),
    "last_name": ("last name", "lastname", "surname", "family name", "lname"),
    "name": ("name", "full name", "display name"),
    "company": (
        "company",
        "company name",
        "organization",
        "organisation",
        "organization name",
        "organisation name",
        "organization 1 name",
    ),
    "tags": ("tags", "tag", "labels", "group membership", "groups"),
    "stage": ("stage",),
    "status": ("status", "consent status"),
    "consent_source": ("consent source", "source"),
    "consent_date": ("consent date", "confirm time", "optin time"),
    "cadence": ("cadence", "cadence days"),
    "notes": ("notes", "note"),
    "unsubscribed_at": ("unsub time",),  # Mailchimp's export of unsubscribed members
    "cleaned_at": ("clean time",),  # Mailchimp's export of cleaned (bounced) members
}

CHUNK = 1000
FIRST_REJECTIONS = 20
_HEADER_SEARCH_LINES = 10  # LinkedIn puts a few lines of notes above its header
_DELIMITERS = ",;\t"
_Line = tuple[int, list[str]]
_GUARDED = re.compile(r"'(?=[=+\-@])")  # contacts.export's guard against spreadsheet formulas


@dataclass(frozen=True)
class ImportOptions:
    """What `contacts.import` applies besides the file: to every row, or to new contacts only."""

    tags: tuple[str, ...] = ()  # added to everyone in the file
    stage: str | None = None  # for new contacts without a stage column value
    status: ConsentStatus = ConsentStatus.SUBSCRIBED  # for new contacts without a status
    source: str | None = None  # consent source for new contacts; default "import of FILE"
    encoding: str | None = None  # None: UTF-8 (with or without BOM) or UTF-16 with BOM
    report: Path | None = None  # default: FILE.rejected.csv beside the file, when needed


@dataclass(slots=True)
class _Row:
    """One CSV row, checked; None means the file says nothing about that field."""

    email: str
    first_name: str
    last_name: str
    company: str
    tags: tuple[str, ...]
    stage: str | None
    status: ConsentStatus | None
    consent_source: str | None
    consent_date: dt.datetime | None
    cadence_days: int | None
    notes: str


def import_csv(
    store: Store,
    path: Path,
    settings: ContactsSettings,
    options: ImportOptions | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import `path`; `progress` is called with the number of bytes read so far."""
    options = options or ImportOptions()
    result = ImportResult()
    with _open(path) as binary, _Report(options.report or _report_path(path), result) as report:
        text = io.TextIOWrapper(binary, encoding=_encoding(binary, options.encoding), newline="")
        reader = _Reader(text, path)
        columns = reader.columns()
        upsert = _Upsert(store, settings, options, path, now(), report, result)
        with store.transaction():
            store.start_import()
            for chunk in _batched(reader.rows(), CHUNK):
                upsert.chunk([(line, _values(cells, columns)) for line, cells in chunk])
                if progress:
                    progress(binary.raw.tell())
            if not upsert.rows:
                raise ImportFileError(
                    f"{path.name} has a header but no contacts under it; nothing was imported"
                )
    return result


@dataclass
class _Upsert:
    """Checks the rows of one chunk, then adds or updates their contacts in a few statements."""

    store: Store
    settings: ContactsSettings
    options: ImportOptions
    path: Path
    when: dt.datetime
    report: _Report
    result: ImportResult
    rows: int = 0

    def chunk(self, rows: list[tuple[int, dict[str, str]]]) -> None:
        self.rows += len(rows)
        checked: dict[str, tuple[int, _Row]] = {}
        for line, values in rows:
            try:
                row = _check(values, self.settings)
            except ContactsError as error:
                self.report.reject(line, values["email"], str(error))
                continue
            if row.email in checked:
                self.report.reject(line, row.email, f"duplicate of line {checked[row.email][0]}")
            else:
                checked[row.email] = (line, row)
        earlier = self.store.mark_seen({email: line for email, (line, _) in checked.items()})
        forgotten = self.store.forgotten_among(list(checked))
        existing = self.store.contacts_by_email(list(checked))
        added: list[NewContact] = []
        changed: list[Contact] = []
        for email, (line, row) in checked.items():
            if email in earlier:
                self.report.reject(line, email, f"duplicate of line {earlier[email]}")
            elif email in forgotten:
                self.report.reject(line, email, "forgotten at their request; never added again")
            elif email not in existing:
                added.append(_new(row, self.options, self.settings, self.path, self.when))
            elif merged := _merge(existing[email], row, self.options, self.when):
                changed.append(merged)
            else:
                self.result.unchanged += 1
        self.store.insert_contacts(added, self.when)
        self.store.save_contacts(changed, self.when)
        self.result.added += len(added)
        self.result.updated += len(changed)


def _report_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}.rejected.csv")


def _batched(rows: Iterator[_Line], size: int) -> Iterator[list[_Line]]:
    while chunk := list(islice(rows, size)):
        yield chunk


class _Report:
    """Rejected rows: counted in the result and written to the report file, opened on the first."""

    def __init__(self, path: Path, result: ImportResult) -> None:
        self._path = path
        self._result = result
        self._file: TextIO | None = None
        self._writer: Any = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, error: type[BaseException] | None, *exc_info: object) -> None:
        if self._file:
            self._file.close()
            if error:  # nothing was imported: no report of a partial run
                self._path.unlink()

    def reject(self, line: int, email: str, reason: str) -> None:
        if self._file is None:
            try:
                self._file = self._path.open("w", newline="", encoding="utf-8")
            except OSError as error:
                raise ImportFileError(
                    f"cannot write the report of rejected rows {self._path}: {error.strerror}; "
                    "choose another place with --report"
                ) from None
            self._writer = csv.writer(self._file)
            self._writer.writerow(["line", "email", "reason"])
            self._result.report_path = self._path
        self._writer.writerow([line, email, reason])
        self._result.rejected += 1
        if len(self._result.first_rejections) < FIRST_REJECTIONS:
            self._result.first_rejections.append(Rejection(line, email, reason))


def _open(path: Path) -> io.BufferedReader:
    try:
        return path.open("rb")
    except OSError as error:
        raise ImportFileError(f"cannot read {path}: {error.strerror}") from None


def _encoding(binary: io.BufferedReader, chosen: str | None) -> str:
    """The chosen encoding, or the one the file's first bytes announce (UTF-8 otherwise)."""
    if chosen:
        try:
            return codecs.lookup(chosen).name
        except LookupError:
            raise ImportFileError(
                f"unknown encoding {chosen!r}; try utf-8, utf-16 or cp1252"
            ) from None
    head = binary.peek(4)[:4]
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if head.startswith(b"PK\x03\x04"):
        raise ImportFileError(
            f"{Path(binary.name).name} is a spreadsheet workbook, not CSV; "
            "in Excel use File › Save As › CSV UTF-8 and import that file"
        )
    return "utf-8"


class _Reader:
    """Physical lines in, (line number, cells) out; decoding and CSV errors become messages."""

    def __init__(self, text: TextIO, path: Path) -> None:
        self._text = text
        self._path = path
        self._lines = iter(text)
        self._skipped = 0  # lines above the header
        self._csv: Any = None

    def columns(self) -> dict[str, int]:
        """Find the header (LinkedIn puts notes above it) and map its columns to our fields."""
        first: list[str] | None = None
        for _ in range(_HEADER_SEARCH_LINES):
            line = self._next_line()
            if line is None:
                break
            if line.strip():
                delimiter = max(_DELIMITERS, key=line.count)
                cells = next(csv.reader([line], delimiter=delimiter))
                columns = _map(cells)
                if "email" in columns:
                    self._csv = csv.reader(chain([line], self._lines), delimiter=delimiter)
                    next(self._csv)
                    return columns
                first = first or cells
            self._skipped += 1
        if first is None:
            raise ImportFileError(
                f"{self._path.name} is empty; export your contacts as CSV with a header row "
                "(Email, First Name, Last Name, ...)"
            )
        found = ", ".join(name.strip() for name in first if name.strip())
        raise ImportFileError(
            f"{self._path.name} has no email column (its first line has: {found}); "
            "name the column with the addresses 'Email'"
        )

    def rows(self) -> Iterator[_Line]:
        """The non-blank rows under the header, each with the line it starts on."""
        while True:
            line = self._skipped + self._csv.line_num + 1
            try:
                cells = next(self._csv)
            except StopIteration:
                return
            except UnicodeDecodeError as error:
                raise self._decode_error(error) from None
            except csv.Error as error:
                raise ImportFileError(
                    f"{self._path.name}, line {line}: {error}; "
                    "is this really a CSV file of contacts?"
                ) from None
            if any(cell.strip() for cell in cells):
                yield line, cells

    def _next_line(self) -> str | None:
        try:
            return next(self._lines, None)
        except UnicodeDecodeError as error:
            raise self._decode_error(error) from None

    def _decode_error(self, error: UnicodeDecodeError) -> ImportFileError:
        return ImportFileError(
            f"{self._path.name} is not {self._text.encoding} text (it has the byte "
            f"0x{error.object[error.start]:02X}); in Excel use File › Save As › CSV UTF-8, "
            "or name the file's encoding: --encoding cp1252"
        )


def _normal(header: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", header.lower()).split())


def _map(header: list[str]) -> dict[str, int]:
    """Our field -> column index, for the fields this header has."""
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        positions.setdefault(_normal(name), index)
    columns = {}
    for field, aliases in HEADERS.items():
        found = [positions[alias] for alias in aliases if alias in positions]
        if found:
            columns[field] = found[0]
    return columns


def _values(cells: list[str], columns: dict[str, int]) -> dict[str, str]:
    """Our field -> the row's cell, stripped, without contacts.export's formula guard."""
    values = {}
    for field, index in columns.items():
        value = cells[index].strip() if index < len(cells) else ""
        values[field] = _GUARDED.sub("", value, count=1) if value.startswith("'") else value
    return values


def _check(values: dict[str, str], settings: ContactsSettings) -> _Row:
    """A checked row, or a ContactsError saying what is wrong with it."""
    raw_email = values["email"].split(":::")[0]  # Google: "a@x.example ::: b@x.example"
    if not raw_email.strip():
        raise InvalidEmail("no email address")
    first, last = values.get("first_name", ""), values.get("last_name", "")
    if not (first or last) and values.get("name"):
        first, _, last = values["name"].strip().rpartition(" ")
        first, last = (first, last) if first else (last, "")
    status = values.get("status")
    if status:
        consent = parse_status(status)
    elif values.get("unsubscribed_at"):
        consent = ConsentStatus.UNSUBSCRIBED
    elif values.get("cleaned_at"):
        consent = ConsentStatus.BOUNCED
    else:
        consent = None
    return _Row(
        email=normalize_email(raw_email),
        first_name=clean_line(first, "first name"),
        last_name=clean_line(last, "last name"),
        company=clean_line(values.get("company", ""), "company"),
        tags=clean_tags(values.get("tags", "")),
        stage=parse_stage(values["stage"], settings) if values.get("stage") else None,
        status=consent,
        consent_source=clean_line(values.get("consent_source", ""), "consent source") or None,
        consent_date=(
            parse_datetime(values["consent_date"], "consent date")
            if values.get("consent_date")
            else None
        ),
        cadence_days=parse_cadence(values["cadence"]) if values.get("cadence") else None,
        notes=clean_notes(values.get("notes", "")),
    )


def _new(
    row: _Row,
    options: ImportOptions,
    settings: ContactsSettings,
    path: Path,
    when: dt.datetime,
) -> NewContact:
    return NewContact(
        email=row.email,
        first_name=row.first_name,
        last_name=row.last_name,
        company=row.company,
        tags=_union(row.tags, options.tags),
        stage=row.stage or options.stage or settings.default_stage,
        status=row.status or options.status,
        consent_source=row.consent_source or options.source or f"import of {path.name}",
        consent_date=row.consent_date or when,
        cadence_days=row.cadence_days,
        notes=row.notes,
    )


def _merge(
    contact: Contact, row: _Row, options: ImportOptions, when: dt.datetime
) -> Contact | None:
    """The contact with what the row adds or changes; None when nothing would change.

    Empty cells never erase what we know, tags are only added, and the status of an
    unsubscribed, bounced or complained contact is never changed by an import.
    """
    changes: dict[str, object] = {
        name: value
        for name in ("first_name", "last_name", "company", "notes", "stage", "cadence_days")
        if (value := getattr(row, name)) and value != getattr(contact, name)
    }
    tags = _union(contact.tags, row.tags, options.tags)
    if tags != contact.tags:
        changes["tags"] = tags
    if row.status and row.status != contact.status and not contact.status.suppressed:
        changes["status"] = row.status
        changes["consent_source"] = row.consent_source or options.source or "import"
        changes["consent_date"] = row.consent_date or when
    return replace(contact, **changes) if changes else None


def _union(*groups: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(tag for group in groups for tag in group))
