"""The feeds plugin's settings: one `FEEDS` dict merged over DEFAULTS and checked once.

Every problem raises FeedsSettingsError naming the setting and the fix, from Pelican's
`initialized` signal, so a bad setting stops the build before anything is written.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from typing import Any

from pelican.settings import DEFAULT_CONFIG
from pelican.utils import slugify

from plugins.config import unknown_key
from plugins.errors import NurtureError

LOG_PREFIX = "feeds:"

PATH_KEYS = (
    "all_atom",
    "all_rss",
    "all_json",
    "category_atom",
    "category_rss",
    "tag_atom",
    "tag_rss",
    "author_atom",
    "author_rss",
)

# Output paths are relative to the output directory; None switches that feed off.
DEFAULTS: dict[str, Any] = {
    "all_atom": "feeds/all.atom.xml",
    "all_rss": "feeds/all.rss.xml",
    "all_json": "feeds/all.json",
    "category_atom": "feeds/category/{slug}.atom.xml",
    "category_rss": "feeds/category/{slug}.rss.xml",
    "tag_atom": "feeds/tag/{slug}.atom.xml",
    "tag_rss": "feeds/tag/{slug}.rss.xml",
    "author_atom": "feeds/author/{slug}.atom.xml",
    "author_rss": "feeds/author/{slug}.rss.xml",
    # The newest posts each feed carries; None carries every post.
    "max_items": 20,
    # The authority of the entries' tag: URIs (RFC 4151): a domain or email you own.
    # None means the slug of SITENAME, which does not change with SITEURL.
    "id_authority": None,
    # Site-relative paths of the feed icon (square) and logo (wide); each is used
    # only when the built site contains that file.
    "icon": "favicon.svg",
    "logo": None,
}

# Pelican's own feed settings: plugins.feeds writes every feed, so these are switched off.
PELICAN_FEED_SETTINGS = (
    "FEED_ATOM",
    "FEED_RSS",
    "FEED_ALL_ATOM",
    "FEED_ALL_RSS",
    "CATEGORY_FEED_ATOM",
    "CATEGORY_FEED_RSS",
    "AUTHOR_FEED_ATOM",
    "AUTHOR_FEED_RSS",
    "TAG_FEED_ATOM",
    "TAG_FEED_RSS",
    "TRANSLATION_FEED_ATOM",
    "TRANSLATION_FEED_RSS",
)

_AUTHORITY = re.compile(r"^(?:[a-z0-9._-]+@)?[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$")


class FeedsSettingsError(NurtureError):
    """A FEEDS setting (or a setting the feeds need) is missing or malformed."""


@dataclass(frozen=True)
class FeedSettings:
    """The checked settings one build's feeds are made with."""

    siteurl: str
    paths: dict[str, str | None]
    max_items: int | None
    id_authority: str
    icon: str | None
    logo: str | None
    sitename: str
    subtitle: str
    author: str
    language: str

    @property
    def enabled(self) -> bool:
        """Feeds need absolute links; without an absolute SITEURL none are written."""
        return self.siteurl.startswith(("https://", "http://"))


def _fields(pattern: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(pattern) if name is not None}


def _check_path(key: str, value: Any) -> None:
    if value is None:
        return
    example = DEFAULTS[key]
    if not isinstance(value, str) or not value.strip():
        raise FeedsSettingsError(
            f'FEEDS["{key}"] must be a path such as "{example}", or None to switch that feed off'
        )
    if value.startswith("/") or ".." in value.split("/"):
        raise FeedsSettingsError(
            f'FEEDS["{key}"] = {value!r} must be relative to the output directory '
            f'without "..", e.g. "{example}"'
        )
    try:
        fields = _fields(value)
    except ValueError:
        fields = {"?"}
    wanted = set() if key.startswith("all_") else {"slug"}
    if fields != wanted:
        hint = "must contain {slug}" if wanted else "takes no {placeholders}"
        raise FeedsSettingsError(f'FEEDS["{key}"] = {value!r} {hint}, e.g. "{example}"')


def _check_site_path(key: str, value: Any) -> None:
    if value is not None and (
        not isinstance(value, str) or not value or value.startswith("/") or ".." in value.split("/")
    ):
        raise FeedsSettingsError(
            f'FEEDS["{key}"] must be the site-relative path of an image in the built site, '
            f'e.g. "favicon.svg", or None'
        )


def _default_authority(sitename: str) -> str:
    authority = slugify(sitename, regex_subs=DEFAULT_CONFIG["SLUG_REGEX_SUBSTITUTIONS"])
    if not _AUTHORITY.match(authority):
        raise FeedsSettingsError(
            'FEEDS["id_authority"] is needed because SITENAME has no usable slug: '
            'set it to a domain or email you own, e.g. "example.com"'
        )
    return authority


def check(config: dict[str, Any]) -> FeedSettings:
    """Merge FEEDS over DEFAULTS and check it; raise FeedsSettingsError on the first problem."""
    user = config.get("FEEDS", {})
    if not isinstance(user, dict):
        raise FeedsSettingsError(
            'FEEDS must be a dict of feed settings, e.g. FEEDS = {"max_items": 20}; '
            "see docs/feeds.md"
        )
    problem = unknown_key("FEEDS", user, DEFAULTS)
    if problem:
        raise FeedsSettingsError(problem)
    merged = {**DEFAULTS, **user}

    seen: dict[str, str] = {}
    for key in PATH_KEYS:
        value = merged[key]
        _check_path(key, value)
        if value is not None and value in seen:
            raise FeedsSettingsError(
                f'FEEDS["{key}"] and FEEDS["{seen[value]}"] are both {value!r}; '
                "give each feed its own path"
            )
        if value is not None:
            seen[value] = key

    max_items = merged["max_items"]
    if max_items is not None and (
        not isinstance(max_items, int) or isinstance(max_items, bool) or max_items < 1
    ):
        raise FeedsSettingsError(
            f'FEEDS["max_items"] = {max_items!r} must be a whole number of posts such as 20, '
            "or None for every post"
        )

    authority = merged["id_authority"]
    if authority is not None and not (isinstance(authority, str) and _AUTHORITY.match(authority)):
        raise FeedsSettingsError(
            f'FEEDS["id_authority"] = {authority!r} must be a domain or email you own, in lower '
            'case, e.g. "warmleads.example" or "olivia@warmleads.example"'
        )

    for key in ("icon", "logo"):
        _check_site_path(key, merged[key])

    siteurl = str(config.get("SITEURL") or "").rstrip("/")
    if config.get("NURTURE_PRODUCTION") and not siteurl.startswith(("https://", "http://")):
        raise FeedsSettingsError(
            "SITEURL must be the site's absolute address in production because feeds need "
            "absolute links: set NURTURE_SITEURL=https://... or SITEURL in publishconf.py"
        )

    sitename = str(config.get("SITENAME", ""))
    return FeedSettings(
        siteurl=siteurl,
        paths={key: merged[key] for key in PATH_KEYS},
        max_items=max_items,
        id_authority=authority or _default_authority(sitename),
        icon=merged["icon"],
        logo=merged["logo"],
        sitename=sitename,
        subtitle=str(config.get("SITESUBTITLE") or ""),
        author=str(config.get("AUTHOR") or ""),
        language=str(config.get("DEFAULT_LANG") or "en"),
    )
