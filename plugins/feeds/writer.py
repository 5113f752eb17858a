"""Serialise a feed as Atom 1.0 and RSS 2.0 (with feedgen) and JSON Feed 1.1 (with json).

A Feed holds everything already resolved: absolute URLs, XML-safe text, the items it
carries, newest first. Rendering is deterministic, so an unchanged site gives
byte-identical files and `write_if_changed` leaves them alone.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from feedgen.feed import FeedGenerator

# isort: split
# feedgen.ext.dc needs lxml.etree, which feedgen.feed imports.
from feedgen.ext.dc import DcEntryExtension, DcExtension

from .entries import plain_text
from .model import FeedAuthor, FeedItem

GENERATOR = "Nurture (Pelican, python-feedgen)"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
MEDIA_TYPES = {
    "atom": "application/atom+xml",
    "rss": "application/rss+xml",
    "json": "application/feed+json",
}
_RSS_IMAGE_TYPES = (".png", ".gif", ".jpg", ".jpeg")


@dataclass(frozen=True)
class Feed:
    """One feed, ready to serialise: absolute URLs, clean text, items newest first."""

    title: str
    subtitle: str
    page_url: str
    urls: dict[str, str]
    items: tuple[FeedItem, ...]
    updated: datetime
    authors: tuple[FeedAuthor, ...]
    language: str
    icon_url: str = ""
    logo_url: str = ""


def _person(author: FeedAuthor, url_key: str) -> dict[str, str]:
    return {"name": author.name, **({url_key: author.url} if author.url else {})}


def _generator(feed: Feed) -> FeedGenerator:
    fg = FeedGenerator()
    # What load_extension("dc", atom=False, rss=True) does, without its import per feed.
    fg.register_extension("dc", DcExtension, DcEntryExtension, atom=False, rss=True)
    fg.id(feed.urls.get("atom") or next(iter(feed.urls.values())))
    fg.title(feed.title)
    fg.subtitle(feed.subtitle or feed.title)
    fg.language(feed.language)
    fg.updated(feed.updated)
    fg.generator(GENERATOR)
    for author in feed.authors:
        fg.author(_person(author, "uri"))
    if feed.icon_url:
        fg.icon(feed.icon_url)
    if feed.logo_url:
        fg.logo(feed.logo_url)
        if feed.logo_url.lower().endswith(_RSS_IMAGE_TYPES):
            fg.image(feed.logo_url, title=feed.title, link=feed.page_url)
    for item in feed.items:
        entry = fg.add_entry(order="append")
        entry.id(item.id)
        entry.title(item.title)
        entry.link(href=item.url, rel="alternate", type="text/html")
        entry.content(item.content_html, type="html")
        if item.summary_html:
            entry.summary(item.summary_html, type="html")
        entry.published(item.published)
        entry.updated(item.last_updated)
        for author in item.authors:
            entry.author(_person(author, "uri"))
        if item.authors:
            entry.dc.dc_creator([author.name for author in item.authors])
        if item.categories:
            entry.category([{"term": label} for label in item.categories])
    return fg


def _links(fg: FeedGenerator, self_url: str, media_type: str, page_url: str) -> None:
    # feedgen uses the last link as RSS <link>, so the page goes last.
    fg.link(href=self_url, rel="self", type=media_type, replace=True)
    fg.link(href=page_url, rel="alternate", type="text/html")


def render_xml(feed: Feed) -> dict[str, bytes]:
    """The Atom and RSS documents of `feed`, for each of the two it has a URL for."""
    fg = _generator(feed)
    documents = {}
    if "atom" in feed.urls:
        _links(fg, feed.urls["atom"], MEDIA_TYPES["atom"], feed.page_url)
        documents["atom"] = fg.atom_str(pretty=True)
    if "rss" in feed.urls:
        _links(fg, feed.urls["rss"], MEDIA_TYPES["rss"], feed.page_url)
        documents["rss"] = fg.rss_str(pretty=True)
    return documents


def render_json(feed: Feed) -> bytes:
    """`feed` as a JSON Feed 1.1 document."""
    document: dict[str, object] = {
        "version": JSON_FEED_VERSION,
        "title": feed.title,
        "home_page_url": feed.page_url,
        "feed_url": feed.urls["json"],
        "description": feed.subtitle or feed.title,
        "language": feed.language,
    }
    if feed.logo_url or feed.icon_url:
        document["icon"] = feed.logo_url or feed.icon_url
    if feed.icon_url:
        document["favicon"] = feed.icon_url
    if feed.authors:
        document["authors"] = [_person(a, "url") for a in feed.authors]
    items = []
    for item in feed.items:
        entry: dict[str, object] = {
            "id": item.id,
            "url": item.url,
            "title": item.title,
            "content_html": item.content_html,
        }
        if item.summary_html:
            entry["summary"] = plain_text(item.summary_html)
        entry["date_published"] = item.published.isoformat()
        entry["date_modified"] = item.last_updated.isoformat()
        if item.authors:
            entry["authors"] = [_person(a, "url") for a in item.authors]
        if item.categories:
            entry["tags"] = list(item.categories)
        items.append(entry)
    document["items"] = items
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def render(feed: Feed) -> dict[str, bytes]:
    """Every document of `feed`, by format ("atom", "rss", "json")."""
    documents = render_xml(feed)
    if "json" in feed.urls:
        documents["json"] = render_json(feed)
    return documents


def write_if_changed(path: Path, data: bytes) -> tuple[bool, tuple[int, int]]:
    """Write `data` to `path` unless the file already holds exactly these bytes, so
    deploys (rsync) only upload changed feeds. Returns whether it was written, and the
    file's (size, modification time) after."""
    try:
        status = path.stat()
    except FileNotFoundError:
        status = None
    if status is not None and status.st_size == len(data) and path.read_bytes() == data:
        return False, (status.st_size, status.st_mtime_ns)
    try:
        file = path.open("wb")
    except FileNotFoundError:  # its folder is new
        path.parent.mkdir(parents=True, exist_ok=True)
        file = path.open("wb")
    with file:
        file.write(data)
        file.flush()  # so that the stamp is the written file's
        status = os.fstat(file.fileno())
    return True, (status.st_size, status.st_mtime_ns)
