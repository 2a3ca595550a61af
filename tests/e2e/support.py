"""What the end-to-end suite does to a deployed stack: temporary users, sign-in through the client, clean-up.

The same functions run against the real stack (`make e2e`) and against moto (`make test`), so the suite's own
code is exercised offline even though its AWS-only assertions are not.
"""

from __future__ import annotations

import os
import secrets
import string
import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from botocore.exceptions import ClientError

from client import auth
from client.api import ApiClient, ApiError
from client.cache import Session
from client.outputs import StackOutputs
from stacks.names import PRIVATE_PREFIX, RECORD_PARTITION_KEY, RECORD_SORT_KEY

OUTPUTS_ENV = "E2E_OUTPUTS"
EMAIL_DOMAIN_ENV = "E2E_EMAIL_DOMAIN"
DEFAULT_EMAIL_DOMAIN = "example.com"  # reserved (RFC 2606): nothing is ever delivered; MessageAction is SUPPRESS


class OnlyOnAwsNote(UserWarning):
    """The offline run's note on what it cannot prove (a warning: pytest-xdist relays it, unlike terminal output).

    Defined here rather than in the test module: the xdist controller imports a warning's category by module name.
    """


def strong_password() -> str:
    """32 random characters with every class the pool's policy (>= 12, all classes) asks for."""
    classes = (string.ascii_lowercase, string.ascii_uppercase, string.digits, "!#%*+,-.:=?@^_~")
    chars = [secrets.choice(cls) for cls in classes] + [secrets.choice("".join(classes)) for _ in range(28)]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def temporary_email(label: str) -> str:
    domain = os.environ.get(EMAIL_DOMAIN_ENV) or DEFAULT_EMAIL_DOMAIN
    return f"e2e-{label}-{secrets.token_hex(6)}@{domain}"


@dataclass(frozen=True)
class E2eUser:
    email: str
    password: str = field(repr=False)
    sub: str
    groups: tuple[str, ...]
    session: Session

    @property
    def prefix(self) -> str:
        return f"{PRIVATE_PREFIX}{self.sub}/"


def create_user(admin_idp: Any, outputs: StackOutputs, email: str, password: str, groups: tuple[str, ...]) -> str:
    """A confirmed user with a verified email and a permanent password, in `groups`; returns its `sub`.

    AdminCreateUser runs the pre-sign-up trigger (so the email domain must be allowed) but not the
    post-confirmation one, which is why the groups are added here.
    """
    user = admin_idp.admin_create_user(
        UserPoolId=outputs.user_pool_id,
        Username=email,
        UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
        TemporaryPassword=strong_password(),
        MessageAction="SUPPRESS",
    )["User"]
    admin_idp.admin_set_user_password(
        UserPoolId=outputs.user_pool_id, Username=email, Password=password, Permanent=True
    )
    for group in groups:
        admin_idp.admin_add_user_to_group(UserPoolId=outputs.user_pool_id, Username=email, GroupName=group)
    attributes = {item["Name"]: item["Value"] for item in user.get("Attributes", [])}
    return attributes.get("sub") or str(user["Username"])


def delete_user(admin_idp: Any, outputs: StackOutputs, email: str) -> None:
    try:
        admin_idp.admin_delete_user(UserPoolId=outputs.user_pool_id, Username=email)
    except ClientError as error:
        if error.response["Error"]["Code"] != "UserNotFoundException":
            raise


def purge_prefix(admin_s3: Any, bucket: str, prefix: str) -> None:
    """Delete every version and delete marker under `prefix` (the data bucket is versioned)."""
    for page in admin_s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix):
        doomed = [
            {"Key": item["Key"], "VersionId": item["VersionId"]}
            for item in page.get("Versions", []) + page.get("DeleteMarkers", [])
        ]
        if doomed:
            admin_s3.delete_objects(Bucket=bucket, Delete={"Objects": doomed, "Quiet": True})


