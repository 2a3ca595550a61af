"""Interleaved rounds: baselines and measured code timed in the same run, in an order that favours none of them.

Cold starts: each `Script` runs in a fresh interpreter (`python -c`), its Lambda code copied without bytecode the
way Lambda ships it (the asset excludes `__pycache__`, and /var/task is read-only, so Lambda compiles the
function's own modules at every cold start; installed packages keep their bytecode, as in the runtime and the
layer). One unrecorded pass warms the file cache, then every round runs every script once, in a fresh random
order (seeded, the seed printed). The time of a script is the CPU time (user + system) of its process, which
another process on the machine slows far less than it slows the wall clock; the wall clock is shown beside it.

Warm invocations: each round times one batch of calls of every callable, again in a fresh random order, on the
same clock (with `cpu`, the CPU time of this process, so another process's load does not count as our latency).

A ratio is taken within each round (measured / baseline of the same round), then its median and range over the
rounds are reported: a burst of load shifts a round's baseline and measurement together.
"""

from __future__ import annotations

import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

LAMBDAS = Path(__file__).resolve().parent.parent / "lambdas"
MIN_ROUNDS = 7


@dataclass(frozen=True)
class Options:
    rounds: int = 9
    seed: int = field(default_factory=lambda: random.SystemRandom().randrange(1 << 32))
    clock: str = "cpu"  # "cpu" (user + system time of the process) or "wall"

    def __post_init__(self) -> None:
        if self.rounds < MIN_ROUNDS:
            raise ValueError(f"at least {MIN_ROUNDS} rounds, got {self.rounds}")
        if self.clock not in ("cpu", "wall"):
            raise ValueError(f"clock is cpu or wall, got {self.clock!r}")


@dataclass(frozen=True)
class Script:
    """Python source run in a fresh interpreter, with `env` and the Lambda code on its path."""

    key: str
    label: str
    source: str
    env: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Sample:
    cpu_ms: float
    wall_ms: float


@dataclass
class Series:
    """One measurement per round, by key, in round order."""

    values: dict[str, list[float]]
    unit: str
    other: dict[str, list[float]] = field(default_factory=dict)  # the other clock, shown beside

    def median(self, key: str) -> float:
        return statistics.median(self.values[key])

    def ratios(self, key: str, baseline: str) -> list[float]:
        return [value / base for value, base in zip(self.values[key], self.values[baseline], strict=True)]


def orders(keys: Sequence[str], rounds: int, seed: int) -> list[list[str]]:
    """A fresh random order of `keys` for each round."""
    shuffler = random.Random(seed)
    return [shuffler.sample(list(keys), len(keys)) for _ in range(rounds)]


@contextmanager
def lambda_asset() -> Iterator[Path]:
    """lambdas/ copied the way the function's asset packs it: no bytecode."""
    with tempfile.TemporaryDirectory(prefix="bench-asset-") as tmp:
        target = Path(tmp) / "lambdas"
        shutil.copytree(LAMBDAS, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        yield target


def run_cold(scripts: Sequence[Script], options: Options) -> Series:
    """Every script once per round, in each round's own order, after one unrecorded warm-up pass."""
    by_key = {script.key: script for script in scripts}
    if len(by_key) != len(scripts):
        raise ValueError("script keys must be unique")
    samples: dict[str, list[Sample]] = {key: [] for key in by_key}
    with lambda_asset() as asset:
        for key in by_key:
            _run(by_key[key], asset)
        for order in orders(list(by_key), options.rounds, options.seed):
            for key in order:
                samples[key].append(_run(by_key[key], asset))
    cpu = {key: [s.cpu_ms for s in values] for key, values in samples.items()}
    wall = {key: [s.wall_ms for s in values] for key, values in samples.items()}
    return Series(cpu, "ms", wall) if options.clock == "cpu" else Series(wall, "ms", cpu)


def _run(script: Script, asset: Path) -> Sample:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(asset),
        "PYTHONDONTWRITEBYTECODE": "1",  # as on Lambda: the function's own modules are compiled every time
        **script.env,
    }
    with tempfile.TemporaryFile() as stderr:
        start = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-c", script.source], env=env, stdout=subprocess.DEVNULL, stderr=stderr
        )
        _, status, usage = os.wait4(process.pid, 0)  # the child's own resource usage, CPU time included
        wall_ms = (time.perf_counter() - start) * 1e3
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            stderr.seek(0)
            raise RuntimeError(f"{script.label} failed:\n{stderr.read().decode(errors='replace')}")
    return Sample((usage.ru_utime + usage.ru_stime) * 1e3, wall_ms)


def run_warm(calls: Mapping[str, tuple[Callable[[], object], int]], options: Options) -> Series:
    """Per-call time (microseconds, on the options' clock) of one batch of each callable per round, after one
    warm-up call each; `calls` maps a key to the callable and its batch size."""
    clock = time.process_time if options.clock == "cpu" else time.perf_counter
    for call, _ in calls.values():
        call()
    values: dict[str, list[float]] = {key: [] for key in calls}
    for order in orders(list(calls), options.rounds, options.seed):
        for key in order:
            call, batch = calls[key]
            start = clock()
            for _ in range(batch):
                call()
            values[key].append((clock() - start) / batch * 1e6)
    return Series(values, "us")


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    baseline: str | None = None  # key of the row this one is a ratio of (None: no ratio)
    budget: float | None = None  # the ratio's limit, when it has one


def table(title: str, series: Series, rows: Sequence[Row]) -> list[str]:
    """Print the rows (median value, the other clock, median ratio and its range); return the budget verdicts."""
    print(title)
    other = "wall" if series.other else ""
    print(f"  {'measurement':<76} {'median':>10} {other:>8} {'ratio':>7}  {'range':<11} {'budget':<15}")
    verdicts = []
    for row in rows:
        value = f"{series.median(row.key):7.1f} {series.unit:<2}"
        wall = f"{statistics.median(series.other[row.key]):6.1f}" if series.other else ""
        ratio = spread = budget = ""
        if row.baseline is not None:
            ratios = series.ratios(row.key, row.baseline)
            median = statistics.median(ratios)
            ratio, spread = f"{median:6.2f}x", f"{min(ratios):.2f}-{max(ratios):.2f}"
            if row.budget is not None:
                verdict = "ok" if median <= row.budget else "OVER"
                budget = f"<= {row.budget:g}x {verdict}"
                verdicts.append(f"{row.label}: {median:.2f}x, budget {row.budget:g}x: {verdict}")
        print(f"  {row.label:<76} {value:>10} {wall:>8} {ratio:>7}  {spread:<11} {budget:<15}")
    return verdicts


def header(name: str, options: Options, *, scripts: int) -> None:
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(
        f"{name}: {options.rounds} rounds of {scripts} fresh interpreters each, random order per round "
        f"(seed {options.seed}), {options.clock} clock; Python {platform.python_version()}, {platform.machine()}, "
        f"{os.cpu_count()} CPUs, load average {load}"
    )


def footer(verdicts: Sequence[str]) -> None:
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"  load average at the end: {load}")
    for verdict in verdicts:
        print(f"  budget {verdict}")
