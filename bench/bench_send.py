"""Send: personalised messages per second into Postfix's smtp-sink on loopback.

Nurture sends an ~8 KB issue to generated contacts through the whole send path (ledger
reservations, a `sending` and a `sent` mark per message, the newsletter touch, a message
per contact, SMTP), in a child process of its own. The anchor is Postfix's smtp-source
sending the same number of messages of the same size, the same number at a time, to the
same sink, in the same run: as it runs by default (a new connection per message, the
figure the sending issue quotes, about 2,000 messages/s) and with -d (the connections
kept open, as Nurture keeps them). Runs alternate, best of three. The memory figure is
the peak resident size of a send to 100,000 contacts.

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

WORKERS = 2
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


def run(quick: bool) -> list[Figure]:
    for tool in ("smtp-sink", "smtp-source"):
        if not shutil.which(tool):
            raise SystemExit(f"bench send needs {tool}: install Debian's postfix package")
    speed_count = 5_000 if quick else 20_000
    memory_count = 10_000 if quick else 100_000
    with tempfile.TemporaryDirectory(prefix="bench-send-") as folder, sink() as port:
        work = Path(folder)
        ours, anchors, kept_open = [], [], []
        for attempt in range(3):
            ours.append(child(work / f"speed-{attempt}", speed_count, port))
            size = int(ours[-1]["size"])
            anchors.append(smtp_source(port, speed_count, size))
            kept_open.append(smtp_source(port, speed_count, size, "-d"))
        memory = child(work / "memory", memory_count, port)
    best = min(ours, key=lambda result: result["seconds"])
    rate = speed_count / best["seconds"]
    note = f"{best['size'] / 1024:.1f} KB each, into smtp-sink; best of 3"
    name = f"send {speed_count:,} personalised messages, {WORKERS} at a time"
    return [
        Figure(
            name=name,
            value=rate,
            unit="msg/s",
            anchor=speed_count / min(anchors),
            anchor_label="smtp-source",
            target="ratio >= 0.5",
            note=note,
            higher_is_better=True,
        ),
        Figure(
            name=f"{name}, connections kept open",
            value=rate,
            unit="msg/s",
            anchor=speed_count / min(kept_open),
            anchor_label="smtp-source -d",
            note=note,
            higher_is_better=True,
        ),
        Figure(
            name=f"send to {memory_count:,} contacts: peak memory",
            value=memory["rss_mb"],
            unit="MB",
            target="< 200 MB",
            note=f"child process, whole interpreter; {memory_count / memory['seconds']:,.0f} msg/s",
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
    """Seconds smtp-source takes for `count` messages of `size` bytes, WORKERS at a time."""
    started = time.perf_counter()
    subprocess.run(
        ["smtp-source", *options, "-s", str(WORKERS), "-m", str(count), "-l", str(size - 250),
         "-f", SENDER, "-t", "reader@example.org", f"127.0.0.1:{port}"],
        check=True, capture_output=True,
    )  # fmt: skip
    return time.perf_counter() - started


def child(work: Path, count: int, port: int) -> dict[str, float]:
    """One send in a fresh interpreter; what it printed (seconds, size, rss_mb)."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_send", str(work), str(count), str(port)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def _measure(work: Path, count: int, port: int) -> dict[str, float]:
    from plugins.contacts import NewContact, Store
    from plugins.newsletter import settings as newsletter_settings
    from plugins.newsletter.message import Address
    from plugins.newsletter.rendered import RenderedIssue, load_rendered, save_rendered
    from plugins.newsletter.runlog import RunLog
    from plugins.newsletter.send import Composer, SendOptions, send_issue
    from plugins.newsletter.transport import from_environment

    issue = RenderedIssue(
        number=1, source=str(work / "1.md"), subject="How often is too often?",
        preheader="", status="ready", date=datetime(2026, 11, 19, tzinfo=UTC), posts=(),
        segment=(), url="https://warmleads.example/newsletter/1/",
        siteurl="https://warmleads.example", sender=Address(SENDER, "Olivia Hart"),
        reply_to=Address(SENDER, "Olivia Hart"),
        unsubscribe_template="https://warmleads.example/leave?e={email}",
        fallback_name="friend", html=HTML, text=TEXT,
    )  # fmt: skip
    save_rendered(issue, work / "cache")
    issue = load_rendered(1, work / "cache")
    config = newsletter_settings.check(
        {"SITENAME": "Warm Leads", "NEWSLETTER": {"from_address": SENDER, "postal_address": "x"}}
    )
    database = work / "nurture.sqlite3"
    with Store.open(database) as store:
        for start in range(0, count, 10_000):
            store.insert_contacts(
                [
                    NewContact(f"reader{n}@example.org", "client", first_name=f"Reader{n}")
                    for n in range(start, min(start + 10_000, count))
                ]
            )
    composer = Composer(issue, config)
    size = len(composer.message(1, "reader1@example.org", "Reader1", "", "<1.1@example.org>"))
    environ = {"NURTURE_SMTP_URL": f"smtp://127.0.0.1:{port}"}
    with Store.open(database, sending=True) as store:
        started = time.perf_counter()
        report = send_issue(
            store,
            composer,
            [from_environment(environ) for _ in range(WORKERS)],
            SendOptions(workers=WORKERS),
            envelope_sender=SENDER,
            log=RunLog(1, work / "logs"),
        )
        seconds = time.perf_counter() - started
    assert report.counts == {"sent": count}, report
    return {"seconds": seconds, "size": size, "rss_mb": peak_rss_mb()}


if __name__ == "__main__":
    print(json.dumps(_measure(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))))
