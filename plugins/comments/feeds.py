"""The comment feeds, published through plugins.feeds: every comment, and each post's.

Only published articles and pages whose comments are not hidden are carried (a post
dated in the future waits for its date, as in the post feeds); the entries are the
sanitised HTML the page shows, and never the commenter's email.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from plugins.feeds import FeedAuthor, FeedItem, FeedsNotLoaded, FeedSpec, publish_feed, tag_id

from .model import Comment, Thread
from .posts import plain_title
from .settings import LOG_PREFIX

log = logging.getLogger(__name__)


def _item(slug: str, page: str, title: str, comment: Comment) -> FeedItem:
    return FeedItem(
        id=tag_id(comment.date, f"{slug}/comment/{comment.id}"),
        title=f"{comment.author} on “{title}”",
        url=f"{page}#{comment.anchor}",
        content_html=comment.html,
        published=comment.date,
        authors=(FeedAuthor(comment.author, comment.url),),
        source=str(comment.source or ""),
    )


def _carried(content: Any, thread: Thread, now: datetime) -> bool:
    date = getattr(content, "date", None)
    return (
        content.status == "published"
        and thread.status != "hidden"
        and bool(thread.roots)
        and (date is None or date <= now)
    )


def _spec(key: str, atom: str | None, rss: str | None, **fields: Any) -> FeedSpec | None:
    return FeedSpec(key=key, atom_path=atom, rss_path=rss, **fields) if atom or rss else None


def publish(threads: list[tuple[Any, Thread]], settings: dict[str, Any]) -> None:
    """Publish the all-comments feed and one feed per post that has comments."""
    config = settings["COMMENTS"]
    site = settings.get("SITENAME", "")
    now = datetime.now(UTC)
    everything: list[FeedItem] = []
    specs: list[tuple[FeedSpec | None, list[FeedItem]]] = []
    for content, thread in threads:
        if not _carried(content, thread, now):
            continue
        title, page = plain_title(content), content.url
        items = [_item(content.slug, page, title, comment) for comment in thread.walk()]
        everything += items
        atom, rss = (
            config[key] and config[key].format(slug=content.slug)
            for key in ("feed_post_atom", "feed_post_rss")
        )
        spec = _spec(
            f"comments/{content.slug}",
            atom,
            rss,
            title=f"Comments on “{title}” — {site}",
            name=title,
            page=content.url,
        )
        specs.append((spec, items))
    specs.append(
        (
            _spec(
                "comments",
                config["feed_all_atom"],
                config["feed_all_rss"],
                title=f"{site} — comments",
                name="Every comment",
                subtitle=f"Readers' comments on {site}",
                group="Comments",
            ),
            everything,
        )
    )
    try:
        for spec, items in specs:
            if spec:
                publish_feed(spec, items)
    except FeedsNotLoaded:
        log.warning(
            '%s no comment feeds: add "plugins.feeds" to PLUGINS, or set the COMMENTS '
            "feed paths to None",
            LOG_PREFIX,
        )
