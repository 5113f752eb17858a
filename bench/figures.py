"""One measured figure of a benchmark run, as printed in the `make bench` table."""

from __future__ import annotations

import resource
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass


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


def peak_rss_mb(children: bool = False) -> float:
    """Peak resident memory of this process (or of its waited-for children), in MB."""
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return resource.getrusage(who).ru_maxrss / 1024
