"""Nurture's benchmarks: `make bench` runs every `bench/bench_*.py` module.

Each module has `run(quick: bool) -> list[Figure]`: it measures Nurture and the anchor
(plain Pelican, smtp-source, ...) in the same run and reports the ratio, so figures from
different machines stay comparable. Timed assertions never live in tests/.
"""
