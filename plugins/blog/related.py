"""Related posts: the posts sharing most tags, then the same category, then the newest.

Posts sharing exactly c of an article's tags are found with set operations on the tags'
post sets (done in C), from the most shared down, stopping once enough are found; within
each group the same category comes first, then the newest. The work does not grow with
the square of the site, which a pairwise count would at thousands of posts per tag.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Sequence
from functools import reduce
from itertools import combinations
from typing import Any


def related_posts(articles: Sequence[Any], limit: int) -> dict[Any, list[Any]]:
    """Map each article to up to `limit` related articles, best first.

    Order: most shared tags, then same category, then newest. Articles sharing no tag
    and not the category are never related.
    """
    newest = sorted(articles, key=lambda a: a.date, reverse=True)
    rank = {article: position for position, article in enumerate(newest)}
    by_tag: dict[Any, set[Any]] = defaultdict(set)
    by_category: dict[Any, set[Any]] = defaultdict(set)
    for article in articles:
        for tag in getattr(article, "tags", []):
            by_tag[tag].add(article)
        by_category[getattr(article, "category", None)].add(article)

    def best(candidates: set[Any], count: int) -> list[Any]:
        return heapq.nsmallest(count, candidates, key=rank.__getitem__)

    related: dict[Any, list[Any]] = {}
    for article in articles:
        tag_sets = [by_tag[tag] for tag in dict.fromkeys(getattr(article, "tags", []))]
        category = getattr(article, "category", None)
        same_category = by_category[category] if category is not None else set()
        chosen: list[Any] = []
        seen = {article}
        for shared in range(len(tag_sets), 0, -1):
            if len(chosen) >= limit:
                break
            group = set().union(
                *(reduce(set.intersection, combo) for combo in combinations(tag_sets, shared))
            )
            group -= seen
            seen |= group
            need = limit - len(chosen)
            first = best(group & same_category, need)
            chosen += first + best(group - same_category, need - len(first))
        if len(chosen) < limit:
            chosen += best(same_category - seen, limit - len(chosen))
        related[article] = chosen
    return related
