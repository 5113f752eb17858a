"""The build's worker processes, for work that can be shared out.

`start(function, items)` begins `[function(item) for item in items]` on the workers and
returns a callable that waits for the results, in order; `fork_map` maps a function
(any callable, over any items) on workers forked for it. The Markdown prefetcher (`reading`), the
page digests of incremental builds (`fingerprint`) and the comments and feeds plugins
use them. The workers are forked when the first work is handed out, so they see the
build as it was then, and they stop before the pages are written (`close`). With one
worker (FASTBUILD["workers"] = 1, or fastbuild not loaded) or a small batch the work is
done in this process, when its results are asked for.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Set by the fastbuild plugin when a build starts.
workers = 1
min_batch = 64

_pool: ProcessPoolExecutor | None = None


def pool() -> ProcessPoolExecutor:
    """The build's pool of forked workers, started on first use."""
    global _pool
    if _pool is None:
        _pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
    return _pool


def started() -> bool:
    """Whether the build's workers have been forked (they see this process as it was)."""
    return _pool is not None


def close() -> None:
    """Stop the workers (work not started is dropped)."""
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=True, cancel_futures=True)
        _pool = None


def _run(function: Callable[[T], R], items: Sequence[T]) -> list[R]:
    return [function(item) for item in items]


def start(function: Callable[[T], R], items: Iterable[T]) -> Callable[[], list[R]]:
    """Begin `function` over `items` on the workers; call the result to wait for the
    results, in order. `function` must be a module-level function (it is sent to the
    workers by name)."""
    items = list(items)
    if workers < 2 or len(items) < min_batch:
        return lambda: _run(function, items)
    size = max(1, len(items) // (workers * 16))  # small enough that both finish together
    futures = [
        pool().submit(_run, function, items[i : i + size]) for i in range(0, len(items), size)
    ]
    return lambda: [result for future in futures for result in future.result()]


# What fork_map hands to the workers it forks (they see it; only indexes are sent).
_forked: tuple[Callable[[Any], Any], Sequence[Any]] | None = None


def _call(index: int) -> Any:
    function, items = _forked
    return function(items[index])


def fork_map(function: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """[function(item) for item in items] on workers forked for it and stopped when done.
    They see this process as it is, so neither `function` (a bound method will do) nor
    the items are sent to them, only the items' places in the list."""
    global _forked
    items = list(items)
    close()
    _forked = (function, items)
    try:
        return start(_call, range(len(items)))()
    finally:
        _forked = None
        close()
