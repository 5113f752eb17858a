"""`invoke contacts.*`: your contacts, their consent and every touch, from the command line.

Each task parses its arguments, calls the library and prints. A mistake is one line on
stderr starting with "error:" and exit code 1, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from invoke import Exit, task
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn
from rich.table import Table

from . import export, validate
from .due import due_contacts
from .errors import ContactsError
from .importer import ImportOptions, import_csv
from .models import ConsentStatus, Contact, ContactFields, NewContact, NewTouch
from .sample import load_sample
from .settings import ContactsSettings, database_path, load_settings
from .stats import contact_stats
from .store import Store, now

PROGRESS_BYTES = 256 * 1024  # a few thousand rows
console = Console(highlight=False)
STATUSES = ", ".join(ConsentStatus)


@contextmanager
def _session() -> Iterator[tuple[Store, ContactsSettings]]:
    """The settings and the open database; library errors become one-line exits."""
    try:
        settings = load_settings()
        with Store.open(database_path()) as store:
            if store.backup:
                print(f"upgraded {store.path}; the old version is kept in {store.backup}")
            yield store, settings
    except ContactsError as error:
        raise Exit(f"error: {error}", code=1) from None


def _filters(
    settings: ContactsSettings, tag: str | None, stage: str | None, status: str | None
) -> dict[str, str | None]:
    """The --tag, --stage and --status of `list`, `export` and `due`, checked."""
    tags = validate.clean_tags(tag or "")
    return {
        "tag": tags[0] if tags else None,
        "stage": validate.parse_stage(stage, settings) if stage else None,
        "status": validate.parse_status(status) if status else None,
    }


def _count(count: int, noun: str, plural: str = "") -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {plural or noun + 's'}"


def _describe(contact: Contact) -> str:
    who = f"{contact.name} <{contact.email}>" if contact.name else contact.email
    return f"{who} ({contact.stage}, {contact.status})"


@task(
    name="import",
    iterable=["tag"],
    help={
        "file": "the CSV file (Google Contacts, LinkedIn, Mailchimp or your own columns)",
        "tag": "add this tag to everyone in the file (repeatable)",
        "stage": "stage of the new contacts that have no stage column value",
        "status": f"consent status of new contacts without one in the file ({STATUSES})",
        "source": "where the new contacts gave consent (default: 'import of FILE')",
        "encoding": "the file's encoding if not UTF-8 or UTF-16, e.g. cp1252",
        "report": "where to write the rejected rows (default: FILE.rejected.csv)",
    },
)
def import_(
    c, file, tag=None, stage=None, status="subscribed", source=None, encoding=None, report=None
):
    """Add and update contacts from a CSV file, matched by email."""
    path = Path(file)
    with _session() as (store, settings):
        options = ImportOptions(
            tags=validate.clean_tags(",".join(tag or [])),
            stage=validate.parse_stage(stage, settings) if stage else None,
            status=validate.parse_status(status),
            source=validate.clean_line(source, "source") if source else None,
            encoding=encoding,
            report=Path(report) if report else None,
        )
        if not path.is_file():
            raise Exit(f"error: {path} is not a file; give the path of a CSV file", code=1)
        size = path.stat().st_size
        try:
            if size < PROGRESS_BYTES:
                result = import_csv(store, path, settings, options)
            else:
                with Progress(
                    "[progress.description]{task.description}",
                    BarColumn(),
                    DownloadColumn(),
                    TimeRemainingColumn(),
                    console=Console(stderr=True),
                    transient=True,
                ) as bar:
                    job = bar.add_task(f"importing {path.name}", total=size)
                    result = import_csv(
                        store, path, settings, options, lambda done: bar.update(job, completed=done)
                    )
        except KeyboardInterrupt:
            raise Exit("interrupted: nothing was imported", code=130) from None
    print(
        f"{path.name}: {result.added} added, {result.updated} updated, "
        f"{result.unchanged} unchanged, {result.rejected} rejected"
    )
    for rejection in result.first_rejections:
        print(f"  line {rejection.line}: {rejection.reason}")
    if result.rejected > len(result.first_rejections):
        print(f"  ... and {result.rejected - len(result.first_rejections)} more")
    if result.report_path:
        print(f"Every rejected row, with its line and reason, is in {result.report_path}")


@task(
    iterable=["tag"],
    help={
        "email": "their email address",
        "first": "first name",
        "last": "last name",
        "company": "company",
        "tag": "a tag (repeatable, or comma-separated)",
        "stage": "prospect, client, partner, friend, ... (default: the first stage)",
        "cadence": "days between touches (default: the stage's)",
        "notes": "free text",
        "status": f"consent status ({STATUSES})",
        "source": "where they gave consent (default: 'added by hand')",
    },
)
def add(
    c,
    email,
    first="",
    last="",
    company="",
    tag=None,
    stage=None,
    cadence=None,
    notes="",
    status="subscribed",
    source="added by hand",
):
    """Add one contact."""
    with _session() as (store, settings):
        contact = store.add_contact(
            NewContact(
                email=email,
                first_name=first,
                last_name=last,
                company=company,
                tags=tuple(tag or ()),
                stage=validate.parse_stage(stage, settings) if stage else settings.default_stage,
                status=validate.parse_status(status),
                consent_source=source,
                consent_date=now(),
                cadence_days=validate.parse_cadence(cadence) if cadence else None,
                notes=notes,
            )
        )
    print(f"added {_describe(contact)}")


@task(help={"email": "their email address"})
def show(c, email):
    """Show a contact and their timeline of touches, newest first."""
    with _session() as (store, settings):
        contact = store.get_contact(email)
        touches = store.touches_of(contact)
    card = Table.grid(padding=(0, 2))
    cadence = contact.cadence_days or settings.cadence_for(contact.stage)
    consent = contact.status.value
    if contact.consent_source or contact.consent_date:
        when = f" on {contact.consent_date:%Y-%m-%d}" if contact.consent_date else ""
        consent += f" ({contact.consent_source}{when})"
    for label, value in (
        ("Name", contact.name or "-"),
        ("Email", contact.email),
        ("Company", contact.company or "-"),
        ("Stage", contact.stage),
        ("Cadence", f"every {cadence} days" + ("" if contact.cadence_days else " (stage)")),
        ("Tags", ", ".join(contact.tags) or "-"),
        ("Consent", consent),
        ("Notes", contact.notes or "-"),
        ("Added", f"{contact.created:%Y-%m-%d}"),
    ):
        card.add_row(f"[bold]{label}[/bold]", escape(value))
    console.print(card)
    if not touches:
        print("\nNo touches yet: record one with `invoke contacts.touch EMAIL --kind call`.")
        return
    timeline = Table(title=_count(len(touches), "touch", "touches"), title_justify="left")
    for column in ("Date", "Kind", "Reference", "Note"):
        timeline.add_column(column)
    for touch in touches:
        timeline.add_row(
            touch.date.isoformat(), touch.kind, escape(touch.reference), escape(touch.note)
        )
    console.print(timeline)


@task(
    help={
        "email": "their email address",
        "first": "new first name",
        "last": "new last name",
        "company": "new company",
        "stage": "new stage",
        "cadence": "days between touches; 0 goes back to the stage's cadence",
        "notes": "new notes (replaces the old ones)",
        "status": f"new consent status ({STATUSES})",
        "source": "where and when they gave (or withdrew) consent",
    }
)
def edit(
    c,
    email,
    first=None,
    last=None,
    company=None,
    stage=None,
    cadence=None,
    notes=None,
    status=None,
    source="",
):
    """Change a contact's details, cadence or consent."""
    with _session() as (store, settings):
        fields = ContactFields(
            first_name=first,
            last_name=last,
            company=company,
            stage=validate.parse_stage(stage, settings) if stage else None,
            cadence_days=validate.parse_cadence(cadence) if cadence not in (None, "0") else None,
            notes=notes,
        )
        with store.transaction():
            contact = store.update_contact(email, fields)
            if cadence == "0":
                contact = store.clear_cadence(email)
            if status:
                contact = store.set_status(email, validate.parse_status(status), source)
    print(f"saved {_describe(contact)}")


