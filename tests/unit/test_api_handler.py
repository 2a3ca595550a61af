"""The API handler end to end: requests as API Gateway delivers them (aws_events.http_api), moto S3 and Cognito."""

from __future__ import annotations

import base64
import io
import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests as http

from api.edge import MAX_BODY_BYTES
from aws_events.http_api import Request
from tests.unit.api_env import (
    ALICE,
    ALLOWED_TYPES,
    BOB,
    BUCKET,
    FOREIGN_CLIENT,
    MAX_BYTES,
    NATIVE_CLIENT,
    RESOURCE_SERVER,
    SERVICE_CLIENT,
    ApiEnv,
    api_environment,
    event_for,
    machine_claims,
    request,
)

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[ApiEnv]:
    with api_environment(monkeypatch) as env:
        yield env


def upload(body: object, **kwargs: Any) -> Request:
    if isinstance(body, str):
        return request("POST", "/files/upload-url", body=body, headers={"Content-Type": "application/json"}, **kwargs)
    return request("POST", "/files/upload-url", json_body=body, **kwargs)


# --- public and identity routes ------------------------------------------------------------------


def test_health_needs_no_token(api: ApiEnv) -> None:
    reply = api.call(request("GET", "/health", token=None))

    assert reply.status == 200
    assert reply.body == {"status": "ok"}
    assert reply.headers["Content-Type"] == "application/json"


def test_me_returns_identity_with_groups_parsed_from_api_gateway_string(api: ApiEnv) -> None:
    # Given an access token of a user in two groups (API Gateway hands the array over as "[admins users]")
    claims = api.claims(groups=("admins", "users"), username="alice")

    reply = api.call(request("GET", "/me"), claims)

    assert reply.status == 200
    assert reply.body == {
        "sub": ALICE,
        "username": "alice",
        "email": None,  # access tokens carry no email unless a pre-token-generation trigger adds it
        "groups": ["admins", "users"],
        "scopes": [
            f"{RESOURCE_SERVER}/profile.read",
            f"{RESOURCE_SERVER}/files.read",
            f"{RESOURCE_SERVER}/files.write",
        ],
    }


@pytest.mark.parametrize(
    ("groups_claim", "expected"),
    [
        ([], []),
        (["admins"], ["admins"]),
        (["admins", "users"], ["admins", "users"]),
        ('["admins","users"]', ["admins", "users"]),
    ],
)
def test_me_accepts_every_shape_of_the_groups_claim(api: ApiEnv, groups_claim: object, expected: list[str]) -> None:
    claims = api.claims(groups=None, **{"cognito:groups": groups_claim})

    reply = api.call(request("GET", "/me"), claims)

    assert reply.status == 200
    assert reply.body["groups"] == expected


def test_me_returns_email_when_the_token_carries_it(api: ApiEnv) -> None:
    reply = api.call(request("GET", "/me"), api.claims(email="alice@example.org"))

    assert reply.body["email"] == "alice@example.org"


def test_me_for_a_client_credentials_token(api: ApiEnv) -> None:
    reply = api.call(request("GET", "/me"), machine_claims(api.user_pool_id))

    assert reply.status == 200
    assert reply.body["sub"] == SERVICE_CLIENT
    assert reply.body["username"] is None
    assert reply.body["groups"] == []


def test_native_client_tokens_are_accepted(api: ApiEnv) -> None:
    assert api.call(request("GET", "/me"), api.claims(client_id=NATIVE_CLIENT)).status == 200


# --- authorization (defence in depth) ------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "query"),
    [
        ("GET", "/me", None),
        ("GET", "/files", None),
        ("POST", "/files/upload-url", None),
        ("GET", "/files/download-url", {"key": "a.txt"}),
        ("DELETE", "/files", {"key": "a.txt"}),
        ("GET", "/admin/users", None),
    ],
)
def test_every_protected_route_rejects_a_request_without_claims(
    api: ApiEnv, method: str, path: str, query: dict[str, str] | None
) -> None:
    # Given a route whose authorizer was removed by mistake: API Gateway passes no claims
    body = {"key": "a.txt", "content_type": "text/plain"} if method == "POST" else None

    reply = api.call(request(method, path, query=query, json_body=body, token=None))

    assert reply.status == 401
    assert reply.body == {"message": "missing token claims"}


