"""`invoke newsletter.*`: draft, list, preview and send issues; their status and bounces.

Each task parses its arguments, calls the library and prints. A mistake is one line on
stderr starting with "error:" and exit code 1, never a traceback.
"""

from __future__ import annotations

import itertools
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from invoke import Exit, task
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from plugins import subscriptions
from plugins.blog import build as site
from plugins.contacts import ContactsError, Store, database_path
from plugins.errors import NurtureError

from . import preview as previews
from . import send as sending
from . import settings as newsletter_settings
from . import transport
from .bounces import read_bounces
from .drafting import NothingNew, draft_next_issue
from .message import Address
from .project import load_project, sent_statuses
from .rendered import RenderedIssue, load_rendered, rendered_directory
from .runlog import RunLog

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ROOT / "pelicanconf.py"
SETTINGS_PUBLISH = ROOT / "publishconf.py"
console = Console(highlight=False)


def _project():
    try:
        return load_project(SETTINGS)
    except NurtureError as error:
        raise Exit(f"error: {error}", code=1) from None


@task(help={"since": "draft from the posts published on or after this day (YYYY-MM-DD)"})
def new(c, since=None):
    """Draft the next issue from the posts published since the last one."""
    project = _project()
    try:
        start = project.parse_date(since) if since else None
    except ValueError:
        raise Exit(
            f"error: --since {since!r} is not a date; write it as YYYY-MM-DD", code=1
        ) from None
    try:
        draft = draft_next_issue(project, datetime.now(UTC), start)
    except NothingNew as error:
        print(f"Nothing to draft: {error}.")
        return
    print(f"Drafted issue {draft.number} in {draft.path.relative_to(ROOT)} with:")
    for title in draft.titles:
        print(f"  - {title}")
    print(
        "Write the intro, check the subject, then set Status: ready. "
        f"See it with: invoke newsletter.preview {draft.number}"
    )


@task(name="list")
def list_(c):
    """Every issue: number, date, status, whether it was sent, and any problem."""
    project = _project()
    table = Table(title=f"{len(project.issues)} issue(s)", title_justify="left")
    for column in ("#", "Date", "Status", "Sent", "Posts", "Subject"):
        table.add_column(column, justify="right" if column in {"#", "Posts"} else "left")
    sent = sent_statuses()
    for issue in sorted(project.issues, key=lambda issue: issue.number, reverse=True):
        table.add_row(
            str(issue.number),
            f"{issue.date:%Y-%m-%d}",
            issue.status,
            "?" if sent is None else sent.get(issue.number, "not sent"),
            str(len(issue.posts)),
            issue.subject,
        )
    console.print(table)
    for problem in project.problems:
        print(f"error: {problem}", file=sys.stderr)
    if project.problems:
        raise Exit(code=1)


@task(
    help={
        "number": "the issue to preview",
        "contact": "personalise for this contact (their email address)",
        "to": "also send the preview to this address, subject prefixed [TEST]",
        "serve": "serve the preview at http://127.0.0.1:PORT/ until Ctrl-C",
        "port": "the port for --serve",
        "production": "build with publishconf.py, so links point at the published site",
    }
)
def preview(c, number, contact=None, to=None, serve=False, port="8001", production=False):
    """Build, then write issue N's email for one reader (and optionally mail a test)."""
    issue_number = _number(number)
    settings_file = SETTINGS_PUBLISH if production else SETTINGS
    try:
        serve_port = site.port_number(port) if serve else 0
        contact_recipient = previews.find_recipient(contact) if contact else None
        test_address = Address(to.strip()) if to else None
        result = site.run_pelican(settings_file, [])
        if result.errors:
            print(result.summary())
        issue = load_rendered(issue_number, rendered_directory(settings_file))
        recipient = contact_recipient or previews.default_recipient(issue)
        html_path, text_path = previews.write_preview(issue, recipient)
        print(f"Issue {issue.number} ({issue.status}) for {recipient.email}:")
        print(f"  HTML: {html_path}")
        print(f"  text: {text_path}")
        if test_address:
            with transport.from_environment() as outbound:
                previews.send_test(issue, recipient, test_address, outbound)
            print(f"Sent a [TEST] copy to {test_address.email} through {outbound.description}.")
    except NurtureError as error:
        raise Exit(f"error: {error}", code=1) from None
    if serve:
        print(f"Serving http://127.0.0.1:{port}/{html_path.name} (Ctrl-C stops)")
        site.serve(html_path.parent, "127.0.0.1", serve_port)


