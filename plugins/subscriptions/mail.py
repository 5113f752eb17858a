"""The service's own emails: the confirmation link and the "already subscribed" note.

They are composed with the newsletter's message module (every header value checked
against injection) and leave through its transport (NURTURE_SMTP_URL, or the outbox
Maildir), from the newsletter's sender address, bounces to its envelope sender: one way
out for all of Nurture's mail.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

from plugins.newsletter.message import Address, compose
from plugins.newsletter.transport import Transport

from .pages import Pages

CONNECTIONS = 4
HEADERS = (("Auto-Submitted", "auto-generated"),)


class Mailer:
    """Up to `size` transports (SMTP connections), each used by one thread at a time.

    A transport that failed is closed and a new one made for the next message, so a
    dropped connection costs one failed request, not the service.
    """

    def __init__(self, connect: Callable[[], Transport], size: int = CONNECTIONS) -> None:
        self._connect = connect
        self._idle: queue.LifoQueue[Transport] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(size)
        first = connect()
        self.description = first.description
        self._idle.put(first)

    def send(self, sender: str, recipient: str, message: bytes) -> None:
        """Send one message (blocking); raise the transport's TransportError if it fails."""
        with self._slots:
            try:
                transport = self._idle.get_nowait()
            except queue.Empty:
                transport = self._connect()
            try:
                transport.send(sender, recipient, message)
            except BaseException:
                transport.close()
                raise
            self._idle.put(transport)

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return


def _email(pages: Pages, template: str, subject: str, to: str, **context: str) -> bytes:
    newsletter = pages.settings.newsletter
    values = {
        "email": to,
        "signature": newsletter.signature,
        "postal_address": newsletter.postal_address,
        **context,
    }
    return compose(
        sender=newsletter.sender,
        to=Address(to),
        reply_to=newsletter.reply_to,
        subject=subject,
        text=pages.render(f"email/{template}.txt", **values),
        html=pages.render(f"email/{template}.html", **values),
        headers=HEADERS,
    )


def confirmation(pages: Pages, to: str, url: str) -> bytes:
    """The double opt-in email: one link that confirms the subscription."""
    settings = pages.settings
    subject = f"Please confirm your subscription to {settings.site_name}"
    return _email(pages, "confirm", subject, to, url=url, days=str(settings.confirm_days))


def already_subscribed(pages: Pages, to: str, unsubscribe_url: str) -> bytes:
    """The note to an address that signed up again: nothing changed, and how to leave."""
    subject = f"You are already subscribed to {pages.settings.site_name}"
    return _email(pages, "already", subject, to, url=unsubscribe_url)
