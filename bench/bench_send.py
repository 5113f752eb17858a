"""Send: personalised messages per second into Postfix's smtp-sink on loopback.

Nurture sends an ~8 KB issue to generated contacts through the whole send path (ledger
reservations, a `sending` and a `sent` mark per message, the newsletter touch, a message
per contact, SMTP) over two connections, in a child process that does nothing else: the
contacts are written by another child beforehand. The anchor is Postfix's smtp-source
sending the same number of messages of the same size over the same number of
connections to the same sink, in the same run, with its connections kept open (-d) as
Nurture keeps them: the target is half its rate. smtp-source's default, a new connection
per message (the figure the sending issue first quoted, about 2,000 messages/s), is
reported beside it. Runs alternate; each figure is the best of three, the note gives the
spread. On a virtual machine the anchors swing most: smtp-source waits for the sink four
times per message, and an idle virtual CPU is slow to wake, so it runs two to three times
faster while something else keeps the CPUs busy.

The memory figure is the peak resident size of the process that sends to 100,000
contacts (the whole interpreter, start to end; VmHWM, see `figures.peak_rss_mb`).

Needs smtp-sink and smtp-source: Debian's `postfix` package.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from bench.figures import Figure, peak_rss_mb

CONNECTIONS = 2
SENDER = "olivia@warmleads.example"
TEXT = (
    "Hi {{nurture:first_name}},\n\n"
    + "A line of this month's letter, and another.\n" * 40
    + ("\nThis went to {{nurture:email}}. Leave: {{nurture:unsubscribe_url}}\n")
)
HTML = (
    "<html><head><style>\n.card { padding: 8px 36px; }\n</style></head><body>"
    "<p>Hi {{nurture:first_name}},</p>"
    + "<p>A line of this month's letter, and another, in a paragraph.</p>\n"
    * 70
    + '<p><a href="{{nurture:unsubscribe_url}}">Unsubscribe</a> {{nurture:email}}</p>'
    "</body></html>\n"
)
ATTEMPTS = 3


def run(quick: bool) -> list[Figure]:
    for tool in ("smtp-sink", "smtp-source"):
        if not shutil.which(tool):
            raise SystemExit(f"bench send needs {tool}: install Debian's postfix package")
    speed_count = 5_000 if quick else 20_000
    memory_count = 10_000 if quick else 100_000
    with tempfile.TemporaryDirectory(prefix="bench-send-") as folder, sink() as port:
        work = Path(folder)
        child("contacts", work / "contacts.sqlite3", speed_count)
        ours, per_message, kept_open = [], [], []
        for attempt in range(ATTEMPTS):
            database = work / f"speed-{attempt}.sqlite3"
            shutil.copy(work / "contacts.sqlite3", database)
            sent = child("send", database, port)
            ours.append(sent["seconds"])
            size = int(sent["size"])
            per_message.append(smtp_source(port, speed_count, size))
            kept_open.append(smtp_source(port, speed_count, size, "-d"))
        child("contacts", work / "memory.sqlite3", memory_count)
        memory = child("send", work / "memory.sqlite3", port)
    rate = speed_count / min(ours)

    def spread(seconds: list[float]) -> str:
        return f"{speed_count / max(seconds):,.0f}-{speed_count / min(seconds):,.0f} msg/s"

    note = f"{size / 1024:.1f} KB each, into smtp-sink; best of {ATTEMPTS}: Nurture {spread(ours)}"
    name = f"send {speed_count:,} personalised messages over {CONNECTIONS} connections"
    return [
        Figure(
            name=name,
            value=rate,
            unit="msg/s",
            anchor=speed_count / min(kept_open),
            anchor_label="smtp-source -d, connections kept open",
            target="ratio >= 0.5",
            note=f"{note}, smtp-source -d {spread(kept_open)}",
            higher_is_better=True,
        ),
        Figure(
            name=f"{name} (anchor: a connection per message)",
            value=rate,
            unit="msg/s",
            anchor=speed_count / min(per_message),
            anchor_label="smtp-source, a new connection per message",
            note=f"{note}, smtp-source {spread(per_message)}",
            higher_is_better=True,
        ),
        Figure(
            name=f"send to {memory_count:,} contacts: peak memory",
            value=memory["rss_mb"],
            unit="MB",
            target="< 200 MB",
            note=(
                f"the sending process alone (contacts written by another); "
                f"{memory_count / memory['seconds']:,.0f} msg/s"
            ),
        ),
    ]


@contextmanager
def sink() -> Iterator[int]:
    """smtp-sink on a free loopback port; yields the port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    user = ["-u", "nobody"] if os.geteuid() == 0 else []  # it refuses to run as root
    process = subprocess.Popen(["smtp-sink", *user, f"127.0.0.1:{port}", "1000"])
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        process.wait()


