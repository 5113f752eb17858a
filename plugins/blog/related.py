"""Related posts: the posts sharing most tags, then the same category, then the newest.

Scores come from a tag index and only the best few are kept (a heap, not a sort), so
the work grows with the posts that actually share a tag, not with the square of the site.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any


def related_posts(articles: Sequence[Any], limit: int) -> dict[Any, list[Any]]:
    """Map each article to up to `limit` related articles, best first.

    Order: most shared tags, then same category, then newest. Articles sharing no tag
    and not the category are never related.
    """
    newest_rank = {a: rank for rank, a in enumerate(sorted(articles, key=lambda a: a.date)[::-1])}
    by_tag: dict[Any, list[Any]] = defaultdict(list)
    by_category: dict[Any, list[Any]] = defaultdict(list)
    for article in sorted(articles, key=newest_rank.__getitem__):
        for tag in getattr(article, "tags", []):
            by_tag[tag].append(article)
        by_category[getattr(article, "category", None)].append(article)

    related: dict[Any, list[Any]] = {}
    for article in articles:
        shared: Counter[Any] = Counter()
        for tag in getattr(article, "tags", []):
            shared.update(by_tag[tag])
        del shared[article]
        category = getattr(article, "category", None)
        ranked = heapq.nsmallest(
            limit,
            shared,
            key=lambda o: (-shared[o], o.category != category, newest_rank[o]),
        )
        if len(ranked) < limit and category is not None:
            chosen = {article, *ranked}
            extra = (a for a in by_category[category] if a not in chosen)
            ranked += [a for _, a in zip(range(limit - len(ranked)), extra, strict=False)]
        related[article] = ranked
    return related
