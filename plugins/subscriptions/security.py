"""Security headers on every answer, and which pages may post the service's forms.

- The Content-Security-Policy lets a page load only the service's own stylesheet and
  post only to the service; nothing may frame it.
- `Referrer-Policy: no-referrer`: the tokens in /confirm/ and /unsubscribe/ addresses
  never travel to another site; `Cache-Control: no-store` keeps pages out of caches.
- HSTS is sent when the request came over HTTPS (directly, or from a trusted proxy).
- A sign-up or comment post that carries an `Origin` must come from the site (SITEURL's
  origin or SUBSCRIPTIONS['origins']) or the service itself; CORS allows the same
  origins and nothing else. One-click unsubscribe posts come from mail providers and
  are authorised by their signed token alone.

The service never redirects, so it has no redirect to abuse.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADERS = (
    (
        "Content-Security-Policy",
        "default-src 'none'; style-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    ("Cache-Control", "no-store"),
)
HSTS = "max-age=31536000"


class SecurityHeaders:
    """ASGI middleware adding HEADERS (where a response has not set its own) and HSTS."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS:
                    headers.setdefault(name, value)
                if scope.get("scheme") == "https":
                    headers["Strict-Transport-Security"] = HSTS
            await send(message)

        await self.app(scope, receive, send_with_headers)


def origin_allowed(origin: str | None, allowed: tuple[str, ...]) -> bool:
    """Whether a form post with this Origin header may be taken (none: not from a browser page)."""
    return origin is None or origin.lower() in allowed
