"""Export every approved comment as JSON (threaded), CSV (one row each) or WordPress WXR 1.2.

Exports include commenters' email addresses (the CSV is how commenters become
contacts), so they are private files: `invoke comments.export` refuses to write into
the output folder.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from lxml import etree

from .model import Comment, CommentsError, Post, Thread, build_tree
from .posts import load_posts
from .render import render_body
from .settings import Config
from .store import Problem, load_comments

CSV_COLUMNS = (
    "id",
    "post",
    "post_title",
    "post_url",
    "replyto",
    "author",
    "email",
    "url",
    "date",
    "body",
)
WP = "http://wordpress.org/export/1.2/"
NAMESPACES = {
    "excerpt": "http://wordpress.org/export/1.2/excerpt/",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "wfw": "http://wellformedweb.org/CommentAPI/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "wp": WP,
}
# Comment metadata that lets `invoke comments.import` restore a Nurture export exactly.
META_ID = "nurture_id"
META_MARKDOWN = "nurture_markdown"


@dataclass(frozen=True)
class Site:
    """The site-wide facts an export names."""

    name: str
    url: str
    description: str
    language: str
    timezone: ZoneInfo

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> Site:
        return cls(
            name=settings.get("SITENAME", ""),
            url=(settings.get("SITEURL") or "").rstrip("/"),
            description=settings.get("SITE_DESCRIPTION") or settings.get("SITESUBTITLE") or "",
            language=settings.get("DEFAULT_LANG", "en"),
            timezone=ZoneInfo(settings.get("TIMEZONE") or "UTC"),
        )

    def absolute(self, url: str) -> str:
        return f"{self.url}/{url}"


@dataclass
class Export:
    """An export's text, what it holds, and what was left out (file or folder, reason)."""

    text: str
    posts: int
    comments: int
    left_out: list[Problem]


def write_private(path: Path, text: str) -> None:
    """Write an export; a new file is readable by its owner only (mode 0600), like data/."""
    with open(
        path, "w", encoding="utf-8", opener=lambda name, flags: os.open(name, flags, 0o600)
    ) as handle:
        handle.write(text)


def threads(
    comments: dict[str, list[Comment]], posts: dict[str, Post]
) -> tuple[list[tuple[Post, Thread]], list[Problem]]:
    """Each post that has comments, in date order, with its threaded comments."""
    found = []
    left_out = []
    for slug, own in comments.items():
        if slug not in posts:
            left_out += [
                Problem(c.source or Path(slug), f"no post has the slug {slug!r}") for c in own
            ]
            continue
        roots, orphans = build_tree(own)
        left_out += [Problem(c.source or Path(c.id), why) for c, why in orphans]
        found.append((posts[slug], Thread(slug, posts[slug].status, roots)))
    never = datetime.min.replace(tzinfo=UTC)
    return sorted(found, key=lambda pair: (pair[0].date or never, pair[0].slug)), left_out


def export(config: Config, fmt: str) -> Export:
    """Every approved comment of the site in `fmt` (json, csv or wxr)."""
    if fmt not in WRITERS:
        raise CommentsError(f"unknown format {fmt!r}; choose {', '.join(WRITERS)}")
    comments, problems = load_comments(
        config.comments_root, timezone=config.timezone, max_length=config.max_length
    )
    threaded, left_out = threads(comments, load_posts(config.settings, config.comments))
    text = WRITERS[fmt](threaded, Site.from_settings(config.settings))
    count = sum(thread.count for _, thread in threaded)
    return Export(text, len(threaded), count, problems + left_out)


