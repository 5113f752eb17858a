"""One measured figure of a benchmark run, as printed in the `make bench` table."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass
class Figure:
    """A measurement of Nurture beside its anchor, measured in the same run."""

    name: str
    value: float
    unit: str
    anchor: float | None = None
    anchor_label: str = ""
    target: str = ""
    note: str = ""
    higher_is_better: bool = False

    @property
    def ratio(self) -> float | None:
        """value / anchor (for times, lower is better; for rates, higher is better)."""
        if not self.anchor:
            return None
        return self.value / self.anchor

    def row(self) -> tuple[str, ...]:
        anchor = f"{self.anchor:.3g} {self.unit} ({self.anchor_label})" if self.anchor else "-"
        ratio = f"{self.ratio:.2f}" if self.ratio is not None else "-"
        return (self.name, f"{self.value:.3g} {self.unit}", anchor, ratio, self.target, self.note)

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "ratio": self.ratio}


def best_of(repeat: int, func: Callable[[], object]) -> float:
    """The fastest of `repeat` wall-clock timings of func(), in seconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def peak_rss_mb() -> float:
    """This process's peak resident size, in MB. Not ru_maxrss, which after fork and exec
    also counts the size of the parent when it forked this process: `python -m bench`
    is over 200 MB once the build benchmarks have run."""
    status = Path("/proc/self/status").read_text(encoding="ascii")
    return int(status.split("VmHWM:")[1].split()[0]) / 1024
