"""moto for S3 and the other AWS APIs, with S3's CORS evaluation in front of the data bucket.

moto 5.2.5's server answers every request with `Access-Control-Allow-Origin: *` (flask-cors) unless told not to,
and its own preflight handling checks only the origin and echoes every allowed header of every rule (a wildcard
entry such as `x-amz-checksum-*` then reaches the browser literally, which no browser reads as a pattern). So the
S3 endpoint evaluates the bucket's CORS rules itself, as the Amazon S3 User Guide describes it ("Elements of a CORS
configuration", "How does Amazon S3 evaluate the CORS configuration on a bucket?") and the API Reference's
"Appendix: OPTIONS object" and CORSRule: the first rule whose AllowedOrigins match the Origin (one `*` wildcard
each), whose AllowedMethods hold the method (Access-Control-Request-Method for a preflight) and whose
AllowedHeaders match every header of Access-Control-Request-Headers (one `*` wildcard each, case-insensitive)
applies; a preflight answers with the requested headers that are allowed, the rule's methods, ExposeHeaders and
MaxAgeSeconds, and with 403 when no rule matches or the bucket has no CORS configuration. Other requests get the
matching rule's headers, or none.

The second endpoint, `aws`, serves the APIs browsers and functions call without bucket rules (the identity pool's
cognito-identity, STS, and any other AWS resource a template adds): AWS's public endpoints answer CORS for any
origin there. moto 5.2.5 has no DeleteIdentities (its server answers 500), so that one operation is answered here
from moto's own identity records, as the Amazon Cognito Identity API Reference's DeleteIdentities describes it:
1-60 ids in `IdentityIdsToDelete`, the ones not deleted listed in `UnprocessedIdentityIds`. An id that does not
exist is not an error there (the reference documents no such answer), and moto's GetId makes a new identity at each
call whatever the login, so locally this proves that the erasure calls it, not which identity a login maps to.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

os.environ["MOTO_DISABLE_GLOBAL_CORS"] = "true"  # read when moto's server module is imported

from werkzeug.serving import BaseWSGIServer, make_server

_CORS_HEADERS = frozenset(
    {"access-control-allow-origin", "access-control-allow-methods", "access-control-allow-headers",
     "access-control-expose-headers", "access-control-max-age", "access-control-allow-credentials"}
)  # fmt: skip
_FORBIDDEN_XML = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessForbidden</Code><Message>CORSResponse: This CORS '
    b"request is not allowed. This is usually because the evalution of Origin, request method / "
    b"Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS "
    b"spec.</Message><Method>OPTIONS</Method><ResourceType>OBJECT</ResourceType></Error>"
)

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


@dataclass(frozen=True)
class CorsRule:
    """One rule of a bucket's CORS configuration (the CloudFormation CorsRules shape)."""

    allowed_origins: tuple[str, ...]
    allowed_methods: tuple[str, ...]
    allowed_headers: tuple[str, ...] = ()
    exposed_headers: tuple[str, ...] = ()
    max_age: int | None = None

    @classmethod
    def from_template(cls, rule: Mapping[str, Any]) -> CorsRule:
        return cls(
            tuple(rule["AllowedOrigins"]),
            tuple(rule["AllowedMethods"]),
            tuple(rule.get("AllowedHeaders", ())),
            tuple(rule.get("ExposedHeaders", ())),
            rule.get("MaxAge"),
        )

    def matches(self, origin: str, method: str, headers: Iterable[str] = ()) -> bool:
        return (
            any(_wildcard(allowed, origin) for allowed in self.allowed_origins)
            and method in self.allowed_methods
            and all(any(_wildcard(allowed.lower(), header) for allowed in self.allowed_headers) for header in headers)
        )


def _wildcard(pattern: str, value: str) -> bool:
    """An S3 CORS pattern: literal text with at most one `*` standing for any characters."""
    if "*" not in pattern:
        return pattern == value
    return re.fullmatch(re.escape(pattern).replace(r"\*", ".*"), value) is not None


def matching_rule(rules: Iterable[CorsRule], origin: str, method: str, headers: Iterable[str] = ()) -> CorsRule | None:
    requested = [header.strip().lower() for header in headers if header.strip()]
    return next((rule for rule in rules if rule.matches(origin, method, requested)), None)


