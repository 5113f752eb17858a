"""Optional DKIM signing of each message (dkimpy), set up once per send from the settings.

The signature covers the body and the headers a receiver judges a newsletter by, both
List-Unsubscribe headers included (RFC 8058 asks for that). Each listed header is signed
even where the message lacks it, so nobody can add it on the way. dkimpy signs in pure
Python, about 10 ms per message with a 2048-bit RSA key: a signed send is far slower.
"""

from __future__ import annotations

from pathlib import Path

import dkim

from plugins.errors import NurtureError

from .settings import Dkim

SIGNED_HEADERS = (
    b"from",
    b"to",
    b"reply-to",
    b"subject",
    b"date",
    b"message-id",
    b"list-id",
    b"list-unsubscribe",
    b"list-unsubscribe-post",
    b"mime-version",
    b"content-type",
)


class SigningError(NurtureError):
    """The DKIM key cannot be read or used."""


class Signer:
    """Signs messages with one key for one domain and selector."""

    def __init__(self, settings: Dkim, root: Path) -> None:
        path = root / settings.key_file
        try:
            self._key = path.read_bytes()
        except OSError as error:
            raise SigningError(
                f'cannot read the DKIM key NEWSLETTER["dkim_key_file"] ({path}): {error.strerror}'
            ) from None
        self._selector = settings.selector.encode("ascii")
        self._domain = settings.domain.encode("ascii")
        self.description = f"DKIM d={settings.domain} s={settings.selector}"
        probe = b"From: a@example.org\r\nSubject: probe\r\n\r\nprobe\r\n"
        try:
            dkim.sign(probe, self._selector, self._domain, self._key)
        except (dkim.DKIMException, ValueError) as error:
            raise SigningError(
                f"the DKIM key in {path} cannot sign ({error}); it must be an unencrypted "
                "PEM private key, e.g. from `openssl genrsa -out dkim.pem 2048`"
            ) from None

    def sign(self, message: bytes) -> bytes:
        """The message with its DKIM-Signature header first."""
        headers = list(SIGNED_HEADERS)
        return (
            dkim.sign(message, self._selector, self._domain, self._key, include_headers=headers)
            + message
        )
