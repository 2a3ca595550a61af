"""bench.rounds: the interleaving and the arithmetic behind `make bench` (no timing is asserted here)."""

from __future__ import annotations

from collections import Counter

import pytest

from bench.rounds import MIN_ROUNDS, Options, Row, Script, Series, orders, run_cold, table


def test_each_round_runs_every_script_once_in_its_own_order() -> None:
    keys = ["python", "logger", "import", "floor"]

    rounds = orders(keys, 40, seed=7)

    assert all(sorted(order) == sorted(keys) for order in rounds)
    assert len({tuple(order) for order in rounds}) > 10  # not one order repeated
    assert orders(keys, 40, seed=7) == rounds  # the printed seed reproduces them
    # No key is favoured by a position: over many rounds each takes the first slot about equally often
    firsts = Counter(order[0] for order in orders(keys, 4000, seed=1))
    assert all(850 < count < 1150 for count in firsts.values()), firsts


def test_ratios_are_taken_within_each_round() -> None:
    # Given a round where the machine was twice as slow for both
    series = Series({"base": [10.0, 20.0, 10.0], "measured": [15.0, 30.0, 16.0]}, "ms")

    assert series.ratios("measured", "base") == [1.5, 1.5, 1.6]


def test_a_budget_is_judged_on_the_median_ratio(capsys: pytest.CaptureFixture[str]) -> None:
    series = Series({"base": [10.0] * 7, "ok": [11.0] * 6 + [30.0], "over": [12.0] * 7}, "ms")

    verdicts = table(
        "t", series, [Row("base", "base"), Row("ok", "ok", "base", 1.15), Row("over", "over", "base", 1.15)]
    )

    assert verdicts == ["ok: 1.10x, budget 1.15x: ok", "over: 1.20x, budget 1.15x: OVER"]
    assert "1.10-3.00" in capsys.readouterr().out  # the range shows the outlier round


def test_cold_scripts_run_in_fresh_interpreters_without_bytecode() -> None:
    probe = "import os, sys; assert os.environ['PYTHONDONTWRITEBYTECODE'] == '1'; import api.errors"
    scripts = [
        Script("a", "a", "pass"),
        Script("b", "b", probe),
        Script("c", "c", "import os; assert os.environ['X'] == '1'", {"X": "1"}),
    ]

    series = run_cold(scripts, Options(rounds=MIN_ROUNDS, seed=3))

    assert {key: len(values) for key, values in series.values.items()} == {"a": 7, "b": 7, "c": 7}
    assert all(value > 0 for values in series.values.values() for value in values)


def test_a_failing_script_fails_the_run() -> None:
    with pytest.raises(RuntimeError, match="broken failed"):
        run_cold([Script("x", "broken", "raise SystemExit(3)")], Options(rounds=MIN_ROUNDS, seed=1))


def test_fewer_rounds_than_the_minimum_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 7 rounds"):
        Options(rounds=MIN_ROUNDS - 1)
