"""S3's CORS evaluation in front of moto (local/storage.py), against the bucket rules the data bucket synthesizes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

from local.storage import CorsRule, S3Cors, matching_rule
from stacks.constructs.data_bucket import CORS_ALLOWED_HEADERS, CORS_EXPOSED_HEADERS
from tests.support import Synth

ORIGIN = "http://localhost:5173"  # config/dev.yaml cors_origins


@pytest.fixture(scope="module")
def rules(dev: Synth) -> tuple[CorsRule, ...]:
    bucket = dev.templates["Auth"]["Resources"]["DataBucket"]["Properties"]
    return tuple(CorsRule.from_template(rule) for rule in bucket["CorsConfiguration"]["CorsRules"])


def _moto(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    # moto answers with its own CORS headers; the middleware must replace them with S3's.
    start_response("200 OK", [("Content-Type", "text/plain"), ("Access-Control-Allow-Origin", "*")])
    return [b"object"]


def _call(app: S3Cors, method: str, headers: dict[str, str]) -> tuple[str, dict[str, str]]:
    environ = {"REQUEST_METHOD": method, "PATH_INFO": "/bucket/private/a.txt"}
    environ.update({"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()})
    answer: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        answer.update(status=status, headers=dict(response_headers))

    b"".join(app(environ, start_response))
    return answer["status"], answer["headers"]


def test_the_sdk_v3_checksum_headers_pass_the_wildcard_rule(rules: tuple[CorsRule, ...]) -> None:
    # x-amz-checksum-* in AllowedHeaders is S3's one-wildcard pattern (data_bucket.py).
    headers = ["content-type", "x-amz-checksum-crc32", "x-amz-sdk-checksum-algorithm", "x-amz-date", "amz-sdk-request"]
    assert matching_rule(rules, ORIGIN, "PUT", headers) is not None
    assert matching_rule(rules, ORIGIN, "PUT", ["X-Amz-Checksum-SHA256"]) is not None  # case-insensitive
    assert "x-amz-checksum-*" in CORS_ALLOWED_HEADERS


@pytest.mark.parametrize(
    ("origin", "method", "headers"),
    [
        ("https://evil.example", "PUT", ["content-type"]),  # origin not allowed
        (ORIGIN + "/", "GET", []),  # an origin is compared exactly
        (ORIGIN, "DELETE", []),  # method not in AllowedMethods
        (ORIGIN, "PUT", ["x-not-allowed"]),  # one header not allowed fails the rule
    ],
)
def test_requests_no_rule_allows_find_none(
    rules: tuple[CorsRule, ...], origin: str, method: str, headers: list[str]
) -> None:
    assert matching_rule(rules, origin, method, headers) is None


def test_a_preflight_is_answered_from_the_matching_rule(rules: tuple[CorsRule, ...]) -> None:
    app = S3Cors(_moto, {"bucket": rules})
    preflight = {"Origin": ORIGIN, "Access-Control-Request-Method": "PUT",
                 "Access-Control-Request-Headers": "Content-Type, x-amz-checksum-crc32"}  # fmt: skip
    status, headers = _call(app, "OPTIONS", preflight)
    assert status == "200 OK"
    assert headers["Access-Control-Allow-Origin"] == ORIGIN
    assert headers["Access-Control-Allow-Headers"] == "content-type, x-amz-checksum-crc32"  # what was asked, if allowed
    assert headers["Access-Control-Allow-Methods"] == "GET, PUT, POST, HEAD"
    assert headers["Access-Control-Expose-Headers"] == ", ".join(CORS_EXPOSED_HEADERS)
    assert headers["Access-Control-Max-Age"] == "3000"


def test_a_preflight_no_rule_allows_is_forbidden(rules: tuple[CorsRule, ...]) -> None:
    app = S3Cors(_moto, {"bucket": rules})
    status, headers = _call(app, "OPTIONS", {"Origin": "https://evil.example", "Access-Control-Request-Method": "PUT"})
    assert status == "403 Forbidden"
    assert "Access-Control-Allow-Origin" not in headers
    assert _call(S3Cors(_moto, {}), "OPTIONS", {"Origin": ORIGIN, "Access-Control-Request-Method": "GET"})[0] == (
        "403 Forbidden"  # a bucket without CORS configuration
    )
    assert _call(app, "OPTIONS", {})[0] == "400 Bad Request"  # not a preflight


def test_other_requests_carry_the_rule_headers_or_none(rules: tuple[CorsRule, ...]) -> None:
    app = S3Cors(_moto, {"bucket": rules})
    _, allowed = _call(app, "GET", {"Origin": ORIGIN})
    assert allowed["Access-Control-Allow-Origin"] == ORIGIN
    _, refused = _call(app, "GET", {"Origin": "https://evil.example"})
    assert not any(name.startswith("Access-Control-") for name in refused)  # moto's "*" removed
    _, server_side = _call(app, "GET", {})
    assert not any(name.startswith("Access-Control-") for name in server_side)
