"""`pmap`: a pure function over many items, on every core, for other plugins.

The comments plugin renders thousands of comment bodies this way. Results come back in
order; with one worker (FASTBUILD["workers"] = 1, or fastbuild not loaded) or a small
batch it is a plain `map` in this process.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Set by the fastbuild plugin when a build starts.
workers = 1
min_batch = 64


def pmap(function: Callable[[T], R], items: Sequence[T]) -> list[R]:
    """[function(item) for item in items], spread over the workers; `function` must be
    a module-level function (it is sent to the workers by name)."""
    if workers < 2 or len(items) < min_batch:
        return [function(item) for item in items]
    fork = multiprocessing.get_context("fork")
    chunk = max(1, len(items) // (workers * 4))
    with ProcessPoolExecutor(workers, mp_context=fork) as pool:
        return list(pool.map(function, items, chunksize=chunk))
