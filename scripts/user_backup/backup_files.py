"""The backup on disk: a dated folder of JSON and JSON Lines files, a checkpoint while it is written, and a
manifest with counts and checksums once it is complete.

    backups/<profile>/<UTC time>-<user pool id>/
      manifest.json          written last: format, source pool, counts, sha256 and line count of every file
      pool.json              DescribeUserPool, no secrets
      clients.json           every app client (DescribeUserPoolClient) without ClientSecret
      identity_providers.json  every identity provider without client secrets or private keys
      users.jsonl            one user a line: attributes, status, enabled, dates, MFA settings, identities
      groups.jsonl           one group a line
      memberships.jsonl      one (group, user) a line
      state.json             the checkpoint; removed when the backup is complete

A line is written whole and flushed before the checkpoint that counts it is replaced atomically, so an
interruption at any point loses at most the page in flight, which the next run truncates and lists again.
The folder is 0700 and its files 0600: a backup holds every user's personal data.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FORMAT = "cognito-ref-user-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
STATE = "state.json"
JSONL_FILES = ("users.jsonl", "groups.jsonl", "memberships.jsonl")
JSON_FILES = ("pool.json", "clients.json", "identity_providers.json")


class BackupError(Exception):
    """A backup folder that cannot be used; the message is one line."""


def json_default(value: Any) -> str:
    """botocore parses timestamps into datetimes: store them as ISO 8601 UTC."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def dumps(value: Any) -> str:
    return json.dumps(value, default=json_default, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _private_file(path: Path, mode: str) -> Any:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    return os.fdopen(fd, mode, encoding="utf-8", newline="\n")


class JsonlSink:
    """Append-only JSON Lines file that can be cut back to the last checkpointed byte offset."""

    def __init__(self, path: Path, offset: int, lines: int) -> None:
        self.path = path
        self._file = os.fdopen(os.open(path, os.O_RDWR | os.O_CREAT, 0o600), "r+b")
        self._file.truncate(offset)  # drop whatever was written after the last checkpoint
        self._file.seek(offset)
        self.offset = offset
        self.lines = lines

    def write(self, records: Iterable[Any]) -> int:
        written = 0
        for record in records:
            self._file.write((dumps(record) + "\n").encode("utf-8"))
            written += 1
        self._file.flush()
        os.fsync(self._file.fileno())
        self.offset = self._file.tell()
        self.lines += written
        return written

    def close(self) -> None:
        self._file.close()


def read_jsonl(path: Path) -> Iterator[Any]:
    with path.open(encoding="utf-8") as file:
        for line in file:
            if line.strip():
                yield json.loads(line)


class BackupDir:
    """One backup folder and its checkpoint."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.state: dict[str, Any] = {}
        state_file = path / STATE
        if state_file.exists():
            self.state = json.loads(state_file.read_text(encoding="utf-8"))

    @classmethod
    def create(cls, root: Path, pool_id: str, now: datetime) -> BackupDir:
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = root / f"{now.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}-{pool_id}"
        path.mkdir(mode=0o700)
        backup = cls(path)
        backup.state = {"user_pool_id": pool_id, "started_at": now.astimezone(UTC).isoformat(), "runs": 0}
        return backup

    @classmethod
    def latest_incomplete(cls, root: Path, pool_id: str) -> BackupDir | None:
        """The newest folder of this pool that has a checkpoint and no manifest (an interrupted export)."""
        candidates = sorted(root.glob(f"*-{pool_id}"), reverse=True) if root.is_dir() else []
        for path in candidates:
            if (path / STATE).exists() and not (path / MANIFEST).exists():
                return cls(path)
        return None

    @property
    def complete(self) -> bool:
        return (self.path / MANIFEST).exists()

    def save_state(self) -> None:
        """Replace the checkpoint atomically (write, fsync, rename)."""
        tmp = self.path / f"{STATE}.tmp"
        with _private_file(tmp, "w") as file:
            file.truncate(0)
            file.write(dumps(self.state))
            file.flush()
            os.fsync(file.fileno())
        tmp.replace(self.path / STATE)

    def sink(self, name: str, progress: dict[str, Any]) -> JsonlSink:
        path = self.path / name
        return JsonlSink(path, int(progress.get("offset", 0)), int(progress.get("lines", 0)))

    def write_json(self, name: str, value: Any) -> None:
        tmp = self.path / f"{name}.tmp"
        with _private_file(tmp, "w") as file:
            file.truncate(0)
            json.dump(value, file, default=json_default, ensure_ascii=False, sort_keys=True, indent=1)
            file.write("\n")
        tmp.replace(self.path / name)

    def finish(self, manifest: dict[str, Any]) -> None:
        """Write the manifest (the mark of a complete backup) and drop the checkpoint."""
        self.write_json(MANIFEST, manifest)
        (self.path / STATE).unlink(missing_ok=True)


def file_digest(path: Path) -> dict[str, Any]:
    """sha256, size and line count, read in 1 MiB blocks (a million users never sit in memory)."""
    digest = hashlib.sha256()
    lines = size = 0
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
            lines += block.count(b"\n")
            size += len(block)
    return {"sha256": digest.hexdigest(), "bytes": size, "lines": lines}


def verify(path: Path) -> dict[str, Any]:
    """The manifest of a complete, intact backup; BackupError naming the first problem otherwise."""
    manifest_file = path / MANIFEST
    if not manifest_file.exists():
        hint = "it was interrupted: run the export again to finish it" if (path / STATE).exists() else "no manifest"
        raise BackupError(f"{path}: not a complete backup ({hint})")
    manifest: dict[str, Any] = json.loads(manifest_file.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT or manifest.get("version") != FORMAT_VERSION:
        raise BackupError(f"{path}: not a {FORMAT} version {FORMAT_VERSION} backup")
    for name, expected in manifest["files"].items():
        actual = file_digest(path / name) if (path / name).exists() else None
        if actual != expected:
            raise BackupError(f"{path / name}: does not match the manifest (changed, truncated or missing)")
    return manifest


def redact(value: Any, secret_keys: frozenset[str], on_redact: Callable[[str], None] | None = None) -> Any:
    """A copy of `value` without any key named in `secret_keys`, at any depth."""
    if isinstance(value, dict):
        kept = {}
        for key, item in value.items():
            if key in secret_keys:
                if on_redact:
                    on_redact(key)
                continue
            kept[key] = redact(item, secret_keys, on_redact)
        return kept
    if isinstance(value, list):
        return [redact(item, secret_keys, on_redact) for item in value]
    return value
