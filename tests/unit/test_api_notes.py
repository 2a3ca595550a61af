"""The notes routes end to end: requests as API Gateway delivers them, moto DynamoDB behind the real handler."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api import notes
from api.edge import MAX_BODY_BYTES
from api.text import MAX_NOTE_BODY_CHARS, MAX_NOTE_TITLE_CHARS, NOTE_ID_ALPHABET, NOTE_ID_PATTERN
from aws_events.http_api import GatewayAnswer, gateway_path
from tests.unit.api_env import ALICE, ALL_SCOPES, BOB, NOTES_SCOPES, TABLE, ApiEnv, api_environment, request

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")
SCOPES = (*ALL_SCOPES, *NOTES_SCOPES)


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[ApiEnv]:
    with api_environment(monkeypatch) as env:
        yield env


def alice(api: ApiEnv, scopes: tuple[str, ...] = SCOPES) -> dict[str, Any]:
    return api.claims(scopes=scopes)


def bob(api: ApiEnv) -> dict[str, Any]:
    return api.claims(sub=BOB, username="bob", scopes=SCOPES)


def create(api: ApiEnv, claims: dict[str, Any], title: str = "groceries", body: str = "milk\neggs") -> dict[str, Any]:
    reply = api.call(request("POST", "/notes", json_body={"title": title, "body": body}), claims)
    assert reply.status == 201, reply.body
    created: dict[str, Any] = reply.body
    return created


def test_a_note_is_created_read_changed_and_deleted(api: ApiEnv) -> None:
    note = create(api, alice(api))
    assert (note["title"], note["body"], note["version"]) == ("groceries", "milk\neggs", 1)

    assert api.call(request("GET", f"/notes/{note['id']}"), alice(api)).body == note
    changed = api.call(
        request("PUT", f"/notes/{note['id']}", json_body={"title": "shopping", "body": "milk", "version": 1}),
        alice(api),
    )
    assert changed.status == 200
    assert (changed.body["title"], changed.body["version"], changed.body["created_at"]) == (
        "shopping",
        2,
        note["created_at"],
    )
    assert api.call(request("DELETE", f"/notes/{note['id']}"), alice(api)).status == 204
    assert api.call(request("GET", f"/notes/{note['id']}"), alice(api)).status == 404
    assert api.partition(ALICE) == []


def test_creation_answers_201_with_the_notes_location(api: ApiEnv) -> None:
    reply = api.call(request("POST", "/notes", json_body={"title": "t"}), alice(api))

    assert reply.status == 201
    assert reply.headers["Location"] == f"/notes/{reply.body['id']}"
    assert reply.body["body"] == ""


def test_a_stale_change_gets_409_and_changes_nothing(api: ApiEnv) -> None:
    note = create(api, alice(api))
    first = {"title": "one", "body": "", "version": 1}
    assert api.call(request("PUT", f"/notes/{note['id']}", json_body=first), alice(api)).status == 200

    # A second client still holding version 1.
    stale = api.call(request("PUT", f"/notes/{note['id']}", json_body={**first, "title": "two"}), alice(api))

    assert stale.status == 409
    assert "version 2" in stale.body["message"]
    stored = api.call(request("GET", f"/notes/{note['id']}"), alice(api)).body
    assert (stored["title"], stored["version"]) == ("one", 2)


def test_a_conditional_delete_of_a_stale_version_gets_409(api: ApiEnv) -> None:
    note = create(api, alice(api))
    api.call(request("PUT", f"/notes/{note['id']}", json_body={"title": "x", "version": 1}), alice(api))

    assert api.call(request("DELETE", f"/notes/{note['id']}", query={"version": "1"}), alice(api)).status == 409
    assert api.call(request("DELETE", f"/notes/{note['id']}", query={"version": "2"}), alice(api)).status == 204


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_a_missing_note_is_404(api: ApiEnv, method: str) -> None:
    missing = notes.new_note_id()
    body = {"title": "t", "version": 1} if method == "PUT" else None

    reply = api.call(request(method, f"/notes/{missing}", json_body=body), alice(api))

    assert (reply.status, reply.body) == (404, {"message": "note not found"})
    assert api.partition(ALICE) == []  # a PUT never creates


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_another_users_note_does_not_exist_for_the_caller(api: ApiEnv, method: str) -> None:
    theirs = create(api, bob(api))
    body = {"title": "mine now", "version": 1} if method == "PUT" else None

    reply = api.call(request(method, f"/notes/{theirs['id']}", json_body=body), alice(api))

    assert reply.status == 404
    assert api.call(request("GET", f"/notes/{theirs['id']}"), bob(api)).body == theirs
    assert api.partition(ALICE) == []


def test_listing_pages_through_the_callers_notes_only_oldest_first(api: ApiEnv) -> None:
    created = [create(api, alice(api), title=f"note {i}")["id"] for i in range(5)]
    create(api, bob(api), title="bob's")

    seen, token = [], None
    while True:
        query = {"limit": "2", **({"next_token": token} if token else {})}
        page = api.call(request("GET", "/notes", query=query), alice(api)).body
        assert len(page["items"]) <= 2
        assert all("body" not in item for item in page["items"])
        seen += [item["id"] for item in page["items"]]
        token = page["next_token"]
        if token is None:
            break

    assert seen == sorted(created) == created


@pytest.mark.parametrize(
    "token",
    [
        "x",  # not a page token's shape (422 from the schema)
        "A" * 35,  # the shape, but not the base64url of an id
        notes.encode_page_token("0" * 25 + "I"),  # I is not in the alphabet
        notes.encode_page_token(notes.new_note_id(1_700_000_000.0))[:-1] + "_",  # non-canonical encoding
    ],
    ids=["shape", "not-an-id", "outside-alphabet", "non-canonical"],
)
def test_a_page_token_that_is_not_ours_is_refused_before_dynamodb(api: ApiEnv, token: str) -> None:
    reply = api.call(request("GET", "/notes", query={"next_token": token}), alice(api))

    assert reply.status in (400, 422)
    assert "next_token" in reply.body["message"]


def test_a_page_token_never_leaves_the_callers_partition(api: ApiEnv) -> None:
    # Bob's ids as Alice's tokens: the partition is the caller's, whatever the token names.
    bobs = [create(api, bob(api))["id"] for _ in range(3)]
    create(api, alice(api), title="mine")

    for note_id in bobs:
        page = api.call(request("GET", "/notes", query={"next_token": notes.encode_page_token(note_id)}), alice(api))
        assert page.status == 200
        assert all(item["title"] == "mine" for item in page.body["items"])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": ""}, "body.title"),
        ({"title": "   "}, "body.title"),
        ({"title": "x" * (MAX_NOTE_TITLE_CHARS + 1)}, "body.title"),
        ({"title": "two\nlines"}, "body.title"),
        ({"title": "bell\x07"}, "body.title"),
        ({"title": "next line\u0085"}, "body.title"),
        ({"title": "t", "body": "x" * (MAX_NOTE_BODY_CHARS + 1)}, "body.body"),
        ({"title": "t", "body": "nul\x00"}, "body.body"),
        ({"title": "t", "body": "escape\x1b[31m"}, "body.body"),
        ({"title": "t", "extra": 1}, "body.extra"),
        ({"body": "no title"}, "body.title"),
        ({"title": 7}, "body.title"),
    ],
)
def test_invalid_notes_are_refused_with_the_field_named(api: ApiEnv, body: dict[str, Any], field: str) -> None:
    reply = api.call(request("POST", "/notes", json_body=body), alice(api))

    assert reply.status == 422
    assert field in reply.body["message"]
    assert api.partition(ALICE) == []


@pytest.mark.parametrize("text", ['"a\\ud800b"', '"\\udfff"', '"\\udbff\\udfff\\ud800"'])
def test_lone_surrogates_never_reach_dynamodb(api: ApiEnv, text: str) -> None:
    # Valid JSON, no UTF-8 form: the SDK could not even encode the request.
    for body in (f'{{"title": {text}}}', f'{{"title": "t", "body": {text}}}'):
        raw = request("POST", "/notes", body=body, headers={"Content-Type": "application/json"})
        reply = api.call(raw, alice(api))
        assert reply.status == 422, reply.body
    assert api.partition(ALICE) == []


def test_a_version_out_of_range_is_refused(api: ApiEnv) -> None:
    note = create(api, alice(api))
    for version in (0, -1, 10**9 + 1, "1", 1.5):
        body = {"title": "t", "version": version}
        assert api.call(request("PUT", f"/notes/{note['id']}", json_body=body), alice(api)).status == 422


def test_the_largest_valid_note_fits_the_request_limit_and_the_item_limit(api: ApiEnv) -> None:
    # Astral characters escaped as JSON (two \\uXXXX each) are the largest encoding of a valid note.
    title, body = "\U0001f600" * MAX_NOTE_TITLE_CHARS, "\U0001f600" * MAX_NOTE_BODY_CHARS
    largest = json.dumps({"title": title, "body": body, "version": 10**9}).encode()
    assert len(largest) <= MAX_BODY_BYTES
    json_type = {"Content-Type": "application/json"}

    created = api.call(request("POST", "/notes", json_body={"title": title, "body": body}), alice(api))
    assert created.status == 201, created.body
    stale = json.dumps({"title": title, "body": body, "version": 1}).encode()
    changed = api.call(request("PUT", f"/notes/{created.body['id']}", body=stale, headers=json_type), alice(api))
    assert changed.status == 200
    assert changed.body["body"] == body


def test_notes_need_their_scopes_and_a_users_token(api: ApiEnv) -> None:
    note = create(api, alice(api))
    read_only = alice(api, scopes=(*ALL_SCOPES, "notes.read"))

    assert api.call(request("GET", f"/notes/{note['id']}"), read_only).status == 200
    assert api.call(request("DELETE", f"/notes/{note['id']}"), read_only).status == 403
    assert api.call(request("POST", "/notes", json_body={"title": "t"}), read_only).status == 403
    machine = api.claims(sub="6o3jv0tsr2serviceclient003", username=None, groups=None,
                         client_id="6o3jv0tsr2serviceclient003", scopes=SCOPES)  # fmt: skip
    assert api.call(request("GET", "/notes"), machine).status == 403


def test_ids_are_time_ordered_and_use_an_alphabet_no_url_layer_changes() -> None:
    earlier, later = notes.new_note_id(1_700_000_000.0), notes.new_note_id(1_700_000_000.002)
    assert earlier < later
    assert set(earlier) <= set(NOTE_ID_ALPHABET)
    assert quote(earlier, safe="") == earlier  # nothing to percent-encode
    assert len({notes.new_note_id(1_700_000_000.0) for _ in range(1000)}) == 1000
    assert all(notes.check_note_id(notes.new_note_id()) for _ in range(100))


# Paths a client might send for a note id: encodings, separators, the characters API Gateway decodes twice or cuts
# at (aws_events.http_api rows 1-3), and ids of other notes.
_PIECES = st.sampled_from(["%2F", "%252F", "%3F", "%253F", "%25", "%2E", "/", "..", "?", "#", "%00", "%20", "+",
                           "%C3%A9", "%F0%9F%98%80", "a", "Z", "I", "L", "0"])  # fmt: skip


@pytest.mark.long
@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(data=st.data())
def test_no_path_acts_on_a_note_other_than_the_one_it_names(monkeypatch: pytest.MonkeyPatch, data: Any) -> None:
    """Whatever path a client sends under /notes/, the request reads, changes or deletes at most the caller's note
    whose id is the path segment as API Gateway delivers it, and never another user's."""
    with api_environment(monkeypatch) as api:
        mine = create(api, alice(api))["id"]
        theirs = create(api, bob(api))["id"]
        bob_before = api.partition(BOB)
        base = data.draw(st.sampled_from([mine, theirs, mine[:-1], ""]))
        path = "/notes/" + base + "".join(data.draw(st.lists(_PIECES, max_size=4)))
        method = data.draw(st.sampled_from(["GET", "PUT", "DELETE"]))
        body = {"title": "changed", "version": 1} if method == "PUT" else None

        reply = api.call(request(method, path, json_body=body), alice(api))

        try:
            delivered = gateway_path(path).removeprefix("/notes/")
        except GatewayAnswer:
            delivered = None
        affected = reply.status in (200, 204)
        if affected:
            assert delivered == mine, (path, reply.status)
        assert api.partition(BOB) == bob_before
        mine_now = [item for item in api.partition(ALICE) if item["sk"]["S"] == f"note#{mine}"]
        if not (affected and method != "GET"):
            assert mine_now, (path, method, reply.status)
            assert mine_now[0]["version"] == {"N": "1"}, (path, method, reply.status)


def test_note_ids_in_the_schema_and_the_code_agree() -> None:
    import re

    generated = notes.new_note_id(time.time())
    assert re.fullmatch(NOTE_ID_PATTERN, generated)
    assert len(NOTE_ID_ALPHABET) == 32
    assert not set("ILOU") & set(NOTE_ID_ALPHABET)


def test_the_table_the_api_writes_is_the_configured_one(api: ApiEnv) -> None:
    create(api, alice(api))
    [item] = api.dynamodb.scan(TableName=TABLE)["Items"]
    assert item["sub"] == {"S": ALICE}
    assert item["sk"]["S"].startswith("note#")
