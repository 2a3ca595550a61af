"""Routes, each declared once with its method, path, scope, parameters, body and answers: the handler dispatches
requests to them and api.openapi documents them from the same declaration.

A request goes through, in order: the route (404), the scope (api.auth: 401/403), the path parameters, headers,
query and body (api.edge and api.schema: 400/413/415/422), then the route's function, whose ApiError becomes its
status. Checking the token first means a caller without the route's scope learns nothing of its schema. API Gateway
has routed the request already (rows 4-5 of aws_events.http_api); matching the method and decoded path here the way
it does (literal paths first; a `{name}` is one whole, non-empty segment) keeps an event it would never send, or a
`$default` route added later, from reaching a function.
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
    """What a route's function gets: the caller's claims (None on a public route), the raw event and Lambda's
    context (its remaining time bounds the work a request may do)."""

    claims: TokenClaims | None
    event: Mapping[str, Any]
    context: Any = None

    @property
    def caller(self) -> TokenClaims:
        assert self.claims is not None, "a public route has no caller"
        return self.claims


class Success(NamedTuple):
    """A success answer besides the operation's main one (e.g. 202 beside 204)."""

    status: int
    description: str
    response: Object | None  # None: no body (204)


class Reply(NamedTuple):
    """What a route function returns instead of a plain body when it answers one of its other successes, or sends
    headers (e.g. Location)."""

    status: int
    body: object = None
    headers: Mapping[str, str] | None = None


class Operation(NamedTuple):
    method: str
    path: str  # with `{name}` segments for path parameters
    operation_id: str
    summary: str
    scope: str | None  # short scope name; None for a public route
    parameters: tuple[Property, ...]  # path parameters, in the order of the path
    headers: tuple[Property, ...]  # request headers (names as documented; matched case-insensitively)
    query: tuple[Property, ...]
    body: Object | None
    status: int  # of the main success
    description: str  # of the main success
    response: Object | None  # None: no body (204)
    response_headers: Mapping[str, str]  # header name -> description, sent with the main success
    also: tuple[Success, ...]
    errors: tuple[int, ...]  # 4xx/5xx the function itself may answer, besides ALWAYS and 422 for bad input
    links: Mapping[str, Any] | None
    function: Callable[..., Any]

    @property
    def takes_input(self) -> bool:
        return bool(self.parameters or self.headers or self.query) or self.body is not None

    @property
    def statuses(self) -> list[int]:
        """Every status the operation can answer, in order."""
        errors = {*self.errors, *ALWAYS, *([HTTPStatus.UNPROCESSABLE_ENTITY] if self.takes_input else [])}
        return sorted({self.status, *(int(success.status) for success in self.also), *(int(s) for s in errors)})

    def match(self, path: str) -> dict[str, str] | None:
        """The path parameters, if `path` (decoded, as API Gateway delivers it) matches this operation's path."""
        wanted, given = self.path.split("/"), path.split("/")
        if len(wanted) != len(given):
            return None
        found: dict[str, str] = {}
        for pattern, segment in zip(wanted, given, strict=True):
            if pattern.startswith("{"):
                if not segment:
                    return None
                found[pattern[1:-1]] = segment
            elif pattern != segment:
                return None
        return found