@pytest.mark.parametrize(
    ("overrides", "status", "message"),
    [
        ({"token_use": "id"}, 403, "an access token is required"),
        ({"client_id": FOREIGN_CLIENT}, 403, "token was issued to an unknown client"),
        ({"scope": f"{RESOURCE_SERVER}/files.read"}, 403, f"token lacks the scope {RESOURCE_SERVER}/profile.read"),
        ({"scope": "other-api/profile.read"}, 403, f"token lacks the scope {RESOURCE_SERVER}/profile.read"),
        ({"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other"}, 401, "not issued by this user pool"),
        ({"sub": "../../etc"}, 401, "sub is not a Cognito user id"),
        ({"sub": ALICE.upper()}, 401, "sub is not a Cognito user id"),
        ({"sub": ""}, 401, "malformed token claims: sub"),
        ({"token_use": "refresh"}, 401, "malformed token claims: token_use"),
        ({"client_id": "bad client"}, 401, "malformed token claims: client_id"),
    ],
)
def test_me_rejects_tokens_that_are_not_ours(
    api: ApiEnv, overrides: dict[str, object], status: int, message: str
) -> None:
    reply = api.call(request("GET", "/me"), api.claims(**overrides))

    assert reply.status == status
    assert message in reply.body["message"]


def test_id_token_is_rejected_even_with_all_scopes(api: ApiEnv) -> None:
    # Given an ID token (no client_id, aud instead) - the authorizer lets it through when a route has no scopes
    claims = api.claims(token_use="id")
    claims.pop("client_id")
    claims["aud"] = NATIVE_CLIENT

    assert api.call(request("GET", "/files"), claims).status == 403


@pytest.mark.parametrize("missing", ["sub", "token_use", "iss"])
def test_claims_without_required_claim_are_unauthorized(api: ApiEnv, missing: str) -> None:
    claims = api.claims()
    claims.pop(missing)

    reply = api.call(request("GET", "/me"), claims)

    assert reply.status == 401
    assert missing in reply.body["message"]


def test_client_credentials_token_cannot_use_file_routes(api: ApiEnv) -> None:
    reply = api.call(request("GET", "/files"), machine_claims(api.user_pool_id, scopes=("files.read",)))

    assert reply.status == 403
    assert reply.body == {"message": "this route needs a user's token"}


# --- GET /files ----------------------------------------------------------------------------------


def test_list_files_returns_only_the_callers_objects_relative_to_the_prefix(api: ApiEnv) -> None:
    api.put("notes/a.txt", b"12345")
    api.put("b.png")
    api.put("secret.txt", sub=BOB)
    api.s3.put_object(Bucket=BUCKET, Key="public/readme.txt", Body=b"x")

    reply = api.call(request("GET", "/files"), api.claims())

    assert reply.status == 200
    assert [item["key"] for item in reply.body["items"]] == ["b.png", "notes/a.txt"]
    item = reply.body["items"][1]
    assert item["size"] == 5
    assert item["etag"]
    assert '"' not in item["etag"]
    assert item["last_modified"].startswith("20")
    assert reply.body["next_token"] is None


def test_list_files_paginates_with_an_opaque_token(api: ApiEnv) -> None:
    for name in ("a", "b", "c", "d", "e"):
        api.put(f"{name}.txt")
    seen: list[str] = []
    query: dict[str, str] = {"limit": "2"}

    for _ in range(5):
        reply = api.call(request("GET", "/files", query=query), api.claims())
        assert reply.status == 200
        seen += [item["key"] for item in reply.body["items"]]
        if reply.body["next_token"] is None:
            break
        query = {"limit": "2", "next_token": reply.body["next_token"]}

    assert seen == ["a.txt", "b.txt", "c.txt", "d.txt", "e.txt"]


