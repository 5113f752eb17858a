"""The service's settings: SUBSCRIPTIONS_URL and SUBSCRIPTIONS from the settings file, secrets
from the environment.

The settings file (pelicanconf.py, or publishconf.py in production) is read the way
Pelican reads it, so the service sees the same SITEURL, COMMENTS, NEWSLETTER and CONTACTS
as the build. The signing keys come only from NURTURE_SUBSCRIPTIONS_SECRET or the file
named by NURTURE_SUBSCRIPTIONS_SECRET_FILE; they are never written anywhere or logged.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from plugins.comments import settings as comments_settings
from plugins.config import unknown_key
from plugins.contacts import ContactsError, ContactsSettings, database_path
from plugins.contacts.settings import check_settings as check_contacts
from plugins.errors import NurtureError
from plugins.newsletter.settings import NewsletterSettings
from plugins.newsletter.settings import check as check_newsletter
from plugins.newsletter.transport import is_loopback

from .tokens import KeyRing

ROOT = Path(__file__).resolve().parents[2]
SECRET_VARIABLE = "NURTURE_SUBSCRIPTIONS_SECRET"  # noqa: S105 (the name of the variable)
SECRET_FILE_VARIABLE = "NURTURE_SUBSCRIPTIONS_SECRET_FILE"  # noqa: S105
MIN_SECRET = 32
NEW_SECRET = "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"  # noqa: S105

DEFAULTS: dict[str, Any] = {
    # Origins (scheme://host[:port]) whose pages may post to the service, besides SITEURL's.
    "origins": [],
    # The tags a sign-up form may give a subscriber (its hidden "tags" field); the site's
    # forms send all of them, and any other tag a form sends is ignored.
    "tags": ["newsletter"],
    # Days a confirmation link stays valid.
    "confirm_days": 7,
    # Form posts (sign-ups and comments) accepted per hour from one IP address, and for
    # one email address.
    "per_ip_hour": 30,
    "per_address_hour": 5,
    # Reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed.
    "trusted_proxies": ["127.0.0.1", "::1"],
}


class SettingsError(NurtureError):
    """SUBSCRIPTIONS_URL, SUBSCRIPTIONS or a secret is missing or malformed."""


class NotConfigured(SettingsError):
    """SUBSCRIPTIONS_URL is empty: the site has no subscriptions service."""


@dataclass(frozen=True)
class SubscriptionsSettings:
    """Everything the service (and a sender building unsubscribe links) needs, checked."""

    url: str  # SUBSCRIPTIONS_URL without a trailing slash
    keys: KeyRing = field(repr=False)
    site_url: str
    site_name: str
    origins: tuple[str, ...]
    tags: tuple[str, ...]
    confirm_days: int
    per_ip_hour: int
    per_address_hour: int
    trusted_proxies: tuple[str, ...]
    database: Path
    stylesheet: Path
    comments: comments_settings.Config
    newsletter: NewsletterSettings
    contacts: ContactsSettings

    @property
    def origin(self) -> str:
        """The service's own origin: its pages post to it."""
        return origin_of(self.url)


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def load_settings(
    settings_file: Path = ROOT / "pelicanconf.py", environ: Mapping[str, str] = os.environ
) -> SubscriptionsSettings:
    """Read and check the settings; raise NotConfigured when SUBSCRIPTIONS_URL is empty."""
    try:
        comments = comments_settings.load(settings_file)
    except Exception as error:  # a typo in the file, or Pelican's word on a bad PATH, THEME...
        raise SettingsError(f"{settings_file}: {error}") from None
    pelican = comments.settings
    url = check_url(pelican.get("SUBSCRIPTIONS_URL") or "")
    given = pelican.get("SUBSCRIPTIONS") or {}
    if not isinstance(given, Mapping):
        raise SettingsError(
            "SUBSCRIPTIONS must be a dict, e.g. SUBSCRIPTIONS = {'confirm_days': 7}"
        )
    problem = unknown_key("SUBSCRIPTIONS", given, DEFAULTS)
    if problem:
        raise SettingsError(problem)
    merged = {**DEFAULTS, **given}
    for key in ("confirm_days", "per_ip_hour", "per_address_hour"):
        value = merged[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise SettingsError(f"SUBSCRIPTIONS['{key}'] must be a whole number of at least 1")
    site_url = str(pelican.get("SITEURL") or "").rstrip("/")
    origins = [origin_of(site_url)] if urlsplit(site_url).netloc else []
    for origin in _strings(merged, "origins"):
        if not re.fullmatch(r"https?://[^/?#\s]+", origin):
            raise SettingsError(
                f"SUBSCRIPTIONS['origins'] has {origin!r}; write an origin such as "
                "'https://www.example.com' (scheme and host, no path)"
            )
        origins.append(origin.lower())
    try:
        contacts = check_contacts(pelican.get("CONTACTS") or {})
    except ContactsError as error:
        raise SettingsError(str(error)) from None
    return SubscriptionsSettings(
        url=url,
        keys=KeyRing(secrets_from(environ)),
        site_url=site_url,
        site_name=str(pelican.get("SITENAME") or ""),
        origins=tuple(dict.fromkeys(origins)),
        tags=tuple(tag.strip().lower() for tag in _strings(merged, "tags")),
        confirm_days=merged["confirm_days"],
        per_ip_hour=merged["per_ip_hour"],
        per_address_hour=merged["per_address_hour"],
        trusted_proxies=_strings(merged, "trusted_proxies"),
        database=database_path(environ),
        stylesheet=Path(pelican["THEME"]) / "static" / "css" / "nurture.css",
        comments=comments,
        newsletter=check_newsletter(pelican),
        contacts=contacts,
    )


def check_url(value: str) -> str:
    """SUBSCRIPTIONS_URL without its trailing slash; https unless the host is loopback."""
    if not value:
        raise NotConfigured(
            "SUBSCRIPTIONS_URL is empty; set it to the address the service is reached at, "
            "e.g. SUBSCRIPTIONS_URL = 'https://subscribe.example.com' in pelicanconf.py"
        )
    parts = urlsplit(value)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.query
        or parts.fragment
        or (parts.scheme == "http" and not is_loopback(parts.hostname))
    ):
        raise SettingsError(
            f"SUBSCRIPTIONS_URL {value!r} must be an https:// address without ?query or "
            "#fragment (one-click unsubscribe needs HTTPS; http:// only for 127.0.0.1)"
        )
    return value.rstrip("/")


