"""Helpers for the API tests: realistic HTTP API (payload 2.0) events, claims as API Gateway passes them,
and an environment with moto S3 and Cognito behind the real handler.

Test modules wrap `api_environment` in a fixture of their own (conftest files belong to others).
"""

from __future__ import annotations

import base64
import functools
import json
import os
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote, urlencode

import boto3
import pytest
from moto import mock_aws

REGION = "us-east-1"
RESOURCE_SERVER = "cognito-ref-api"
WEB_CLIENT = "4m1ht8rqp0webclient0000001"
NATIVE_CLIENT = "5n2iu9srq1nativeclient0002"
SERVICE_CLIENT = "6o3jv0tsr2serviceclient003"
FOREIGN_CLIENT = "7p4kw1uts3foreignclient004"
BUCKET = "cognito-ref-test-data"
FAKE_USER_POOL_ID = "us-east-1_T3stP00l1"
ALLOWED_TYPES = ["image/png", "image/jpeg", "application/pdf", "text/plain"]
MAX_BYTES = 10 * 1024 * 1024
ALICE = "0b4c5d6e-7f80-4912-a3b4-c5d6e7f80912"
BOB = "1c5d6e7f-8091-4a23-b4c5-d6e7f8091a23"
ALL_SCOPES = ("profile.read", "files.read", "files.write")
# Looks like a JWT; tests assert it never reaches a log line.
FAKE_TOKEN = "eyJraWQiOiJ0ZXN0LWtpZCIsImFsZyI6IlJTMjU2In0.eyJzdWIiOiJ0ZXN0In0.ZmFrZS1zaWduYXR1cmUtZm9yLXRlc3Rz"


def api_env(user_pool_id: str) -> dict[str, str]:
    return {
        "DATA_BUCKET": BUCKET,
        "USER_POOL_ID": user_pool_id,
        "CLIENT_IDS": json.dumps([WEB_CLIENT, NATIVE_CLIENT, SERVICE_CLIENT]),
        "ADMIN_GROUP": "admins",
        "UPLOAD_CONTENT_TYPES": json.dumps(ALLOWED_TYPES),
        "UPLOAD_MAX_BYTES": str(MAX_BYTES),
        "RESOURCE_SERVER_IDENTIFIER": RESOURCE_SERVER,
        "URL_EXPIRES_SECONDS": "300",
        "POWERTOOLS_SERVICE_NAME": "api",
        "POWERTOOLS_METRICS_NAMESPACE": "CognitoRefTest",
        "POWERTOOLS_TRACE_DISABLED": "1",
    }


def access_claims(
    user_pool_id: str,
    *,
    sub: str = ALICE,
    username: str | None = "alice",
    scopes: tuple[str, ...] = ALL_SCOPES,
    groups: tuple[str, ...] | None = ("users",),
    client_id: str = WEB_CLIENT,
    **overrides: Any,
) -> dict[str, Any]:
    """Access-token claims exactly as the HTTP API JWT authorizer hands them over: every value a string."""
    claims: dict[str, Any] = {
        "auth_time": "1718000000",
        "client_id": client_id,
        "event_id": "2f4c7b0e-1d8a-4a8e-9a56-7a0c2b1d3e4f",
        "exp": "1718003600",
        "iat": "1718000000",
        "iss": f"https://cognito-idp.{REGION}.amazonaws.com/{user_pool_id}",
        "jti": "c0ffee00-1234-4cde-8f00-0123456789ab",
        "origin_jti": "decade00-1234-4cde-8f00-0123456789ab",
        "scope": " ".join(f"{RESOURCE_SERVER}/{scope}" for scope in scopes),
        "sub": sub,
        "token_use": "access",
        "version": "2",
    }
    if username is not None:
        claims["username"] = username
    if groups is not None:
        claims["cognito:groups"] = "[" + " ".join(groups) + "]"
    claims.update(overrides)
    return claims


def machine_claims(user_pool_id: str, *, scopes: tuple[str, ...] = ("profile.read",)) -> dict[str, Any]:
    """A client-credentials access token: `sub` is the client id, no username, no groups."""
    return access_claims(
        user_pool_id, sub=SERVICE_CLIENT, username=None, groups=None, client_id=SERVICE_CLIENT, scopes=scopes
    )


