"""shared.claims: Cognito claims in both shapes (API Gateway strings and real JSON types)."""

from __future__ import annotations

import pytest

from aws_events.http_api import claim_string
from shared.claims import ClaimsError, TokenClaims, claims_from_http_api_event, parse_list_claim
from tests.unit.api_env import ALICE, FAKE_USER_POOL_ID, SERVICE_CLIENT, access_claims, machine_claims


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ()),
        ("[]", ()),
        ("", ()),
        ("[admins]", ("admins",)),
        ("[admins users]", ("admins", "users")),
        ("[admins  users ]", ("admins", "users")),
        ('["admins", "users"]', ("admins", "users")),
        (["admins", "users"], ("admins", "users")),
        ([], ()),
        ("api/files.read api/files.write", ("api/files.read", "api/files.write")),  # the `scope` claim
        ("[Team,Ops]", ("Team,Ops",)),  # group names may contain punctuation, never whitespace
    ],
)
def test_parse_list_claim_accepts_every_shape(value: object, expected: tuple[str, ...]) -> None:
    assert parse_list_claim(value) == expected


@pytest.mark.parametrize("value", [7, {"a": 1}, ["a", 7], ["a b"], [""], '["a", 1]', '["a"', "x " * 101])
def test_parse_list_claim_rejects_other_shapes(value: object) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the message is not part of the contract
        parse_list_claim(value)


def test_token_claims_from_api_gateway_strings() -> None:
    token = access_claims(FAKE_USER_POOL_ID, groups=("admins", "users"), email="a@example.org")

    claims = TokenClaims.parse({name: claim_string(value) for name, value in token.items()})

    assert claims.sub == ALICE
    assert claims.token_use == "access"
    assert claims.groups == ("admins", "users")
    assert claims.scopes == (
        "cognito-ref-api/profile.read",
        "cognito-ref-api/files.read",
        "cognito-ref-api/files.write",
    )
    assert claims.email == "a@example.org"
    assert not claims.is_machine


def test_token_claims_from_a_verified_token_with_json_types() -> None:
    # Given claims as shared.cognito_jwt returns them: numbers and real lists
    raw = access_claims(FAKE_USER_POOL_ID, groups=("users",))

    assert (raw["exp"], raw["cognito:groups"]) == (1718003600, ["users"])
    assert TokenClaims.parse(raw).groups == ("users",)


def test_id_token_username_comes_from_cognito_username() -> None:
    raw = {"sub": ALICE, "token_use": "id", "iss": "https://issuer", "cognito:username": "alice", "aud": "x"}

    claims = TokenClaims.parse(raw)

    assert (claims.username, claims.client_id) == ("alice", None)


def test_client_credentials_token_is_a_machine() -> None:
    claims = TokenClaims.parse(machine_claims(FAKE_USER_POOL_ID))

    assert claims.is_machine
    assert claims.sub == SERVICE_CLIENT


@pytest.mark.parametrize(
    "sub",
    [
        ALICE.upper(),
        ALICE + "/",
        "../" + ALICE,
        "0b4c5d6e7f8049 12a3b4c5d6e7f80912",
        SERVICE_CLIENT,  # a client id as sub is only valid on that client's own client-credentials token
        "x" * 3000,
    ],
)
def test_user_sub_must_be_a_lowercase_uuid(sub: str) -> None:
    with pytest.raises(ClaimsError):
        TokenClaims.parse(access_claims(FAKE_USER_POOL_ID, sub=sub))


def test_claims_error_names_claims_but_never_values() -> None:
    with pytest.raises(ClaimsError) as caught:
        TokenClaims.parse(access_claims(FAKE_USER_POOL_ID, email=["secret@example.org"], token_use="refresh"))

    assert str(caught.value) == "malformed token claims: email; token_use"


@pytest.mark.parametrize(
    "event",
    [
        {},
        {"requestContext": None},
        {"requestContext": {"authorizer": {"lambda": {}}}},
        {"requestContext": {"authorizer": {"jwt": {"claims": {}}}}},
        {"requestContext": {"authorizer": {"jwt": {"claims": "sub=x"}}}},
        {"requestContext": {"authorizer": {"jwt": None}}},
    ],
)
def test_event_without_jwt_claims(event: dict[str, object]) -> None:
    with pytest.raises(ClaimsError, match="missing token claims"):
        claims_from_http_api_event(event)


def test_event_scopes_fall_back_to_the_jwt_scopes_list() -> None:
    claims = access_claims(FAKE_USER_POOL_ID)
    del claims["scope"]
    event = {"requestContext": {"authorizer": {"jwt": {"claims": claims, "scopes": ["api/profile.read"]}}}}

    assert claims_from_http_api_event(event).scopes == ("api/profile.read",)