@task(help={"email": "their email address", "tags": "tags, comma-separated"})
def tag(c, email, tags):
    """Add tags to a contact: invoke contacts.tag EMAIL vip,referrer"""
    with _session() as (store, _):
        contact = store.add_tags(email, validate.clean_tags(tags))
    print(f"{contact.email}: {', '.join(contact.tags) or 'no tags'}")


@task(help={"email": "their email address", "tags": "tags, comma-separated"})
def untag(c, email, tags):
    """Remove tags from a contact: invoke contacts.untag EMAIL vip"""
    with _session() as (store, _):
        contact = store.remove_tags(email, validate.clean_tags(tags))
    print(f"{contact.email}: {', '.join(contact.tags) or 'no tags'}")


@task(
    name="list",
    help={
        "tag": "only contacts with this tag",
        "stage": "only contacts in this stage",
        "status": f"only contacts with this consent status ({STATUSES})",
        "format": "table (default), csv or json",
    },
)
def list_(c, tag=None, stage=None, status=None, format="table"):
    """List contacts by name, as a table, CSV or JSON."""
    if format not in ("table", "csv", "json"):
        raise Exit(f"error: unknown format {format!r}; use table, csv or json", code=1)
    with _session() as (store, settings):
        contacts = store.contacts(**_filters(settings, tag, stage, status))
        if format == "csv":
            export.write_csv(contacts, sys.stdout)
            return
        if format == "json":
            export.write_json(contacts, sys.stdout)
            return
        table = Table()
        for column in ("Name", "Email", "Company", "Stage", "Status", "Tags"):
            table.add_column(column)
        for contact in contacts:
            table.add_row(
                *map(
                    escape,
                    (
                        contact.name,
                        contact.email,
                        contact.company,
                        contact.stage,
                        contact.status,
                        ", ".join(contact.tags),
                    ),
                )
            )
    table.title = _count(table.row_count, "contact")
    console.print(table)


