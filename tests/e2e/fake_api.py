"""A local stand-in for the deployed HTTP API, on 127.0.0.1, for the offline run of the suite.

moto has no API Gateway + Lambda, so this proves the client's request and response handling only: routes,
methods, keys in the query string, status codes and JSON shapes. The bodies come from the API's own shapes and
file logic (lambdas/api: models, files, keys, users) working on moto's S3 and user pool; authorization mimics
API Gateway's JWT authorizer (401 without a valid token, 403 for an ID token) and the admin group check.
What it cannot mimic: route scopes (moto runs no pre-token-generation trigger, so its tokens carry none).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from api import files, users
from api.edge import load_json
from api.errors import ApiError, BadRequestError, ForbiddenError, UnauthorizedError
from api.keys import sanitise_key, user_prefix
from api.models import UPLOAD_REQUEST
from api.schema import SchemaError
from lambdas.shared.cognito_jwt import CognitoJwtVerifier, JwtInvalidError, TokenUseError
from stacks.names import ADMIN_GROUP

UPLOAD_TYPES = ("text/plain", "image/png", "application/pdf")
UPLOAD_MAX_BYTES = 1024 * 1024
URL_EXPIRES_S = 300


@dataclass(frozen=True)
class Backend:
    """What the routes work on: moto clients and the verifier the fake authorizer uses."""

    verifier: CognitoJwtVerifier  # access tokens of the web client, JWKS from moto
    s3: Any
    cognito: Any
    bucket: str
    user_pool_id: str


class _Handler(BaseHTTPRequestHandler):
    backend: Backend

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the request line would include presigned query strings."""

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        query = parse_qs(url.query, keep_blank_values=True)
        try:
            status, body = self._route(method, url.path, query)
        except ApiError as error:
            status, body = error.status, {"message": error.message}
        except SchemaError as error:
            status, body = HTTPStatus.UNPROCESSABLE_ENTITY, {"message": error.problems[0]}
        self._reply(status, body)

    def _route(self, method: str, path: str, query: dict[str, list[str]]) -> tuple[int, Any]:
        backend = self.backend
        if (method, path) == ("GET", "/health"):
            return 200, {"status": "ok"}
        claims = self._authorize()
        sub = str(claims["sub"])
        prefix = user_prefix(sub)
        if (method, path) == ("GET", "/me"):
            groups, scopes = claims.get("cognito:groups", []), str(claims.get("scope", "")).split()
            return 200, {
                "sub": sub,
                "username": claims.get("username"),
                "email": None,
                "groups": groups,
                "scopes": scopes,
            }
        if (method, path) == ("GET", "/files"):
            limit = int(_one(query, "limit", "100"))
            page = files.list_files(
                backend.s3, bucket=backend.bucket, prefix=prefix, limit=limit, next_token=_one(query, "next_token")
            )
            return 200, page
        if (method, path) == ("POST", "/files/upload-url"):
            length = int(self.headers.get("Content-Length", "0"))
            request = UPLOAD_REQUEST.check(load_json(self.rfile.read(length).decode()), "body")
            return 200, files.create_upload(
                backend.s3,
                bucket=backend.bucket,
                prefix=prefix,
                key=request["key"],
                content_type=request["content_type"],
                allowed_types=UPLOAD_TYPES,
                max_bytes=UPLOAD_MAX_BYTES,
                expires_in=URL_EXPIRES_S,
            )
        if (method, path) == ("GET", "/admin/users"):
            if ADMIN_GROUP not in claims.get("cognito:groups", []):
                raise ForbiddenError(f"only members of the {ADMIN_GROUP} group may do this")
            limit = int(_one(query, "limit", "60"))
            return 200, users.list_users(
                backend.cognito, user_pool_id=backend.user_pool_id, limit=limit, next_token=_one(query, "next_token")
            )
        if (method, path) == ("GET", "/files/download-url"):
            key = sanitise_key(_one(query, "key") or "")
            return 200, files.create_download_url(
                backend.s3, bucket=backend.bucket, prefix=prefix, key=key, expires_in=URL_EXPIRES_S
            )
        if (method, path) == ("DELETE", "/files"):
            files.delete_file(
                backend.s3, bucket=backend.bucket, prefix=prefix, key=sanitise_key(_one(query, "key") or "")
            )
            return 204, None
        return 404, {"message": "Not Found"}

    def _authorize(self) -> dict[str, Any]:
        """API Gateway's authorizer: 401 without a valid token; an ID token has no scopes, so 403."""
        scheme, _, token = self.headers.get("Authorization", "").partition(" ")
        if scheme != "Bearer" or not token:
            raise UnauthorizedError("Unauthorized")
        try:
            return self.backend.verifier.verify(token)
        except TokenUseError:
            raise ForbiddenError("Forbidden") from None
        except JwtInvalidError:
            raise UnauthorizedError("Unauthorized") from None

    def _reply(self, status: int, body: Any) -> None:
        payload = b""
        if body is not None:
            payload = json.dumps(body).encode()
        self.send_response(status)
        if payload:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def _one(query: dict[str, list[str]], name: str, default: str | None = None) -> str | None:
    values = query.get(name, [])
    if len(values) > 1:
        raise BadRequestError(f"give {name} at most once")
    return values[0] if values else default


class FakeApi:
    """`with FakeApi(backend) as api:` serves on `api.url` until the block ends."""

    def __init__(self, backend: Backend) -> None:
        handler = type("Handler", (_Handler,), {"backend": backend})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeApi:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
