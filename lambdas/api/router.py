"""Routes, each declared once with its method, path, scope, parameters, body and answers: the handler dispatches
requests to them and api.openapi documents them from the same declaration.

A request goes through, in order: the route (404), the scope (api.auth: 401/403), the query and the body
(api.edge and api.schema: 400/413/415/422), then the route's function, whose ApiError becomes its status. Checking
the token first means a caller without the route's scope learns nothing of its schema. API Gateway has routed the
request already (rows 4-5 of aws_events.http_api); matching the method and decoded path exactly here keeps an
event it would never send, or a `$default` route added later, from reaching a function.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any, NamedTuple

from aws_lambda_powertools.metrics import MetricUnit

from api.auth import authorize
from api.edge import NO_BODY, json_body, json_response, method_and_path, query_pairs
from api.errors import ApiError, NotFoundError
from api.observability import logger, metrics
from api.schema import Integer, Object, Property, SchemaError
from api.settings import get_settings
from shared.claims import TokenClaims

# Answers every operation can give: API Gateway's throttling, and a failure of the function itself.
ALWAYS = (HTTPStatus.TOO_MANY_REQUESTS, HTTPStatus.INTERNAL_SERVER_ERROR)
# At most this many schema problems are named in one 422 message.
_PROBLEMS_SHOWN = 3


class Call(NamedTuple):
    """What a route's function gets: the caller's claims (None on a public route) and the raw event."""

    claims: TokenClaims | None
    event: Mapping[str, Any]

    @property
    def caller(self) -> TokenClaims:
        assert self.claims is not None, "a public route has no caller"
        return self.claims


class Operation(NamedTuple):
    method: str
    path: str
    operation_id: str
    summary: str
    scope: str | None  # short scope name; None for a public route
    query: tuple[Property, ...]
    body: Object | None
    status: int  # of a success
    description: str  # of a success
    response: Object | None  # None: no body (204)
    errors: tuple[int, ...]  # 4xx/5xx the function itself may answer, besides ALWAYS and 422 for bad input
    links: Mapping[str, Any] | None
    function: Callable[..., Any]

    @property
    def takes_input(self) -> bool:
        return bool(self.query) or self.body is not None

    @property
    def statuses(self) -> list[int]:
        """Every status the operation can answer, in order."""
        errors = {*self.errors, *ALWAYS, *([HTTPStatus.UNPROCESSABLE_ENTITY] if self.takes_input else [])}
        return [self.status, *sorted(int(status) for status in errors)]


class Router:
    def __init__(self) -> None:
        self.operations: dict[tuple[str, str], Operation] = {}

    def route(
        self,
        method: str,
        path: str,
        *,
        operation_id: str,
        summary: str,
        scope: str | None,
        response: Object | None,
        description: str,
        status: int = HTTPStatus.OK,
        query: tuple[Property, ...] = (),
        body: Object | None = None,
        errors: tuple[int, ...] = (),
        links: Mapping[str, Any] | None = None,
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Register the decorated function as `method path`. It is called as `function(call, **query)`, plus
        `body=` when the route takes one, and returns the response body (a dict of `response`'s shape) or None."""

        def register(function: Callable[..., Any]) -> Callable[..., Any]:
            self.operations[(method, path)] = Operation(
                method, path, operation_id, summary, scope, query, body, status, description, response, errors,
                links, function,
            )  # fmt: skip
            return function

        return register

    def handle(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """The HTTP API (payload 2.0) response to `event`; never raises."""
        try:
            operation = self.operations.get(method_and_path(event))
            if operation is None:
                raise NotFoundError("no such route")
            return json_response(operation.status, _call(operation, event))
        except ApiError as error:
            return _rejected(error)
        except SchemaError as error:
            message = "; ".join(error.problems[:_PROBLEMS_SHOWN])
            logger.info("Request rejected", extra={"status": HTTPStatus.UNPROCESSABLE_ENTITY, "reason": message})
            return json_response(HTTPStatus.UNPROCESSABLE_ENTITY, {"message": message})
        except Exception:
            logger.exception("Unhandled error")
            metrics.add_metric(name="UnhandledError", unit=MetricUnit.Count, value=1)
            return json_response(HTTPStatus.INTERNAL_SERVER_ERROR, {"message": "internal error"})


def _call(operation: Operation, event: Mapping[str, Any]) -> Any:
    claims = None
    if operation.scope is not None:
        claims = authorize(event, get_settings(), operation.scope)
        logger.append_keys(sub=claims.sub, client_id=claims.client_id)
    arguments = _query(operation.query, event) if operation.query else {}
    if operation.body is not None:
        sent = json_body(event)
        if sent is NO_BODY:
            raise SchemaError(["body: Field required"])
        arguments["body"] = operation.body.check(sent, "body")
    return operation.function(Call(claims, event), **arguments)


def _query(declared: tuple[Property, ...], event: Mapping[str, Any]) -> dict[str, Any]:
    """The declared parameters from the query as sent, each given at most once; others are ignored."""
    sent: dict[str, list[str]] = {}
    for name, value in query_pairs(event):
        sent.setdefault(name, []).append(value)
    values: dict[str, Any] = {}
    problems: list[str] = []
    for param in declared:
        where, given = f"query.{param.name}", sent.get(param.name, [])
        try:
            if len(given) > 1:
                raise SchemaError([f"{where}: give it once"])
            if not given:
                if param.required:
                    raise SchemaError([f"{where}: Field required"])
                values[param.name] = param.default
            elif isinstance(param.schema, Integer):
                values[param.name] = param.schema.from_text(given[0], where)
            else:
                values[param.name] = param.schema.check(given[0], where)
        except SchemaError as error:
            problems += error.problems
    if problems:
        raise SchemaError(problems)
    return values


def _rejected(error: ApiError) -> dict[str, Any]:
    if error.status in (HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN):
        metrics.add_metric(name="AccessDenied", unit=MetricUnit.Count, value=1)
    logger.info("Request rejected", extra={"status": int(error.status), "reason": error.message})
    return json_response(error.status, {"message": error.message})
