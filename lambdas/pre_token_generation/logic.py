"""Scope and claim decisions for the V2_0 (and V3_0) pre token generation event; no AWS objects involved.

Trigger sources ("Pre token generation Lambda trigger" page of the Cognito developer guide): a user's
sign-in, challenge answer, device sign-in or refresh gets group scopes and roles; a machine's
client-credentials grant (V3_0 events only) is left as Cognito issues it, so it can never gain a user's
scopes; a source this code does not know fails closed (our resource server's scopes suppressed, nothing
added, no roles).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from pre_token_generation.config import Config

# Scope of Cognito's self-service user APIs, present in every SDK sign-in access token.
COGNITO_ADMIN_API_SCOPE = "aws.cognito.signin.user.admin"
# V2 claims may be arrays of strings, in both the ID and the access token.
ROLES_CLAIM = "roles"
USER_SOURCES = frozenset(
    {
        "TokenGeneration_HostedAuth",
        "TokenGeneration_Authentication",
        "TokenGeneration_NewPasswordChallenge",
        "TokenGeneration_AuthenticateDevice",
        "TokenGeneration_RefreshTokens",
    }
)
CLIENT_CREDENTIALS = "TokenGeneration_ClientCredentials"


class TokenOverrides(NamedTuple):
    """The `claimsAndScopeOverrideDetails` response plus what happened, for metrics and logs."""

    details: dict[str, Any]
    scopes_added: list[str]
    admin_withheld: bool


def allowed_scopes(groups: Sequence[str], config: Config) -> tuple[frozenset[str], bool]:
    """Full scope names the user's groups grant, and whether the admin scope had to be withheld.

    Unknown groups (such as the `<poolId>_<Provider>` group of federated users) grant nothing; a user in
    no known group gets the default group's scopes when one is configured. The admin scope is only ever
    granted to members of the admin group, whatever GROUP_SCOPES says.
    """
    if config.default_group and not any(g in config.known_groups for g in groups):
        groups = [config.default_group]
    allowed: frozenset[str] = frozenset()
    for group in groups:
        allowed = allowed | config.group_scopes.get(group, frozenset())
    if config.admin_scope in allowed and config.admin_group not in groups:
        return allowed - {config.admin_scope}, True
    return allowed, False


def customise_tokens(groups: Sequence[str], granted: Sequence[str], config: Config) -> TokenOverrides:
    """Add the group scopes missing from the access token, suppress the ones the groups do not allow.

    `granted` holds the scopes Cognito would issue (from the OAuth request, or only the admin API scope
    for SDK sign-ins). Scopes of our resource server survive only if the groups allow them; other scopes
    (openid, email, other resource servers) are left alone, except the admin API scope when configured.
    """
    allowed, admin_withheld = allowed_scopes(groups, config)
    to_add = sorted(allowed.difference(granted))
    to_suppress = sorted({s for s in granted if s.startswith(config.scope_prefix) and s not in allowed})
    if config.remove_admin_api_scope:
        to_suppress.append(COGNITO_ADMIN_API_SCOPE)
    roles = sorted({g for g in groups if g in config.known_groups})
    details = {
        "idTokenGeneration": {"claimsToAddOrOverride": {ROLES_CLAIM: roles}},
        "accessTokenGeneration": {
            "claimsToAddOrOverride": {ROLES_CLAIM: roles},
            "scopesToAdd": to_add,
            "scopesToSuppress": to_suppress,
        },
    }
    return TokenOverrides(details, to_add, admin_withheld)


def unknown_source_overrides(granted: Sequence[str], config: Config) -> dict[str, Any]:
    """Fail closed for a trigger source this code does not know: keep none of our resource server's scopes."""
    to_suppress = sorted({s for s in granted if s.startswith(config.scope_prefix)})
    return {"accessTokenGeneration": {"scopesToAdd": [], "scopesToSuppress": to_suppress}}


def group_names(group_configuration: object) -> list[str]:
    """`groupsToOverride` of the event's groupConfiguration: an object in captured events, a list of
    objects in the developer guide's parameter syntax, null or absent for users in no group."""
    configurations = group_configuration if isinstance(group_configuration, list) else [group_configuration]
    return [
        group for item in configurations if isinstance(item, dict) for group in str_list(item.get("groupsToOverride"))
    ]


def str_list(value: object) -> list[str]:
    """The strings of a list from the event; anything else (missing, null, odd types) counts as empty."""
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, str)]
