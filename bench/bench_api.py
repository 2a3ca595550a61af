"""The HTTP API Lambda: its cold start (import, then the first request) and its warm requests, against baselines
measured in the same run (bench.rounds: fresh interpreters, interleaved rounds, ratios within each round).

Run: `python -m bench api`. Baselines: a bare interpreter, the Powertools Logger import, an empty handler decorated
like ours, and the floor of a first GET /files: the Logger and Metrics import, one boto3 S3 client configured as
the API's, and the same ListObjectsV2 answered by botocore's Stubber (no network; parameter validation still
runs). For reference (decision 18), the alternatives to the API's own routing and validation, each answering the
same first GET /me: Powertools' resolver, the resolver with its validation and a pydantic response model, and the
resolver with a pydantic model validated in the route; also pydantic alone, boto3 alone and with one S3 client.
The alternatives are lower bounds: one route, no settings or claims model. Events are built by
aws_events.http_api, as API Gateway delivers them.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator
from typing import Any

from aws_events.http_api import Request, Route, http_api_event
from bench.rounds import Options, Row, Script, Series, footer, header, run_cold, run_warm, table
from bench.timing import FakeContext
from tests.unit.function_env import function_env

ENV = function_env("api")
SUB = "0b4c5d6e-7f80-4912-a3b4-c5d6e7f80912"
CLAIMS = {
    "sub": SUB,
    "token_use": "access",
    "iss": f"https://cognito-idp.us-east-1.amazonaws.com/{ENV['USER_POOL_ID']}",
    "client_id": json.loads(ENV["CLIENT_IDS"])[0],
    "username": "alice",
    "scope": "cognito-ref-api/profile.read cognito-ref-api/files.read cognito-ref-api/files.write",
    "cognito:groups": ["users"],
    "exp": 1718003600,
}
WARM_CALLS = 2_000
WARM_AWS_CALLS = 300  # each stubbed call needs a queued response

CONTEXT = (
    "context = type('Context', (), {'function_name': 'bench', 'memory_limit_in_mb': 256, 'aws_request_id': 'bench',"
    " 'invoked_function_arn': 'arn:aws:lambda:us-east-1:123456789012:function:bench'})()"
)
LISTING = (
    f"{{'Contents': [{{'Key': f'private/{SUB}/file-{{i}}.txt', 'Size': 1024, 'ETag': '\"e\"',"
    " 'LastModified': datetime(2024, 6, 10, tzinfo=timezone.utc)} for i in range(10)], 'IsTruncated': False,"
    " 'KeyCount': 10}"
)
STUB_LISTING = f"""
from datetime import datetime, timezone
from botocore.stub import Stubber
stubber = Stubber(s3)
for _ in range(COUNT):
    stubber.add_response('list_objects_v2', {LISTING})
stubber.activate()
"""
# The S3 client as api.aws builds it.
S3_CLIENT = """
import boto3
from botocore.config import Config
s3 = boto3.client('s3', config=Config(
    connect_timeout=2, read_timeout=5, retries={'mode': 'standard', 'max_attempts': 3},
    signature_version='s3v4', s3={'addressing_style': 'virtual'}))
"""
EMPTY_HANDLER = """
from aws_lambda_powertools import Logger, Metrics
logger = Logger()
metrics = Metrics()
@logger.inject_lambda_context(log_event=False)
@metrics.log_metrics
def lambda_handler(event, context):
    return {"statusCode": 200, "body": "{}"}
"""
PYDANTIC_MODEL = """
from aws_lambda_powertools import Logger, Metrics
from pydantic import BaseModel
class Me(BaseModel):
    sub: str
    groups: list[str]
