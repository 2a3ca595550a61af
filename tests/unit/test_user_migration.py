"""User migration: users move from an old pool (moto) at first sign-in or password reset; refusals look the
same whatever the reason; the password never reaches a log line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from types import ModuleType
from typing import Any, NamedTuple

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws
from user_migration.config import ConfigError, load_source
from user_migration.logic import (
    RESET_FAILED,
    SIGN_IN_FAILED,
    MigrationRefusedError,
    OldUser,
    final_status,
    migrated_attributes,
)

from aws_events import cognito as ev
from tests.unit.trigger_support import (
    FakeLambdaContext,
    assert_no_personal_data,
    aws_env,
    import_handler,
    metric_names,
    powertools_env,
)

AUTH = "UserMigration_Authentication"
RESET = "UserMigration_ForgotPassword"
STANDARD = ["email", "email_verified", "name", "phone_number", "phone_number_verified", "locale"]
TEMPORARY_PASSWORD = "Temporary-Pass-1"


class OldPool(NamedTuple):
    client: Any
    pool_id: str
    client_id: str


@pytest.fixture(scope="module")
def old_pool() -> Iterator[OldPool]:
    """The pool users come from: a confirmed user, a disabled one, one with a temporary password, one that never
    confirmed and a federated one."""
    with pytest.MonkeyPatch.context() as patch, mock_aws():
        aws_env(patch)
        client = boto3.client("cognito-idp", region_name="us-east-1")
        pool_id = client.create_user_pool(PoolName="old", UsernameAttributes=["email"])["UserPool"]["Id"]
        client_id = client.create_user_pool_client(
            UserPoolId=pool_id, ClientName="migration", ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"]
        )["UserPoolClient"]["ClientId"]
        for email, verified in ((ev.EMAIL, "true"), ("disabled@example.com", "true"), ("fresh@example.com", "false")):
            client.admin_create_user(
                UserPoolId=pool_id,
                Username=email,
                UserAttributes=[
                    {"Name": "email", "Value": email},
                    {"Name": "email_verified", "Value": verified},
                    {"Name": "name", "Value": ev.NAME},
                    {"Name": "phone_number", "Value": ev.PHONE},
                ],
                TemporaryPassword=TEMPORARY_PASSWORD,
                MessageAction="SUPPRESS",
            )
        for email in (ev.EMAIL, "disabled@example.com"):
            client.admin_set_user_password(UserPoolId=pool_id, Username=email, Password=ev.PASSWORD, Permanent=True)
        client.admin_disable_user(UserPoolId=pool_id, Username="disabled@example.com")
        yield OldPool(client, pool_id, client_id)


@pytest.fixture
def handler(old_pool: OldPool, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> ModuleType:
    powertools_env(monkeypatch)
    monkeypatch.setenv("SOURCE_USER_POOL_ID", old_pool.pool_id)
    monkeypatch.setenv("SOURCE_CLIENT_ID", old_pool.client_id)
    monkeypatch.setenv("MIGRATED_ATTRIBUTES", json.dumps(STANDARD))
    module = import_handler("user_migration", monkeypatch)
    monkeypatch.setattr(module.aws, "source_client", lambda region: old_pool.client)
    return module


def migrate(handler: ModuleType, event: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = handler.lambda_handler(event, FakeLambdaContext())
    return result


def test_sign_in_with_the_old_password_migrates_the_user_confirmed_and_silently(
    handler: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    event = ev.user_migration(AUTH)

    response = migrate(handler, event)["response"]

    assert response["finalUserStatus"] == "CONFIRMED"
    assert response["messageAction"] == "SUPPRESS"
    # The old pool's attributes, less `sub` (this pool assigns its own); nothing the schema lacks.
    assert response["userAttributes"] == {
        "email": ev.EMAIL,
        "email_verified": "true",
        "name": ev.NAME,
        "phone_number": ev.PHONE,
    }
    output = capsys.readouterr().out
    assert metric_names(output) == ["UserMigrated"]
    assert_no_personal_data(output)


@pytest.mark.parametrize(
    ("user_name", "password", "reason"),
    [
        (ev.EMAIL, "Wrong-Password-1", "source_NotAuthorizedException"),
        ("nobody@example.com", ev.PASSWORD, "source_UserNotFoundException"),
        ("disabled@example.com", ev.PASSWORD, "disabled_in_source"),
    ],
    ids=["wrong-password", "unknown-user", "disabled-user"],
)
def test_refusals_look_the_same_and_never_log_the_password(
    handler: ModuleType, capsys: pytest.CaptureFixture[str], user_name: str, password: str, reason: str
) -> None:
    event = ev.user_migration(AUTH, user_name=user_name, password=password)

    with pytest.raises(handler.MigrationRefusedError) as refused:
        migrate(handler, event)

    assert str(refused.value) == SIGN_IN_FAILED
    assert refused.value.reason == reason
    output = capsys.readouterr().out
    assert f'"reason":"{reason}"' in output
    assert metric_names(output) == ["MigrationRefused"]
    assert password not in output
    assert_no_personal_data(output)


def test_a_temporary_password_migrates_the_user_into_a_reset(handler: ModuleType) -> None:
    event = ev.user_migration(AUTH, user_name="fresh@example.com", password=TEMPORARY_PASSWORD)

    response = migrate(handler, event)["response"]

    assert response["finalUserStatus"] == "RESET_REQUIRED"


def test_forgot_password_migrates_a_verified_user_for_a_reset(handler: ModuleType) -> None:
    response = migrate(handler, ev.user_migration(RESET))["response"]

    assert response == {
        "userAttributes": {"email": ev.EMAIL, "email_verified": "true", "name": ev.NAME, "phone_number": ev.PHONE},
        "messageAction": "SUPPRESS",
        # Cognito's own empty fields stay as sent; no finalUserStatus: Cognito makes the user RESET_REQUIRED.
        "finalUserStatus": None,
        "desiredDeliveryMediums": None,
        "forceAliasCreation": None,
        "enableSMSMFA": None,
    }


@pytest.mark.parametrize(
    ("user_name", "reason"),
    [
        ("nobody@example.com", "source_UserNotFoundException"),
        ("disabled@example.com", "disabled_in_source"),
        ("fresh@example.com", "email_not_verified"),
    ],
)
def test_forgot_password_refuses_users_who_could_not_reset_in_the_old_pool(
    handler: ModuleType, capsys: pytest.CaptureFixture[str], user_name: str, reason: str
) -> None:
    with pytest.raises(handler.MigrationRefusedError, match=RESET_FAILED) as refused:
        migrate(handler, ev.user_migration(RESET, user_name=user_name))

    assert refused.value.reason == reason
    assert_no_personal_data(capsys.readouterr().out)


def test_a_failing_source_pool_is_logged_by_error_code_only(
    handler: ModuleType, old_pool: OldPool, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the old pool throttles (a response valid for the service model, through botocore's Stubber)
    client = boto3.client("cognito-idp", region_name="us-east-1")
    stubber = Stubber(client)
    stubber.add_client_error(
        "admin_get_user",
        service_error_code="TooManyRequestsException",
        service_message=f"Rate exceeded for {ev.EMAIL} / {ev.PASSWORD}",
        http_status_code=429,
        expected_params={"UserPoolId": old_pool.pool_id, "Username": ev.EMAIL},
    )
    monkeypatch.setattr(handler.aws, "source_client", lambda region: client)

    with stubber, pytest.raises(handler.MigrationRefusedError, match=SIGN_IN_FAILED):
        migrate(handler, ev.user_migration(AUTH))

    output = capsys.readouterr().out
    assert '"error_code":"TooManyRequestsException"' in output
    assert "Rate exceeded" not in output
    assert_no_personal_data(output)


def test_the_password_goes_only_to_the_old_pools_admin_password_check(
    handler: ModuleType, old_pool: OldPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Stubber checks every parameter against the service model and what we expect.
    client = boto3.client("cognito-idp", region_name="us-east-1")
    stubber = Stubber(client)
    user = {
        "Username": "a1b2c3d4-0000-4000-8000-000000000001",
        "UserAttributes": [{"Name": "sub", "Value": "old-sub"}, {"Name": "email", "Value": ev.EMAIL}],
        "UserStatus": "CONFIRMED",
        "Enabled": True,
    }
    stubber.add_response("admin_get_user", user, {"UserPoolId": old_pool.pool_id, "Username": ev.EMAIL})
    stubber.add_response(
        "admin_initiate_auth",
        {"ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": "s" * 20, "ChallengeParameters": {}},
        {
            "UserPoolId": old_pool.pool_id,
            "ClientId": old_pool.client_id,
            "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": user["Username"], "PASSWORD": ev.PASSWORD},
        },
    )
    monkeypatch.setattr(handler.aws, "source_client", lambda region: client)

    with stubber:
        response = migrate(handler, ev.user_migration(AUTH))["response"]

    # An account the old pool protects with MFA never opens with the password alone: it must reset.
    assert response["finalUserStatus"] == "RESET_REQUIRED"
    assert response["userAttributes"] == {"email": ev.EMAIL}


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        ({"AuthenticationResult": {"AccessToken": "x"}}, "CONFIRMED"),
        ({"ChallengeName": "NEW_PASSWORD_REQUIRED"}, "RESET_REQUIRED"),
        ({"ChallengeName": "SMS_MFA"}, "RESET_REQUIRED"),
        ({"ChallengeName": "EMAIL_OTP"}, "RESET_REQUIRED"),
        ({"ChallengeName": "MFA_SETUP"}, "RESET_REQUIRED"),
        ({"ChallengeName": "SELECT_MFA_TYPE"}, "RESET_REQUIRED"),
    ],
)
def test_final_status_after_the_old_pool_accepted_the_password(answer: dict[str, Any], status: str) -> None:
    assert final_status(answer) == status


@pytest.mark.parametrize("answer", [{}, {"ChallengeName": "CUSTOM_CHALLENGE"}, {"ChallengeName": "PASSWORD"}])
def test_an_answer_that_does_not_prove_the_password_refuses(answer: dict[str, Any]) -> None:
    with pytest.raises(MigrationRefusedError, match=SIGN_IN_FAILED):
        final_status(answer)


def test_attributes_cognito_refuses_are_never_returned() -> None:
    user = OldUser(
        "u",
        "CONFIRMED",
        True,
        {
            "sub": "old-sub",
            "identities": "[]",
            "cognito:mfa_enabled": "true",
            "custom:tenant": "t1",
            "email": ev.EMAIL,
            "name": "",
        },
    )
    assert migrated_attributes(user, [*STANDARD, "sub", "identities"]) == {"email": ev.EMAIL}


@pytest.mark.parametrize(
    ("env", "match"),
    [
        ({"SOURCE_USER_POOL_ID": "pool", "SOURCE_CLIENT_ID": "c", "MIGRATED_ATTRIBUTES": '["email"]'}, "POOL_ID"),
        ({"SOURCE_USER_POOL_ID": "eu-west-1_Ab1", "SOURCE_CLIENT_ID": "", "MIGRATED_ATTRIBUTES": "[]"}, "CLIENT_ID"),
        ({"SOURCE_USER_POOL_ID": "eu-west-1_Ab1", "SOURCE_CLIENT_ID": "c1", "MIGRATED_ATTRIBUTES": "[]"}, "ATTRIBUTES"),
        ({"SOURCE_USER_POOL_ID": "eu-west-1_Ab1", "SOURCE_CLIENT_ID": "c1", "MIGRATED_ATTRIBUTES": "{"}, "JSON"),
    ],
)
def test_invalid_configuration_fails_at_cold_start(env: dict[str, str], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        load_source(env)


def test_the_source_region_comes_from_the_pool_id() -> None:
    source = load_source(
        {"SOURCE_USER_POOL_ID": "ap-southeast-2_Ab1", "SOURCE_CLIENT_ID": "c1", "MIGRATED_ATTRIBUTES": '["email"]'}
    )
    assert source.region == "ap-southeast-2"
