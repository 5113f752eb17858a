"""feeds: Atom, RSS and JSON Feed for the posts, and the API other plugins publish with.

Every feed is built with feedgen (JSON Feed with json) once, at the end of the build;
Pelican's own FEED_* settings are switched off. See docs/feeds.md.
"""

from .api import FeedAuthor, FeedItem, FeedsNotLoaded, FeedSpec, publish_feed, tag_id
from .plugin import register

__all__ = [
    "FeedAuthor",
    "FeedItem",
    "FeedSpec",
    "FeedsNotLoaded",
    "publish_feed",
    "register",
    "tag_id",
]