"""
# The alternatives to api.router/api.schema (decision 18): Powertools' resolver with one route, answering GET /me.
ROUTE = "@app.get('/me')\ndef me() -> {returns}:\n    return {body}"
RESOLVER_ROUTES = {
    "plain": ROUTE.format(returns="dict", body="{'sub': SUB, 'groups': ['users']}"),
    "validating": ROUTE.format(returns="Me", body="Me(sub=SUB, groups=['users'])"),
    "in_route": ROUTE.format(returns="dict", body="Me.model_validate({'sub': SUB, 'groups': ['users']}).model_dump()"),
}


def event(route: str, path: str, *, claims: bool = True, **request: Any) -> dict[str, Any]:
    """The event API Gateway delivers for a request on `route` (the JWT authorizer passed `CLAIMS`)."""
    sent = Request.build(route.split(" ")[0], path, token="eyJ.bench.token" if claims else None, **request)
    return http_api_event(sent, route=Route(route, ("x",) if claims else None), claims=CLAIMS if claims else None)


def first_request(sent: dict[str, Any], *, setup: str = "") -> str:
    """Lambda's init (the handler's import) and the first invocation, as one script."""
    return "\n".join(
        [
            "import json",
            "import api.handler as handler",
            setup,
            CONTEXT,
            f"response = handler.lambda_handler(json.loads({json.dumps(sent)!r}), context)",
            "assert response['statusCode'] == 200, response",
        ]
    )


def resolver_first_me(route: str, *, validation: bool, pydantic: bool) -> str:
    """Logger and Metrics, the resolver with one route (RESOLVER_ROUTES), and its first GET /me."""
    sent = event("GET /me", "/me")
    return "\n".join(
        [
            "import json",
            PYDANTIC_MODEL if pydantic else "from aws_lambda_powertools import Logger, Metrics",
            "from aws_lambda_powertools.event_handler import APIGatewayHttpResolver",
            f"SUB = {SUB!r}",
            f"app = APIGatewayHttpResolver(enable_validation={validation})",
            RESOLVER_ROUTES[route],
            CONTEXT,
            f"response = app.resolve(json.loads({json.dumps(sent)!r}), context)",
            "assert response['statusCode'] == 200, response",
        ]
    )


def scripts() -> list[Script]:
    files = event("GET /files", "/files")
    stub_handler_client = "from api import aws\ns3 = aws.s3_client()\n" + STUB_LISTING.replace("COUNT", "1")
    floor = "\n".join(
        [
            "from aws_lambda_powertools import Logger, Metrics",
            "Logger(); Metrics()",
            S3_CLIENT,
            STUB_LISTING.replace("COUNT", "1"),
            f"s3.list_objects_v2(Bucket={ENV['DATA_BUCKET']!r}, Prefix='private/{SUB}/', MaxKeys=100)",
        ]
    )
    resolver = resolver_first_me("plain", validation=False, pydantic=False)
    validating = resolver_first_me("validating", validation=True, pydantic=True)
    in_route = resolver_first_me("in_route", validation=False, pydantic=True)
    return [
        Script("python", "python -c pass", "pass", ENV),
        Script("logger", "import Powertools Logger  [baseline]", "from aws_lambda_powertools import Logger", ENV),
        Script("empty", "empty handler (Logger + Metrics decorators)", EMPTY_HANDLER, ENV),
        Script("resolver", "ref: Powertools resolver, first GET /me", resolver, ENV),
        Script("validating", "ref: validating resolver, pydantic response model, first GET /me", validating, ENV),
        Script("in_route", "ref: resolver, pydantic model validated in the route, first GET /me", in_route, ENV),
        Script("pydantic", "ref: pydantic, one model", PYDANTIC_MODEL, ENV),
        Script("boto3", "ref: import boto3", "import boto3", ENV),
        Script("s3", "ref: boto3 and one S3 client", S3_CLIENT, ENV),
        Script("floor", "floor: Logger, Metrics, S3 client, one stubbed ListObjectsV2", floor, ENV),
        Script("import", "import api.handler", "import api.handler", ENV),
        Script("me", "import api.handler + first GET /me", first_request(event("GET /me", "/me")), ENV),
        Script("files", "import api.handler + first GET /files", first_request(files, setup=stub_handler_client), ENV),
    ]  # fmt: skip


COLD_ROWS = [
    Row("python", "cold python -c pass", "logger"),
    Row("logger", "cold import Powertools Logger  [baseline]", "logger"),
    Row("empty", "cold empty handler (Logger + Metrics decorators)", "logger"),
    Row("resolver", "cold ref: Powertools APIGatewayHttpResolver, one route + first GET /me", "logger"),
    Row("validating", "cold ref: the same, enable_validation=True, pydantic response model", "logger"),
    Row("in_route", "cold ref: the resolver, a pydantic model validated in the route", "logger"),
    Row("pydantic", "cold ref: Logger, Metrics and one pydantic model (import only)", "logger"),
    Row("boto3", "cold ref: import boto3", "logger"),
    Row("s3", "cold ref: boto3 and one S3 client", "logger"),
    Row("import", "cold import api.handler", "logger", 3.5),
    Row("me", "cold import api.handler + first GET /me", "logger", 3.5),
    Row("floor", "cold floor: Logger, Metrics, S3 client, stubbed ListObjectsV2  [baseline]", "floor"),
    Row("files", "cold import api.handler + first GET /files (stubbed S3)", "floor", 1.15),
]


def _invoker(handler: Callable[[dict[str, Any], Any], Any], sent: dict[str, Any]) -> Callable[[], object]:
    """Each call gets its own copy of the event, as a fresh invocation would."""
    raw, context = json.dumps(sent), FakeContext()

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


def _warm_series(options: Options) -> Series:
    os.environ.update(ENV)
    namespace: dict[str, Any] = {}
    exec(EMPTY_HANDLER, namespace)
    from api import aws, handler

    s3 = aws.s3_client()
    exec(STUB_LISTING.replace("COUNT", str(1 + options.rounds * WARM_AWS_CALLS)), {"s3": s3})
    upload = event(
        "POST /files/upload-url", "/files/upload-url", json_body={"key": "a.png", "content_type": "image/png"}
    )
    calls = {
        "empty": (_invoker(namespace["lambda_handler"], event("GET /me", "/me")), WARM_CALLS),
        "health": (_invoker(handler.lambda_handler, event("GET /health", "/health", claims=False)), WARM_CALLS),
        "me": (_invoker(handler.lambda_handler, event("GET /me", "/me")), WARM_CALLS),
        "files": (_invoker(handler.lambda_handler, event("GET /files", "/files")), WARM_AWS_CALLS),
        "upload": (_invoker(handler.lambda_handler, upload), WARM_AWS_CALLS),
    }
    return run_warm(calls, options)


def warm(options: Options) -> list[str]:
    with _quiet():  # before the import: the Logger binds the stdout of its creation
        series = _warm_series(options)
    return table(
        f"HTTP API Lambda: warm request (per call, {options.clock} clock, {options.rounds} interleaved rounds; "
        "ratio to the empty handler)",
        series,
        [
            Row("empty", "warm empty handler (Logger + Metrics decorators)  [baseline]", "empty"),
            Row("health", "warm GET /health", "empty"),
            Row("me", "warm GET /me", "empty", 6.0),
            Row("files", "warm GET /files (stubbed ListObjectsV2, 10 objects)", "empty"),
            Row("upload", "warm POST /files/upload-url (local SigV4 presign)", "empty"),
        ],
    )


def main(options: Options) -> None:
    cold_scripts = scripts()
    header("HTTP API Lambda", options, scripts=len(cold_scripts))
    series = run_cold(cold_scripts, options)
    verdicts = table(
        f"HTTP API Lambda: cold start (median of {options.rounds} rounds; ratio to the baseline)", series, COLD_ROWS
    )
    verdicts += warm(options)
    footer(verdicts)
