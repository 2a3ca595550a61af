"""Tokens the local login server issues: Cognito's claims, then the V2_0 pre token generation response applied."""

from __future__ import annotations

from typing import Any

import pytest

from aws_events.cognito import RESERVED_CLAIMS
from lambdas.shared.cognito_jwt import CognitoJwtVerifier, JwksFetchError
from local.tokens import ADMIN_API_SCOPE, Client, Issuer, SigningKey, User, decode_unverified

POOL = "us-east-1_LocalPool9"
ISSUER = f"https://cognito-idp.us-east-1.amazonaws.com/{POOL}"
SUB = "5f0c9d1e-1111-4222-8333-944455556666"
CLIENT = Client("webclient123", "web", ("ALLOW_USER_SRP_AUTH",), ("openid", "api/read"), ("http://localhost/cb",),
                (), ("email", "email_verified"), access_seconds=3600, id_seconds=1800)  # fmt: skip
USER = User(SUB, {"sub": SUB, "email": "jane@example.org", "email_verified": "true", "phone_number": "+15555550100"},
            ("users",))  # fmt: skip


def _issue(trigger: Any, *, scopes: tuple[str, ...] = (ADMIN_API_SCOPE,), key: SigningKey | None = None) -> Any:
    issuer = Issuer(ISSUER, POOL, "us-east-1", key or SigningKey(), trigger)
    return issuer.issue(USER, CLIENT, source="Authentication", scopes=list(scopes), auth_time=1_700_000_000)


def test_tokens_carry_cognitos_claims_and_verify_against_the_jwks() -> None:
    key = SigningKey()
    issued = _issue(None, key=key)
    access, identity = decode_unverified(issued.access_token), decode_unverified(issued.id_token)
    assert issued.expires_in == 3600
    assert (access["exp"] - access["iat"], identity["exp"] - identity["iat"]) == (3600, 1800)
    assert {k: access[k] for k in ("iss", "sub", "client_id", "token_use", "scope", "username", "version")} == {
        "iss": ISSUER, "sub": SUB, "client_id": "webclient123", "token_use": "access", "scope": ADMIN_API_SCOPE,
        "username": SUB, "version": 2,
    }  # fmt: skip
    assert identity["aud"] == "webclient123"
    assert identity["cognito:groups"] == access["cognito:groups"] == ["users"]
    # Only the attributes the client may read, booleans as booleans; never the phone number here.
    assert (identity["email"], identity["email_verified"]) == ("jane@example.org", True)
    assert "phone_number" not in identity
    assert identity["origin_jti"] == access["origin_jti"]
    assert identity["auth_time"] == access["auth_time"] == 1_700_000_000


def test_the_v2_trigger_gets_groups_and_scopes_and_its_response_is_applied() -> None:
    seen: list[dict[str, Any]] = []

    def trigger(event: dict[str, Any]) -> dict[str, Any]:
        seen.append(event)
        event["response"]["claimsAndScopeOverrideDetails"] = {
            "idTokenGeneration": {"claimsToAddOrOverride": {"roles": ["users"], "sub": "forged"},
                                  "claimsToSuppress": ["email"]},
            "accessTokenGeneration": {"claimsToAddOrOverride": {"roles": ["users"], "client_id": "forged"},
                                      "scopesToAdd": ["api/write"], "scopesToSuppress": [ADMIN_API_SCOPE]},
            "groupOverrideDetails": {"groupsToOverride": ["users", "extra"]},
        }  # fmt: skip
        return event

    issued = _issue(trigger, scopes=(ADMIN_API_SCOPE, "openid"))
    (event,) = seen
    assert (event["version"], event["triggerSource"], event["userPoolId"]) == (
        "2",
        "TokenGeneration_Authentication",
        POOL,
    )
    assert event["request"]["groupConfiguration"]["groupsToOverride"] == ["users"]
    assert event["request"]["scopes"] == [ADMIN_API_SCOPE, "openid"]
    assert event["callerContext"]["clientId"] == "webclient123"
    access, identity = decode_unverified(issued.access_token), decode_unverified(issued.id_token)
    assert access["scope"] == "openid api/write"
    assert access["roles"] == identity["roles"] == ["users"]
    assert access["cognito:groups"] == ["users", "extra"]
    assert "email" not in identity
    # Excluded claims stay as Cognito set them.
    assert {"sub", "client_id"} <= RESERVED_CLAIMS
    assert (identity["sub"], access["client_id"]) == (SUB, "webclient123")


def test_a_trigger_that_returns_no_details_leaves_the_tokens_as_issued() -> None:
    access = decode_unverified(_issue(lambda event: event).access_token)
    assert access["scope"] == ADMIN_API_SCOPE


def test_the_projects_verifier_accepts_the_tokens_with_their_jwks_only() -> None:
    key = SigningKey()
    verifier = CognitoJwtVerifier.create(
        POOL, token_use="access", client_id="webclient123", jwks_uri="http://127.0.0.1:9/"
    )
    verifier.cache_jwks(key.jwks())
    assert verifier.verify(_issue(None, key=key).access_token)["sub"] == SUB
    with pytest.raises(JwksFetchError):  # another run's key: an unknown kid, and refetching fails closed
        verifier.verify(_issue(None).access_token)
