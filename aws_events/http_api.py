"""API Gateway HTTP API (payload format 2.0) as it routes a request and hands it to a Lambda integration.

`HttpApi` puts a handler behind a model of the gateway: it selects the route for a request, answers itself
where API Gateway would (no route, JWT authorizer refusals), builds the event exactly as AWS delivers it,
and turns the handler's answer into the HTTP response. `http_api_event` builds one event for a known route,
for tests that call a handler directly. `routes_from_template` reads the routes and their scopes from a
synthesized template, so a local stand-in serves exactly the routes that deploy.

Every behaviour below is AWS's, with its source. Sources: [routes] AWS docs "Create routes for HTTP APIs in
API Gateway" (http-api-develop-routes); [payload] AWS docs "Create AWS Lambda proxy integrations for HTTP
APIs" (http-api-develop-integrations-lambda, payload format 2.0); [jwt] AWS docs "Control access to HTTP APIs
with JWT authorizers" and "Troubleshooting issues with HTTP API JWT authorizers"; [testtool] AWS's Lambda
Test Tool v2 (aws/aws-lambda-dotnet, Tools/LambdaTestTool-v2: HttpContextExtensions.ToApiGatewayHttpV2Request,
ApiGatewayRouteConfigService, and the V2 test cases its integration tests replay against a deployed HTTP API);
[voker] live HTTP API captures of 2026-07-10 in hotsock/voker (vokerhttp/testdata/ingress-paths.json and
apigwv2-request.json); [hono] the capture in honojs/hono#2156; [ministack] ministackorg/ministack#766 (binary
bodies, checked against a real HTTP API); [groups] aws-solutions-library-samples/
guidance-for-claude-code-with-amazon-bedrock#802 (array claims, from a DEBUG log of a deployed authorizer); [cors] AWS
docs "Configuring CORS for HTTP APIs" (http-api-cors).

Behaviours, each with its sources:

1. `rawPath`, `requestContext.http.path` and `pathParameters` are percent-decoded: `%20` -> space, `%2F` -> `/`,
   UTF-8 sequences -> characters. [routes] note "API Gateway decodes URL-encoded request parameters before passing
   them to your backend integration"; [testtool] V2_SpecialCharactersInPath, V2_UnicodeCharactersInPath; [voker];
   [hono] (`/RSC/%40id%2Fassets%2Frsf0.js%23save.txt` arrives as `/RSC/@id/assets/rsf0.js#save.txt`).
2. A `?` produced by that decoding ends the path: `/a%3Fb` arrives as `/a`. [voker] `/capture/question%3Fvalue`
   -> `/capture/question`.
3. The path is then decoded once more: `%252F` -> `/`, `%253F` -> `?`, `%2525` -> `%`; a `%` left without two hex
   digits (`%25done`) makes API Gateway answer 400 without invoking the function. [voker]
4. The route is selected against that decoded path: a full match first (literal segments; `{name}` is one
   non-empty segment), the one with more literal segments first; then a greedy `{name+}` (last segment only: the
   rest of the path); then `$default`. `ANY` takes methods that have no route of their own. No match: 404
   `{"message":"Not Found"}`. [routes] "Routing API requests" and its example table; [testtool]
   ApiGatewayRouteConfigService.
5. A trailing slash is significant (`/files/` is not `/files`); nothing else in the path is normalised.
   [testtool] route matcher cases; [voker] (paths arrive as sent, apart from rows 1-3).
6. `rawQueryString` is the query exactly as sent, without `?` (`""` without one). [voker] apigwv2-request.json;
   [testtool] V2_UrlEncodedQueryString.
7. `queryStringParameters` is form-decoded (`+` -> space, `%2B` -> `+`), keeps empty values, joins repeated names
   with `,` in order, and is absent without a query. [voker] (`literalPlus`, `encodedPlus`, `empty`,
   `repeat: "one,two"`); [payload] "Duplicate query strings are combined with commas"; [testtool]
   V2_SimpleGetRequest.
8. Header names are lower-cased; repeated headers are joined with `,`. [payload] "Duplicate headers are combined
   with commas"; [voker] `x-voker-probe: "first,second"`.
9. `Cookie` headers become `cookies`, one entry per cookie; no `cookie` header remains. [payload] "Format 2.0
   includes a new cookies field"; [voker]; [testtool] V2_SimpleGetRequest.
10. The body is text for `text/*`, `application/json`, `application/xml` and `application/javascript`; anything
    else, a missing Content-Type included, arrives base64-encoded with `isBase64Encoded: true`. [ministack];
    [testtool] V2_BinaryContent.
11. JWT authorizer: no token or an invalid one -> 401 `{"message":"Unauthorized"}`; a valid token with none of the
    route's scopes (claim `scope` or `scp`) -> 403 `{"message":"Forbidden"}`; the function is not invoked. [jwt]
12. Authorizer claims arrive as strings: numbers as `"1718003600"`, arrays as `"[admins users]"`. [groups];
    [payload] example (claims as strings).
13. `version: "2.0"`, `routeKey` (the matched route key) and `requestContext` (accountId, apiId, domainName,
    domainPrefix, http.{method, path, protocol, sourceIp, userAgent}, requestId, routeKey, stage, time,
    timeEpoch); `pathParameters` only when the route has variables. [payload] example; [voker]; [testtool].
14. A function that fails -> 500 `{"message":"Internal Server Error"}`; a result without `statusCode` is a 200
    JSON body. [payload] "Lambda function response for format 2.0".
15. With a CORS configuration, API Gateway answers every preflight `OPTIONS` itself (no route or authorizer
    involved): 204, with the configured headers when the Origin is allowed. To other requests from an allowed
    origin it adds Access-Control-Allow-Origin (and the exposed headers, credentials) to the integration's response,
    replacing any the function set. [cors] "API Gateway automatically sends a response to preflight OPTIONS
    requests, even if there isn't an OPTIONS route", "API Gateway ignores CORS headers returned from your backend
    integration".

Not captured anywhere we could find, so chosen here and marked as assumptions:
- bytes that are not UTF-8 after decoding a path are answered 400, like row 3;
- such bytes in a query value become U+FFFD in queryStringParameters (the API handler reads its parameters
  from rawQueryString and refuses them there);
- Content-Type media types compare case-insensitively for row 10 (RFC 9110 says they are);
- `jwt.scopes` lists the token's `scope` claim, as AWS's sample events show, and is null for tokens without one
  (the API handler reads the `scope` claim and accepts both);
- no normalisation of `.`/`..` path segments (clients remove them before sending, RFC 3986 section 5.2.4).
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, quote, unquote_to_bytes, urlencode

METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
DEFAULT_ROUTE = "$default"
ACCOUNT_ID = "123456789012"
API_ID = "a1b2c3d4e5"
REGION = "us-east-1"
DOMAIN = f"{API_ID}.execute-api.{REGION}.amazonaws.com"
SOURCE_IP = "203.0.113.10"
_TEXT_MEDIA_TYPES = frozenset({"application/json", "application/xml", "application/javascript"})
_MALFORMED_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_VARIABLE = re.compile(r"^\{(?P<name>[A-Za-z0-9_.:-]+)(?P<greedy>\+?)\}$")

Handler = Callable[[dict[str, Any], Any], Any]
Verifier = Callable[[str], Mapping[str, Any] | None]


@dataclass(frozen=True)
class Response:
    """An HTTP response as the client receives it."""

    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass(frozen=True)
class Cors:
    """An HTTP API's CorsConfiguration (row 15)."""

    allow_origins: tuple[str, ...]
    allow_methods: tuple[str, ...] = ()
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age: int | None = None
    allow_credentials: bool = False

    @classmethod
    def from_template(cls, configuration: Mapping[str, Any]) -> Cors:
        return cls(
            tuple(configuration.get("AllowOrigins", ())),
            tuple(configuration.get("AllowMethods", ())),
            tuple(configuration.get("AllowHeaders", ())),
            tuple(configuration.get("ExposeHeaders", ())),
            configuration.get("MaxAge"),
            bool(configuration.get("AllowCredentials", False)),
        )

    def allows(self, origin: str | None) -> bool:
        return origin is not None and ("*" in self.allow_origins or origin in self.allow_origins)

    def preflight(self, origin: str | None) -> Response:
        if not self.allows(origin):
            return Response(HTTPStatus.NO_CONTENT)
        headers = [("access-control-allow-origin", "*" if "*" in self.allow_origins else str(origin))]
        if self.allow_methods:
            headers.append(("access-control-allow-methods", ",".join(self.allow_methods)))
        if self.allow_headers:
            headers.append(("access-control-allow-headers", ",".join(self.allow_headers)))
        if self.max_age is not None:
            headers.append(("access-control-max-age", str(self.max_age)))
        return Response(HTTPStatus.NO_CONTENT, (*headers, *self._credentials()))

    def decorate(self, response: Response, origin: str | None) -> Response:
        kept = tuple((n, v) for n, v in response.headers if not n.lower().startswith("access-control-"))
        if not self.allows(origin):
            return Response(response.status, kept, response.body)
        added = [("access-control-allow-origin", "*" if "*" in self.allow_origins else str(origin))]
        if self.expose_headers:
            added.append(("access-control-expose-headers", ",".join(self.expose_headers)))
        return Response(response.status, (*kept, *added, *self._credentials()), response.body)

    def _credentials(self) -> tuple[tuple[str, str], ...]:
        return (("access-control-allow-credentials", "true"),) if self.allow_credentials else ()


