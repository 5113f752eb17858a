"""Related posts against their definition, on random sites."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest

from plugins.blog.related import related_posts


@dataclass(eq=False)
class Post:
    date: datetime
    category: str
    tags: list[int] = field(default_factory=list)


def by_definition(posts: list[Post], limit: int) -> dict[Post, list[Post]]:
    """Most shared tags, then same category, then newest; unrelated posts never."""
    related = {}
    for post in posts:
        ranked = []
        for other in posts:
            shared = len(set(post.tags) & set(other.tags))
            same = other.category == post.category
            if other is not post and (shared or same):
                ranked.append(((-shared, not same, -other.date.timestamp()), other))
        related[post] = [other for _, other in sorted(ranked, key=lambda r: r[0])[:limit]]
    return related


@pytest.mark.parametrize("seed", range(6))
def test_related_posts_follow_the_definition(seed):
    rng = random.Random(seed)
    start = datetime(2024, 1, 1)
    posts = [
        Post(
            start + timedelta(hours=7 * n),
            rng.choice("abcde"),
            rng.sample(range(12), rng.randint(0, 4)),
        )
        for n in range(250)
    ]
    assert related_posts(posts, 3) == by_definition(posts, 3)
