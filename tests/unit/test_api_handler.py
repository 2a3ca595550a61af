"""The API handler end to end: HTTP API events in, responses out, moto S3 and Cognito behind it."""

from __future__ import annotations

import base64
import io
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.unit.api_events import (
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
    http_event,
    key_path,
    machine_claims,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "api"
pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[ApiEnv]:
    with api_environment(monkeypatch) as env:
        yield env


def upload_event(api: ApiEnv, body: object, *, is_base64: bool = False) -> dict[str, Any]:
    text = body if isinstance(body, str) else json.dumps(body)
    return http_event("POST", "/files/upload-url", claims=api.claims(), body=text, is_base64=is_base64)


# --- public and identity routes ------------------------------------------------------------------


def test_health_needs_no_token(api: ApiEnv) -> None:
    reply = api.call(http_event("GET", "/health"))

    assert reply.status == 200
    assert reply.body == {"status": "ok"}
    assert reply.headers["Content-Type"] == "application/json"


def test_me_returns_identity_with_groups_parsed_from_api_gateway_string(api: ApiEnv) -> None:
    # Given an access token of a user in two groups, as API Gateway passes array claims ("[a b]")
    claims = api.claims(groups=("admins", "users"), username="alice")

    reply = api.call(http_event("GET", "/me", claims=claims))

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
        ("[]", []),
        ("[admins]", ["admins"]),
        (["admins", "users"], ["admins", "users"]),
        ('["admins","users"]', ["admins", "users"]),
    ],
)
def test_me_accepts_every_shape_of_the_groups_claim(api: ApiEnv, groups_claim: object, expected: list[str]) -> None:
    claims = api.claims(groups=None, **{"cognito:groups": groups_claim})

    reply = api.call(http_event("GET", "/me", claims=claims))

    assert reply.status == 200
    assert reply.body["groups"] == expected


def test_me_returns_email_when_the_token_carries_it(api: ApiEnv) -> None:
    reply = api.call(http_event("GET", "/me", claims=api.claims(email="alice@example.org")))

    assert reply.body["email"] == "alice@example.org"


def test_me_for_a_client_credentials_token(api: ApiEnv) -> None:
    reply = api.call(http_event("GET", "/me", claims=machine_claims(api.user_pool_id)))

    assert reply.status == 200
    assert reply.body["sub"] == SERVICE_CLIENT
    assert reply.body["username"] is None
    assert reply.body["groups"] == []


def test_native_client_tokens_are_accepted(api: ApiEnv) -> None:
    reply = api.call(http_event("GET", "/me", claims=api.claims(client_id=NATIVE_CLIENT)))

    assert reply.status == 200


# --- authorization (defence in depth) ------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/me"),
        ("GET", "/files"),
        ("POST", "/files/upload-url"),
        ("GET", "/files/a.txt/download-url"),
        ("DELETE", "/files/a.txt"),
        ("GET", "/admin/users"),
    ],
)
def test_every_protected_route_rejects_a_request_without_claims(api: ApiEnv, method: str, path: str) -> None:
    body = json.dumps({"key": "a.txt", "content_type": "text/plain"}) if method == "POST" else None

    reply = api.call(http_event(method, path, body=body))

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
        ({"cognito:groups": 7}, 401, "malformed token claims: cognito:groups"),
        ({"client_id": "bad client"}, 401, "malformed token claims: client_id"),
    ],
)
def test_me_rejects_tokens_that_are_not_ours(
    api: ApiEnv, overrides: dict[str, object], status: int, message: str
) -> None:
    reply = api.call(http_event("GET", "/me", claims=api.claims(**overrides)))

    assert reply.status == status
    assert message in reply.body["message"]


def test_id_token_is_rejected_even_with_all_scopes(api: ApiEnv) -> None:
    # Given an ID token (no client_id, aud instead) - the authorizer lets it through when a route has no scopes
    claims = api.claims(token_use="id")
    claims.pop("client_id")
    claims["aud"] = NATIVE_CLIENT

    reply = api.call(http_event("GET", "/files", claims=claims))

    assert reply.status == 403


@pytest.mark.parametrize("missing", ["sub", "token_use", "iss"])
def test_claims_without_required_claim_are_unauthorized(api: ApiEnv, missing: str) -> None:
    claims = api.claims()
    claims.pop(missing)

    reply = api.call(http_event("GET", "/me", claims=claims))

    assert reply.status == 401
    assert missing in reply.body["message"]


