"""Environment configuration, parsed once per container (plain parsing: no pydantic import at cold start)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import NamedTuple

# A lowercase IDNA-ASCII domain: LDH labels of 1-63 characters (punycode labels start with "xn--").
_DOMAIN = re.compile(r"(?=.{1,253}\Z)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*")


class ConfigError(ValueError):
    """An environment variable is missing or malformed (raised at cold start)."""


class DomainPolicy(NamedTuple):
    """Email domains; each entry also covers its subdomains. Empty `allowed` allows any domain not blocked."""

    allowed: tuple[str, ...] = ()
    blocked: tuple[str, ...] = ()


def is_domain(value: str) -> bool:
    return _DOMAIN.fullmatch(value) is not None


def load_policy(env: Mapping[str, str]) -> DomainPolicy:
    """ALLOWED_EMAIL_DOMAINS and BLOCKED_EMAIL_DOMAINS: JSON lists of lowercase IDNA-ASCII domains (default [])."""
    return DomainPolicy(
        allowed=_domains(env, "ALLOWED_EMAIL_DOMAINS"),
        blocked=_domains(env, "BLOCKED_EMAIL_DOMAINS"),
    )


def _domains(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    try:
        parsed = json.loads(env.get(name) or "[]")
    except json.JSONDecodeError as error:
        raise ConfigError(f"{name} is not valid JSON: {error}") from None
    if not isinstance(parsed, list):
        raise ConfigError(f'{name} must be a JSON list of domains, e.g. ["example.com"]')
    for domain in parsed:
        if not isinstance(domain, str) or not is_domain(domain):
            raise ConfigError(
                f"{name} entries must be lowercase IDNA-ASCII domains without '@' or wildcards "
                f"(e.g. 'xn--bcher-kva.example' for 'bücher.example'), got {domain!r}"
            )
    return tuple(parsed)
