"""The NEWSLETTER setting: one dict in pelicanconf.py merged over DEFAULTS, checked once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from plugins.config import unknown_key
from plugins.errors import NurtureError

from .message import Address, HeaderError, check_header_text

DEFAULTS: dict[str, str] = {
    # Who the letter is from; the name defaults to AUTHOR.
    "from_name": "",
    "from_address": "",
    # Where replies go; defaults to from_address. Replies are the point of a letter.
    "reply_to": "",
    # How you sign off, one line per line; defaults to from_name.
    "signature": "",
    # Your postal address: bulk mail must carry one (CAN-SPAM, PECR, ...).
    "postal_address": "",
    # The unsubscribe link; {email} is replaced by the reader's address (URL-encoded).
    # Defaults to an email to reply_to with the subject "Unsubscribe".
    "unsubscribe_url": "",
    # Who "Hi ...," greets when a contact has no first name.
    "fallback_name": "friend",
    # Sending (`invoke newsletter.send`). The envelope sender (Return-Path) receives the
    # bounces; defaults to from_address.
    "envelope_sender": "",
    # The List-Id, a name for the list that mail programs filter on; defaults to
    # newsletter.<the domain of from_address>.
    "list_id": "",
    # Optional DKIM signing: a PEM private key file (relative to the project, never
    # published), its DNS selector, and the signing domain (default: from_address's).
    "dkim_key_file": "",
    "dkim_selector": "",
    "dkim_domain": "",
}
_FIELD = re.compile(r"\{[^}]*\}")
_DOMAIN = re.compile(
    r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+"
)
_SELECTOR = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")


class SettingsError(NurtureError):
    """The NEWSLETTER setting is missing something or malformed."""


@dataclass(frozen=True)
class Dkim:
    """Where the DKIM key is and what its signatures say (d= and s=)."""

    key_file: str
    selector: str
    domain: str


@dataclass(frozen=True)
class NewsletterSettings:
    """The checked settings every issue is rendered and sent with."""

    sender: Address
    reply_to: Address
    signature: str
    postal_address: str
    unsubscribe_url: str
    fallback_name: str
    envelope_sender: str
    list_id: str
    list_name: str
    dkim: Dkim | None


def _address(value: str, name: str, key: str) -> Address:
    try:
        return Address(value, name)
    except HeaderError as error:
        raise SettingsError(f'NEWSLETTER["{key}"]: {error}') from None


def check(config: dict[str, Any]) -> NewsletterSettings:
    """Merge NEWSLETTER over DEFAULTS; raise SettingsError naming the key and the fix."""
    user = config.get("NEWSLETTER", {})
    if not isinstance(user, dict):
        raise SettingsError(
            'NEWSLETTER must be a dict, e.g. NEWSLETTER = {"from_address": "you@example.com", '
            '"postal_address": "..."}; see docs/newsletter.md'
        )
    problem = unknown_key("NEWSLETTER", user, DEFAULTS)
    if problem:
        raise SettingsError(problem)
    for key, value in user.items():
        if not isinstance(value, str):
            raise SettingsError(f'NEWSLETTER["{key}"] must be text, not {value!r}')
    merged = {key: value.strip() for key, value in {**DEFAULTS, **user}.items()}
    if not merged["from_address"]:
        raise SettingsError(
            'NEWSLETTER["from_address"] is missing: the address your letters come from, '
            'e.g. "olivia@warmleads.example"'
        )
    if not merged["postal_address"]:
        raise SettingsError(
            'NEWSLETTER["postal_address"] is missing: bulk mail must carry your postal '
            'address (CAN-SPAM, PECR), e.g. "Warm Leads, 12 Orchard Row, Bath BA1 1AA"'
        )
    from_name = merged["from_name"] or str(config.get("AUTHOR") or "")
    sender = _address(merged["from_address"], from_name, "from_address")
    reply_to = _address(merged["reply_to"] or sender.email, from_name, "reply_to")
    unsubscribe = merged["unsubscribe_url"] or f"mailto:{reply_to.email}?subject=Unsubscribe"
    if not unsubscribe.startswith(("https://", "http://", "mailto:")) or any(
        field != "{email}" for field in _FIELD.findall(unsubscribe)
    ):
        raise SettingsError(
            'NEWSLETTER["unsubscribe_url"] must be an https:// or mailto: address, with '
            '{email} where the reader\'s address goes, e.g. "https://example.com/leave?e={email}"'
        )
    try:
        fallback = check_header_text(merged["fallback_name"], 'NEWSLETTER["fallback_name"]')
    except HeaderError as error:
        raise SettingsError(str(error)) from None
    if not fallback:
        raise SettingsError('NEWSLETTER["fallback_name"] must be a word such as "friend"')
    domain = sender.email.rpartition("@")[2]
    envelope = _address(merged["envelope_sender"] or sender.email, "", "envelope_sender").email
    list_id = merged["list_id"] or f"newsletter.{domain}"
    if not _DOMAIN.fullmatch(list_id):
        raise SettingsError(
            f'NEWSLETTER["list_id"] must look like a domain name, e.g. "newsletter.{domain}"'
        )
    try:
        list_name = check_header_text(str(config.get("SITENAME") or ""), "SITENAME")
    except HeaderError as error:
        raise SettingsError(str(error)) from None
    return NewsletterSettings(
        sender=sender,
        reply_to=reply_to,
        signature=merged["signature"] or from_name,
        postal_address=merged["postal_address"],
        unsubscribe_url=unsubscribe,
        fallback_name=fallback,
        envelope_sender=envelope,
        list_id=list_id,
        list_name=list_name,
        dkim=_dkim(merged, domain),
    )


def _dkim(merged: dict[str, str], domain: str) -> Dkim | None:
    key_file, selector = merged["dkim_key_file"], merged["dkim_selector"]
    if not (key_file or selector or merged["dkim_domain"]):
        return None
    if not (key_file and selector):
        raise SettingsError(
            'DKIM signing needs both NEWSLETTER["dkim_key_file"] (the private key, PEM) and '
            'NEWSLETTER["dkim_selector"] (the name of its DNS record, e.g. "nurture")'
        )
    if not _SELECTOR.fullmatch(selector):
        raise SettingsError(f'NEWSLETTER["dkim_selector"] {selector!r} is not a DNS label')
    dkim_domain = merged["dkim_domain"] or domain
    if not _DOMAIN.fullmatch(dkim_domain):
        raise SettingsError(f'NEWSLETTER["dkim_domain"] {dkim_domain!r} is not a domain name')
    return Dkim(key_file, selector, dkim_domain)
