"""The HTTP API's routes: authorize, call the logic, return a model. Errors become `{"message": ...}`.

Importing this module needs no environment (the OpenAPI generator imports it); settings and AWS
clients are read on first use.
"""

from __future__ import annotations

from http import HTTPStatus
from re import Pattern
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
from aws_lambda_powertools.event_handler.exceptions import NotFoundError as RouteNotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path, Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.metrics import MetricUnit

from api import account, files, notes, users
from api.auth import authorize, require_group, require_user
from api.aws import cognito_client, dynamodb_client, public_identity_client, s3_client
from api.edge import MAX_BODY_BYTES, load_json, query_values
from api.errors import ApiError, BadRequestError
from api.files import MAX_PAGE_TOKEN_CHARS, PAGE_TOKEN_PATTERN
from api.keys import MAX_KEY_CHARS, sanitise_key, user_prefix
from api.models import (
    DownloadUrl,
    ErasureAccepted,
    ErrorBody,
    FileList,
    Health,
    Me,
    Note,
    NoteList,
    NoteRequest,
    NoteUpdate,
    UploadRequest,
    UploadUrl,
    UserList,
)
from api.observability import logger, metrics
from api.settings import get_settings
from api.text import MAX_VERSION, NOTE_ID_PATTERN
from shared import erasure
from shared.claims import UUID_PATTERN, TokenClaims

# Short scope names; the token carries "<RESOURCE_SERVER_IDENTIFIER>/<scope>". Same as stacks/names.py.
SCOPE_PROFILE_READ = "profile.read"
SCOPE_FILES_READ = "files.read"
SCOPE_FILES_WRITE = "files.write"
SCOPE_NOTES_READ = "notes.read"
SCOPE_NOTES_WRITE = "notes.write"
SCOPE_ACCOUNT_DELETE = "account.delete"
SCOPE_ADMIN = "admin"
SECURITY_SCHEME = "cognito"

_STATUS_DESCRIPTIONS = {
    400: "Malformed request: JSON syntax or limits, key, content type, page token, path or query encoding, X-Id-Token",
    401: "No valid token (API Gateway's JWT authorizer), or token claims that are not ours",
    403: "Token without the route's scope, not an access token of this API's clients, or not in the group",
    404: "No such file, note or route",
    409: "The note has another version than the one the change is based on: read it again",
    413: f"Request body larger than {MAX_BODY_BYTES // 1024} KiB",
    415: "Request body is not application/json",
    422: "Parameters or body do not match the schema; the message names the field",
    429: "Too many requests: the stage's throttling limit (API Gateway)",
    500: "Internal error: a bug, or the function could not run; never caused by input",
    502: "An AWS call failed for a reason the caller cannot fix",
    503: "An AWS service throttled the function; retry with backoff",
}
# Every operation: API Gateway's throttling and a failure of the function itself.
_ALWAYS = (429, 500)
# Operations that call S3, DynamoDB, SQS or Cognito.
_AWS = (502, 503)


class _Resolver(APIGatewayHttpResolver):
    """Routes must match the whole path: Powertools anchors them with `$`, which also matches before a trailing
    newline, so `/files\n` would reach the `/files` routes."""

    @staticmethod
    def _compile_regex(rule: str, base_regex: str = r"^{}\Z") -> Pattern[str]:
        compiled: Pattern[str] = ApiGatewayResolver._compile_regex(rule, base_regex)
        return compiled


app = _Resolver(enable_validation=True, json_body_deserializer=load_json)


def _responses(
    ok: int, description: str, *errors: int, links: dict[str, Any] | None = None
) -> dict[int, OpenAPIResponse]:
    documented: dict[int, OpenAPIResponse] = {ok: {"description": description}}
    if ok == HTTPStatus.NO_CONTENT:
        documented[ok]["content"] = {}  # no body (else Powertools documents the return type, None)
    if links:
        documented[ok]["links"] = links
    for status in sorted({*errors, *_ALWAYS}):
        documented[status] = {
            "description": _STATUS_DESCRIPTIONS[status],
            "content": {content_types.APPLICATION_JSON: {"model": ErrorBody}},
        }
    return documented


