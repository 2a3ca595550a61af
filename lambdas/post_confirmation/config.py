"""Environment configuration, parsed once per container."""

from __future__ import annotations

from collections.abc import Mapping


class ConfigError(ValueError):
    """An environment variable is missing or malformed (raised at cold start)."""


def load_default_group(env: Mapping[str, str]) -> str:
    """DEFAULT_GROUP: the Cognito group every confirmed user joins (1-128 characters, no whitespace)."""
    group = env.get("DEFAULT_GROUP", "")
    if not 0 < len(group) <= 128 or not group.isprintable() or any(c.isspace() for c in group):
        raise ConfigError(f"DEFAULT_GROUP must be a Cognito group name (1-128 characters, no spaces), got {group!r}")
    return group
