"""Sending tests: a rendered issue, a contact database and SMTP servers on 127.0.0.1.

The servers are aiosmtpd, in a thread of the test process, so a send running in a child
process can be killed while the server's own record of what it accepted stays here.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from plugins.contacts import NewContact, Store
from plugins.newsletter import settings as newsletter_settings
from plugins.newsletter.message import Address
from plugins.newsletter.rendered import RenderedIssue, load_rendered, save_rendered
from plugins.newsletter.runlog import RunLog
from plugins.newsletter.send import Composer, SendOptions, SendReport, send_issue
from plugins.newsletter.signing import Signer
from plugins.newsletter.transport import from_environment
from tests.helpers import BIN, copy_project, free_port, run
from tests.smtp import Received

INVOKE = str(BIN / "invoke")
SITEURL = "https://news.example"
SENDER = "olivia@warmleads.example"
ENVELOPE = "bounces@warmleads.example"
# About 8 KB per message, like a real issue: a text part and an HTML part.
TEXT = (
    "Hi {{nurture:first_name}},\n\n"
    + "A short line of the letter, and another.\n" * 40
    + ("\nThis went to {{nurture:email}}. Leave: {{nurture:unsubscribe_url}}\n")
)
HTML = (
    "<html><head><style>\n.button { color: #123; }\n</style></head><body>"
    "<p>Hi {{nurture:first_name}},</p>"
    + "<p>A short line of the letter, and another.</p>\n"
    * 80
    + '<p><a href="{{nurture:unsubscribe_url}}">Unsubscribe</a> {{nurture:email}}</p>'
    "</body></html>\n"
)


def write_issue(
    directory: Path,
    number: int = 1,
    *,
    segment: tuple[str, ...] = (),
    siteurl: str = SITEURL,
    status: str = "ready",
    unsubscribe: str = "https://news.example/leave?e={email}",
) -> RenderedIssue:
    """A rendered issue in `directory`/<number>/, as a build would leave it."""
    issue = RenderedIssue(
        number=number,
        source=str(directory / "content" / "newsletter" / f"{number}.md"),
        subject=f"Letter number {number}: “warm” follow-up",
        preheader="One idea.",
        status=status,
        date=datetime(2026, 11, 19, 8, tzinfo=UTC),
        posts=(),
        segment=segment,
        url=f"{siteurl}/newsletter/{number}/",
        siteurl=siteurl,
        sender=Address(SENDER, "Olivia Hart"),
        reply_to=Address(SENDER, "Olivia Hart"),
        unsubscribe_template=unsubscribe,
        fallback_name="friend",
        html=HTML,
        text=TEXT,
    )
    save_rendered(issue, directory)
    return load_rendered(number, directory)


def add_contacts(
    store: Store, count: int, *, start: int = 1, tags: tuple[str, ...] = (), **fields: object
) -> list[str]:
    """`count` subscribed contacts c<n>@example.org; returns their addresses."""
    emails = [f"c{n}@example.org" for n in range(start, start + count)]
    store.insert_contacts(
        [
            NewContact(email=email, stage="client", first_name=f"Reader{n}", tags=tags, **fields)
            for n, email in enumerate(emails, start)
        ]
    )
    return emails


def newsletter_config(**extra: str) -> newsletter_settings.NewsletterSettings:
    return newsletter_settings.check(
        {
            "SITENAME": "Warm Leads",
            "NEWSLETTER": {"from_address": SENDER, "postal_address": "1 Road", **extra},
        }
    )


@dataclass
class Rules:
    """How the server treats a recipient: replies by stage, drops, delays.

    `rcpt` and `end` map an address to a list of replies used one per attempt (the last
    one repeats); "drop" closes the connection instead of replying.
    """

    mail: str = ""  # the reply to every MAIL FROM, if not 250
    rcpt: dict[str, list[str]] = field(default_factory=dict)
    end: dict[str, list[str]] = field(default_factory=dict)
    delay: float = 0.0
    pipelining: bool = True
    on_message: Callable[[Received], None] | None = None


class Handler:
    """An aiosmtpd handler that records what it accepts and follows the rules."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.messages: list[Received] = []
        self.attempts: dict[tuple[str, str], int] = {}
        self.lock = threading.Lock()

    def _reply(self, table: dict[str, list[str]], stage: str, address: str) -> str | None:
        replies = table.get(address)
        if not replies:
            return None
        with self.lock:
            count = self.attempts.get((stage, address), 0)
            self.attempts[stage, address] = count + 1
        return replies[min(count, len(replies) - 1)]

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.rules.pipelining:
            responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.rules.mail:
            return self.rules.mail
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self._reply(self.rules.rcpt, "RCPT", address)
        if reply == "drop":
            server.transport.close()
            return "250 OK"
        if reply and not reply.startswith("2"):
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.rules.delay:
            await asyncio.sleep(self.rules.delay)
        received = Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
        reply = self._reply(self.rules.end, "END", envelope.rcpt_tos[0])
        if reply and reply != "drop" and not reply.startswith("2"):
            return reply
        with self.lock:
            self.messages.append(received)
        if self.rules.on_message:
            self.rules.on_message(received)
        if reply == "drop":  # the message is complete: the unknowable window of RFC 1047
            server.transport.close()
        return "250 2.0.0 queued"


