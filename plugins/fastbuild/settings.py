"""fastbuild's settings: one FASTBUILD dict merged over these defaults, checked once."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from plugins.config import unknown_key
from plugins.errors import NurtureError

DEFAULTS: dict[str, Any] = {
    # Processes to use; None means one per core, 1 switches parallel work off.
    "workers": None,
    # Below this many files to convert (or pages to write), one process is faster.
    "min_batch": 64,
}


class FastBuildSettingsError(NurtureError):
    """FASTBUILD in pelicanconf.py is malformed."""


@dataclass(frozen=True)
class Options:
    workers: int
    min_batch: int


def options(settings: dict[str, Any]) -> Options:
    """FASTBUILD merged over the defaults; raise FastBuildSettingsError naming the fix."""
    given = settings.get("FASTBUILD") or {}
    if not isinstance(given, dict):
        raise FastBuildSettingsError('FASTBUILD must be a dict, e.g. {"workers": 2}')
    problem = unknown_key("FASTBUILD", given, DEFAULTS)
    if problem:
        raise FastBuildSettingsError(problem)
    merged = {**DEFAULTS, **given}
    workers = merged["workers"] or os.cpu_count() or 1
    if not isinstance(workers, int) or workers < 1:
        raise FastBuildSettingsError(
            'FASTBUILD["workers"] must be a whole number of processes (1 = no parallel work)'
        )
    if not isinstance(merged["min_batch"], int) or merged["min_batch"] < 0:
        raise FastBuildSettingsError('FASTBUILD["min_batch"] must be a whole number, e.g. 64')
    return Options(workers=workers, min_batch=merged["min_batch"])
