"""CSV import: the exports people have, every kind of bad row and bad file, one transaction."""

from __future__ import annotations

import codecs
import csv
from pathlib import Path

import pytest

from plugins.contacts import (
    ConsentStatus,
    ImportFileError,
    ImportOptions,
    NewContact,
    Store,
    import_csv,
)
from plugins.contacts.settings import ContactsSettings

from .conftest import SAMPLE, write_csv


def rejected(report: Path) -> list[list[str]]:
    with report.open(newline="", encoding="utf-8") as file:
        return list(csv.reader(file))[1:]


def test_google_contacts_export(store: Store, settings: ContactsSettings, tmp_path: Path):
    store.add_contact(
        NewContact(email="ben.carter@carter-plumbing.example", stage="client",
                   status=ConsentStatus.UNSUBSCRIBED, first_name="Ben")
    )  # fmt: skip
    result = import_csv(store, SAMPLE / "google-contacts.csv", settings,
                        ImportOptions(report=tmp_path / "report.csv"))  # fmt: skip
    assert (result.added, result.updated, result.unchanged, result.rejected) == (3, 1, 0, 1)
    priya = store.get_contact("priya@northwind-accounting.example")
    assert (priya.first_name, priya.last_name, priya.company, priya.tags) == (
        "Priya", "Shah", "Northwind Accounting LLP", ("referral partners",),
    )  # fmt: skip
    assert (priya.stage, priya.status, priya.consent_source) == (
        "prospect", "subscribed", "import of google-contacts.csv",
    )  # fmt: skip
    rosa = store.get_contact("rosa@delgado-landscaping.example")  # the first of two addresses
    assert (rosa.notes, rosa.tags) == ("Met at the garden show", ("prospects",))
    assert store.get_contact("kenji.watanabe@watanabe-family.example").tags == ()
    ben = store.get_contact("ben.carter@carter-plumbing.example")
    assert (ben.status, ben.tags, ben.last_name) == ("unsubscribed", ("clients",), "Carter")
    assert rejected(tmp_path / "report.csv") == [["6", "", "no email address"]]


def test_linkedin_connections_with_notes_above_the_header(store, settings, tmp_path):
    path = tmp_path / "Connections.csv"
    path.write_text(
        "Notes:\n"
        '"When exporting your connection data, you may notice that some of the email '
        'addresses are missing."\n'
        "\n"
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        "Sam,Reyes,https://www.linkedin.com/in/sam-reyes-example,sam@reyes-co.example,"
        "Reyes & Co,Founder,12 Mar 2024\n"
        "Ada,Byrne,https://www.linkedin.com/in/ada-byrne-example,,Byrne Ltd,CEO,1 Feb 2023\n",
        encoding="utf-8",
    )
    result = import_csv(store, path, settings, ImportOptions(tags=("linkedin",)))
    assert (result.added, result.rejected) == (1, 1)
    assert result.first_rejections[0].line == 6
    sam = store.get_contact("sam@reyes-co.example")
    assert (sam.name, sam.company, sam.tags) == ("Sam Reyes", "Reyes & Co", ("linkedin",))


def test_mailchimp_exports_keep_unsubscribed_and_cleaned_members_suppressed(
    store, settings, tmp_path
):
    header = ["Email Address", "First Name", "Last Name", "MEMBER_RATING", "OPTIN_TIME",
              "CONFIRM_TIME", "TAGS"]  # fmt: skip
    subscribed = write_csv(tmp_path / "subscribed_members_export.csv", [
        header,
        ["lee@lee-consulting.example", "Lee", "Park", "2", "2024-03-05 09:30:00",
         "2024-03-05 09:31:10", '"Client","VIP"'],
    ])  # fmt: skip
    unsubscribed = write_csv(tmp_path / "unsubscribed_members_export.csv", [
        [*header[:3], "UNSUB_TIME", "UNSUB_CAMPAIGN_TITLE"],
        ["lee@lee-consulting.example", "Lee", "Park", "2025-01-10 10:00:00", "January"],
        ["mo@mo-design.example", "Mo", "Ali", "2025-02-01 08:00:00", "February"],
    ])  # fmt: skip
    cleaned = write_csv(tmp_path / "cleaned_members_export.csv", [
        [*header[:3], "CLEAN_TIME", "CLEAN_CAMPAIGN_TITLE"],
        ["gone@old-firm.example", "Gone", "Away", "2025-03-01 08:00:00", "March"],
    ])  # fmt: skip

    import_csv(store, subscribed, settings)
    lee = store.get_contact("lee@lee-consulting.example")
    assert (lee.tags, lee.status, lee.consent_date.isoformat()) == (
        ("client", "vip"), "subscribed", "2024-03-05T09:31:10+00:00",
    )  # fmt: skip
    import_csv(store, unsubscribed, settings)
    import_csv(store, cleaned, settings)
    import_csv(store, subscribed, settings)
    assert store.get_contact("lee@lee-consulting.example").status == "unsubscribed"
    assert store.get_contact("mo@mo-design.example").status == "unsubscribed"
    assert store.get_contact("gone@old-firm.example").status == "bounced"
    assert [c.email for c in store.sendable_contacts()] == []


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [
        ("utf-8", ","),
        ("utf-8-sig", ";"),  # Excel's "CSV UTF-8" in a comma-decimal locale
        ("utf-16", "\t"),  # Excel's "Unicode Text": UTF-16 LE with a BOM, tabs
        ("utf-16-be", ","),  # with the BOM written by hand below
    ],
)
def test_excel_encodings_and_delimiters(store, settings, tmp_path, encoding, delimiter):
    rows = [["E-mail Address", "First Name", "Last Name", "Company"],
            ["zoe@zoe-cafe.example", "Zoë", "Ångström", "Café; Bar, & Co"]]  # fmt: skip
    path = tmp_path / "excel.csv"
    text = "".join(delimiter.join(f'"{cell}"' for cell in row) + "\r\n" for row in rows)
    data = text.encode(encoding)
    path.write_bytes(codecs.BOM_UTF16_BE + data if encoding == "utf-16-be" else data)
    assert import_csv(store, path, settings).added == 1
    zoe = store.get_contact("zoe@zoe-cafe.example")
    assert (zoe.first_name, zoe.last_name, zoe.company) == ("Zoë", "Ångström", "Café; Bar, & Co")


