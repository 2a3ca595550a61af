"""aws_events.http_api reproduces what API Gateway was seen to do: each test names the row of the module's table
and replays the published capture or AWS document it comes from."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from werkzeug.test import Client

from aws_events.http_api import (
    Cors,
    GatewayAnswer,
    HttpApi,
    Request,
    Route,
    claim_string,
    cors_from_template,
    gateway_path,
    http_api_event,
    lambda_response,
    match_route,
    routes_from_template,
)

# Row 1-3: hotsock/voker vokerhttp/testdata/ingress-paths.json (live HTTP API, 2026-07-10): sent -> rawPath.
VOKER_PATHS = [
    ("/capture/plain", "/capture/plain"),
    ("/capture/space%20value", "/capture/space value"),
    ("/capture/question%3Fvalue", "/capture/question"),
    ("/capture/percent%25done", None),  # API Gateway answered 400
    ("/capture/hash%23value", "/capture/hash#value"),
    ("/capture/slash%2Fvalue", "/capture/slash/value"),
    ("/capture/unicode-%CE%BB-%E4%B8%96%E7%95%8C", "/capture/unicode-\u03bb-\u4e16\u754c"),
    ("/capture/literal%252Fvalue", "/capture/literal/value"),
    ("/capture/literal%253Fvalue", "/capture/literal?value"),
    ("/capture/literal%2525value", "/capture/literal%value"),
]


@pytest.mark.parametrize(("sent", "delivered"), VOKER_PATHS)
def test_paths_are_decoded_as_the_live_captures_show(sent: str, delivered: str | None) -> None:
    if delivered is None:
        with pytest.raises(GatewayAnswer) as answer:
            gateway_path(sent)
        assert answer.value.response.status == 400
        return
    event = http_api_event(Request("GET", sent), route=Route("$default"))

    assert event["rawPath"] == event["requestContext"]["http"]["path"] == delivered


def test_the_hono_capture() -> None:
    # honojs/hono#2156: a POST to this path arrived as this rawPath
    assert gateway_path("/RSC/%40id%2Fassets%2Frsf0.js%23save.txt") == "/RSC/@id/assets/rsf0.js#save.txt"


@pytest.mark.parametrize(
    ("route", "sent", "parameters"),
    [
        # AWS Lambda Test Tool v2, V2_SpecialCharactersInPath and V2_UnicodeCharactersInPath
        (
            "POST /test13/api/users/{username}/orders/{orderName}",
            "/test13/api/users/****%20Doe/orders/Summer%20Sale%202023",
            {"username": "**** Doe", "orderName": "Summer Sale 2023"},
        ),
        (
            "POST /test14/api/products/{productName}/reviews/{reviewTitle}",
            "/test14/api/products/%E2%98%95%20Coffee/reviews/%F0%9F%98%8A%20Happy",
            {"productName": "\u2615 Coffee", "reviewTitle": "\U0001f60a Happy"},
        ),
        ("GET /files/{key+}", "/files/photos%2Fcat.jpg", {"key": "photos/cat.jpg"}),
    ],
)
def test_path_parameters_are_decoded(route: str, sent: str, parameters: dict[str, str]) -> None:
    method = route.split(" ")[0]
    event = http_api_event(Request(method, sent), route=Route(route))

    assert event["pathParameters"] == parameters
    assert event["routeKey"] == event["requestContext"]["routeKey"] == route


# Row 4: the example of "Routing API requests" in the AWS docs (Create routes for HTTP APIs in API Gateway).
PETS = [
    Route(key) for key in ("GET /pets/dog/1", "GET /pets/dog/{id}", "GET /pets/{proxy+}", "ANY /{proxy+}", "$default")
]


@pytest.mark.parametrize(
    ("method", "path", "selected", "parameters"),
    [
        ("GET", "/pets/dog/1", "GET /pets/dog/1", {}),
        ("GET", "/pets/dog/2", "GET /pets/dog/{id}", {"id": "2"}),
        ("GET", "/pets/cat/1", "GET /pets/{proxy+}", {"proxy": "cat/1"}),
        ("POST", "/pets/cat/1", "ANY /{proxy+}", {"proxy": "pets/cat/1"}),
        ("GET", "/", "$default", {}),
    ],
)
def test_routes_are_selected_most_specific_first(
    method: str, path: str, selected: str, parameters: dict[str, str]
) -> None:
    matched = match_route(reversed(PETS), method, path)  # the order routes were created in does not matter

    assert matched is not None
    assert (matched[0].key, matched[1]) == (selected, parameters)


@pytest.mark.parametrize(
    ("routes", "method", "path"),
    [
        (("GET /files",), "GET", "/files/"),  # a trailing slash is significant
        (("GET /files",), "POST", "/files"),
        (("GET /files/{key}",), "GET", "/files/"),  # a variable needs a non-empty segment
        (("GET /files/{key}",), "GET", "/files/a/b"),
        (("GET /files/{key+}",), "GET", "/files"),
        (("GET /Files",), "GET", "/files"),
    ],
)
def test_no_route_matches(routes: tuple[str, ...], method: str, path: str) -> None:
    assert match_route([Route(key) for key in routes], method, path) is None


def test_a_greedy_variable_must_be_last() -> None:
    with pytest.raises(ValueError, match="greedy"):
        Route("GET /{proxy+}/x")


# Rows 6-9, 13: hotsock/voker vokerhttp/testdata/apigwv2-request.json (live HTTP API, 2026-07-10).
def test_query_headers_and_cookies_as_the_live_capture_shows() -> None:
    query = "repeat=one&repeat=two&redirect=https%3A%2F%2Fexample.com%2Fa%2Fb&literalPlus=a+b&encodedPlus=a%2Bb&empty="
    request = Request(
        "POST",
        f"/capture/space%20value?{query}",
        (
            ("Content-Type", "application/json"),
            ("X-Voker-Probe", "first"),
            ("X-Voker-Probe", "second"),
            ("Cookie", "session=abc123; theme=dark"),
            ("User-Agent", "curl/8.7.1"),
        ),
        '{"message":"hello from the public internet","unicode":"lambda-\u03bb"}'.encode(),
    )

    event = http_api_event(request, route=Route("$default"))

    assert event["rawPath"] == "/capture/space value"
    assert event["rawQueryString"] == query
    assert event["queryStringParameters"] == {
        "empty": "",
        "encodedPlus": "a+b",
        "literalPlus": "a b",
        "redirect": "https://example.com/a/b",
        "repeat": "one,two",
    }
    assert event["cookies"] == ["session=abc123", "theme=dark"]
    assert event["headers"]["x-voker-probe"] == "first,second"
    assert "cookie" not in event["headers"]
    assert event["headers"]["content-type"] == "application/json"
    assert (event["body"], event["isBase64Encoded"]) == (request.body.decode(), False)  # type: ignore[union-attr]
    assert event["version"] == "2.0"
    assert event["requestContext"]["http"]["userAgent"] == "curl/8.7.1"
    assert event["requestContext"]["stage"] == "$default"
    assert "pathParameters" not in event


def test_without_a_query_there_are_no_query_parameters() -> None:
    event = http_api_event(Request("GET", "/files"), route=Route("GET /files"))

    assert event["rawQueryString"] == ""
    assert "queryStringParameters" not in event
    assert "cookies" not in event
    assert "body" not in event


# Row 10: ministackorg/ministack#766 (checked against a real HTTP API) and the Test Tool's V2_BinaryContent.
@pytest.mark.parametrize(
    ("content_type", "text"),
    [
        ("application/json", True),
        ("application/json; charset=utf-8", True),
        ("text/plain", True),
        ("text/csv", True),
        ("application/xml", True),
        ("application/javascript", True),
        (None, False),
        ("application/x-www-form-urlencoded", False),
        ("application/octet-stream", False),
        ("image/png", False),
        ("multipart/form-data; boundary=x", False),
    ],
)
def test_binary_bodies_arrive_base64_encoded(content_type: str | None, text: bool) -> None:
    body = b"\x01\x02\x03\x04\x05" if content_type and content_type.startswith("image") else b'{"a": 1}'
    headers = (("Content-Type", content_type),) if content_type else ()

    event = http_api_event(Request("POST", "/x", headers, body), route=Route("POST /x"))

    assert event["isBase64Encoded"] is not text
    assert event["body"] == (body.decode() if text else base64.b64encode(body).decode())


# Rows 11-12: the JWT authorizer.
def test_claims_arrive_as_strings() -> None:
    assert claim_string(["admins", "users"]) == "[admins users]"
    assert claim_string([]) == "[]"
    assert claim_string(1718003600) == "1718003600"
    assert claim_string(True) == "true"
    assert claim_string("a b") == "a b"
    with pytest.raises(TypeError):
        claim_string({"nested": 1})


TOKENS: dict[str, dict[str, Any]] = {
    "alice": {"sub": "alice", "scope": "api/files.read api/profile.read", "cognito:groups": ["users"], "exp": 1},
    "id-token": {"sub": "alice", "aud": "client", "token_use": "id"},
}


def echo(event: dict[str, Any], _: object) -> dict[str, Any]:
    return {"statusCode": 200, "body": json.dumps(event)}


@pytest.fixture
def gateway() -> HttpApi:
    routes = [Route("GET /health"), Route("GET /files", ("api/files.read",)), Route("GET /admin", ("api/admin",))]
    return HttpApi(routes, echo, verify=TOKENS.get)


@pytest.mark.parametrize(
    ("path", "headers", "status", "body"),
    [
        ("/health", (), 200, None),
        ("/files", (), 401, {"message": "Unauthorized"}),
        ("/files", (("Authorization", "Bearer nobody"),), 401, {"message": "Unauthorized"}),
        ("/files", (("Authorization", "Bearer id-token"),), 403, {"message": "Forbidden"}),
        ("/admin", (("Authorization", "Bearer alice"),), 403, {"message": "Forbidden"}),
        ("/files", (("Authorization", "Bearer alice"),), 200, None),
        ("/files", (("Authorization", "alice"),), 200, None),  # the identity source may omit "Bearer"
        ("/nowhere", (("Authorization", "Bearer alice"),), 404, {"message": "Not Found"}),
    ],
)
def test_api_gateway_answers_for_the_authorizer_and_the_router(
    gateway: HttpApi, path: str, headers: tuple[tuple[str, str], ...], status: int, body: dict[str, str] | None
) -> None:
    response = gateway.send(Request("GET", path, headers))

    assert response.status == status
    if body is not None:
        assert response.json() == body


def test_the_authorizer_hands_over_string_claims_and_scopes(gateway: HttpApi) -> None:
    event = gateway.send(Request("GET", "/files", (("Authorization", "Bearer alice"),))).json()

    assert event["requestContext"]["authorizer"]["jwt"] == {
        "claims": {"sub": "alice", "scope": "api/files.read api/profile.read", "cognito:groups": "[users]", "exp": "1"},
        "scopes": ["api/files.read", "api/profile.read"],
    }


def test_a_public_route_gets_no_authorizer_context(gateway: HttpApi) -> None:
    event = gateway.send(Request("GET", "/health", (("Authorization", "Bearer alice"),))).json()

    assert "authorizer" not in event["requestContext"]
    assert event["headers"]["authorization"] == "Bearer alice"


# Row 14: the payload 2.0 response format.
def test_function_results_become_http_responses() -> None:
    full = lambda_response(
        {"statusCode": 201, "headers": {"X-A": "1"}, "cookies": ["c=1"], "body": "aGk=", "isBase64Encoded": True}
    )
    bare = lambda_response({"hello": "world"})

    assert (full.status, full.headers, full.body) == (201, (("x-a", "1"), ("set-cookie", "c=1")), b"hi")
    assert (bare.status, bare.json()) == (200, {"hello": "world"})


def test_a_failing_function_is_api_gateways_500() -> None:
    def broken(event: dict[str, Any], _: object) -> dict[str, Any]:
        raise RuntimeError("bug")

    response = HttpApi([Route("GET /x")], broken, verify=TOKENS.get).send(Request("GET", "/x"))

    assert (response.status, response.json()) == (500, {"message": "Internal Server Error"})


def test_routes_are_read_from_a_synthesized_template() -> None:
    template = {
        "Resources": {
            "A": {"Type": "AWS::ApiGatewayV2::Route", "Properties": {"RouteKey": "GET /health"}},
            "B": {
                "Type": "AWS::ApiGatewayV2::Route",
                "Properties": {"RouteKey": "GET /files", "AuthorizationType": "JWT", "AuthorizationScopes": ["x/y"]},
            },
            "C": {"Type": "AWS::S3::Bucket", "Properties": {}},
        }
    }

    assert routes_from_template(template) == [Route("GET /health"), Route("GET /files", ("x/y",))]


def test_the_wsgi_application_keeps_the_clients_encoding(gateway: HttpApi) -> None:
    api = HttpApi([Route("GET /files/{key+}")], echo, verify=TOKENS.get)

    response = Client(api.wsgi()).get("/files/a%2Fb%3Fc", query_string="x=1+2&x=3")

    event = json.loads(response.get_data())
    assert response.status_code == 200
    assert event["rawPath"] == "/files/a/b"  # the decoded `?` ends the path (row 2)
    assert (event["rawQueryString"], event["queryStringParameters"]) == ("x=1+2&x=3", {"x": "1 2,3"})


# Row 15: CORS, as configured on the API.
CORS = Cors(("https://app.example",), ("GET", "POST"), ("authorization", "content-type"), ("x-total",), 600)


def _cors_gateway() -> HttpApi:
    def sets_its_own_cors(event: dict[str, Any], _: object) -> dict[str, Any]:
        return {"statusCode": 200, "headers": {"Access-Control-Allow-Origin": "*"}, "body": "{}"}

    return HttpApi([Route("GET /files", ("api/files.read",))], sets_its_own_cors, verify=TOKENS.get, cors=CORS)


def test_api_gateway_answers_preflights_itself_without_route_or_token() -> None:
    preflight = (("Origin", "https://app.example"), ("Access-Control-Request-Method", "GET"))
    exchange = _cors_gateway().exchange(Request("OPTIONS", "/files", preflight))
    refused = _cors_gateway().send(Request("OPTIONS", "/nowhere", (("Origin", "https://evil.example"),)))

    assert exchange.event is None  # no function, no authorizer
    assert (exchange.response.status, dict(exchange.response.headers)) == (204, {
        "access-control-allow-origin": "https://app.example", "access-control-allow-methods": "GET,POST",
        "access-control-allow-headers": "authorization,content-type", "access-control-max-age": "600",
    })  # fmt: skip
    assert (refused.status, refused.headers) == (204, ())


def test_responses_to_an_allowed_origin_get_the_configured_headers_not_the_functions() -> None:
    allowed = _cors_gateway().send(
        Request("GET", "/files", (("Origin", "https://app.example"), ("Authorization", "alice")))
    )
    other = _cors_gateway().send(
        Request("GET", "/files", (("Origin", "https://evil.example"), ("Authorization", "alice")))
    )
    denied = _cors_gateway().send(Request("GET", "/files", (("Origin", "https://app.example"),)))

    assert dict(allowed.headers)["access-control-allow-origin"] == "https://app.example"
    assert dict(allowed.headers)["access-control-expose-headers"] == "x-total"
    assert not any(name.startswith("access-control-") for name, _ in other.headers)
    assert (denied.status, dict(denied.headers)["access-control-allow-origin"]) == (401, "https://app.example")


def test_cors_is_read_from_a_synthesized_template() -> None:
    template = {"Resources": {"Api": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"CorsConfiguration": {
        "AllowOrigins": ["https://app.example"], "AllowMethods": ["GET", "POST"], "AllowHeaders": ["authorization",
        "content-type"], "ExposeHeaders": ["x-total"], "MaxAge": 600}}}}}  # fmt: skip

    assert cors_from_template(template) == CORS
    assert cors_from_template({"Resources": {}}) is None


def test_an_exchange_records_what_the_access_log_needs(gateway: HttpApi) -> None:
    refused = gateway.exchange(Request("GET", "/files"))
    served = gateway.exchange(Request("GET", "/files", (("Authorization", "Bearer alice"),)))

    assert (refused.event, refused.route_key, refused.authorizer_error) == (None, "GET /files", "401 Unauthorized")
    assert served.event is not None
    assert (served.event["routeKey"], served.integration_status, served.authorizer_error) == ("GET /files", 200, None)
