"""Every trigger handler over every documented trigger source, in every variant Cognito sends.

Events and their variants (null, absent, version, value shapes) come from `aws_events.cognito`, each with
its source. For each one the handler must give a defined answer: a response that is valid for its
trigger per the developer guide, or a refusal with a message that is safe to show. Any other exception
fails the test (Cognito turns it into a failed sign-in with an opaque error).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from botocore.exceptions import ClientError

from aws_events import cognito as ev
from pre_sign_up import logic as sign_up_logic
from tests.unit.trigger_support import FakeLambdaContext, import_handler, powertools_env

Event = dict[str, Any]
RS = ev.RESOURCE_SERVER
GROUP_SCOPES = {
    "admins": ["profile.read", "files.read", "files.write", "admin"],
    "users": ["profile.read", "files.read", "files.write"],
}
CALLBACK = "https://app.example.com/callback"
LOGIN_URL = "https://cognito-ref-dev-login.auth.us-east-1.amazoncognito.com"
# Every provider type, with a subject shaped as that IdP issues it.
PROVIDERS = (
    ("Google", "110169484474386276334"),
    ("Facebook", "10223344556677889"),
    ("SignInWithApple", "001234.0a1b2c3d4e5f67890a1b2c3d4e5f6789.0123"),
    ("LoginWithAmazon", "amzn1.account.AF2ZQNL5OGTLHLEXAMPLE"),
    ("CorpOIDC", "00u1AbCdEf2GhIjK3l4"),
    ("CorpSaml", "Jane.Doe@Corp.example"),
)
SAFE_MESSAGES = {
    sign_up_logic.INVALID_EMAIL,
    sign_up_logic.DOMAIN_NOT_ALLOWED,
    sign_up_logic.PROVIDER_EMAIL_UNVERIFIED,
    sign_up_logic.NATIVE_EMAIL_UNVERIFIED,
    sign_up_logic.CANNOT_LINK,
    sign_up_logic.TRY_AGAIN,
}


def cases(events: list[tuple[str, Event]]) -> list[Any]:
    return [
        pytest.param(variant, id=f"{label}/{name}") for label, event in events for name, variant in ev.variants(event)
    ]


def invoke(handler: ModuleType, event: Event) -> Event:
    result: Event = handler.lambda_handler(event, FakeLambdaContext())
    return result


@pytest.fixture(scope="module")
def patch() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        powertools_env(monkeypatch)
        yield monkeypatch


def response_of(event: Event) -> Any:
    return event.get("response", "<absent>")


# --- Pre sign-up: the auto-confirm rules, refusals with safe messages -----------------------------------


class FakeCognito:
    """ListUsers, ListIdentityProviders and AdminLinkProviderForUser, recording the links made."""

    def __init__(self, native_user: bool) -> None:
        self.native_user = native_user
        self.links: list[dict[str, Any]] = []

    def get_paginator(self, operation: str) -> Any:
        pages = {
            "list_users": [{"Users": [self._native()] if self.native_user else []}],
            "list_identity_providers": [{"Providers": [{"ProviderName": "CorpOIDC"}, {"ProviderName": "CorpSaml"}]}],
        }[operation]
        return type("Paginator", (), {"paginate": lambda _self, **_: pages})()

    def admin_link_provider_for_user(self, **kwargs: Any) -> dict[str, Any]:
        self.links.append(kwargs)
        return {}

    @staticmethod
    def _native() -> dict[str, Any]:
        attributes = [{"Name": "email", "Value": ev.EMAIL}, {"Name": "email_verified", "Value": "true"}]
        return {"Username": "native-1", "UserStatus": "CONFIRMED", "Attributes": attributes}


@pytest.fixture(scope="module")
def pre_sign_up(patch: pytest.MonkeyPatch) -> ModuleType:
    patch.setenv("ALLOWED_EMAIL_DOMAINS", "[]")
    patch.setenv("BLOCKED_EMAIL_DOMAINS", '["mailinator.com"]')
    return import_handler("pre_sign_up", patch)


PRE_SIGN_UP = cases(
    [(source, ev.pre_sign_up(source)) for source in ev.PRE_SIGN_UP_SOURCES if source != "PreSignUp_ExternalProvider"]
    + [(f"PreSignUp_ExternalProvider/{name}", ev.federated_sign_up(name, subject)) for name, subject in PROVIDERS]
)


@pytest.mark.parametrize("native_user", [False, True], ids=["new", "existing-native-user"])
@pytest.mark.parametrize("event", PRE_SIGN_UP)
def test_pre_sign_up(pre_sign_up: ModuleType, monkeypatch: pytest.MonkeyPatch, event: Event, native_user: bool) -> None:
    cognito = FakeCognito(native_user)
    monkeypatch.setattr(pre_sign_up.aws, "cognito_client", lambda: cognito)
    sent = copy.deepcopy(event)

    refusal: Exception | None = None
    try:
        result = invoke(pre_sign_up, event)
    except (pre_sign_up.SignUpRejectedError, pre_sign_up.AccountLinkedError) as error:
        refusal = error
    if refusal is not None:
        # A refusal Cognito shows to the user: one of the safe messages, and a link only where provably exact
        assert str(refusal) in SAFE_MESSAGES or isinstance(refusal, pre_sign_up.AccountLinkedError)
        for link in cognito.links:
            value = link["SourceUser"]["ProviderAttributeValue"]
            assert value == value.upper() == value.lower()
            assert f"_{value}" in sent["userName"]
        return

    assert cognito.links == []
    if sent["triggerSource"] == "PreSignUp_SignUp":
        # Native sign-ups are never auto-confirmed or auto-verified, whatever the incoming response said.
        assert result["response"] == {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False}
    else:
        # AdminCreateUser: Cognito ignores the flags; ExternalProvider: nothing to decide. Left as sent.
        assert response_of(result) == response_of(sent)
    assert {k: v for k, v in result.items() if k != "response"} == {k: v for k, v in sent.items() if k != "response"}


# --- Post confirmation: the default group on ConfirmSignUp only ----------------------------------------


class GroupRecorder:
    def __init__(self) -> None:
        self.calls: list[dict[str, str]] = []

    def admin_add_user_to_group(self, **kwargs: str) -> dict[str, Any]:
        self.calls.append(kwargs)
        return {}


@pytest.fixture(scope="module")
def post_confirmation(patch: pytest.MonkeyPatch) -> ModuleType:
    patch.setenv("DEFAULT_GROUP", "users")
    return import_handler("post_confirmation", patch)


@pytest.mark.parametrize(
    "event", cases([(source, ev.post_confirmation(source)) for source in ev.POST_CONFIRMATION_SOURCES])
)
def test_post_confirmation(post_confirmation: ModuleType, monkeypatch: pytest.MonkeyPatch, event: Event) -> None:
    recorder = GroupRecorder()
    monkeypatch.setattr(post_confirmation, "cognito_client", lambda: recorder)
    sent = copy.deepcopy(event)

    result = invoke(post_confirmation, event)

    assert result == sent
    expected = [{"UserPoolId": ev.POOL_ID, "Username": ev.SUB, "GroupName": "users"}]
    assert recorder.calls == (expected if sent["triggerSource"] == "PostConfirmation_ConfirmSignUp" else [])


# --- Pre token generation: V2 override shape, no reserved claims, our scopes only as groups allow --------


@pytest.fixture(scope="module")
def pre_token(patch: pytest.MonkeyPatch) -> ModuleType:
    patch.setenv("GROUP_SCOPES", json.dumps(GROUP_SCOPES))
    patch.setenv("RESOURCE_SERVER_IDENTIFIER", RS)
    patch.setenv("REMOVE_ADMIN_API_SCOPE", "false")
    patch.setenv("DEFAULT_GROUP", "users")
    return import_handler("pre_token_generation", patch)


OAUTH_SCOPES = ["openid", "email", f"{RS}/profile.read", f"{RS}/files.write", f"{RS}/admin", "other-api/read"]


def machine_token_naming_groups() -> Event:
    """A client-credentials event that names user groups (as a test stub seen in the wild does): it must
    still gain nothing."""
    event = ev.client_credentials_token()
    event["request"]["groupConfiguration"]["groupsToOverride"] = ["admins", "users"]
    return event


TOKENS = cases(
    [
        (f"{source}/{'+'.join(groups) or 'no-group'}", ev.pre_token_generation(source, groups=groups))
        for source in ev.USER_TOKEN_SOURCES
        for groups in ([], ["users"], ["admins", "users"])
    ]
    + [(f"{s}/oauth-admin-scope", ev.pre_token_generation(s, scopes=OAUTH_SCOPES)) for s in ev.USER_TOKEN_SOURCES]
    + [("TokenGeneration_HostedAuth/federated", ev.federated_token("Google", "110169484474386276334"))]
    + [
        ("TokenGeneration_ClientCredentials", ev.client_credentials_token()),
        ("TokenGeneration_ClientCredentials/with-groups", machine_token_naming_groups()),
    ]
)


def sent_groups(request: Any) -> list[str]:
    """The groups the event names (oracle, independent of the handler's parsing)."""
    configuration = request.get("groupConfiguration") if isinstance(request, dict) else None
    if isinstance(configuration, list):
        configuration = configuration[0] if configuration else None
    groups = configuration.get("groupsToOverride") if isinstance(configuration, dict) else None
    return [g for g in groups if isinstance(g, str)] if isinstance(groups, list) else []


def allowed_scopes(groups: list[str]) -> set[str]:
    known = [g for g in groups if g in GROUP_SCOPES] or ["users"]  # DEFAULT_GROUP for users in no known group
    allowed = {f"{RS}/{s}" for g in known for s in GROUP_SCOPES[g]}
    return allowed if "admins" in groups else allowed - {f"{RS}/admin"}


def assert_v2_overrides(details: Any) -> dict[str, Any]:
    """The `claimsAndScopeOverrideDetails` shape of a V2/V3 response, with no claim Cognito reserves."""
    assert isinstance(details, dict)
    assert set(details) <= {"idTokenGeneration", "accessTokenGeneration", "groupOverrideDetails"}
    id_token = details.get("idTokenGeneration", {})
    access = details.get("accessTokenGeneration", {})
    assert set(id_token) <= {"claimsToAddOrOverride", "claimsToSuppress"}
    assert set(access) <= {"claimsToAddOrOverride", "claimsToSuppress", "scopesToAdd", "scopesToSuppress"}
    for token in (id_token, access):
        claims = token.get("claimsToAddOrOverride", {})
        assert not set(claims) & ev.RESERVED_CLAIMS
        assert all(
            isinstance(v, str) or (isinstance(v, list) and all(isinstance(i, str) for i in v)) for v in claims.values()
        )
        assert not set(token.get("claimsToSuppress", [])) & ev.RESERVED_CLAIMS
    for key in ("scopesToAdd", "scopesToSuppress"):
        assert all(isinstance(s, str) for s in access.get(key, []))
    return access


@pytest.mark.parametrize("event", TOKENS)
def test_pre_token_generation(pre_token: ModuleType, event: Event) -> None:
    sent = copy.deepcopy(event)

    result = invoke(pre_token, event)

    if sent["triggerSource"] == ev.CLIENT_CREDENTIALS:
        # A machine token gains nothing, whatever the event version or the groups it names.
        assert result == sent
        return
    assert {k: v for k, v in result.items() if k != "response"} == {k: v for k, v in sent.items() if k != "response"}
    response = result["response"]
    sent_response = sent.get("response") if isinstance(sent.get("response"), dict) else {}
    assert set(response) - {"claimsAndScopeOverrideDetails"} == set(sent_response) - {"claimsAndScopeOverrideDetails"}
    access = assert_v2_overrides(response["claimsAndScopeOverrideDetails"])
    request = sent.get("request") if isinstance(sent.get("request"), dict) else {}
    granted = request.get("scopes") if isinstance(request.get("scopes"), list) else []
    final = (set(granted) - set(access.get("scopesToSuppress", []))) | set(access.get("scopesToAdd", []))
    ours = {s for s in final if s.startswith(f"{RS}/")}
    groups = sent_groups(request)
    # Resource-server scopes only, and only as the groups allow; admin only for admins.
    assert all(s.startswith(f"{RS}/") for s in access.get("scopesToAdd", []))
    assert ours == allowed_scopes(groups)
    assert (f"{RS}/admin" in final) == ("admins" in groups)
    # Scopes of other servers and OIDC scopes are left alone.
    assert final - ours == {s for s in granted if not s.startswith(f"{RS}/")}


# --- Custom message: placeholders, and email fields only on a DEVELOPER (SES) pool ----------------------


@pytest.fixture(scope="module", params=["DEVELOPER", "COGNITO_DEFAULT"])
def custom_message(request: pytest.FixtureRequest, patch: pytest.MonkeyPatch) -> ModuleType:
    patch.setenv("LOGIN_URL", LOGIN_URL)
    patch.setenv("APP_NAME", "Cognito Ref")
    patch.setenv("WEB_CALLBACK_URL", CALLBACK)
    patch.setenv("EMAIL_SENDING_ACCOUNT", request.param)
    return import_handler("custom_message", patch)


@pytest.mark.parametrize("event", cases([(source, ev.custom_message(source)) for source in ev.CUSTOM_MESSAGE_SOURCES]))
def test_custom_message(custom_message: ModuleType, event: Event) -> None:
    sent = copy.deepcopy(event)

    result = invoke(custom_message, event)

    assert {k: v for k, v in result.items() if k != "response"} == {k: v for k, v in sent.items() if k != "response"}
    request = sent["request"] if isinstance(sent.get("request"), dict) else {}
    code, username = request.get("codeParameter"), request.get("usernameParameter")
    placeholders = [code, username] if sent["triggerSource"] == "CustomMessage_AdminCreateUser" else [code]
    if not all(isinstance(p, str) and p for p in placeholders):
        # Without Cognito's placeholders no message can be valid: Cognito's default message is sent.
        assert response_of(result) == response_of(sent)
        return
    response = result["response"]
    assert all(p in response["smsMessage"] for p in placeholders)
    assert len(response["smsMessage"]) <= 140
    if custom_message.CONFIG.customise_email:
        assert all(p in response["emailMessage"] for p in placeholders)
        assert 0 < len(response["emailSubject"]) <= 140
    else:
        # Cognito's default sender refuses a response with email fields: they stay as sent.
        sent_response = sent.get("response") if isinstance(sent.get("response"), dict) else {}
        for key in ("emailMessage", "emailSubject"):
            assert response.get(key, "<absent>") == sent_response.get(key, "<absent>")


# --- User migration: a response Cognito accepts, or a refusal that tells nobody which accounts exist ----


class FakeSourcePool:
    """The old pool: one confirmed user whose password is `ev.PASSWORD`."""

    def admin_get_user(self, *, UserPoolId: str, Username: str) -> dict[str, Any]:  # noqa: N803
        if Username != ev.EMAIL:
            raise ClientError({"Error": {"Code": "UserNotFoundException", "Message": "x"}}, "AdminGetUser")
        attributes = {"sub": ev.SUB, "email": ev.EMAIL, "email_verified": "true", "identities": "[]"}
        return {
            "Username": ev.SUB,
            "UserStatus": "CONFIRMED",
            "Enabled": True,
            "UserAttributes": [{"Name": k, "Value": v} for k, v in attributes.items()],
        }

    def admin_initiate_auth(self, **kwargs: Any) -> dict[str, Any]:
        if kwargs["AuthParameters"]["PASSWORD"] != ev.PASSWORD:
            raise ClientError({"Error": {"Code": "NotAuthorizedException", "Message": "x"}}, "AdminInitiateAuth")
        return {"AuthenticationResult": {"AccessToken": "token"}}


@pytest.fixture(scope="module")
def user_migration(patch: pytest.MonkeyPatch) -> ModuleType:
    patch.setenv("SOURCE_USER_POOL_ID", "eu-west-1_0ldP00l42")
    patch.setenv("SOURCE_CLIENT_ID", "4q8h1old0pool0migration0cli")
    patch.setenv("MIGRATED_ATTRIBUTES", json.dumps(["email", "email_verified", "name"]))
    module = import_handler("user_migration", patch)
    patch.setattr(module.aws, "source_client", lambda region: FakeSourcePool())
    return module


@pytest.mark.parametrize("event", cases([(source, ev.user_migration(source)) for source in ev.USER_MIGRATION_SOURCES]))
def test_user_migration(user_migration: ModuleType, event: Event) -> None:
    sent = copy.deepcopy(event)

    refusal: Exception | None = None
    try:
        result = invoke(user_migration, event)
    except user_migration.MigrationRefusedError as error:
        refusal = error
    if refusal is not None:
        # Refused only without the password (sign-in); the message is the one every refusal shows.
        assert str(refusal) in {user_migration.SIGN_IN_FAILED, user_migration.RESET_FAILED}
        request = sent.get("request") if isinstance(sent.get("request"), dict) else {}
        assert sent["triggerSource"] == "UserMigration_Authentication"
        assert request.get("password") != ev.PASSWORD
        return

    assert {k: v for k, v in result.items() if k != "response"} == {k: v for k, v in sent.items() if k != "response"}
    response = result["response"]
    assert response["messageAction"] == "SUPPRESS"
    attributes = response["userAttributes"]
    assert attributes == {"email": ev.EMAIL, "email_verified": "true"}  # never sub, identities or cognito:*
    if sent["triggerSource"] == "UserMigration_Authentication":
        assert response["finalUserStatus"] == "CONFIRMED"
    else:
        sent_response = sent.get("response") if isinstance(sent.get("response"), dict) else {}
        assert response.get("finalUserStatus") == sent_response.get("finalUserStatus")
