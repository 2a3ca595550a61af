"""The caller's notes: items `note#<id>` of the partition `<sub>` in the records table.

Every function takes the DynamoDB client, the table and the caller's `sub`; the key of every request is built here
from that `sub` and a validated id, so no input can name another partition or another kind of record.

Writes are conditional: a note carries a `version`; a change names the version it is based on, and DynamoDB
applies it only if that is still the stored version (ConditionExpression). A failed condition returns the stored
item (ReturnValuesOnConditionCheckFailure=ALL_OLD, Amazon DynamoDB API Reference, UpdateItem and DeleteItem), so
the API tells "no such note" (404) from "changed meanwhile" (409) without a second read.
"""

from __future__ import annotations

import base64
import re
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from api.aws import aws_errors, to_api_error
from api.errors import BadRequestError, ConflictError, NotFoundError
from api.text import NOTE_ID_ALPHABET, NOTE_ID_PATTERN

if TYPE_CHECKING:
    from botocore.exceptions import ClientError

# Same as stacks/names.py (RECORD_PARTITION_KEY, RECORD_SORT_KEY); a test keeps them equal.
PARTITION_KEY = "sub"
SORT_KEY = "sk"
NOTE_PREFIX = "note#"
_NOTE_ID = re.compile(NOTE_ID_PATTERN)
# A page token is the unpadded base64url of the last note id of the previous page.
PAGE_TOKEN_PATTERN = r"^[A-Za-z0-9_-]{35}$"  # noqa: S105 - a format, not a secret
_PAGE_TOKEN = re.compile(PAGE_TOKEN_PATTERN)
_NAMES = {"#pk": PARTITION_KEY, "#sk": SORT_KEY}


def new_note_id(now: float | None = None) -> str:
    """48 bits of milliseconds, then 80 random bits, as 26 base32 characters: ids sort by creation time."""
    millis = int((time.time() if now is None else now) * 1000) & (2**48 - 1)
    value = (millis << 80) | secrets.randbits(80)
    return "".join(NOTE_ID_ALPHABET[(value >> shift) & 31] for shift in range(125, -5, -5))


def check_note_id(note_id: str) -> str:
    if not _NOTE_ID.fullmatch(note_id):
        raise NotFoundError("note not found")
    return note_id


def encode_page_token(note_id: str) -> str:
    return base64.urlsafe_b64encode(note_id.encode("ascii")).decode("ascii").rstrip("=")


def decode_page_token(token: str) -> str:
    """The note id a page token stands for, checked before it reaches DynamoDB; BadRequestError for anything else."""
    if not _PAGE_TOKEN.fullmatch(token):
        raise BadRequestError("invalid next_token")
    try:
        note_id = base64.urlsafe_b64decode(token + "=").decode("ascii")
    except ValueError:  # binascii.Error and UnicodeDecodeError
        raise BadRequestError("invalid next_token") from None
    if not _NOTE_ID.fullmatch(note_id) or encode_page_token(note_id) != token:
        raise BadRequestError("invalid next_token")
    return note_id


def _key(sub: str, note_id: str) -> dict[str, Any]:
    return {PARTITION_KEY: {"S": sub}, SORT_KEY: {"S": NOTE_PREFIX + note_id}}


