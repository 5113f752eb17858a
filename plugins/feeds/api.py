"""The public API: how any plugin publishes a feed through plugins.feeds.

The comments and newsletter plugins (and the feeds plugin's own post feeds) describe a
feed with a FeedSpec and its entries with FeedItems, then call `publish_feed` during the
build. plugins.feeds writes every published feed once, at the end of the build, in the
formats the spec names (Atom 1.0, RSS 2.0, JSON Feed 1.1), with absolute links, XML-safe
text, the newest `FEEDS["max_items"]` entries and unchanged files left alone::

    from plugins.feeds import FeedAuthor, FeedItem, FeedSpec, publish_feed, tag_id

    def article_generator_finalized(generator):
        for article in generator.articles:
            publish_feed(
                FeedSpec(
                    key=f"comments/{article.slug}",
                    name=article.title,
                    title=f"Comments on {article.title}",
                    page=article.url,
                    atom_path=f"feeds/comments/{article.slug}.atom.xml",
                    updated=article.date,
                ),
                items=(
                    FeedItem(
                        id=tag_id(comment.date, f"{article.slug}/comment/{comment.id}"),
                        title=f"{comment.author} on {article.title}",
                        url=f"{article.url}#comment-{comment.id}",
                        content_html=comment.html,
                        published=comment.date,
                        authors=(FeedAuthor(comment.author, comment.url),),
                    )
                    for comment in comments_of(article)
                ),
            )

Publish at or before `article_generator_finalized` (or any signal before the templates
are rendered) so the theme can link the feed; `items` may be lazy: it is consumed when
the feeds are written, after every generator has finished. In templates, the `feeds`
global lists what was published: `feeds.links("comments/" ~ article.slug)`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from . import registry
from .model import FeedAuthor, FeedItem, FeedSpec
from .registry import FeedsNotLoaded

__all__ = [
    "FeedAuthor",
    "FeedItem",
    "FeedSpec",
    "FeedsNotLoaded",
    "publish_feed",
    "tag_id",
]


def publish_feed(spec: FeedSpec, items: Iterable[FeedItem]) -> None:
    """Publish a feed in this build; it is written when the build finishes.

    A key or output path already published in this build is logged as an error and the
    second feed is skipped. Raises FeedsNotLoaded when plugins.feeds is not in PLUGINS.
    """
    registry.current().publish(spec, items)


def tag_id(when: date, specific: str) -> str:
    """A `tag:` URI (RFC 4151) for an item first published on `when`.

    `tag:<FEEDS["id_authority"]>,<YYYY-MM-DD>:<specific>`. It contains neither the
    domain nor the URL scheme, so it survives a move; keep `specific` unique and stable
    (a slug, "slug/comment/3").
    """
    return registry.current().tag_id(when, specific)
