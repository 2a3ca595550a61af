"""Checks on the raw event before Powertools parses it, and the JSON decoder it uses.

Powertools decodes base64 and JSON (or form or multipart data, by Content-Type) inside its validation
middleware, where a bad encoding surfaces as an unhandled error (500). Checking a request body once, up front,
keeps every malformed body a 4xx: too large (413), not JSON (415), not base64, UTF-8 or JSON within our limits
(400). Only POST and PUT routes take a body; the body of any other request is ignored, as HTTP leaves it
meaningless.

JSON limits are explicit, so every interpreter gives the same answer: json.loads on Python 3.11 and 3.12 raises
RecursionError somewhere below 1,000 levels of nesting while 3.13 and later parse far deeper, and int() refuses
integers of more than 4,300 digits (sys.int_info.default_max_str_digits) with a ValueError.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from api.errors import ApiError, BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError

# The largest valid body is a note: 10,200 characters of title and body, each at most 12 bytes as JSON (an astral
# character escaped as two \uXXXX), and its keys (tests/unit/test_api_notes.py sends one).
MAX_BODY_BYTES = 128 * 1024
_WITH_BODY = frozenset({"POST", "PUT"})
MAX_JSON_DEPTH = 32
MAX_JSON_NUMBER_CHARS = 64
JSON_MEDIA_TYPE = "application/json"
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_MALFORMED_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


class JsonLimitError(json.JSONDecodeError):
    """Valid JSON syntax beyond our limits (nesting, number length); a JSONDecodeError, which Powertools reports
    as invalid JSON rather than as an unhandled error."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "", 0)


def admit(event: Mapping[str, Any]) -> Mapping[str, Any]:
    """Raise an ApiError unless the request's body is absent, or UTF-8 JSON within our limits; return the event
    Powertools should resolve.

    A POST or PUT must be JSON (or say nothing): Powertools would otherwise parse it as form or multipart data, and a
    multipart Content-Type without a boundary makes it fail. Media types are case-insensitive (RFC 9110, section
    8.3.1) but Powertools compares them case-sensitively, so an accepted `Application/JSON` is handed on as
    `application/json`.
    """
    method = str(((event.get("requestContext") or {}).get("http") or {}).get("method", "")).upper()
    if method not in _WITH_BODY:
        return event
    headers = event.get("headers") or {}
    # API Gateway lower-cases header names; an event built by hand may not.
    name = next((name for name in headers if str(name).lower() == "content-type"), None)
    if name is not None:
        media_type = str(headers[name]).split(";", 1)[0].strip()
        if media_type and media_type.lower() != JSON_MEDIA_TYPE:
            raise UnsupportedMediaTypeError(f"request body must be {JSON_MEDIA_TYPE}")
        if media_type != JSON_MEDIA_TYPE:
            event = {**event, "headers": {**headers, name: JSON_MEDIA_TYPE}}
    _check_body(event.get("body"), is_base64=bool(event.get("isBase64Encoded")))
    return event


def _check_body(body: object, *, is_base64: bool) -> None:
    if not body:
        return
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
        load_json(text)
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


def query_values(event: Mapping[str, Any], name: str) -> list[str]:
    """Every value of the query parameter `name`, decoded from `rawQueryString`, which is the query exactly as sent.

    `queryStringParameters` joins repeated parameters with commas (aws_events.http_api, row 7), so there
    `key=a&key=b` would look like the one key "a,b". A malformed escape or non-UTF-8 value is a 400.
    """
    raw = str(event.get("rawQueryString") or "")
    if _MALFORMED_ESCAPE.search(raw):
        raise BadRequestError("query string has a malformed percent-escape")
    try:
        pairs = parse_qsl(raw, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise BadRequestError("query string must be UTF-8") from None
    return [value for key, value in pairs if key == name]


def error_response(error: ApiError) -> dict[str, Any]:
    """An HTTP API (payload 2.0) response for an error raised before the resolver runs."""
    return {
        "statusCode": int(error.status),
        "headers": {"Content-Type": JSON_MEDIA_TYPE},
        "body": json.dumps({"message": error.message}),
        "isBase64Encoded": False,
    }