def test_client_credentials_token_cannot_use_file_routes(api: ApiEnv) -> None:
    claims = machine_claims(api.user_pool_id, scopes=("files.read",))

    reply = api.call(http_event("GET", "/files", claims=claims))

    assert reply.status == 403
    assert reply.body == {"message": "this route needs a user's token"}


# --- GET /files ----------------------------------------------------------------------------------


def test_list_files_returns_only_the_callers_objects_relative_to_the_prefix(api: ApiEnv) -> None:
    api.put("notes/a.txt", b"12345")
    api.put("b.png")
    api.put("secret.txt", sub=BOB)
    api.s3.put_object(Bucket=BUCKET, Key="public/readme.txt", Body=b"x")

    reply = api.call(http_event("GET", "/files", claims=api.claims()))

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
        reply = api.call(http_event("GET", "/files", claims=api.claims(), query=query))
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

    reply = api.call(http_event("GET", "/files", claims=api.claims(), query={"next_token": token}))

    assert reply.status == 200
    assert reply.body["items"] == []


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"limit": "abc"}, 422),
        ({"limit": "0"}, 422),
        ({"limit": "1001"}, 422),
        ({"limit": "99999999999999999999999"}, 422),
        ({"limit": "-1"}, 422),
        ({"limit": "1.5"}, 422),
        ({"limit": "1,2"}, 422),  # API Gateway joins repeated parameters with commas
        ({"next_token": "not base64!"}, 400),
        ({"next_token": "A"}, 400),
        ({"next_token": "__8"}, 400),  # decodes to invalid UTF-8
        ({"next_token": "x" * 3000}, 422),
    ],
)
def test_list_files_rejects_bad_query_strings(api: ApiEnv, query: dict[str, str], status: int) -> None:
    reply = api.call(http_event("GET", "/files", claims=api.claims(), query=query))

    assert reply.status == status
    assert isinstance(reply.body["message"], str)
    assert reply.body["message"]


def test_limit_error_names_the_parameter(api: ApiEnv) -> None:
    reply = api.call(http_event("GET", "/files", claims=api.claims(), query={"limit": "0"}))

    assert reply.body["message"].startswith("query.limit:")


# --- POST /files/upload-url ----------------------------------------------------------------------


def decode_policy(fields: dict[str, str]) -> dict[str, Any]:
    policy: dict[str, Any] = json.loads(base64.b64decode(fields["policy"]))
    return policy


def test_upload_url_is_a_presigned_post_pinned_to_key_type_and_size(api: ApiEnv) -> None:
    reply = api.call(upload_event(api, {"key": "photos/cat.png", "content_type": "image/png"}))

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
    reply = api.call(upload_event(api, {"key": "cafe\u0301.txt", "content_type": "text/plain"}))

    assert reply.status == 200
    assert reply.body["key"] == "caf\u00e9.txt"


def test_presigned_post_uploads_into_the_callers_prefix(api: ApiEnv) -> None:
    reply = api.call(upload_event(api, {"key": "docs/a.txt", "content_type": "text/plain"}))

    # When the client posts the form (moto intercepts the request; nothing leaves the process)
    response = requests.post(
        reply.body["url"], data=reply.body["fields"], files={"file": ("a.txt", b"hello")}, timeout=5
    )

    assert response.status_code in (200, 204)
    listing = api.call(http_event("GET", "/files", claims=api.claims()))
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
        "x" * 513,
        "\u00e9" * 257,  # 514 bytes of UTF-8
    ],
)
def test_upload_url_rejects_unsafe_keys(api: ApiEnv, key: str) -> None:
    reply = api.call(upload_event(api, {"key": key, "content_type": "text/plain"}))

    assert reply.status == 400
    assert reply.body["message"].startswith("key must")


def test_upload_url_rejects_a_content_type_outside_the_allow_list(api: ApiEnv) -> None:
    reply = api.call(upload_event(api, {"key": "a.html", "content_type": "text/html"}))

    assert reply.status == 400
    assert reply.body["message"] == f"content_type must be one of: {', '.join(ALLOWED_TYPES)}"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ("{", 400),
        ("not json", 400),
        ("[" * 4000 + "]" * 4000, 400),  # nesting deeper than the JSON parser's recursion limit
        ("null", 422),
        ("[]", 422),
        ('"key"', 422),
        ("{}", 422),
        ('{"key": "a.txt"}', 422),
        ('{"key": 7, "content_type": "text/plain"}', 422),
        ('{"key": "", "content_type": "text/plain"}', 422),
        ('{"key": "a\\ud800.txt", "content_type": "text/plain"}', 422),  # lone surrogate: valid JSON, not UTF-8
        ('{"key": "a.txt", "content_type": "text/plain", "acl": "public-read"}', 422),
        (json.dumps({"key": "a" * 5000, "content_type": "text/plain"}), 422),
        (json.dumps({"key": "a.txt", "content_type": "text/plain", "pad": "x" * 9000}), 413),
    ],
)
def test_upload_url_rejects_malformed_bodies(api: ApiEnv, body: str, status: int) -> None:
    reply = api.call(upload_event(api, body))

    assert reply.status == status
    assert isinstance(reply.body["message"], str)


