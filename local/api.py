"""The HTTP API as API Gateway runs it, on 127.0.0.1, around the real API function.

Routes and scopes come from the synthesized template (aws_events.http_api.routes_from_template), CORS from the
API's CorsConfiguration, the JWT authorizer's checks from its JwtConfiguration: signature against the local
issuer's JWKS, issuer, expiry, and `aud` (ID tokens) or `client_id` (access tokens) in the audience list ("Control
access to HTTP APIs with JWT authorizers": the authorizer does not check token_use). The event the function gets is
built by aws_events.http_api, the module the API's tests use, so the local API and the tests agree by construction.
Every request writes one JSON access-log line in the stage's AccessLogSettings format.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TextIO

from aws_events.http_api import Cors, Exchange, HttpApi, Request, Route, routes_from_template
from lambdas.shared.cognito_jwt import CognitoJwtVerifier, JwtInvalidError

_CONTEXT_VARIABLE = re.compile(r"\$context\.([A-Za-z0-9_.]+)")


def authorizer_verify(
    *, user_pool_id: str, issuer: str, audience: list[str], jwks_uri: str
) -> Callable[[str], dict[str, Any] | None]:
    """The JWT authorizer's token check: claims of a valid access or ID token of the audience, else None."""
    verifiers = [
        CognitoJwtVerifier.create(user_pool_id, token_use=use, client_id=audience, jwks_uri=jwks_uri, issuer=issuer)
        for use in ("access", "id")
    ]

    def verify(token: str) -> dict[str, Any] | None:
        for verifier in verifiers:
            try:
                return dict(verifier.verify(token))
            except JwtInvalidError:
                continue
        return None

    return verify


def access_log_line(log_format: str, exchange: Exchange, started: float, source_ip: str, user_agent: str) -> str:
    """The stage's access-log format with its $context variables filled in ("-" where API Gateway has no value:
    API Gateway developer guide, "Customize HTTP API access logs")."""
    event = exchange.event or {}
    context = event.get("requestContext", {})
    claims = ((context.get("authorizer") or {}).get("jwt") or {}).get("claims") or {}
    values = {
        "requestId": context.get("requestId"),
        "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(started)),
        "routeKey": event.get("routeKey") or exchange.route_key,
        "status": exchange.response.status,
        "identity.sourceIp": source_ip,
        "identity.userAgent": user_agent,
        "authorizer.error": exchange.authorizer_error,
        "integrationErrorMessage": exchange.integration_error,
        "integrationStatus": exchange.integration_status,
        "responseLatency": int((time.time() - started) * 1000),
        "responseLength": len(exchange.response.body),
    }

    def value(name: str) -> str:
        found = (
            claims.get(name.removeprefix("authorizer.claims."))
            if name.startswith("authorizer.claims.")
            else values.get(name)
        )
        return "-" if found is None or found == "" else str(found)

    return _CONTEXT_VARIABLE.sub(lambda match: json.dumps(value(match.group(1)))[1:-1], log_format)


class ApiServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, api: HttpApi, *, log_format: str, access_log: TextIO, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.api = api
        self.log_format = log_format
        self.access_log = access_log
        self.log_lock = threading.Lock()
        self.url = f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: ApiServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """The access log below replaces the server's own request log."""

    def _handle(self) -> None:
        started = time.time()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        # The target exactly as the client sent it: API Gateway's decoding is the model's job.
        request = Request(self.command, self.path, tuple(self.headers.items()), body)
        exchange = self.server.api.exchange(request)
        response = exchange.response
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)
        line = access_log_line(
            self.server.log_format, exchange, started, self.client_address[0], self.headers.get("User-Agent", "")
        )
        with self.server.log_lock:
            self.server.access_log.write(line + "\n")
            self.server.access_log.flush()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle  # noqa: N815 - http.server's names


def api_parts(template: Mapping[str, Any]) -> tuple[list[Route], Cors | None, str, dict[str, Any]]:
    """Routes, CORS, the access-log format and the JWT authorizer's JwtConfiguration of an API stack's template."""
    from aws_events.http_api import cors_from_template

    routes = routes_from_template(template)
    log_format, jwt = "", {}
    for resource in template.get("Resources", {}).values():
        if resource.get("Type") == "AWS::ApiGatewayV2::Stage":
            log_format = (resource["Properties"].get("AccessLogSettings") or {}).get("Format", "")
        if (
            resource.get("Type") == "AWS::ApiGatewayV2::Authorizer"
            and resource["Properties"].get("AuthorizerType") == "JWT"
        ):
            jwt = resource["Properties"]["JwtConfiguration"]
    return routes, cors_from_template(template), log_format, jwt


def open_access_log(path: Path) -> TextIO:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.open("a", encoding="utf-8")