def _security(scope: str) -> list[dict[str, list[str]]]:
    return [{SECURITY_SCHEME: [scope]}]


def _caller(scope: str) -> TokenClaims:
    claims = authorize(app.current_event.raw_event, get_settings(), scope)
    logger.append_keys(sub=claims.sub, client_id=claims.client_id)
    return claims


def _error(status: int, message: str) -> Response[dict[str, str]]:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body={"message": message})


KEY_DESCRIPTION = (
    f"Relative key, e.g. `photos/cat.png`: at most {MAX_KEY_CHARS} characters (also once NFC-normalised), "
    "no control, format or private-use characters, no empty, `.` or `..` segments, no leading `/` or backslash. "
    "Form-encode it like any query value (`/` may stay as it is); give it once."
)
KeyQuery = Annotated[str, Query(min_length=1, max_length=MAX_KEY_CHARS, description=KEY_DESCRIPTION)]
# OpenAPI links: where a response's key or page token goes next (clients and stateful tests follow them).
_KEY_LINKS = {
    "DownloadFile": {"operationId": "download_url", "parameters": {"key": "$response.body#/key"}},
    "DeleteFile": {"operationId": "delete_file", "parameters": {"key": "$response.body#/key"}},
}
_PAGE_LINKS = {
    "NextPage": {"operationId": "list_files", "parameters": {"next_token": "$response.body#/next_token"}},
    "DownloadFirstFile": {"operationId": "download_url", "parameters": {"key": "$response.body#/items/0/key"}},
    "DeleteFirstFile": {"operationId": "delete_file", "parameters": {"key": "$response.body#/items/0/key"}},
}


def _sent_key() -> str:
    """The `key` query parameter exactly as the client sent it, given once, and sanitised.

    Read from rawQueryString (api.edge.query_values): in queryStringParameters API Gateway joins a repeated
    `key` with commas, which could name another, valid key. Powertools has validated the parameter's presence and
    length against the schema already.
    """
    values = query_values(app.current_event.raw_event, "key")
    if len(values) != 1:
        raise BadRequestError("give key exactly once")
    return sanitise_key(values[0])


@app.get(
    "/health", operation_id="health", summary="Liveness check (no token)", responses=_responses(200, "The API is up")
)
def health() -> Health:
    return Health()


@app.get(
    "/me",
    operation_id="me",
    summary="The caller's identity",
    security=_security(SCOPE_PROFILE_READ),
    responses=_responses(200, "Claims of the caller's access token", 401, 403),
)
def me() -> Me:
    claims = _caller(SCOPE_PROFILE_READ)
    return Me(
        sub=claims.sub,
        username=claims.username,
        email=claims.email,
        groups=list(claims.groups),
        scopes=list(claims.scopes),
    )


@app.get(
    "/files",
    operation_id="list_files",
    summary="List the caller's files",
    security=_security(SCOPE_FILES_READ),
    responses=_responses(200, "One page of the caller's files, in key order", 400, 401, 403, 422, *_AWS,
                         links=_PAGE_LINKS),
)  # fmt: skip
def list_files(
    limit: Annotated[int, Query(ge=1, le=1000, description="Page size")] = 100,
    next_token: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=MAX_PAGE_TOKEN_CHARS,
            pattern=PAGE_TOKEN_PATTERN,
            description="`next_token` of the previous page (unpadded base64url)",
        ),
    ] = None,
) -> FileList:
    sub = require_user(_caller(SCOPE_FILES_READ))
    return files.list_files(
        s3_client(), bucket=get_settings().data_bucket, prefix=user_prefix(sub), limit=limit, next_token=next_token
    )