def test_upload_url_accepts_a_base64_encoded_body(api: ApiEnv) -> None:
    body = json.dumps({"key": "a.txt", "content_type": "text/plain"})

    reply = api.call(upload_event(api, body, is_base64=True))

    assert reply.status == 200


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
    event = http_event("POST", "/files/upload-url", claims=api.claims(), body="{}", headers=headers)
    event["body"] = body
    event["isBase64Encoded"] = is_base64

    reply = api.call(event)

    assert reply.status == status
    assert reply.body["message"]


def test_upload_needs_files_write(api: ApiEnv) -> None:
    event = http_event(
        "POST",
        "/files/upload-url",
        claims=api.claims(scopes=("files.read",)),
        body=json.dumps({"key": "a.txt", "content_type": "text/plain"}),
    )

    assert api.call(event).status == 403


# --- GET /files/{key}/download-url and DELETE /files/{key} ---------------------------------------


def test_download_url_for_a_key_with_slashes(api: ApiEnv) -> None:
    api.put("photos/2024/cat.png", b"png-bytes")

    reply = api.call(http_event("GET", f"/files/{key_path('photos/2024/cat.png')}/download-url", claims=api.claims()))

    assert reply.status == 200
    assert reply.body["expires_in"] == 300
    url = urlsplit(reply.body["url"])
    assert url.path == f"/private/{ALICE}/photos/2024/cat.png"
    assert parse_qs(url.query)["X-Amz-Expires"] == ["300"]
    assert requests.get(reply.body["url"], timeout=5).content == b"png-bytes"


def test_download_url_for_a_unicode_key(api: ApiEnv) -> None:
    api.put("r\u00e9sum\u00e9.pdf")

    nfd = key_path("re\u0301sume\u0301.pdf")

    # The client sends the NFD form; the API looks up the NFC key that uploads produce
    reply = api.call(http_event("GET", f"/files/{nfd}/download-url", claims=api.claims()))

    assert reply.status == 200


def test_download_url_is_404_for_a_missing_object(api: ApiEnv) -> None:
    api.put("a.txt.bak")

    reply = api.call(http_event("GET", "/files/a.txt/download-url", claims=api.claims()))

    assert reply.status == 404
    assert reply.body == {"message": "file not found"}


def test_download_url_cannot_reach_another_users_object(api: ApiEnv) -> None:
    api.put("secret.txt", sub=BOB)
    traversal = key_path(f"../{BOB}/secret.txt")

    assert api.call(http_event("GET", "/files/secret.txt/download-url", claims=api.claims())).status == 404
    assert api.call(http_event("GET", f"/files/{traversal}/download-url", claims=api.claims())).status == 400


@pytest.mark.parametrize("raw", ["%00", "a%5Cb", "%2Fetc%2Fpasswd", "a%2F%2Fb", "%FF", "%2E%2E"])
def test_path_keys_are_sanitised_after_percent_decoding(api: ApiEnv, raw: str) -> None:
    reply = api.call(http_event("GET", f"/files/{raw}/download-url", claims=api.claims()))

    assert reply.status == 400
    assert reply.body["message"].startswith("key must")


def test_delete_removes_the_object_and_then_404s(api: ApiEnv) -> None:
    api.put("docs/old.txt")
    api.put("docs/old.txt", sub=BOB)
    path = f"/files/{key_path('docs/old.txt')}"

    first = api.call(http_event("DELETE", path, claims=api.claims()))
    second = api.call(http_event("DELETE", path, claims=api.claims()))

    assert (first.status, first.body) == (204, None)
    assert second.status == 404
    assert api.s3.list_objects_v2(Bucket=BUCKET, Prefix=f"private/{ALICE}/").get("KeyCount") == 0
    assert api.s3.list_objects_v2(Bucket=BUCKET, Prefix=f"private/{BOB}/")["KeyCount"] == 1


