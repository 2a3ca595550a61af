"""AWS clients, created once per container on first use, and the mapping of AWS errors to API errors."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.config import Config
from botocore.exceptions import ClientError

from api.errors import ApiError, BadRequestError, UpstreamBusyError, UpstreamError
from api.observability import logger

# Fail fast inside API Gateway's 30 s integration timeout; "standard" retries back off on throttling.
_CONFIG = Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard", "max_attempts": 3})

_BAD_INPUT = frozenset({"InvalidArgument", "InvalidParameterException", "InvalidToken"})
_THROTTLED = frozenset({"SlowDown", "Throttling", "ThrottlingException", "TooManyRequestsException",
                        "RequestLimitExceeded", "ServiceUnavailable",
                        "ProvisionedThroughputExceededException"})  # fmt: skip


# boto3 is imported on first use: /health and /me never need it, and it adds ~50 ms to a cold start.
@functools.cache
def s3_client() -> Any:
    import boto3

    # SigV4 and virtual-hosted URLs: presigned URLs must work in every region, including new ones.
    return boto3.client(
        "s3", config=_CONFIG.merge(Config(signature_version="s3v4", s3={"addressing_style": "virtual"}))
    )


@functools.cache
def cognito_client() -> Any:
    import boto3

    return boto3.client("cognito-idp", config=_CONFIG)


@functools.cache
def dynamodb_client() -> Any:
    import boto3

    return boto3.client("dynamodb", config=_CONFIG)


@functools.cache
def identity_client() -> Any:
    """cognito-identity, signed with the function's role: DeleteIdentities."""
    import boto3

    return boto3.client("cognito-identity", config=_CONFIG)


@functools.cache
def public_identity_client() -> Any:
    """cognito-identity, unsigned: GetId is a public API that takes no AWS credentials (Amazon Cognito Identity API
    Reference, GetId), so the function's role needs no permission for it."""
    import boto3
    from botocore import UNSIGNED

    return boto3.client("cognito-identity", config=_CONFIG.merge(Config(signature_version=UNSIGNED)))


@functools.cache
def sqs_client() -> Any:
    import boto3

    return boto3.client("sqs", config=_CONFIG)


def to_api_error(error: ClientError, *, what: str) -> ApiError:
    """Map a ClientError to what the caller should see; `what` names the thing, e.g. "file"."""
    code = str(error.response.get("Error", {}).get("Code", ""))
    logger.warning("AWS call failed", extra={"aws_error_code": code, "operation": error.operation_name})
    if code in _BAD_INPUT:
        return BadRequestError(f"invalid request for {what}")
    if code in _THROTTLED:
        return UpstreamBusyError("service busy, retry later")
    return UpstreamError("upstream service error")


@contextmanager
def aws_errors(what: str) -> Iterator[None]:
    """Turn a ClientError raised inside the block into the matching ApiError."""
    try:
        yield
    except ClientError as error:
        raise to_api_error(error, what=what) from error
