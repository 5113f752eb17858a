"""Export (JSON, CSV, WXR) and import (WordPress, Disqus, Blogger): round trips and bad files."""

from __future__ import annotations

import csv
import gzip
import io
import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree

from plugins.comments import export, importer
from plugins.comments.model import Comment, CommentsError
from plugins.comments.settings import Config, load
from plugins.comments.store import load_comments
from tests.comments.conftest import THREAD_ORDER, Site, write_site

WP = "{http://wordpress.org/export/1.2/}"
DATA = Path(__file__).parent / "exports"


def config_of(site: Site) -> Config:
    return load(site.settings)


def snapshot(config: Config) -> dict[str, set[tuple]]:
    """Every comment on disk, as comparable tuples."""
    found, problems = load_comments(config.comments_root, timezone="UTC", max_length=20_000)
    assert problems == []
    return {
        slug: {(c.id, c.author, c.date, c.body, c.email, c.url, c.replyto) for c in comments}
        for slug, comments in found.items()
    }


def files(site: Site) -> set[Path]:
    return set(site.content.rglob("*"))


@pytest.fixture
def empty_site(tmp_path: Path) -> Site:
    site = write_site(tmp_path / "empty", with_bad_files=False)
    shutil.rmtree(site.content / "comments")
    return site


def test_json_is_threaded_and_complete(fresh_site: Site) -> None:
    result = export.export(config_of(fresh_site), "json")
    document = json.loads(result.text)
    post = next(p for p in document["posts"] if p["slug"] == "thread-post")
    assert post["url"] == "http://127.0.0.1:8000/2025/01/thread-post/"
    assert [c["id"] for c in post["comments"]] == ["a", "d"]
    a = post["comments"][0]
    assert [r["id"] for r in a["replies"]] == ["b", "e"]
    assert a["replies"][0]["replies"][0]["id"] == "c"
    assert (a["email"], a["url"]) == ("ann@archer.example", "https://ann.example")
    assert result.comments == sum(len(p["comments"]) for p in document["posts"]) + 3
    assert result.left_out == []


def test_csv_has_one_row_per_comment_and_defuses_formulas(fresh_site: Site) -> None:
    (fresh_site.content / "comments" / "quiet-post").mkdir()
    (fresh_site.content / "comments" / "quiet-post" / "f.md").write_text(
        'Author: =HYPERLINK("https://evil.example")\nDate: 2025-02-01 10:00\n\n@SUM(A1)\n'
    )
    rows = list(csv.DictReader(io.StringIO(export.export(config_of(fresh_site), "csv").text)))
    thread = [row["id"] for row in rows if row["post"] == "thread-post"]
    assert thread == THREAD_ORDER
    assert list(rows[0]) == list(export.CSV_COLUMNS)
    formula = next(row for row in rows if row["id"] == "f")
    assert formula["author"].startswith("'=") and formula["body"] == "'@SUM(A1)"


def test_wxr_has_the_wordpress_structure(fresh_site: Site) -> None:
    text = export.export(config_of(fresh_site), "wxr").text
    root = etree.fromstring(text.encode())
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel.findtext(f"{WP}wxr_version") == "1.2"
    item = next(i for i in channel.iter("item") if i.findtext(f"{WP}post_name") == "thread-post")
    assert item.findtext("link") == "http://127.0.0.1:8000/2025/01/thread-post/"
    assert item.findtext(f"{WP}post_type") == "post"
    comments = item.findall(f"{WP}comment")
    number = {
        c.find(f"{WP}commentmeta[{WP}meta_key='nurture_id']").findtext(f"{WP}meta_value"): c
        for c in comments
    }
    assert list(number) == THREAD_ORDER
    ids = {key: c.findtext(f"{WP}comment_id") for key, c in number.items()}
    parents = {key: c.findtext(f"{WP}comment_parent") for key, c in number.items()}
    assert parents == {"a": "0", "b": ids["a"], "c": ids["b"], "e": ids["a"], "d": "0"}
    a = number["a"]
    assert a.findtext(f"{WP}comment_author") == "Ann Archer"
    assert a.findtext(f"{WP}comment_author_email") == "ann@archer.example"
    assert a.findtext(f"{WP}comment_approved") == "1"
    assert a.findtext(f"{WP}comment_date_gmt") == "2025-02-01 10:00:00"
    assert '<a href="https://ann.example/x" rel="nofollow ugc noopener">' in a.findtext(
        f"{WP}comment_content"
    )