@task(
    name="export",
    help={
        "file": "the CSV file to write",
        "tag": "only contacts with this tag",
        "stage": "only contacts in this stage",
        "status": f"only contacts with this consent status ({STATUSES})",
        "force": "overwrite the file if it exists",
    },
)
def export_(c, file, tag=None, stage=None, status=None, force=False):
    """Write contacts to a CSV file that contacts.import reads back."""
    with _session() as (store, settings):
        count = export.export_csv(
            store.contacts(**_filters(settings, tag, stage, status)), Path(file), overwrite=force
        )
    print(f"wrote {count} contacts to {file} (personal data: keep it private)")


@task(
    help={
        "email": "their email address",
        "source": "how they asked (default: 'unsubscribed by hand')",
    }
)
def unsubscribe(c, email, source="unsubscribed by hand"):
    """Stop mailing a contact; no import will resubscribe them."""
    with _session() as (store, _):
        before = store.get_contact(email)
        contact = store.set_status(email, ConsentStatus.UNSUBSCRIBED, source)
    if before.status == ConsentStatus.UNSUBSCRIBED:
        print(f"{contact.email} was already unsubscribed")
    else:
        print(f"unsubscribed {contact.email}: no command will mail them again")


@task(help={"email": "their email address"})
def forget(c, email):
    """Erase a contact and their touches, keeping a hash so they are never mailed again."""
    with _session() as (store, _):
        address = validate.normalize_email(email)
        erased = store.forget(address)
    if erased:
        print(
            f"forgot {address}: their details, tags and touches are erased; a hash of the "
            "address is kept so they are never mailed or imported again"
        )
    else:
        print(
            f"{address} was not a contact; a hash of the address is recorded "
            "so it is never mailed or imported"
        )