def cors_from_template(template: Mapping[str, Any]) -> Cors | None:
    """The CorsConfiguration of the template's AWS::ApiGatewayV2::Api, if it has one."""
    for resource in template.get("Resources", {}).values():
        if resource.get("Type") == "AWS::ApiGatewayV2::Api" and resource["Properties"].get("CorsConfiguration"):
            return Cors.from_template(resource["Properties"]["CorsConfiguration"])
    return None


class GatewayAnswer(Exception):  # noqa: N818 - not an error of ours: API Gateway's own response
    """API Gateway answers the request itself; the integration is not invoked."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status} {message}")
        body = json.dumps({"message": message}, separators=(",", ":")).encode()
        self.response = Response(status, (("content-type", "application/json"),), body)


def _not_found() -> GatewayAnswer:
    return GatewayAnswer(HTTPStatus.NOT_FOUND, "Not Found")


def _bad_request() -> GatewayAnswer:
    return GatewayAnswer(HTTPStatus.BAD_REQUEST, "Bad Request")


@dataclass(frozen=True)
class Request:
    """An HTTP request as the client sends it: `target` is the path and query, percent-encoded as on the wire."""

    method: str
    target: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None

    @classmethod
    def build(
        cls,
        method: str,
        path: str,
        *,
        query: Mapping[str, str] | Sequence[tuple[str, str]] | str | None = None,
        json_body: Any = None,
        body: bytes | str | None = None,
        headers: Mapping[str, str] | Sequence[tuple[str, str]] = (),
        token: str | None = None,
    ) -> Request:
        """A request the way an HTTP client library makes one: `path` is already encoded, `query` is form-encoded
        (Python's urlencode, like a browser's URLSearchParams), `json_body` is sent as application/json."""
        pairs = list(headers.items() if isinstance(headers, Mapping) else headers)
        if token is not None:
            pairs.append(("Authorization", f"Bearer {token}"))
        raw_body = body.encode() if isinstance(body, str) else body
        if json_body is not None:
            raw_body = json.dumps(json_body).encode()
            if not any(name.lower() == "content-type" for name, _ in pairs):
                pairs.append(("Content-Type", "application/json"))
        if raw_body is not None:
            pairs.append(("Content-Length", str(len(raw_body))))
        query_string = query if isinstance(query, str) else urlencode(query or {})
        return cls(method, path + (f"?{query_string}" if query_string else ""), tuple(pairs), raw_body)

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def query(self) -> str:
        return self.target.split("?", 1)[1] if "?" in self.target else ""


# --- Routes (rows 4 and 5) -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """A route key such as "GET /files" or "ANY /{proxy+}", and the JWT scopes it requires (None: no authorizer)."""

    key: str
    scopes: tuple[str, ...] | None = None
    method: str = field(init=False)
    segments: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        segments: tuple[str, ...] = ()
        method = "ANY"
        if self.key != DEFAULT_ROUTE:
            method, _, path = self.key.partition(" ")
            if method not in (*METHODS, "ANY") or not path.startswith("/"):
                raise ValueError(f"not an HTTP API route key: {self.key!r}")
            segments = tuple(path[1:].split("/")) if path != "/" else ()
            greedy = [i for i, segment in enumerate(segments) if (m := _VARIABLE.match(segment)) and m["greedy"]]
            if greedy and greedy != [len(segments) - 1]:
                raise ValueError(f"a greedy path variable must be the last segment: {self.key!r}")
        object.__setattr__(self, "method", method)
        object.__setattr__(self, "segments", segments)

    @property
    def is_default(self) -> bool:
        return self.key == DEFAULT_ROUTE

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """Path parameters if this route takes `method` and the decoded `path`, else None."""
        if self.method not in ("ANY", method) or not path.startswith("/"):
            return None
        if self.is_default:
            return {}
        parts = path[1:].split("/") if path != "/" else []
        parameters: dict[str, str] = {}
        for index, segment in enumerate(self.segments):
            variable = _VARIABLE.match(segment)
            if index >= len(parts):
                return None
            if variable and variable["greedy"]:
                # The rest of the path, possibly empty after a trailing slash ([testtool] "/resource/" matches).
                parameters[variable["name"]] = "/".join(parts[index:])
                return parameters
            if variable and parts[index]:
                parameters[variable["name"]] = parts[index]
            elif parts[index] != segment:
                return None
        return parameters if len(parts) == len(self.segments) else None

    def _rank(self) -> tuple[int, int, int, int]:
        """Lower is preferred: full matches, then greedy ones, then $default; literals first; exact method first."""
        if self.is_default:
            return (2, 0, 0, 1)
        greedy = any((m := _VARIABLE.match(s)) and m["greedy"] for s in self.segments)
        literals = sum(1 for s in self.segments if not _VARIABLE.match(s))
        return (1 if greedy else 0, -literals, -len(self.segments), 1 if self.method == "ANY" else 0)


def match_route(routes: Iterable[Route], method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route API Gateway selects for `method` and the decoded `path`, with its path parameters."""
    matches = [(route, parameters) for route in routes if (parameters := route.match(method, path)) is not None]
    return min(matches, key=lambda match: match[0]._rank()) if matches else None


