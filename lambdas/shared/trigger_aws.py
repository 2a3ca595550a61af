"""AWS-call settings shared by the trigger functions that call Cognito."""

from __future__ import annotations

from botocore.config import Config
from botocore.exceptions import ClientError

# Cognito waits 5 s for a trigger: fail fast, 2 attempts in all of at most 1 s connect + 1.5 s read each.
# botocore's `total_max_attempts` counts the first request; its `max_attempts` would count retries only.
CLIENT_CONFIG = Config(connect_timeout=1, read_timeout=1.5, retries={"mode": "standard", "total_max_attempts": 2})


def error_code(error: Exception) -> str:
    """AWS error code for logs (never the message, which may echo request values such as the email)."""
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code", "Unknown"))
    return type(error).__name__