def test_every_bad_row_gets_a_line_and_a_reason(store, settings, tmp_path):
    store.forget("forgotten@example-firm.example")
    path = write_csv(tmp_path / "bad.csv", [
        ["Email", "First Name", "Last Name", "Stage", "Status", "Cadence", "Consent Date"],
        ["ok@example-firm.example", "Ok", "Row", "client", "", "", ""],
        ["not-an-email", "A", "B", "", "", "", ""],
        ["OK@Example-Firm.example", "Dup", "Licate", "", "", "", ""],
        ["stage@example-firm.example", "S", "T", "vip", "", "", ""],
        ["status@example-firm.example", "S", "T", "", "maybe", "", ""],
        ["folded@example-firm.example", "Mary\r\nJane", "Doe\tSmith", "", "", "", ""],  # lines 7-8
        ["escape@example-firm.example", "Eve\x1b[31m", "X", "", "", "", ""],
        ["bidi@example-firm.example", "Bob\u202e", "X", "", "", "", ""],
        ["long@example-firm.example", "L" * 201, "X", "", "", "", ""],
        ["cadence@example-firm.example", "C", "X", "", "", "weekly", ""],
        ["date@example-firm.example", "D", "X", "", "", "", "last spring"],
        ["", "No", "Email", "", "", "", ""],
        ["forgotten@example-firm.example", "F", "X", "", "", "", ""],
    ])  # fmt: skip
    result = import_csv(store, path, settings)
    assert (result.added, result.rejected) == (2, 11)
    assert result.report_path == tmp_path / "bad.rejected.csv"
    assert rejected(result.report_path) == [
        ["3", "not-an-email",
         "'not-an-email' is not a valid email address: An email address must have an @-sign."],
        ["4", "ok@example-firm.example", "duplicate of line 2"],
        ["5", "stage@example-firm.example", "unknown stage 'vip'; use one of prospect, client, "
         "partner, friend (or add it to CONTACTS['stages'] in pelicanconf.py)"],
        ["6", "status@example-firm.example", "unknown status 'maybe'; use one of subscribed, "
         "pending, unsubscribed, bounced, complained"],
        ["9", "escape@example-firm.example",
         "first name contains the control character U+001B; remove it"],
        ["10", "bidi@example-firm.example",
         "first name contains the control character U+202E; remove it"],
        ["11", "long@example-firm.example", "first name is longer than 200 characters; shorten it"],
        ["12", "cadence@example-firm.example",
         "cadence 'weekly' must be a whole number of days from 1 to 3650"],
        ["13", "date@example-firm.example",
         "consent date 'last spring' is not a date; write it as YYYY-MM-DD or YYYY-MM-DD HH:MM"],
        ["14", "", "no email address"],
        ["15", "forgotten@example-firm.example", "forgotten at their request; never added again"],
    ]  # fmt: skip
    folded = store.get_contact("folded@example-firm.example")
    assert (folded.first_name, folded.last_name) == ("Mary Jane", "Doe Smith")


def test_duplicates_are_found_across_chunks(store, settings, tmp_path):
    rows = [["Email"]] + [[f"p{i}@example-firm.example"] for i in range(2500)]
    rows.append(["P7@EXAMPLE-FIRM.EXAMPLE"])
    result = import_csv(store, write_csv(tmp_path / "many.csv", rows), settings)
    assert (result.added, result.rejected) == (2500, 1)
    assert result.first_rejections[0].reason == "duplicate of line 9"
    assert result.first_rejections[0].line == 2502