def test_a_page_token_cannot_reach_another_users_objects(api: ApiEnv) -> None:
    # Given a token that decodes to a key sorting before Bob's prefix: the listing stays under Alice's prefix
    api.put("x.txt", sub=BOB)
    token = base64.urlsafe_b64encode(b"../").decode().rstrip("=")

    reply = api.call(request("GET", "/files", query={"next_token": token}), api.claims())

    assert reply.status == 200
    assert reply.body["items"] == []


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"limit": "abc"}, 422),
        ({"limit": "0"}, 422),
        ({"limit": "1001"}, 422),
        ({"limit": "99999999999999999999999"}, 422),
        ({"limit": "-1"}, 422),
        ({"limit": "1.5"}, 422),
        ("limit=1&limit=2", 422),  # API Gateway joins repeated parameters with commas: "1,2"
        ({"next_token": "not base64!"}, 422),  # outside the documented pattern
        ({"next_token": ""}, 422),
        ({"next_token": "x" * 3000}, 422),
        ({"next_token": "A"}, 400),  # not base64 at all
        ({"next_token": "AA"}, 400),  # decodes to a NUL character: refused before S3 sees it
        ({"next_token": b64url(b"a\x1fb")}, 400),
        ({"next_token": b64url(b"a\xc2\x85b")}, 400),  # U+0085, a C1 control
        ({"next_token": "__8"}, 400),  # decodes to invalid UTF-8
        ({"next_token": b64url(b"x" * 980)}, 422),  # longer than any key in a user's prefix could make
        ("next_token=a&next_token=b", 422),  # a repeated parameter is not the string the schema asks for
        ("limit=%zz", 400),  # a malformed escape, in any parameter
    ],
)
def test_list_files_rejects_bad_query_strings(api: ApiEnv, query: dict[str, str] | str, status: int) -> None:
    reply = api.call(request("GET", "/files", query=query), api.claims())

    assert reply.status == status
    assert isinstance(reply.body["message"], str)
    assert reply.body["message"]


def test_limit_error_names_the_parameter(api: ApiEnv) -> None:
    reply = api.call(request("GET", "/files", query={"limit": "0"}), api.claims())

    assert reply.body["message"].startswith("query.limit:")


# --- POST /files/upload-url ----------------------------------------------------------------------


def decode_policy(fields: dict[str, str]) -> dict[str, Any]:
    policy: dict[str, Any] = json.loads(base64.b64decode(fields["policy"]))
    return policy


def test_upload_url_is_a_presigned_post_pinned_to_key_type_and_size(api: ApiEnv) -> None:
    reply = api.call(upload({"key": "photos/cat.png", "content_type": "image/png"}), api.claims())

    assert reply.status == 200
    assert reply.body["key"] == "photos/cat.png"
    assert reply.body["max_bytes"] == MAX_BYTES
    assert reply.body["expires_in"] == 300
    assert urlsplit(reply.body["url"]).hostname == f"{BUCKET}.s3.amazonaws.com"
    fields = reply.body["fields"]
    assert fields["key"] == f"private/{ALICE}/photos/cat.png"
    assert fields["Content-Type"] == "image/png"
    policy = decode_policy(fields)
    conditions = policy["conditions"]
    assert {"bucket": BUCKET} in conditions
    assert {"key": f"private/{ALICE}/photos/cat.png"} in conditions
    assert {"Content-Type": "image/png"} in conditions  # exact match, not starts-with
    assert ["content-length-range", 0, MAX_BYTES] in conditions
    assert not any(isinstance(c, list) and c[0] == "starts-with" for c in conditions)
    expires = time.mktime(time.strptime(str(policy["expiration"]), "%Y-%m-%dT%H:%M:%SZ")) - time.timezone
    assert 0 < expires - time.time() <= 301


