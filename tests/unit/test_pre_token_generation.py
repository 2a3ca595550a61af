"""Pre token generation V2_0: scopes from groups, the roles claim, and what must never be granted."""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aws_events import cognito as ev
from pre_token_generation.config import ConfigError, load_config
from pre_token_generation.logic import COGNITO_ADMIN_API_SCOPE, customise_tokens, group_names
from tests.unit.trigger_support import (
    FakeLambdaContext,
    assert_no_personal_data,
    import_handler,
    log_lines,
    metric_names,
    powertools_env,
)

RS = "cognito-ref-api"
GROUP_SCOPES = {
    "admins": ["profile.read", "files.read", "files.write", "admin"],
    "users": ["profile.read", "files.read", "files.write"],
}
ENV = {
    "GROUP_SCOPES": json.dumps(GROUP_SCOPES),
    "RESOURCE_SERVER_IDENTIFIER": RS,
    "ADMIN_GROUP": "admins",
    "ADMIN_SCOPE": "admin",
    "REMOVE_ADMIN_API_SCOPE": "true",
}
USER_SCOPES = [f"{RS}/files.read", f"{RS}/files.write", f"{RS}/profile.read"]
ADMIN = f"{RS}/admin"


def full(*short: str) -> list[str]:
    return sorted(f"{RS}/{s}" for s in short)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    powertools_env(monkeypatch)
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    return dict(ENV)


