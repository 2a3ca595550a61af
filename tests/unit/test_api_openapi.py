"""docs/openapi.json is what Powertools generates from the routes, and it states every route's security."""

from __future__ import annotations

import json
from pathlib import Path

from api import routes
from api.openapi import openapi_json
from stacks import names

DOC = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
ROUTE_SCOPES = {
    ("get", "/me"): names.SCOPE_PROFILE_READ,
    ("get", "/files"): names.SCOPE_FILES_READ,
    ("post", "/files/upload-url"): names.SCOPE_FILES_WRITE,
    ("get", "/files/{key}/download-url"): names.SCOPE_FILES_READ,
    ("delete", "/files/{key}"): names.SCOPE_FILES_WRITE,
    ("get", "/admin/users"): names.SCOPE_ADMIN,
}


def operations() -> dict[tuple[str, str], dict[str, object]]:
    doc = json.loads(DOC.read_text())
    return {(method, path): op for path, item in doc["paths"].items() for method, op in item.items()}


def test_committed_document_is_up_to_date() -> None:
    # Regenerate with: PYTHONPATH=lambdas:. python -m api.openapi > docs/openapi.json
    assert DOC.read_text() == openapi_json() + "\n"


def test_document_lists_exactly_the_routes_with_their_scopes() -> None:
    ops = operations()

    assert set(ops) == {*ROUTE_SCOPES, ("get", "/health")}
    assert "security" not in ops[("get", "/health")]
    for route, scope in ROUTE_SCOPES.items():
        assert ops[route]["security"] == [{routes.SECURITY_SCHEME: [scope]}], route


def test_lambda_scope_names_match_the_infrastructure() -> None:
    # Lambda code may not import stacks/, so the names are duplicated; this keeps them equal.
    assert (routes.SCOPE_PROFILE_READ, routes.SCOPE_FILES_READ, routes.SCOPE_FILES_WRITE, routes.SCOPE_ADMIN) == (
        names.SCOPE_PROFILE_READ,
        names.SCOPE_FILES_READ,
        names.SCOPE_FILES_WRITE,
        names.SCOPE_ADMIN,
    )


def test_every_error_response_is_documented_as_a_message() -> None:
    for route, op in operations().items():
        responses = op["responses"]
        assert isinstance(responses, dict)
        for status, response in responses.items():
            if int(status) >= 400:
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (route, status)