def test_upload_url_normalises_the_key_to_nfc(api: ApiEnv) -> None:
    reply = api.call(upload({"key": "cafe\u0301.txt", "content_type": "text/plain"}), api.claims())

    assert reply.status == 200
    assert reply.body["key"] == "caf\u00e9.txt"


def test_presigned_post_uploads_into_the_callers_prefix(api: ApiEnv) -> None:
    reply = api.call(upload({"key": "docs/a.txt", "content_type": "text/plain"}), api.claims())

    # When the client posts the form (moto intercepts the request; nothing leaves the process)
    response = http.post(reply.body["url"], data=reply.body["fields"], files={"file": ("a.txt", b"hello")}, timeout=5)

    assert response.status_code in (200, 204)
    listing = api.call(request("GET", "/files"), api.claims())
    assert [item["key"] for item in listing.body["items"]] == ["docs/a.txt"]


@pytest.mark.parametrize(
    "key",
    [
        "../b/x.txt",
        "a/../../x.txt",
        "a/./b.txt",
        "..",
        "/etc/passwd",
        "a//b.txt",
        "a/",
        "a\\b.txt",
        "a\x00b.txt",
        "a\nb.txt",
        "a\x7fb.txt",
        "a\u202eb.txt",  # right-to-left override (spoofs the extension)
        "a\u200bb.txt",  # zero-width space
        "a\u2028b.txt",  # line separator
        "\U0001fae8.png",  # shaking face: Unicode 15.0, newer than the key table (same answer on every Python)
    ],
)
def test_upload_url_rejects_unsafe_keys(api: ApiEnv, key: str) -> None:
    reply = api.call(upload({"key": key, "content_type": "text/plain"}), api.claims())

    assert reply.status == 400
    assert reply.body["message"].startswith("key must")


@pytest.mark.parametrize(("key", "status"), [("x" * 244, 200), ("\u20ac" * 244, 200), ("x" * 245, 422)])
def test_keys_are_limited_in_characters_as_the_schema_says(api: ApiEnv, key: str, status: int) -> None:
    reply = api.call(upload({"key": key, "content_type": "text/plain"}), api.claims())

    assert reply.status == status


def test_upload_url_rejects_a_content_type_outside_the_allow_list(api: ApiEnv) -> None:
    reply = api.call(upload({"key": "a.html", "content_type": "text/html"}), api.claims())

    assert reply.status == 400
    assert reply.body["message"] == f"content_type must be one of: {', '.join(ALLOWED_TYPES)}"


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ("{", 400, "request body is not valid JSON"),
        ("not json", 400, "request body is not valid JSON"),
        ('{"key": NaN, "content_type": "text/plain"}', 400, "request body is not valid JSON"),
        ("[" * 4000 + "]" * 4000, 400, "request body nests JSON deeper than 32 levels"),
        ("[" * 33 + "]" * 33, 400, "request body nests JSON deeper than 32 levels"),
        ("1" * 4301, 400, "request body has a number longer than 64 characters"),
        ('{"key": ' + "1" * 4301 + ', "content_type": "text/plain"}', 400, "number longer than 64 characters"),
        ('{"key": 1e' + "9" * 70 + "}", 400, "number longer than 64 characters"),
        ("null", 422, "body"),
        ("[]", 422, "body"),
        ('"key"', 422, "body"),
        ("{}", 422, "body.key: Field required"),
        ("[" * 32 + "]" * 32, 422, "body"),  # exactly at the limit: parsed, then refused by the schema
        ('{"key": "a.txt"}', 422, "body.content_type: Field required"),
        ('{"key": 7, "content_type": "text/plain"}', 422, "body.key"),
        ('{"key": "", "content_type": "text/plain"}', 422, "body.key"),
        ('{"key": "a\\ud800.txt", "content_type": "text/plain"}', 422, "body.key"),  # lone surrogate: not UTF-8
        ('{"key": "a.txt", "content_type": "text/plain", "acl": "public-read"}', 422, "body.acl"),
        (json.dumps({"key": "a" * 5000, "content_type": "text/plain"}), 422, "body.key"),
        (
            json.dumps({"key": "a.txt", "content_type": "text/plain", "pad": "x" * MAX_BODY_BYTES}),
            413,
            f"{MAX_BODY_BYTES} bytes",
        ),
    ],
)
def test_upload_url_rejects_malformed_bodies(api: ApiEnv, body: str, status: int, message: str) -> None:
    # The same answer on every interpreter: the limits are ours, not the JSON parser's recursion depth
    reply = api.call(upload(body), api.claims())

    assert (reply.status, message in reply.body["message"]) == (status, True), reply.body


