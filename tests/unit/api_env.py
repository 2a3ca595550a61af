"""The API tests' environment: the real handler with moto S3, DynamoDB, SQS and Cognito behind it (and a stand-in for
Cognito Identity, tests/unit/identity_pool.py), reached through requests as API Gateway delivers them
(aws_events.http_api builds every event), and token claims as Cognito issues them.

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
from tests.support import create_records_table
from tests.unit.identity_pool import IdentityPoolStandIn

REGION = "us-east-1"
RESOURCE_SERVER = "cognito-ref-api"
WEB_CLIENT = "4m1ht8rqp0webclient0000001"
NATIVE_CLIENT = "5n2iu9srq1nativeclient0002"
SERVICE_CLIENT = "6o3jv0tsr2serviceclient003"
FOREIGN_CLIENT = "7p4kw1uts3foreignclient004"
BUCKET = "cognito-ref-test-data"
TABLE = "cognito-ref-test-records"
QUEUE = "cognito-ref-test-erasure"
IDENTITY_POOL_ID = "us-east-1:0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
SWEEP_DELAY_SECONDS = 4200
FAKE_USER_POOL_ID = "us-east-1_T3stP00l1"
ALLOWED_TYPES = ["image/png", "image/jpeg", "application/pdf", "text/plain"]
MAX_BYTES = 10 * 1024 * 1024
ALICE = "0b4c5d6e-7f80-4912-a3b4-c5d6e7f80912"
BOB = "1c5d6e7f-8091-4a23-b4c5-d6e7f8091a23"
ALL_SCOPES = ("profile.read", "files.read", "files.write")
NOTES_SCOPES = ("notes.read", "notes.write")
DELETE_SCOPE = "account.delete"
# Looks like a JWT; tests assert it never reaches a log line.
FAKE_TOKEN = "eyJraWQiOiJ0ZXN0LWtpZCIsImFsZyI6IlJTMjU2In0.eyJzdWIiOiJ0ZXN0In0.ZmFrZS1zaWduYXR1cmUtZm9yLXRlc3Rz"


QUEUE_URL = f"https://sqs.{REGION}.amazonaws.com/123456789012/{QUEUE}"


def api_env(user_pool_id: str, queue_url: str = QUEUE_URL) -> dict[str, str]:
    return {
        "DATA_BUCKET": BUCKET,
        "RECORDS_TABLE": TABLE,
        "USER_POOL_ID": user_pool_id,
        "IDENTITY_POOL_ID": IDENTITY_POOL_ID,
        "ERASURE_QUEUE_URL": queue_url,
        "ERASURE_SWEEP_DELAY_SECONDS": str(SWEEP_DELAY_SECONDS),
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
    remaining_ms: int = 10_000  # the API function's timeout: tests that need less time set it

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


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
    dynamodb: Any
    sqs: Any
    queue_url: str
    identity: IdentityPoolStandIn
    context: LambdaContext = field(default_factory=LambdaContext)

    def invoke(self, event: dict[str, Any]) -> Reply:
        """The handler's answer to `event`."""
        from api.handler import lambda_handler

        response = lambda_handler(event, self.context)
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

    def partition(self, sub: str) -> list[dict[str, Any]]:
        """Every item of `sub`'s partition, as stored."""
        found = self.dynamodb.query(
            TableName=TABLE,
            KeyConditionExpression="#pk = :sub",
            ExpressionAttributeNames={"#pk": names.RECORD_PARTITION_KEY},
            ExpressionAttributeValues={":sub": {"S": sub}},
            ConsistentRead=True,
        )
        items: list[dict[str, Any]] = found["Items"]
        return items

    def versions(self, sub: str) -> list[dict[str, Any]]:
        """Every object version and delete marker under `private/<sub>/`."""
        listing = self.s3.list_object_versions(Bucket=BUCKET, Prefix=f"private/{sub}/")
        return [*listing.get("Versions", []), *listing.get("DeleteMarkers", [])]

    def queued(self) -> list[dict[str, Any]]:
        """The erasure jobs waiting in the queue (received and deleted: the queue is empty afterwards)."""
        jobs = []
        while True:
            answer = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
            messages = answer.get("Messages", [])
            if not messages:
                return jobs
            for message in messages:
                jobs.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])


@functools.cache
def _test_clients() -> tuple[Any, Any, Any, Any]:
    # Creating a boto3 client costs ~0.1 s; moto intercepts clients created before a mock starts (as long as
    # moto is imported first), so the tests and the handler (api.aws caches its own) reuse theirs.
    return tuple(boto3.client(service, region_name=REGION) for service in ("s3", "cognito-idp", "dynamodb", "sqs"))


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
    from api import account, routes
    from api.observability import metrics
    from api.settings import get_settings

    with mock_aws():
        s3, cognito, dynamodb, sqs = _test_clients()
        s3.create_bucket(Bucket=BUCKET)
        s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        create_records_table(dynamodb, TABLE)
        queue_url = sqs.create_queue(QueueName=QUEUE)["QueueUrl"]
        user_pool_id = (
            cognito.create_user_pool(PoolName="test-pool")["UserPool"]["Id"] if user_pool else FAKE_USER_POOL_ID
        )
        for name, value in api_env(user_pool_id, queue_url).items():
            monkeypatch.setenv(name, value)
        identity = IdentityPoolStandIn(IDENTITY_POOL_ID, f"cognito-idp.{REGION}.amazonaws.com/{user_pool_id}")
        # Where the handler takes its Cognito Identity clients from (api.aws makes real ones).
        monkeypatch.setattr(account, "identity_client", lambda: identity)
        monkeypatch.setattr(routes, "public_identity_client", lambda: identity)
        # Metrics read the namespace when api.observability is imported, which another test may have done
        # before this environment existed (in Lambda the environment always comes first).
        monkeypatch.setattr(metrics, "namespace", os.environ["POWERTOOLS_METRICS_NAMESPACE"])
        get_settings.cache_clear()
        try:
            yield ApiEnv(user_pool_id, s3, cognito, dynamodb, sqs, queue_url, identity)
        finally:
            get_settings.cache_clear()
