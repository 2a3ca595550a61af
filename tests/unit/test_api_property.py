"""Property, driven by docs/openapi.json: whatever a client sends, the API answers as documented.

schemathesis (a maintained OpenAPI fuzzer) generates requests from the committed document, valid ones and
invalid ones, for every operation, and follows the document's links in stateful scenarios (upload, list,
download, delete, next page). Each request goes through API Gateway as aws_events.http_api models it (route
matching on the decoded path, the JWT authorizer, the payload 2.0 event) to the real handler, with moto S3 and
Cognito behind it. Callers hold one of a few tokens (Alice with every scope, Alice read-only, Bob, a
client-credentials token, an ID token, a token API Gateway rejects) or none.

Counted, and each must be 0: 5xx answers; statuses the operation does not document; bodies or content types
that do not match the documented response; invalid requests answered 2xx; stateful violations (a deleted file
or note still served); cross-user effects: an S3 call or presigned URL outside the caller's own `private/<sub>/`, a
DynamoDB call on another partition than the caller's, or any change to the objects or records of a user who never
calls. The one route that acts on another user, an admin's `DELETE /admin/users/{sub}`, may act on that `sub`
only. The counts are printed (`-s`) and asserted.
"""

from __future__ import annotations

import json
import signal
import time
import warnings
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import hypothesis
import pytest
import requests as http
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
    use_after_free,
)

