"""Feeds of the fixture site: links, text, dates, ids, authors and what never appears."""

from __future__ import annotations

import json
import os
from datetime import datetime

from tests.feeds.conftest import ATOM, PUBLISHED, SITE_A, SITE_B, UNPUBLISHED, Built, checked
from tests.helpers import build_site

ALL_FEEDS = ("feeds/all.atom.xml", "feeds/all.rss.xml")
RICH = f"{SITE_A}/2025/05/rich-post/"


def _entry(site: Built, path: str, slug: str):
    [entry] = [e for e in site.feed(path).entries if e.link.rstrip("/").endswith(slug)]
    return entry


def test_every_feed_is_written_and_parses_cleanly(site_a: Built) -> None:
    written = {p.relative_to(site_a.output).as_posix() for p in site_a.feed_files()}
    expected = {"feeds/all.atom.xml", "feeds/all.rss.xml", "feeds/all.json"}
    for kind, slugs in {
        "category": ("craft", "noise"),
        "tag": ("links", "unicode"),
        "author": ("olivia-hart", "marcus-bell"),
    }.items():
        expected |= {f"feeds/{kind}/{slug}.{fmt}.xml" for slug in slugs for fmt in ("atom", "rss")}
    assert written == expected
    for path in written - {"feeds/all.json"}:
        site_a.feed(path)


def test_feeds_carry_published_posts_only(site_a: Built) -> None:
    for path in ALL_FEEDS:
        links = {e.link.rstrip("/").rsplit("/", 1)[-1] for e in site_a.feed(path).entries}
        assert links == PUBLISHED
    raw = b"".join(p.read_bytes() for p in site_a.feed_files())
    for slug in UNPUBLISHED:
        assert slug.encode() not in raw
    # The tag only the future post has gets a page from Pelican but no feed.
    assert not (site_a.output / "feeds/tag/someday.atom.xml").exists()
    someday = (site_a.output / "tag/someday/index.html").read_text(encoding="utf-8")
    assert "feeds/tag/someday" not in someday


def test_relative_links_and_images_become_absolute(site_a: Built) -> None:
    html = _entry(site_a, "feeds/all.atom.xml", "rich-post").content[0].value
    for url in (
        f'href="{SITE_A}/2025/04/other-post/"',
        f'href="{SITE_A}/about/"',
        f'href="{RICH}#top"',
        f'src="{SITE_A}/images/pic.svg"',
        f'src="{RICH}local.png"',
        f'src="{RICH}pic.png"',
        'href="mailto:hello@example.com"',
        'href="https://example.org/page"',
    ):
        assert url in html
    # Code is text, not a link: it is left exactly as written.
    assert '&lt;a href="/not-a-link/"&gt;' in html
    # feedparser drops srcset when it sanitises; the raw documents keep it, absolute.
    srcset = f"{RICH}pic.png 1x, {SITE_A}/images/pic@2x.png 2x"
    for path in (*ALL_FEEDS, "feeds/all.json"):
        assert srcset in (site_a.output / path).read_text(encoding="utf-8")


def test_links_follow_the_siteurl_path_like_a_browser(site_b: Built) -> None:
    html = _entry(site_b, "feeds/all.atom.xml", "rich-post").content[0].value
    assert f'href="{SITE_B}/2025/04/other-post/"' in html
    assert 'href="https://b.example/about/"' in html
    assert f'src="{SITE_B}/images/pic.svg"' in html


def test_ids_survive_a_change_of_siteurl(site_a: Built, site_b: Built) -> None:
    for path in (*ALL_FEEDS, "feeds/category/craft.atom.xml"):
        ids = [e.id for e in site_a.feed(path).entries]
        assert ids == [e.id for e in site_b.feed(path).entries]
        assert not any("example" in entry_id for entry_id in ids)
    json_ids = [item["id"] for item in site_a.json("feeds/all.json")["items"]]
    assert json_ids == [item["id"] for item in site_b.json("feeds/all.json")["items"]]
    ids = {e.link.rstrip("/").rsplit("/", 1)[-1]: e.id for e in site_a.feed(ALL_FEEDS[0]).entries}
    assert json_ids == list(ids.values())
    assert ids["rich-post"] == "tag:warm-leads,2025-05-01:rich-post"
    assert ids["kept-id"] == "urn:uuid:6f1c2a8e-4b7d-4c1e-9a55-2f0c7d1e8b42"
    assert ids["bad-id"] == "tag:warm-leads,2024-02-03:bad-id"
    assert "feeds: posts/badid.md: FeedId 'old post 42' is not a URI" in site_a.log


