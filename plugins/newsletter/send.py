"""Sending an issue: every subscribed contact in its audience gets it once, nobody twice.

The send ledger (the `sends` table of the contact database) has one row per (issue,
contact): `pending → sending → sent | deferred | failed | bounced | unknown`. A run

1. takes the send lock (one send per database at a time);
2. connects every transport: a server that is down stops the run here, before anything
   is marked;
3. settles what an interrupted run left: a row still `sending` was inside the SMTP
   transaction, where nobody can know whether the server kept the message (RFC 1047),
   so it becomes `unknown` and is resent only on request (`resend_unknown`);
4. plans: a `pending` row for every subscribed contact in the audience without a row;
5. reserves rows, a chunk at a time, in a durable transaction (flushed to disk);
6. and keeps every connection (a "worker") busy: marks a row `sending`, sends it, and
   records the outcome (`sent` with a newsletter touch for the contact, or what went
   wrong).

Step 6 is one loop in one thread: each round commits, in one transaction, the outcomes
of the transactions that ended and the `sending` marks of the rows that start next, then
begins those rows' SMTP transactions and waits for whichever server answers first. So a
row is marked `sending` (committed) before its SMTP transaction starts and `sent` after
the server's 250, each connection has at most one row `sending`, and the marks of all the
connections share one commit. Composing a message costs tens of microseconds and SQLite
takes a lock per commit anyway, so threads would only add the GIL's hand-offs.

The per-message marks are not flushed to disk one by one (a flush costs milliseconds):
they survive the process being killed, so after a crash at most one message per worker
is `unknown`. If the machine itself loses power, unflushed marks may be lost; the
durable reservations of step 5 then tell which rows may have gone out, and they become
`unknown` too (the run recorded the machine's boot id with them), so even then nobody is
mailed twice. Every run ends with a flush.

Faults: a 4xx reply or a connection lost before the end of the message is retried
within the run after `retry_delays`, then left `deferred` for the next run; a lost
connection or a 421 reconnects. A 5xx to RCPT (or about the mailbox after DATA) marks
the row and the contact `bounced`; other 5xx replies mark the row `failed`. Each row is
checked against its contact's status as it starts, so an unsubscribe or a bounce that
arrives during a run is honoured for every message not yet started.
"""

from __future__ import annotations

import fcntl
import heapq
import os
import re
import select
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import urlsplit

from plugins.contacts import Store
from plugins.contacts.store import Delivery
from plugins.errors import NurtureError

from .message import Address, HeaderError
from .rendered import Reader, RenderedIssue
from .runlog import RunLog
from .settings import NewsletterSettings
from .transport import ConnectionLost, Refused, Transport, TransportError, is_loopback

if TYPE_CHECKING:
    from .signing import Signer  # dkimpy is only imported when DKIM is configured

RETRY_DELAYS = (10.0, 60.0, 180.0)  # seconds before the in-run retries of a message
CHUNK = 1024  # rows reserved per durable transaction
POLL = 0.2  # seconds between checks for Ctrl-C while waiting
BOOT_ID = Path("/proc/sys/kernel/random/boot_id")
_MAILBOX_STATUS = re.compile(r"\b5\.[12]\.\d{1,3}\b")  # RFC 3463: bad address or mailbox


class SendError(NurtureError):
    """The issue cannot be sent as asked; the message says why and what to do."""


@dataclass(frozen=True)
class SendOptions:
    """How a run sends: to whom (tags), how fast, how much, and what it retries."""

    tags: tuple[str, ...] = ()
    workers: int = 2
    rate: float = 0.0  # messages per second over all workers; 0 is as fast as possible
    limit: int = 0  # messages to start in this run; 0 is all
    resend_unknown: bool = False
    retry_failed: bool = False
    retry_delays: tuple[float, ...] = RETRY_DELAYS

    @property
    def states(self) -> tuple[str, ...]:
        """The ledger states a row may be (re)sent from."""
        return (
            "pending",
            "deferred",
            *(["failed"] if self.retry_failed else []),
            *(["unknown"] if self.resend_unknown else []),
        )


@dataclass(frozen=True)
class Outcome:
    """What became of one message: sent, retrying, deferred, bounced, failed, unknown or
    skipped (the contact left the audience before their message started)."""

    state: str
    email: str
    reply: str = ""


