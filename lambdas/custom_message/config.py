"""Environment configuration, parsed once per container (plain parsing: pydantic would dominate cold start).

LOGIN_URL         managed login base URL, https://<prefix>.auth.<region>.amazoncognito.com (or a custom domain)
APP_NAME          1-40 printable characters, shown in subjects, emails and SMS
WEB_CALLBACK_URL  redirect_uri of sign-in links; https (http only for localhost), no query or fragment
EMAIL_SENDING_ACCOUNT  the user pool's EmailSendingAccount: DEVELOPER (SES) or COGNITO_DEFAULT. Cognito
                  accepts emailSubject and emailMessage only from a DEVELOPER pool ("EmailSubject is
                  allowed only if EmailSendingAccount is DEVELOPER", MessageTemplateType API reference;
                  the "Custom message Lambda trigger" page answers InvalidLambdaResponseException)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple
from urllib.parse import urlsplit

# Keeps subjects and SMS short (Cognito: subject <= 140 characters, one SMS segment is 140 bytes).
APP_NAME_MAX_LENGTH = 40
_LOCAL_HOSTS = ("localhost", "127.0.0.1")


class ConfigError(ValueError):
    """An environment variable is missing or malformed (raised at cold start)."""


EMAIL_SENDING_ACCOUNTS = ("COGNITO_DEFAULT", "DEVELOPER")


class Config(NamedTuple):
    login_url: str  # managed login base URL, without a trailing slash
    app_name: str
    web_callback_url: str
    customise_email: bool = False  # EMAIL_SENDING_ACCOUNT is DEVELOPER


def load_config(env: Mapping[str, str]) -> Config:
    """Build the configuration from environment variables; raise ConfigError naming the bad variable."""
    login_url = _url(env, "LOGIN_URL", allow_path=False).rstrip("/")
    app_name = env.get("APP_NAME", "").strip()
    if not app_name or len(app_name) > APP_NAME_MAX_LENGTH or not app_name.isprintable():
        raise ConfigError(f"APP_NAME must be 1-{APP_NAME_MAX_LENGTH} printable characters, got {app_name!r}")
    account = env.get("EMAIL_SENDING_ACCOUNT", "").strip()
    if account not in EMAIL_SENDING_ACCOUNTS:
        raise ConfigError(f"EMAIL_SENDING_ACCOUNT must be one of {', '.join(EMAIL_SENDING_ACCOUNTS)}, got {account!r}")
    return Config(
        login_url=login_url,
        app_name=app_name,
        web_callback_url=_url(env, "WEB_CALLBACK_URL"),
        customise_email=account == "DEVELOPER",
    )


def _url(env: Mapping[str, str], name: str, *, allow_path: bool = True) -> str:
    value = env.get(name, "").strip()
    parts = urlsplit(value)
    secure = parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOCAL_HOSTS)
    if not secure or not parts.hostname or parts.fragment or parts.query or (parts.path.strip("/") and not allow_path):
        raise ConfigError(
            f"{name} must be an absolute https URL (http only for localhost) without query or fragment"
            f"{'' if allow_path else ' or path'}, got {value!r}"
        )
    return value
