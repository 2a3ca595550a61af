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
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

# Cognito user `sub`s are lowercase UUIDs. The `sub` becomes an S3 key prefix, so nothing else is accepted,
# except for client-credentials tokens, whose `sub` is the app client id (see `TokenClaims.is_machine`).
UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
CLIENT_ID_PATTERN = r"^[\w+]{1,128}$"
_UUID = re.compile(UUID_PATTERN)
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
    if isinstance(value, list | tuple):
        items: list[object] = list(value)
    elif isinstance(value, str):
        text = value.strip()
        if text.startswith('["'):
            try:
                decoded = json.loads(text)
            except ValueError as error:
                raise ValueError("not a valid JSON list") from error
            if not isinstance(decoded, list):
                raise ValueError("not a list")
            items = decoded
        else:
            if text.startswith("[") and text.endswith("]"):
                text = text[1:-1]
            items = list(text.split())
    else:
        raise ValueError("must be a list or a string")
    if len(items) > _MAX_LIST_ITEMS:
        raise ValueError("too many items")
    if not all(isinstance(item, str) and item and not any(c.isspace() for c in item) for item in items):
        raise ValueError("items must be non-empty strings without whitespace")
    return tuple(str(item) for item in items)


class TokenClaims(BaseModel):
    """The claims of a Cognito access or ID token that the backends rely on."""

    model_config = ConfigDict(frozen=True, extra="ignore", str_max_length=_MAX_CLAIM_CHARS)

    sub: str = Field(min_length=1)
    token_use: Literal["access", "id"]
    iss: str = Field(min_length=1)
    # Access tokens carry `client_id`; ID tokens carry `aud` instead.
    client_id: str | None = Field(default=None, pattern=CLIENT_ID_PATTERN)
    username: str | None = Field(default=None, validation_alias=AliasChoices("username", "cognito:username"))
    email: str | None = None
    groups: tuple[str, ...] = Field(default=(), validation_alias="cognito:groups")
    scopes: tuple[str, ...] = Field(default=(), validation_alias="scope")

    @field_validator("groups", "scopes", mode="before")
    @classmethod
    def _list_claim(cls, value: object) -> tuple[str, ...]:
        return parse_list_claim(value)

    @model_validator(mode="after")
    def _safe_sub(self) -> TokenClaims:
        if not (_UUID.fullmatch(self.sub) or self.is_machine):
            raise ValueError("sub is not a Cognito user id")
        return self

    @property
    def is_machine(self) -> bool:
        """A client-credentials token: no user, `sub` is the app client id."""
        is_access = self.token_use == "access"  # noqa: S105 - a claim value, not a secret
        return is_access and self.username is None and self.sub == self.client_id

    @classmethod
    def parse(cls, claims: Mapping[str, Any]) -> TokenClaims:
        try:
            return cls.model_validate(dict(claims))
        except ValidationError as error:
            # Name the offending claims, never their values (they may be tokens or emails).
            problems = sorted({_describe(e["loc"], e["msg"]) for e in error.errors()})
            raise ClaimsError(f"malformed token claims: {'; '.join(problems)}") from None


def _describe(loc: tuple[int | str, ...], message: str) -> str:
    # Field errors name the claim; the model-level check (sub) has its own message.
    return ".".join(str(part) for part in loc) or message.removeprefix("Value error, ")


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