@dataclass
class SendReport:
    """What one run did."""

    issue: int
    planned: int = 0  # rows added to the ledger by this run
    recovered: int = 0  # rows an interrupted run left, now unknown
    counts: Counter[str] = field(default_factory=Counter)  # outcomes of this run
    interrupted: bool = False
    problem: str = ""  # why the run stopped early, if it did
    seconds: float = 0.0


def check_sendable(issue: RenderedIssue) -> None:
    """Refuse a draft, or an email whose links point at a development site."""
    if issue.status != "ready":
        raise SendError(
            f"issue {issue.number} is a {issue.status}: set `Status: ready` in "
            f"content/newsletter/{issue.number}.md, build (`invoke preview`), then send"
        )
    parts = urlsplit(issue.siteurl)
    if parts.scheme not in {"https", "http"} or not parts.hostname or is_loopback(parts.hostname):
        raise SendError(
            f"issue {issue.number} was rendered with SITEURL {issue.siteurl!r}, so its links "
            "would not lead to your published site; build the production site with "
            "`invoke preview` (publishconf.py, NURTURE_SITEURL) and send again"
        )


def audience(issue: RenderedIssue, options: SendOptions) -> list[list[str]]:
    """Tag groups a contact needs one tag from each of: the issue's segment, then --tag."""
    return [list(issue.segment), list(options.tags)]


def message_id_format(issue: RenderedIssue) -> str:
    """The printf format of the issue's Message-IDs: stable per contact, so a message
    resent on request can be recognised as the same one by the receiving side."""
    domain = issue.sender.email.rpartition("@")[2]
    return f"<newsletter.{issue.number}.%d@{domain}>"


