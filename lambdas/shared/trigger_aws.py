"""AWS-call settings shared by the trigger functions that call Cognito.

Nothing of boto3 or botocore is imported here at module level: a trigger imports this at cold start, and most of its
invocations (a native sign-up, a forgotten-password confirmation) call no AWS service. botocore is imported when a
client is first created or an AWS error is handled, and by then the invocation is one that calls AWS.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from botocore.config import Config

# Cognito waits 5 s for a trigger: fail fast, 2 attempts in all of at most 1 s connect + 1.5 s read each.
# botocore's `total_max_attempts` counts the first request; its `max_attempts` would count retries only.
CONNECT_TIMEOUT_S = 1
READ_TIMEOUT_S = 1.5
TOTAL_MAX_ATTEMPTS = 2


def client_config(*, total_max_attempts: int = TOTAL_MAX_ATTEMPTS) -> Config:
    """The botocore client configuration of every trigger's Cognito client."""
    from botocore.config import Config

    return Config(
        connect_timeout=CONNECT_TIMEOUT_S,
        read_timeout=READ_TIMEOUT_S,
        retries={"mode": "standard", "total_max_attempts": total_max_attempts},
    )


def cognito_client(*, total_max_attempts: int = TOTAL_MAX_ATTEMPTS, **kwargs: Any) -> Any:
    """A cognito-idp client with the trigger settings (callers cache it per container); imports boto3."""
    import boto3

    return boto3.client("cognito-idp", config=client_config(total_max_attempts=total_max_attempts), **kwargs)


def aws_errors() -> tuple[type[Exception], ...]:
    """The exceptions a boto3 call raises, for an `except` clause (evaluated only when something was raised)."""
    from botocore.exceptions import BotoCoreError, ClientError

    return (BotoCoreError, ClientError)


def error_code(error: Exception) -> str:
    """AWS error code for logs (never the message, which may echo request values such as the email)."""
    from botocore.exceptions import ClientError

    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code", "Unknown"))
    return type(error).__name__
