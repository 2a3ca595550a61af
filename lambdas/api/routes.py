"""The HTTP API's routes: authorize, call the logic, return a model. Errors become `{"message": ...}`.

Importing this module needs no environment (the OpenAPI generator imports it); settings and AWS
clients are read on first use.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError as RouteNotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.metrics import MetricUnit

from api import files, users
from api.auth import authorize, require_group, require_user
from api.aws import cognito_client, s3_client
from api.edge import load_json
from api.errors import ApiError
from api.keys import decode_path_key, user_prefix
from api.models import DownloadUrl, ErrorBody, FileList, Health, Me, UploadRequest, UploadUrl, UserList
from api.observability import logger, metrics
from api.settings import get_settings
from shared.claims import TokenClaims

# Short scope names; the token carries "<RESOURCE_SERVER_IDENTIFIER>/<scope>". Same as stacks/names.py.
SCOPE_PROFILE_READ = "profile.read"
SCOPE_FILES_READ = "files.read"
SCOPE_FILES_WRITE = "files.write"
SCOPE_ADMIN = "admin"
SECURITY_SCHEME = "cognito"

_ERROR_DESCRIPTIONS = {
    400: "Malformed request: JSON syntax, key, content type or page token",
    401: "Missing or malformed token claims",
    403: "Not an access token of this API's clients, missing scope or group",
    404: "No such file or route",
    413: "Request body too large",
    415: "Request body is not application/json",
    422: "Parameters or body do not match the schema",
}

app = APIGatewayHttpResolver(enable_validation=True, json_body_deserializer=load_json)


def _responses(ok: int, description: str, *errors: int) -> dict[int, OpenAPIResponse]:
    documented: dict[int, OpenAPIResponse] = {ok: {"description": description}}
    if ok == HTTPStatus.NO_CONTENT:
        documented[ok]["content"] = {}  # no body (else Powertools documents the return type, None)
    for status in (*errors, 422):
        documented[status] = {
            "description": _ERROR_DESCRIPTIONS[status],
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


@app.get("/health", summary="Liveness check (no token)", responses=_responses(200, "The API is up"))
def health() -> Health:
    return Health()


@app.get(
    "/me",
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
    summary="List the caller's files",
    security=_security(SCOPE_FILES_READ),
    responses=_responses(200, "One page of the caller's files, in key order", 400, 401, 403),
)
def list_files(
    limit: Annotated[int, Query(ge=1, le=1000, description="Page size")] = 100,
    next_token: Annotated[str | None, Query(max_length=2048, description="From the previous page")] = None,
) -> FileList:
    sub = require_user(_caller(SCOPE_FILES_READ))
    return files.list_files(
        s3_client(), bucket=get_settings().data_bucket, prefix=user_prefix(sub), limit=limit, next_token=next_token
    )


@app.post(
    "/files/upload-url",
    summary="A presigned POST to upload one file",
    security=_security(SCOPE_FILES_WRITE),
    responses=_responses(200, "URL and form fields; the policy pins key, type and size", 400, 401, 403, 413, 415),
)
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
    "/files/<key>/download-url",
    summary="A presigned GET URL for one of the caller's files",
    security=_security(SCOPE_FILES_READ),
    responses=_responses(200, "Short-lived download URL", 400, 401, 403, 404),
)
def download_url(key: Annotated[str, Path(description="Relative key, percent-encoded ('/' as %2F)")]) -> DownloadUrl:
    sub = require_user(_caller(SCOPE_FILES_READ))
    settings = get_settings()
    download = files.create_download_url(
        s3_client(),
        bucket=settings.data_bucket,
        prefix=user_prefix(sub),
        key=decode_path_key(key),
        expires_in=settings.url_expires_seconds,
    )
    metrics.add_metric(name="DownloadUrlIssued", unit=MetricUnit.Count, value=1)
    return download


@app.delete(
    "/files/<key>",
    summary="Delete one of the caller's files",
    security=_security(SCOPE_FILES_WRITE),
    responses=_responses(204, "Deleted", 400, 401, 403, 404),
)
def delete_file(key: Annotated[str, Path(description="Relative key, percent-encoded ('/' as %2F)")]) -> Response[None]:
    sub = require_user(_caller(SCOPE_FILES_WRITE))
    files.delete_file(s3_client(), bucket=get_settings().data_bucket, prefix=user_prefix(sub), key=decode_path_key(key))
    metrics.add_metric(name="FileDeleted", unit=MetricUnit.Count, value=1)
    return Response(status_code=HTTPStatus.NO_CONTENT, body=None)


@app.get(
    "/admin/users",
    summary="List the user pool's users (admins group only)",
    security=_security(SCOPE_ADMIN),
    responses=_responses(200, "One page of users", 400, 401, 403),
)
def admin_users(
    limit: Annotated[int, Query(ge=1, le=60, description="Page size")] = 60,
    next_token: Annotated[str | None, Query(min_length=1, max_length=4096, description="From the last page")] = None,
) -> UserList:
    settings = get_settings()
    require_group(_caller(SCOPE_ADMIN), settings.admin_group)
    return users.list_users(cognito_client(), user_pool_id=settings.user_pool_id, limit=limit, next_token=next_token)


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
