"""Checks on the raw event before Powertools parses the body, and the JSON decoder it uses.

Powertools decodes base64 and JSON (or form or multipart data, by Content-Type) inside its validation
middleware, where a bad encoding surfaces as an unhandled error (500). Checking the body once, up
front, keeps every malformed body a 4xx: too large (413), not JSON (415), not base64/UTF-8 (400).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

from api.errors import ApiError, BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError

# The largest valid body is an upload request: a <= 1024-character key and a content type.
MAX_BODY_BYTES = 8 * 1024
JSON_MEDIA_TYPE = "application/json"


def check_body(event: Mapping[str, Any]) -> None:
    """Raise an ApiError unless the body is absent, or UTF-8 JSON text of at most MAX_BODY_BYTES.

    A request that has a body or is a POST must be JSON (or say nothing): Powertools would otherwise
    parse it as form or multipart data, and a multipart Content-Type without a boundary makes it fail.
    """
    body = event.get("body")
    method = str(((event.get("requestContext") or {}).get("http") or {}).get("method", "")).upper()
    if body or method == "POST":
        _check_content_type(event.get("headers") or {})
    if not body:
        return
    if not isinstance(body, str):
        raise BadRequestError("malformed request body")
    if len(body) > 4 * MAX_BODY_BYTES:  # cheap bound before decoding anything
        raise PayloadTooLargeError(f"request body must be at most {MAX_BODY_BYTES} bytes")
    try:
        raw = base64.b64decode(body, validate=True) if event.get("isBase64Encoded") else body.encode("utf-8")
        raw.decode("utf-8")
    except ValueError:  # binascii.Error, UnicodeError, or non-ASCII text claimed to be base64
        raise BadRequestError("request body must be UTF-8 JSON") from None
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLargeError(f"request body must be at most {MAX_BODY_BYTES} bytes")


def _check_content_type(headers: Mapping[str, Any]) -> None:
    for name, value in headers.items():
        media_type = str(value).split(";", 1)[0].strip().lower()
        if str(name).lower() == "content-type" and media_type and media_type != JSON_MEDIA_TYPE:
            raise UnsupportedMediaTypeError(f"request body must be {JSON_MEDIA_TYPE}")


def load_json(text: str) -> Any:
    """json.loads that reports excessive nesting as a JSON syntax error instead of a RecursionError."""
    try:
        return json.loads(text)
    except RecursionError:
        raise json.JSONDecodeError("nested too deeply", text, 0) from None


def error_response(error: ApiError) -> dict[str, Any]:
    """An HTTP API (payload 2.0) response for an error raised before the resolver runs."""
    return {
        "statusCode": int(error.status),
        "headers": {"Content-Type": JSON_MEDIA_TYPE},
        "body": json.dumps({"message": error.message}),
        "isBase64Encoded": False,
    }
