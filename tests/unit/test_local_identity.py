"""The local stack's DeleteIdentities, which moto lacks (local/storage.py): moto's server behind our middleware."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from local.storage import MotoServers

REGION = "eu-west-1"


@pytest.fixture
def identity() -> Iterator[tuple[Any, str]]:
    servers = MotoServers()
    servers.start()
    try:
        client = boto3.client(
            "cognito-identity", region_name=REGION, endpoint_url=servers.aws_url,
            aws_access_key_id="local", aws_secret_access_key="local",
        )  # fmt: skip
        yield client, servers.aws_url
    finally:
        servers.stop()


def test_delete_identities_forgets_exactly_the_ids_named(identity: tuple[Any, str]) -> None:
    client, _ = identity
    pool = client.create_identity_pool(IdentityPoolName="local", AllowUnauthenticatedIdentities=False)
    pool_id = pool["IdentityPoolId"]
    kept, gone = (client.get_id(IdentityPoolId=pool_id)["IdentityId"] for _ in range(2))

    answer = client.delete_identities(IdentityIdsToDelete=[gone, f"{REGION}:00000000-0000-0000-0000-000000000000"])

    assert answer["UnprocessedIdentityIds"] == []  # an unknown id is no error (the API Reference documents none)
    listed = client.list_identities(IdentityPoolId=pool_id, MaxResults=60)["Identities"]
    assert [item["IdentityId"] for item in listed] == [kept]


@pytest.mark.parametrize(
    "body", [b"{}", b"not json", b'{"IdentityIdsToDelete": []}', b'{"IdentityIdsToDelete": [1]}',
             json.dumps({"IdentityIdsToDelete": [f"{REGION}:x{i}" for i in range(61)]}).encode()],
)  # fmt: skip
def test_a_malformed_request_is_refused_with_400(identity: tuple[Any, str], body: bytes) -> None:
    _, url = identity
    request = urllib.request.Request(
        url, body, {"X-Amz-Target": "AWSCognitoIdentityService.DeleteIdentities",
                    "Content-Type": "application/x-amz-json-1.1"},
    )  # fmt: skip
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 400
    assert json.loads(refused.value.read())["__type"] == "InvalidParameterException"
