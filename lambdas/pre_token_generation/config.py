"""Environment configuration, parsed once per container.

GROUP_SCOPES                JSON object, group -> list of short scope names ({"users": ["profile.read"]}); required
RESOURCE_SERVER_IDENTIFIER  e.g. "cognito-ref-api"; full scope names are "<identifier>/<scope>"; required
ADMIN_GROUP                 default "admins": the only group that can receive ADMIN_SCOPE
ADMIN_SCOPE                 short name, default "admin"
REMOVE_ADMIN_API_SCOPE      "true"/"false", default "false": suppress aws.cognito.signin.user.admin
DEFAULT_GROUP               optional: whose scopes a user in no known group gets (never ADMIN_GROUP); users
                            created by an admin skip the post-confirmation trigger that adds them to it

Plain parsing on purpose: this function runs on every sign-in and refresh, and pydantic would
multiply its cold-start import time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import NamedTuple

# Cognito's ScopeNameType: printable ASCII except space, '"', '/' and '\'.
_SCOPE_NAME = re.compile(r"[\x21\x23-\x2e\x30-\x5b\x5d-\x7e]{1,256}")
# Cognito's ResourceServerIdentifierType without whitespace (a URL such as https://api.example.com is fine).
_IDENTIFIER = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]{1,256}")


class ConfigError(ValueError):
    """An environment variable is missing or malformed (raised at cold start)."""


class Config(NamedTuple):
    """What the trigger needs; scopes are stored with their full `<identifier>/<scope>` names."""

    scope_prefix: str
    group_scopes: Mapping[str, frozenset[str]]
    known_groups: frozenset[str]
    admin_group: str
    admin_scope: str
    remove_admin_api_scope: bool
    default_group: str | None = None

    @property
    def groups_granting_admin(self) -> list[str]:
        """Groups other than the admin group that GROUP_SCOPES would give the admin scope (ignored)."""
        return sorted(g for g, s in self.group_scopes.items() if g != self.admin_group and self.admin_scope in s)


def load_config(env: Mapping[str, str]) -> Config:
    """Build the configuration from environment variables; raise ConfigError naming the bad variable."""
    identifier = _required(env, "RESOURCE_SERVER_IDENTIFIER")
    if not _IDENTIFIER.fullmatch(identifier):
        raise ConfigError(f"RESOURCE_SERVER_IDENTIFIER is not a valid resource server identifier: {identifier!r}")
    prefix = identifier + "/"
    admin_group = _group_name("ADMIN_GROUP", env.get("ADMIN_GROUP", "admins"))
    admin_scope = _scope_name("ADMIN_SCOPE", env.get("ADMIN_SCOPE", "admin"))
    group_scopes = {
        _group_name("GROUP_SCOPES", group): frozenset(prefix + _scope_name("GROUP_SCOPES", s) for s in scopes)
        for group, scopes in _group_scopes(_required(env, "GROUP_SCOPES")).items()
    }
    default_group = env.get("DEFAULT_GROUP", "").strip() or None
    if default_group is not None:
        _group_name("DEFAULT_GROUP", default_group)
        if default_group == admin_group:
            raise ConfigError("DEFAULT_GROUP must not be the admin group")
    return Config(
        scope_prefix=prefix,
        group_scopes=group_scopes,
        known_groups=frozenset(group_scopes) | {admin_group},
        admin_group=admin_group,
        admin_scope=prefix + admin_scope,
        remove_admin_api_scope=_bool("REMOVE_ADMIN_API_SCOPE", env.get("REMOVE_ADMIN_API_SCOPE", "false")),
        default_group=default_group,
    )


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise ConfigError(f"{name} must be set")
    return value


def _group_scopes(raw: str) -> dict[str, list[str]]:
    try:
        parsed = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ConfigError(f"GROUP_SCOPES is not valid JSON: {error}") from None
    if not isinstance(parsed, dict) or not all(
        isinstance(scopes, list) and all(isinstance(s, str) for s in scopes) for scopes in parsed.values()
    ):
        raise ConfigError(
            'GROUP_SCOPES must be a JSON object of group name -> list of scope names, e.g. {"users": ["profile.read"]}'
        )
    return parsed


def _group_name(variable: str, name: object) -> str:
    # Cognito group names: 1-128 letters, marks, symbols, numbers or punctuation (no whitespace).
    if (
        not isinstance(name, str)
        or not 0 < len(name) <= 128
        or not name.isprintable()
        or any(c.isspace() for c in name)
    ):
        raise ConfigError(f"{variable} contains an invalid group name: {name!r}")
    return name


def _scope_name(variable: str, name: str) -> str:
    if not _SCOPE_NAME.fullmatch(name):
        raise ConfigError(
            f"{variable} contains an invalid scope name (use the short name, e.g. 'profile.read'): {name!r}"
        )
    return name


def _bool(variable: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered not in ("true", "false"):
        raise ConfigError(f"{variable} must be 'true' or 'false', got {value!r}")
    return lowered == "true"
