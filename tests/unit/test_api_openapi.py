"""docs/openapi.json is what the code generates, states every route's security, and tells the truth about what
each operation can answer (the property test in test_api_property.py checks the answers themselves)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from api import notes, routes
from api.edge import MAX_BODY_BYTES
from api.files import MAX_PAGE_TOKEN_CHARS, PAGE_TOKEN_PATTERN
from api.keys import MAX_KEY_CHARS
from api.openapi import SECURITY_SCHEME, openapi_json
from shared import erasure
from stacks import names
from stacks.config import load_config

DOC = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def document() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DOC.read_text())
    return loaded


def operations() -> dict[str, dict[str, Any]]:
    return {f"{method.upper()} {path}": op for path, item in document()["paths"].items() for method, op in item.items()}


def test_committed_document_is_up_to_date() -> None:
    # Regenerate with: python -m scripts.openapi
    assert DOC.read_text() == openapi_json(load_config("dev").uploads.content_types)


def test_document_lists_exactly_the_routes_that_deploy_with_their_scopes() -> None:
    ops = operations()

    assert set(ops) == set(names.API_ROUTES)
    for route, scope in names.API_ROUTES.items():
        if scope is None:
            assert "security" not in ops[route]
        else:
            assert ops[route]["security"] == [{SECURITY_SCHEME: [scope]}], route


def test_lambda_scope_and_key_names_match_the_infrastructure() -> None:
    # Lambda code may not import stacks/, so the names are duplicated; this keeps them equal.
    lambda_side = (
        routes.SCOPE_PROFILE_READ,
        routes.SCOPE_FILES_READ,
        routes.SCOPE_FILES_WRITE,
        routes.SCOPE_NOTES_READ,
        routes.SCOPE_NOTES_WRITE,
        routes.SCOPE_ACCOUNT_DELETE,
        routes.SCOPE_ADMIN,
    )
    assert lambda_side == (names.SCOPE_PROFILE_READ, names.SCOPE_FILES_READ, names.SCOPE_FILES_WRITE,
                           names.SCOPE_NOTES_READ, names.SCOPE_NOTES_WRITE, names.SCOPE_ACCOUNT_DELETE,
                           names.SCOPE_ADMIN)  # fmt: skip
    assert (notes.PARTITION_KEY, notes.SORT_KEY) == (names.RECORD_PARTITION_KEY, names.RECORD_SORT_KEY)
    target = erasure.Target("bucket", "table", "pool")
    assert (target.partition_key, target.sort_key) == (notes.PARTITION_KEY, notes.SORT_KEY)


def test_every_error_response_is_documented_as_a_message() -> None:
    for route, op in operations().items():
        for status, response in op["responses"].items():
            if int(status) >= 400:
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (route, status)


def test_each_operation_documents_the_statuses_it_can_answer() -> None:
    statuses = {route: sorted(int(status) for status in op["responses"]) for route, op in operations().items()}

    assert statuses == {
        "GET /health": [200, 429, 500],
        "GET /me": [200, 401, 403, 429, 500],
        "GET /files": [200, 400, 401, 403, 422, 429, 500, 502, 503],
        "POST /files/upload-url": [200, 400, 401, 403, 413, 415, 422, 429, 500],
        "GET /files/download-url": [200, 400, 401, 403, 404, 422, 429, 500, 502, 503],
        "DELETE /files": [204, 400, 401, 403, 404, 422, 429, 500, 502, 503],
        "GET /admin/users": [200, 400, 401, 403, 422, 429, 500, 502, 503],
        "GET /notes": [200, 400, 401, 403, 422, 429, 500, 502, 503],
        "POST /notes": [201, 400, 401, 403, 413, 415, 422, 429, 500, 502, 503],
        "GET /notes/{id}": [200, 400, 401, 403, 404, 422, 429, 500, 502, 503],
        "PUT /notes/{id}": [200, 400, 401, 403, 404, 409, 413, 415, 422, 429, 500, 502, 503],
        "DELETE /notes/{id}": [204, 400, 401, 403, 404, 409, 422, 429, 500, 502, 503],
        "DELETE /me": [202, 204, 400, 401, 403, 422, 429, 500, 502, 503],
        "DELETE /admin/users/{sub}": [202, 204, 400, 401, 403, 422, 429, 500, 502, 503],
    }
    assert "413" in operations()["POST /files/upload-url"]["responses"]
    assert f"{MAX_BODY_BYTES // 1024} KiB" in operations()["POST /files/upload-url"]["responses"]["413"]["description"]


def test_constraints_are_the_ones_the_code_enforces() -> None:
    doc = document()
    upload = doc["components"]["schemas"]["UploadRequest"]["properties"]
    ops = operations()
    key_params = [
        next(p for p in ops[route]["parameters"] if p["name"] == "key")
        for route in ("GET /files/download-url", "DELETE /files")
    ]
    (token,) = (p for p in ops["GET /files"]["parameters"] if p["name"] == "next_token")

    assert upload["content_type"]["enum"] == load_config("dev").uploads.content_types
    assert upload["key"]["maxLength"] == MAX_KEY_CHARS
    assert all(param["required"] and param["schema"]["maxLength"] == MAX_KEY_CHARS for param in key_params)
    assert not token["required"]
    assert (token["schema"]["pattern"], token["schema"]["maxLength"]) == (PAGE_TOKEN_PATTERN, MAX_PAGE_TOKEN_CHARS)


def test_only_used_schemas_remain() -> None:
    doc = document()
    text = json.dumps(doc["paths"]) + json.dumps(doc["components"]["schemas"])

    for name in doc["components"]["schemas"]:
        assert f'"#/components/schemas/{name}"' in text, name
    assert not {"ValidationError", "HTTPValidationError", "ResponseValidationError"} & set(doc["components"]["schemas"])


def test_links_name_operations_and_parameters_that_exist() -> None:
    ops = operations()
    by_id = {op["operationId"]: op for op in ops.values()}
    responses = [response for op in ops.values() for response in op["responses"].values()]
    links = [link for response in responses for link in response.get("links", {}).values()]

    assert links
    for link in links:
        target = by_id[link["operationId"]]
        assert set(link["parameters"]) <= {p["name"] for p in target.get("parameters", [])}
