"""The data a feed is made of: FeedSpec (the feed), FeedItem (an entry), FeedAuthor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class FeedAuthor:
    """A person credited in a feed; `url` is absolute or site-relative, or empty."""

    name: str
    url: str = ""


@dataclass(frozen=True)
class FeedSpec:
    """One feed: what it is called, where it is written and which page it mirrors.

    `key` names the feed uniquely within a build ("posts", "category/<slug>",
    "comments/<article-slug>", "newsletter"); templates look feeds up by it. The paths
    are relative to the output directory; a format whose path is None is not written.
    `page` is the (site-relative or absolute) URL of the HTML page the feed follows.
    `updated` dates a feed that has no items yet; a feed with neither is not written.
    `group` lists the feed on the Subscribe page under that heading ("" = not listed);
    `name` is its label there.
    """

    key: str
    title: str
    name: str = ""
    subtitle: str = ""
    page: str = ""
    atom_path: str | None = None
    rss_path: str | None = None
    json_path: str | None = None
    authors: tuple[FeedAuthor, ...] = ()
    group: str = ""
    updated: datetime | None = None

    def __post_init__(self) -> None:
        if not self.key or not self.title:
            raise ValueError("FeedSpec needs a key and a title")
        paths = [p for p in (self.atom_path, self.rss_path, self.json_path) if p is not None]
        if not paths:
            raise ValueError(f"feed {self.key!r} has no atom_path, rss_path or json_path")
        for path in paths:
            if not path or path.startswith("/") or ".." in path.split("/"):
                raise ValueError(
                    f"feed {self.key!r}: path {path!r} must be relative to the output directory"
                )
        if self.updated is not None and self.updated.tzinfo is None:
            raise ValueError(f"feed {self.key!r}: updated must be timezone-aware")


@dataclass(frozen=True)
class FeedItem:
    """One entry of a feed.

    `id` is a permanent URI that must not change when the site moves (see `tag_id`).
    `url` is the entry's page, absolute or site-relative; relative links and images in
    `content_html` and `summary_html` are resolved against it. Dates must be
    timezone-aware; `updated` defaults to `published`. `categories` are plain labels
    (a post's category, then its tags). `source` names the file the item came from, for
    warnings.
    """

    id: str
    title: str
    url: str
    content_html: str
    published: datetime
    updated: datetime | None = None
    summary_html: str = ""
    authors: tuple[FeedAuthor, ...] = ()
    categories: tuple[str, ...] = ()
    source: str = ""

    def __post_init__(self) -> None:
        for name in ("published", "updated"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise ValueError(f"feed item {self.id!r}: {name} must be timezone-aware")

    @property
    def last_updated(self) -> datetime:
        return self.updated or self.published
