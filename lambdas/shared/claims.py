"""Typed Cognito JWT claims, from an HTTP API event or from a verified token.

API Gateway's JWT authorizer hands every claim over as a string: `exp` becomes `"1700000000"` and an
array claim such as `cognito:groups` becomes one string like `"[admins users]"`. Tokens verified in
process (shared.cognito_jwt) carry real JSON types. `TokenClaims` accepts both shapes and keeps only
the claims the backends use; anything malformed raises `ClaimsError`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, NamedTuple

# Cognito user `sub`s are lowercase UUIDs. The `sub` becomes an S3 key prefix, so nothing else is accepted,
# except for client-credentials tokens, whose `sub` is the app client id (see `TokenClaims.is_machine`).
UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
# App client ids: CreateUserPoolClient's pattern [\w+]+ (a Java regex, where \w is ASCII), at most 128 characters.
CLIENT_ID_PATTERN = r"^[A-Za-z0-9_+]{1,128}$"
_UUID = re.compile(UUID_PATTERN[1:-1])
_CLIENT_ID = re.compile(CLIENT_ID_PATTERN[1:-1])
_TOKEN_USES = ("access", "id")
_NAME = re.compile(r"\S+")
_MAX_LIST_ITEMS = 100
_MAX_CLAIM_CHARS = 2048


class ClaimsError(Exception):
    """The claims are missing or malformed. The message is safe to return to the caller."""


def parse_list_claim(value: object) -> tuple[str, ...]:
    """Parse an array claim: a JSON list, API Gateway's `"[a b]"` string, a JSON-encoded list, or `"a b"`.

    Cognito group names and scopes never contain whitespace, so splitting on it is unambiguous.
    """
    if value is None:
        return ()
    if isinstance(value, str) and not value.lstrip().startswith('["'):
        text = value.strip()
        if text.startswith("[") and text.endswith("]"):
            text = text[1:-1]
        names = tuple(text.split())  # non-empty and without whitespace by construction
    else:
        names = _json_names(_json_list(value) if isinstance(value, str) else value)
    if len(names) > _MAX_LIST_ITEMS:
        raise ValueError("too many items")
    return names


def _json_list(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError as error:
        raise ValueError("not a valid JSON list") from error


def _json_names(value: object) -> tuple[str, ...]:
    """The items of a JSON list, each a non-empty string without whitespace."""
    if not isinstance(value, list | tuple):
        raise ValueError("must be a list or a string")
    # \S is exactly what str.isspace() is not (both use Unicode's whitespace property).
    names = tuple(item for item in value if isinstance(item, str) and _NAME.fullmatch(item))
    if len(names) != len(value):
        raise ValueError("items must be non-empty strings without whitespace")
    return names


class TokenClaims(NamedTuple):
    """The claims of a Cognito access or ID token that the backends rely on."""

    sub: str
    token_use: str  # "access" or "id"
    iss: str
    client_id: str | None = None  # access tokens carry `client_id`; ID tokens carry `aud` instead
    username: str | None = None  # `username` (access tokens) or `cognito:username` (ID tokens)
    email: str | None = None
    groups: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()

    @property
    def is_machine(self) -> bool:
        """A client-credentials token: no user, `sub` is the app client id."""
        is_access = self.token_use == "access"  # noqa: S105 - a claim value, not a secret
        return is_access and self.username is None and self.sub == self.client_id

    @classmethod
    def parse(cls, claims: Mapping[str, Any]) -> TokenClaims:
        """Check and keep the claims the backends use (others are ignored); ClaimsError names every bad claim,
        never a value (values may be tokens or emails)."""
        reader = _Reader(claims)
        parsed = cls(
            sub=reader.text("sub", required=True) or "",
            token_use=reader.text("token_use", required=True, choices=_TOKEN_USES) or "",
            iss=reader.text("iss", required=True) or "",
            client_id=reader.text("client_id", pattern=_CLIENT_ID),
            username=reader.text("username" if "username" in claims else "cognito:username"),
            email=reader.text("email"),
            groups=reader.names("cognito:groups"),
            scopes=reader.names("scope"),
        )
        if reader.bad:
            raise ClaimsError(f"malformed token claims: {'; '.join(sorted(reader.bad))}")
        if not (_UUID.fullmatch(parsed.sub) or parsed.is_machine):
            raise ClaimsError("malformed token claims: sub is not a Cognito user id")
        return parsed


class _Reader:
    """Reads claims, collecting the names of those that are malformed."""

    def __init__(self, claims: Mapping[str, Any]) -> None:
        self.claims = claims
        self.bad: set[str] = set()

    def text(
        self,
        name: str,
        *,
        required: bool = False,
        choices: tuple[str, ...] = (),
        pattern: re.Pattern[str] | None = None,
    ) -> str | None:
        value = self.claims.get(name)
        if value is None and not required:
            return None
        if not (isinstance(value, str) and (value or not required) and len(value) <= _MAX_CLAIM_CHARS):
            self.bad.add(name)
            return None
        if (choices and value not in choices) or (pattern is not None and not pattern.fullmatch(value)):
            self.bad.add(name)
            return None
        return value

    def names(self, name: str) -> tuple[str, ...]:
        try:
            return parse_list_claim(self.claims.get(name))
        except ValueError:
            self.bad.add(name)
            return ()


def claims_from_http_api_event(event: Mapping[str, Any]) -> TokenClaims:
    """Read `requestContext.authorizer.jwt` of an HTTP API (payload 2.0) event.

    The `scope` claim is authoritative; `jwt.scopes` (often null) is used only when the claim is absent.
    """
    context = event.get("requestContext")
    authorizer = context.get("authorizer") if isinstance(context, Mapping) else None
    jwt = authorizer.get("jwt") if isinstance(authorizer, Mapping) else None
    claims = jwt.get("claims") if isinstance(jwt, Mapping) else None
    if not isinstance(claims, Mapping) or not claims:
        raise ClaimsError("missing token claims")
    scopes = jwt.get("scopes") if isinstance(jwt, Mapping) else None
    if "scope" not in claims and isinstance(scopes, list):
        claims = {**claims, "scope": scopes}
    return TokenClaims.parse(claims)