@pytest.mark.parametrize("content_type", ["Application/JSON", "APPLICATION/JSON; charset=UTF-8", "application/json"])
@pytest.mark.parametrize("is_base64", [False, True])
def test_media_types_are_case_insensitive(api: ApiEnv, content_type: str, is_base64: bool) -> None:
    # Whether API Gateway treats the mixed-case type as text or binary is not captured: both shapes work
    event = event_for(upload('{"key": "a.txt", "content_type": "text/plain"}'), api.claims())
    event["headers"]["content-type"] = content_type
    if is_base64:
        event["body"], event["isBase64Encoded"] = base64.b64encode(event["body"].encode()).decode(), True

    reply = api.invoke(event)

    assert reply.status == 200, reply.body


def test_a_body_without_content_type_arrives_base64_encoded_and_is_accepted(api: ApiEnv) -> None:
    event = event_for(
        Request.build("POST", "/files/upload-url", body=b'{"key": "a.txt", "content_type": "text/plain"}'),
        api.claims(),
    )

    assert event["isBase64Encoded"] is True
    assert api.invoke(event).status == 200


@pytest.mark.parametrize(
    ("body", "is_base64", "headers", "status"),
    [
        ("%%%not-base64", True, {}, 400),
        (base64.b64encode(b"\xff\xfe{}").decode(), True, {}, 400),
        ('{"key": "a.txt"}', False, {"content-type": "text/plain"}, 415),
        ("key=a.txt&content_type=text/plain", False, {"content-type": "application/x-www-form-urlencoded"}, 415),
        ("--x\r\n\r\n", False, {"content-type": "multipart/form-data"}, 415),
    ],
)
def test_undecodable_or_non_json_bodies_are_4xx(
    api: ApiEnv, body: str, is_base64: bool, headers: dict[str, str], status: int
) -> None:
    event = event_for(upload("{}"), api.claims())
    event.update(body=body, isBase64Encoded=is_base64)
    event["headers"].update(headers)

    reply = api.invoke(event)

    assert reply.status == status
    assert reply.body["message"]


def test_bodies_of_requests_without_one_are_ignored(api: ApiEnv) -> None:
    # Given a GET with a body that would be refused on a POST
    reply = api.call(request("GET", "/me", body=b"\xff" * 10_000, headers={"Content-Type": "text/html"}), api.claims())

    assert reply.status == 200


def test_upload_needs_files_write(api: ApiEnv) -> None:
    reply = api.call(upload({"key": "a.txt", "content_type": "text/plain"}), api.claims(scopes=("files.read",)))

    assert reply.status == 403


# --- GET /files/download-url and DELETE /files ---------------------------------------------------


def test_download_url_for_a_key_with_slashes(api: ApiEnv) -> None:
    api.put("photos/2024/cat.png", b"png-bytes")

    reply = api.call(request("GET", "/files/download-url", query={"key": "photos/2024/cat.png"}), api.claims())

    assert reply.status == 200
    assert reply.body["expires_in"] == 300
    url = urlsplit(reply.body["url"])
    assert url.path == f"/private/{ALICE}/photos/2024/cat.png"
    assert parse_qs(url.query)["X-Amz-Expires"] == ["300"]
    assert http.get(reply.body["url"], timeout=5).content == b"png-bytes"


