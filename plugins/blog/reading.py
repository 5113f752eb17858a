"""Reading time of a post."""

from __future__ import annotations

import math
import re

WORDS_PER_MINUTE = 230
_TAG = re.compile(r"<[^>]+>")


def word_count(html: str) -> int:
    return len(_TAG.sub(" ", html).split())


def reading_minutes(html: str) -> int:
    """Whole minutes to read `html` at an unhurried pace; at least one."""
    return max(1, math.ceil(word_count(html) / WORDS_PER_MINUTE))
