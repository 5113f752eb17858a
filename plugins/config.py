"""What every plugin's settings dict (FEEDS, COMMENTS, NEWSLETTER, FASTBUILD, CONTACTS,
SUBSCRIPTIONS) shares."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any


def unknown_key(name: str, given: Mapping[str, Any], known: Iterable[str]) -> str | None:
    """Why `given` (the `name` setting) cannot be used, if one of its keys is not `known`:
    the first such key, the known key closest to it and the known keys; else None."""
    known = list(known)
    for key in given:
        if key not in known:
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f'did you mean "{close[0]}"? ' if close else ""
            settings = ", ".join(known)
            return f"{name} has an unknown setting {key!r}; {hint}the settings are {settings}"
    return None
