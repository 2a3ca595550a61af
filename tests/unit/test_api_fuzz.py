"""Property: no event, however malformed, makes the handler answer 5xx or anything but JSON.

Requests are generated from docs/openapi.json (every route, with junk and valid-looking values for its
parameters and body) and at random (paths, methods, headers, bodies, claims); aws_events.http_api turns each
into the event API Gateway would deliver, on the route it selects or, where none matches, on a `$default`
route (as if one were added later). The real handler runs in process against moto S3. test_api_property.py
drives the API through the gateway model with schemathesis; this test reaches the handler with what the gateway
would not pass on.
"""

from __future__ import annotations

import base64
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aws_events.http_api import GatewayAnswer, Request, Route, http_api_event
from tests.unit.api_env import ALICE, FOREIGN_CLIENT, ApiEnv, access_claims, api_environment, event_for

EXAMPLES = 500  # test_api_property.py adds thousands of schema-driven requests
DOC = json.loads((Path(__file__).resolve().parents[2] / "docs" / "openapi.json").read_text())
OPERATIONS = [(method.upper(), path, op) for path, item in DOC["paths"].items() for method, op in item.items()]
# Operations that take a body: where most malformed input can go.
BODY_OPERATIONS = [operation for operation in OPERATIONS if "requestBody" in operation[2]]
EXISTING_KEYS = ["a.txt", "docs/b.txt", "r\u00e9sum\u00e9.pdf"]

pytestmark = [
    pytest.mark.long,
    pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning"),
]

junk = st.text(max_size=30)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | junk,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(junk, inner, max_size=4),
    max_leaves=10,
)
key_values = st.sampled_from(EXISTING_KEYS) | st.sampled_from(["../x", "/a", "a//b", "a\x00b", "x" * 600]) | junk
path_junk = junk.map(lambda s: quote(s, safe="/%?")) | junk.map(lambda s: quote(s, safe=""))
# A path parameter: a well-formed note id or sub (of no one), or junk.
path_values = st.sampled_from(["01HZX000000000000000000000", "9e8d7c6b-5a49-4382-b1a0-f9e8d7c6b5a4"]) | path_junk
content_types = st.sampled_from(["image/png", "text/plain", "text/html", "application/json", ""]) | junk
upload_bodies = st.fixed_dictionaries(
    {},
    optional={
        "key": key_values | json_values,
        "content_type": content_types | json_values,
        "extra": json_values,
    },
)
bodies = st.one_of(
    st.none(),
    st.sampled_from(['{"title": ', "[1,]", "{'a': 1}", "NaN", '{"a": 1}}', '"\\x"', "\ufeff{}"]),  # not JSON
    upload_bodies.map(json.dumps),
    json_values.map(json.dumps),
    junk,
    st.integers(0, 3000).map(lambda depth: "[" * depth + "]" * depth),
    st.integers(7000, 9000).map(lambda size: json.dumps({"key": "a" * size, "content_type": "text/plain"})),
)
query_values = st.integers(-10, 2000).map(str) | st.sampled_from(["", "1,2", "abc", "1e3", "QQ", "__8"]) | junk
header_values = (
    st.sampled_from(["application/json", "application/json; charset=utf-8", "text/plain", "multipart/form-data",
                     "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", ""]) | junk
)  # fmt: skip
# Token claims with their JSON types; API Gateway hands each over as a string (aws_events.http_api, row 12).
claim_values = st.one_of(
    st.sampled_from(["id", "access", "[users]", "[]", ALICE.upper()]),
    junk,
    st.lists(junk, max_size=3),
    st.integers(),
    st.booleans(),
)
claim_names = st.sampled_from(["sub", "token_use", "client_id", "scope", "cognito:groups", "iss", "username", "email"])