@app.post(
    "/files/upload-url",
    operation_id="upload_url",
    summary="A presigned POST to upload one file",
    security=_security(SCOPE_FILES_WRITE),
    responses=_responses(200, "URL and form fields; the policy pins key, type and size", 400, 401, 403, 413, 415,
                         422, links=_KEY_LINKS),
)  # fmt: skip
def upload_url(request: Annotated[UploadRequest, Body()]) -> UploadUrl:
    sub = require_user(_caller(SCOPE_FILES_WRITE))
    settings = get_settings()
    upload = files.create_upload(
        s3_client(),
        bucket=settings.data_bucket,
        prefix=user_prefix(sub),
        request=request,
        allowed_types=settings.upload_content_types,
        max_bytes=settings.upload_max_bytes,
        expires_in=settings.url_expires_seconds,
    )
    metrics.add_metric(name="UploadUrlIssued", unit=MetricUnit.Count, value=1)
    return upload


@app.get(
    "/files/download-url",
    operation_id="download_url",
    summary="A presigned GET URL for one of the caller's files",
    security=_security(SCOPE_FILES_READ),
    responses=_responses(200, "Short-lived download URL", 400, 401, 403, 404, 422, *_AWS),
)
def download_url(key: KeyQuery) -> DownloadUrl:
    sub = require_user(_caller(SCOPE_FILES_READ))
    settings = get_settings()
    download = files.create_download_url(
        s3_client(),
        bucket=settings.data_bucket,
        prefix=user_prefix(sub),
        key=_sent_key(),  # the parameter `key` is the schema's view of it; this is the key as sent
        expires_in=settings.url_expires_seconds,
    )
    metrics.add_metric(name="DownloadUrlIssued", unit=MetricUnit.Count, value=1)
    return download


@app.delete(
    "/files",
    operation_id="delete_file",
    summary="Delete one of the caller's files",
    security=_security(SCOPE_FILES_WRITE),
    responses=_responses(204, "Deleted", 400, 401, 403, 404, 422, *_AWS),
)
def delete_file(key: KeyQuery) -> Response[None]:
    sub = require_user(_caller(SCOPE_FILES_WRITE))
    # The parameter `key` is the schema's view of it; _sent_key() is the key as sent.
    files.delete_file(s3_client(), bucket=get_settings().data_bucket, prefix=user_prefix(sub), key=_sent_key())
    metrics.add_metric(name="FileDeleted", unit=MetricUnit.Count, value=1)
    return Response(status_code=HTTPStatus.NO_CONTENT, body=None)


@app.get(
    "/admin/users",
    operation_id="admin_users",
    summary="List the user pool's users (admins group only)",
    security=_security(SCOPE_ADMIN),
    responses=_responses(200, "One page of users", 400, 401, 403, 422, *_AWS),
)
def admin_users(
    limit: Annotated[int, Query(ge=1, le=60, description="Page size")] = 60,
    next_token: Annotated[str | None, Query(min_length=1, max_length=4096, description="From the last page")] = None,
) -> UserList:
    settings = get_settings()
    require_group(_caller(SCOPE_ADMIN), settings.admin_group)
    return users.list_users(cognito_client(), user_pool_id=settings.user_pool_id, limit=limit, next_token=next_token)


NoteId = Annotated[str, Path(pattern=NOTE_ID_PATTERN, description="A note's `id`, as the API returned it")]
_NOTE_LINKS = {
    "GetNote": {"operationId": "get_note", "parameters": {"id": "$response.body#/id"}},
    "UpdateNote": {"operationId": "update_note", "parameters": {"id": "$response.body#/id"}},
    "DeleteNote": {"operationId": "delete_note", "parameters": {"id": "$response.body#/id"}},
}
_NOTE_PAGE_LINKS = {
    "NextPage": {"operationId": "list_notes", "parameters": {"next_token": "$response.body#/next_token"}},
    "GetFirstNote": {"operationId": "get_note", "parameters": {"id": "$response.body#/items/0/id"}},
}


def _notes_table() -> str:
    return get_settings().records_table


