"""`invoke contacts.*` as a user runs it: exit codes, exact messages, no tracebacks."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from pathlib import Path

from plugins.contacts import NewContact, Store, import_csv
from plugins.contacts.sample import load_sample
from plugins.contacts.settings import check_settings

from .conftest import SAMPLE

TODAY = dt.date.today()


def days_ago(days: int) -> str:
    return (TODAY - dt.timedelta(days=days)).isoformat()


def table_rows(stdout: str) -> list[list[str]]:
    """The body rows of the rich tables in `stdout`, as lists of stripped cells."""
    return [
        [cell.strip() for cell in line.strip("│").split("│")]
        for line in stdout.splitlines()
        if line.startswith("│")
    ]


def test_sample_shows_who_is_due_most_overdue_first(cli, db_path):
    loaded = cli("sample")
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.splitlines()[0] == (
        f"loaded 40 sample contacts and 30 touches into {db_path}"
    )

    vip = cli("due", "--tag", "vip")
    assert vip.returncode == 0, vip.stderr
    assert f"1 due for a touch today ({TODAY})" in vip.stdout
    assert table_rows(vip.stdout) == [
        [
            "12 days overdue",
            "Kwame Mensah",
            "kwame.mensah@mensah-architects.example",
            "partner",
            "21 d",
            f"call, {days_ago(33)}",
        ]
    ]

    ahead = cli("due", "--tag", "vip", "--days", "5")
    assert f"2 due for a touch in the next 5 days ({TODAY})" in ahead.stdout
    assert [row[:2] for row in table_rows(ahead.stdout)] == [
        ["12 days overdue", "Kwame Mensah"],
        ["in 4 days", "Victor Moreau"],
    ]

    soon = cli("due", "--days", "soon")
    assert (soon.returncode, soon.stderr) == (
        1,
        "error: --days 'soon' must be a whole number of days, 0 or more\n",
    )

    everyone = table_rows(cli("due").stdout)
    overdue = [int(row[0].split()[0]) for row in everyone if "overdue" in row[0]]
    assert overdue == sorted(overdue, reverse=True)
    never = [row for row in everyone if row[-1] == "never"]
    assert len(never) == 12
    assert everyone[-len(never) :] == never  # never touched: due from the day they were added
    assert {row[0] for row in never} == {"today"}


def sample(db_path: Path) -> None:
    """The sample contacts and touches, loaded through the library (faster than the CLI)."""
    with Store.open(db_path) as store:
        load_sample(store, check_settings({}), TODAY)


def test_show_prints_the_contact_and_their_timeline(cli, db_path):
    sample(db_path)
    shown = cli("show", "Priya@Northwind-Accounting.EXAMPLE")
    assert shown.returncode == 0, shown.stderr
    lines = [line.rstrip() for line in shown.stdout.splitlines()]
    assert "Name     Priya Shah" in lines
    assert "Cadence  every 45 days (stage)" in lines
    assert f"Consent  subscribed (sample data on {TODAY})" in lines
    assert table_rows(shown.stdout) == [
        [days_ago(9), "call", "", "Talked about the January seminar."],
        [days_ago(70), "meal", "", "Lunch at the harbour."],
    ]


def test_stats_counts_stages_statuses_and_touches_per_month(cli, db_path):
    sample(db_path)
    stats = cli("stats")
    assert stats.returncode == 0, stats.stderr
    assert "40 contacts" in stats.stdout
    rows = {row[0]: row[1:] for row in table_rows(stats.stdout)}
    # subscribed, pending, unsubscribed, bounced, complained, total
    assert rows["client"] == ["13", "0", "2", "1", "0", "16"]
    assert rows["prospect"] == ["8", "1", "0", "0", "1", "10"]
    chart = [line.split() for line in stats.stdout.splitlines() if line.startswith(" 20")]
    assert len(chart) == 12
    assert sum(int(bar[-1]) for bar in chart) == 30


def test_import_prints_a_summary_and_writes_the_rejected_rows(cli, tmp_path):
    contacts = shutil.copy(SAMPLE / "contacts.csv", tmp_path)
    google = shutil.copy(SAMPLE / "google-contacts.csv", tmp_path)

    first = cli("import", contacts, "--tag", "imported")
    assert first.returncode == 0, first.stderr
    assert first.stdout == "contacts.csv: 40 added, 0 updated, 0 unchanged, 0 rejected\n"

    second = cli("import", google, "--stage", "client")
    report = tmp_path / "google-contacts.rejected.csv"
    assert second.stdout == (
        "google-contacts.csv: 2 added, 2 updated, 0 unchanged, 1 rejected\n"
        "  line 6: no email address\n"
        f"Every rejected row, with its line and reason, is in {report}\n"
    )
    with report.open(newline="") as file:
        assert list(csv.reader(file)) == [
            ["line", "email", "reason"],
            ["6", "", "no email address"],
        ]

    again = cli("import", contacts)  # puts back Priya's company as the file has it
    assert again.stdout == "contacts.csv: 0 added, 1 updated, 39 unchanged, 0 rejected\n"


def test_import_refuses_bad_files_in_one_line(cli, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("Email,First Name\nzoe@x.example,Zoë\n".encode("cp1252"))
    for args, message in (
        ((empty,), "error: empty.csv is empty; export your contacts as CSV with a header row "
         "(Email, First Name, Last Name, ...)"),
        ((latin,), "error: latin.csv is not utf-8 text (it has the byte 0xEB); in Excel use "
         "File › Save As › CSV UTF-8, or name the file's encoding: --encoding cp1252"),
        ((tmp_path / "missing.csv",), f"error: {tmp_path / 'missing.csv'} is not a file; "
         "give the path of a CSV file"),
        ((latin, "--stage", "vip"), "error: unknown stage 'vip'; use one of prospect, client, "
         "partner, friend (or add it to CONTACTS['stages'] in pelicanconf.py)"),
    ):  # fmt: skip
        result = cli("import", *args)
        assert (result.returncode, result.stderr, result.stdout) == (1, message + "\n", "")

    fixed = cli("import", latin, "--encoding", "cp1252")
    assert fixed.stdout == "latin.csv: 1 added, 0 updated, 0 unchanged, 0 rejected\n"


def test_add_edit_tag_and_list(cli):
    added = cli(
        "add", "Ana@Example-Studio.example", "--first", "Ana\r\nMaria", "--last", "Silva",
        "--tag", "VIP", "--tag", "speaker", "--stage", "client", "--cadence", "21",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert (
        added.stdout == "added Ana Maria Silva <ana@example-studio.example> (client, subscribed)\n"
    )

    twice = cli("add", "ana@example-studio.example")
    assert twice.stderr == (
        "error: ana@example-studio.example is already a contact; change it with contacts.edit\n"
    )

    edited = cli("edit", "ana@example-studio.example", "--stage", "partner", "--cadence", "0")
    assert (
        edited.stdout
        == "saved Ana Maria Silva <ana@example-studio.example> (partner, subscribed)\n"
    )
    assert cli("tag", "ana@example-studio.example", "Referrer, vip").stdout == (
        "ana@example-studio.example: referrer, speaker, vip\n"
    )
    assert cli("untag", "ana@example-studio.example", "speaker").stdout == (
        "ana@example-studio.example: referrer, vip\n"
    )

    listed = json.loads(cli("list", "--tag", "vip", "--format", "json").stdout)
    assert [(c["Email"], c["First Name"], c["Stage"], c["Cadence"], c["Tags"]) for c in listed] == [
        ("ana@example-studio.example", "Ana Maria", "partner", "", "referrer, vip")
    ]
    assert cli("list", "--stage", "friend", "--format", "csv").stdout.splitlines() == [
        "Email,First Name,Last Name,Company,Tags,Stage,Status,Consent Source,Consent Date,"
        "Cadence,Notes,Created,Updated"
    ]
    bad = cli("add", "not-an-email")
    assert (bad.returncode, bad.stderr) == (
        1,
        "error: 'not-an-email' is not a valid email address: "
        "An email address must have an @-sign.\n",
    )
    control = cli("edit", "ana@example-studio.example", "--last", "Silva\x1b[2J")
    assert control.stderr == "error: last name contains the control character U+001B; remove it\n"


def test_unsubscribed_and_forgotten_contacts_stay_that_way(cli, tmp_path, db_path):
    contacts = shutil.copy(SAMPLE / "contacts.csv", tmp_path)
    cli("import", contacts)

    unsubscribed = cli("unsubscribe", "priya@northwind-accounting.example")
    assert unsubscribed.stdout == (
        "unsubscribed priya@northwind-accounting.example: no command will mail them again\n"
    )
    forgotten = cli("forget", "tom.okafor@okafor-legal.example")
    assert forgotten.stdout == (
        "forgot tom.okafor@okafor-legal.example: their details, tags and touches are erased; "
        "a hash of the address is kept so they are never mailed or imported again\n"
    )

    again = cli("import", contacts)
    assert again.stdout.splitlines()[:2] == [
        "contacts.csv: 0 added, 0 updated, 39 unchanged, 1 rejected",
        "  line 3: forgotten at their request; never added again",
    ]
    with Store.open(db_path) as store:
        assert store.get_contact("priya@northwind-accounting.example").status == "unsubscribed"
        assert store.find_contact("tom.okafor@okafor-legal.example") is None
        assert store.is_suppressed("Tom.Okafor@okafor-legal.example")

    gone = cli("show", "tom.okafor@okafor-legal.example")
    assert gone.stderr == (
        "error: tom.okafor@okafor-legal.example is not a contact; "
        "see `invoke contacts.list`, or add them with contacts.add\n"
    )
    readd = cli("add", "tom.okafor@okafor-legal.example")
    assert readd.stderr == (
        "error: tom.okafor@okafor-legal.example was forgotten at their request; "
        "Nurture will not add them again\n"
    )
    resubscribe = cli("edit", "priya@northwind-accounting.example", "--status", "subscribed")
    assert resubscribe.stderr == (
        "error: priya@northwind-accounting.example is unsubscribed; to make them subscribed "
        "again, give the source of their new consent (where and when they asked)\n"
    )


def test_touch_records_a_touch_and_refuses_the_future(cli, db_path):
    with Store.open(db_path) as store:
        store.add_contact(NewContact("lena@example-shop.example", "client", first_name="Lena"))
    recorded = cli(
        "touch", "lena@example-shop.example", "--kind", "Call", "--date", days_ago(3),
        "--note", "Asked about the [workshop] [/b]",
    )  # fmt: skip
    assert recorded.stdout == f"recorded a call with Lena on {days_ago(3)}\n"
    future = cli("touch", "lena@example-shop.example", "--kind", "call", "--date", days_ago(-1))
    assert future.stderr == (
        f"error: {days_ago(-1)} is in the future; record a touch once it has happened\n"
    )
    unknown = cli("touch", "lena@example-shop.example", "--kind", "fax")
    assert unknown.stderr.startswith("error: unknown kind of touch 'fax'; use one of newsletter,")
    assert "Traceback" not in future.stderr + unknown.stderr
    assert table_rows(cli("show", "lena@example-shop.example").stdout) == [
        [days_ago(3), "call", "", "Asked about the [workshop] [/b]"]
    ]


def test_export_writes_a_file_that_imports_back(cli, tmp_path, db_path):
    with Store.open(db_path) as store:
        import_csv(store, SAMPLE / "contacts.csv", check_settings({}))
        store.add_contact(
            NewContact(
                "formula@example-co.example",
                "client",
                company='=HYPERLINK("x")',
                consent_source="added by hand",
                consent_date=dt.datetime(2026, 11, 1, 9, 30, tzinfo=dt.UTC),
            )
        )
    exported = tmp_path / "export.csv"
    result = cli("export", exported)
    assert result.stdout == f"wrote 41 contacts to {exported} (personal data: keep it private)\n"
    assert "'=HYPERLINK" in exported.read_text()
    refused = cli("export", exported)
    assert (
        refused.stderr == f"error: {exported} already exists; choose another name or pass --force\n"
    )

    with Store.open(db_path) as store:
        before = {c.email: c for c in store.contacts()}
    copy = tmp_path / "copy.sqlite3"
    with Store.open(copy) as other:
        result = import_csv(other, exported, check_settings({}))
        assert (result.added, result.rejected) == (41, 0)
        after = {c.email: c for c in other.contacts()}
    fields = ("first_name", "last_name", "company", "tags", "stage", "status", "cadence_days",
              "notes", "consent_source", "consent_date")  # fmt: skip
    for email, contact in before.items():
        assert [getattr(after[email], f) for f in fields] == [getattr(contact, f) for f in fields]


def test_a_100_mb_file_imports_with_flat_memory(cli, tmp_path):
    """A big export streams through: memory stays far below the file's size."""
    big = tmp_path / "big.csv"
    notes = "Met at the conference; " * 400  # ~9 KB of notes per contact
    with big.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["Email", "First Name", "Notes"])
        rows = 0
        while file.tell() < 100 * 1024 * 1024:
            writer.writerows([f"p{rows + i}@big-list.example", "Pat", notes] for i in range(1000))
            rows += 1000
    result = cli("import", big, measure=True)
    assert result.stdout == f"big.csv: {rows} added, 0 updated, 0 unchanged, 0 rejected\n"
    peak_mb = int(result.stderr.splitlines()[-1])
    assert peak_mb < 150
