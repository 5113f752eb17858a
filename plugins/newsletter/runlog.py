"""The log of each send run: data/logs/send-issue-<n>.log, one timestamped line per event.

It records when a run started and how (transport, workers, rate, limit), every message
that did not simply go out (deferred, bounced, failed, unknown, skipped, with the reply),
and the run's totals. The ledger keeps the state of each message; the log keeps the
story. It holds addresses, so it is private like everything in data/.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DIRECTORY = ROOT / "data" / "logs"


class RunLog:
    """Appends lines to one issue's send log."""

    def __init__(self, issue: int, directory: Path = DEFAULT_DIRECTORY) -> None:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.path = directory / f"send-issue-{issue}.log"
        self.path.touch(mode=0o600)

    def write(self, text: str) -> None:
        line = f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ} {' '.join(text.split())}\n"
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(line)
