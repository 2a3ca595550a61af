"""Calls to the HTTP API (Authorization: Bearer <access token>) and to the presigned S3 URLs it hands out.

Standard library only. Redirects are never followed, so the bearer token goes to the API's host and nowhere
else; presigned URLs are fetched without it.
"""

from __future__ import annotations

import json
import re
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from client.errors import CliError, redact

TIMEOUT_S = 30.0


class ApiError(CliError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"API answered {status}: {message}")
        self.status = status


@dataclass(frozen=True)
class Response:
    status: int
    body: Any  # parsed JSON, or None for an empty body

    @property
    def message(self) -> str:
        """The API's `{"message": ...}` (also API Gateway's own 401/403 body), else a generic text."""
        if isinstance(self.body, dict) and isinstance(self.body.get("message"), str):
            return redact(self.body["message"])
        return "unexpected response"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def _send(request: urllib.request.Request) -> tuple[int, bytes]:
    """Status and body of any HTTP response; CliError only when there is no response at all."""
    try:
        with _OPENER.open(request, timeout=TIMEOUT_S) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read()
    except (OSError, ValueError) as error:  # URLError, timeouts, connection resets, bad URLs
        raise CliError(f"Cannot reach {request.host}: {redact(str(error))}") from None


def multipart(fields: dict[str, str], filename: str, content: bytes, content_type: str) -> tuple[bytes, str]:
    """A multipart/form-data body: the policy's fields first, the file last, as S3's POST upload requires."""
    boundary = f"----cognito-ref-{secrets.token_hex(16)}"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    safe_name = filename.replace('"', "_").replace("\r", "_").replace("\n", "_")
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{safe_name}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class ApiClient:
    def __init__(self, base_url: str, access_token: str | None) -> None:
        self.base_url = base_url.rstrip("/")
        self._access_token = access_token

    def __repr__(self) -> str:
        return f"ApiClient({self.base_url!r})"

    def call(
        self,
        method: str,
        path: str,
        *,
        query: dict[str, Any] | None = None,
        body: Any = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """One request; any HTTP status is returned, not raised. `token` overrides the client's own."""
        params = {name: value for name, value in (query or {}).items() if value is not None}
        url = self.base_url + path + (f"?{urlencode(params)}" if params else "")
        headers = {"Accept": "application/json", **(headers or {})}
        bearer = token if token is not None else self._access_token
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        status, raw = _send(urllib.request.Request(url, data=data, headers=headers, method=method))  # noqa: S310
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        return Response(status, parsed)

    def _expect(self, response: Response, status: int = 200) -> Any:
        if response.status != status:
            raise ApiError(response.status, response.message)
        return response.body

    def health(self) -> Any:
        return self._expect(self.call("GET", "/health"))

    def me(self) -> Any:
        return self._expect(self.call("GET", "/me"))

    def list_files(self, *, limit: int | None = None, next_token: str | None = None) -> Any:
        return self._expect(self.call("GET", "/files", query={"limit": limit, "next_token": next_token}))

    def upload_url(self, key: str, content_type: str) -> Any:
        body = {"key": key, "content_type": content_type}
        return self._expect(self.call("POST", "/files/upload-url", body=body))

    # Keys travel in the query string, form-encoded by urlencode, never in the path: API Gateway decodes paths
    # (twice) and cuts them at a decoded `?` (docs/decisions/0008-object-keys-in-the-query-string.md).
    def download_url(self, key: str) -> str:
        url: str = self._expect(self.call("GET", "/files/download-url", query={"key": key}))["url"]
        return url

    def delete_file(self, key: str) -> None:
        self._expect(self.call("DELETE", "/files", query={"key": key}), 204)

    def admin_users(self, *, limit: int | None = None, next_token: str | None = None) -> Any:
        return self._expect(self.call("GET", "/admin/users", query={"limit": limit, "next_token": next_token}))

    # Note ids are server-chosen, from an alphabet no URL layer encodes: they travel in the path as they are.
    def list_notes(self, *, limit: int | None = None, next_token: str | None = None) -> Any:
        return self._expect(self.call("GET", "/notes", query={"limit": limit, "next_token": next_token}))

    def create_note(self, title: str, body: str = "") -> Any:
        return self._expect(self.call("POST", "/notes", body={"title": title, "body": body}), 201)

    def get_note(self, note_id: str) -> Any:
        return self._expect(self.call("GET", f"/notes/{_note_id(note_id)}"))

    def update_note(self, note_id: str, *, title: str, body: str, version: int) -> Any:
        update = {"title": title, "body": body, "version": version}
        return self._expect(self.call("PUT", f"/notes/{_note_id(note_id)}", body=update))

    def delete_note(self, note_id: str, *, version: int | None = None) -> None:
        self._expect(self.call("DELETE", f"/notes/{_note_id(note_id)}", query={"version": version}), 204)

    def delete_me(self, id_token: str) -> Any:
        """DELETE /me: None when the account is gone (204), else the API's `{"status", "erasure_id"}` (202)."""
        return self._erased(self.call("DELETE", "/me", headers={"X-Id-Token": id_token}))

    def admin_delete_user(self, sub: str) -> Any:
        return self._erased(self.call("DELETE", f"/admin/users/{_sub(sub)}"))

    def _erased(self, response: Response) -> Any:
        if response.status not in (202, 204):
            raise ApiError(response.status, response.message)
        return response.body

    def upload(self, key: str, content: bytes, content_type: str) -> str:
        """Presigned POST: ask the API for the URL and policy fields, then POST the file to S3; returns the key."""
        grant = self.upload_url(key, content_type)
        body, form_type = multipart(grant["fields"], key.rsplit("/", 1)[-1], content, content_type)
        request = urllib.request.Request(grant["url"], data=body, headers={"Content-Type": form_type}, method="POST")  # noqa: S310
        status, raw = _send(request)
        if status not in (200, 201, 204):
            raise CliError(f"S3 rejected the upload ({status}): {_s3_error(raw)}")
        uploaded: str = grant["key"]
        return uploaded

    def download(self, key: str) -> bytes:
        status, raw = _send(urllib.request.Request(self.download_url(key), method="GET"))  # noqa: S310
        if status != 200:
            raise CliError(f"S3 rejected the download ({status}): {_s3_error(raw)}")
        return raw


def _note_id(note_id: str) -> str:
    if not re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{26}", note_id):
        raise CliError(f"{note_id!r} is not a note id (26 characters, as `notes list` shows them)")
    return note_id


def _sub(sub: str) -> str:
    if not re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", sub):
        raise CliError(f"{sub!r} is not a user's sub (as `admin-users` shows it)")
    return sub


def _s3_error(raw: bytes) -> str:
    """The <Code> of an S3 XML error body, e.g. EntityTooLarge or AccessDenied."""
    text = raw.decode("utf-8", errors="replace")
    start, end = text.find("<Code>"), text.find("</Code>")
    return text[start + len("<Code>") : end] if 0 <= start < end else "no details"
