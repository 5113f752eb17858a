"""Load: 2,000 distinct sign-ups, 200 at a time, against the real service on 127.0.0.1.

Every request must succeed, every address must become exactly one pending contact with
one open request, and the SMTP server must receive exactly one confirmation for each.
The run is bounded: 2,000 requests and 60 seconds in all. The figures (requests per
second, median and 95th-percentile latency, errors) are printed.

The 200 clients speak HTTP/1.1 over asyncio streams, one keep-alive connection each: on
two cores a full HTTP client library in the same process would measure itself.
"""

from __future__ import annotations

import asyncio
import sqlite3
import statistics
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from tests.subscriptions.conftest import run_service

ADDRESSES = [f"reader{number:04d}@load.example" for number in range(2000)]
CONCURRENCY = 200
BOUND = 60.0  # seconds for the whole run


async def client(
    url: str, pending: Iterator[str], latencies: list[float], statuses: Counter[int]
) -> None:
    """One visitor after another on one connection, until the addresses run out."""
    host, port = urlsplit(url).hostname, urlsplit(url).port
    reader, writer = await asyncio.open_connection(host, port)
    try:
        for address in pending:
            body = urlencode({"email": address}).encode()
            head = (
                f"POST /subscribe HTTP/1.1\r\nHost: {host}:{port}\r\n"
                f"Content-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            )
            start = time.perf_counter()
            writer.write(head.encode() + body)
            status = int((await reader.readline()).split()[1])
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - start)
            statuses[status] += 1
    finally:
        writer.close()
        await writer.wait_closed()


async def sign_up_all(url: str) -> tuple[list[float], Counter[int]]:
    pending = iter(ADDRESSES)
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    clients = (client(url, pending, latencies, statuses) for _ in range(CONCURRENCY))
    await asyncio.wait_for(asyncio.gather(*clients), BOUND)
    return latencies, statuses


def test_2000_sign_ups_200_at_a_time_are_each_recorded_once(tmp_path: Path, smtp):
    with run_service(tmp_path, smtp, subscriptions={"per_ip_hour": 10_000}) as service:
        start = time.perf_counter()
        # In a thread of its own: Playwright may already run an event loop in this one.
        with ThreadPoolExecutor(1) as thread:
            latencies, statuses = thread.submit(asyncio.run, sign_up_all(service.url)).result()
        elapsed = time.perf_counter() - start
    assert statuses == {200: len(ADDRESSES)}
    with sqlite3.connect(service.database) as db:
        contacts = db.execute("SELECT email, status FROM contacts").fetchall()
        requests = db.execute("SELECT email FROM subscribe_requests").fetchall()
    assert sorted(contacts) == [(address, "pending") for address in ADDRESSES]
    assert sorted(email for (email,) in requests) == ADDRESSES
    mailed = Counter(tuple(r.rcpt_tos) for r in service.recorder.messages)
    assert mailed == Counter({(address,): 1 for address in ADDRESSES})
    quantiles = statistics.quantiles(latencies, n=100)
    print(
        f"\nsubscriptions load: {len(latencies)} sign-ups, {CONCURRENCY} concurrent, "
        f"{elapsed:.1f} s, {len(latencies) / elapsed:.0f} requests/s, "
        f"p50 {quantiles[49] * 1000:.0f} ms, p95 {quantiles[94] * 1000:.0f} ms, "
        f"errors {len(latencies) - statuses[200]}"
    )
    assert elapsed < BOUND