def routes_from_template(template: Mapping[str, Any]) -> list[Route]:
    """The AWS::ApiGatewayV2::Route resources of a synthesized template, with their JWT scopes."""
    routes = []
    for resource in template.get("Resources", {}).values():
        if resource.get("Type") != "AWS::ApiGatewayV2::Route":
            continue
        properties = resource["Properties"]
        scopes = properties.get("AuthorizationScopes") or []
        if not all(isinstance(scope, str) for scope in scopes):
            raise ValueError(f"route {properties['RouteKey']}: scopes must be plain strings after synth")
        authorized = properties.get("AuthorizationType", "NONE") == "JWT"
        routes.append(Route(properties["RouteKey"], tuple(scopes) if authorized else None))
    return routes


# --- The request as API Gateway passes it on (rows 1-3 and 6-10) -----------------------------------------------


def _percent_decode(text: str) -> str:
    if _MALFORMED_ESCAPE.search(text):
        raise _bad_request()
    try:
        return unquote_to_bytes(text).decode("utf-8")
    except UnicodeDecodeError:
        raise _bad_request() from None


def gateway_path(path: str) -> str:
    """The decoded path API Gateway routes on and hands over, for a path sent as `path` (rows 1-3)."""
    return _percent_decode(_percent_decode(path).split("?", 1)[0])