def to_json(threaded: list[tuple[Post, Thread]], site: Site) -> str:
    def one(comment: Comment) -> dict[str, Any]:
        return {
            "id": comment.id,
            "author": comment.author,
            "email": comment.email,
            "url": comment.url,
            "date": comment.date.isoformat(),
            "body": comment.body,
            "replies": [one(reply) for reply in comment.replies],
        }

    document = {
        "generator": "Nurture",
        "site": site.name,
        "siteurl": site.url,
        "posts": [
            {
                "slug": post.slug,
                "title": post.title,
                "url": site.absolute(post.url),
                "comments": [one(comment) for comment in thread.roots],
            }
            for post, thread in threaded
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _spreadsheet_safe(value: str) -> str:
    """Keep a spreadsheet from running a cell as a formula (=, +, -, @ first)."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def to_csv(threaded: list[tuple[Post, Thread]], site: Site) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for post, thread in threaded:
        for comment in thread.walk():
            row = (
                comment.id,
                post.slug,
                post.title,
                site.absolute(post.url),
                comment.replyto,
                comment.author,
                comment.email,
                comment.url,
                comment.date.isoformat(),
                comment.body,
            )
            writer.writerow([_spreadsheet_safe(value) for value in row])
    return out.getvalue()


def to_wxr(threaded: list[tuple[Post, Thread]], site: Site) -> str:
    """WordPress eXtended RSS 1.2: one item per post, one wp:comment per comment."""
    ns = {prefix: f"{{{uri}}}" for prefix, uri in NAMESPACES.items()}
    rss = etree.Element("rss", version="2.0", nsmap=NAMESPACES)
    channel = etree.SubElement(rss, "channel")

    def add(parent: etree._Element, tag: str, text: str = "", cdata: bool = False) -> None:
        prefix, _, name = tag.rpartition(":")
        element = etree.SubElement(parent, f"{ns[prefix]}{name}" if prefix else name)
        element.text = etree.CDATA(text) if cdata and text else text

    for tag, text in (
        ("title", site.name),
        ("link", site.url),
        ("description", site.description),
        ("language", site.language),
        ("wp:wxr_version", "1.2"),
        ("wp:base_site_url", site.url),
        ("wp:base_blog_url", site.url),
        ("generator", "Nurture"),
    ):
        add(channel, tag, text)
    numbers: dict[tuple[str, str], int] = {}
    for post_number, (post, thread) in enumerate(threaded, start=1):
        item = etree.SubElement(channel, "item")
        date = (post.date or min(c.date for c in thread.walk())).astimezone(site.timezone)
        for tag, text in (
            ("title", post.title),
            ("link", site.absolute(post.url)),
            ("pubDate", format_datetime(date.astimezone(UTC))),
            ("dc:creator", ", ".join(post.authors)),
        ):
            add(item, tag, text)
        guid = etree.SubElement(item, "guid", isPermaLink="false")
        guid.text = site.absolute(post.url)
        for tag, text in (
            ("content:encoded", ""),
            ("excerpt:encoded", ""),
            ("wp:post_id", str(post_number)),
            ("wp:post_date", f"{date:%Y-%m-%d %H:%M:%S}"),
            ("wp:post_date_gmt", f"{date.astimezone(UTC):%Y-%m-%d %H:%M:%S}"),
            ("wp:post_name", post.slug),
            ("wp:status", "publish"),
            ("wp:post_type", "page" if post.kind == "page" else "post"),
            ("wp:comment_status", "open" if post.status == "open" else "closed"),
            ("wp:ping_status", "closed"),
        ):
            add(item, tag, text)
        for comment in thread.walk():
            numbers[(post.slug, comment.id)] = len(numbers) + 1
            element = etree.SubElement(item, f"{ns['wp']}comment")
            parent = numbers.get((post.slug, comment.replyto), 0)
            for tag, text, cdata in (
                ("wp:comment_id", str(numbers[(post.slug, comment.id)]), False),
                ("wp:comment_author", comment.author, True),
                ("wp:comment_author_email", comment.email, False),
                ("wp:comment_author_url", comment.url, False),
                ("wp:comment_author_IP", "", False),
                (
                    "wp:comment_date",
                    f"{comment.date.astimezone(site.timezone):%Y-%m-%d %H:%M:%S}",
                    False,
                ),
                ("wp:comment_date_gmt", f"{comment.date.astimezone(UTC):%Y-%m-%d %H:%M:%S}", False),
                ("wp:comment_content", render_body(comment.body), True),
                ("wp:comment_approved", "1", False),
                ("wp:comment_type", "comment", False),
                ("wp:comment_parent", str(parent), False),
                ("wp:comment_user_id", "0", False),
            ):
                add(element, tag, text, cdata)
            for key, value in ((META_ID, comment.id), (META_MARKDOWN, comment.body)):
                meta = etree.SubElement(element, f"{ns['wp']}commentmeta")
                add(meta, "wp:meta_key", key)
                add(meta, "wp:meta_value", value, cdata=True)
    return etree.tostring(rss, xml_declaration=True, encoding="UTF-8", pretty_print=True).decode()


WRITERS: dict[str, Callable[[list[tuple[Post, Thread]], Site], str]] = {
    "json": to_json,
    "csv": to_csv,
    "wxr": to_wxr,
}