def test_unicode_entities_and_summary(site_a: Built) -> None:
    entry = _entry(site_a, "feeds/all.atom.xml", "rich-post")
    assert entry.title == "Café “Rendez-vous” — naïve ✓ notes"
    text = "Spaces:&nbsp;kept, café, 東京, “quotes” &amp; entities &copy; 2025."
    assert text in entry.content[0].value
    # An HTML entity is not an XML one: in the document it is escaped, never bare.
    assert b"Spaces:&amp;nbsp;kept" in (site_a.output / "feeds/all.atom.xml").read_bytes()
    assert entry.summary == "<p>Every kind of link, in one post.</p>"
    [item] = [i for i in site_a.json("feeds/all.json")["items"] if i["url"] == RICH]
    assert item["title"] == entry.title
    assert item["summary"] == "Every kind of link, in one post."


def test_control_characters_are_stripped_with_a_warning_naming_the_file(site_a: Built) -> None:
    entry = _entry(site_a, "feeds/all.rss.xml", "control-post")
    assert entry.title == "Bell rings"
    assert "Ding dong and done." in entry.content[0].value
    raw = b"".join(p.read_bytes() for p in site_a.feed_files())
    assert not any(bytes([c]) in raw for c in (0x01, 0x07, 0x0B, 0x7F))
    warnings = [line for line in site_a.log.splitlines() if "control or XML-illegal" in line]
    assert len(warnings) == 1
    assert "feeds: posts/control.md: removed" in warnings[0]


def test_dates_are_timezone_aware_and_use_modified(site_a: Built) -> None:
    entry = _entry(site_a, "feeds/all.atom.xml", "rich-post")
    assert entry.published == "2025-05-01T10:00:00+01:00"
    assert entry.updated == "2025-06-02T09:15:00+01:00"
    rss = _entry(site_a, "feeds/all.rss.xml", "rich-post")
    assert rss.published == "Thu, 01 May 2025 10:00:00 +0100"
    [item] = [i for i in site_a.json("feeds/all.json")["items"] if i["url"] == RICH]
    assert datetime.fromisoformat(item["date_published"]).utcoffset() is not None
    assert item["date_modified"] == "2025-06-02T09:15:00+01:00"
    # The feed is as new as its newest entry (Modified counts).
    assert site_a.feed("feeds/all.atom.xml").feed.updated == "2025-06-02T09:15:00+01:00"


def test_every_author_and_every_category_and_tag(site_a: Built) -> None:
    atom = _entry(site_a, "feeds/all.atom.xml", "rich-post")
    assert [a.name for a in atom.authors] == ["Olivia Hart", "Marcus Bell"]
    assert atom.authors[1].href == f"{SITE_A}/author/marcus-bell/"
    assert [t.term for t in atom.tags] == ["Craft", "ünïcode", "links"]
    rss = site_a.xml("feeds/all.rss.xml")
    creators = rss.xpath(
        "//item[contains(link, 'rich-post')]/dc:creator/text()",
        namespaces={"dc": "http://purl.org/dc/elements/1.1/"},
    )
    assert creators == ["Olivia Hart", "Marcus Bell"]
    [item] = [i for i in site_a.json("feeds/all.json")["items"] if i["url"] == RICH]
    assert [a["name"] for a in item["authors"]] == ["Olivia Hart", "Marcus Bell"]
    assert item["tags"] == ["Craft", "ünïcode", "links"]
    # Each author's feed holds that author's posts, the shared post in both.
    marcus = {e.title for e in site_a.feed("feeds/author/marcus-bell.atom.xml").entries}
    assert marcus == {"The Other Post", "Café “Rendez-vous” — naïve ✓ notes"}


def test_taxonomy_feeds_describe_themselves(site_a: Built) -> None:
    tag = site_a.xml("feeds/tag/links.atom.xml")
    assert tag.findtext(f"{ATOM}title") == "Warm Leads — posts tagged links"
    alternate = tag.find(f"{ATOM}link[@rel='alternate']").get("href")
    assert alternate == f"{SITE_A}/tag/links/"
    noise = site_a.feed("feeds/category/noise.rss.xml")
    assert noise.feed.link == f"{SITE_A}/category/noise/"
    assert [e.title for e in noise.entries] == ["Bell rings"]


def test_unchanged_feeds_are_not_rewritten(site_a: Built, fixture_content) -> None:
    page = site_a.output / "index.html"
    for path in [page, *site_a.feed_files()]:
        os.utime(path, ns=(0, 0))
    result = build_site(
        fixture_content,
        site_a.output,
        overrides={"SITEURL": json.dumps(SITE_A), "DELETE_OUTPUT_DIRECTORY": "false"},
    )
    rebuilt = checked(result, site_a.output)
    assert page.stat().st_mtime_ns == 0, "unchanged pages are not rewritten either (fastbuild)"
    assert {p.stat().st_mtime_ns for p in rebuilt.feed_files()} == {0}
