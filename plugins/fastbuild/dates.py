"""Dates in the usual form, read without Pelican's general (and slow) date parser.

Pelican reads every date with dateutil's parser, which takes about a quarter of a
millisecond; a build reads one per post and one per comment. `usual_date` reads
2026-11-20, 2026-11-20 09:30 and 2026-11-20T09:30:15 to exactly what
`pelican.utils.get_date` gives for them, and says None for anything else (an impossible
day included), which the caller hands to get_date as before.
"""

from __future__ import annotations

import re
from datetime import datetime

from pelican.utils import SafeDatetime

_USUAL = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?")


def usual_date(text: str) -> datetime | None:
    match = _USUAL.fullmatch(text)
    if match is None:
        return None
    try:
        return SafeDatetime(*(int(part) for part in match.groups() if part))
    except ValueError:  # 2026-02-30: get_date says why
        return None