def test_export_then_import_gives_the_same_comments(fresh_site: Site, empty_site: Site) -> None:
    source = fresh_site.root / "comments.wxr"
    source.write_text(export.export(config_of(fresh_site), "wxr").text)
    target = config_of(empty_site)
    report = importer.import_file(target, source)
    assert (report.platform, report.present, dict(report.unmatched)) == ("WordPress WXR", 0, {})
    assert snapshot(target) == snapshot(config_of(fresh_site))
    again = importer.import_file(target, source)
    assert (len(again.imported), again.present) == (0, len(report.imported))


def comments_by_id(config: Config) -> dict[str, Comment]:
    found = load_comments(config.comments_root, timezone="UTC", max_length=1000)[0]
    return {comment.id: comment for comments in found.values() for comment in comments}


def test_a_wordpress_export_imports_with_threads_skips_and_a_report(empty_site: Site) -> None:
    config = config_of(empty_site)
    report = importer.import_file(config, DATA / "wordpress.xml")
    assert dict(report.skipped) == {"spam": 1, "pingbacks": 1, "unapproved": 1}
    assert dict(report.unmatched) == {"https://old.example/gone/": 1}
    on_disk = comments_by_id(config)
    assert sorted(on_disk) == ["wp-101", "wp-103", "wp-104", "wp-201"]
    assert (on_disk["wp-104"].replyto, on_disk["wp-103"].replyto) == ("wp-101", "")
    assert on_disk["wp-201"].post == "quiet-post"
    assert on_disk["wp-101"].body == (
        "Hello [site](https://w.example) \\*stars\\*\nNext line\n\nSecond para with *em*"
    )
    assert (on_disk["wp-101"].email, on_disk["wp-101"].url) == (
        "wendy@wu.example",
        "https://wu.example",
    )
    assert on_disk["wp-101"].date.isoformat() == "2019-05-02T11:00:00+01:00"


@pytest.mark.parametrize(
    ("name", "platform", "expected", "skipped"),
    [
        (
            "blogger-classic.xml",
            "Blogger Atom",
            {
                "blogger-601": (
                    "quiet-post",
                    "",
                    "Nice **post**\n\nReally.",
                    "",
                    "https://bea.example",
                ),
                "blogger-602": ("quiet-post", "blogger-601", "Agreed.", "", ""),
            },
            {},
        ),
        (
            "blogger-2018.xml",
            "Blogger Atom",
            {
                "blogger-801": ("hidden-post", "", "First!", "", ""),
                "blogger-802": ("hidden-post", "blogger-801", "Second.", "", ""),
            },
            {"deleted": 1},
        ),
        (
            "disqus.xml",
            "Disqus XML",
            {
                "disqus-31": ("closed-post", "", "Root *comment*", "fay@f.example", ""),
                "disqus-32": ("closed-post", "disqus-31", "Reply", "", ""),
            },
            {"spam": 1},
        ),
    ],
    ids=["blogger-classic", "blogger-2018", "disqus"],
)
def test_blogger_and_disqus_exports(
    empty_site: Site, name: str, platform: str, expected: dict, skipped: dict
) -> None:
    config = config_of(empty_site)
    report = importer.import_file(config, DATA / name)
    assert (report.platform, dict(report.skipped), dict(report.unmatched)) == (
        platform,
        skipped,
        {},
    )
    got = {
        c.id: (c.post, c.replyto, c.body, c.email, c.url) for c in comments_by_id(config).values()
    }
    assert got == expected


BAD_IMPORTS = {
    "malformed.xml": ("<rss><channel><item></channel>", "is not well-formed XML"),
    "plain.rss": ('<rss version="2.0"><channel><item/></channel></rss>', "is not a WordPress"),
    "other.atom": (
        '<feed xmlns="http://www.w3.org/2005/Atom"><entry/></feed>',
        "is not a WordPress",
    ),
    "entities.xml": (
        '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
        "<rss><channel>&b;</channel></rss>",
        "declares a DTD",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_IMPORTS))
def test_bad_import_files_are_refused_and_nothing_is_written(
    fresh_site: Site, tmp_path: Path, name: str
) -> None:
    text, reason = BAD_IMPORTS[name]
    source = tmp_path / name
    source.write_text(text)
    before = files(fresh_site)
    with pytest.raises(CommentsError, match=reason):
        importer.import_file(config_of(fresh_site), source)
    assert files(fresh_site) == before


