"""Small timing helpers shared by the benchmarks."""

from __future__ import annotations

import time
from collections.abc import Callable


class FakeContext:
    """The Lambda context attributes Powertools reads."""

    function_name = "bench"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
    aws_request_id = "00000000-0000-0000-0000-000000000000"


def per_call_us(fn: Callable[[], object], *, calls: int, repeats: int = 5) -> float:
    """Best-of-`repeats` mean time per call, in microseconds (best-of filters scheduler noise)."""
    fn()  # warm up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        best = min(best, (time.perf_counter() - start) / calls)
    return best * 1e6


def table(title: str, rows: list[tuple[str, float, str, float | None]]) -> None:
    """Print rows of (name, value, unit, ratio-to-baseline or None)."""
    print(title)
    print(f"  {'measurement':<58} {'value':>12}  {'ratio':>7}")
    for name, value, unit, ratio in rows:
        ratio_text = f"{ratio:6.2f}x" if ratio is not None else "      -"
        print(f"  {name:<58} {value:>9.1f} {unit:<3} {ratio_text}")
