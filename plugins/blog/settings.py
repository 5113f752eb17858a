"""The blog plugin's settings, checked once when Pelican starts."""

from __future__ import annotations

from typing import Any

from plugins.errors import NurtureError

SHARE_SERVICES = ("email", "linkedin", "facebook", "x")


class SettingsError(NurtureError):
    """A setting in pelicanconf.py or publishconf.py is missing or malformed."""


def check(settings: dict[str, Any]) -> None:
    """Raise SettingsError naming the first bad setting and how to fix it."""
    siteurl = settings.get("SITEURL") or ""
    if settings.get("NURTURE_PRODUCTION") and not siteurl.startswith(("https://", "http://")):
        raise SettingsError(
            "SITEURL must be the site's absolute address in production "
            "(feeds, sitemap and share links need it): set NURTURE_SITEURL=https://... "
            "or SITEURL in publishconf.py"
        )
    profiles = settings.get("AUTHOR_PROFILES")
    if not isinstance(profiles, dict) or not profiles:
        raise SettingsError(
            "AUTHOR_PROFILES must map each author's name to a profile dict "
            '(e.g. {"Olivia Hart": {"bio": "...", "links": [("LinkedIn", "https://...")]}})'
        )
    for name, profile in profiles.items():
        if not isinstance(profile, dict):
            raise SettingsError(f"AUTHOR_PROFILES[{name!r}] must be a dict with bio and links")
        for link in profile.get("links", []):
            if not (isinstance(link, list | tuple) and len(link) == 2):
                raise SettingsError(
                    f"AUTHOR_PROFILES[{name!r}] links must be (label, url) pairs, got {link!r}"
                )
    unknown = set(settings.get("SHARE_LINKS", [])) - set(SHARE_SERVICES)
    if unknown:
        raise SettingsError(
            f"SHARE_LINKS has unknown services {sorted(unknown)}; "
            f"choose from {', '.join(SHARE_SERVICES)}"
        )
    maximum = settings.get("RELATED_POSTS_MAX", 3)
    if not isinstance(maximum, int) or maximum < 0:
        raise SettingsError("RELATED_POSTS_MAX must be a whole number of posts, e.g. 3")
