"""Rate limits in memory: a token bucket per key (an IP address, an email address).

Memory is bounded: at most `max_keys` buckets are kept, and the least recently used one
is dropped to make room (it loses nothing but a partly used allowance). The limiter is
used from the event loop only, so it needs no lock. Limits are per process: a restart
forgets them, which is fine for sign-up and comment forms.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable


class RateLimiter:
    """At most `limit` events per `period` seconds for each key, refilled evenly."""

    def __init__(
        self,
        limit: int,
        period: float,
        *,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.rate = limit / period
        self.max_keys = max_keys
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def hit(self, key: str) -> int:
        """Count one event; return 0 if it is allowed, else the seconds to wait before retrying."""
        now = self._clock()
        tokens, then = self._buckets.pop(key, (self.limit, now))
        tokens = min(self.limit, tokens + (now - then) * self.rate)
        allowed = tokens >= 1
        self._buckets[key] = (tokens - 1 if allowed else tokens, now)
        if len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return 0 if allowed else math.ceil((1 - tokens) / self.rate)