@task(
    help={
        "email": "their email address",
        "kind": "newsletter, email, call, meeting, meal, card, gift, comment, referral, ...",
        "note": "what happened",
        "date": "when, as YYYY-MM-DD (default: today)",
        "reference": "e.g. the newsletter issue or a meeting link",
    }
)
def touch(c, email, kind, note="", date=None, reference=""):
    """Record a touch: a call, a card, a meal, ..."""
    today = dt.date.today()
    with _session() as (store, settings):
        day = validate.parse_date(date) if date else today
        if day > today:
            raise Exit(
                f"error: {day} is in the future; record a touch once it has happened", code=1
            )
        contact = store.get_contact(email)
        kind = validate.parse_kind(kind, settings)
        store.record_touches(
            [
                NewTouch(
                    contact_id=contact.id,
                    kind=kind,
                    date=day,
                    reference=validate.clean_line(reference, "reference"),
                    note=validate.clean_notes(note),
                )
            ]
        )
    article = "an" if kind[0] in "aeiou" else "a"
    print(f"recorded {article} {kind} with {contact.name or contact.email} on {day}")


@task(
    help={
        "days": "also show who falls due within the next N days",
        "tag": "only contacts with this tag",
    }
)
def due(c, days="0", tag=None):
    """Who is due for a touch, most overdue first."""
    today = dt.date.today()
    try:
        within = int(days)
    except ValueError:
        within = -1
    if within < 0:
        raise Exit(f"error: --days {days!r} must be a whole number of days, 0 or more", code=1)
    with _session() as (store, settings):
        rows = due_contacts(
            store,
            settings,
            today,
            within_days=within,
            tag=_filters(settings, tag, None, None)["tag"],
        )
    when = f"in the next {_count(within, 'day')}" if within else "today"
    if not rows:
        print(f"Nobody is due for a touch {when}.")
        return
    table = Table(title=f"{len(rows)} due for a touch {when} ({today})", title_justify="left")
    for column in ("Due", "Name", "Email", "Stage", "Every", "Last touch"):
        table.add_column(column)
    for row in rows:
        if row.overdue_days > 0:
            status = f"[red]{_count(row.overdue_days, 'day')} overdue[/red]"
        elif row.overdue_days == 0:
            status = "today"
        else:
            status = f"in {_count(-row.overdue_days, 'day')}"
        last = f"{row.last_touch_kind}, {row.last_touch_date}" if row.last_touch_date else "never"
        table.add_row(
            status, *map(escape, (row.name, row.email, row.stage)), f"{row.cadence_days} d", last
        )
    console.print(table)


@task
def stats(c):
    """Contacts by stage and status, and touches per month over the last year."""
    with _session() as (store, settings):
        numbers = contact_stats(store, dt.date.today())
    stages = list(settings.stages) + sorted(
        {stage for stage, _ in numbers.by_stage_status} - set(settings.stages)
    )
    table = Table(title=_count(numbers.contacts, "contact"), title_justify="left")
    table.add_column("Stage")
    for status in ConsentStatus:
        table.add_column(status.value, justify="right")
    table.add_column("total", justify="right")
    for stage in stages:
        counts = [numbers.by_stage_status.get((stage, status), 0) for status in ConsentStatus]
        table.add_row(escape(stage), *map(str, counts), str(sum(counts)))
    console.print(table)
    if numbers.forgotten:
        print(f"{numbers.forgotten} forgotten at their request (kept only as a hash)")
    chart = Table(title="Touches per month", title_justify="left", show_header=False, box=None)
    peak = max((count for _, count in numbers.touches_per_month), default=0) or 1
    for month, count in numbers.touches_per_month:
        chart.add_row(month, "█" * round(40 * count / peak) or "·", str(count))
    console.print(chart)


@task
def sample(c):
    """Load the fictional sample contacts and touches into an empty database."""
    with _session() as (store, settings):
        result, touches = load_sample(store, settings, dt.date.today())
        path = store.path
    print(f"loaded {result.added} sample contacts and {touches} touches into {path}")
    print("Try: invoke contacts.due, then contacts.show priya@northwind-accounting.example")
