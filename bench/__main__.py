"""`python -m bench [name ...]`: run every bench/bench_*.py module (or the named ones)."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

import bench

# Lambda code is imported the way Lambda imports it: with lambdas/ as the package root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "lambdas"))


def main(argv: list[str]) -> int:
    wanted = set(argv[1:])
    modules = sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_"))
    for name in modules:
        if wanted and name.removeprefix("bench_") not in wanted:
            continue
        importlib.import_module(f"bench.{name}").main()
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