def test_a_huge_import_file_is_refused(fresh_site: Site, tmp_path: Path) -> None:
    source = tmp_path / "huge.xml"
    source.write_text((DATA / "wordpress.xml").read_text() + " " * 1_100_000)
    config = config_of(fresh_site)
    small = replace(config, comments={**config.comments, "max_import_mb": 1})
    with pytest.raises(CommentsError, match=r"huge.xml is 1.1 MB; the import limit is 1 MB"):
        importer.import_file(small, source)


def test_a_compressed_import_file_is_refused_unread(fresh_site: Site, tmp_path: Path) -> None:
    # libxml2 would gunzip a file it is given by name: a small .gz can unpack to gigabytes.
    source = tmp_path / "export.xml"
    source.write_bytes(gzip.compress((DATA / "wordpress.xml").read_bytes()))
    before = files(fresh_site)
    with pytest.raises(CommentsError, match=r"export.xml is compressed; unpack it"):
        importer.import_file(config_of(fresh_site), source)
    assert files(fresh_site) == before


def test_a_failure_while_writing_undoes_the_whole_import(empty_site: Site) -> None:
    blocker = empty_site.content / "comments" / "thread-post" / "wp-104.md"
    blocker.mkdir(parents=True)
    before = files(empty_site)
    with pytest.raises(CommentsError, match=r"writing the comments failed .*nothing was imported"):
        importer.import_file(config_of(empty_site), DATA / "wordpress.xml")
    assert files(empty_site) == before


def test_dry_run_writes_nothing(empty_site: Site) -> None:
    before = files(empty_site)
    report = importer.import_file(config_of(empty_site), DATA / "wordpress.xml", dry_run=True)
    assert len(report.imported) == 4 and files(empty_site) == before


def test_an_unknown_export_format_is_refused(fresh_site: Site) -> None:
    with pytest.raises(CommentsError, match="unknown format 'yaml'; choose json, csv, wxr"):
        export.export(config_of(fresh_site), "yaml")


def test_characters_xml_cannot_hold_never_break_a_wxr_export(fresh_site: Site) -> None:
    folder = fresh_site.content / "comments" / "quiet-post"
    folder.mkdir()
    (folder / "x.md").write_text(
        "Author: Xan \uffff]]>\nDate: 2025-02-01 10:00\n\n`a]]>b` and \ufffe done\n",
        encoding="utf-8",
    )
    root = etree.fromstring(export.export(config_of(fresh_site), "wxr").text.encode())
    [comment] = [
        c
        for c in root.iter(f"{WP}comment")
        if c.find(f"{WP}commentmeta[{WP}meta_value='x']") is not None
    ]
    assert comment.findtext(f"{WP}comment_author") == "Xan ]]>"
    markdown = comment.find(f"{WP}commentmeta[{WP}meta_key='nurture_markdown']")
    assert markdown.findtext(f"{WP}meta_value") == "`a]]>b` and  done"
    assert "a]]&gt;b" in comment.findtext(f"{WP}comment_content")


def _disqus(posts: str) -> str:
    return (
        '<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">'
        '<thread dsq:id="9"><link>https://site.example/2025/01/quiet-post/</link></thread>'
        f"{posts}</disqus>"
    )


def _disqus_post(message: str, when: str, extra: str = "") -> str:
    return (
        f"<post {extra}><message><![CDATA[{message}]]></message><createdAt>{when}</createdAt>"
        '<author><name>Ann</name></author><thread dsq:id="9"/></post>'
    )


def test_comments_without_an_id_are_skipped_not_merged(empty_site: Site, tmp_path: Path) -> None:
    source = tmp_path / "disqus.xml"
    source.write_text(
        _disqus(
            _disqus_post("<p>One</p>", "2020-01-01T10:00:00Z")
            + _disqus_post("<p>Two</p>", "2020-01-02T10:00:00Z")
            + _disqus_post("<p>Kept</p>", "2020-01-03T10:00:00Z", 'dsq:id="7"')
        )
    )
    config = config_of(empty_site)
    report = importer.import_file(config, source)
    assert (dict(report.skipped), report.present) == ({"id-less": 2}, 0)
    assert [c.body for c in comments_by_id(config).values()] == ["Kept"]


def test_html_comments_in_imported_bodies_are_not_shown(empty_site: Site, tmp_path: Path) -> None:
    source = tmp_path / "disqus.xml"
    message = "<p>Visible<!-- moderator: spammy? --> text<?php echo 1; ?></p>"
    source.write_text(_disqus(_disqus_post(message, "2020-01-01T10:00:00Z", 'dsq:id="8"')))
    config = config_of(empty_site)
    importer.import_file(config, source)
    assert comments_by_id(config)["disqus-8"].body == "Visible text"