def secrets_from(environ: Mapping[str, str]) -> tuple[bytes, ...]:
    """The signing keys, newest first: one per line of the file, or separated by spaces."""
    text = environ.get(SECRET_VARIABLE, "")
    if not text and environ.get(SECRET_FILE_VARIABLE):
        path = Path(environ[SECRET_FILE_VARIABLE])
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise SettingsError(
                f"cannot read {SECRET_FILE_VARIABLE} ({path}): {error}; "
                "it must be a text file with one key per line, newest first"
            ) from None
    keys = text.split()
    if not keys:
        raise SettingsError(
            f"no signing key: set {SECRET_VARIABLE} (or {SECRET_FILE_VARIABLE}, a file) "
            f"to a random key of at least {MIN_SECRET} characters, e.g. the output of {NEW_SECRET}"
        )
    if any(len(key) < MIN_SECRET for key in keys):
        raise SettingsError(
            f"every key in {SECRET_VARIABLE} must be at least {MIN_SECRET} characters; "
            f"make one with {NEW_SECRET}"
        )
    return tuple(key.encode() for key in keys)


def _strings(merged: dict[str, Any], key: str) -> tuple[str, ...]:
    value = merged[key]
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        raise SettingsError(f"SUBSCRIPTIONS['{key}'] must be a list of strings")
    return tuple(value)