def partition(admin_dynamodb: Any, table: str, sub: str) -> list[dict[str, Any]]:
    """Every item of `sub`'s partition in the records table (keys only)."""
    found = admin_dynamodb.query(
        TableName=table,
        KeyConditionExpression="#pk = :sub",
        ExpressionAttributeNames={"#pk": RECORD_PARTITION_KEY, "#sk": RECORD_SORT_KEY},
        ExpressionAttributeValues={":sub": {"S": sub}},
        ProjectionExpression="#pk, #sk",
        ConsistentRead=True,
    )
    items: list[dict[str, Any]] = found.get("Items", [])
    return items


def purge_partition(admin_dynamodb: Any, table: str, sub: str) -> None:
    for item in partition(admin_dynamodb, table, sub):
        admin_dynamodb.delete_item(TableName=table, Key=item)


@contextmanager
def temporary_user(
    admin_idp: Any,
    admin_s3: Any,
    outputs: StackOutputs,
    label: str,
    groups: tuple[str, ...],
    admin_dynamodb: Any = None,
) -> Iterator[E2eUser]:
    """A user signed in through the client's SRP sign-in; the user, its objects and (given `admin_dynamodb`) its
    records are deleted afterwards, whatever happened in between."""
    email, password = temporary_email(label), strong_password()
    sub: str | None = None
    try:
        sub = create_user(admin_idp, outputs, email, password, groups)
        session = auth.sign_in(auth.cognito_client(outputs), outputs, email, password)
        yield E2eUser(email, password, sub, groups, session)
    finally:
        try:
            if sub is not None:
                purge_prefix(admin_s3, outputs.data_bucket, f"{PRIVATE_PREFIX}{sub}/")
                if admin_dynamodb is not None:
                    purge_partition(admin_dynamodb, outputs.records_table, sub)
        finally:
            delete_user(admin_idp, outputs, email)


def assert_file_round_trip(api: ApiClient, key: str, content: bytes) -> None:
    """Upload through the presigned POST, list, download, delete; afterwards the key is gone (404). The API names
    the object by the key's NFC form, and accepts either form."""
    stored = unicodedata.normalize("NFC", key)
    assert api.upload(key, content, "text/plain") == stored
    assert stored in [item["key"] for item in api.list_files(limit=1000)["items"]]
    assert api.download(key) == content
    api.delete_file(key)
    assert stored not in [item["key"] for item in api.list_files(limit=1000)["items"]]
    with pytest.raises(ApiError) as missing:
        api.download_url(key)
    assert missing.value.status == 404


def assert_notes_round_trip(api: ApiClient) -> str:
    """Create, read, list, change, refuse a stale change, delete; afterwards the note is gone (404). Returns the id of
    a second note that stays."""
    note = api.create_note("e2e groceries", "milk\neggs \u20ac")
    assert api.get_note(note["id"]) == note
    assert note["id"] in [item["id"] for item in api.list_notes(limit=1000)["items"]]
    changed = api.update_note(note["id"], title="e2e shopping", body="milk", version=1)
    assert (changed["version"], changed["title"]) == (2, "e2e shopping")
    with pytest.raises(ApiError) as stale:
        api.update_note(note["id"], title="lost update", body="", version=1)
    assert stale.value.status == 409
    api.delete_note(note["id"], version=2)
    with pytest.raises(ApiError) as gone:
        api.get_note(note["id"])
    assert gone.value.status == 404
    kept: str = api.create_note("e2e stays", "until the account goes")["id"]
    return kept


def wait_until_gone(admin_idp: Any, outputs: StackOutputs, email: str, timeout: float = 180) -> None:
    """An erasure handed to the worker (202) finishes in the background: wait until the user is gone."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            admin_idp.admin_get_user(UserPoolId=outputs.user_pool_id, Username=email)
        except ClientError as error:
            if error.response["Error"]["Code"] == "UserNotFoundException":
                return
            raise
        time.sleep(3)
    raise AssertionError(f"the account was not erased within {timeout:.0f} s")