def http_event(
    method: str,
    raw_path: str,
    *,
    claims: Mapping[str, Any] | None = None,
    query: Mapping[str, str] | None = None,
    body: str | None = None,
    is_base64: bool = False,
    headers: Mapping[str, str] | None = None,
    route_key: str | None = None,
) -> dict[str, Any]:
    """An API Gateway HTTP API payload 2.0 event; `claims=None` means a public route (no authorizer)."""
    all_headers = {
        "accept": "application/json",
        "content-length": str(len(body or "")),
        "host": "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com",
        "user-agent": "curl/8.5.0",
        "x-amzn-trace-id": "Root=1-6668a1f0-0123456789abcdef01234567",
        "x-forwarded-for": "203.0.113.10",
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https",
    }
    if claims is not None:
        all_headers["authorization"] = f"Bearer {FAKE_TOKEN}"
    if body is not None:
        all_headers["content-type"] = "application/json"
    all_headers.update(headers or {})
    request_context: dict[str, Any] = {
        "accountId": "123456789012",
        "apiId": "a1b2c3d4e5",
        "domainName": "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com",
        "domainPrefix": "a1b2c3d4e5",
        "http": {
            "method": method,
            "path": unquote(raw_path),
            "protocol": "HTTP/1.1",
            "sourceIp": "203.0.113.10",
            "userAgent": "curl/8.5.0",
        },
        "requestId": "ZbqDEhZvoAMEMfQ=",
        "routeKey": route_key or f"{method} {raw_path}",
        "stage": "$default",
        "time": "10/Jun/2024:06:13:20 +0000",
        "timeEpoch": 1718000000000,
    }
    if claims is not None:
        request_context["authorizer"] = {"jwt": {"claims": dict(claims), "scopes": None}}
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": request_context["routeKey"],
        "rawPath": raw_path,
        "rawQueryString": urlencode(query or {}),
        "headers": all_headers,
        "requestContext": request_context,
        "isBase64Encoded": is_base64,
    }
    if query:
        event["queryStringParameters"] = dict(query)
    if body is not None:
        event["body"] = base64.b64encode(body.encode()).decode() if is_base64 else body
    return event


def key_path(key: str) -> str:
    """A relative key as a client puts it into a path segment (encodeURIComponent)."""
    return quote(key, safe="")


@dataclass(frozen=True)
class LambdaContext:
    function_name: str = "cognito-ref-dev-api"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:cognito-ref-dev-api"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any


@dataclass
class ApiEnv:
    user_pool_id: str
    s3: Any
    cognito: Any

    def call(self, event: dict[str, Any]) -> Reply:
        from api.handler import lambda_handler

        response = lambda_handler(event, LambdaContext())
        text = response.get("body") or ""
        return Reply(response["statusCode"], response.get("headers") or {}, json.loads(text) if text else None)

    def claims(self, **kwargs: Any) -> dict[str, Any]:
        return access_claims(self.user_pool_id, **kwargs)

    def put(self, key: str, body: bytes = b"hello", *, sub: str = ALICE) -> None:
        self.s3.put_object(Bucket=BUCKET, Key=f"private/{sub}/{key}", Body=body)


@functools.cache
def _test_clients() -> tuple[Any, Any]:
    # Creating a boto3 client costs ~0.1 s; moto intercepts clients created before a mock starts (as long as
    # moto is imported first), so the tests and the handler (api.aws caches its own) reuse theirs.
    return boto3.client("s3", region_name=REGION), boto3.client("cognito-idp", region_name=REGION)


@contextmanager
def api_environment(monkeypatch: pytest.MonkeyPatch, *, user_pool: bool = False) -> Iterator[ApiEnv]:
    """moto S3 with the data bucket, dummy credentials, the API's environment; with `user_pool`, a moto
    Cognito user pool (creating one costs ~0.15 s, so only the admin tests ask for it)."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    from api.observability import metrics
    from api.settings import get_settings

    with mock_aws():
        s3, cognito = _test_clients()
        s3.create_bucket(Bucket=BUCKET)
        user_pool_id = (
            cognito.create_user_pool(PoolName="test-pool")["UserPool"]["Id"] if user_pool else FAKE_USER_POOL_ID
        )
        for name, value in api_env(user_pool_id).items():
            monkeypatch.setenv(name, value)
        # Metrics read the namespace when api.observability is imported, which another test may have done
        # before this environment existed (in Lambda the environment always comes first).
        monkeypatch.setattr(metrics, "namespace", os.environ["POWERTOOLS_METRICS_NAMESPACE"])
        get_settings.cache_clear()
        try:
            yield ApiEnv(user_pool_id=user_pool_id, s3=s3, cognito=cognito)
        finally:
            get_settings.cache_clear()