class Router:
    def __init__(self) -> None:
        self.operations: dict[tuple[str, str], Operation] = {}
        self._templates: list[Operation] = []  # operations with path parameters

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
        parameters: tuple[Property, ...] = (),
        headers: tuple[Property, ...] = (),
        query: tuple[Property, ...] = (),
        body: Object | None = None,
        response_headers: Mapping[str, str] | None = None,
        also: tuple[Success, ...] = (),
        errors: tuple[int, ...] = (),
        links: Mapping[str, Any] | None = None,
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Register the decorated function as `method path`. It is called as `function(call, **arguments)`: every
        path parameter, header (its name lower-cased, `-` as `_`) and query parameter by name, plus `body=` when the
        route takes one. It returns the response body (a dict of `response`'s shape), None, or a Reply."""
        variables = [segment[1:-1] for segment in path.split("/") if segment.startswith("{")]
        if variables != [param.name for param in parameters]:
            raise ValueError(f"{method} {path}: declare the path parameters {variables}, in order")

        def register(function: Callable[..., Any]) -> Callable[..., Any]:
            operation = Operation(
                method, path, operation_id, summary, scope, parameters, headers, query, body, status, description,
                response, dict(response_headers or {}), also, errors, links, function,
            )  # fmt: skip
            self.operations[(method, path)] = operation
            if parameters:
                self._templates.append(operation)
            return function

        return register

    def handle(self, event: Mapping[str, Any], context: Any = None) -> dict[str, Any]:
        """The HTTP API (payload 2.0) response to `event`; never raises."""
        try:
            operation, path_values = self._find(*method_and_path(event))
            answer = _call(operation, path_values, event, context)
            if not isinstance(answer, Reply):
                return json_response(operation.status, answer)
            if answer.status not in {operation.status, *(success.status for success in operation.also)}:
                raise ValueError(f"{operation.operation_id} answered an undeclared {answer.status}")
            return json_response(answer.status, answer.body, answer.headers)
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

    def _find(self, method: str, path: str) -> tuple[Operation, dict[str, str]]:
        """The operation for a request, and its path parameters as delivered; NotFoundError if there is none."""
        operation = self.operations.get((method, path))
        if operation is not None and not operation.parameters:  # a literal path (`/notes/{id}` sent as is is not)
            return operation, {}
        for candidate in self._templates:
            if candidate.method == method:
                found = candidate.match(path)
                if found is not None:
                    return candidate, found
        raise NotFoundError("no such route")


def argument_name(header: str) -> str:
    """The keyword a header's value is passed as: `X-Id-Token` -> `x_id_token`."""
    return header.lower().replace("-", "_")


def _call(operation: Operation, path_values: Mapping[str, str], event: Mapping[str, Any], context: Any) -> Any:
    claims = None
    if operation.scope is not None:
        claims = authorize(event, get_settings(), operation.scope)
        logger.append_keys(sub=claims.sub, client_id=claims.client_id)
    arguments = _path(operation.parameters, path_values) if operation.parameters else {}
    if operation.headers:
        arguments.update(_headers(operation.headers, event))
    if operation.query:
        arguments.update(_query(operation.query, event))
    if operation.body is not None:
        sent = json_body(event)
        if sent is NO_BODY:
            raise SchemaError(["body: Field required"])
        arguments["body"] = operation.body.check(sent, "body")
    return operation.function(Call(claims, event, context), **arguments)


def _path(declared: tuple[Property, ...], values: Mapping[str, str]) -> dict[str, Any]:
    """The path parameters, checked against their schemas (a value may not match them: API Gateway routes any
    segment to a `{name}`)."""
    problems: list[str] = []
    checked: dict[str, Any] = {}
    for param in declared:
        try:
            checked[param.name] = param.schema.check(values[param.name], f"path.{param.name}")
        except SchemaError as error:
            problems += error.problems
    if problems:
        raise SchemaError(problems)
    return checked


def _headers(declared: tuple[Property, ...], event: Mapping[str, Any]) -> dict[str, Any]:
    """The declared headers (API Gateway lower-cases header names, row 8 of aws_events.http_api; an event built by
    hand may not)."""
    sent = {str(name).lower(): value for name, value in (event.get("headers") or {}).items()}
    values: dict[str, Any] = {}
    problems: list[str] = []
    for param in declared:
        where, given = f"header.{param.name}", sent.get(param.name.lower())
        try:
            if given is None:
                if param.required:
                    raise SchemaError([f"{where}: Field required"])
                values[argument_name(param.name)] = param.default
            else:
                values[argument_name(param.name)] = param.schema.check(given, where)
        except SchemaError as error:
            problems += error.problems
    if problems:
        raise SchemaError(problems)
    return values


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
