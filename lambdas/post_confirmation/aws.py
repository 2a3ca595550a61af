"""The cognito-idp client: created on first use (importing boto3), then reused for the life of the container."""

from __future__ import annotations

from functools import cache
from typing import Any

from shared import trigger_aws
from shared.trigger_aws import aws_errors, error_code

__all__ = ["aws_errors", "cognito_client", "error_code"]


@cache
def cognito_client() -> Any:
    return trigger_aws.cognito_client()
