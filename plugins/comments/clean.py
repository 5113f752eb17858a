"""Input hygiene: every name, URL, email and body is cleaned here on its way in.

Comment files, reply emails and import files all pass through these functions, so
what reaches the store, the templates and the feeds is already free of control
characters, bidi overrides and line breaks in single-line fields.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote, urlsplit

from email_validator import EmailNotValidError, validate_email

MAX_NAME = 100
MAX_URL = 500
# Characters a URL keeps as they are; anything else (spaces, quotes, <, >) is %-encoded.
URL_SAFE = ":/?#[]@!$&'()*+,;=%~"

# C0 and C1 controls except tab and newline, DEL, and the bidi embedding/override/isolate
# marks that can make a name or a URL read differently from what it is ("Trojan source").
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff]")
_SPACE = re.compile(r"\s+")


def clean_body(text: str) -> str:
    """Normalise newlines, drop control characters, trim trailing blank space."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in _UNSAFE.sub("", text).split("\n")).strip("\n")


def clean_line(text: str, limit: int = MAX_NAME) -> str:
    """One line of plain text: controls removed, any whitespace run (CR/LF too) one space."""
    text = unicodedata.normalize("NFC", _UNSAFE.sub("", text))
    return _SPACE.sub(" ", text).strip()[:limit].strip()


def clean_url(url: str) -> str:
    """An absolute http(s) URL with a host (quotes and spaces %-encoded), or "" otherwise."""
    url = quote(clean_line(url, MAX_URL), safe=URL_SAFE)
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return ""
    return url


def clean_email(address: str) -> str:
    """A syntactically valid address (no DNS look-up), lower-cased domain, or ""."""
    address = clean_line(address, 254)
    if not address:
        return ""
    try:
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError:
        return ""