class S3Cors:
    """WSGI middleware: bucket CORS rules evaluated as S3 does, around moto's S3 (path-style requests)."""

    def __init__(self, app: WsgiApp, rules: Mapping[str, tuple[CorsRule, ...]]) -> None:
        self.app = app
        self.rules = dict(rules)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        bucket = str(environ.get("PATH_INFO", "/")).lstrip("/").split("/", 1)[0]
        origin = environ.get("HTTP_ORIGIN")
        rules = self.rules.get(bucket, ())
        if environ["REQUEST_METHOD"] == "OPTIONS":
            requested_method = environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD")
            if not origin or not requested_method:
                start_response("400 Bad Request", [("Content-Type", "application/xml")])
                return [b"<Error><Code>BadRequest</Code><Message>Insufficient information. Origin request header "
                        b"needed.</Message></Error>"]  # fmt: skip
            requested_headers = str(environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "")).split(",")
            rule = matching_rule(rules, origin, requested_method, requested_headers)
            if rule is None:
                start_response("403 Forbidden", [("Content-Type", "application/xml")])
                return [_FORBIDDEN_XML]
            headers = _rule_headers(rule, origin)
            allowed = ", ".join(h.strip().lower() for h in requested_headers if h.strip())
            if allowed:
                headers.append(("Access-Control-Allow-Headers", allowed))
            start_response("200 OK", [*headers, ("Content-Length", "0")])
            return [b""]
        rule = matching_rule(rules, origin, environ["REQUEST_METHOD"]) if origin else None

        def respond(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            kept = [(name, value) for name, value in headers if name.lower() not in _CORS_HEADERS]
            return start_response(status, kept + (_rule_headers(rule, str(origin)) if rule else []), exc_info)

        return self.app(environ, respond)


def _rule_headers(rule: CorsRule, origin: str) -> list[tuple[str, str]]:
    headers = [
        ("Access-Control-Allow-Origin", "*" if "*" in rule.allowed_origins else origin),
        ("Access-Control-Allow-Methods", ", ".join(rule.allowed_methods)),
        ("Vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"),
    ]
    if "*" not in rule.allowed_origins:
        headers.append(("Access-Control-Allow-Credentials", "true"))
    if rule.exposed_headers:
        headers.append(("Access-Control-Expose-Headers", ", ".join(rule.exposed_headers)))
    if rule.max_age is not None:
        headers.append(("Access-Control-Max-Age", str(rule.max_age)))
    return headers


class AnyOriginCors:
    """WSGI middleware for AWS's public API endpoints: CORS for any origin."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        origin = environ.get("HTTP_ORIGIN") or "*"
        if environ["REQUEST_METHOD"] == "OPTIONS":
            start_response("200 OK", [
                ("Access-Control-Allow-Origin", origin),
                ("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, HEAD, OPTIONS"),
                ("Access-Control-Allow-Headers", str(environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "*"))),
                ("Access-Control-Max-Age", "600"), ("Content-Length", "0"),
            ])  # fmt: skip
            return [b""]

        def respond(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            kept = [(name, value) for name, value in headers if name.lower() not in _CORS_HEADERS]
            return start_response(status, [*kept, ("Access-Control-Allow-Origin", origin)], exc_info)

        return self.app(environ, respond)


_DELETE_IDENTITIES = "AWSCognitoIdentityService.DeleteIdentities"
_MAX_IDENTITIES = 60


class DeleteIdentities:
    """WSGI middleware: Cognito Identity's DeleteIdentities over moto's identity records (see the module docstring)."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("HTTP_X_AMZ_TARGET") != _DELETE_IDENTITIES:
            return self.app(environ, start_response)
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        try:
            ids = json.loads(body)["IdentityIdsToDelete"]
            valid = isinstance(ids, list) and all(isinstance(i, str) for i in ids)
            if not (valid and 1 <= len(ids) <= _MAX_IDENTITIES):
                raise ValueError(f"IdentityIdsToDelete: 1-{_MAX_IDENTITIES} identity ids")
        except (ValueError, KeyError, TypeError) as error:
            refused = {"__type": "InvalidParameterException", "message": str(error)}
            return _json(start_response, "400 Bad Request", refused)
        _forget_identities(set(ids))
        return _json(start_response, "200 OK", {"UnprocessedIdentityIds": []})


def _forget_identities(ids: set[str]) -> None:
    from moto.cognitoidentity.models import cognitoidentity_backends

    for regions in cognitoidentity_backends.values():
        for backend in regions.values():
            for pool in backend.pools_identities.values():
                pool["Identities"] = [item for item in pool["Identities"] if item["IdentityId"] not in ids]


def _json(start_response: StartResponse, status: str, answer: dict[str, Any]) -> list[bytes]:
    body = json.dumps(answer).encode()
    start_response(status, [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(body)))])
    return [body]


class MotoServers:
    """One moto backend behind two 127.0.0.1 listeners: `s3` (bucket CORS enforced) and `aws` (everything else)."""

    def __init__(self, s3_port: int = 0, aws_port: int = 0) -> None:
        import logging

        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request: URLs carry signatures

        self.moto = DomainDispatcherApplication(create_backend_app)
        self.s3_cors = S3Cors(self.moto, {})
        self._servers: list[BaseWSGIServer] = [
            make_server("127.0.0.1", s3_port, self.s3_cors, threaded=True),
            make_server("127.0.0.1", aws_port, AnyOriginCors(DeleteIdentities(self.moto)), threaded=True),
        ]
        self._threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in self._servers]
        self.s3_url, self.aws_url = (f"http://127.0.0.1:{s.server_port}" for s in self._servers)

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
