"""Related posts: the posts sharing most tags, then the same category.

Scores come from a tag index, so the work grows with the posts that actually share a
tag, not with the square of the site.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any


def related_posts(articles: Sequence[Any], limit: int) -> dict[Any, list[Any]]:
    """Map each article to up to `limit` related articles, best first.

    Order: most shared tags, then same category, then newest. Articles sharing no tag
    and not the category are never related.
    """
    by_tag: dict[Any, list[Any]] = defaultdict(list)
    by_category: dict[Any, list[Any]] = defaultdict(list)
    for article in articles:
        for tag in getattr(article, "tags", []):
            by_tag[tag].append(article)
        by_category[getattr(article, "category", None)].append(article)

    related: dict[Any, list[Any]] = {}
    for article in articles:
        shared: Counter[Any] = Counter()
        for tag in getattr(article, "tags", []):
            shared.update(other for other in by_tag[tag] if other is not article)
        category = getattr(article, "category", None)
        ranked = sorted(
            shared,
            key=lambda other: (-shared[other], other.category != category, -other.date.timestamp()),
        )[:limit]
        if len(ranked) < limit and category is not None:
            chosen = set(ranked)
            newest_first = sorted(by_category[category], key=lambda a: a.date, reverse=True)
            ranked += [a for a in newest_first if a is not article and a not in chosen][
                : limit - len(ranked)
            ]
        related[article] = ranked
    return related
