"""Defence in depth behind the API Gateway JWT authorizer.

The authorizer checks signature, issuer, expiry, audience/client and route scopes, but not `token_use`
(without scopes an ID token would get in). Each protected route calls `authorize` again, so a route
wired without scopes, or an authorizer misconfigured later, still cannot be used with the wrong token.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from api.errors import ForbiddenError, UnauthorizedError
from api.settings import Settings
from shared.claims import ClaimsError, TokenClaims, claims_from_http_api_event


def authorize(event: Mapping[str, Any], settings: Settings, scope: str) -> TokenClaims:
    """Return the caller's claims if the request carries an access token of ours with `scope`.

    401: no claims, malformed claims, foreign issuer. 403: ID token, unknown client, missing scope.
    """
    try:
        claims = claims_from_http_api_event(event)
    except ClaimsError as error:
        raise UnauthorizedError(str(error)) from None
    if claims.iss != settings.issuer:
        raise UnauthorizedError("token was not issued by this user pool")
    if claims.token_use != "access":  # noqa: S105 - a claim value, not a secret
        raise ForbiddenError("an access token is required")
    if claims.client_id not in settings.client_ids:
        raise ForbiddenError("token was issued to an unknown client")
    if settings.full_scope(scope) not in claims.scopes:
        raise ForbiddenError(f"token lacks the scope {settings.full_scope(scope)}")
    return claims


def require_user(claims: TokenClaims) -> str:
    """The caller's user `sub`; client-credentials tokens have no user and no files."""
    if claims.is_machine:
        raise ForbiddenError("this route needs a user's token")
    return claims.sub


def require_group(claims: TokenClaims, group: str) -> None:
    if group not in claims.groups:
        raise ForbiddenError(f"only members of the {group} group may do this")
