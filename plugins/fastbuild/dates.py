"""Dates read and written without Pelican's general (and slow) helpers, to the same text.

Pelican reads every date with dateutil's parser, which takes about a quarter of a
millisecond; a build reads one per post and one per comment. `usual_date` reads
2026-11-20, 2026-11-20 09:30 and 2026-11-20T09:30:15 to exactly what
`pelican.utils.get_date` gives for them, and says None for anything else (an impossible
day included), which the caller hands to get_date as before. `strftime` is `pelican.utils.strftime`
(`%-d` and friends) with each format taken apart once, not at every date.
"""

from __future__ import annotations

import functools
import re
from datetime import datetime

from pelican import utils as pelican_utils
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


# What pelican.utils.strftime formats (C89 directives and the ISO ones); it leaves the
# others as they are written.
_DIRECTIVES = "aAbBcdfGHIjmMpSUuVwWxXyYzZ%"
_OPTION = re.compile("%[-]?.")


@functools.lru_cache(maxsize=64)
def _parsed(date_format: str) -> tuple[str, tuple[tuple[str, bool] | str, ...]]:
    """`date_format` as pelican.utils.strftime takes it apart: a %-template, and for
    each option either (directive, strip leading zeros) or the text it stands for."""
    parts: list[tuple[str, bool] | str] = []
    for option in _OPTION.findall(date_format):
        if option[-1] not in _DIRECTIVES:
            parts.append(option)
        else:
            parts.append((f"%{option[-1]}", len(option) == 3))  # 3: "%-d"
    return _OPTION.sub("%s", date_format), tuple(parts)


def strftime(date: datetime, date_format: str) -> str:
    """`pelican.utils.strftime(date, date_format)`, which fastbuild makes Pelican use
    (`use_in_pelican`): Pelican's dates format every URL ({date:%Y}) and shown date."""
    template, parts = _parsed(date_format)
    # What Pelican asks for each option: its own dates' plain strftime, others' own.
    plain = datetime.strftime if isinstance(date, SafeDatetime) else type(date).strftime
    formatted = []
    for part in parts:
        if isinstance(part, str):
            formatted.append(part)
            continue
        directive, strip = part
        text = plain(date, directive)
        formatted.append((text.lstrip("0") or "0") if strip else text)
    return template % tuple(formatted)


def use_in_pelican() -> None:
    """Make pelican.utils.strftime (behind SafeDatetime.strftime and Pelican's
    `strftime` filter) this one; the original stays reachable as `__wrapped__`."""
    if pelican_utils.strftime is not strftime:
        strftime.__wrapped__ = pelican_utils.strftime  # type: ignore[attr-defined]
        pelican_utils.strftime = strftime