def query_parameters(raw_query: str) -> dict[str, str] | None:
    """`queryStringParameters` for a query sent as `raw_query` (row 7)."""
    if not raw_query:
        return None
    joined: dict[str, list[str]] = {}
    for name, value in parse_qsl(raw_query, keep_blank_values=True):
        joined.setdefault(name, []).append(value)
    return {name: ",".join(values) for name, values in joined.items()}


def event_headers(headers: Iterable[tuple[str, str]]) -> tuple[dict[str, str], list[str] | None]:
    """Headers (lower-cased, repeats joined with ",") and cookies, as payload 2.0 carries them (rows 8 and 9)."""
    merged: dict[str, list[str]] = {}
    cookies: list[str] = []
    for name, value in headers:
        if name.lower() == "cookie":
            cookies += [cookie.strip() for cookie in value.split(";") if cookie.strip()]
        else:
            merged.setdefault(name.lower(), []).append(value)
    return {name: ",".join(values) for name, values in merged.items()}, cookies or None


def event_body(content_type: str | None, body: bytes | None) -> tuple[str | None, bool]:
    """The body field and isBase64Encoded for a request body (row 10)."""
    if not body:
        return None, False
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type.startswith("text/") or media_type in _TEXT_MEDIA_TYPES:
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass  # not captured: such a body is sent base64-encoded here
    return base64.b64encode(body).decode("ascii"), True


