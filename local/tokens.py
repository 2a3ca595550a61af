"""User-pool tokens as Cognito issues them, after the V2_0 pre token generation trigger has had its say.

cognito-local signs its tokens with a private key published in its npm package, puts `aws.cognito.signin.user.admin`
in every access token (OAuth scopes are ignored), sends the pre token generation trigger a V1 event without the
user's groups or scopes, and applies only the V1 response, to the ID token. The local login server therefore takes
the user and groups from cognito-local's tokens and issues the tokens itself, signed with a key made at start-up:

- claims as in the Cognito developer guide's "Understanding the identity (ID) token" and "Understanding the access
  token" (iss, sub, aud/client_id, token_use, auth_time, iat, exp, jti, origin_jti, event_id, version, username,
  cognito:groups, scope, and the attributes the client may read);
- scopes as Cognito grants them ("Scopes, M2M, and APIs with resource servers"): for SDK sign-in
  `aws.cognito.signin.user.admin` only, for the authorization code grant the scopes requested and allowed;
- then the V2_0 event of "Pre token generation Lambda trigger" (request.userAttributes, groupConfiguration, scopes)
  is sent to the real function, and its claimsAndScopeOverrideDetails are applied: claims added, overridden and
  suppressed per token (never the excluded claims), scopes added and suppressed in the access token, groups
  overridden.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from aws_events import cognito as cognito_events

ADMIN_API_SCOPE = "aws.cognito.signin.user.admin"
# Attributes that are booleans in an ID token, not the strings the user pool stores.
_BOOLEAN_ATTRIBUTES = frozenset({"email_verified", "phone_number_verified"})


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def decode_unverified(token: str) -> dict[str, Any]:
    """The payload of a JWT we received from cognito-local on 127.0.0.1 (ours to trust, not to verify)."""
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return claims


class SigningKey:
    """An RSA-2048 key made at start-up: tokens from one run of the local stack verify only against its JWKS."""

    def __init__(self) -> None:
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = _b64url(secrets.token_bytes(32))

    def jwks(self) -> dict[str, Any]:
        numbers = self._key.public_key().public_numbers()

        def encode(value: int) -> str:
            return _b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))

        key = {
            "alg": "RS256",
            "e": encode(numbers.e),
            "kid": self.kid,
            "kty": "RSA",
            "n": encode(numbers.n),
            "use": "sig",
        }
        return {"keys": [key]}

    def sign(self, claims: Mapping[str, Any]) -> str:
        header = _b64url(json.dumps({"kid": self.kid, "alg": "RS256"}, separators=(",", ":")).encode())
        payload = _b64url(json.dumps(claims, separators=(",", ":")).encode())
        signature = self._key.sign(f"{header}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{header}.{payload}.{_b64url(signature)}"


@dataclass(frozen=True)
class Client:
    """An app client as the template defines it (what token issuing needs of it)."""

    client_id: str
    name: str
    explicit_auth_flows: tuple[str, ...]
    oauth_scopes: tuple[str, ...]
    callback_urls: tuple[str, ...]
    logout_urls: tuple[str, ...]
    read_attributes: tuple[str, ...] | None  # None: every attribute (a client without ReadAttributes)
    access_seconds: int
    id_seconds: int


@dataclass(frozen=True)
class User:
    username: str
    attributes: dict[str, str]
    groups: tuple[str, ...]


@dataclass(frozen=True)
class Issued:
    id_token: str
    access_token: str
    expires_in: int


PreTokenTrigger = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Issuer:
    issuer: str  # https://cognito-idp.<region>.amazonaws.com/<pool id>
    user_pool_id: str
    region: str
    key: SigningKey
    pre_token: PreTokenTrigger | None  # the V2_0 trigger, or None when the pool has none

    def issue(
        self,
        user: User,
        client: Client,
        *,
        source: str,
        scopes: Sequence[str],
        auth_time: int,
        nonce: str | None = None,
    ) -> Issued:
        now = int(time.time())
        groups, scopes = list(user.groups), list(scopes)
        details = self._trigger(user, client, source, groups, scopes)
        group_override = details.get("groupOverrideDetails") or {}
        if group_override.get("groupsToOverride") is not None:
            groups = list(group_override["groupsToOverride"])
        access_generation = details.get("accessTokenGeneration") or {}
        scopes = [s for s in scopes if s not in set(access_generation.get("scopesToSuppress") or [])]
        scopes += [s for s in access_generation.get("scopesToAdd") or [] if s not in scopes]
        origin_jti, event_id = str(uuid.uuid4()), str(uuid.uuid4())
        common = {"sub": user.attributes["sub"], "iss": self.issuer, "origin_jti": origin_jti, "event_id": event_id,
                  "auth_time": auth_time, "iat": now}  # fmt: skip
        if groups:
            common["cognito:groups"] = groups
        id_token = {
            **common,
            **self._readable(user, client),
            "cognito:username": user.username,
            "aud": client.client_id,
            "token_use": "id",
            "exp": now + client.id_seconds,
            "jti": str(uuid.uuid4()),
            **({"nonce": nonce} if nonce else {}),
        }
        access_token = {
            **common,
            "version": 2,
            "client_id": client.client_id,
            "token_use": "access",
            "scope": " ".join(scopes),
            "exp": now + client.access_seconds,
            "jti": str(uuid.uuid4()),
            "username": user.username,
        }
        _override(id_token, details.get("idTokenGeneration") or {})
        _override(access_token, access_generation)
        return Issued(self.key.sign(id_token), self.key.sign(access_token), client.access_seconds)

    def _trigger(self, user: User, client: Client, source: str, groups: list[str], scopes: list[str]) -> dict[str, Any]:
        """The trigger's claimsAndScopeOverrideDetails ({} without a trigger or when it returns none)."""
        if self.pre_token is None:
            return {}
        request = {
            "userAttributes": {**user.attributes, "cognito:user_status": "CONFIRMED"},
            "groupConfiguration": {"groupsToOverride": groups, "iamRolesToOverride": [], "preferredRole": None},
            "scopes": scopes,
        }
        event = cognito_events.trigger_event(
            f"TokenGeneration_{source}",
            request,
            {"claimsAndScopeOverrideDetails": None},
            user_name=user.username,
            client_id=client.client_id,
            version="2",
            region=self.region,
            user_pool_id=self.user_pool_id,
        )
        result = self.pre_token(event)
        response = result.get("response") if isinstance(result, Mapping) else None
        details = response.get("claimsAndScopeOverrideDetails") if isinstance(response, Mapping) else None
        return details if isinstance(details, dict) else {}

    @staticmethod
    def _readable(user: User, client: Client) -> dict[str, Any]:
        claims: dict[str, Any] = {}
        for name, value in user.attributes.items():
            readable = client.read_attributes is None or name in client.read_attributes
            if readable and name != "sub":
                claims[name] = value == "true" if name in _BOOLEAN_ATTRIBUTES else value
        return claims


def _override(claims: dict[str, Any], generation: Mapping[str, Any]) -> None:
    """claimsToAddOrOverride, then claimsToSuppress; the excluded claims stay as Cognito set them."""
    for name, value in (generation.get("claimsToAddOrOverride") or {}).items():
        if name not in cognito_events.RESERVED_CLAIMS:
            claims[name] = value
    for name in generation.get("claimsToSuppress") or []:
        if name not in cognito_events.RESERVED_CLAIMS:
            claims.pop(name, None)
