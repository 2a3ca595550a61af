"""`make export-users`: every user, group, membership, app client and the pool's settings, into a backup folder.

Paging follows the API: ListUsers, ListGroups and ListUsersInGroup return at most 60 items a request and a
PaginationToken/NextToken for the rest (API reference, `Limit` 0-60). The export checkpoints after each page:
the token to continue with and the byte offset and line count of what it wrote. A resumed run cuts the file
back to the offset and goes on with the token, so nothing is listed twice. Should the saved token no longer
be accepted (the API documents no lifetime for it; Cognito answers InvalidParameterException), the run lists
from the start again and skips every `sub` (users) or user name (members of the group in progress) already
in the file: no loss and no duplicate either way.

What cannot be exported at all, and so never restored: passwords and their hashes, TOTP secrets and
registered passkeys (WebAuthn credentials), remembered devices, refresh tokens and sessions. The manifest says
so (`not_restorable`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from botocore.exceptions import ClientError

from scripts.user_backup.backup_files import (
    FORMAT,
    FORMAT_VERSION,
    JSON_FILES,
    JSONL_FILES,
    BackupDir,
    file_digest,
    read_jsonl,
    redact,
)
from scripts.user_backup.calls import Caller, error_code
from scripts.user_backup.quotas import PAGE_SIZE

# Keys that hold secrets in DescribeUserPoolClient (ClientSecret) and DescribeIdentityProvider's
# ProviderDetails (client_secret of OIDC/Google/Facebook, private_key of Sign in with Apple).
SECRET_KEYS = frozenset({"ClientSecret", "client_secret", "private_key"})
NOT_RESTORABLE = (
    "passwords (Cognito never exports them or their hashes): imported users must reset their password",
    "MFA devices: TOTP secrets cannot be read; users enrol again (the backup keeps who had which MFA)",
    "passkeys (WebAuthn credentials): users register them again",
    "remembered devices, sessions and refresh tokens: every user signs in again",
    "sub: a restored user gets a new sub (the backup keeps the old one; map data keyed by it)",
    "users of federated identity providers only (status EXTERNAL_PROVIDER): re-created at their next sign-in",
    "creation and last-modified dates: an import sets them to the import time",
)


class Progress(Protocol):
    def update(self, n: int) -> object: ...

    def close(self) -> object: ...


class NoProgress:
    def update(self, n: int) -> None:
        return None

    def close(self) -> None:
        return None


ProgressFactory = Callable[[str, int | None], Progress]


@dataclass
class ExportResult:
    backup: BackupDir
    manifest: dict[str, Any]
    resumed: bool
    restarted_listings: list[str] = field(default_factory=list)


def user_record(user: dict[str, Any], mfa: dict[str, Any] | None) -> dict[str, Any]:
    """One users.jsonl line from a ListUsers entry (and AdminGetUser's MFA settings)."""
    attributes = {a["Name"]: a.get("Value", "") for a in user.get("Attributes", [])}
    identities: Any = []
    if "identities" in attributes:
        try:
            identities = json.loads(attributes["identities"])
        except ValueError:
            identities = attributes["identities"]
    return {
        "username": user["Username"],
        "sub": attributes.get("sub"),
        "status": user.get("UserStatus"),
        "enabled": user.get("Enabled"),
        "created": user.get("UserCreateDate"),
        "modified": user.get("UserLastModifiedDate"),
        "attributes": attributes,
        "mfa": mfa,
        "identities": identities,
    }


def read_mfa(call: Caller, pool_id: str, user: dict[str, Any]) -> dict[str, Any] | None:
    """AdminGetUser's MFA settings: the preferred and enabled methods. None for federated-only users (Cognito
    keeps no MFA for them); {"unreadable": code} when the user vanished or the call was refused."""
    if user.get("UserStatus") == "EXTERNAL_PROVIDER":
        return None
    try:
        detail = call("AdminGetUser", UserPoolId=pool_id, Username=user["Username"])
    except ClientError as error:
        return {"unreadable": error_code(error)}
    return {"preferred": detail.get("PreferredMfaSetting"), "enabled": detail.get("UserMFASettingList", [])}


class Exporter:
    def __init__(
        self,
        call: Caller,
        pool_id: str,
        backup: BackupDir,
        *,
        mfa: bool = True,
        workers: int = 8,
        progress: ProgressFactory = lambda label, total: NoProgress(),
    ) -> None:
        self.call = call
        self.pool_id = pool_id
        self.backup = backup
        self.mfa = mfa
        self.workers = workers
        self.progress = progress
        self.restarted: list[str] = []

    def run(self, *, profile: str, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> ExportResult:
        state = self.backup.state
        resumed = state.get("runs", 0) > 0
        state["runs"] = state.get("runs", 0) + 1
        self.backup.save_state()
        pool = self.snapshot()
        estimated = int(pool.get("EstimatedNumberOfUsers", 0)) or None
        self.export_users(estimated)
        self.export_groups()
        self.export_memberships()
        manifest = self.manifest(profile, pool, now())
        self.backup.finish(manifest)
        return ExportResult(self.backup, manifest, resumed, self.restarted)

    # --- the pool's settings: cheap, taken again on every run -------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        redacted: list[str] = []
        pool = self.call("DescribeUserPool", UserPoolId=self.pool_id)["UserPool"]
        self.backup.write_json("pool.json", redact(pool, SECRET_KEYS, redacted.append))
        clients = []
        for summary in self._pages("ListUserPoolClients", "UserPoolClients", "NextToken", MaxResults=PAGE_SIZE):
            client = self.call("DescribeUserPoolClient", UserPoolId=self.pool_id, ClientId=summary["ClientId"])
            detail = client["UserPoolClient"]
            clients.append({**redact(detail, SECRET_KEYS, redacted.append), "HasSecret": "ClientSecret" in detail})
        self.backup.write_json("clients.json", clients)
        providers = []
        for summary in self._pages("ListIdentityProviders", "Providers", "NextToken", MaxResults=PAGE_SIZE):
            provider = self.call(
                "DescribeIdentityProvider", UserPoolId=self.pool_id, ProviderName=summary["ProviderName"]
            )["IdentityProvider"]
            providers.append(redact(provider, SECRET_KEYS, redacted.append))
        self.backup.write_json("identity_providers.json", providers)
        self.backup.state["redacted"] = sorted(set(redacted))
        return dict(pool)

    def _pages(self, operation: str, key: str, token_name: str, **params: Any) -> Iterator[dict[str, Any]]:
        token = None
        while True:
            page = self.call(operation, UserPoolId=self.pool_id, **params, **({token_name: token} if token else {}))
            yield from page.get(key, [])
            token = page.get(token_name)
            if not token:
                return

    # --- users ---------------------------------------------------------------------------------------------

    def export_users(self, estimated: int | None) -> None:
        progress = self.backup.state.setdefault("users", {"token": None, "offset": 0, "lines": 0, "done": False})
        if progress["done"]:
            return
        sink = self.backup.sink("users.jsonl", progress)
        seen = {record["sub"] for record in read_jsonl(sink.path)}
        bar = self.progress("users", estimated)
        bar.update(len(seen))
        try:
            self._list_into(
                sink,
                progress,
                operation="ListUsers",
                params={"UserPoolId": self.pool_id, "Limit": PAGE_SIZE},
                items="Users",
                token_name="PaginationToken",  # noqa: S106 - a parameter name
                key=_sub,
                seen=seen,
                records=self._user_records,
                bar=bar,
            )
        finally:
            sink.close()
            bar.close()

    def _user_records(self, users: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not self.mfa:
            return [user_record(user, None) for user in users]
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            settings = list(pool.map(lambda user: read_mfa(self.call, self.pool_id, user), users))
        return [user_record(user, mfa) for user, mfa in zip(users, settings, strict=True)]

    def _list_into(
        self,
        sink: Any,
        progress: dict[str, Any],
        *,
        operation: str,
        params: dict[str, Any],
        items: str,
        token_name: str,
        key: Callable[[dict[str, Any]], Any],
        seen: set[Any],
        records: Callable[[list[dict[str, Any]]], list[Any]],
        bar: Progress,
    ) -> None:
        """Page through `operation` into `sink`, checkpointing after every page (see the module docstring)."""
        token = progress["token"]
        saved_token = token
        while True:
            try:
                page = self.call(operation, **params, **({token_name: token} if token else {}))
            except ClientError as error:
                if token is None or token != saved_token or error_code(error) != "InvalidParameterException":
                    raise
                # The checkpoint's token is no longer accepted: list from the start, skipping what is written.
                self.restarted.append(operation)
                token = saved_token = None
                continue
            fresh = []
            for item in page.get(items, []):
                item_key = key(item)
                if item_key not in seen:
                    seen.add(item_key)
                    fresh.append(item)
            bar.update(sink.write(records(fresh)))
            token = page.get(token_name)
            progress.update(token=token, offset=sink.offset, lines=sink.lines, done=token is None)
            self.backup.save_state()
            if token is None:
                return

    # --- groups and their members -------------------------------------------------------------------------

    def export_groups(self) -> None:
        state = self.backup.state
        if state.get("groups_done"):
            return
        groups = [
            {k: group.get(k) for k in ("GroupName", "Description", "Precedence", "RoleArn")}
            for group in self._pages("ListGroups", "Groups", "NextToken", Limit=PAGE_SIZE)
        ]
        sink = self.backup.sink("groups.jsonl", {"offset": 0, "lines": 0})
        try:
            sink.write(groups)
        finally:
            sink.close()
        state.update(groups_done=True, group_names=[g["GroupName"] for g in groups])
        self.backup.save_state()

    def export_memberships(self) -> None:
        state = self.backup.state
        progress = state.setdefault("memberships", {"group": 0, "token": None, "offset": 0, "lines": 0, "done": False})
        names: list[str] = state["group_names"]
        sink = self.backup.sink("memberships.jsonl", progress)
        bar = self.progress("group members", None)
        try:
            while progress["group"] < len(names):
                name = names[progress["group"]]
                # Members of this group already written by an interrupted run (only needed if its token fails).
                seen = {m["username"] for m in read_jsonl(sink.path) if m["group"] == name}
                self._list_into(
                    sink,
                    progress,
                    operation="ListUsersInGroup",
                    params={"UserPoolId": self.pool_id, "GroupName": name, "Limit": PAGE_SIZE},
                    items="Users",
                    token_name="NextToken",  # noqa: S106 - a parameter name
                    key=lambda user: user["Username"],
                    seen=seen,
                    records=lambda users, group=name: [  # type: ignore[misc]
                        {"group": group, "username": u["Username"], "sub": _sub(u)} for u in users
                    ],
                    bar=bar,
                )
                progress.update(group=progress["group"] + 1, token=None, done=False)
                self.backup.save_state()
            progress["done"] = True
            self.backup.save_state()
        finally:
            sink.close()
            bar.close()

    # --- manifest ------------------------------------------------------------------------------------------

    def manifest(self, profile: str, pool: dict[str, Any], completed: datetime) -> dict[str, Any]:
        files = {name: file_digest(self.backup.path / name) for name in (*JSON_FILES, *JSONL_FILES)}
        federated = with_mfa = 0
        for user in read_jsonl(self.backup.path / "users.jsonl"):
            federated += user["status"] == "EXTERNAL_PROVIDER"
            with_mfa += bool(user["mfa"] and user["mfa"].get("enabled"))
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "profile": profile,
            "started_at": self.backup.state.get("started_at"),
            "completed_at": completed.astimezone(UTC).isoformat(),
            "runs": self.backup.state.get("runs", 1),
            "source": {
                "user_pool_id": self.pool_id,
                "user_pool_name": pool.get("Name"),
                "region": self.pool_id.split("_", 1)[0],
                "username_attributes": pool.get("UsernameAttributes", []),
                "estimated_users": pool.get("EstimatedNumberOfUsers"),
            },
            "counts": {
                "users": files["users.jsonl"]["lines"],
                "groups": files["groups.jsonl"]["lines"],
                "memberships": files["memberships.jsonl"]["lines"],
                "federated_users": federated,
                "users_with_mfa": with_mfa,
                "app_clients": len(_read_json(self.backup.path / "clients.json")),
                "identity_providers": len(_read_json(self.backup.path / "identity_providers.json")),
            },
            "mfa_read": self.mfa,
            "secrets_removed": self.backup.state.get("redacted", []),
            "throttled_retries": self.call.throttled,
            "files": files,
            "not_restorable": list(NOT_RESTORABLE),
        }


def _sub(user: dict[str, Any]) -> str | None:
    return next((a["Value"] for a in user.get("Attributes", []) if a["Name"] == "sub"), None)


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def open_backup(root: Path, pool_id: str, *, fresh: bool, now: datetime) -> BackupDir:
    """The interrupted export of this pool to resume, or a new dated folder."""
    if not fresh:
        existing = BackupDir.latest_incomplete(root, pool_id)
        if existing is not None:
            return existing
    return BackupDir.create(root, pool_id, now)
