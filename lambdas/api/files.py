"""The caller's files under `private/<sub>/`: list, presigned upload and download, delete.

Every function takes the S3 client and the caller's prefix; keys in and out are relative to it.
"""

from __future__ import annotations

import base64
import re
from typing import Any

from api.aws import aws_errors
from api.errors import BadRequestError, NotFoundError
from api.keys import PRIVATE_PREFIX, S3_MAX_KEY_BYTES, sanitise_key
from api.models import date_time

# A page token is the base64url (unpadded) of the last relative key of the previous page. That key may be any key
# in the caller's prefix (identity-pool credentials write there directly), so it is held to S3's rules, not ours:
# UTF-8, at most what fits after `private/<sub>/`, and no control characters, which S3's XML cannot carry.
PAGE_TOKEN_PATTERN = r"^[A-Za-z0-9_-]+$"  # noqa: S105 - a format, not a secret
_PAGE_TOKEN = re.compile(PAGE_TOKEN_PATTERN)
MAX_LISTED_KEY_BYTES = S3_MAX_KEY_BYTES - len(f"{PRIVATE_PREFIX}{'0' * 36}/")
MAX_PAGE_TOKEN_CHARS = -(-4 * MAX_LISTED_KEY_BYTES // 3)


def encode_page_token(last_key: str) -> str:
    return base64.urlsafe_b64encode(last_key.encode("utf-8")).decode("ascii").rstrip("=")


def decode_page_token(token: str) -> str:
    """The key a page token stands for, checked before it reaches S3; BadRequestError for anything else."""
    if len(token) > MAX_PAGE_TOKEN_CHARS or not _PAGE_TOKEN.fullmatch(token):
        raise BadRequestError("invalid next_token")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        key = raw.decode("utf-8")
    except ValueError:  # binascii.Error and UnicodeDecodeError
        raise BadRequestError("invalid next_token") from None
    if not key or len(raw) > MAX_LISTED_KEY_BYTES or any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in key):
        raise BadRequestError("invalid next_token")
    return key


def list_files(s3: Any, *, bucket: str, prefix: str, limit: int, next_token: str | None) -> dict[str, Any]:
    """One page of the caller's files (models.FILE_LIST)."""
    params: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix, "MaxKeys": limit}
    if next_token is not None:
        # StartAfter (not S3's ContinuationToken) keeps the token ours to validate; Prefix still confines
        # the listing to the caller's objects whatever the token says.
        params["StartAfter"] = prefix + decode_page_token(next_token)
    with aws_errors("files"):
        page = s3.list_objects_v2(**params)
    items = [
        {
            "key": item["Key"].removeprefix(prefix),
            "size": item["Size"],
            "last_modified": date_time(item["LastModified"]),
            "etag": item["ETag"].strip('"'),
        }
        for item in page.get("Contents", [])
    ]
    more = bool(page.get("IsTruncated")) and bool(items)
    return {"items": items, "next_token": encode_page_token(items[-1]["key"]) if more else None}


def create_upload(
    s3: Any,
    *,
    bucket: str,
    prefix: str,
    key: str,
    content_type: str,
    allowed_types: tuple[str, ...],
    max_bytes: int,
    expires_in: int,
) -> dict[str, Any]:
    """A presigned POST whose policy pins the key, the exact Content-Type and the size range (models.UPLOAD_URL)."""
    key = sanitise_key(key)
    if content_type not in allowed_types:
        raise BadRequestError(f"content_type must be one of: {', '.join(allowed_types)}")
    post = s3.generate_presigned_post(
        Bucket=bucket,
        Key=prefix + key,
        Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", 0, max_bytes]],
        ExpiresIn=expires_in,
    )
    return {"url": post["url"], "fields": post["fields"], "key": key, "max_bytes": max_bytes, "expires_in": expires_in}


def ensure_exists(s3: Any, *, bucket: str, full_key: str) -> None:
    """Raise NotFoundError unless the object exists.

    Listing with the key as prefix works with an s3:ListBucket grant conditioned on `s3:prefix`; HeadObject
    answers 403 rather than 404 for a missing key when the role's s3:ListBucket grant does not cover the
    request, which such a condition may not. The exact key, if present, sorts first among the keys it prefixes.
    """
    with aws_errors("file"):
        page = s3.list_objects_v2(Bucket=bucket, Prefix=full_key, MaxKeys=1)
    contents = page.get("Contents", [])
    if not contents or contents[0]["Key"] != full_key:
        raise NotFoundError("file not found")


def create_download_url(s3: Any, *, bucket: str, prefix: str, key: str, expires_in: int) -> dict[str, Any]:
    """A presigned GET URL for an existing object (models.DOWNLOAD_URL)."""
    full_key = prefix + key
    ensure_exists(s3, bucket=bucket, full_key=full_key)
    url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": full_key}, ExpiresIn=expires_in, HttpMethod="GET"
    )
    return {"url": url, "expires_in": expires_in}


def delete_file(s3: Any, *, bucket: str, prefix: str, key: str) -> None:
    full_key = prefix + key
    ensure_exists(s3, bucket=bucket, full_key=full_key)
    with aws_errors("file"):
        s3.delete_object(Bucket=bucket, Key=full_key)
