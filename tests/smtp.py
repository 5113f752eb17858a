"""A recording SMTP server for the tests: aiosmtpd on 127.0.0.1, keeping what it accepts."""

from __future__ import annotations

import email.policy
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesParser

from aiosmtpd.controller import Controller

from tests.helpers import free_port


@dataclass
class Received:
    """One message as the server received it: the envelope and the raw bytes."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return BytesParser(policy=email.policy.default).parsebytes(self.data)


@dataclass
class Recorder:
    """An aiosmtpd handler keeping every message it accepts."""

    messages: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
        )
        return "250 2.0.0 queued"

    def to(self, address: str) -> list[EmailMessage]:
        """The messages whose only recipient is `address`."""
        return [r.message for r in self.messages if r.rcpt_tos == [address]]


@contextmanager
def recording_server(tls_context: ssl.SSLContext | None = None) -> Iterator[tuple[int, Recorder]]:
    """A recording server on a free port of 127.0.0.1: (port, recorder)."""
    recorder = Recorder()
    controller = Controller(
        recorder, hostname="127.0.0.1", port=free_port(), tls_context=tls_context
    )
    controller.start()
    try:
        yield controller.port, recorder
    finally:
        controller.stop()
