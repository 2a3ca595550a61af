"""A local stand-in for the deployed HTTP API, on 127.0.0.1, for the offline run of the suite.

moto has no API Gateway + Lambda, so this proves the client's request and response handling only: routes,
methods, keys in the query string, status codes and JSON shapes. The bodies come from the API's own shapes and
logic (lambdas/api: models, files, keys, notes, users; shared.erasure) working on moto's S3, DynamoDB and user
pool; authorization mimics API Gateway's JWT authorizer (401 without a valid token, 403 for an ID token) and the
admin group check. What it cannot mimic: route scopes (moto runs no pre-token-generation trigger, so its tokens
carry none), and the identity step of DELETE /me (moto has no DeleteIdentities: the fake checks the X-Id-Token and
erases everything else).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from api import files, notes, users
from api.edge import load_json
from api.errors import ApiError, BadRequestError, ForbiddenError, UnauthorizedError
from api.keys import sanitise_key, user_prefix
from api.models import NOTE_REQUEST, NOTE_UPDATE, UPLOAD_REQUEST
from api.schema import SchemaError
from lambdas.shared.cognito_jwt import CognitoJwtVerifier, JwtInvalidError, TokenUseError
from shared import erasure
from stacks.names import ADMIN_GROUP

UPLOAD_TYPES = ("text/plain", "image/png", "application/pdf")
UPLOAD_MAX_BYTES = 1024 * 1024
URL_EXPIRES_S = 300


@dataclass(frozen=True)
class Backend:
    """What the routes work on: moto clients and the verifier the fake authorizer uses."""

    verifier: CognitoJwtVerifier  # access tokens of the web client, JWKS from moto
    id_verifier: CognitoJwtVerifier  # the X-Id-Token of DELETE /me
    s3: Any
    cognito: Any
    dynamodb: Any
    bucket: str
    table: str
    user_pool_id: str


class _Handler(BaseHTTPRequestHandler):
    backend: Backend

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the request line would include presigned query strings."""

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

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
            request = UPLOAD_REQUEST.check(load_json(self._body().decode()), "body")
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
        if path.startswith("/notes") or (method, path) == ("DELETE", "/me"):
            return self._records(method, path, query, claims)
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

    def _records(self, method: str, path: str, query: dict[str, list[str]], claims: dict[str, Any]) -> tuple[int, Any]:
        if path == "/me":
            return self._delete_me(claims)
        return self._notes(method, path.removeprefix("/notes").removeprefix("/"), query, str(claims["sub"]))

    def _notes(self, method: str, note_id: str, query: dict[str, list[str]], sub: str) -> tuple[int, Any]:
        table, db = self.backend.table, self.backend.dynamodb
        if (method, note_id) == ("GET", ""):
            limit = int(_one(query, "limit", "100") or "100")
            return 200, notes.list_notes(db, table=table, sub=sub, limit=limit, next_token=_one(query, "next_token"))
        if (method, note_id) == ("POST", ""):
            note = NOTE_REQUEST.check(load_json(self._body().decode()), "body")
            return 201, notes.create_note(db, table=table, sub=sub, title=note["title"], body=note["body"])
        if method == "GET":
            return 200, notes.get_note(db, table=table, sub=sub, note_id=note_id)
        if method == "PUT":
            update = NOTE_UPDATE.check(load_json(self._body().decode()), "body")
            return 200, notes.update_note(db, table=table, sub=sub, note_id=note_id, title=update["title"],
                                          body=update["body"], version=update["version"])  # fmt: skip
        if method == "DELETE":
            version = _one(query, "version")
            notes.delete_note(db, table=table, sub=sub, note_id=note_id, version=int(version) if version else None)
            return 204, None
        return 404, {"message": "Not Found"}

    def _delete_me(self, claims: dict[str, Any]) -> tuple[int, Any]:
        try:
            identity = self.backend.id_verifier.verify(self.headers.get("X-Id-Token", ""))
        except JwtInvalidError:
            raise BadRequestError("x-id-token must be your own ID token from this user pool") from None
        if identity["sub"] != claims["sub"]:
            raise BadRequestError("x-id-token must be your own ID token from this user pool")
        backend = self.backend
        job = erasure.Job.start(sub=str(claims["sub"]), username=str(claims["username"]), identity_id=None,
                                initiator="self")  # fmt: skip
        clients = erasure.Clients(s3=backend.s3, dynamodb=backend.dynamodb, identity=None, cognito=backend.cognito)
        target = erasure.Target(bucket=backend.bucket, table=backend.table, user_pool_id=backend.user_pool_id)
        progress = erasure.erase(job, clients=clients, target=target, deadline=erasure.Deadline(lambda: 10**9, 0))
        return (204, None) if progress.complete else (202, {"status": "in_progress", "erasure_id": job.erasure_id})

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
