"""`python -m bench [--rounds N] [--seed N] [--clock cpu|wall] [name ...]`: run every bench/bench_*.py module (or
the named ones).

Each module runs in a fresh interpreter, so one benchmark's imports, loggers and warm caches never affect another's
figures. The options apply to the interleaved-round benchmarks (api, triggers; bench.rounds).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import subprocess
import sys
import warnings
from pathlib import Path

import bench
from bench.rounds import MIN_ROUNDS, Options

# Lambda code is imported the way Lambda imports it: with lambdas/ as the package root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "lambdas"))
# The empty baseline handlers publish no metric on purpose.
warnings.filterwarnings("ignore", message="No application metrics to publish")


def main(argv: list[str]) -> int:
    names = sorted(m.name.removeprefix("bench_") for m in pkgutil.iter_modules(bench.__path__)
                   if m.name.startswith("bench_"))  # fmt: skip
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="name", help=f"one of {', '.join(names)} (default: all)")
    parser.add_argument("--rounds", type=int, default=Options.rounds, help=f"at least {MIN_ROUNDS}")
    parser.add_argument("--seed", type=int, help="of each round's random order (default: random, printed)")
    parser.add_argument("--clock", choices=("cpu", "wall"), default=Options.clock)
    args = parser.parse_args(argv[1:])
    unknown = sorted(set(args.names) - set(names))
    if unknown or args.rounds < MIN_ROUNDS:
        parser.error(f"unknown benchmark(s) {unknown}" if unknown else f"--rounds must be at least {MIN_ROUNDS}")
    seed = {} if args.seed is None else {"seed": args.seed}
    options = Options(rounds=args.rounds, clock=args.clock, **seed)
    wanted = args.names or names
    if len(wanted) == 1:
        run = importlib.import_module(f"bench.bench_{wanted[0]}").main
        run(options) if run.__code__.co_argcount else run()
        return 0
    for name in wanted:
        forwarded = ["--rounds", str(options.rounds), "--seed", str(options.seed), "--clock", options.clock]
        subprocess.run([sys.executable, "-m", "bench", *forwarded, name], check=True)
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
