"""The HTTP API Lambda: cold import time of its handler and warm time per request.

Run: `python -m bench api`. Baselines come from the same run: a bare interpreter, the Powertools Logger
import, an empty handler decorated like ours (Logger + Metrics, then + Tracer, whose X-Ray SDK import is
most of our cold start), and an empty APIGatewayHttpResolver with one validated route (the event-handler
floor every route stands on). GET /files uses the handler's own
S3 client with botocore's Stubber attached (no network; parameter validation and response parsing still
run); POST /files/upload-url signs locally. Tracing is disabled, as in tests. Events are built by
aws_events.http_api, as API Gateway delivers them.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from aws_events.http_api import Request, Route, http_api_event
from bench.timing import LAMBDA_ENV, FakeContext, cold_import_ms, per_call_us, table

CALLS = 2_000
AWS_CALLS = 300  # each stubbed call needs a queued response

ENV = {
    "DATA_BUCKET": "cognito-ref-bench-data",
    "USER_POOL_ID": "us-east-1_T3stP00l1",
    "CLIENT_IDS": json.dumps(["4m1ht8rqp0webclient0000001"]),
    "UPLOAD_CONTENT_TYPES": json.dumps(["image/png", "text/plain"]),
    "UPLOAD_MAX_BYTES": "10485760",
    "RESOURCE_SERVER_IDENTIFIER": "cognito-ref-api",
    **LAMBDA_ENV,
}
EMPTY_HANDLER = """
from aws_lambda_powertools import Logger, Metrics
logger = Logger()
metrics = Metrics()
@logger.inject_lambda_context(log_event=False)
@metrics.log_metrics
def lambda_handler(event, context):
    return {"statusCode": 200, "body": "{}"}
"""
EMPTY_TRACED = """
from aws_lambda_powertools import Logger, Metrics, Tracer
logger = Logger()
metrics = Metrics()
tracer = Tracer()
@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event, context):
    return {"statusCode": 200, "body": "{}"}
"""
EMPTY_RESOLVER = """
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
logger = Logger()
metrics = Metrics()
app = APIGatewayHttpResolver(enable_validation=True)
@app.get("/me")
def me() -> dict[str, str]:
    return {"sub": "x"}
@logger.inject_lambda_context(log_event=False)
@metrics.log_metrics
def lambda_handler(event, context):
    return app.resolve(event, context)
"""


def _with_env(statement: str) -> str:
    return f"import os; os.environ.update({ENV!r}); {statement}"


CLAIMS = {
    "sub": "0b4c5d6e-7f80-4912-a3b4-c5d6e7f80912",
    "token_use": "access",
    "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_T3stP00l1",
    "client_id": "4m1ht8rqp0webclient0000001",
    "username": "alice",
    "scope": "cognito-ref-api/profile.read cognito-ref-api/files.read cognito-ref-api/files.write",
    "cognito:groups": ["users"],
    "exp": 1718003600,
}


def _event(route: str, path: str, *, claims: bool = True, **request: Any) -> dict[str, Any]:
    """The event API Gateway delivers for a request on `route` (the JWT authorizer passed `CLAIMS`)."""
    sent = Request.build(route.split(" ")[0], path, token="eyJ.bench.token" if claims else None, **request)
    return http_api_event(sent, route=Route(route, ("x",) if claims else None), claims=CLAIMS if claims else None)


def _invoker(handler: Callable[[dict[str, Any], Any], Any], event: dict[str, Any]) -> Callable[[], object]:
    """Each call gets its own copy of the event, as a fresh invocation would."""
    raw = json.dumps(event)
    context = FakeContext()

    def invoke() -> object:
        response = handler(json.loads(raw), context)
        assert response["statusCode"] == 200, response
        return response

    return invoke


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Logs and EMF metrics go to /dev/null (writing them is still measured)."""
    with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
        yield


def _stub_listing(client: Any, count: int) -> None:
    from botocore.stub import Stubber

    prefix = "private/0b4c5d6e-7f80-4912-a3b4-c5d6e7f80912/"
    objects = [
        {"Key": f"{prefix}file-{i}.txt", "Size": 1024, "LastModified": datetime(2024, 6, 10, tzinfo=UTC), "ETag": '"e"'}
        for i in range(10)
    ]
    stubber = Stubber(client)
    for _ in range(count):
        stubber.add_response("list_objects_v2", {"Contents": objects, "IsTruncated": False, "KeyCount": 10})
    stubber.activate()


def _namespace(source: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec(source, namespace)
    return namespace


def _warm_rows() -> list[tuple[str, float, str, float | None]]:
    me = _event("GET /me", "/me")
    floor = per_call_us(_invoker(_namespace(EMPTY_HANDLER)["lambda_handler"], me), calls=CALLS)
    resolver = per_call_us(_invoker(_namespace(EMPTY_RESOLVER)["lambda_handler"], me), calls=CALLS)

    from api import aws, handler

    _stub_listing(aws.s3_client(), AWS_CALLS * 5 + 1)  # per_call_us: one warm-up call, then 5 repeats
    rows: list[tuple[str, float, str, float | None]] = [
        ("warm empty handler (Logger + Metrics)  [baseline]", floor, "us", 1.0),
        ("warm empty APIGatewayHttpResolver, one validated route", resolver, "us", resolver / floor),
    ]
    for label, event, calls in (
        ("GET /health", _event("GET /health", "/health", claims=False), CALLS),
        ("GET /me", me, CALLS),
        (
            "GET /files (stubbed ListObjectsV2, 10 objects)",
            _event("GET /files", "/files", query={"limit": "10"}),
            AWS_CALLS,
        ),
        (
            "POST /files/upload-url (local SigV4 presign)",
            _event(
                "POST /files/upload-url", "/files/upload-url", json_body={"key": "a.png", "content_type": "image/png"}
            ),
            AWS_CALLS,
        ),
    ):
        value = per_call_us(_invoker(handler.lambda_handler, event), calls=calls)
        rows.append((f"warm {label}", value, "us", value / floor))
    return rows


def main() -> None:
    python = cold_import_ms("pass")
    logger = cold_import_ms("from aws_lambda_powertools import Logger")
    empty = cold_import_ms(f"exec({EMPTY_HANDLER!r})")
    traced = cold_import_ms(f"exec({EMPTY_TRACED!r})")
    resolver = cold_import_ms(f"exec({EMPTY_RESOLVER!r})")
    api = cold_import_ms(_with_env("import api.handler"))
    cold: list[tuple[str, float, str, float | None]] = [
        ("cold python -c pass", python, "ms", python / logger),
        ("cold import Powertools Logger  [baseline]", logger, "ms", 1.0),
        ("cold empty handler (Logger + Metrics)", empty, "ms", empty / logger),
        ("cold empty handler + Tracer (imports the X-Ray SDK)", traced, "ms", traced / logger),
        ("cold empty APIGatewayHttpResolver, one validated route", resolver, "ms", resolver / logger),
        ("cold import api.handler (boto3 deferred to first AWS call)", api, "ms", api / logger),
    ]

    os.environ.update(ENV)
    with _quiet():
        warm = _warm_rows()

    table("HTTP API Lambda: cold import (fresh interpreter, median of 7; ratio vs Logger import)", cold)
    table("HTTP API Lambda: warm request (best of 5; ratio vs empty Powertools handler)", warm)