def claims(user_pool_id: str) -> st.SearchStrategy[dict[str, Any] | None]:
    """An admin's valid access token (half the time, so that requests reach every operation's logic), or: none
    (public route), a well-formed but wrong one, one with a few claims spoilt, random claims."""
    scopes = ("profile.read", "files.read", "files.write", "notes.read", "notes.write", "account.delete", "admin")
    valid = access_claims(user_pool_id, scopes=scopes, groups=("admins", "users"))
    wrong = [
        {**valid, "token_use": "id"},
        {**valid, "client_id": FOREIGN_CLIENT},
        {**valid, "scope": "cognito-ref-api/profile.read"},
        {**valid, "cognito:groups": "[users]"},
    ]
    spoilt = st.one_of(
        st.none(),
        st.sampled_from(wrong),
        st.dictionaries(claim_names, claim_values, max_size=3).map(lambda changes: {**valid, **changes}),
        st.dictionaries(claim_names | junk, claim_values, max_size=5),
    )
    return st.one_of(st.just(valid), spoilt)


@st.composite
def documented_requests(draw: st.DrawFn, operations: list[tuple[str, str, Any]]) -> dict[str, Any]:
    """A request to a route of the OpenAPI document, its parameters filled with good and bad values."""
    method, path, operation = draw(st.sampled_from(operations))
    for param in (p for p in operation.get("parameters", []) if p["in"] == "path"):
        path = path.replace(f"{{{param['name']}}}", draw(path_values), 1)
    params = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
    names = st.sampled_from(params) if params else junk
    query = draw(st.lists(st.tuples(names, query_values | key_values), max_size=3))  # repeats included
    body = draw(bodies) if "requestBody" in operation else draw(st.none() | bodies)
    return {"method": method, "path": path, "query": query, "body": body}


@st.composite
def random_requests(draw: st.DrawFn) -> dict[str, Any]:
    method = draw(st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]) | junk)
    path = "/" + draw(path_junk)
    query = draw(st.lists(st.tuples(junk, query_values), max_size=3))
    return {"method": method, "path": path, "query": query, "body": draw(bodies)}


REQUESTS = st.one_of(documented_requests(OPERATIONS), documented_requests(BODY_OPERATIONS), random_requests())


@st.composite
def events(draw: st.DrawFn, claim_sets: st.SearchStrategy[dict[str, Any] | None]) -> dict[str, Any]:
    spec = draw(REQUESTS)
    headers = draw(st.lists(st.tuples(st.sampled_from(["content-type", "Content-Type", "x-junk"]), header_values)))
    body = None if spec["body"] is None else spec["body"].encode("utf-8", "surrogatepass")
    request = Request.build(spec["method"], spec["path"], query=urlencode(spec["query"]), body=body, headers=headers)
    claims_drawn = draw(claim_sets)
    try:
        event = event_for(request, claims_drawn)
    except GatewayAnswer:  # no route: as if a `$default` route sent it to the function anyway
        fallback = Request(request.method, f"/?{request.query}", request.headers, request.body)
        event = http_api_event(fallback, route=Route("$default"), claims=claims_drawn)
        event["rawPath"] = event["requestContext"]["http"]["path"] = spec["path"]
    if draw(st.integers(0, 9)) == 0:  # sometimes a body that is not what isBase64Encoded claims
        event["body"] = draw(st.binary(max_size=40).map(lambda b: base64.b64encode(b).decode()) | junk)
        event["isBase64Encoded"] = draw(st.booleans())
    return event


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[ApiEnv]:
    with api_environment(monkeypatch, user_pool=True) as env:
        for key in EXISTING_KEYS:
            env.put(key)
        yield env


def test_no_generated_request_gets_a_5xx_or_a_non_json_answer(api: ApiEnv) -> None:
    statuses: Counter[int] = Counter()

    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(event=events(claims(api.user_pool_id)))
    def check(event: dict[str, Any]) -> None:
        reply = api.invoke(event)  # parses the body as JSON, or fails
        statuses[reply.status] += 1
        assert reply.status < 500, (reply.status, reply.body)
        if reply.status >= 400:
            assert isinstance(reply.body, dict), reply.body
            assert set(reply.body) == {"message"}, reply.body
            assert isinstance(reply.body["message"], str)
            assert reply.body["message"]
        elif reply.status != 204:
            assert isinstance(reply.body, dict)

    check()

    assert statuses.total() >= EXAMPLES
    # The generator reaches the logic, not only the edges: successes and a spread of rejections.
    assert statuses[200] > 0
    assert {400, 401, 403, 404, 422} <= set(statuses), statuses
