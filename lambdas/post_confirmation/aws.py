"""The cognito-idp client: created on first use, then reused for the life of the container."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

# Cognito waits 5 s for a trigger: fail fast (2 attempts of at most 1 s connect + 1.5 s read).
_CLIENT_CONFIG = Config(connect_timeout=1, read_timeout=1.5, retries={"mode": "standard", "max_attempts": 2})


@cache
def cognito_client() -> Any:
    return boto3.client("cognito-idp", config=_CLIENT_CONFIG)


def error_code(error: Exception) -> str:
    """AWS error code for logs (never the message, which may echo request values)."""
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code", "Unknown"))
    return type(error).__name__
