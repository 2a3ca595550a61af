"""The API tests' environment: the real handler with moto S3 and Cognito behind it, reached through requests as
API Gateway delivers them (aws_events.http_api builds every event), and token claims as Cognito issues them.

Test modules wrap `api_environment` in a fixture of their own (conftest files belong to others).
"""

from __future__ import annotations

import functools
import json
import os
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from moto import mock_aws

from aws_events.http_api import GatewayAnswer, Request, Route, gateway_path, http_api_event, match_route
from stacks import names

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
    """The claims of a Cognito access token, with their JSON types (aws_events turns them into the authorizer's
    strings)."""
    claims: dict[str, Any] = {
        "auth_time": 1718000000,
        "client_id": client_id,
        "event_id": "2f4c7b0e-1d8a-4a8e-9a56-7a0c2b1d3e4f",
        "exp": 1718003600,
        "iat": 1718000000,
        "iss": f"https://cognito-idp.{REGION}.amazonaws.com/{user_pool_id}",
        "jti": "c0ffee00-1234-4cde-8f00-0123456789ab",
        "origin_jti": "decade00-1234-4cde-8f00-0123456789ab",
        "scope": " ".join(f"{RESOURCE_SERVER}/{scope}" for scope in scopes),
        "sub": sub,
        "token_use": "access",
        "version": 2,
    }
    if username is not None:
        claims["username"] = username
    if groups is not None:
        claims["cognito:groups"] = list(groups)
    claims.update(overrides)
    return claims


def machine_claims(user_pool_id: str, *, scopes: tuple[str, ...] = ("profile.read",)) -> dict[str, Any]:
    """A client-credentials access token: `sub` is the client id, no username, no groups."""
    return access_claims(
        user_pool_id, sub=SERVICE_CLIENT, username=None, groups=None, client_id=SERVICE_CLIENT, scopes=scopes
    )


# The API's routes as they deploy (tests/infra/test_http_api.py checks them against the synthesized template).
API_ROUTES = tuple(
    Route(key, None if scope is None else (f"{RESOURCE_SERVER}/{scope}",)) for key, scope in names.API_ROUTES.items()
)


def request(method: str, path: str, *, token: str | None = FAKE_TOKEN, **kwargs: Any) -> Request:
    """A client's request, sending a bearer token unless `token=None` (see Request.build for the rest)."""
    return Request.build(method, path, token=token, **kwargs)


def event_for(request: Request, claims: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The event API Gateway sends for `request`, on the route it selects, with the claims of a token its
    authorizer accepted (None: no authorizer ran). GatewayAnswer when API Gateway would answer itself."""
    matched = match_route(API_ROUTES, request.method, gateway_path(request.path))
    if matched is None:
        raise GatewayAnswer(404, "Not Found")
    return http_api_event(request, route=matched[0], claims=claims)


class SchemaDrivenCounts(UserWarning):
    """The property test's counts, shown in the summary (pytest-xdist relays warnings, not a worker's output).

    Defined here rather than in the test module: the xdist controller imports a warning's category by module name.
    """


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

    def invoke(self, event: dict[str, Any]) -> Reply:
        """The handler's answer to `event`."""
        from api.handler import lambda_handler

        response = lambda_handler(event, LambdaContext())
        text = response.get("body") or ""
        return Reply(response["statusCode"], response.get("headers") or {}, json.loads(text) if text else None)

    def call(self, request: Request, claims: Mapping[str, Any] | None = None) -> Reply:
        """The answer to `request` as API Gateway delivers it, the authorizer having accepted `claims`."""
        try:
            event = event_for(request, claims)
        except GatewayAnswer as answer:
            response = answer.response
            return Reply(response.status, dict(response.headers), response.json())
        return self.invoke(event)

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
