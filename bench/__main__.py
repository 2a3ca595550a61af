"""`python -m bench [name ...]`: run every bench/bench_*.py module (or the named ones).

Each module runs in a fresh interpreter, so one benchmark's imports, loggers and warm caches never
affect another's figures.
"""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
import warnings
from pathlib import Path

import bench

# Lambda code is imported the way Lambda imports it: with lambdas/ as the package root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "lambdas"))
# The empty baseline handlers publish no metric on purpose.
warnings.filterwarnings("ignore", message="No application metrics to publish")


def main(argv: list[str]) -> int:
    names = sorted(m.name.removeprefix("bench_") for m in pkgutil.iter_modules(bench.__path__)
                   if m.name.startswith("bench_"))  # fmt: skip
    wanted = argv[1:] or names
    unknown = sorted(set(wanted) - set(names))
    if unknown:
        print(f"unknown benchmark(s) {unknown}; known: {names}", file=sys.stderr)
        return 2
    if len(wanted) == 1:
        importlib.import_module(f"bench.bench_{wanted[0]}").main()
        return 0
    for name in wanted:
        subprocess.run([sys.executable, "-m", "bench", name], check=True)
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
