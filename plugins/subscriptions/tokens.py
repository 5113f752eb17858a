"""Signed links: HMAC-SHA256 over what a link does and whom it is for.

A token is `<value>.<mac>`: for an unsubscribe link the value is the contact's id; for a
confirmation link it is the random token of the open subscribe request in the database.
The mac is HMAC-SHA256(key, purpose NUL value) cut to 128 bits, base64url without
padding, and is compared in constant time. The purpose is inside the mac, so a token
made for one purpose (or one contact) is refused for any other.

Keys form a ring, newest first: the newest signs, every one verifies. To rotate, put a
new key in front and keep the old one as long as links signed with it should work
(unsubscribe links in old letters: keep it for good, or accept that they stop working).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from plugins.errors import NurtureError

if TYPE_CHECKING:
    from plugins.contacts import Contact

    from .settings import SubscriptionsSettings

UNSUBSCRIBE = "unsubscribe"
CONFIRM = "confirm"
_MAC_BYTES = 16
_TOKEN = re.compile(r"([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{22})")


class KeyRing:
    """The signing keys, newest first; `repr` never shows them."""

    def __init__(self, keys: Sequence[bytes]) -> None:
        if not keys:
            raise NurtureError("a key ring needs at least one key")
        self._keys = tuple(keys)

    def __repr__(self) -> str:
        return f"KeyRing({len(self._keys)} key(s))"

    def sign(self, purpose: str, value: str) -> str:
        return f"{value}.{_mac(self._keys[0], purpose, value)}"

    def verify(self, purpose: str, token: str) -> str | None:
        """The value a token carries if any key signed it for this purpose, else None."""
        match = _TOKEN.fullmatch(token)
        if match is None:
            return None
        value, mac = match.groups()
        given = mac.encode("ascii")
        valid = [
            hmac.compare_digest(_mac(key, purpose, value).encode(), given) for key in self._keys
        ]
        return value if any(valid) else None


def _mac(key: bytes, purpose: str, value: str) -> str:
    digest = hmac.new(key, f"{purpose}\0{value}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:_MAC_BYTES]).rstrip(b"=").decode("ascii")


def unsubscribe_url(contact: Contact | int, settings: SubscriptionsSettings) -> str:
    """The one-click unsubscribe address for a contact (or contact id), for List-Unsubscribe.

    Opening it shows a page with one button; an RFC 8058 POST to it unsubscribes.
    """
    contact_id = contact if isinstance(contact, int) else contact.id
    return f"{settings.url}/unsubscribe/{settings.keys.sign(UNSUBSCRIBE, str(contact_id))}"


def unsubscribing(token: str, keys: KeyRing) -> int | None:
    """The contact id an unsubscribe token was signed for, or None."""
    value = keys.verify(UNSUBSCRIBE, token)
    return int(value) if value is not None and value.isdigit() else None


def confirm_url(request_token: str, settings: SubscriptionsSettings) -> str:
    return f"{settings.url}/confirm/{settings.keys.sign(CONFIRM, request_token)}"


def confirming(token: str, keys: KeyRing) -> str | None:
    """The subscribe request a confirmation token was signed for, or None."""
    return keys.verify(CONFIRM, token)