def _timestamp(now: float) -> str:
    return datetime.fromtimestamp(now, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _note(item: dict[str, Any]) -> dict[str, Any]:
    """A stored note in the API's shape (api.models.NOTE)."""
    return {
        "id": item[SORT_KEY]["S"].removeprefix(NOTE_PREFIX),
        "title": item["title"]["S"],
        "body": item["body"]["S"],
        "version": int(item["version"]["N"]),
        "created_at": item["created_at"]["S"],
        "updated_at": item["updated_at"]["S"],
    }


@contextmanager
def _conditional_errors() -> Iterator[None]:
    """A conditional write's ClientError as the caller should see it (_error)."""
    from botocore.exceptions import ClientError  # loaded with the client

    try:
        yield
    except ClientError as error:
        raise _error(error) from error


def _error(error: ClientError) -> Exception:
    """A failed condition: 404 when the note does not exist, 409 when it has another version; else AWS's error."""
    if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
        return to_api_error(error, what="note")
    stored = error.response.get("Item")
    if not stored:
        return NotFoundError("note not found")
    return ConflictError(f"the note has version {stored['version']['N']}: read it again and apply your change to it")


def create_note(
    dynamodb: Any, *, table: str, sub: str, title: str, body: str, now: float | None = None
) -> dict[str, Any]:
    """A new note at version 1 (title and body checked by api.models.NOTE_REQUEST)."""
    now = time.time() if now is None else now
    note_id = new_note_id(now)
    item = {
        **_key(sub, note_id),
        "title": {"S": title},
        "body": {"S": body},
        "version": {"N": "1"},
        "created_at": {"S": _timestamp(now)},
        "updated_at": {"S": _timestamp(now)},
    }
    with aws_errors("note"):
        # An id is 80 random bits past the millisecond: a collision is a bug, never an overwrite.
        dynamodb.put_item(
            TableName=table,
            Item=item,
            ConditionExpression="attribute_not_exists(#sk)",
            ExpressionAttributeNames={"#sk": SORT_KEY},
        )
    return _note(item)


def get_note(dynamodb: Any, *, table: str, sub: str, note_id: str) -> dict[str, Any]:
    with aws_errors("note"):
        found = dynamodb.get_item(TableName=table, Key=_key(sub, check_note_id(note_id)), ConsistentRead=True)
    if "Item" not in found:
        raise NotFoundError("note not found")
    return _note(found["Item"])


def list_notes(dynamodb: Any, *, table: str, sub: str, limit: int, next_token: str | None) -> dict[str, Any]:
    params: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "#pk = :sub AND begins_with(#sk, :kind)",
        "ExpressionAttributeNames": {**_NAMES, "#title": "title", "#version": "version", "#updated": "updated_at"},
        "ExpressionAttributeValues": {":sub": {"S": sub}, ":kind": {"S": NOTE_PREFIX}},
        "ProjectionExpression": "#sk, #title, #version, #updated",
        "Limit": limit,
    }
    if next_token is not None:
        # The partition comes from the caller's token, whatever the page token says.
        params["ExclusiveStartKey"] = _key(sub, decode_page_token(next_token))
    with aws_errors("notes"):
        page = dynamodb.query(**params)
    items = [
        {
            "id": item[SORT_KEY]["S"].removeprefix(NOTE_PREFIX),
            "title": item["title"]["S"],
            "version": int(item["version"]["N"]),
            "updated_at": item["updated_at"]["S"],
        }
        for item in page.get("Items", [])
    ]
    more = "LastEvaluatedKey" in page and bool(items)
    return {"items": items, "next_token": encode_page_token(items[-1]["id"]) if more else None}


def update_note(
    dynamodb: Any, *, table: str, sub: str, note_id: str, title: str, body: str, version: int,
    now: float | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Title and body of the note, if it is still at `version` (409 if not, 404 if there is no such note)."""
    now = time.time() if now is None else now
    with _conditional_errors():
        answer = dynamodb.update_item(
            TableName=table,
            Key=_key(sub, check_note_id(note_id)),
            UpdateExpression="SET #title = :title, #body = :body, #version = #version + :one, #updated = :now",
            ConditionExpression="attribute_exists(#sk) AND #version = :expected",
            ExpressionAttributeNames={"#sk": SORT_KEY, "#title": "title", "#body": "body", "#version": "version",
                                      "#updated": "updated_at"},
            ExpressionAttributeValues={":title": {"S": title}, ":body": {"S": body},
                                       ":one": {"N": "1"}, ":now": {"S": _timestamp(now)},
                                       ":expected": {"N": str(version)}},
            ReturnValues="ALL_NEW",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )  # fmt: skip
    return _note(answer["Attributes"])


def delete_note(dynamodb: Any, *, table: str, sub: str, note_id: str, version: int | None) -> None:
    """Delete the note; with `version`, only if it is still that version."""
    condition = "attribute_exists(#sk)"
    values: dict[str, Any] = {}
    names = {"#sk": SORT_KEY}
    if version is not None:
        condition += " AND #version = :expected"
        values[":expected"] = {"N": str(version)}
        names["#version"] = "version"
    params: dict[str, Any] = {
        "TableName": table,
        "Key": _key(sub, check_note_id(note_id)),
        "ConditionExpression": condition,
        "ExpressionAttributeNames": names,
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    if values:
        params["ExpressionAttributeValues"] = values
    with _conditional_errors():
        dynamodb.delete_item(**params)
