"""Running the service with uvicorn, in one process.

The listening socket is bound here first, so a busy port is one clear error. uvicorn
believes X-Forwarded-For and X-Forwarded-Proto only from SUBSCRIPTIONS['trusted_proxies']
(the reverse proxy in front), and its access log never shows the tokens of /confirm/
and /unsubscribe/ addresses.
"""

from __future__ import annotations

import copy
import logging
import re
import socket
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from uvicorn.config import LOGGING_CONFIG

from plugins.errors import NurtureError
from plugins.newsletter import transport

from .app import create_app
from .database import Database
from .mail import Mailer
from .settings import SubscriptionsSettings

_TOKEN_PATH = re.compile(r"^(/(?:confirm|unsubscribe)/)[^?\s]+")


class ServiceError(NurtureError):
    """The service cannot start."""


@dataclass
class Prepared:
    """The settings with the database opened and the mail transport checked."""

    settings: SubscriptionsSettings
    database: Database
    mailer: Mailer
    backup: Path | None  # the copy written before the database was upgraded, if it was


def prepare(settings: SubscriptionsSettings) -> Prepared:
    """Open (create, migrate) the contact database and check NURTURE_SMTP_URL."""
    database = Database(settings.database)
    backup = database.open()
    try:
        mailer = Mailer(transport.from_environment)
    except NurtureError:
        database.close()
        raise
    return Prepared(settings, database, mailer, backup)


class RedactTokens(logging.Filter):
    """Shows /confirm/… and /unsubscribe/… in uvicorn's access log instead of the token."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) >= 3:
            path = str(record.args[2])
            record.args = (*record.args[:2], _TOKEN_PATH.sub(r"\1…", path), *record.args[3:])
        return True


def run(prepared: Prepared, listener: socket.socket) -> None:
    """Serve until SIGINT or SIGTERM, then finish the requests under way and close."""
    logging_config = copy.deepcopy(LOGGING_CONFIG)
    logging_config["loggers"]["plugins.subscriptions"] = {
        "handlers": ["default"],
        "level": "INFO",
        "propagate": False,
    }
    config = uvicorn.Config(
        create_app(prepared.settings, prepared.database, prepared.mailer),
        proxy_headers=True,
        forwarded_allow_ips=list(prepared.settings.trusted_proxies),
        server_header=False,
        timeout_graceful_shutdown=10,
        log_config=logging_config,
    )
    logging.getLogger("uvicorn.access").addFilter(RedactTokens())
    uvicorn.Server(config).run(sockets=[listener])


def listen(host: str, port: int) -> socket.socket:
    """The bound socket to serve on; raise ServiceError if the address is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
    except OSError as error:
        listener.close()
        raise ServiceError(
            f"cannot listen on {host}:{port}: {error.strerror}; "
            "pick another --port, or stop the program using it"
        ) from None
    return listener
