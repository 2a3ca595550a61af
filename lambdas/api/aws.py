"""AWS clients, created once per container on first use, and the mapping of AWS errors to API errors.

boto3 and botocore are imported by the first request that calls AWS, never at import: GET /health and GET /me call
no AWS service, and boto3 with one client costs several times the whole rest of a cold start (`make bench`).
A new client is one more cached function over `_client`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from api.errors import ApiError, BadRequestError, UpstreamBusyError, UpstreamError
from api.observability import logger

if TYPE_CHECKING:
    from botocore.exceptions import ClientError

_BAD_INPUT = frozenset({"InvalidArgument", "InvalidParameterException", "InvalidToken"})
_THROTTLED = frozenset({"SlowDown", "Throttling", "ThrottlingException", "TooManyRequestsException",
                        "RequestLimitExceeded", "ServiceUnavailable",
                        "ProvisionedThroughputExceededException"})  # fmt: skip


@functools.cache
def s3_client() -> Any:
    # SigV4 and virtual-hosted URLs: presigned URLs must work in every region, including new ones.
    return _client("s3", signature_version="s3v4", s3={"addressing_style": "virtual"})


@functools.cache
def cognito_client() -> Any:
    return _client("cognito-idp")


def _client(service: str, **config: Any) -> Any:
    """A boto3 client with the API's timeouts and retries, plus the service's own `config` settings."""
    import boto3
    from botocore.config import Config

    # Fail fast inside API Gateway's 30 s integration timeout; "standard" retries back off on throttling.
    settings = Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard", "max_attempts": 3}, **config)
    return boto3.client(service, config=settings)


@functools.cache
def dynamodb_client() -> Any:
    return _client("dynamodb")


@functools.cache
def identity_client() -> Any:
    """cognito-identity, signed with the function's role: DeleteIdentities."""
    return _client("cognito-identity")


@functools.cache
def public_identity_client() -> Any:
    """cognito-identity, unsigned: GetId is a public API that takes no AWS credentials (Amazon Cognito Identity API
    Reference, GetId), so the function's role needs no permission for it."""
    from botocore import UNSIGNED

    return _client("cognito-identity", signature_version=UNSIGNED)


@functools.cache
def sqs_client() -> Any:
    return _client("sqs")


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
    from botocore.exceptions import ClientError  # loaded with the client the block uses

    try:
        yield
    except ClientError as error:
        raise to_api_error(error, what=what) from error