def test_a_key_may_keep_its_slashes_unencoded_in_the_query(api: ApiEnv) -> None:
    api.put("photos/cat.jpg")

    reply = api.call(request("GET", "/files/download-url", query="key=photos/cat.jpg"), api.claims())

    assert reply.status == 200


def test_download_url_for_a_decomposed_unicode_key(api: ApiEnv) -> None:
    api.put("r\u00e9sum\u00e9.pdf")

    # The client sends the NFD form; the API looks up the NFC key that uploads produce
    reply = api.call(request("GET", "/files/download-url", query={"key": "re\u0301sume\u0301.pdf"}), api.claims())

    assert reply.status == 200


def test_download_url_is_404_for_a_missing_object(api: ApiEnv) -> None:
    api.put("a.txt.bak")

    reply = api.call(request("GET", "/files/download-url", query={"key": "a.txt"}), api.claims())

    assert reply.status == 404
    assert reply.body == {"message": "file not found"}


def test_download_url_cannot_reach_another_users_object(api: ApiEnv) -> None:
    api.put("secret.txt", sub=BOB)

    own = api.call(request("GET", "/files/download-url", query={"key": "secret.txt"}), api.claims())
    traversal = api.call(request("GET", "/files/download-url", query={"key": f"../{BOB}/secret.txt"}), api.claims())

    assert (own.status, traversal.status) == (404, 400)


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"key": "\x00"}, 400),
        ({"key": "a\\b"}, 400),
        ({"key": "/etc/passwd"}, 400),
        ({"key": "a//b"}, 400),
        ({"key": ".."}, 400),
        ("key=%FF", 400),  # not UTF-8
        ("key=a%zz", 400),  # a malformed escape
        ("key=", 422),
        ("", 422),
        ({"key": "x" * 245}, 422),
    ],
)
def test_query_keys_are_validated(api: ApiEnv, query: dict[str, str] | str, status: int) -> None:
    reply = api.call(request("GET", "/files/download-url", query=query), api.claims())

    assert reply.status == status
    assert reply.body["message"]


def test_delete_removes_the_object_and_then_404s(api: ApiEnv) -> None:
    api.put("docs/old.txt")
    api.put("docs/old.txt", sub=BOB)
    delete = request("DELETE", "/files", query={"key": "docs/old.txt"})

    first = api.call(delete, api.claims())
    second = api.call(delete, api.claims())

    assert (first.status, first.body) == (204, None)
    assert second.status == 404
    assert api.s3.list_objects_v2(Bucket=BUCKET, Prefix=f"private/{ALICE}/").get("KeyCount") == 0
    assert api.s3.list_objects_v2(Bucket=BUCKET, Prefix=f"private/{BOB}/")["KeyCount"] == 1


def alice_keys(api: ApiEnv) -> set[str]:
    listing = api.s3.list_objects_v2(Bucket=BUCKET, Prefix=f"private/{ALICE}/")
    return {item["Key"].removeprefix(f"private/{ALICE}/") for item in listing.get("Contents", [])}


@pytest.mark.parametrize(
    ("target", "status", "deleted"),
    [
        ("/files?key=abc%0A", 400, None),  # a newline is never part of a key, and never cut off
        ("/files?key=photo%3Fx", 204, "photo?x"),  # the `?` is part of the key
        ("/files?key=a&key=b", 422, None),  # API Gateway hands over "a,b": another valid key, never taken
        ("/files?key=a,b", 204, "a,b"),
        ("/files?key=a+b", 204, "a b"),  # form encoding, as API Gateway decodes it
        ("/files?key=a%2Bb", 204, "a+b"),
        ("/files/abc%0A", 404, None),  # the old path-style route is gone: API Gateway finds no route
        ("/files%3Fkey=abc?key=photo%3Fx", 204, "photo?x"),  # API Gateway cuts the path at the decoded `?`
    ],
)
def test_delete_never_removes_an_object_other_than_the_one_named(
    api: ApiEnv, target: str, status: int, deleted: str | None
) -> None:
    neighbours = {"abc", "photo", "photo?x", "a", "b", "a,b", "a b", "a+b"}
    for key in neighbours:
        api.put(key)

    reply = api.call(Request("DELETE", target, (("Authorization", "Bearer t"),)), api.claims())

    assert reply.status == status, reply.body
    assert alice_keys(api) == neighbours - {deleted}