# Sending

PROBLEMS = ("unknown", "deferred", "failed", "bounced")
LISTED = 50  # rows shown per state by `status`


def _number(number: str) -> int:
    try:
        return int(number)
    except ValueError:
        raise Exit(f"error: {number!r} is not an issue number", code=1) from None


def _whole(value: object, option: str, least: int) -> int:
    try:
        number = int(str(value))
    except ValueError:
        number = least - 1
    if number < least:
        raise Exit(f"error: --{option} must be a whole number of at least {least}", code=1)
    return number


@contextmanager
def _database(*, for_sending: bool = False) -> Iterator[Store]:
    path = database_path()
    if not path.exists():
        raise Exit(
            f"error: there is no contact database at {path}; add contacts with "
            "`invoke contacts.import` (or point NURTURE_DB at yours)",
            code=1,
        )
    try:
        with Store.open(path, sending=for_sending) as store:
            if store.backup:  # as the contacts commands say it
                print(f"upgraded {store.path}; the old version is kept in {store.backup}")
            yield store
    except ContactsError as error:
        raise Exit(f"error: {error}", code=1) from None


def _composer(issue: RenderedIssue) -> tuple[sending.Composer, str]:
    """The composer for a send with the production settings, and the envelope sender."""
    config = newsletter_settings.check(site.read_settings(SETTINGS_PUBLISH))
    signer = None
    if config.dkim:
        from .signing import Signer  # dkimpy is only needed when DKIM is configured

        signer = Signer(config.dkim, ROOT)
    try:
        service = subscriptions.load_settings(SETTINGS_PUBLISH)
    except subscriptions.NotConfigured:
        return sending.Composer(issue, config, signer), config.envelope_sender

    def one_click(contact_id: int, email: str) -> str:
        return subscriptions.unsubscribe_url(contact_id, service)

    return sending.Composer(issue, config, signer, one_click), config.envelope_sender


class _Rate(ProgressColumn):
    """Messages per second, as measured by rich."""

    def render(self, task) -> Text:
        return Text(f"{task.speed or 0:,.0f}/s")


def _progress(total: int) -> tuple[Progress, object]:
    progress = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        _Rate(),
        TimeRemainingColumn(),
        "{task.fields[problems]} not sent",
        console=Console(stderr=True),
        transient=True,
    )
    return progress, progress.add_task("sending", total=total, problems=0)


def _summary(title: str, counts: dict[str, int]) -> None:
    print(title)
    table = Table()
    table.add_column("State")
    table.add_column("Messages", justify="right")
    for state, count in sorted(counts.items(), key=lambda item: -item[1]):
        table.add_row(state, f"{count:,}")
    console.print(table)


