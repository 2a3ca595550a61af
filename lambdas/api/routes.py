"""The HTTP API's routes: each names its scope, parameters and answers (api.router), calls the logic, returns a body.

Importing this module needs no environment (the OpenAPI generator imports it); settings and AWS clients are read
on first use, so a route that calls no AWS service never imports boto3.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from api import account, files, notes, users
from api.auth import require_group, require_user
from api.aws import cognito_client, dynamodb_client, public_identity_client, s3_client
from api.files import MAX_PAGE_TOKEN_CHARS, PAGE_TOKEN_PATTERN
from api.keys import MAX_KEY_CHARS, sanitise_key, user_prefix
from api.models import (
    DOWNLOAD_URL,
    ERASURE_ACCEPTED,
    FILE_LIST,
    HEALTH,
    ME,
    NOTE,
    NOTE_LIST,
    NOTE_REQUEST,
    NOTE_UPDATE,
    UPLOAD_REQUEST,
    UPLOAD_URL,
    USER_LIST,
)
from api.observability import logger, metrics
from api.router import Call, Reply, Router, Success
from api.schema import Integer, Property, Text
from api.settings import get_settings
from api.text import MAX_VERSION, NOTE_ID_PATTERN
from shared import erasure
from shared.claims import UUID_PATTERN

# Short scope names; the token carries "<RESOURCE_SERVER_IDENTIFIER>/<scope>". Same as stacks/names.py.
SCOPE_PROFILE_READ = "profile.read"
SCOPE_FILES_READ = "files.read"
SCOPE_FILES_WRITE = "files.write"
SCOPE_NOTES_READ = "notes.read"
SCOPE_NOTES_WRITE = "notes.write"
SCOPE_ACCOUNT_DELETE = "account.delete"
SCOPE_ADMIN = "admin"

# What every route with a token can answer; and a route that calls S3, DynamoDB, SQS or Cognito.
_TOKEN = (401, 403)
_AWS = (502, 503)

KEY_DESCRIPTION = (
    f"Relative key, e.g. `photos/cat.png`: at most {MAX_KEY_CHARS} characters (also once NFC-normalised), "
    "no control, format or private-use characters, no empty, `.` or `..` segments, no leading `/` or backslash. "
    "Form-encode it like any query value (`/` may stay as it is); give it once."
)
# The key as sent (read from rawQueryString by api.router: API Gateway's queryStringParameters would join a
# repeated `key` with commas, which could name another, valid key); sanitised by the route.
KEY = Property("key", Text(min_length=1, max_length=MAX_KEY_CHARS, description=KEY_DESCRIPTION))
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

api = Router()


@api.route(
    "GET", "/health", operation_id="health", summary="Liveness check (no token)", scope=None,
    response=HEALTH, description="The API is up",
)  # fmt: skip
def health(_: Call) -> dict[str, Any]:
    return {"status": "ok"}


@api.route(
    "GET", "/me", operation_id="me", summary="The caller's identity", scope=SCOPE_PROFILE_READ,
    response=ME, description="Claims of the caller's access token", errors=_TOKEN,
)  # fmt: skip
def me(call: Call) -> dict[str, Any]:
    claims = call.caller
    return {
        "sub": claims.sub,
        "username": claims.username,
        "email": claims.email,
        "groups": list(claims.groups),
        "scopes": list(claims.scopes),
    }


@api.route(
    "GET", "/files", operation_id="list_files", summary="List the caller's files", scope=SCOPE_FILES_READ,
    query=(
        Property("limit", Integer(minimum=1, maximum=1000, description="Page size"), required=False, default=100),
        Property(
            "next_token",
            Text(min_length=1, max_length=MAX_PAGE_TOKEN_CHARS, pattern=PAGE_TOKEN_PATTERN,
                 description="`next_token` of the previous page (unpadded base64url)"),
            required=False,
        ),
    ),
    response=FILE_LIST, description="One page of the caller's files, in key order", errors=(400, *_TOKEN, *_AWS),
    links=_PAGE_LINKS,
)  # fmt: skip
def list_files(call: Call, *, limit: int, next_token: str | None) -> dict[str, Any]:
    sub = require_user(call.caller)
    return files.list_files(
        s3_client(), bucket=get_settings().data_bucket, prefix=user_prefix(sub), limit=limit, next_token=next_token
    )


@api.route(
    "POST", "/files/upload-url", operation_id="upload_url", summary="A presigned POST to upload one file",
    scope=SCOPE_FILES_WRITE, body=UPLOAD_REQUEST, response=UPLOAD_URL,
    description="URL and form fields; the policy pins key, type and size", errors=(400, *_TOKEN, 413, 415),
    links=_KEY_LINKS,
)  # fmt: skip
def upload_url(call: Call, *, body: dict[str, Any]) -> dict[str, Any]:
    sub = require_user(call.caller)
    settings = get_settings()
    upload = files.create_upload(
        s3_client(),
        bucket=settings.data_bucket,
        prefix=user_prefix(sub),
        key=body["key"],
        content_type=body["content_type"],
        allowed_types=settings.upload_content_types,
        max_bytes=settings.upload_max_bytes,
        expires_in=settings.url_expires_seconds,
    )
    metrics.add_metric(name="UploadUrlIssued", unit=MetricUnit.Count, value=1)
    return upload


@api.route(
    "GET", "/files/download-url", operation_id="download_url",
    summary="A presigned GET URL for one of the caller's files", scope=SCOPE_FILES_READ, query=(KEY,),
    response=DOWNLOAD_URL, description="Short-lived download URL", errors=(400, *_TOKEN, 404, *_AWS),
)  # fmt: skip
def download_url(call: Call, *, key: str) -> dict[str, Any]:
    sub = require_user(call.caller)
    settings = get_settings()
    download = files.create_download_url(
        s3_client(),
        bucket=settings.data_bucket,
        prefix=user_prefix(sub),
        key=sanitise_key(key),
        expires_in=settings.url_expires_seconds,
    )
    metrics.add_metric(name="DownloadUrlIssued", unit=MetricUnit.Count, value=1)
    return download


@api.route(
    "DELETE", "/files", operation_id="delete_file", summary="Delete one of the caller's files",
    scope=SCOPE_FILES_WRITE, query=(KEY,), status=HTTPStatus.NO_CONTENT, response=None, description="Deleted",
    errors=(400, *_TOKEN, 404, *_AWS),
)  # fmt: skip
def delete_file(call: Call, *, key: str) -> None:
    sub = require_user(call.caller)
    files.delete_file(s3_client(), bucket=get_settings().data_bucket, prefix=user_prefix(sub), key=sanitise_key(key))
    metrics.add_metric(name="FileDeleted", unit=MetricUnit.Count, value=1)


@api.route(
    "GET", "/admin/users", operation_id="admin_users", summary="List the user pool's users (admins group only)",
    scope=SCOPE_ADMIN,
    query=(
        Property("limit", Integer(minimum=1, maximum=60, description="Page size"), required=False, default=60),
        Property("next_token", Text(min_length=1, max_length=4096, description="From the last page"), required=False),
    ),
    response=USER_LIST, description="One page of users", errors=(400, *_TOKEN, *_AWS),
)  # fmt: skip
def admin_users(call: Call, *, limit: int, next_token: str | None) -> dict[str, Any]:
    settings = get_settings()
    require_group(call.caller, settings.admin_group)
    return users.list_users(cognito_client(), user_pool_id=settings.user_pool_id, limit=limit, next_token=next_token)


NOTE_ID = Property("id", Text(pattern=NOTE_ID_PATTERN, description="A note's `id`, as the API returned it"))
_NOTE_LINKS = {
    "GetNote": {"operationId": "get_note", "parameters": {"id": "$response.body#/id"}},
    "UpdateNote": {"operationId": "update_note", "parameters": {"id": "$response.body#/id"}},
    "DeleteNote": {"operationId": "delete_note", "parameters": {"id": "$response.body#/id"}},
}
_NOTE_PAGE_LINKS = {
    "NextPage": {"operationId": "list_notes", "parameters": {"next_token": "$response.body#/next_token"}},
    "GetFirstNote": {"operationId": "get_note", "parameters": {"id": "$response.body#/items/0/id"}},
}


@api.route(
    "GET", "/notes", operation_id="list_notes", summary="List the caller's notes", scope=SCOPE_NOTES_READ,
    query=(
        Property("limit", Integer(minimum=1, maximum=1000, description="Page size"), required=False, default=100),
        Property(
            "next_token",
            Text(pattern=notes.PAGE_TOKEN_PATTERN, description="`next_token` of the previous page (opaque)"),
            required=False,
        ),
    ),
    response=NOTE_LIST, description="One page of the caller's notes, oldest first", errors=(400, *_TOKEN, *_AWS),
    links=_NOTE_PAGE_LINKS,
)  # fmt: skip
def list_notes(call: Call, *, limit: int, next_token: str | None) -> dict[str, Any]:
    sub = require_user(call.caller)
    return notes.list_notes(
        dynamodb_client(), table=get_settings().records_table, sub=sub, limit=limit, next_token=next_token
    )


@api.route(
    "POST", "/notes", operation_id="create_note", summary="Create a note", scope=SCOPE_NOTES_WRITE,
    body=NOTE_REQUEST, status=HTTPStatus.CREATED, response=NOTE, description="Created: the note, at version 1",
    response_headers={"Location": "The note's path, `/notes/{id}`"}, errors=(400, *_TOKEN, 413, 415, *_AWS),
    links=_NOTE_LINKS,
)  # fmt: skip
def create_note(call: Call, *, body: dict[str, Any]) -> Reply:
    sub = require_user(call.caller)
    note = notes.create_note(
        dynamodb_client(), table=get_settings().records_table, sub=sub, title=body["title"], body=body["body"]
    )
    metrics.add_metric(name="NoteCreated", unit=MetricUnit.Count, value=1)
    return Reply(HTTPStatus.CREATED, note, {"Location": f"/notes/{note['id']}"})


@api.route(
    "GET", "/notes/{id}", operation_id="get_note", summary="One of the caller's notes", scope=SCOPE_NOTES_READ,
    parameters=(NOTE_ID,), response=NOTE, description="The note", errors=(400, *_TOKEN, 404, *_AWS),
)  # fmt: skip
def get_note(call: Call, *, id: str) -> dict[str, Any]:
    sub = require_user(call.caller)
    return notes.get_note(dynamodb_client(), table=get_settings().records_table, sub=sub, note_id=id)


@api.route(
    "PUT", "/notes/{id}", operation_id="update_note",
    summary="Change a note, if it is still the version the change is based on", scope=SCOPE_NOTES_WRITE,
    parameters=(NOTE_ID,), body=NOTE_UPDATE, response=NOTE, description="The changed note, one version up",
    errors=(400, *_TOKEN, 404, 409, 413, 415, *_AWS),
)  # fmt: skip
def update_note(call: Call, *, id: str, body: dict[str, Any]) -> dict[str, Any]:
    sub = require_user(call.caller)
    note = notes.update_note(
        dynamodb_client(), table=get_settings().records_table, sub=sub, note_id=id, title=body["title"],
        body=body["body"], version=body["version"],
    )  # fmt: skip
    metrics.add_metric(name="NoteUpdated", unit=MetricUnit.Count, value=1)
    return note


@api.route(
    "DELETE", "/notes/{id}", operation_id="delete_note",
    summary="Delete a note (with `version`: only if it is still that version)", scope=SCOPE_NOTES_WRITE,
    parameters=(NOTE_ID,),
    query=(
        Property("version", Integer(minimum=1, maximum=MAX_VERSION, description="Delete only this version"),
                 required=False),
    ),
    status=HTTPStatus.NO_CONTENT, response=None, description="Deleted", errors=(400, *_TOKEN, 404, 409, *_AWS),
)  # fmt: skip
def delete_note(call: Call, *, id: str, version: int | None) -> None:
    sub = require_user(call.caller)
    notes.delete_note(dynamodb_client(), table=get_settings().records_table, sub=sub, note_id=id, version=version)
    metrics.add_metric(name="NoteDeleted", unit=MetricUnit.Count, value=1)


# Account deletion answers 204 when everything is gone within the request, else 202 and the queue finishes it.
_ERASED = "Erased: nothing of the account is left (a final sweep follows later)"
_ERASURE_STARTED = Success(
    HTTPStatus.ACCEPTED, "Erasure started; the rest finishes in the background within minutes", ERASURE_ACCEPTED
)


def _erasure_reply(call: Call, job: erasure.Job) -> Reply:
    outcome = account.erase_account(job, get_settings(), call.context.get_remaining_time_in_millis)
    if outcome.state == "complete":
        return Reply(HTTPStatus.NO_CONTENT)
    return Reply(HTTPStatus.ACCEPTED, {"status": "in_progress", "erasure_id": job.erasure_id})


@api.route(
    "DELETE", "/me", operation_id="delete_me", summary="Delete the caller's account and everything it owns",
    scope=SCOPE_ACCOUNT_DELETE,
    headers=(
        Property(
            "X-Id-Token",
            Text(min_length=1, max_length=account.MAX_ID_TOKEN_CHARS,
                 description="The caller's ID token (same user as the access token): names the identity-pool "
                 "identity"),
        ),
    ),
    status=HTTPStatus.NO_CONTENT, response=None, description=_ERASED, also=(_ERASURE_STARTED,),
    errors=(400, *_TOKEN, *_AWS),
)  # fmt: skip
def delete_me(call: Call, *, x_id_token: str) -> Reply:
    # The erasure's log lines carry no sub: its audit line says which erasure, not whose.
    logger.remove_keys(["sub"])
    claims = call.caller
    sub = require_user(claims)
    identity_id = account.identity_of(public_identity_client(), get_settings(), claims, x_id_token)
    job = erasure.Job.start(sub=sub, username=claims.username or sub, identity_id=identity_id, initiator="self")
    return _erasure_reply(call, job)


@api.route(
    "DELETE", "/admin/users/{sub}", operation_id="admin_delete_user",
    summary="Delete a user's account and everything it owns (admins group only)", scope=SCOPE_ADMIN,
    parameters=(Property("sub", Text(pattern=UUID_PATTERN, description="The user's `sub`, from GET /admin/users")),),
    status=HTTPStatus.NO_CONTENT, response=None, description=_ERASED, also=(_ERASURE_STARTED,),
    errors=(400, *_TOKEN, *_AWS),
)  # fmt: skip
def admin_delete_user(call: Call, *, sub: str) -> Reply:
    settings = get_settings()
    require_group(call.caller, settings.admin_group)
    # A user already gone from the pool may have left data behind: it is erased all the same.
    username = account.username_of(cognito_client(), settings.user_pool_id, sub)
    return _erasure_reply(call, erasure.Job.start(sub=sub, username=username, identity_id=None, initiator="admin"))