def test_the_key_is_the_one_the_client_sent(api: ApiEnv) -> None:
    # Given an event whose decoded parameters do not match the query sent (API Gateway never makes one)
    api.put("a")
    event = event_for(request("DELETE", "/files", query={"key": "b"}), api.claims())
    event["queryStringParameters"] = {"key": "a"}

    reply = api.invoke(event)

    assert (reply.status, alice_keys(api)) == (404, {"a"})  # "b" does not exist; "a" is left alone
    event["rawQueryString"] = ""
    assert api.invoke(event).status == 422  # no key was sent


def test_a_path_that_reached_the_function_with_a_trailing_newline_matches_no_route(api: ApiEnv) -> None:
    # API Gateway never routes `/files\n` to `DELETE /files`; if a route ever did, the router still refuses it
    api.put("abc")
    event = event_for(request("DELETE", "/files", query={"key": "abc"}), api.claims())
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/files\n"

    reply = api.invoke(event)

    assert (reply.status, alice_keys(api)) == (404, {"abc"})


def test_delete_needs_files_write(api: ApiEnv) -> None:
    api.put("a.txt")

    reply = api.call(request("DELETE", "/files", query={"key": "a.txt"}), api.claims(scopes=("files.read",)))

    assert reply.status == 403


# --- GET /admin/users ----------------------------------------------------------------------------


@pytest.fixture
def admin_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[ApiEnv]:
    with api_environment(monkeypatch, user_pool=True) as env:
        yield env


def create_users(api: ApiEnv, count: int) -> None:
    for index in range(count):
        api.cognito.admin_create_user(
            UserPoolId=api.user_pool_id,
            Username=f"user{index}",
            UserAttributes=[{"Name": "email", "Value": f"user{index}@example.org"}],
            MessageAction="SUPPRESS",
        )


def admin_claims(api: ApiEnv, **kwargs: object) -> dict[str, object]:
    return api.claims(scopes=("admin",), groups=("admins", "users"), **kwargs)


def test_admin_lists_users_page_by_page(admin_api: ApiEnv) -> None:
    api = admin_api
    create_users(api, 3)
    names: list[str] = []
    query = {"limit": "2"}

    for _ in range(3):
        reply = api.call(request("GET", "/admin/users", query=query), admin_claims(api))
        assert reply.status == 200
        names += [user["username"] for user in reply.body["users"]]
        if not reply.body["next_token"]:
            break
        query = {"limit": "2", "next_token": reply.body["next_token"]}

    assert sorted(names) == ["user0", "user1", "user2"]
    user = reply.body["users"][-1]
    assert set(user) == {"username", "sub", "email", "status", "enabled", "created"}
    assert user["email"].endswith("@example.org")
    assert user["status"] == "FORCE_CHANGE_PASSWORD"
    assert user["enabled"] is True


def test_admin_scope_without_admin_group_is_forbidden(api: ApiEnv) -> None:
    reply = api.call(request("GET", "/admin/users"), api.claims(scopes=("admin",), groups=("users",)))

    assert reply.status == 403
    assert reply.body == {"message": "only members of the admins group may do this"}


def test_admin_group_without_admin_scope_is_forbidden(api: ApiEnv) -> None:
    assert api.call(request("GET", "/admin/users"), api.claims(groups=("admins",))).status == 403


