"""`invoke comments.*` end to end, as a user runs them, on a copy of the sample content."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from plugins.contacts import ConsentStatus, Store
from tests.comments.conftest import Site, write_settings
from tests.helpers import ROOT

SAMPLE = str(ROOT / "plugins" / "comments" / "sample" / "replies.mbox")
RACHEL, MARCUS, GARETH, OLIVIA, SPAM = (
    "34c7117e3d63",
    "bcd94d9919d6",
    "72b8bec8da15",
    "aedbcb068e6e",
    "d108a179e0a6",
)


@pytest.fixture
def sample(tmp_path: Path) -> Site:
    """The repository's content, copied, with settings that keep everything in tmp_path."""
    site = Site(tmp_path / "sample")
    shutil.copytree(ROOT / "content", site.content)
    write_settings(site)
    return site


def ok(result) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def refused(result, message: str) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.strip().startswith("error: ") and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_moderating_the_sample_mbox_end_to_end(sample: Site, tmp_path: Path) -> None:
    out = ok(sample.invoke("ingest", SAMPLE))
    assert "5 queued, 0 seen before, 1 skipped." in out
    assert "skipped replies.mbox message 6: no post=<slug> line" in out
    assert f"queued {MARCUS}: Marcus Bell on finding-your-cadence (reply to {RACHEL})" in out
    assert (
        f"check {OLIVIA}: signed Olivia Hart, the name of the post's author; "
        "approve it only if olivia@warmleads.example is theirs"
    ) in out
    assert f"check {MARCUS}" not in out
    assert "0 queued, 5 seen before, 1 skipped." in ok(sample.invoke("ingest", SAMPLE))

    listing = ok(sample.invoke("pending"))
    assert all(cid in listing for cid in (RACHEL, MARCUS, GARETH, OLIVIA, SPAM))
    assert "from Gareth Prýce <gareth.pryce@pryce-partners.example>" in listing

    refused(
        sample.invoke("approve", MARCUS), f"approve that first: `invoke comments.approve {RACHEL}`"
    )
    ok(sample.invoke("approve", RACHEL))
    ok(sample.invoke("approve", MARCUS))
    assert "rejected d108a179e0a6" in ok(sample.invoke("reject", SPAM))
    database = tmp_path / "contacts.sqlite3"
    out = ok(sample.invoke("approve", GARETH, "--add-contact", env={"NURTURE_DB": str(database)}))
    assert "added contact gareth.pryce@pryce-partners.example with a 'comment' touch" in out

    cadence = sample.content / "comments" / "finding-your-cadence"
    assert f"Replyto: {RACHEL}\n" in (cadence / f"{MARCUS}.md").read_text()
    assert (sample.queue / "rejected" / f"{SPAM}.md").is_file()
    assert sorted(p.stem for p in (sample.queue / "pending").iterdir()) == [OLIVIA]
    with Store.open(database) as store:
        contact = store.get_contact("gareth.pryce@pryce-partners.example")
        assert (contact.first_name, contact.status) == ("Gareth", ConsentStatus.PENDING)
        assert [t.kind for t in store.touches_of(contact)] == ["comment"]

    ok(sample.build())
    page = sample.page("2026/11/finding-your-cadence")
    reply = page.select_one(f"#comment-{RACHEL} > .comment-list > #comment-{MARCUS}")
    assert reply is not None and "Nobody needs to know" in reply.get_text()
    assert (
        page.find(id="comments-title").get_text()
        == "6 replies on “Finding Your Cadence: How Often Is Too Often?”"
    )
    answer = sample.page("2025/06/ask-for-introduction-without-awkward")
    assert answer.select_one(f"#comment-4 > .comment-list > #comment-{GARETH}") is not None
    assert sample.page("2025/10/linkedin-without-being-spammy").find(id=f"comment-{SPAM}") is None


def test_export_then_import_through_the_commands(sample: Site, tmp_path: Path) -> None:
    exported = tmp_path / "comments.wxr"
    assert "wrote 23 comment(s) on 6 post(s)" in ok(
        sample.invoke("export", "--format", "wxr", "--output", str(exported))
    )
    assert exported.stat().st_mode & 0o777 == 0o600  # it holds email addresses
    shutil.rmtree(sample.content / "comments")
    assert "would import 23 comment(s)" in ok(sample.invoke("import", str(exported), "--dry-run"))
    assert not (sample.content / "comments").exists()
    assert "WordPress WXR: imported 23 comment(s); 0 already here" in ok(
        sample.invoke("import", str(exported))
    )
    assert "imported 0 comment(s); 23 already here" in ok(sample.invoke("import", str(exported)))


def test_mistakes_are_one_line_errors(sample: Site, tmp_path: Path) -> None:
    refused(sample.invoke("reject", "../../etc"), "no pending comment '../../etc'")
    refused(sample.invoke("export", "--format", "json"), "say where to write: --output")
    refused(
        sample.invoke("export", "-o", str(sample.output / "comments.json")),
        "is inside the published site",
    )
    bad = tmp_path / "bad.xml"
    bad.write_text("<rss><channel>")
    refused(sample.invoke("import", str(bad)), "is not well-formed XML")
    assert not (sample.queue / "pending").exists()


OLD_BLOG = """<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/"><channel>
<item><title>Gone</title><link>https://old.example/&#x9b;2J[red]gone</link>
  <wp:comment><wp:comment_id>1</wp:comment_id><wp:comment_author>A</wp:comment_author>
    <wp:comment_date_gmt>2019-06-01 09:00:00</wp:comment_date_gmt>
    <wp:comment_content>Lost.</wp:comment_content><wp:comment_approved>1</wp:comment_approved>
  </wp:comment>
  <wp:comment><wp:comment_id>2</wp:comment_id><wp:comment_author>B</wp:comment_author>
    <wp:comment_date_gmt>2019-06-01 09:00:00</wp:comment_date_gmt>
    <wp:comment_content>x</wp:comment_content>
    <wp:comment_approved>1</wp:comment_approved><wp:comment_type>[/bold]</wp:comment_type>
  </wp:comment>
</item></channel></rss>"""


def test_text_from_outside_prints_as_typed(sample: Site, tmp_path: Path) -> None:
    """Names, URLs, bodies and import fields are shown literally: never as rich markup,
    never as terminal control sequences; a raw 8-bit From name is read as UTF-8."""
    eml = tmp_path / "reply.eml"
    eml.write_bytes(
        b'From: "[bold red]Zo\xc3\xab[/] \xff" <zoe@unal.example>\r\n'
        b"Message-ID: <9@unal.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        b"post=finding-your-cadence\r\nauthor=\r\nurl=https://zoe.example/[link]\r\n"
        b"body=[blink]Hi[/blink]\r\n"
    )
    assert "[bold red]Zoë[/] \ufffd on finding-your-cadence" in ok(
        sample.invoke("ingest", str(eml))
    )
    listing = ok(sample.invoke("pending"))
    assert "from [bold red]Zoë[/] \ufffd <zoe@unal.example>" in listing
    assert "website https://zoe.example/[link]" in listing
    assert "[blink]Hi[/blink]" in listing
    old_blog = tmp_path / "old.xml"
    old_blog.write_text(OLD_BLOG)
    out = ok(sample.invoke("import", str(old_blog)))
    assert "skipped 1 [/bold]s comment(s)" in out
    assert "  https://old.example/2J[red]gone: 1" in out
    assert not set(out) & {"\x1b", "\x9b"}
