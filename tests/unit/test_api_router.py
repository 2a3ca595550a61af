"""api.router on its own: path parameters matched the way API Gateway routes them, headers, other successes and
response headers. Public routes only, so no token is involved; events come from aws_events."""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

import pytest

from api.router import Call, Reply, Router, Success
from api.schema import Object, Property, Text
from aws_events.http_api import DEFAULT_ROUTE, Request, Route, http_api_event

ID = Property("id", Text(pattern=r"^[a-z]{3}$"))
THING = Object("Thing", (Property("id", Text()),))


def router() -> Router:
    api = Router()

    @api.route("GET", "/things/new", operation_id="new", summary="", scope=None, response=THING, description="")
    def new(_: Call) -> dict[str, Any]:
        return {"id": "literal"}

    @api.route("GET", "/things/{id}", operation_id="get", summary="", scope=None, parameters=(ID,), response=THING,
               description="")  # fmt: skip
    def get(_: Call, *, id: str) -> dict[str, Any]:
        return {"id": id}

    @api.route(
        "DELETE", "/things/{id}", operation_id="delete", summary="", scope=None, parameters=(ID,),
        headers=(Property("X-Confirm", Text(min_length=1)),), status=HTTPStatus.NO_CONTENT, response=None,
        description="", also=(Success(HTTPStatus.ACCEPTED, "later", THING),),
    )  # fmt: skip
    def delete(_: Call, *, id: str, x_confirm: str) -> Reply:
        if x_confirm == "later":
            return Reply(HTTPStatus.ACCEPTED, {"id": id}, {"Location": f"/things/{id}"})
        if x_confirm == "teapot":
            return Reply(HTTPStatus.IM_A_TEAPOT)
        return Reply(HTTPStatus.NO_CONTENT)

    return api


def call(method: str, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], Any]:
    # Through a `$default` route: API Gateway hands over any path, and the router alone decides.
    event = http_api_event(Request.build(method, path, headers=headers or {}), route=Route(DEFAULT_ROUTE))
    answer = router().handle(event)
    body = json.loads(answer["body"]) if answer.get("body") else None
    return answer["statusCode"], answer["headers"], body


def test_a_literal_path_wins_over_a_template_and_a_segment_fills_a_parameter() -> None:
    assert call("GET", "/things/new")[::2] == (200, {"id": "literal"})
    assert call("GET", "/things/abc")[::2] == (200, {"id": "abc"})


@pytest.mark.parametrize("path", ["/things/", "/things", "/things/abc/", "/things/abc/def", "/other/abc"])
def test_a_parameter_is_one_whole_non_empty_segment(path: str) -> None:
    assert call("GET", path)[0] == 404


@pytest.mark.parametrize("path", ["/things/ABC", "/things/{id}", "/things/abcd"])
def test_a_segment_outside_the_parameters_schema_is_422_naming_it(path: str) -> None:
    status, _, body = call("GET", path)
    assert status == 422
    assert body["message"].startswith("path.id: ")


def test_headers_are_matched_case_insensitively_and_required_ones_are_checked() -> None:
    assert call("DELETE", "/things/abc", {"x-confirm": "yes"})[0] == 204
    assert call("DELETE", "/things/abc", {"X-CONFIRM": "yes"})[0] == 204
    status, _, body = call("DELETE", "/things/abc")
    assert (status, body) == (422, {"message": "header.X-Confirm: Field required"})


def test_another_declared_success_with_headers_and_an_undeclared_status_is_a_500() -> None:
    status, headers, body = call("DELETE", "/things/abc", {"x-confirm": "later"})
    assert (status, headers["Location"], body) == (202, "/things/abc", {"id": "abc"})
    assert call("DELETE", "/things/abc", {"x-confirm": "teapot"})[0] == 500


def test_every_path_parameter_must_be_declared_in_order() -> None:
    with pytest.raises(ValueError, match=r"declare the path parameters \['id'\]"):
        Router().route("GET", "/things/{id}", operation_id="x", summary="", scope=None, response=None,
                       description="")  # fmt: skip
