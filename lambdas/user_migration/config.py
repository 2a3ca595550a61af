"""Environment configuration, parsed once per container (plain parsing: no pydantic import at cold start)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import NamedTuple

# User pool ids are "<region>_<id>" (CreateUserPool: pattern [\w-]+_[0-9a-zA-Z]+); the region prefix is where
# the pool lives. App client ids are alphanumeric (CreateUserPoolClient: pattern [\w+]+, at most 128).
_POOL_ID = re.compile(r"(?P<region>[a-z]{2}(?:-[a-z]+)+-\d)_[0-9a-zA-Z]+")
_CLIENT_ID = re.compile(r"[\w+]{1,128}")


class ConfigError(ValueError):
    """An environment variable is missing or malformed (raised at cold start)."""


class SourcePool(NamedTuple):
    """The old user pool users come from, the app client that checks their passwords, and which
    attributes this pool accepts from it."""

    user_pool_id: str
    client_id: str
    region: str
    attributes: frozenset[str]


def load_source(env: Mapping[str, str]) -> SourcePool:
    """SOURCE_USER_POOL_ID, SOURCE_CLIENT_ID and MIGRATED_ATTRIBUTES (a JSON list of attribute names)."""
    pool_id = env.get("SOURCE_USER_POOL_ID", "")
    match = _POOL_ID.fullmatch(pool_id)
    if not match:
        raise ConfigError(f"SOURCE_USER_POOL_ID must be a user pool id like eu-west-1_AbC123, got {pool_id!r}")
    client_id = env.get("SOURCE_CLIENT_ID", "")
    if not _CLIENT_ID.fullmatch(client_id):
        raise ConfigError(f"SOURCE_CLIENT_ID must be an app client id of the source pool, got {client_id!r}")
    try:
        attributes = json.loads(env.get("MIGRATED_ATTRIBUTES") or "null")
    except json.JSONDecodeError as error:
        raise ConfigError(f"MIGRATED_ATTRIBUTES is not valid JSON: {error}") from None
    if not isinstance(attributes, list) or not attributes or not all(isinstance(a, str) for a in attributes):
        raise ConfigError('MIGRATED_ATTRIBUTES must be a JSON list of attribute names, e.g. ["email"]')
    return SourcePool(pool_id, client_id, match["region"], frozenset(attributes))