def test_delete_needs_files_write(api: ApiEnv) -> None:
    api.put("a.txt")

    reply = api.call(http_event("DELETE", "/files/a.txt", claims=api.claims(scopes=("files.read",))))

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
        reply = api.call(http_event("GET", "/admin/users", claims=admin_claims(api), query=query))
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
    claims = api.claims(scopes=("admin",), groups=("users",))

    reply = api.call(http_event("GET", "/admin/users", claims=claims))

    assert reply.status == 403
    assert reply.body == {"message": "only members of the admins group may do this"}


def test_admin_group_without_admin_scope_is_forbidden(api: ApiEnv) -> None:
    reply = api.call(http_event("GET", "/admin/users", claims=api.claims(groups=("admins",))))

    assert reply.status == 403


@pytest.mark.parametrize(
    ("query", "status"), [({"limit": "61"}, 422), ({"limit": "0"}, 422), ({"next_token": "bogus"}, 400)]
)
def test_admin_users_rejects_bad_paging(admin_api: ApiEnv, query: dict[str, str], status: int) -> None:
    reply = admin_api.call(http_event("GET", "/admin/users", claims=admin_claims(admin_api), query=query))

    assert reply.status == status


# --- routing -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/nope"),
        ("PUT", "/files/a.txt"),
        ("PATCH", "/me"),
        ("POST", "/health"),
        ("GET", "/files/a/b/download-url"),  # an unencoded '/' does not match {key}
        ("GET", "/"),
        ("BREW", "/me"),
    ],
)
def test_unknown_routes_and_methods_are_404_json(api: ApiEnv, method: str, path: str) -> None:
    reply = api.call(http_event(method, path, claims=api.claims()))

    assert reply.status == 404
    assert reply.body == {"message": "no such route"}


@pytest.mark.parametrize("name", ["get_me", "get_files"])
def test_fixture_events_succeed(api: ApiEnv, name: str) -> None:
    # The benchmark replays these; keep them valid
    event = json.loads((FIXTURES / f"{name}.json").read_text())

    assert api.call(event).status == 200


# --- AWS failures --------------------------------------------------------------------------------


def test_throttling_becomes_503_and_access_denied_502(api: ApiEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    from botocore.exceptions import ClientError

    from api.aws import s3_client

    def failing(code: str) -> object:
        def list_objects_v2(**_: object) -> None:
            raise ClientError({"Error": {"Code": code, "Message": "x"}}, "ListObjectsV2")

        return list_objects_v2

    monkeypatch.setattr(s3_client(), "list_objects_v2", failing("SlowDown"))
    assert api.call(http_event("GET", "/files", claims=api.claims())).status == 503
    monkeypatch.setattr(s3_client(), "list_objects_v2", failing("AccessDenied"))
    reply = api.call(http_event("GET", "/files", claims=api.claims()))
    assert (reply.status, reply.body) == (502, {"message": "upstream service error"})


def test_unexpected_exception_is_a_json_500(api: ApiEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    from api import files

    def boom(*_: object, **__: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(files, "list_files", boom)

    reply = api.call(http_event("GET", "/files", claims=api.claims()))

    assert (reply.status, reply.body) == (500, {"message": "internal error"})


# --- logging -------------------------------------------------------------------------------------


def test_logs_never_contain_tokens_emails_or_presigned_urls(api: ApiEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    from api.observability import logger

    # The logger's handler holds the stdout of the test that created it; give it a buffer of our own
    log_stream = io.StringIO()
    monkeypatch.setattr(logger.registered_handler, "stream", log_stream)
    api.put("a.txt")
    email_claims = api.claims(email="alice@example.org")

    me = api.call(http_event("GET", "/me", claims=email_claims))
    upload = api.call(upload_event(api, {"key": "b.txt", "content_type": "text/plain"}))
    download = api.call(http_event("GET", "/files/a.txt/download-url", claims=email_claims))
    denied = api.call(http_event("GET", "/me", claims=api.claims(client_id=FOREIGN_CLIENT, email="alice@example.org")))

    logs = log_stream.getvalue()
    assert (me.status, upload.status, download.status, denied.status) == (200, 200, 200, 403)
    assert '"correlation_id":"ZbqDEhZvoAMEMfQ="' in logs.replace(" ", "")
    for secret in ("eyJ", "alice@example.org", "X-Amz-Signature", upload.body["fields"]["x-amz-signature"]):
        assert secret not in logs
