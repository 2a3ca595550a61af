"""The custom message trigger knows the pool's email sender, and sets email fields only when Cognito accepts them.

Cognito accepts `emailSubject` and `emailMessage` from the trigger only when the pool's EmailSendingAccount
is DEVELOPER (SES); with its default sender it answers InvalidLambdaResponseException and no email is
sent ("Custom message Lambda trigger" page; MessageTemplateType API reference). For every profile, the
sender is read from the synthesized user pool, the trigger's environment from the synthesized function,
and the real handler is run with that environment over every trigger source.
"""

from __future__ import annotations

from typing import Any

import pytest

from aws_events import cognito as ev
from tests.support import Synth
from tests.unit.trigger_support import FakeLambdaContext, import_handler, powertools_env

EXPECTED_SENDER = {"dev": "COGNITO_DEFAULT", "prod": "DEVELOPER", "full": "DEVELOPER"}


def resolve(value: Any) -> str:
    """A synthesized environment value as Lambda sees it (the region is the only token in these)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and set(value) == {"Fn::Join"}:
        separator, parts = value["Fn::Join"]
        return separator.join(ev.REGION if part == {"Ref": "AWS::Region"} else resolve(part) for part in parts)
    raise AssertionError(f"unexpected token in the trigger environment: {value!r}")


def custom_message_environment(synth: Synth) -> dict[str, str]:
    resources = synth.templates["Auth"]["Resources"]
    function_id = resources["UserPool"]["Properties"]["LambdaConfig"]["CustomMessage"]["Fn::GetAtt"][0]
    variables = resources[function_id]["Properties"]["Environment"]["Variables"]
    return {name: resolve(value) for name, value in variables.items()}


def test_custom_message_sets_email_fields_only_on_a_pool_that_sends_through_ses(
    synth: Synth, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the pool's sender as synthesized (CloudFormation's default is COGNITO_DEFAULT)
    email = synth.templates["Auth"]["Resources"]["UserPool"]["Properties"].get("EmailConfiguration", {})
    sender = email.get("EmailSendingAccount", "COGNITO_DEFAULT")
    assert sender == EXPECTED_SENDER[synth.profile]
    # and the trigger's environment as synthesized, which tells the trigger that sender
    environment = custom_message_environment(synth)
    assert environment["EMAIL_SENDING_ACCOUNT"] == sender
    powertools_env(monkeypatch)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    handler = import_handler("custom_message", monkeypatch)

    for source in ev.CUSTOM_MESSAGE_SOURCES:
        # When Cognito asks for any message
        response = handler.lambda_handler(ev.custom_message(source), FakeLambdaContext())["response"]

        # Then email content is returned only where Cognito accepts it; the SMS is branded either way
        if sender == "DEVELOPER":
            assert "{####}" in response["emailMessage"]
            assert response["emailSubject"]
        else:
            assert (response["emailMessage"], response["emailSubject"]) == (None, None)
        assert "{####}" in response["smsMessage"]
