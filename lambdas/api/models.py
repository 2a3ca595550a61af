"""Request and response bodies of the HTTP API (they also make up the OpenAPI document)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from api.keys import MAX_KEY_CHARS
from api.text import MAX_NOTE_BODY_CHARS, MAX_NOTE_TITLE_CHARS, MAX_VERSION, NOTE_ID_PATTERN, body_text, title_text


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ErrorBody(_Body):
    message: str = Field(description="What went wrong, safe to show to the user")


class Health(_Body):
    status: Literal["ok"] = "ok"


class Me(_Body):
    sub: str = Field(description="The user pool `sub` (for client-credentials tokens: the client id)")
    username: str | None
    email: str | None = Field(description="Only when the token carries it (access tokens usually do not)")
    groups: list[str]
    scopes: list[str]


class FileItem(_Body):
    key: str = Field(description="Relative to the caller's own prefix")
    size: int
    last_modified: datetime
    etag: str


class FileList(_Body):
    items: list[FileItem]
    next_token: str | None = Field(description="Pass as `next_token` to get the next page; null on the last page")


class UploadRequest(_Body):
    key: str = Field(
        min_length=1,
        max_length=MAX_KEY_CHARS,
        description="Relative key, e.g. `photos/cat.png`; the rules are those of the `key` query parameter",
    )
    content_type: str = Field(min_length=1, max_length=255, description="One of the deployment's upload types")


class UploadUrl(_Body):
    url: str = Field(description="POST a multipart/form-data request here")
    fields: dict[str, str] = Field(description="Send these form fields first, then the `file` field last")
    key: str = Field(description="The sanitised relative key the object will have")
    max_bytes: int
    expires_in: int = Field(description="Seconds until the URL and policy expire")


class DownloadUrl(_Body):
    url: str
    expires_in: int


class AdminUser(_Body):
    username: str
    sub: str | None
    email: str | None
    status: str | None
    enabled: bool
    created: datetime | None


class UserList(_Body):
    users: list[AdminUser]
    next_token: str | None


Title = Annotated[
    str,
    Field(min_length=1, max_length=MAX_NOTE_TITLE_CHARS, description="One line: no control characters"),
    AfterValidator(title_text),
]
NoteBody = Annotated[
    str,
    Field(
        max_length=MAX_NOTE_BODY_CHARS, description="Text; line breaks and tabs allowed, other control characters not"
    ),
    AfterValidator(body_text),
]
Version = Annotated[int, Field(ge=1, le=MAX_VERSION, description="Starts at 1; every change adds 1")]


class _Request(_Body):
    """A request body: JSON types exactly as the schema says ("1" is not an integer)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class NoteRequest(_Request):
    title: Title
    body: NoteBody = ""


class NoteUpdate(_Request):
    title: Title
    body: NoteBody = ""
    version: Version = Field(description="The version this change is based on; another version: 409")


class Note(_Body):
    id: str = Field(pattern=NOTE_ID_PATTERN, description="Chosen by the server: 26 characters, time-ordered")
    title: str
    body: str
    version: Version
    created_at: datetime
    updated_at: datetime


class NoteSummary(_Body):
    id: str = Field(pattern=NOTE_ID_PATTERN)
    title: str
    version: Version
    updated_at: datetime


class NoteList(_Body):
    items: list[NoteSummary] = Field(description="The caller's notes, oldest first, without their bodies")
    next_token: str | None = Field(description="Pass as `next_token` to get the next page; null on the last page")


class ErasureAccepted(_Body):
    status: Literal["in_progress"] = "in_progress"
    erasure_id: str = Field(description="Quote it when asking about this erasure; it identifies no one")