def smtp_source(port: int, count: int, size: int, *options: str) -> float:
    """Seconds smtp-source takes for `count` messages of `size` bytes over CONNECTIONS."""
    started = time.perf_counter()
    subprocess.run(
        ["smtp-source", *options, "-s", str(CONNECTIONS), "-m", str(count),
         "-l", str(size - 250), "-f", SENDER, "-t", "reader@example.org", f"127.0.0.1:{port}"],
        check=True, capture_output=True,
    )  # fmt: skip
    return time.perf_counter() - started


def child(task: str, *arguments: object) -> dict[str, float]:
    """Run one task of this module in a fresh interpreter; what it printed."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_send", task, *map(str, arguments)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def _contacts(database: Path, count: int) -> dict[str, float]:
    from plugins.contacts import NewContact, Store

    with Store.open(database) as store:
        for start in range(0, count, 10_000):
            store.insert_contacts(
                [
                    NewContact(f"reader{n}@example.org", "client", first_name=f"Reader{n}")
                    for n in range(start, min(start + 10_000, count))
                ]
            )
    return {"contacts": count}


def _send(database: Path, port: int) -> dict[str, float]:
    from plugins.contacts import Store
    from plugins.newsletter import settings as newsletter_settings
    from plugins.newsletter.message import Address
    from plugins.newsletter.rendered import RenderedIssue, load_rendered, save_rendered
    from plugins.newsletter.runlog import RunLog
    from plugins.newsletter.send import Composer, SendOptions, send_issue
    from plugins.newsletter.transport import from_environment

    folder = database.parent
    issue = RenderedIssue(
        number=1, source=str(folder / "1.md"), subject="How often is too often?",
        preheader="", status="ready", date=datetime(2026, 11, 19, tzinfo=UTC), posts=(),
        segment=(), url="https://warmleads.example/newsletter/1/",
        siteurl="https://warmleads.example", sender=Address(SENDER, "Olivia Hart"),
        reply_to=Address(SENDER, "Olivia Hart"),
        unsubscribe_template="https://warmleads.example/leave?e={email}",
        fallback_name="friend", html=HTML, text=TEXT,
    )  # fmt: skip
    save_rendered(issue, folder / "cache")
    config = newsletter_settings.check(
        {"SITENAME": "Warm Leads", "NEWSLETTER": {"from_address": SENDER, "postal_address": "x"}}
    )
    composer = Composer(load_rendered(1, folder / "cache"), config)
    size = len(composer.message(1, "reader1@example.org", "Reader1", "", "<newsletter.1.1@x>"))
    environ = {"NURTURE_SMTP_URL": f"smtp://127.0.0.1:{port}"}
    with Store.open(database, sending=True) as store:
        count = store.count_contacts()
        started = time.perf_counter()
        report = send_issue(
            store,
            composer,
            [from_environment(environ) for _ in range(CONNECTIONS)],
            SendOptions(workers=CONNECTIONS),
            envelope_sender=SENDER,
            log=RunLog(1, folder / "logs"),
        )
        seconds = time.perf_counter() - started
    assert report.counts == {"sent": count}, report
    return {"seconds": seconds, "size": size, "rss_mb": peak_rss_mb()}


if __name__ == "__main__":
    task, *arguments = sys.argv[1:]
    function = {"contacts": _contacts, "send": _send}[task]
    print(json.dumps(function(Path(arguments[0]), int(arguments[1]))))
