"""The CONTACTS setting from pelicanconf.py, merged over these defaults and checked once."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pelican.settings import get_settings_from_file

from plugins.config import unknown_key

from .errors import SettingsError

ROOT = Path(__file__).resolve().parents[2]

DEFAULTS: dict[str, object] = {
    # stage -> days between touches; the first stage is the one new contacts get.
    "stages": {"prospect": 14, "client": 30, "partner": 45, "friend": 90},
    "default_cadence": 30,
    "touch_kinds": [
        "newsletter",
        "email",
        "call",
        "meeting",
        "meal",
        "card",
        "gift",
        "comment",
        "referral",
        "social",
    ],
}

_WORD = re.compile(r"[a-z][a-z0-9-]{0,31}")


@dataclass(frozen=True)
class ContactsSettings:
    """Stages with their cadence in days, the default cadence and the kinds of touch."""

    stages: dict[str, int]
    default_cadence: int
    touch_kinds: tuple[str, ...]

    @property
    def default_stage(self) -> str:
        return next(iter(self.stages))

    def cadence_for(self, stage: str) -> int:
        return self.stages.get(stage, self.default_cadence)


def database_path(environ: Mapping[str, str] = os.environ, root: Path = ROOT) -> Path:
    """`NURTURE_DB` if set, else data/nurture.sqlite3 in the project."""
    override = environ.get("NURTURE_DB")
    return Path(override).expanduser() if override else root / "data" / "nurture.sqlite3"


def load_settings(root: Path = ROOT) -> ContactsSettings:
    """Read CONTACTS from the project's pelicanconf.py (defaults when absent) and check it."""
    conf = root / "pelicanconf.py"
    configured = get_settings_from_file(str(conf)).get("CONTACTS", {}) if conf.exists() else {}
    return check_settings(configured)


def check_settings(configured: object) -> ContactsSettings:
    """Merge a CONTACTS dict over DEFAULTS; raise SettingsError saying what to change."""
    if not isinstance(configured, Mapping):
        raise SettingsError(
            "CONTACTS in pelicanconf.py must be a dict, e.g. {'default_cadence': 30}"
        )
    problem = unknown_key("CONTACTS", configured, DEFAULTS)
    if problem:
        raise SettingsError(problem)
    merged = {**DEFAULTS, **configured}
    stages = merged["stages"]
    if not isinstance(stages, Mapping) or not stages:
        raise SettingsError(
            "CONTACTS['stages'] must map each stage to its cadence in days, e.g. {'client': 30}"
        )
    for stage, days in stages.items():
        _check_word(stage, "stage")
        _check_days(days, f"CONTACTS['stages'][{stage!r}]")
    _check_days(merged["default_cadence"], "CONTACTS['default_cadence']")
    kinds = merged["touch_kinds"]
    if isinstance(kinds, str) or not kinds:
        raise SettingsError(
            "CONTACTS['touch_kinds'] must be a list of words, e.g. ['call', 'card']"
        )
    for kind in kinds:
        _check_word(kind, "touch kind")
    return ContactsSettings(
        stages=dict(stages), default_cadence=merged["default_cadence"], touch_kinds=tuple(kinds)
    )


def _check_word(value: object, what: str) -> None:
    if not isinstance(value, str) or not _WORD.fullmatch(value):
        raise SettingsError(
            f"{what} {value!r} in CONTACTS must be a lowercase word "
            "(letters, digits, hyphens; up to 32 characters)"
        )


def _check_days(value: object, where: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 3650:
        raise SettingsError(f"{where} must be a whole number of days from 1 to 3650, not {value!r}")
