"""'Did you mean ...?' for a misspelt name (config keys, regions)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(word: str, choices: Iterable[str], cutoff: float = 0.5) -> str | None:
    """'did you mean 'x'?' naming the closest choices (all of them when several are equally close)."""
    scored = [(difflib.SequenceMatcher(None, word, choice).ratio(), choice) for choice in choices]
    best = max((score for score, _ in scored), default=0.0)
    if best < cutoff:
        return None
    closest = sorted(choice for score, choice in scored if score == best)
    return f"did you mean {' or '.join(repr(choice) for choice in closest)}?"
