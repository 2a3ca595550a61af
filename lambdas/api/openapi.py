"""The API's OpenAPI 3.1 document, generated from the routes (api.routes) and their shapes (api.models).

`python -m scripts.openapi` writes docs/openapi.json for the dev profile; tests/unit/test_api_openapi.py keeps
the committed copy in sync. Every operation lists each status it can answer (api.router.Operation.statuses) with
its body; `content_type` of an upload is an enum of the deployment's allowed types (config
`uploads.content_types`). Only the documentation imports this module; the function never does.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from api.edge import JSON_MEDIA_TYPE, MAX_BODY_BYTES
from api.models import ERROR_BODY, UPLOAD_REQUEST
from api.router import Operation, Success
from api.routes import api
from api.schema import Object, Property, reference

TITLE = "Cognito reference API"
VERSION = "1.0.0"
DESCRIPTION = (
    "Per-user files, notes and identity, and account deletion, behind an API Gateway HTTP API with a Cognito JWT "
    "authorizer. "
    "Send a user pool access token as `Authorization: Bearer <token>`. Route scopes are listed by short "
    "name; the token must carry `<resource server identifier>/<scope>`. Every error body is "
    '`{"message": "..."}`, API Gateway\'s own answers (401, 403, 404 for an unknown route, 429) included.'
)
SECURITY_SCHEME = "cognito"
STATUS_DESCRIPTIONS = {
    400: "Malformed request: JSON syntax or limits, key, content type, page token, query encoding, X-Id-Token",
    401: "No valid token (API Gateway's JWT authorizer), or token claims that are not ours",
    403: "Token without the route's scope, not an access token of this API's clients, or not in the group",
    404: "No such file or note",
    409: "The note has another version than the one the change is based on: read it again",
    413: f"Request body larger than {MAX_BODY_BYTES // 1024} KiB",
    415: "Request body is not application/json",
    422: "Parameters or body do not match the schema; the message names the field",
    429: "Too many requests: the stage's throttling limit (API Gateway)",
    500: "Internal error: a bug, or the function could not run; never caused by input",
    502: "An AWS call failed for a reason the caller cannot fix",
    503: "An AWS service throttled the function; retry with backoff",
}


def openapi_document(upload_content_types: Sequence[str]) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    objects: dict[str, Object] = {ERROR_BODY.name: ERROR_BODY}
    for operation in api.operations.values():
        paths.setdefault(operation.path, {})[operation.method.lower()] = _operation(operation)
        for shape in (operation.body, operation.response, *(success.response for success in operation.also)):
            if shape is not None:
                objects.update((found.name, found) for found in shape.objects())
    schemas = {name: objects[name].json_schema() for name in sorted(objects)}
    schemas[UPLOAD_REQUEST.name]["properties"]["content_type"]["enum"] = list(upload_content_types)
    return {
        "openapi": "3.1.0",
        "info": {"title": TITLE, "description": DESCRIPTION, "version": VERSION},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                SECURITY_SCHEME: {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "Cognito user pool access token (ID tokens are rejected)",
                }
            },
        },
    }


def _operation(operation: Operation) -> dict[str, Any]:
    document: dict[str, Any] = {"summary": operation.summary, "operationId": operation.operation_id}
    if operation.scope is not None:
        document["security"] = [{SECURITY_SCHEME: [operation.scope]}]
    parameters = [
        *(_parameter(param, "path") for param in operation.parameters),
        *(_parameter(param, "header") for param in operation.headers),
        *(_parameter(param, "query") for param in operation.query),
    ]
    if parameters:
        document["parameters"] = parameters
    if operation.body is not None:
        document["requestBody"] = {
            "required": True,
            "content": {JSON_MEDIA_TYPE: {"schema": reference(operation.body)}},
        }
    responses: dict[str, Any] = {}
    also = {success.status: success for success in operation.also}
    for status in operation.statuses:
        if status == operation.status:
            responses[str(status)] = _success(operation)
        elif status in also:
            responses[str(status)] = _other_success(also[status])
        else:
            responses[str(status)] = {
                "description": STATUS_DESCRIPTIONS[status],
                "content": {JSON_MEDIA_TYPE: {"schema": reference(ERROR_BODY)}},
            }
    document["responses"] = responses
    return document


def _parameter(param: Property, where: str) -> dict[str, Any]:
    schema = param.schema.json_schema()
    parameter: dict[str, Any] = {"name": param.name, "in": where, "required": param.required}
    if "description" in schema:
        parameter["description"] = schema["description"]
    if param.default is not None:
        schema["default"] = param.default
    parameter["schema"] = schema
    return parameter


def _success(operation: Operation) -> dict[str, Any]:
    success = _answer(operation.description, operation.response, operation.status, operation.operation_id)
    if operation.response_headers:
        success["headers"] = {
            name: {"description": description, "schema": {"type": "string"}}
            for name, description in operation.response_headers.items()
        }
    if operation.links:
        success["links"] = dict(operation.links)
    return success


def _other_success(success: Success) -> dict[str, Any]:
    return _answer(success.description, success.response, success.status, str(success.status))


def _answer(description: str, response: Any, status: int, name: str) -> dict[str, Any]:
    """A success answer's description and JSON body; only a 204 may have no body."""
    document: dict[str, Any] = {"description": description}
    if response is not None:
        document["content"] = {JSON_MEDIA_TYPE: {"schema": reference(response)}}
    elif status != HTTPStatus.NO_CONTENT:
        raise ValueError(f"{name}: only a 204 answer may have no body")
    return document


def openapi_json(upload_content_types: Sequence[str]) -> str:
    return json.dumps(openapi_document(upload_content_types), indent=2, ensure_ascii=False) + "\n"