from aws_events.http_api import HttpApi
from tests.unit.api_env import (
    ALICE,
    API_ROUTES,
    BOB,
    BUCKET,
    FOREIGN_CLIENT,
    TABLE,
    ApiEnv,
    LambdaContext,
    SchemaDrivenCounts,
    access_claims,
    api_environment,
    machine_claims,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
# Requests per generation mode; negative (schema-invalid) cases cost about twice as much to generate.
STATELESS_EXAMPLES = {GenerationMode.POSITIVE: 1400, GenerationMode.NEGATIVE: 400}
STATEFUL_SCENARIOS = 40
STATEFUL_STEPS = 8
# The counts keep each test near half a minute; a hang fails it here instead of stalling CI.
TIME_BOUND_S = 600
CAROL = "2d6e7f80-91a2-4b34-85d6-e7f8091a2b34"  # never calls the API: her objects and records must never change
ALL_SCOPES = ("profile.read", "files.read", "files.write", "notes.read", "notes.write", "account.delete", "admin")
ADMIN_ERASURE = "DELETE /admin/users/{sub}"
CHECKS = (
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,  # schema-invalid requests are refused with a 4xx
)

pytestmark = [
    pytest.mark.long,
    pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning"),
]


@pytest.fixture(autouse=True)
def time_bound() -> Iterator[None]:
    def expired(*_: object) -> None:
        raise TimeoutError(f"the schema-driven test ran longer than {TIME_BOUND_S} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(TIME_BOUND_S)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def token_claims(user_pool_id: str) -> dict[str, dict[str, Any]]:
    alice = access_claims(user_pool_id, scopes=ALL_SCOPES, groups=("admins", "users"))
    id_token = {**alice, "token_use": "id", "aud": alice["client_id"]}
    for claim in ("client_id", "scope"):
        id_token.pop(claim)
    return {
        "alice": alice,
        "alice-read-only": access_claims(user_pool_id, scopes=("profile.read", "files.read")),
        "bob": access_claims(user_pool_id, sub=BOB, username="bob"),
        "service": machine_claims(user_pool_id, scopes=("profile.read", "files.read")),
        "foreign-client": access_claims(user_pool_id, client_id=FOREIGN_CLIENT),
        "id-token": id_token,
    }


@dataclass
class Audit:
    """What the requests did: statuses, failed checks, and S3 access outside the caller's prefix."""

    statuses: Counter[int] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)
    cross_prefix: list[str] = field(default_factory=list)
    caller: str | None = None
    # Whose data the request may touch: the caller's, or the user an admin erases (`erased`, from the path).
    subject: str | None = None
    erased: str | None = None
    requests: int = 0

    def s3_call(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        """botocore's before-parameter-build hook on the handler's S3 client (API calls and presigned URLs)."""
        prefix = f"private/{self.subject}/"
        for name in ("Key", "Prefix", "StartAfter"):
            value = params.get(name)
            if value is not None and not str(value).startswith(prefix):
                self.cross_prefix.append(f"{model.name} {name}={value!r} by {self.caller}")
        for item in params.get("Delete", {}).get("Objects", []):
            if not item["Key"].startswith(prefix):
                self.cross_prefix.append(f"{model.name} Key={item['Key']!r} by {self.caller}")

    def dynamodb_call(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        """The same hook on the handler's DynamoDB client: every partition key a request names is the subject's."""
        keyed = (params.get("Key"), params.get("Item"), params.get("ExclusiveStartKey"))
        partitions = [
            *(key.get("sub") for key in keyed if key),
            (params.get("ExpressionAttributeValues") or {}).get(":sub"),
            *(request[kind]["Key" if kind == "DeleteRequest" else "Item"]["sub"]
              for requests in (params.get("RequestItems") or {}).values() for request in requests for kind in request),
        ]  # fmt: skip
        if params.get("KeyConditionExpression") is None and model.name == "Query":
            partitions.append(None)
        for partition in partitions:
            if partition != {"S": self.subject} and not (partition is None and model.name != "Query"):
                self.cross_prefix.append(f"{model.name} partition {partition!r} by {self.caller}")

    def response(self, operation: str, status: int, body: Any) -> None:
        self.requests += 1
        self.statuses[status] += 1
        prefix = f"private/{self.caller}/"
        if status == 200 and operation == "POST /files/upload-url" and not body["fields"]["key"].startswith(prefix):
            self.cross_prefix.append(f"upload grant for {body['fields']['key']!r} to {self.caller}")
        if status == 200 and operation == "GET /files/download-url":
            path = unquote(urlsplit(body["url"]).path).lstrip("/")
            if not path.startswith(prefix):
                self.cross_prefix.append(f"download URL for {path!r} to {self.caller}")

    def validate(self, case: schemathesis.Case, response: schemathesis.Response, *checks: Any) -> None:
        try:
            case.validate_response(response, checks=list(checks))
        except FailureGroup as group:
            for failure in group.exceptions:
                name = type(failure).__name__
                self.failures[name] += 1
                self.examples.setdefault(name, f"{case.method} {case.path} {case.query}: {failure.title}")


@dataclass
class Harness:
    env: ApiEnv
    app: Any
    audit: Audit
    schema: Any

    def objects(self, prefix: str) -> dict[str, str]:
        listing = self.env.s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix)
        return {item["Key"]: item["ETag"] for item in listing.get("Contents", [])}

    def carols(self) -> tuple[dict[str, str], list[dict[str, Any]]]:
        """Everything Carol owns: she never calls, so it must never change."""
        return self.objects(f"private/{CAROL}/"), self.env.partition(CAROL)


SEEDED = ("a.txt", "docs/b.txt", "r\u00e9sum\u00e9.pdf", "100% done?.txt")


def seed(env: ApiEnv, owner: str) -> None:
    """The owner's prefix holds exactly the seeded files, and their partition the seeded notes."""
    prefix = f"private/{owner}/"
    listing = env.s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix)
    for item in listing.get("Contents", []):
        env.s3.delete_object(Bucket=BUCKET, Key=item["Key"])
    for key in SEEDED:
        env.put(key, sub=owner)
    for item in env.partition(owner):
        env.dynamodb.delete_item(TableName=TABLE, Key={"sub": item["sub"], "sk": item["sk"]})
    for i, title in enumerate(("first", "second", "caf\u00e9")):
        note_id = f"01HZX{i:021d}"
        env.dynamodb.put_item(TableName=TABLE, Item={
            "sub": {"S": owner}, "sk": {"S": f"note#{note_id}"}, "title": {"S": title}, "body": {"S": "text"},
            "version": {"N": "1"}, "created_at": {"S": "2024-06-10T06:13:20.000Z"},
            "updated_at": {"S": "2024-06-10T06:13:20.000Z"}})  # fmt: skip


@pytest.fixture
def harness(monkeypatch: pytest.MonkeyPatch) -> Iterator[Harness]:
    with api_environment(monkeypatch, user_pool=True) as env:
        from api.aws import dynamodb_client, s3_client
        from api.handler import lambda_handler  # its import validates the environment set up just now

        tokens = token_claims(env.user_pool_id)
        audit = Audit()

        def verify(token: str) -> dict[str, Any] | None:
            claims = tokens.get(token)
            audit.caller = audit.subject = None if claims is None else str(claims["sub"])
            if audit.erased is not None:  # an admin's erasure acts on the user it names
                audit.subject = audit.erased
            return claims

        for owner in (ALICE, BOB, CAROL):
            seed(env, owner)
        env.s3.put_object(Bucket=BUCKET, Key="public/readme.txt", Body=b"x")
        env.cognito.admin_create_user(UserPoolId=env.user_pool_id, Username="alice", MessageAction="SUPPRESS")
        s3_client().meta.events.register("before-parameter-build.s3", audit.s3_call)
        dynamodb_client().meta.events.register("before-parameter-build.dynamodb", audit.dynamodb_call)
        app = HttpApi(API_ROUTES, lambda_handler, verify=verify, context=LambdaContext).wsgi()
        schema = schemathesis.openapi.from_dict(json.loads(DOC.read_text(encoding="utf-8")))
        try:
            yield Harness(env, app, audit, schema)
        finally:
            s3_client().meta.events.unregister("before-parameter-build.s3", audit.s3_call)
            dynamodb_client().meta.events.unregister("before-parameter-build.dynamodb", audit.dynamodb_call)


TOKENS = st.sampled_from(
    ["alice"] * 6 + ["alice-read-only", "bob", "service", "foreign-client", "id-token", "expired-or-forged", None]
)


def send(harness: Harness, case: schemathesis.Case, token: str | None) -> schemathesis.Response:
    headers = {name: value for name, value in (case.headers or {}).items() if name.lower() != "authorization"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    case.headers = headers
    harness.audit.caller = None
    harness.audit.subject = None
    operation = f"{case.method} {case.operation.path}"
    harness.audit.erased = str((case.path_parameters or {}).get("sub")) if operation == ADMIN_ERASURE else None
    response = case.call(app=harness.app)
    body = response.json() if response.content and response.status_code < 300 else None
    harness.audit.response(operation, response.status_code, body)
    return response


def hypothesis_settings(examples: int, **extra: Any) -> settings:
    """Fixed counts from a fixed seed: the same requests every run, in a bounded time."""
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[hypothesis.Phase.generate],
        suppress_health_check=list(HealthCheck),
        **extra,
    )


def report(harness: Harness, label: str, started: float, carol_before: tuple[Any, ...]) -> dict[str, Any]:
    """Count what must be zero; make the counts visible (a warning survives pytest-xdist) and return them."""
    audit = harness.audit
    carol_changed = harness.carols() != carol_before
    schema_failures = ("JsonSchemaError", "UndefinedContentType", "MalformedMediaType")
    counts = {
        "requests": audit.requests,
        "server_errors_5xx": sum(n for status, n in audit.statuses.items() if status >= 500),
        "undocumented_statuses": audit.failures["UndefinedStatusCode"],
        "undocumented_bodies_or_types": sum(audit.failures[name] for name in schema_failures),
        "other_failed_checks": sum(audit.failures.values())
        - audit.failures["UndefinedStatusCode"]
        - sum(audit.failures[name] for name in schema_failures),
        "cross_user_effects": len(audit.cross_prefix) + int(carol_changed),
        "seconds": round(time.monotonic() - started, 1),
        "statuses": dict(sorted(audit.statuses.items())),
    }
    warnings.warn(SchemaDrivenCounts(f"{label}: {json.dumps(counts)}"), stacklevel=2)
    assert audit.failures == Counter(), audit.examples
    assert audit.cross_prefix == [], audit.cross_prefix[:5]
    assert not carol_changed
    assert counts["server_errors_5xx"] == 0
    return counts


@pytest.mark.parametrize("mode", list(GenerationMode), ids=str)
def test_generated_requests_get_documented_answers_and_touch_only_the_callers_files(
    harness: Harness, mode: GenerationMode
) -> None:
    started, carol_before = time.monotonic(), harness.carols()
    operations = [result.ok() for result in harness.schema.get_all_operations()]
    cases = st.one_of([operation.as_strategy(generation_mode=mode) for operation in operations])

    @hypothesis_settings(STATELESS_EXAMPLES[mode])
    @given(case=cases, token=TOKENS)
    def run(case: schemathesis.Case, token: str | None) -> None:
        harness.audit.validate(case, send(harness, case, token), *CHECKS)

    run()

    counts = report(harness, f"{mode} requests", started, carol_before)
    assert counts["requests"] == STATELESS_EXAMPLES[mode]
    # The generator reaches the logic, not only the edges: successes and the refusals of each layer.
    expected = {200, 400, 401, 403, 404} if mode.is_positive else {400, 401, 403, 422}
    assert expected <= set(counts["statuses"]), counts["statuses"]


def test_stateful_scenarios_follow_the_documents_links(harness: Harness) -> None:
    started, carol_before = time.monotonic(), harness.carols()

    class Scenarios(harness.schema.as_state_machine()):  # type: ignore[misc]
        """Alice follows the links; a granted upload is really posted to S3, as a client would. Each scenario
        starts from the same files, so a scenario replays the same way (Hypothesis checks that it does)."""

        def setup(self) -> None:
            seed(harness.env, ALICE)

        def call(self, case: schemathesis.Case, **_: Any) -> schemathesis.Response:
            response = send(harness, case, "alice")
            if case.operation.path == "/files/upload-url" and response.status_code == 200:
                grant = response.json()
                http.post(grant["url"], data=grant["fields"], files={"file": ("f", b"x")}, timeout=5)
            return response

        def validate_response(self, response: schemathesis.Response, case: schemathesis.Case, **_: Any) -> None:
            harness.audit.validate(case, response, *CHECKS, use_after_free)

    Scenarios.run(settings=hypothesis_settings(STATEFUL_SCENARIOS, stateful_step_count=STATEFUL_STEPS))

    counts = report(harness, "stateful scenarios", started, carol_before)
    assert counts["requests"] >= STATEFUL_SCENARIOS
    assert {200, 204, 404} <= set(counts["statuses"]), counts["statuses"]


def test_meta_the_audit_sees_a_foreign_key_partition_or_object() -> None:
    """The cross-user counts can be non-zero: each hook flags a request on another user's data."""
    audit = Audit(caller=ALICE, subject=ALICE)

    def model(name: str) -> Any:
        return type("Operation", (), {"name": name})()

    audit.dynamodb_call({"Key": {"sub": {"S": ALICE}, "sk": {"S": "note#1"}}}, model("GetItem"))
    audit.s3_call({"Prefix": f"private/{ALICE}/"}, model("ListObjectVersions"))
    assert audit.cross_prefix == []
    audit.dynamodb_call({"Key": {"sub": {"S": BOB}, "sk": {"S": "note#1"}}}, model("DeleteItem"))
    query = {"KeyConditionExpression": "#pk = :sub", "ExpressionAttributeValues": {":sub": {"S": BOB}}}
    audit.dynamodb_call(query, model("Query"))
    audit.dynamodb_call(
        {"RequestItems": {TABLE: [{"DeleteRequest": {"Key": {"sub": {"S": BOB}}}}]}}, model("BatchWriteItem")
    )
    audit.s3_call({"Delete": {"Objects": [{"Key": f"private/{BOB}/a"}]}}, model("DeleteObjects"))
    assert len(audit.cross_prefix) == 4