@contextmanager
def _ctrl_c(stop: threading.Event) -> Iterator[None]:
    """The first Ctrl-C asks the run to stop cleanly; a second one stops at once."""

    def first(signum: int, frame: object) -> None:
        stop.set()
        print(
            "\nStopping: the messages in flight finish (Ctrl-C again to quit now)...",
            file=sys.stderr,
        )
        signal.signal(signal.SIGINT, signal.default_int_handler)

    previous = signal.signal(signal.SIGINT, first)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@task(
    iterable=["tag"],
    # Long options only: invoke's automatic short flags made -y mean --retry-failed.
    auto_shortflags=False,
    help={
        "number": "the issue to send (Status: ready, built with `invoke preview`)",
        "tag": "only contacts with this tag, within the issue's Segment (repeatable)",
        "workers": "parallel SMTP connections (default 2)",
        "rate": "at most this many messages a second (default: as fast as the server takes)",
        "limit": "start at most this many messages now; run again for the rest",
        "dry-run": "render every message and report; nothing is sent or recorded",
        "resend-unknown": "also resend messages whose fate is unknown (see newsletter.status)",
        "retry-failed": "also retry messages that failed, once you have fixed the cause",
        "yes": "do not ask for confirmation (needed when there is no terminal)",
    },
)
def send(
    c,
    number,
    tag=None,
    workers="2",
    rate=None,
    limit="0",
    dry_run=False,
    resend_unknown=False,
    retry_failed=False,
    yes=False,
):
    """Send issue N to every subscribed contact in its segment, each exactly once."""
    issue_number = _number(number)
    try:
        per_second = float(rate or 0)
    except ValueError:
        per_second = -1.0
    if per_second < 0:
        raise Exit("error: --rate must be a number of messages a second", code=1)
    options = sending.SendOptions(
        tags=tuple(t.strip().lower() for t in tag or [] if t.strip()),
        workers=_whole(workers, "workers", 1),
        rate=per_second,
        limit=_whole(limit, "limit", 0),
        resend_unknown=resend_unknown,
        retry_failed=retry_failed,
    )
    try:
        issue = load_rendered(issue_number, rendered_directory(SETTINGS_PUBLISH))
        sending.check_sendable(issue)
        composer, envelope = _composer(issue)
    except NurtureError as error:
        raise Exit(f"error: {error}", code=1) from None
    with _database(for_sending=True) as store:
        total = sending.count_recipients(store, issue, options)
        if options.limit:
            total = min(total, options.limit)
        unknown = store.send_counts(issue_number).get("unknown", 0)
        if unknown and not resend_unknown:
            print(
                f"{unknown} message(s) of issue {issue_number} are unknown and not resent: "
                f"see `invoke newsletter.status {issue_number}`"
            )
        if not total:
            print(
                f"Nothing to send: every subscribed contact in the audience has issue "
                f"{issue_number} (or it bounced or failed; see newsletter.status)."
            )
            return
        if dry_run:
            _dry_run(store, composer, options, total)
            return
        _send(store, composer, options, total, envelope, yes)


def _dry_run(
    store: Store, composer: sending.Composer, options: sending.SendOptions, total: int
) -> None:
    progress, job = _progress(total)
    failures: list[sending.Outcome] = []

    def seen(outcome: sending.Outcome) -> None:
        progress.update(job, advance=1)
        if outcome.state == "failed":
            failures.append(outcome)

    with progress:
        report = sending.dry_run(store, composer, options, seen)
    issue = composer.issue
    print(
        f"Dry run: issue {issue.number} “{issue.subject}” would go to "
        f"{report.counts['sent']:,} contact(s); nothing was sent or recorded."
    )
    for outcome in failures:
        print(f"  cannot send to {outcome.email}: {outcome.reply}")


