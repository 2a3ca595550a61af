"""Post confirmation: confirmed sign-ups join the default group (moto user pool), nothing else does."""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType
from typing import Any, NamedTuple

import boto3
import pytest
from moto import mock_aws

from aws_events import cognito as ev
from post_confirmation.config import ConfigError, load_default_group
from post_confirmation.logic import should_add_to_group
from tests.unit.trigger_support import (
    FakeLambdaContext,
    assert_no_personal_data,
    aws_env,
    import_handler,
    metric_names,
    powertools_env,
)

GROUP = "users"


class Pool(NamedTuple):
    client: Any
    pool_id: str
    username: str


@pytest.fixture(scope="module")
def moto_pool() -> Iterator[tuple[Any, str]]:
    """One moto user pool per module: creating a pool costs moto ~0.4 s (it loads an RSA signing key)."""
    with pytest.MonkeyPatch.context() as patch, mock_aws():
        aws_env(patch)
        client = boto3.client("cognito-idp", region_name="us-east-1")
        yield client, client.create_user_pool(PoolName="test", UsernameAttributes=["email"])["UserPool"]["Id"]


@pytest.fixture
def pool(moto_pool: tuple[Any, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[Pool]:
    client, pool_id = moto_pool
    powertools_env(monkeypatch)
    monkeypatch.setenv("DEFAULT_GROUP", GROUP)
    client.create_group(UserPoolId=pool_id, GroupName=GROUP)
    user = client.admin_create_user(
        UserPoolId=pool_id,
        Username="jane.doe@example.com",
        UserAttributes=[{"Name": "email", "Value": "jane.doe@example.com"}],
        MessageAction="SUPPRESS",
    )["User"]
    yield Pool(client, pool_id, user["Username"])
    client.admin_delete_user(UserPoolId=pool_id, Username=user["Username"])
    if client.list_groups(UserPoolId=pool_id)["Groups"]:
        client.delete_group(UserPoolId=pool_id, GroupName=GROUP)


@pytest.fixture
def handler(pool: Pool, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> ModuleType:
    return import_handler("post_confirmation", monkeypatch)


CONFIRM_SIGN_UP = "PostConfirmation_ConfirmSignUp"
CONFIRM_FORGOT_PASSWORD = "PostConfirmation_ConfirmForgotPassword"


def event_for(pool: Pool, trigger_source: str) -> dict[str, Any]:
    event = ev.post_confirmation(trigger_source, user_name=pool.username)
    event["userPoolId"] = pool.pool_id
    return event


def groups_of(pool: Pool) -> list[str]:
    groups = pool.client.admin_list_groups_for_user(UserPoolId=pool.pool_id, Username=pool.username)["Groups"]
    return [g["GroupName"] for g in groups]


def test_confirmed_sign_up_joins_the_default_group(
    handler: ModuleType, pool: Pool, capsys: pytest.CaptureFixture[str]
) -> None:
    event = event_for(pool, CONFIRM_SIGN_UP)

    result = handler.lambda_handler(event, FakeLambdaContext())

    assert result == event_for(pool, CONFIRM_SIGN_UP)
    assert groups_of(pool) == [GROUP]
    assert metric_names(capsys.readouterr().out) == ["UserAddedToGroup"]


def test_retried_invocation_is_harmless(handler: ModuleType, pool: Pool) -> None:
    # Given the user already joined the group (Cognito retries a trigger that timed out)
    handler.lambda_handler(event_for(pool, CONFIRM_SIGN_UP), FakeLambdaContext())

    # When the same event arrives again, it succeeds and the membership stays single
    handler.lambda_handler(event_for(pool, CONFIRM_SIGN_UP), FakeLambdaContext())

    assert groups_of(pool) == [GROUP]


def test_confirm_forgot_password_changes_nothing(
    handler: ModuleType, pool: Pool, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def no_aws_call() -> None:
        raise AssertionError("no Cognito call expected")

    monkeypatch.setattr(handler, "cognito_client", no_aws_call)
    event = event_for(pool, CONFIRM_FORGOT_PASSWORD)

    assert handler.lambda_handler(event, FakeLambdaContext()) == event_for(pool, CONFIRM_FORGOT_PASSWORD)
    assert groups_of(pool) == []
    assert metric_names(capsys.readouterr().out) == ["PostConfirmationSkipped"]


def test_cognito_failure_shows_a_safe_message_and_logs_only_the_error_code(
    handler: ModuleType, pool: Pool, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the default group does not exist (misconfiguration)
    pool.client.delete_group(UserPoolId=pool.pool_id, GroupName=GROUP)

    with pytest.raises(handler.AccountSetupError, match=r"^Your account is confirmed") as raised:
        handler.lambda_handler(event_for(pool, CONFIRM_SIGN_UP), FakeLambdaContext())

    assert raised.value.__cause__ is None
    output = capsys.readouterr().out
    assert '"error_code":"ResourceNotFoundException"' in output
    assert "Group not found" not in output
    assert metric_names(output) == ["GroupAssignmentFailed"]


def test_logs_carry_no_personal_data(handler: ModuleType, pool: Pool, capsys: pytest.CaptureFixture[str]) -> None:
    for trigger_source in (CONFIRM_SIGN_UP, CONFIRM_FORGOT_PASSWORD):
        handler.lambda_handler(event_for(pool, trigger_source), FakeLambdaContext())

    assert_no_personal_data(capsys.readouterr().out)


@pytest.mark.parametrize(
    ("trigger_source", "expected"),
    [
        ("PostConfirmation_ConfirmSignUp", True),
        ("PostConfirmation_ConfirmForgotPassword", False),
        ("PostConfirmation_Unknown", False),
    ],
)
def test_only_sign_up_confirmation_adds_to_the_group(trigger_source: str, expected: bool) -> None:
    assert should_add_to_group(trigger_source) is expected


@pytest.mark.parametrize("value", ["", "two words", "x" * 129, "tab\tgroup"])
def test_invalid_default_group_fails_at_cold_start(value: str) -> None:
    with pytest.raises(ConfigError, match="DEFAULT_GROUP"):
        load_default_group({"DEFAULT_GROUP": value})
