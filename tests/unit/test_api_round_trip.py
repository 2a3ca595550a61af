"""Every odd key makes the full round trip through API Gateway as modelled in aws_events.http_api: route matching
on the decoded path, the JWT authorizer, the event format. Upload, list, download, delete; nothing else changes."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import Any

import pytest
import requests as http

from aws_events.http_api import HttpApi, Request, Response
from tests.support import ROUND_TRIP_KEYS
from tests.unit.api_env import ALICE, API_ROUTES, BOB, BUCKET, ApiEnv, LambdaContext, access_claims, api_environment

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")
NEIGHBOURS = ("photos/cat", "100", "why", "c", "literal/slash.txt", "caf\u00e9", "a b=c&d.txt")


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[ApiEnv, HttpApi]]:
    with api_environment(monkeypatch) as env:
        from api.handler import lambda_handler  # its import validates the environment set up just now

        tokens = {"alice": access_claims(env.user_pool_id), "bob": access_claims(env.user_pool_id, sub=BOB)}
        yield env, HttpApi(API_ROUTES, lambda_handler, verify=tokens.get, context=LambdaContext)


def objects(env: ApiEnv) -> dict[str, str]:
    listing = env.s3.list_objects_v2(Bucket=BUCKET)
    return {item["Key"]: item["ETag"] for item in listing.get("Contents", [])}


def send(api: HttpApi, method: str, path: str, **kwargs: Any) -> Response:
    return api.send(Request.build(method, path, token="alice", **kwargs))


@pytest.mark.parametrize("key", ROUND_TRIP_KEYS)
def test_every_key_survives_the_round_trip(gateway: tuple[ApiEnv, HttpApi], key: str) -> None:
    env, api = gateway
    for neighbour in NEIGHBOURS:
        env.put(neighbour)
        env.put(neighbour, sub=BOB)
    env.put(key, sub=BOB)
    before = objects(env)
    stored = unicodedata.normalize("NFC", key)

    # Upload: the API signs a POST policy for the key, the client posts the form to S3 (moto, in process)
    grant = send(api, "POST", "/files/upload-url", json_body={"key": key, "content_type": "text/plain"})
    assert grant.status == 200, grant.json()
    assert grant.json()["key"] == stored
    posted = http.post(grant.json()["url"], data=grant.json()["fields"], files={"file": ("f", b"odd key")}, timeout=5)
    assert posted.status_code in (200, 204)

    listing = send(api, "GET", "/files", query={"limit": "1000"})
    assert stored in [item["key"] for item in listing.json()["items"]]

    download = send(api, "GET", "/files/download-url", query={"key": key})
    assert download.status == 200, download.json()
    assert http.get(download.json()["url"], timeout=5).content == b"odd key"

    deleted = send(api, "DELETE", "/files", query={"key": key})
    assert deleted.status == 204, deleted.json()
    assert send(api, "GET", "/files/download-url", query={"key": key}).status == 404
    # Only the named object came and went: neighbours and Bob's objects are exactly as before
    assert objects(env) == before


def test_the_key_may_be_sent_with_its_slashes_and_spaces_percent_encoded(gateway: tuple[ApiEnv, HttpApi]) -> None:
    # curl --data-urlencode and JavaScript's encodeURIComponent use %20, not "+"
    env, api = gateway
    env.put("e2e/notes with spaces.txt")

    response = send(api, "GET", "/files/download-url", query="key=e2e%2Fnotes%20with%20spaces.txt")

    assert response.status == 200


def test_bobs_token_never_reaches_alices_objects(gateway: tuple[ApiEnv, HttpApi]) -> None:
    env, api = gateway
    env.put("secret.txt")
    before = objects(env)

    download = api.send(Request.build("GET", "/files/download-url", query={"key": "secret.txt"}, token="bob"))
    delete = api.send(Request.build("DELETE", "/files", query={"key": f"../{ALICE}/secret.txt"}, token="bob"))

    assert (download.status, delete.status) == (404, 400)
    assert objects(env) == before