class Composer:
    """Builds the message for one contact: the issue's text, the list headers, DKIM.

    `unsubscribe_url(contact_id, email)` gives a contact's unsubscribe link: the
    subscriptions service's one-click link where it runs, else the issue's own
    (NEWSLETTER["unsubscribe_url"], by default a mailto:).
    """

    def __init__(
        self,
        issue: RenderedIssue,
        settings: NewsletterSettings,
        signer: Signer | None = None,
        unsubscribe_url: Callable[[int, str], str] | None = None,
    ) -> None:
        self.issue = issue
        self.signer = signer
        self.unsubscribe_url = unsubscribe_url or (lambda _, email: issue.unsubscribe_url(email))
        self.mailto = f"mailto:{issue.reply_to.email}?subject=Unsubscribe"
        name = settings.list_name
        self.list_id = f"{name} <{settings.list_id}>" if name else f"<{settings.list_id}>"

    def headers(self, link: str) -> list[tuple[str, str]]:
        """List-Unsubscribe with the link and a mailto: (RFC 2369), one-click (RFC 8058)
        only for an HTTPS link, and List-Id (RFC 2919)."""
        if link.startswith("mailto:"):
            return [("List-Unsubscribe", f"<{link}>"), ("List-Id", self.list_id)]
        headers = [("List-Unsubscribe", f"<{link}>, <{self.mailto}>")]
        if link.startswith("https://"):
            headers.append(("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))
        return [*headers, ("List-Id", self.list_id)]

    def message(
        self, contact_id: int, email: str, first_name: str, name: str, message_id: str
    ) -> bytes:
        """The message for one contact; HeaderError if their name or address cannot be used."""
        link = self.unsubscribe_url(contact_id, email)
        raw = self.issue.message(
            Reader(email, first_name),
            to=Address(email, name),
            unsubscribe_url=link,
            message_id=message_id,
            headers=self.headers(link),
        )
        return self.signer.sign(raw) if self.signer else raw


def boot_id() -> str:
    """This boot of the machine ("" where the system does not say)."""
    try:
        return BOOT_ID.read_text(encoding="ascii").strip()
    except OSError:
        return ""


@contextmanager
def send_lock(database: Path) -> Iterator[None]:
    """Hold the database's send lock; SendError if another send holds it."""
    path = database.with_name(f".{database.name}.send-lock")
    with path.open("a+", encoding="ascii") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            raise SendError(
                f"another send is running on {database} (process {handle.read().strip()}); "
                "wait for it to finish, or stop it with Ctrl-C"
            ) from None
        handle.truncate(0)
        handle.write(str(os.getpid()))
        handle.flush()
        yield


def settle(store: Store, issue: int) -> int | None:
    """Turn what an interrupted run left into `unknown` rows, unless a send is running
    (then None). Returns how many rows became unknown."""
    try:
        with send_lock(store.path):
            return store.recover_sends(issue, boot_id())
    except SendError:
        return None


def count_recipients(store: Store, issue: RenderedIssue, options: SendOptions) -> int:
    """How many contacts a run with these options would mail (before --limit)."""
    return store.count_unsent(issue.number, audience(issue, options), options.states)


def dry_run(
    store: Store,
    composer: Composer,
    options: SendOptions,
    on_outcome: Callable[[Outcome], None] = lambda outcome: None,
) -> SendReport:
    """Render every message a run would send, and report; nothing is sent or recorded."""
    issue = composer.issue
    report = SendReport(issue.number)
    started = time.monotonic()
    ids = message_id_format(issue)
    contacts = store.unsent_contacts(issue.number, audience(issue, options), options.states)
    for number, contact in enumerate(contacts, start=1):
        if options.limit and number > options.limit:
            break
        try:
            composer.message(
                contact.id, contact.email, contact.first_name, contact.name, ids % contact.id
            )
            outcome = Outcome("sent", contact.email)
        except HeaderError as error:
            outcome = Outcome("failed", contact.email, str(error))
        report.counts[outcome.state] += 1
        on_outcome(outcome)
    report.seconds = time.monotonic() - started
    return report


def send_issue(
    store: Store,
    composer: Composer,
    transports: Sequence[Transport],
    options: SendOptions,
    *,
    envelope_sender: str,
    log: RunLog,
    stop: threading.Event | None = None,
    on_outcome: Callable[[Outcome], None] = lambda outcome: None,
) -> SendReport:
    """Send the composer's issue through `transports` (one connection each); see the module.

    `store` must be opened with `sending=True`. Setting `stop` ends the run cleanly: the
    messages in flight finish, nothing is left `sending`.
    """
    run = _Run(
        store, composer, options, envelope_sender, log, stop or threading.Event(), on_outcome
    )
    with send_lock(store.path):
        for transport in transports:
            try:
                transport.connect()
            except TransportError as error:
                for opened in transports:
                    opened.close()
                raise SendError(f"{error}; nothing was sent or marked") from None
        return run.run(transports)


class _Result(NamedTuple):
    """What became of one message that was started."""

    state: str  # the row's new state: sent, deferred, bounced, failed or unknown
    reply: str
    retry: bool = False  # try again within the run
    suppress: bool = False  # the contact bounced
    halt: str = ""  # why no message can go out, if none can


class _Run:
    """The loop of one send run: the ledger, and every connection's transaction."""

    def __init__(
        self,
        store: Store,
        composer: Composer,
        options: SendOptions,
        envelope_sender: str,
        log: RunLog,
        stop: threading.Event,
        on_outcome: Callable[[Outcome], None],
    ) -> None:
        self.store = store
        self.composer = composer
        self.issue = composer.issue
        self.options = options
        self.envelope = envelope_sender
        self.log = log
        self.stop = stop
        self.on_outcome = on_outcome
        self.groups = audience(self.issue, options)
        self.boot = boot_id()
        self.reference = f"issue {self.issue.number}: {self.issue.subject}"
        self.report = SendReport(self.issue.number)
        self.interval = 1 / options.rate if options.rate > 0 else 0.0
        self.next_start = 0.0  # when the rate allows the next message to start
        self.queue: deque[int] = deque()  # reserved rows, in order
        self.retries: list[tuple[float, int]] = []  # (when, row) heap of in-run retries
        self.tries: Counter[int] = Counter()
        self.left = options.limit or float("inf")
        self.drained = False
        self.idle: list[Transport] = []  # connected, without a message
        self.sending: dict[Transport, tuple[int, str]] = {}  # the (row, email) in flight
        self.down: dict[Transport, tuple[float, Iterator[float]]] = {}  # when to reconnect
        self.ended: list[tuple[int, str, _Result]] = []  # (row, email, result) to record

    def run(self, transports: Sequence[Transport]) -> SendReport:
        started = time.monotonic()
        report = self.report
        report.recovered = self.store.recover_sends(self.issue.number, self.boot)
        report.planned = self.store.plan_sends(
            self.issue.number, self.groups, message_id_format(self.issue)
        )
        options = self.options
        self.log.write(
            f"start: issue {self.issue.number} through {transports[0].description}, "
            f"{len(transports)} worker(s), rate {options.rate or 'unlimited'}, "
            f"limit {options.limit or 'none'}, states {','.join(options.states)}, "
            f"{report.planned} planned, {report.recovered} interrupted rows now unknown"
        )
        self.idle = list(transports)
        try:
            while True:
                self._round()
                if self._finished() and not self.sending and not self.ended:
                    break
                self._wait()
        finally:  # also after a second Ctrl-C: the messages in flight are then unknown
            self.store.release_sends(self.issue.number)
            for transport in transports:
                transport.close()
        report.interrupted = self.stop.is_set() and not report.problem
        report.seconds = time.monotonic() - started
        totals = ", ".join(f"{count} {state}" for state, count in sorted(report.counts.items()))
        ending = "interrupted" if report.interrupted else report.problem or "done"
        self.log.write(f"end: {ending}; {totals or 'nothing sent'} in {report.seconds:.1f} s")
        return report

    def _round(self) -> None:
        """Record what ended and mark the next rows `sending` for the idle connections, in
        one commit; then start their transactions."""
        ended, self.ended = self.ended, []
        halt = next((result.halt for _, _, result in ended if result.halt), "")
        self.report.problem = self.report.problem or halt
        self._reconnect()
        starters = self._starters()
        if starters and len(self.queue) < len(starters) and self.left and not self.drained:
            self._refill()
        outcomes: list[tuple[int, Outcome, bool]] = []
        started: list[tuple[Transport, Delivery]] = []
        if ended or starters:
            with self.store.transaction(durable=False):
                for row, email, result in ended:
                    self._record(row, result)
                    outcomes.append((row, Outcome(result.state, email, result.reply), result.retry))
                for transport in starters:
                    delivery = self._start(outcomes)
                    if delivery is None:
                        break
                    started.append((transport, delivery))
        for transport, delivery in started:
            self.idle.remove(transport)
            self._begin(transport, delivery)
        for row, outcome, retry in outcomes:
            self._done(row, outcome, retry)

    def _starters(self) -> list[Transport]:
        """The idle connections that may start a message now."""
        if self.stop.is_set() or self.report.problem or not self.idle:
            return []
        if self.interval:
            return self.idle[:1] if time.monotonic() >= self.next_start else []
        return list(self.idle)

    def _start(self, outcomes: list[tuple[int, Outcome, bool]]) -> Delivery | None:
        """Mark the next startable row `sending`; None when no row can start now. Rows
        whose contact left the audience are skipped (their outcomes added)."""
        while (row := self._next()) is not None:
            delivery = self.store.start_send(row, self.options.states)
            if delivery is not None:
                if self.interval:
                    self.next_start = max(self.next_start, time.monotonic()) + self.interval
                return delivery
            reason = "no longer subscribed or in the audience"
            outcomes.append((row, Outcome("skipped", f"row {row}", reason), False))
        return None

    def _next(self) -> int | None:
        """The next row to start: an in-run retry that is due first; None if there is none."""
        if self.retries and self.retries[0][0] <= time.monotonic():
            return heapq.heappop(self.retries)[1]
        if self.left and self.queue:
            self.left -= 1
            return self.queue.popleft()
        return None

    def _refill(self) -> None:
        size = int(min(CHUNK, self.left))
        rows = self.store.reserve_sends(
            self.issue.number, self.groups, self.options.states, size, self.boot
        )
        self.queue.extend(rows)
        self.drained = len(rows) < size

    def _more(self) -> bool:
        """Whether rows not yet tried may still start in this run."""
        return bool(self.left and (self.queue or not self.drained))

    def _finished(self) -> bool:
        """Whether no connection needs to start anything more."""
        if self.stop.is_set() or self.report.problem:
            return True
        return not (self._more() or self.retries or self.sending)

    def _begin(self, transport: Transport, delivery: Delivery) -> None:
        """Compose the message and start its transaction (the row is marked `sending`)."""
        self.sending[transport] = (delivery.id, delivery.email)
        try:
            message = self.composer.message(
                delivery.contact_id,
                delivery.email,
                delivery.first_name,
                delivery.name,
                delivery.message_id,
            )
        except HeaderError as error:
            self._end(transport, _Result("failed", str(error)))
            return
        self._advance(transport, lambda: transport.begin(self.envelope, delivery.email, message))

    def _advance(self, transport: Transport, step: Callable[[], str | None]) -> None:
        """Take the transaction of `transport` one step on; record it when it ends."""
        try:
            reply = step()
        except TransportError as error:
            self._end(transport, _failure(error))
            return
        if reply is not None:
            self._end(transport, _Result("sent", reply))

    def _wait(self) -> None:
        """Wait for the servers (or until a row can start) and go on with what they said."""
        if self.ended:  # to be recorded first
            return
        readable, _, _ = select.select(list(self.sending), [], [], self._timeout())
        for transport in readable:
            self._advance(transport, transport.resume)

    def _timeout(self) -> float:
        """How long the loop may wait for the servers: until a row could start, a
        connection should be reopened, or Ctrl-C should be looked at."""
        now = time.monotonic()
        due = [now + POLL, *(when for when, _ in self.down.values())]
        if self.idle and not self.stop.is_set() and not self.report.problem:
            if self._more():
                due.append(self.next_start)
            elif self.retries:
                due.append(max(self.retries[0][0], self.next_start))
        return max(min(due) - now, 0.0)

    def _end(self, transport: Transport, result: _Result) -> None:
        """A transaction ended: its result is recorded in the next round; the connection is
        idle again, or reopened first if it was lost."""
        row, email = self.sending.pop(transport)
        self.ended.append((row, email, result))
        if transport.connected:
            self.idle.append(transport)
        else:
            self.down[transport] = (0.0, iter(self.options.retry_delays))

    def _reconnect(self) -> None:
        """Reopen the lost connections whose wait is over, waiting `retry_delays` between
        tries; a connection that stays down is given up, and the run stops when the last
        one is."""
        now = time.monotonic()
        for transport, (when, delays) in list(self.down.items()):
            if when > now or self.stop.is_set() or self.report.problem:
                continue
            try:
                transport.connect()
            except TransportError as error:
                delay = next(delays, None)
                if delay is not None:
                    self.down[transport] = (now + delay, delays)
                    continue
                del self.down[transport]
                if not self.down and not self.idle and not self.sending:
                    self.report.problem = f"{error}; run the command again to send the rest"
                continue
            del self.down[transport]
            self.idle.append(transport)

    def _record(self, row: int, result: _Result) -> None:
        """Commit what became of a message (inside the round's transaction)."""
        reason = f"issue {self.issue.number} bounced: {result.reply}" if result.suppress else ""
        touch = self.reference if result.state == "sent" else ""
        self.store.finish_send(row, result.state, result.reply, touch=touch, suppress=reason)

    def _done(self, row: int, outcome: Outcome, retry: bool) -> None:
        if retry:
            self.tries[row] += 1
            delays = self.options.retry_delays
            if self.tries[row] <= len(delays):
                when = time.monotonic() + delays[self.tries[row] - 1]
                heapq.heappush(self.retries, (when, row))
                outcome = Outcome("retrying", outcome.email, outcome.reply)
        self.report.counts[outcome.state] += 1
        if outcome.state != "sent":
            self.log.write(f"{outcome.state}: {outcome.email} {outcome.reply}")
        self.on_outcome(outcome)


def _failure(error: TransportError) -> _Result:
    """What a transport's error means for the message."""
    if isinstance(error, Refused):
        if error.stage == "MAIL" and error.code >= 500:
            halt = f"{error}; check NEWSLETTER['envelope_sender']"
            return _Result("deferred", error.reply, halt=halt)
        state, suppress = _refusal(error)
        return _Result(state, error.reply, retry=state == "deferred", suppress=suppress)
    if isinstance(error, ConnectionLost):
        state = "unknown" if error.maybe_delivered else "deferred"
        return _Result(state, str(error), retry=state == "deferred")
    return _Result("deferred", str(error), retry=True)


def _refusal(error: Refused) -> tuple[str, bool]:
    """(ledger state, whether to mark the contact bounced) for an error reply."""
    if error.code < 500:
        return "deferred", False
    if error.stage == "RCPT" or (error.stage == "END" and _MAILBOX_STATUS.search(error.reply)):
        return "bounced", True
    return "failed", False
