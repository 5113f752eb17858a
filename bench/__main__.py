"""Run the benchmarks and print one table: `python -m bench [--quick] [NAME ...]`."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.figures import Figure

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", help="only these benchmarks (e.g. feeds contacts)")
    parser.add_argument("--quick", action="store_true", help="smaller inputs, for a smoke run")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)

    available = sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))
    unknown = sorted(set(args.names) - set(available))
    if unknown:
        print(f"error: unknown benchmark {', '.join(unknown)}; choose from {', '.join(available)}")
        return 2
    figures: list[Figure] = []
    console = Console()
    for name in args.names or available:
        console.print(f"[bold]bench {name}[/bold] ...")
        module = importlib.import_module(f"bench.bench_{name}")
        figures.extend(module.run(quick=args.quick))

    table = Table(title="Nurture benchmarks")
    for column in ("benchmark", "Nurture", "anchor", "ratio", "target", "note"):
        table.add_column(column)
    for f in figures:
        table.add_row(*f.row())
    console.print(table)
    if args.json:
        args.json.write_text(json.dumps([f.as_dict() for f in figures], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