@app.get(
    "/notes",
    operation_id="list_notes",
    summary="List the caller's notes",
    security=_security(SCOPE_NOTES_READ),
    responses=_responses(200, "One page of the caller's notes, oldest first", 400, 401, 403, 422, *_AWS,
                         links=_NOTE_PAGE_LINKS),
)  # fmt: skip
def list_notes(
    limit: Annotated[int, Query(ge=1, le=1000, description="Page size")] = 100,
    next_token: Annotated[
        str | None,
        Query(pattern=notes.PAGE_TOKEN_PATTERN, description="`next_token` of the previous page (opaque)"),
    ] = None,
) -> NoteList:
    sub = require_user(_caller(SCOPE_NOTES_READ))
    return notes.list_notes(dynamodb_client(), table=_notes_table(), sub=sub, limit=limit, next_token=next_token)


@app.post(
    "/notes",
    operation_id="create_note",
    summary="Create a note",
    security=_security(SCOPE_NOTES_WRITE),
    responses=_responses(201, "Created: the note, at version 1", 400, 401, 403, 413, 415, 422, *_AWS,
                         links=_NOTE_LINKS),
)  # fmt: skip
def create_note(request: Annotated[NoteRequest, Body()]) -> Response[Note]:
    sub = require_user(_caller(SCOPE_NOTES_WRITE))
    note = notes.create_note(dynamodb_client(), table=_notes_table(), sub=sub, request=request)
    metrics.add_metric(name="NoteCreated", unit=MetricUnit.Count, value=1)
    return Response(
        status_code=HTTPStatus.CREATED,
        content_type=content_types.APPLICATION_JSON,
        body=note,
        headers={"Location": f"/notes/{note.id}"},
    )


@app.get(
    "/notes/<id>",
    operation_id="get_note",
    summary="One of the caller's notes",
    security=_security(SCOPE_NOTES_READ),
    responses=_responses(200, "The note", 400, 401, 403, 404, 422, *_AWS),
)
def get_note(id: NoteId) -> Note:
    sub = require_user(_caller(SCOPE_NOTES_READ))
    return notes.get_note(dynamodb_client(), table=_notes_table(), sub=sub, note_id=id)


@app.put(
    "/notes/<id>",
    operation_id="update_note",
    summary="Change a note, if it is still the version the change is based on",
    security=_security(SCOPE_NOTES_WRITE),
    responses=_responses(200, "The changed note, one version up", 400, 401, 403, 404, 409, 413, 415, 422, *_AWS),
)
def update_note(id: NoteId, update: Annotated[NoteUpdate, Body()]) -> Note:
    sub = require_user(_caller(SCOPE_NOTES_WRITE))
    note = notes.update_note(dynamodb_client(), table=_notes_table(), sub=sub, note_id=id, update=update)
    metrics.add_metric(name="NoteUpdated", unit=MetricUnit.Count, value=1)
    return note


@app.delete(
    "/notes/<id>",
    operation_id="delete_note",
    summary="Delete a note (with `version`: only if it is still that version)",
    security=_security(SCOPE_NOTES_WRITE),
    responses=_responses(204, "Deleted", 400, 401, 403, 404, 409, 422, *_AWS),
)
def delete_note(
    id: NoteId,
    version: Annotated[int | None, Query(ge=1, le=MAX_VERSION, description="Delete only this version")] = None,
) -> Response[None]:
    sub = require_user(_caller(SCOPE_NOTES_WRITE))
    notes.delete_note(dynamodb_client(), table=_notes_table(), sub=sub, note_id=id, version=version)
    metrics.add_metric(name="NoteDeleted", unit=MetricUnit.Count, value=1)
    return Response(status_code=HTTPStatus.NO_CONTENT, body=None)


def _erasure_responses(*errors: int) -> dict[int, OpenAPIResponse]:
    documented = _responses(204, "Erased: nothing of the account is left (a final sweep follows later)", *errors)
    documented[HTTPStatus.ACCEPTED] = {
        "description": "Erasure started; the rest finishes in the background within minutes",
        "content": {content_types.APPLICATION_JSON: {"model": ErasureAccepted}},
    }
    return documented