def _send(
    store: Store,
    composer: sending.Composer,
    options: sending.SendOptions,
    total: int,
    envelope: str,
    yes: bool,
) -> None:
    issue = composer.issue
    try:
        first = transport.from_environment()
    except NurtureError as error:
        raise Exit(f"error: {error}", code=1) from None
    workers = 1 if isinstance(first, transport.Outbox) else options.workers
    transports = [first, *(transport.from_environment() for _ in range(workers - 1))]
    question = (
        f"Send issue {issue.number} “{issue.subject}” to {total:,} contact(s) "
        f"through {first.description}?"
    )
    if not yes:
        if not sys.stdin.isatty():
            raise Exit(
                f"error: there is no terminal to confirm sending issue {issue.number} to "
                f"{total:,} contact(s) through {first.description}; add --yes to send",
                code=1,
            )
        if input(f"{question} [y/N] ").strip().lower() not in {"y", "yes"}:
            raise Exit("Nothing was sent.", code=1)
    stop = threading.Event()
    progress, job = _progress(total)
    problems = 0

    def done(outcome: sending.Outcome) -> None:
        nonlocal problems
        if outcome.state in {"sent", "skipped"}:
            progress.update(job, advance=1)
        elif outcome.state != "retrying":
            problems += 1
            progress.update(job, advance=1, problems=problems)

    log = RunLog(issue.number)
    try:
        with _ctrl_c(stop), progress:
            report = sending.send_issue(
                store, composer, transports, options,
                envelope_sender=envelope, log=log, stop=stop, on_outcome=done,
            )  # fmt: skip
    except NurtureError as error:
        raise Exit(f"error: {error}", code=1) from None
    except KeyboardInterrupt:
        raise Exit(
            f"Stopped at once: the messages that were in flight are now unknown; see "
            f"`invoke newsletter.status {issue.number}`",
            code=130,
        ) from None
    if report.recovered:
        print(f"{report.recovered} message(s) of an interrupted run are now unknown.")
    counts = {state: n for state, n in report.counts.items() if state != "retrying"}
    _summary(f"Issue {issue.number}, this run ({report.seconds:.1f} s):", counts)
    print(f"The log of this run is in {log.path}")
    left = {state: n for state, n in store.send_counts(issue.number).items() if state in PROBLEMS}
    if left:
        print(
            "Not sent: "
            + ", ".join(f"{n:,} {state}" for state, n in sorted(left.items()))
            + f"; see `invoke newsletter.status {issue.number}`"
        )
    if report.interrupted:
        raise Exit("Stopped: run the same command again to send the rest.", code=130)
    if report.problem:
        raise Exit(f"error: {report.problem}", code=1)


@task(help={"number": "the issue"})
def status(c, number):
    """Issue N's send: messages by state, and those not sent with their reasons."""
    issue_number = _number(number)
    with _database() as store:
        settled = sending.settle(store, issue_number)
        if settled is None:
            print("A send is running now; these are its figures so far.")
        counts = store.send_counts(issue_number)
        try:
            issue = load_rendered(issue_number, rendered_directory(SETTINGS_PUBLISH))
        except NurtureError:
            waiting = None
        else:
            waiting = sending.count_recipients(store, issue, sending.SendOptions())
        if not counts and not waiting:
            print(f"Issue {issue_number} has not been sent.")
            return
        _summary(f"Issue {issue_number}, every run:", counts)
        if waiting:
            print(
                f"{waiting:,} subscribed contact(s) in its audience have not had it yet: "
                f"`invoke newsletter.send {issue_number}` sends it to them."
            )
        for state in PROBLEMS:
            total = counts.get(state, 0)
            if not total:
                continue
            table = Table(title=f"{state} ({total:,})", title_justify="left")
            for column in ("Contact", "Attempts", "When", "Last reply"):
                table.add_column(column)
            for row in itertools.islice(store.send_rows(issue_number, [state]), LISTED):
                table.add_row(
                    escape(row.email or "(forgotten)"), str(row.attempts),
                    f"{row.updated:%Y-%m-%d %H:%M}", escape(row.reply),
                )  # fmt: skip
            console.print(table)
            if total > LISTED:
                print(f"... and {total - LISTED:,} more.")
        hints = {
            "unknown": "--resend-unknown resends these (the server may already have them)",
            "deferred": "running `newsletter.send` again retries these",
            "failed": "fix the cause (a name, the message), then --retry-failed",
        }
        for state, hint in hints.items():
            if counts.get(state):
                print(f"{state}: {hint}")


@task(help={"path": "an .eml file, an mbox or a Maildir of bounce reports (DSNs)"})
def bounces(c, path):
    """Read bounce reports: hard bounces suppress at once, soft ones after 3 in a row."""
    with _database() as store:
        try:
            report = read_bounces(store, Path(path))
        except NurtureError as error:
            raise Exit(f"error: {error}", code=1) from None
    print(
        f"Read {report.messages} message(s): {report.hard} hard and {report.soft} soft "
        f"bounce(s); {len(report.suppressed)} contact(s) now bounced (never mailed again)."
    )
    for email in report.suppressed:
        print(f"  bounced: {email}")
    for label, why in report.ignored:
        print(f"  skipped {label}: {why}")