@pytest.fixture
def handler(env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> ModuleType:
    return import_handler("pre_token_generation", monkeypatch)


def invoke(handler: ModuleType, event: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = handler.lambda_handler(event, FakeLambdaContext())
    return result


def sdk_sign_in() -> dict[str, Any]:
    """An SRP sign-in of a `users` member: the access token would carry only the admin API scope."""
    return ev.pre_token_generation("TokenGeneration_Authentication", groups=["users"])


def no_groups() -> dict[str, Any]:
    event = ev.pre_token_generation(groups=[])
    del event["request"]["groupConfiguration"]["groupsToOverride"]
    return event


def access(event: dict[str, Any]) -> dict[str, Any]:
    details: dict[str, Any] = event["response"]["claimsAndScopeOverrideDetails"]["accessTokenGeneration"]
    return details


def id_claims(event: dict[str, Any]) -> dict[str, Any]:
    claims: dict[str, Any] = event["response"]["claimsAndScopeOverrideDetails"]["idTokenGeneration"][
        "claimsToAddOrOverride"
    ]
    return claims


def test_sdk_sign_in_gets_group_scopes_and_loses_the_admin_api_scope(handler: ModuleType) -> None:
    # Given an SRP sign-in of a `users` member, whose access token would only carry the admin API scope
    event = invoke(handler, sdk_sign_in())

    # Then the API scopes of the group are added and aws.cognito.signin.user.admin is removed
    assert access(event)["scopesToAdd"] == USER_SCOPES
    assert access(event)["scopesToSuppress"] == [COGNITO_ADMIN_API_SCOPE]
    assert ADMIN not in access(event)["scopesToAdd"]
    assert access(event)["claimsToAddOrOverride"] == {"roles": ["users"]}
    assert id_claims(event) == {"roles": ["users"]}
    # and the rest of the event is returned untouched
    assert event["request"] == sdk_sign_in()["request"]


def test_admin_refresh_gets_the_admin_scope(handler: ModuleType) -> None:
    event = invoke(handler, ev.pre_token_generation("TokenGeneration_RefreshTokens", groups=["admins", "users"]))

    assert access(event)["scopesToAdd"] == full("admin", "files.read", "files.write", "profile.read")
    assert id_claims(event) == {"roles": ["admins", "users"]}


def test_oauth_scopes_of_our_server_survive_only_if_the_groups_allow_them(handler: ModuleType) -> None:
    # Given a federated `users` member whose OAuth request was granted admin (the client allows it)
    scopes = ["openid", "email", "profile", f"{RS}/profile.read", f"{RS}/files.read", ADMIN, "other-api/read"]
    event = invoke(handler, ev.federated_token("Google", "110169484474386276334", scopes=scopes))

    # Then admin is suppressed, the allowed scopes are kept, missing ones added, foreign scopes untouched
    assert access(event)["scopesToSuppress"] == [ADMIN, COGNITO_ADMIN_API_SCOPE]
    assert access(event)["scopesToAdd"] == full("files.write")
    suppressed = set(access(event)["scopesToSuppress"])
    assert not suppressed & {"openid", "email", "profile", "other-api/read", f"{RS}/profile.read"}
    # and the automatic `<poolId>_Google` group is not a role
    assert id_claims(event) == {"roles": ["users"]}


def test_user_without_groups_gets_no_scopes(handler: ModuleType) -> None:
    event = invoke(handler, no_groups())

    assert access(event)["scopesToAdd"] == []
    assert access(event)["scopesToSuppress"] == [COGNITO_ADMIN_API_SCOPE]
    assert id_claims(event) == {"roles": []}


def test_user_in_no_known_group_gets_the_default_groups_scopes_when_configured(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an admin-created user (post confirmation never ran, so no group) and DEFAULT_GROUP=users
    monkeypatch.setenv("DEFAULT_GROUP", "users")
    handler = import_handler("pre_token_generation", monkeypatch)
    # When they sign in
    event = invoke(handler, no_groups())
    # Then they get what the users group would give them, never admin, and no role claim they lack
    assert access(event)["scopesToAdd"] == USER_SCOPES
    assert ADMIN not in access(event)["scopesToAdd"]
    assert id_claims(event) == {"roles": []}


def test_default_group_applies_only_without_a_known_group(env: dict[str, str]) -> None:
    config = load_config(
        {**ENV, "DEFAULT_GROUP": "users", "GROUP_SCOPES": json.dumps({**GROUP_SCOPES, "readers": ["profile.read"]})}
    )
    assert customise_tokens(["readers"], [], config).scopes_added == full("profile.read")
    assert customise_tokens(["eu-west-1_Pool_Google"], [], config).scopes_added == USER_SCOPES


@pytest.mark.parametrize(
    "request_patch",
    [
        {"groupConfiguration": None, "scopes": None},
        {"groupConfiguration": {"groupsToOverride": None}},
        {"groupConfiguration": {"groupsToOverride": ["users", 7, None]}, "scopes": "openid"},
    ],
)
def test_odd_events_are_handled(handler: ModuleType, request_patch: dict[str, Any]) -> None:
    event = sdk_sign_in()
    event["request"].update(request_patch)
    event["response"] = None

    result = handler.lambda_handler(event, FakeLambdaContext())

    assert "claimsAndScopeOverrideDetails" in result["response"]


@pytest.mark.parametrize(
    ("group_configuration", "groups"),
    [
        ({"groupsToOverride": ["users"], "iamRolesToOverride": [], "preferredRole": None}, ["users"]),
        ([{"groupsToOverride": ["users"]}, {"groupsToOverride": ["admins"]}], ["users", "admins"]),
        ([], []),
        (None, []),
        ({"groupsToOverride": "users"}, []),
        (["users"], []),
    ],
)
def test_group_configuration_as_an_object_or_the_documented_list(
    group_configuration: object, groups: list[str]
) -> None:
    assert group_names(group_configuration) == groups


@pytest.mark.parametrize("version", ["2", "3"])
@pytest.mark.parametrize("groups", [[], ["users"], ["admins", "users"]])
def test_client_credentials_tokens_never_gain_user_scopes_or_roles(
    handler: ModuleType, capsys: pytest.CaptureFixture[str], version: str, groups: list[str]
) -> None:
    # Given a V3 client-credentials event of the service client, even one that somehow names groups
    event = ev.client_credentials_token(client_metadata={"purpose": "sync"})
    event["version"] = version
    event["request"]["groupConfiguration"]["groupsToOverride"] = groups
    sent = ev.client_credentials_token(client_metadata={"purpose": "sync"})

    result = invoke(handler, event)

    # Then the token is issued as Cognito would issue it: no scopes added or removed, no roles claim
    assert result["response"] == sent["response"] == {"claimsAndScopeOverrideDetails": None}
    assert result["request"]["scopes"] == [f"{RS}/profile.read"]
    assert metric_names(capsys.readouterr().out) == ["MachineTokenUnchanged"]


def test_unknown_trigger_source_fails_closed(handler: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    # Given a trigger source Cognito might add one day, with scopes of our server in the request
    event = ev.pre_token_generation(groups=["admins"], scopes=["openid", f"{RS}/files.read", ADMIN])
    event["triggerSource"] = "TokenGeneration_SomethingNew"

    details = invoke(handler, event)["response"]["claimsAndScopeOverrideDetails"]

    # Then nothing is added, our server's scopes are withheld, other scopes stay
    assert details == {"accessTokenGeneration": {"scopesToAdd": [], "scopesToSuppress": [ADMIN, f"{RS}/files.read"]}}
    assert "UnknownTriggerSource" in metric_names(capsys.readouterr().out)


def test_admin_api_scope_kept_when_configured(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REMOVE_ADMIN_API_SCOPE", "false")
    handler = import_handler("pre_token_generation", monkeypatch)

    assert access(invoke(handler, sdk_sign_in()))["scopesToSuppress"] == []


def test_misconfigured_group_scopes_never_grant_admin_outside_admins(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given GROUP_SCOPES that wrongly gives `users` the admin scope
    monkeypatch.setenv("GROUP_SCOPES", json.dumps({**GROUP_SCOPES, "users": ["profile.read", "admin"]}))
    handler = import_handler("pre_token_generation", monkeypatch)

    # When a `users` member signs in
    event = invoke(handler, sdk_sign_in())

    # Then admin is not granted, and both the cold start and the invocation say so
    assert access(event)["scopesToAdd"] == full("profile.read")
    output = capsys.readouterr().out
    warnings = [line for line in log_lines(output) if line.get("level") == "WARNING"]
    assert warnings[0]["groups"] == ["users"]
    assert "AdminScopeWithheld" in metric_names(output)


def test_logs_and_metrics_carry_no_personal_data(handler: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    for event in (sdk_sign_in(), ev.federated_token("Google", "110169484474386276334")):
        invoke(handler, event)

    output = capsys.readouterr().out
    assert metric_names(output) == ["ScopesAdded", "ScopesAdded"]
    assert_no_personal_data(output)


@pytest.mark.parametrize(
    ("patch", "variable"),
    [
        ({"GROUP_SCOPES": ""}, "GROUP_SCOPES"),
        ({"GROUP_SCOPES": "{not json"}, "GROUP_SCOPES"),
        ({"GROUP_SCOPES": '["users"]'}, "GROUP_SCOPES"),
        ({"GROUP_SCOPES": '{"users": "profile.read"}'}, "GROUP_SCOPES"),
        ({"GROUP_SCOPES": '{"users": ["cognito-ref-api/profile.read"]}'}, "GROUP_SCOPES"),
        ({"GROUP_SCOPES": '{"my users": ["profile.read"]}'}, "GROUP_SCOPES"),
        ({"RESOURCE_SERVER_IDENTIFIER": "has space"}, "RESOURCE_SERVER_IDENTIFIER"),
        ({"REMOVE_ADMIN_API_SCOPE": "yes"}, "REMOVE_ADMIN_API_SCOPE"),
        ({"ADMIN_SCOPE": "a b"}, "ADMIN_SCOPE"),
        ({"DEFAULT_GROUP": "admins"}, "DEFAULT_GROUP"),
        ({"DEFAULT_GROUP": "two words"}, "DEFAULT_GROUP"),
    ],
)
def test_invalid_configuration_fails_at_cold_start_naming_the_variable(patch: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError, match=variable):
        load_config({**ENV, **patch})


def test_defaults() -> None:
    config = load_config({"GROUP_SCOPES": "{}", "RESOURCE_SERVER_IDENTIFIER": "https://api.example.com"})

    assert (config.admin_group, config.admin_scope) == ("admins", "https://api.example.com/admin")
    assert config.remove_admin_api_scope is False


CONFIG = load_config(ENV | {"GROUP_SCOPES": json.dumps({**GROUP_SCOPES, "users": ["profile.read", "admin"]})})
SCOPE_POOL = [*full("profile.read", "files.read", "files.write", "admin"), "openid", COGNITO_ADMIN_API_SCOPE, "x/y"]


@given(
    groups=st.lists(st.sampled_from(["admins", "users", "us-east-1_X_Google", "other"]), max_size=4),
    granted=st.lists(st.sampled_from(SCOPE_POOL), max_size=7),
)
def test_final_scopes_never_exceed_what_the_groups_allow(groups: list[str], granted: list[str]) -> None:
    details = customise_tokens(groups, granted, CONFIG).details["accessTokenGeneration"]
    final = (set(granted) - set(details["scopesToSuppress"])) | set(details["scopesToAdd"])

    allowed: set[str] = set()
    for group in groups:
        allowed |= CONFIG.group_scopes.get(group, frozenset())
    ours = {s for s in final if s.startswith(f"{RS}/")}
    assert ours <= allowed
    assert (ADMIN in final) == ("admins" in groups)
    assert COGNITO_ADMIN_API_SCOPE not in final
    foreign = {s for s in granted if not s.startswith(f"{RS}/") and s != COGNITO_ADMIN_API_SCOPE}
    assert final - ours == foreign