def _erasure_response(job: erasure.Job) -> Response[Any]:
    outcome = account.erase_account(job, get_settings(), app.lambda_context.get_remaining_time_in_millis)
    if outcome.state == "complete":
        return Response(status_code=HTTPStatus.NO_CONTENT, body=None)
    return Response(
        status_code=HTTPStatus.ACCEPTED,
        content_type=content_types.APPLICATION_JSON,
        body=ErasureAccepted(erasure_id=job.erasure_id),
    )


@app.delete(
    "/me",
    operation_id="delete_me",
    summary="Delete the caller's account and everything it owns",
    security=_security(SCOPE_ACCOUNT_DELETE),
    responses=_erasure_responses(400, 401, 403, 422, *_AWS),
)
def delete_me(
    x_id_token: Annotated[
        str,
        Header(
            min_length=1,
            max_length=account.MAX_ID_TOKEN_CHARS,
            description="The caller's ID token (same user as the access token): names the identity-pool identity",
        ),
    ],
) -> Response[Any]:
    # Not _caller(): the erasure's log lines carry no sub (its audit line says which erasure, not whose).
    claims = authorize(app.current_event.raw_event, get_settings(), SCOPE_ACCOUNT_DELETE)
    sub = require_user(claims)
    identity_id = account.identity_of(public_identity_client(), get_settings(), claims, x_id_token)
    job = erasure.Job.start(sub=sub, username=claims.username or sub, identity_id=identity_id, initiator="self")
    return _erasure_response(job)


@app.delete(
    "/admin/users/<sub>",
    operation_id="admin_delete_user",
    summary="Delete a user's account and everything it owns (admins group only)",
    security=_security(SCOPE_ADMIN),
    responses=_erasure_responses(400, 401, 403, 404, 422, *_AWS),
)
def admin_delete_user(
    sub: Annotated[str, Path(pattern=UUID_PATTERN, description="The user's `sub`, from GET /admin/users")],
) -> Response[Any]:
    settings = get_settings()
    require_group(_caller(SCOPE_ADMIN), settings.admin_group)
    # A user already gone from the pool may have left data behind: it is erased all the same.
    username = account.username_of(cognito_client(), settings.user_pool_id, sub)
    return _erasure_response(erasure.Job.start(sub=sub, username=username, identity_id=None, initiator="admin"))


def _api_error(error: ApiError) -> Response[dict[str, str]]:
    if error.status in (HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN):
        metrics.add_metric(name="AccessDenied", unit=MetricUnit.Count, value=1)
    logger.info("Request rejected", extra={"status": int(error.status), "reason": error.message})
    return _error(error.status, error.message)


def _invalid_request(error: RequestValidationError) -> Response[dict[str, str]]:
    problems = error.errors()
    if any(problem["type"] == "json_invalid" for problem in problems):
        return _error(HTTPStatus.BAD_REQUEST, "request body is not valid JSON")
    return _error(HTTPStatus.UNPROCESSABLE_ENTITY, "; ".join(_describe(problem) for problem in problems[:3]))


def _describe(problem: Any) -> str:
    # Pydantic's messages state the rule, never the input; locations may hold caller-chosen names, so cap them.
    location = ".".join(str(part)[:64] for part in problem["loc"])
    return f"{location}: {problem['msg']}"


def _unsupported_content_type(_: RequestUnsupportedContentType) -> Response[dict[str, str]]:
    return _error(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "request body must be application/json")


def _no_route(_: RouteNotFoundError) -> Response[dict[str, str]]:
    return _error(HTTPStatus.NOT_FOUND, "no such route")


def _unexpected(_: Exception) -> Response[dict[str, str]]:
    logger.exception("Unhandled error")
    metrics.add_metric(name="UnhandledError", unit=MetricUnit.Count, value=1)
    return _error(HTTPStatus.INTERNAL_SERVER_ERROR, "internal error")


# Most specific class wins (Powertools walks the exception's MRO).
app.exception_handler_manager.update_exception_handlers(
    {
        ApiError: _api_error,
        RequestValidationError: _invalid_request,
        RequestUnsupportedContentType: _unsupported_content_type,
        RouteNotFoundError: _no_route,
        Exception: _unexpected,
    }
)
