"""Request and response bodies of the HTTP API (api.schema; they also make up the OpenAPI document).

Requests are checked against these at the edge (api.router); responses are built by the logic modules as plain
dicts of these shapes, and the property test (tests/unit/test_api_property.py) checks every answer against them.
"""

from __future__ import annotations

from datetime import UTC, datetime

from api.keys import MAX_KEY_CHARS
from api.schema import Boolean, Const, Integer, ListOf, MapOf, Nullable, Object, Property, Text
from api.text import (
    BODY_PATTERN,
    MAX_NOTE_BODY_CHARS,
    MAX_NOTE_TITLE_CHARS,
    MAX_VERSION,
    NOTE_ID_PATTERN,
    TITLE_PATTERN,
)

_TEXT = Text()
_OPTIONAL_TEXT = Nullable(_TEXT)

ERROR_BODY = Object("ErrorBody", (Property("message", Text(description="What went wrong, safe to show to the user")),))

HEALTH = Object("Health", (Property("status", Const("ok")),))

ME = Object(
    "Me",
    (
        Property("sub", Text(description="The user pool `sub` (for client-credentials tokens: the client id)")),
        Property("username", _OPTIONAL_TEXT),
        Property("email", Nullable(_TEXT, "Only when the token carries it (access tokens usually do not)")),
        Property("groups", ListOf(_TEXT)),
        Property("scopes", ListOf(_TEXT)),
    ),
)

FILE_ITEM = Object(
    "FileItem",
    (
        Property("key", Text(description="Relative to the caller's own prefix")),
        Property("size", Integer()),
        Property("last_modified", Text(format="date-time")),
        Property("etag", _TEXT),
    ),
)

FILE_LIST = Object(
    "FileList",
    (
        Property("items", ListOf(FILE_ITEM)),
        Property(
            "next_token",
            Nullable(_TEXT, "Pass as `next_token` to get the next page; null on the last page"),
        ),
    ),
)

UPLOAD_REQUEST = Object(
    "UploadRequest",
    (
        Property(
            "key",
            Text(
                min_length=1,
                max_length=MAX_KEY_CHARS,
                description="Relative key, e.g. `photos/cat.png`; the rules are those of the `key` query parameter",
            ),
        ),
        Property(
            "content_type", Text(min_length=1, max_length=255, description="One of the deployment's upload types")
        ),
    ),
)

UPLOAD_URL = Object(
    "UploadUrl",
    (
        Property("url", Text(description="POST a multipart/form-data request here")),
        Property("fields", MapOf(_TEXT, "Send these form fields first, then the `file` field last")),
        Property("key", Text(description="The sanitised relative key the object will have")),
        Property("max_bytes", Integer()),
        Property("expires_in", Integer(description="Seconds until the URL and policy expire")),
    ),
)

DOWNLOAD_URL = Object("DownloadUrl", (Property("url", _TEXT), Property("expires_in", Integer())))

ADMIN_USER = Object(
    "AdminUser",
    (
        Property("username", _TEXT),
        Property("sub", _OPTIONAL_TEXT),
        Property("email", _OPTIONAL_TEXT),
        Property("status", _OPTIONAL_TEXT),
        Property("enabled", Boolean()),
        Property("created", Nullable(Text(format="date-time"))),
    ),
)

USER_LIST = Object("UserList", (Property("users", ListOf(ADMIN_USER)), Property("next_token", _OPTIONAL_TEXT)))

# Notes: the size limits are the schema's, so a request over them is a 422 that names the field, and the OpenAPI
# document states them.
_TITLE = Text(
    min_length=1,
    max_length=MAX_NOTE_TITLE_CHARS,
    pattern=TITLE_PATTERN,
    description="One line, not blank: no control characters or line separators",
)
_NOTE_BODY = Text(
    max_length=MAX_NOTE_BODY_CHARS,
    pattern=BODY_PATTERN,
    description="Text; line breaks and tabs allowed, other control characters not",
)
_VERSION = Integer(minimum=1, maximum=MAX_VERSION, description="Starts at 1; every change adds 1")
_NOTE_ID = Text(pattern=NOTE_ID_PATTERN, description="Chosen by the server: 26 characters, time-ordered")

NOTE_REQUEST = Object(
    "NoteRequest", (Property("title", _TITLE), Property("body", _NOTE_BODY, required=False, default=""))
)

NOTE_UPDATE = Object(
    "NoteUpdate",
    (
        Property("title", _TITLE),
        Property("body", _NOTE_BODY, required=False, default=""),
        Property("version", _VERSION._replace(description="The version this change is based on; another one: 409")),
    ),
)

NOTE = Object(
    "Note",
    (
        Property("id", _NOTE_ID),
        Property("title", _TEXT),
        Property("body", _TEXT),
        Property("version", _VERSION),
        Property("created_at", Text(format="date-time")),
        Property("updated_at", Text(format="date-time")),
    ),
)

NOTE_SUMMARY = Object(
    "NoteSummary",
    (
        Property("id", _NOTE_ID),
        Property("title", _TEXT),
        Property("version", _VERSION),
        Property("updated_at", Text(format="date-time")),
    ),
)

NOTE_LIST = Object(
    "NoteList",
    (
        Property("items", ListOf(NOTE_SUMMARY, "The caller's notes, oldest first, without their bodies")),
        Property("next_token", Nullable(_TEXT, "Pass as `next_token` to get the next page; null on the last page")),
    ),
)

ERASURE_ACCEPTED = Object(
    "ErasureAccepted",
    (
        Property("status", Const("in_progress")),
        Property("erasure_id", Text(description="Quote it when asking about this erasure; it identifies no one")),
    ),
)


def date_time(value: datetime) -> str:
    """An RFC 3339 date-time, as the JSON Schema format asks: UTC as `Z` (AWS SDK datetimes carry their zone)."""
    text = (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
