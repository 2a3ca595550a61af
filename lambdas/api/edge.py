"""What the function reads from the raw event: method and path, the query as sent, and the JSON body.

Every malformed request is a 4xx, never an unhandled error: a body too large (413), not JSON (415), not base64,
UTF-8 or JSON within our limits (400); a query with a malformed escape or not UTF-8 (400). Only routes that take
a body read one; the body of any other request is ignored, as HTTP leaves it meaningless.

JSON limits are explicit, so every interpreter gives the same answer: json.loads on Python 3.11 and 3.12 raises
RecursionError somewhere below 1,000 levels of nesting while 3.13 and later parse far deeper, and int() refuses
integers of more than 4,300 digits (sys.int_info.default_max_str_digits) with a ValueError.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from api.errors import BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError

# The largest valid body is a note: 10,200 characters of title and body, each at most 12 bytes as JSON (an astral
# character escaped as two \uXXXX), and its keys (tests/unit/test_api_notes.py sends one).
MAX_BODY_BYTES = 128 * 1024
MAX_JSON_DEPTH = 32
MAX_JSON_NUMBER_CHARS = 64
JSON_MEDIA_TYPE = "application/json"
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_MALFORMED_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


class JsonLimitError(json.JSONDecodeError):
    """Valid JSON syntax beyond our limits (nesting, number length)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "", 0)


# The body of a request that sent none (None would be the JSON body `null`).
NO_BODY: object = object()


def method_and_path(event: Mapping[str, Any]) -> tuple[str, str]:
    """The request's method and its path as API Gateway decoded it (`rawPath`, aws_events.http_api rows 1-3)."""
    http = (event.get("requestContext") or {}).get("http") or {}
    return str(http.get("method", "")).upper(), str(event.get("rawPath") or http.get("path") or "")


def json_body(event: Mapping[str, Any]) -> object:
    """The request's JSON body within our limits, or NO_BODY; an ApiError otherwise.

    The body must be JSON, or the request must say nothing of its type. Media types are case-insensitive (RFC 9110,
    section 8.3.1).
    """
    headers = event.get("headers") or {}
    # API Gateway lower-cases header names; an event built by hand may not.
    name = next((name for name in headers if str(name).lower() == "content-type"), None)
    if name is not None:
        media_type = str(headers[name]).split(";", 1)[0].strip()
        if media_type and media_type.lower() != JSON_MEDIA_TYPE:
            raise UnsupportedMediaTypeError(f"request body must be {JSON_MEDIA_TYPE}")
    return _read_body(event.get("body"), is_base64=bool(event.get("isBase64Encoded")))


def _read_body(body: object, *, is_base64: bool) -> object:
    if not body:
        return NO_BODY
    if not isinstance(body, str):
        raise BadRequestError("malformed request body")
    if len(body) > 4 * MAX_BODY_BYTES:  # cheap bound before decoding anything
        raise PayloadTooLargeError(f"request body must be at most {MAX_BODY_BYTES} bytes")
    try:
        raw = base64.b64decode(body, validate=True) if is_base64 else body.encode("utf-8")
        text = raw.decode("utf-8")
    except ValueError:  # binascii.Error, UnicodeError, or non-ASCII text claimed to be base64
        raise BadRequestError("request body must be UTF-8 JSON") from None
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLargeError(f"request body must be at most {MAX_BODY_BYTES} bytes")
    try:
        return load_json(text)
    except JsonLimitError as error:
        raise BadRequestError(f"request body {error.msg}") from None
    except ValueError:
        raise BadRequestError("request body is not valid JSON") from None


def load_json(text: str) -> Any:
    """json.loads within our limits; raises JsonLimitError past them and json.JSONDecodeError for bad syntax.

    Strict RFC 8259: NaN and Infinity, which json.loads accepts, are refused.
    """
    depth = deepest = 0
    for char in _JSON_STRING.sub("", text):  # brackets outside strings; exact for valid JSON
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    if deepest > MAX_JSON_DEPTH:
        raise JsonLimitError(f"nests JSON deeper than {MAX_JSON_DEPTH} levels")
    return json.loads(text, parse_int=_number(int), parse_float=_number(float), parse_constant=_no_constant)


def _number(convert: Callable[[str], Any]) -> Callable[[str], Any]:
    def parse(literal: str) -> Any:
        if len(literal) > MAX_JSON_NUMBER_CHARS:
            raise JsonLimitError(f"has a number longer than {MAX_JSON_NUMBER_CHARS} characters")
        return convert(literal)

    return parse


def _no_constant(name: str) -> Any:
    raise json.JSONDecodeError(f"{name} is not JSON", name, 0)


def query_pairs(event: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every (name, value) of the query, decoded from `rawQueryString`, which is the query exactly as sent.

    `queryStringParameters` joins repeated parameters with commas (aws_events.http_api, row 7), so there
    `key=a&key=b` would look like the one key "a,b". A malformed escape or non-UTF-8 value is a 400.
    """
    raw = str(event.get("rawQueryString") or "")
    if _MALFORMED_ESCAPE.search(raw):
        raise BadRequestError("query string has a malformed percent-escape")
    try:
        return parse_qsl(raw, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise BadRequestError("query string must be UTF-8") from None


def json_response(status: int, body: object, headers: Mapping[str, str] | None = None) -> dict[str, Any]:
    """An HTTP API (payload 2.0) response with a JSON body (none for 204 No Content) and any other `headers`."""
    if status == HTTPStatus.NO_CONTENT:
        return {"statusCode": status, "headers": dict(headers or {}), "isBase64Encoded": False}
    return {
        "statusCode": status,
        "headers": {"Content-Type": JSON_MEDIA_TYPE, **(headers or {})},
        "body": json.dumps(body, separators=(",", ":")),
        "isBase64Encoded": False,
    }
