"""Feeds of the sample site: validity, structure, autodiscovery and the Subscribe block."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import feedparser
import pytest
from bs4 import BeautifulSoup
from lxml import etree

from tests.feeds.conftest import ATOM
from tests.helpers import ROOT

SITEURL = "http://127.0.0.1:8000"
RSS_NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "dc": "http://purl.org/dc/elements/1.1/",
}
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
# RFC 4151: tag:authority,date:specific, with the characters feed validators accept.
TAG_URI = re.compile(
    r"^tag:(?:[a-z0-9._-]+@)?[a-z0-9.-]+,\d{4}(?:-\d{2}(?:-\d{2})?)?:[\w;/?:@&=+$.!~*'()%,-]+$",
    re.ASCII,
)


def _published_slugs() -> set[str]:
    """The sample posts a reader may see: not draft or hidden, not dated in the future."""
    slugs = set()
    for path in (ROOT / "content" / "posts").glob("*.md"):
        header = path.read_text(encoding="utf-8").split("\n\n", 1)[0]
        meta = dict(line.split(": ", 1) for line in header.splitlines() if ": " in line)
        date = datetime.strptime(meta["Date"], "%Y-%m-%d %H:%M")
        if meta.get("Status", "published") == "published" and date <= datetime.now():
            slugs.add(meta["Slug"])
    return slugs


def _html(output: Path, page: str) -> BeautifulSoup:
    return BeautifulSoup((output / page).read_text(encoding="utf-8"), "html.parser")


def _discovered(output: Path, page: str) -> list[str]:
    head = _html(output, page).head
    return [link["href"] for link in head.find_all("link", rel="alternate")]


def _post_feeds(output: Path, kind: str = "") -> list[Path]:
    """The post feeds (all, category, tag, author); other plugins publish feeds too."""
    patterns = ("all", "category/*", "tag/*", "author/*")
    return sorted(p for pattern in patterns for p in output.glob(f"feeds/{pattern}.{kind}*.xml"))


def test_every_feed_parses_without_errors(sample_site: Path) -> None:
    feeds = _post_feeds(sample_site)
    assert len(feeds) > 20
    for path in feeds:
        parsed = feedparser.parse(path.read_bytes())
        assert parsed.bozo == 0, f"{path}: {parsed.get('bozo_exception')}"
        assert parsed.entries, path


def test_the_all_posts_feeds_carry_every_published_post(sample_site: Path) -> None:
    expected = _published_slugs()
    for name in ("all.atom.xml", "all.rss.xml"):
        entries = feedparser.parse((sample_site / "feeds" / name).read_bytes()).entries
        assert len(entries) == min(len(expected), 20)
        assert {e.link.rstrip("/").rsplit("/", 1)[-1] for e in entries} <= expected
        dates = [e.published_parsed for e in entries]
        assert dates == sorted(dates, reverse=True)


def test_every_link_and_image_in_every_entry_is_absolute(sample_site: Path) -> None:
    checked = 0
    for path in _post_feeds(sample_site):
        for entry in feedparser.parse(path.read_bytes()).entries:
            html = BeautifulSoup(entry.content[0].value, "html.parser")
            for tag, attribute in (("a", "href"), ("img", "src")):
                for element in html.find_all(tag):
                    url = element[attribute]
                    assert url.startswith((f"{SITEURL}/", "https://", "mailto:")), (path, url)
                    checked += 1
    assert checked > 50


def test_atom_documents_have_the_required_structure(sample_site: Path) -> None:
    for path in _post_feeds(sample_site, "atom"):
        feed = etree.fromstring(path.read_bytes())
        assert feed.tag == f"{ATOM}feed"
        for name in ("id", "title", "updated", "generator"):
            assert feed.findtext(f"{ATOM}{name}"), (path, name)
        self_link = feed.find(f"{ATOM}link[@rel='self']")
        assert self_link.get("href") == f"{SITEURL}/{path.relative_to(sample_site).as_posix()}"
        assert feed.find(f"{ATOM}link[@rel='alternate']").get("href").startswith(SITEURL)
        entries = feed.findall(f"{ATOM}entry")
        assert entries
        newest = max(e.findtext(f"{ATOM}updated") for e in entries)
        assert feed.findtext(f"{ATOM}updated") == newest
        for entry in entries:
            for name in ("id", "title", "updated", "published", "summary", "author/{*}name"):
                assert entry.findtext(f"{ATOM}{name}"), (path, name)
            assert entry.find(f"{ATOM}content").get("type") == "html"
            # feedgen writes an entry's link without rel, which Atom reads as "alternate".
            [link] = entry.findall(f"{ATOM}link")
            assert link.get("rel", "alternate") == "alternate"
            assert link.get("href").startswith(f"{SITEURL}/")
            assert TAG_URI.match(entry.findtext(f"{ATOM}id"))
            assert entry.findtext(f"{ATOM}id").startswith("tag:warm-leads,")


def test_rss_documents_have_the_required_structure(sample_site: Path) -> None:
    for path in _post_feeds(sample_site, "rss"):
        rss = etree.fromstring(path.read_bytes())
        assert rss.tag == "rss"
        assert rss.get("version") == "2.0"
        channel = rss.find("channel")
        for name in ("title", "link", "description", "language", "lastBuildDate"):
            assert channel.findtext(name), (path, name)
        self_link = channel.find("atom:link[@rel='self']", RSS_NS)
        assert self_link.get("href") == f"{SITEURL}/{path.relative_to(sample_site).as_posix()}"
        items = channel.findall("item")
        assert items
        for item in items:
            for name in (
                "title",
                "link",
                "description",
                "pubDate",
                "content:encoded",
                "dc:creator",
            ):
                assert item.findtext(name, namespaces=RSS_NS), (path, name)
            assert item.findall("dc:creator", RSS_NS)
            guid = item.find("guid")
            assert guid.get("isPermaLink") == "false"
            assert guid.text.startswith("tag:warm-leads,")


def test_json_feed_has_the_required_fields_of_version_1_1(sample_site: Path) -> None:
    feed = json.loads((sample_site / "feeds/all.json").read_text(encoding="utf-8"))
    assert feed["version"] == JSON_FEED_VERSION
    assert feed["title"] == "Warm Leads"
    assert feed["feed_url"] == f"{SITEURL}/feeds/all.json"
    assert feed["home_page_url"] == f"{SITEURL}/"
    atom = feedparser.parse((sample_site / "feeds/all.atom.xml").read_bytes())
    assert [item["id"] for item in feed["items"]] == [e.id for e in atom.entries]
    for item in feed["items"]:
        assert isinstance(item["id"], str) and item["id"]
        assert item["content_html"].strip()
        assert item["url"].startswith(f"{SITEURL}/")
        assert "<" not in item["summary"]
        for name in ("date_published", "date_modified"):
            assert datetime.fromisoformat(item[name]).utcoffset() is not None
        assert item["authors"] and all(author["name"] for author in item["authors"])


def test_every_page_announces_the_all_posts_feeds(sample_site: Path) -> None:
    everything = [f"{SITEURL}/feeds/all.atom.xml", f"{SITEURL}/feeds/all.rss.xml"]
    everything.append(f"{SITEURL}/feeds/all.json")
    assert _discovered(sample_site, "index.html") == everything
    assert _discovered(sample_site, "about/index.html") == everything
    for article in sample_site.glob("20*/*/*/index.html"):
        slug = article.parent.name
        own = [f"{SITEURL}/feeds/comments/{slug}.{kind}.xml" for kind in ("atom", "rss")]
        commented = (ROOT / "content/comments" / slug).is_dir()
        links = _discovered(sample_site, article.relative_to(sample_site).as_posix())
        assert links == everything + (own if commented else [])


@pytest.mark.parametrize("kind", ["category", "tag", "author"])
def test_taxonomy_pages_announce_their_own_feeds(sample_site: Path, kind: str) -> None:
    pages = sorted((sample_site / kind).glob("*/index.html"))
    assert pages
    for page in pages:
        slug = page.parent.name
        own = [f"{SITEURL}/feeds/{kind}/{slug}.atom.xml", f"{SITEURL}/feeds/{kind}/{slug}.rss.xml"]
        links = _discovered(sample_site, page.relative_to(sample_site).as_posix())
        assert links[3:] == own
        for url in own:
            assert (sample_site / url.removeprefix(f"{SITEURL}/")).is_file()


def test_subscribe_page_lists_the_feeds(sample_site: Path) -> None:
    block = _html(sample_site, "subscribe/index.html").find("section", class_="feeds")
    assert block.h2.get_text() == "Follow in a feed reader"
    groups = [h3.get_text() for h3 in block.find_all("h3")]
    assert groups[:4] == ["All posts", "Topics", "Authors", "Tags"]
    everything = block.find("li")
    assert everything.get_text(" ", strip=True).startswith("Every post:")
    assert [a.get_text() for a in everything.find_all("a")] == ["Atom", "RSS", "JSON Feed"]
    targets = {a["href"] for a in block.find_all("a")}
    assert "../feeds/all.atom.xml" in targets
    for category in (sample_site / "category").glob("*/index.html"):
        assert f"../feeds/category/{category.parent.name}.rss.xml" in targets
    for href in targets:
        assert (sample_site / "subscribe" / href).resolve().is_file(), href


def test_footer_links_the_all_posts_feeds(sample_site: Path) -> None:
    footer = _html(sample_site, "index.html").find("footer")
    [item] = [li for li in footer.select("ul.footer-links > li") if "Feeds" in li.get_text()]
    assert [(a.get_text(), a["href"]) for a in item.find_all("a")] == [
        ("Atom", "./feeds/all.atom.xml"),
        ("RSS", "./feeds/all.rss.xml"),
        ("JSON Feed", "./feeds/all.json"),
    ]
