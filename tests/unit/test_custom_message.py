"""Custom message: branded email and SMS for every trigger source, with Cognito's placeholders intact."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from aws_events import cognito as ev
from custom_message.config import Config, ConfigError, load_config
from custom_message.logic import KIND_BY_TRIGGER, MessageError, check_templates, compose
from custom_message.templates import TEMPLATE_DIR, TemplateError, load_templates
from tests.unit.trigger_support import (
    FakeLambdaContext,
    assert_no_personal_data,
    import_handler,
    metric_names,
    powertools_env,
)

LOGIN_URL = "https://cognito-ref-dev-login.auth.us-east-1.amazoncognito.com"
ENV = {
    "LOGIN_URL": LOGIN_URL,
    "APP_NAME": "Cognito Ref",
    "WEB_CALLBACK_URL": "https://app.example.com/callback",
    "EMAIL_SENDING_ACCOUNT": "DEVELOPER",
}
CONFIG = Config(login_url=LOGIN_URL, app_name="Cognito Ref", web_callback_url="https://app.example.com/callback")


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    powertools_env(monkeypatch)
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def handler(env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> ModuleType:
    return import_handler("custom_message", monkeypatch)


def invoke(handler: ModuleType, event: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = handler.lambda_handler(event, FakeLambdaContext())
    return result


def test_every_documented_trigger_source_has_a_message() -> None:
    assert set(ev.CUSTOM_MESSAGE_SOURCES) == set(KIND_BY_TRIGGER)


@pytest.mark.parametrize("trigger_source", ev.CUSTOM_MESSAGE_SOURCES)
def test_each_trigger_source_gets_a_branded_message_with_its_placeholders(
    handler: ModuleType, trigger_source: str
) -> None:
    event = ev.custom_message(trigger_source)

    response = invoke(handler, event)["response"]

    # Then both channels carry the code placeholder (and the username for invitations)
    required = ["{####}", "{username}"] if trigger_source == "CustomMessage_AdminCreateUser" else ["{####}"]
    for placeholder in required:
        assert placeholder in response["emailMessage"]
        assert placeholder in response["smsMessage"]
    assert response["emailMessage"].startswith("<!DOCTYPE html>")
    assert "Cognito Ref" in response["emailSubject"]
    assert len(response["smsMessage"]) <= 140
    # and user-controlled attributes never reach the message
    assert "Jane" not in response["emailMessage"] + response["smsMessage"]


def test_sign_in_link_uses_the_calling_client(handler: ModuleType) -> None:
    response = invoke(handler, ev.custom_message("CustomMessage_SignUp"))["response"]

    assert (
        f'href="{LOGIN_URL}/login?client_id=3n4b5urk1ft4fl3mg5e62d9ado&amp;response_type=code'
        '&amp;redirect_uri=https%3A%2F%2Fapp.example.com%2Fcallback"'
    ) in response["emailMessage"]


def test_admin_created_users_get_the_login_base_url(handler: ModuleType) -> None:
    # AdminCreateUser runs without an app client: callerContext.clientId is CLIENT_ID_NOT_APPLICABLE
    response = invoke(handler, ev.custom_message("CustomMessage_AdminCreateUser"))["response"]

    assert f'href="{LOGIN_URL}"' in response["emailMessage"]
    assert "CLIENT_ID_NOT_APPLICABLE" not in response["emailMessage"]


def test_sign_in_codes_carry_no_link(handler: ModuleType) -> None:
    response = invoke(handler, ev.custom_message("CustomMessage_Authentication"))["response"]

    assert "href=" not in response["emailMessage"]


def test_inserted_values_are_html_escaped_in_the_email_only() -> None:
    config = CONFIG._replace(app_name='<Acme & "Co">')

    message = compose("CustomMessage_SignUp", {"codeParameter": "{####}"}, None, config, load_templates())

    assert message is not None
    assert "&lt;Acme &amp; &quot;Co&quot;&gt;" in message.email
    assert "<Acme" not in message.email
    assert message.subject.startswith('Confirm your <Acme & "Co">')
    assert message.sms.startswith('<Acme & "Co">:')


def test_unknown_trigger_source_keeps_the_default_message(
    handler: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    event = ev.custom_message("CustomMessage_SignUp")
    event["triggerSource"] = "CustomMessage_SomethingNew"

    assert invoke(handler, event) == {**ev.custom_message(), "triggerSource": "CustomMessage_SomethingNew"}
    assert metric_names(capsys.readouterr().out) == ["MessageDefaulted"]


@pytest.mark.parametrize(
    ("trigger_source", "missing"),
    [("CustomMessage_SignUp", "codeParameter"), ("CustomMessage_AdminCreateUser", "usernameParameter")],
)
def test_missing_placeholder_falls_back_to_the_default_message(
    handler: ModuleType, capsys: pytest.CaptureFixture[str], trigger_source: str, missing: str
) -> None:
    event = ev.custom_message(trigger_source)
    event["request"][missing] = None

    response = invoke(handler, event)["response"]

    assert response == {"smsMessage": None, "emailMessage": None, "emailSubject": None}
    output = capsys.readouterr().out
    assert "falling back to the default message" in output
    assert metric_names(output) == ["MessageDefaulted"]


def test_logs_carry_no_personal_data(handler: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    for trigger_source in ev.CUSTOM_MESSAGE_SOURCES:
        invoke(handler, ev.custom_message(trigger_source))

    output = capsys.readouterr().out
    assert metric_names(output) == ["MessageCustomized"] * len(ev.CUSTOM_MESSAGE_SOURCES)
    assert_no_personal_data(output)


@pytest.mark.parametrize("trigger_source", ev.CUSTOM_MESSAGE_SOURCES)
def test_default_sender_keeps_cognitos_email_and_customises_only_the_sms(
    env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], trigger_source: str
) -> None:
    # Given a pool on Cognito's default sender, which refuses emailSubject and emailMessage
    monkeypatch.setenv("EMAIL_SENDING_ACCOUNT", "COGNITO_DEFAULT")
    handler = import_handler("custom_message", monkeypatch)

    response = invoke(handler, ev.custom_message(trigger_source))["response"]

    # Then the email fields stay exactly as Cognito sent them, and the SMS is still branded
    assert (response["emailSubject"], response["emailMessage"]) == (None, None)
    assert response["smsMessage"].startswith("Cognito Ref")
    assert "{####}" in response["smsMessage"]
    assert metric_names(capsys.readouterr().out) == ["MessageCustomized"]


def test_default_sender_adds_no_email_fields_to_a_response_without_them(
    env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EMAIL_SENDING_ACCOUNT", "COGNITO_DEFAULT")
    handler = import_handler("custom_message", monkeypatch)
    event = ev.custom_message("CustomMessage_ForgotPassword")
    event["response"] = {}

    assert set(invoke(handler, event)["response"]) == {"smsMessage"}


@pytest.fixture
def template_copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(TEMPLATE_DIR, tmp_path / "templates"))


def test_template_without_code_placeholder_is_caught_at_cold_start(template_copy: Path) -> None:
    (template_copy / "sign_in_code.html").write_text("<p>Hello from $app_name</p>", encoding="utf-8")

    with pytest.raises(MessageError, match=r"\{####\}"):
        check_templates(CONFIG, load_templates(template_copy))


def test_sms_too_long_is_caught_at_cold_start(template_copy: Path) -> None:
    messages = template_copy / "messages.json"
    messages.write_text(messages.read_text(encoding="utf-8").replace("$code", "$code" + "." * 140), encoding="utf-8")

    with pytest.raises(MessageError, match="longer than"):
        check_templates(CONFIG, load_templates(template_copy))


@pytest.mark.parametrize(
    ("file", "content"),
    [
        ("layout.html", "<html>no content slot</html>"),
        ("sign_up.html", "<p>$code for $given_name</p>"),
        ("messages.json", '{"sign_up": {"subject": "Hi"}}'),
    ],
)
def test_malformed_templates_are_rejected(template_copy: Path, file: str, content: str) -> None:
    (template_copy / file).write_text(content, encoding="utf-8")

    with pytest.raises(TemplateError):
        load_templates(template_copy)


@pytest.mark.parametrize(
    ("patch", "variable"),
    [
        ({"LOGIN_URL": ""}, "LOGIN_URL"),
        ({"LOGIN_URL": "http://cognito-ref.auth.us-east-1.amazoncognito.com"}, "LOGIN_URL"),
        ({"LOGIN_URL": f"{LOGIN_URL}/login"}, "LOGIN_URL"),
        ({"APP_NAME": ""}, "APP_NAME"),
        ({"APP_NAME": "x" * 41}, "APP_NAME"),
        ({"APP_NAME": "Line\nbreak"}, "APP_NAME"),
        ({"WEB_CALLBACK_URL": "https://app.example.com/callback#frag"}, "WEB_CALLBACK_URL"),
        ({"WEB_CALLBACK_URL": "http://app.example.com/callback"}, "WEB_CALLBACK_URL"),
        ({"EMAIL_SENDING_ACCOUNT": ""}, "EMAIL_SENDING_ACCOUNT"),
        ({"EMAIL_SENDING_ACCOUNT": "SES"}, "EMAIL_SENDING_ACCOUNT"),
    ],
)
def test_invalid_configuration_fails_at_cold_start_naming_the_variable(patch: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError, match=variable):
        load_config({**ENV, **patch})


def test_localhost_callback_and_trailing_slash_are_accepted() -> None:
    config = load_config({**ENV, "LOGIN_URL": LOGIN_URL + "/", "WEB_CALLBACK_URL": "http://localhost:5173/callback"})

    assert config.login_url == LOGIN_URL
    assert config.customise_email is True
    assert load_config({**ENV, "EMAIL_SENDING_ACCOUNT": "COGNITO_DEFAULT"}).customise_email is False