def test_an_import_updates_without_erasing_or_resubscribing(store, settings, tmp_path):
    store.add_contact(
        NewContact(email="kim@example-firm.example", stage="client", first_name="Kim",
                   company="Old Co", tags=("vip",), notes="Keep me")
    )  # fmt: skip
    store.add_contact(
        NewContact(email="lou@example-firm.example", stage="partner",
                   status=ConsentStatus.COMPLAINED)
    )  # fmt: skip
    path = write_csv(tmp_path / "update.csv", [
        ["Email", "First Name", "Company", "Tags", "Notes", "Status"],
        ["kim@example-firm.example", "", "New Co", "referrer", "", "unsubscribed"],
        ["lou@example-firm.example", "Lou", "", "", "", "subscribed"],
        ["new@example-firm.example", "New", "", "", "", ""],
    ])  # fmt: skip
    options = ImportOptions(tags=("autumn",), stage="friend", source="autumn fair list")
    result = import_csv(store, path, settings, options)
    assert (result.added, result.updated, result.unchanged) == (1, 2, 0)
    kim = store.get_contact("kim@example-firm.example")
    assert (kim.first_name, kim.company, kim.notes, kim.tags, kim.stage, kim.status) == (
        "Kim", "New Co", "Keep me", ("autumn", "referrer", "vip"), "client", "unsubscribed",
    )  # fmt: skip
    lou = store.get_contact("lou@example-firm.example")
    assert (lou.first_name, lou.status) == ("Lou", "complained")
    new = store.get_contact("new@example-firm.example")
    assert (new.stage, new.status, new.consent_source) == (
        "friend",
        "subscribed",
        "autumn fair list",
    )

    again = import_csv(store, path, settings, options)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 3)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "file.csv is empty; export your contacts as CSV with a header row "
              "(Email, First Name, Last Name, ...)"),
        (b"\r\n  \r\n", "file.csv is empty; export your contacts as CSV with a header row "
                        "(Email, First Name, Last Name, ...)"),
        (b"Email,First Name\r\n", "file.csv has a header but no contacts under it; "
                                  "nothing was imported"),
        (b"Email;First Name\r\n;;\r\n", "file.csv has a header but no contacts under it; "
                                        "nothing was imported"),
        (b"Name,Phone\r\nAl,555\r\n", "file.csv has no email column (its first line has: "
                                      "Name, Phone); name the column with the addresses 'Email'"),
        (b"Email,Name\r\na@b.example,Jos\xe9\r\n",
         "file.csv is not utf-8 text (it has the byte 0xE9); in Excel use File › Save As › "
         "CSV UTF-8, or name the file's encoding: --encoding cp1252"),
        (b"PK\x03\x04\x14\x00\x06\x00", "file.csv is a spreadsheet workbook, not CSV; in Excel "
                                        "use File › Save As › CSV UTF-8 and import that file"),
        (b'Email,Notes\r\na@b.example,"' + b"x" * 200_000 + b'"\r\n',
         "file.csv, line 2: field larger than field limit (131072); "
         "is this really a CSV file of contacts?"),
    ],
)  # fmt: skip
def test_a_bad_file_is_refused_with_one_message(store, settings, tmp_path, content, message):
    path = tmp_path / "file.csv"
    path.write_bytes(content)
    with pytest.raises(ImportFileError) as refused:
        import_csv(store, path, settings)
    assert str(refused.value) == message
    assert store.count_contacts() == 0


def test_an_unknown_encoding_is_refused(store, settings):
    with pytest.raises(ImportFileError, match=r"^unknown encoding 'latin-9000'; try utf-8, "):
        import_csv(store, SAMPLE / "contacts.csv", settings, ImportOptions(encoding="latin-9000"))


def test_an_interrupted_import_leaves_the_database_as_it_was(store, settings, tmp_path):
    store.add_contact(NewContact(email="first@example-firm.example", stage="client"))
    rows = [["Email", "Status"], ["first@example-firm.example", "unsubscribed"], ["bad", ""]]
    rows += [[f"p{i}@example-firm.example", ""] for i in range(3000)]
    path = write_csv(tmp_path / "big.csv", rows)

    def ctrl_c(done: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_csv(store, path, settings, progress=ctrl_c)
    assert store.count_contacts() == 1
    assert store.get_contact("first@example-firm.example").status == "subscribed"
    assert not (tmp_path / "big.rejected.csv").exists()

    again = import_csv(store, path, settings)  # the next run starts afresh
    assert (again.added, again.updated, again.rejected) == (3000, 1, 1)
    assert rejected(tmp_path / "big.rejected.csv")[0][:2] == ["3", "bad"]


def test_progress_reports_bytes_read(store, settings, tmp_path):
    rows = [["Email"]] + [[f"p{i}@example-firm.example"] for i in range(2500)]
    path = write_csv(tmp_path / "many.csv", rows)
    seen: list[int] = []
    import_csv(store, path, settings, progress=seen.append)
    assert len(seen) == 3
    assert seen == sorted(seen)
    assert seen[-1] == path.stat().st_size