@dataclass
class Server:
    port: int
    handler: Handler

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def messages(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.messages)

    def copies(self) -> dict[str, int]:
        """How many messages each recipient got."""
        counts: dict[str, int] = {}
        for message in self.messages:
            for address in message.rcpt_tos:
                counts[address] = counts.get(address, 0) + 1
        return counts


@pytest.fixture
def smtp() -> Iterator[Callable[..., Server]]:
    """Start SMTP servers on 127.0.0.1: `smtp(Rules(...), tls_context=None)`."""
    controllers: list[Controller] = []

    def start(rules: Rules | None = None, tls_context=None) -> Server:
        handler = Handler(rules or Rules())
        controller = Controller(
            handler, hostname="127.0.0.1", port=free_port(), tls_context=tls_context
        )
        controller.start()
        controllers.append(controller)
        return Server(controller.port, handler)

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Store]:
    """A fresh contact database, opened as the sender opens it."""
    with Store.open(tmp_path / "data" / "nurture.sqlite3", sending=True) as store:
        yield store


@pytest.fixture
def issue(tmp_path: Path) -> RenderedIssue:
    return write_issue(tmp_path / "cache")


def run_send(
    store: Store,
    issue: RenderedIssue,
    url: str,
    *,
    workers: int = 2,
    config: newsletter_settings.NewsletterSettings | None = None,
    signer: Signer | None = None,
    environ: dict[str, str] | None = None,
    **options: object,
) -> SendReport:
    """Send `issue` to the server at `url` the way `newsletter.send` does."""
    composer = Composer(issue, config or newsletter_config(), signer)
    environment = {"NURTURE_SMTP_URL": url, **(environ or {})}
    transports = [from_environment(environment) for _ in range(workers)]
    options.setdefault("retry_delays", (0.05, 0.1))
    return send_issue(
        store,
        composer,
        transports,
        SendOptions(workers=workers, **options),
        envelope_sender=ENVELOPE,
        log=RunLog(issue.number, store.path.parent / "logs"),
    )


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@dataclass
class Project:
    """A private copy of the project with a rendered issue 1 and its own database."""

    root: Path
    env: dict[str, str]

    @property
    def database(self) -> Path:
        return Path(self.env["NURTURE_DB"])

    def invoke(self, *args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
        return run([INVOKE, *args], cwd=self.root, env=self.env, stdin=subprocess.DEVNULL, **kwargs)

    def popen(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [INVOKE, *args],
            cwd=self.root,
            env={**os.environ, **self.env},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )


@pytest.fixture
def project(tmp_path: Path) -> Callable[[int], Project]:
    def make(contacts: int) -> Project:
        root = copy_project(tmp_path / "project")
        write_issue(root / "cache" / "newsletter")
        database = tmp_path / "data" / "nurture.sqlite3"
        with Store.open(database) as store:
            add_contacts(store, contacts)
        env = {"NURTURE_DB": str(database), "NURTURE_SMTP_URL": "", "COLUMNS": "120"}
        return Project(root, env)

    return make
