"""Which message to send and how to fill it in; no AWS objects involved."""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import escape
from typing import Any, NamedTuple
from urllib.parse import urlencode

from custom_message.config import Config
from custom_message.templates import MessageTemplate

KIND_BY_TRIGGER = {
    "CustomMessage_SignUp": "sign_up",
    "CustomMessage_ResendCode": "sign_up",
    "CustomMessage_ForgotPassword": "forgot_password",
    "CustomMessage_AdminCreateUser": "invitation",
    "CustomMessage_UpdateUserAttribute": "verify_attribute",
    "CustomMessage_VerifyUserAttribute": "verify_attribute",
    "CustomMessage_Authentication": "sign_in_code",
}
SUBJECT_MAX_LENGTH = 140
SMS_MAX_LENGTH = 140
# Real app client ids are lowercase alphanumerics; admin actions send "CLIENT_ID_NOT_APPLICABLE".
_CLIENT_ID = re.compile(r"[a-z0-9]{1,128}")
# The placeholders Cognito sends; used to check the templates at cold start.
SAMPLE_REQUEST = {"codeParameter": "{####}", "usernameParameter": "{username}"}


class MessageError(ValueError):
    """The message would be rejected by Cognito (missing placeholder, too long)."""


class Message(NamedTuple):
    subject: str
    email: str
    sms: str


def sign_in_url(config: Config, client_id: str | None) -> str:
    """Managed login sign-in page for the calling app client, or the login base URL without one.

    The redirect is always the web client's callback: this function cannot learn which client id is
    the web client (that would make the pool depend on itself), so a message started from the native
    client links to a page that answers redirect_mismatch. Its code still works in the app.
    """
    if client_id is None or not _CLIENT_ID.fullmatch(client_id):
        return config.login_url
    query = urlencode({"client_id": client_id, "response_type": "code", "redirect_uri": config.web_callback_url})
    return f"{config.login_url}/login?{query}"


def compose(
    trigger_source: str,
    request: Mapping[str, Any],
    client_id: str | None,
    config: Config,
    templates: Mapping[str, MessageTemplate],
) -> Message | None:
    """The branded message for this trigger source, or None to let Cognito send its default message.

    Values are HTML-escaped in the email and inserted as they are in the subject and SMS. User
    attributes are deliberately never inserted: they are user-controlled text in a trusted email.
    """
    kind = KIND_BY_TRIGGER.get(trigger_source)
    if kind is None:
        return None
    code = _text(request.get("codeParameter"))
    username = _text(request.get("usernameParameter"))
    if code is None or (kind == "invitation" and username is None):
        raise MessageError(f"{trigger_source} event lacks the code or username placeholder")
    plain = {"app_name": config.app_name, "code": code, "username": username or ""}
    template = templates[kind]
    subject = template.subject.substitute(plain)
    html_values = {name: escape(value) for name, value in plain.items()}
    html_values.update(subject=escape(subject), sign_in_url=escape(sign_in_url(config, client_id)))
    message = Message(subject, template.email.substitute(html_values), template.sms.substitute(plain))
    check(message, [code, username] if kind == "invitation" and username is not None else [code])
    return message


def check(message: Message, placeholders: list[str]) -> None:
    """Cognito rejects messages without its placeholders; fail here with a clear reason instead."""
    for placeholder in placeholders:
        if placeholder not in message.email or placeholder not in message.sms:
            raise MessageError(f"rendered message lacks the placeholder {placeholder!r}")
    if len(message.subject) > SUBJECT_MAX_LENGTH or len(message.sms) > SMS_MAX_LENGTH:
        raise MessageError(f"subject or SMS longer than {SMS_MAX_LENGTH} characters")


def check_templates(config: Config, templates: Mapping[str, MessageTemplate]) -> None:
    """Render every trigger source once with Cognito's placeholders (at cold start)."""
    for trigger_source in KIND_BY_TRIGGER:
        compose(trigger_source, SAMPLE_REQUEST, None, config, templates)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
