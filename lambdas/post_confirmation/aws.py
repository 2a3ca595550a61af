"""The cognito-idp client: created on first use, then reused for the life of the container."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3

from shared.trigger_aws import CLIENT_CONFIG, error_code

__all__ = ["cognito_client", "error_code"]


@cache
def cognito_client() -> Any:
    return boto3.client("cognito-idp", config=CLIENT_CONFIG)