@pytest.mark.parametrize(
    ("query", "status"), [({"limit": "61"}, 422), ({"limit": "0"}, 422), ({"next_token": "bogus"}, 400)]
)
def test_admin_users_rejects_bad_paging(admin_api: ApiEnv, query: dict[str, str], status: int) -> None:
    reply = admin_api.call(request("GET", "/admin/users", query=query), admin_claims(admin_api))

    assert reply.status == status


# --- routing -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/nope"), ("PUT", "/files"), ("PATCH", "/me"), ("POST", "/health"), ("GET", "/files/a/b/download-url"),
     ("GET", "/"), ("BREW", "/me"), ("GET", "/files/"), ("GET", "/me/")],
)  # fmt: skip
def test_api_gateway_answers_unknown_routes_itself(api: ApiEnv, method: str, path: str) -> None:
    reply = api.call(request(method, path), api.claims())

    assert reply.status == 404
    assert reply.body == {"message": "Not Found"}


@pytest.mark.parametrize(("method", "path"), [("PUT", "/files"), ("GET", "/nope"), ("POST", "/me")])
def test_the_function_answers_404_json_for_a_route_it_does_not_know(api: ApiEnv, method: str, path: str) -> None:
    # Given a request API Gateway would not route to us (e.g. a $default route added later)
    event = event_for(request("GET", "/me"), api.claims())
    event["requestContext"]["http"]["method"] = method
    event["rawPath"] = event["requestContext"]["http"]["path"] = path

    reply = api.invoke(event)

    assert (reply.status, reply.body) == (404, {"message": "no such route"})


# --- AWS failures --------------------------------------------------------------------------------


def test_throttling_becomes_503_and_access_denied_502(api: ApiEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    from botocore.exceptions import ClientError

    from api.aws import s3_client

    def failing(code: str) -> object:
        def list_objects_v2(**_: object) -> None:
            raise ClientError({"Error": {"Code": code, "Message": "x"}}, "ListObjectsV2")

        return list_objects_v2

    monkeypatch.setattr(s3_client(), "list_objects_v2", failing("SlowDown"))
    assert api.call(request("GET", "/files"), api.claims()).status == 503
    monkeypatch.setattr(s3_client(), "list_objects_v2", failing("AccessDenied"))
    reply = api.call(request("GET", "/files"), api.claims())
    assert (reply.status, reply.body) == (502, {"message": "upstream service error"})


def test_unexpected_exception_is_a_json_500(api: ApiEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    from api import files

    def boom(*_: object, **__: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(files, "list_files", boom)

    reply = api.call(request("GET", "/files"), api.claims())

    assert (reply.status, reply.body) == (500, {"message": "internal error"})


# --- logging -------------------------------------------------------------------------------------


def test_logs_never_contain_tokens_emails_or_presigned_urls(api: ApiEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    from api.observability import logger

    # The logger's handler holds the stdout of the test that created it; give it a buffer of our own
    log_stream = io.StringIO()
    monkeypatch.setattr(logger.registered_handler, "stream", log_stream)
    api.put("a.txt")
    email_claims = api.claims(email="alice@example.org")

    me = api.call(request("GET", "/me"), email_claims)
    uploaded = api.call(upload({"key": "b.txt", "content_type": "text/plain"}), email_claims)
    download = api.call(request("GET", "/files/download-url", query={"key": "a.txt"}), email_claims)
    denied = api.call(request("GET", "/me"), api.claims(client_id=FOREIGN_CLIENT, email="alice@example.org"))

    logs = log_stream.getvalue()
    assert (me.status, uploaded.status, download.status, denied.status) == (200, 200, 200, 403)
    assert '"correlation_id":"' in logs.replace(" ", "")
    for secret in ("eyJ", "alice@example.org", "X-Amz-Signature", uploaded.body["fields"]["x-amz-signature"]):
        assert secret not in logs
