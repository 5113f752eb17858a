"""The comments plugin's settings: one `COMMENTS` dict merged over these defaults."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pelican.settings import read_settings

from plugins.config import unknown_key
from plugins.errors import NurtureError

from .model import STATUSES

LOG_PREFIX = "comments:"

DEFAULTS: dict[str, Any] = {
    # Approved comment files, relative to PATH (pelican_comment_system's layout).
    "path": "comments",
    # The moderation queue, relative to the settings file's folder. Private: keep it
    # under data/ (git-ignored, never published).
    "queue": "data/comments",
    # Where "Leave a reply" mails go when SUBSCRIPTIONS_URL is empty; CONTACT_EMAIL if "".
    "email": "",
    # Per-post default when a post has no `Comments: open | closed | hidden` line.
    "article_default": "open",
    "page_default": "hidden",
    # Longest comment body in characters; longer files are skipped with a warning.
    "max_length": 20_000,
    # Largest import file in megabytes.
    "max_import_mb": 50,
    # Comment feeds (published through plugins.feeds), relative to the output folder;
    # None switches one off. The per-post feeds exist for posts that have comments.
    "feed_all_atom": "feeds/comments.atom.xml",
    "feed_all_rss": "feeds/comments.rss.xml",
    "feed_post_atom": "feeds/comments/{slug}.atom.xml",
    "feed_post_rss": "feeds/comments/{slug}.rss.xml",
}
FEED_KEYS = ("feed_all_atom", "feed_all_rss", "feed_post_atom", "feed_post_rss")


class SettingsError(NurtureError):
    """The COMMENTS setting is malformed."""


def merged(settings: dict[str, Any]) -> dict[str, Any]:
    """COMMENTS over the defaults, checked; raise SettingsError naming the bad key."""
    given = settings.get("COMMENTS") or {}
    if not isinstance(given, dict):
        raise SettingsError("COMMENTS must be a dict, e.g. COMMENTS = {'email': 'you@example.com'}")
    problem = unknown_key("COMMENTS", given, DEFAULTS)
    if problem:
        raise SettingsError(problem)
    config = {**DEFAULTS, **given}
    for key in ("article_default", "page_default"):
        if config[key] not in STATUSES:
            raise SettingsError(f"COMMENTS['{key}'] must be one of {', '.join(STATUSES)}")
    for key in ("max_length", "max_import_mb"):
        if not isinstance(config[key], int) or config[key] <= 0:
            raise SettingsError(f"COMMENTS['{key}'] must be a positive whole number")
    for key in ("path", "queue", "email"):
        if not isinstance(config[key], str):
            raise SettingsError(f"COMMENTS['{key}'] must be a string")
    for key in FEED_KEYS:
        value = config[key]
        if value is not None and (not isinstance(value, str) or value.startswith("/") or not value):
            raise SettingsError(
                f"COMMENTS['{key}'] must be a path relative to the output folder, "
                f"e.g. {DEFAULTS[key]!r}, or None to switch that feed off"
            )
        if key.startswith("feed_post") and value is not None and "{slug}" not in value:
            raise SettingsError(f"COMMENTS['{key}'] must contain {{slug}}, e.g. {DEFAULTS[key]!r}")
    if not config["email"]:
        config["email"] = settings.get("CONTACT_EMAIL") or ""
    return config


@dataclass(frozen=True)
class Config:
    """Everything a comments command needs, read from a Pelican settings file."""

    settings: dict[str, Any]
    comments: dict[str, Any]
    comments_root: Path
    queue_root: Path

    @property
    def timezone(self) -> str:
        return self.settings.get("TIMEZONE") or "UTC"

    @property
    def max_length(self) -> int:
        return self.comments["max_length"]


def comments_root(settings: dict[str, Any], comments: dict[str, Any]) -> Path:
    return Path(settings["PATH"]) / comments["path"]


def load(settings_file: Path) -> Config:
    """Read a settings file (pelicanconf.py, publishconf.py, ...) like Pelican does."""
    if not settings_file.is_file():
        raise SettingsError(f"settings file {settings_file} not found; pass --settings FILE")
    settings = read_settings(str(settings_file))
    comments = merged(settings)
    queue = Path(comments["queue"])
    if not queue.is_absolute():
        queue = settings_file.resolve().parent / queue
    return Config(
        settings=settings,
        comments=comments,
        comments_root=comments_root(settings, comments),
        queue_root=queue,
    )