def claim_string(value: Any) -> str:
    """A token claim as the JWT authorizer hands it over (row 12): strings; arrays as "[a b]"."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + " ".join(claim_string(item) for item in value) + "]"
    raise TypeError(f"claims of type {type(value).__name__} are not modelled")


def token_scopes(claims: Mapping[str, Any]) -> tuple[str, ...]:
    raw = claims.get("scope", claims.get("scp"))
    if isinstance(raw, list):
        return tuple(str(scope) for scope in raw)
    return tuple(str(raw).split()) if raw else ()


def http_api_event(
    request: Request,
    *,
    route: Route,
    claims: Mapping[str, Any] | None = None,
    request_id: str | None = None,
    now: float | None = None,
) -> dict[str, Any]:
    """The event API Gateway sends for `request` on `route`; `claims` are the verified token's (JSON types).

    Raises GatewayAnswer where API Gateway answers the request itself (rows 3 and 4).
    """
    path = gateway_path(request.path)
    parameters = route.match(request.method, path)
    if parameters is None:
        raise _not_found()
    headers, cookies = event_headers(request.headers)
    headers.setdefault("host", DOMAIN)
    headers.update({"x-amzn-trace-id": f"Root=1-{secrets.token_hex(4)}-{secrets.token_hex(12)}",
                    "x-forwarded-for": SOURCE_IP, "x-forwarded-port": "443", "x-forwarded-proto": "https"})  # fmt: skip
    body, is_base64 = event_body(headers.get("content-type"), request.body)
    timestamp = time.time() if now is None else now
    request_context: dict[str, Any] = {
        "accountId": ACCOUNT_ID,
        "apiId": API_ID,
        "domainName": DOMAIN,
        "domainPrefix": API_ID,
        "http": {
            "method": request.method,
            "path": path,
            "protocol": "HTTP/1.1",
            "sourceIp": SOURCE_IP,
            "userAgent": headers.get("user-agent", ""),
        },
        "requestId": request_id or base64.b64encode(secrets.token_bytes(10)).decode(),
        "routeKey": route.key,
        "stage": "$default",
        "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(timestamp)),
        "timeEpoch": int(timestamp * 1000),
    }
    if claims is not None:
        scopes = token_scopes(claims)
        request_context["authorizer"] = {
            "jwt": {"claims": {name: claim_string(value) for name, value in claims.items()},
                    "scopes": list(scopes) or None}
        }  # fmt: skip
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.key,
        "rawPath": path,
        "rawQueryString": request.query,
        "headers": headers,
        "requestContext": request_context,
        "isBase64Encoded": is_base64,
    }
    if cookies:
        event["cookies"] = cookies
    if (query := query_parameters(request.query)) is not None:
        event["queryStringParameters"] = query
    if parameters:
        event["pathParameters"] = parameters
    if body is not None:
        event["body"] = body
    return event


# --- The gateway in front of a handler (rows 4, 11 and 14) --------------------------------------------------------


def bearer_token(headers: Iterable[tuple[str, str]]) -> str | None:
    """The identity source `$request.header.Authorization`, with or without the "Bearer " prefix."""
    value = next((value for name, value in headers if name.lower() == "authorization"), None)
    if value is None:
        return None
    scheme, _, token = value.strip().partition(" ")
    return (token.strip() if scheme.lower() == "bearer" else value.strip()) or None


def lambda_response(result: Any) -> Response:
    """The HTTP response API Gateway makes of a payload 2.0 function result (row 14)."""
    if not isinstance(result, Mapping) or "statusCode" not in result:
        return Response(200, (("content-type", "application/json"),), json.dumps(result).encode())
    headers = [(str(name).lower(), str(value)) for name, value in (result.get("headers") or {}).items()]
    headers += [("set-cookie", str(cookie)) for cookie in result.get("cookies") or []]
    body = result.get("body") or ""
    raw = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode()
    return Response(int(result["statusCode"]), tuple(headers), raw)


class HttpApi:
    """A handler behind the routes of an HTTP API, its JWT authorizer and its event format.

    `verify` stands in for the authorizer's token checks (signature, issuer, audience, expiry): it returns the
    token's claims, or None for a token API Gateway would refuse. The route's scopes are checked here (row 11).
    """

    def __init__(
        self,
        routes: Iterable[Route],
        handler: Handler,
        *,
        verify: Verifier,
        context: Callable[[], Any] = lambda: None,
        cors: Cors | None = None,
    ) -> None:
        self.routes = tuple(routes)
        self.handler = handler
        self.verify = verify
        self.context = context
        self.cors = cors

    def event(self, request: Request) -> dict[str, Any]:
        """The event the handler receives for `request`; GatewayAnswer when API Gateway answers itself."""
        matched = match_route(self.routes, request.method, gateway_path(request.path))
        if matched is None:
            raise _not_found()
        route, _ = matched
        claims = None
        if route.scopes is not None:
            token = bearer_token(request.headers)
            claims = self.verify(token) if token else None
            if claims is None:
                raise GatewayAnswer(HTTPStatus.UNAUTHORIZED, "Unauthorized")
            if route.scopes and not set(route.scopes) & set(token_scopes(claims)):
                raise GatewayAnswer(HTTPStatus.FORBIDDEN, "Forbidden")
        return http_api_event(request, route=route, claims=claims)

    def send(self, request: Request) -> Response:
        return self.exchange(request).response

    def exchange(self, request: Request) -> Exchange:
        """The response to `request`, and what an access log records of how it came about."""
        origin = next((value for name, value in request.headers if name.lower() == "origin"), None)
        if self.cors is not None and request.method == "OPTIONS":
            return Exchange(self.cors.preflight(origin))
        try:
            event = self.event(request)
        except GatewayAnswer as answer:
            refused = answer.response.status in (HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN)
            return Exchange(
                self._decorate(answer.response, origin),
                route_key=self._route_key(request) if refused else None,
                authorizer_error=answer.args[0] if refused else None,
            )
        try:
            result = self.handler(event, self.context())
        except Exception as error:
            response = GatewayAnswer(HTTPStatus.INTERNAL_SERVER_ERROR, "Internal Server Error").response
            return Exchange(self._decorate(response, origin), event, integration_error=str(error))
        response = lambda_response(result)
        return Exchange(self._decorate(response, origin), event, integration_status=200)

    def _route_key(self, request: Request) -> str | None:
        matched = match_route(self.routes, request.method, gateway_path(request.path))
        return matched[0].key if matched else None

    def _decorate(self, response: Response, origin: str | None) -> Response:
        return self.cors.decorate(response, origin) if self.cors is not None else response

    def wsgi(self) -> Callable[[dict[str, Any], Callable[..., Any]], list[bytes]]:
        """This API as a WSGI application. The request target is taken from RAW_URI or REQUEST_URI, which keep
        the client's percent-encoding (werkzeug and gunicorn set them); without them PATH_INFO is re-encoded,
        which cannot tell `%2F` from `/`."""

        def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
            response = self.send(wsgi_request(environ))
            try:
                reason = HTTPStatus(response.status).phrase
            except ValueError:  # a status of the function's own choosing
                reason = ""
            start_response(f"{response.status} {reason}", list(response.headers))
            return [response.body]

        return application


@dataclass(frozen=True)
class Exchange:
    """One request's outcome: the response, the event the function received (None if it was not invoked), and the
    gateway's own view (authorizer or integration errors, the integration's status)."""

    response: Response
    event: dict[str, Any] | None = None
    route_key: str | None = None  # when the function was not invoked but a route was selected
    authorizer_error: str | None = None
    integration_error: str | None = None
    integration_status: int | None = None


def wsgi_request(environ: Mapping[str, Any]) -> Request:
    """The request a WSGI server received, with the target as the client sent it where the server kept it."""
    target = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if not target:
        target = quote(str(environ.get("PATH_INFO", "/")).encode("latin-1"), safe="/!$&'()*+,;=:@~-._")
    if "?" not in target and environ.get("QUERY_STRING"):
        target += f"?{environ['QUERY_STRING']}"
    headers = [(key[5:].replace("_", "-"), str(value)) for key, value in environ.items() if key.startswith("HTTP_")]
    for key, name in (("CONTENT_TYPE", "Content-Type"), ("CONTENT_LENGTH", "Content-Length")):
        if environ.get(key):
            headers.append((name, str(environ[key])))
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else None
    return Request(str(environ["REQUEST_METHOD"]), target, tuple(headers), body)
