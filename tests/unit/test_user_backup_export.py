"""make export-users against moto: a few thousand users, interrupted and resumed, compared field by field with
what moto holds; throttling retried with backoff; no secret in the backup; the pacing that keeps an export
inside Cognito's quotas."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config

from scripts.user_backup.backup_files import BackupDir, BackupError, read_jsonl, verify
from scripts.user_backup.calls import Caller, client_config
from scripts.user_backup.export import Exporter, open_backup
from scripts.user_backup.quotas import PAGE_SIZE, RateLimiter, Unlimited
from tests.unit.user_pools import (
    CLIENT_SECRET_MARKER,
    REGION,
    MotoPool,
    assert_same_as_moto,
    moto_memberships,
    moto_pool,
)

USERS = 2_000  # the "few thousand"; 5,000 with an interruption run in `make bench` (bench_export.py)
SMALL = 250
NO_BOTOCORE_RETRY = Config(retries={"mode": "standard", "total_max_attempts": 1})
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def large_pool() -> Iterator[MotoPool]:
    with moto_pool(USERS) as created:
        yield created


@pytest.fixture(scope="module")
def pool() -> Iterator[MotoPool]:
    with moto_pool(SMALL) as created:
        yield created


class InterruptError(Exception):
    """Stands for Ctrl-C or a lost connection in the middle of a run."""


class InterruptingCaller(Caller):
    """Raises after `after` calls of `operation` (the page in flight is lost, as in a real interruption)."""

    def __init__(self, client: Any, operation: str, after: int) -> None:
        super().__init__(client, Unlimited())
        self.operation, self.after, self.count = operation, after, 0

    def __call__(self, operation: str, **params: Any) -> dict[str, Any]:
        if operation == self.operation:
            self.count += 1
            if self.count > self.after:
                raise InterruptError
        return super().__call__(operation, **params)


def export(pool: MotoPool, root: Path, call: Caller | None = None, **options: Any) -> Any:
    backup = open_backup(root, pool.pool_id, fresh=False, now=NOW)
    exporter = Exporter(call or Caller(pool.client, Unlimited()), pool.pool_id, backup, **options)
    return exporter.run(profile="test")


def assert_backup_equals_moto(path: Path, pool: MotoPool, *, mfa: bool = True) -> None:
    assert_same_as_moto(path, pool, mfa=mfa)


@pytest.mark.long  # 2,000 users: on the default interpreter only; the steps' resumption runs on every one
def test_a_few_thousand_users_interrupted_and_resumed_match_moto_field_by_field(
    large_pool: MotoPool, tmp_path: Path
) -> None:
    # Given an export interrupted in the middle of listing the users
    with pytest.raises(InterruptError):
        export(large_pool, tmp_path, InterruptingCaller(large_pool.client, "ListUsers", USERS // PAGE_SIZE // 2))
    [partial] = list(tmp_path.iterdir())
    assert (partial / "state.json").exists()
    assert not (partial / "manifest.json").exists()
    with pytest.raises(BackupError, match="interrupted"):
        verify(partial)

    # When the same command runs again
    result = export(large_pool, tmp_path)

    # Then it finished that backup: every user, field by field, every membership, once
    assert result.resumed
    assert result.backup.path == partial
    assert_backup_equals_moto(partial, large_pool)
    manifest = result.manifest
    assert manifest["runs"] == 2
    assert manifest["counts"] == {
        "users": large_pool.users,
        "groups": 3,
        "memberships": len(moto_memberships(large_pool)),
        "federated_users": 1,
        "users_with_mfa": len([i for i in range(USERS) if i % 11 == 3]),
        "app_clients": 2,
        "identity_providers": 1,
    }
    assert verify(partial) == manifest
    assert not (partial / "state.json").exists()


@pytest.mark.parametrize(
    ("operation", "after"),
    [("AdminGetUser", SMALL // 3), ("ListUsersInGroup", 3)],
    ids=["reading-mfa", "listing-members"],
)
def test_an_export_interrupted_at_any_step_resumes_without_loss_or_duplicates(
    pool: MotoPool, tmp_path: Path, operation: str, after: int
) -> None:
    with pytest.raises(InterruptError):
        export(pool, tmp_path, InterruptingCaller(pool.client, operation, after))

    result = export(pool, tmp_path)

    assert result.resumed
    assert_backup_equals_moto(result.backup.path, pool)
    verify(result.backup.path)


def test_a_rejected_saved_token_restarts_the_listing_and_skips_what_is_written(pool: MotoPool, tmp_path: Path) -> None:
    # Given an export interrupted half way through the users
    with pytest.raises(InterruptError):
        export(pool, tmp_path, InterruptingCaller(pool.client, "ListUsers", 2))
    [partial] = list(tmp_path.iterdir())
    written = len(list(read_jsonl(partial / "users.jsonl")))
    assert 0 < written < pool.users

    # When Cognito no longer accepts the saved pagination token (expired)
    client = boto3.client("cognito-idp", region_name=REGION)
    saved = BackupDir(partial).state["users"]["token"]
    reject_token(client, "ListUsers", saved)
    result = export(pool, tmp_path, Caller(client, Unlimited()))

    # Then the listing starts over, and the users already written are not written again
    assert result.restarted_listings == ["ListUsers"]
    assert_backup_equals_moto(partial, pool)


def reject_token(client: Any, operation: str, token: str) -> None:
    """Refuse the first request that carries `token` (moto would hand out the same token again)."""
    rejected = []

    def handler(request: Any, **_: Any) -> AWSResponse | None:
        if token in request.body.decode() and not rejected:
            rejected.append(token)
            return error_response(request.url, "InvalidParameterException", "Invalid pagination token")
        return None

    client.meta.events.register_first(f"before-send.cognito-idp.{operation}", handler)


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def error_response(url: str, code: str, message: str, status: int = 400) -> AWSResponse:
    """An error response as Cognito's JSON protocol sends it, for botocore to parse (and maybe retry)."""
    body = json.dumps({"__type": code, "message": message}).encode()
    return AWSResponse(url, status, {"Content-Type": "application/x-amz-json-1.1"}, _Raw(body))


def throttle(client: Any, operation: str, times: int) -> list[int]:
    """Answer the first `times` requests of `operation` with TooManyRequestsException; count every request."""
    sent = [0]

    def handler(request: Any, **_: Any) -> AWSResponse | None:
        sent[0] += 1
        if sent[0] <= times:
            return error_response(request.url, "TooManyRequestsException", "Rate exceeded")
        return None

    client.meta.events.register_first(f"before-send.cognito-idp.{operation}", handler)
    return sent


def test_throttling_beyond_botocores_retries_is_retried_with_backoff(pool: MotoPool, tmp_path: Path) -> None:
    # Given a client that does not retry by itself, and Cognito throttling the first 4 ListUsers requests
    client = boto3.client("cognito-idp", region_name=REGION, config=NO_BOTOCORE_RETRY)
    requests = throttle(client, "ListUsers", 4)
    sleeps: list[float] = []
    call = Caller(client, Unlimited(), base_delay=1, max_delay=60, sleep=sleeps.append, jitter=lambda: 1.0)

    result = export(pool, tmp_path, call, mfa=False)

    # Then each throttled call waited twice as long as the one before, and the run completed
    assert sleeps == [1, 2, 4, 8]
    assert call.throttled == 4
    assert requests[0] == 4 + -(-pool.users // PAGE_SIZE)
    assert result.manifest["throttled_retries"] == 4
    assert_backup_equals_moto(result.backup.path, pool, mfa=False)


def test_botocore_adaptive_mode_retries_a_throttled_call(pool: MotoPool) -> None:
    client = boto3.client("cognito-idp", region_name=REGION, config=client_config(attempts=3))
    requests = throttle(client, "DescribeUserPool", 1)

    client.describe_user_pool(UserPoolId=pool.pool_id)

    assert requests[0] == 2  # the throttled request and botocore's retry


def test_throttling_that_never_ends_gives_up_with_the_error(pool: MotoPool) -> None:
    client = boto3.client("cognito-idp", region_name=REGION, config=NO_BOTOCORE_RETRY)
    throttle(client, "DescribeUserPool", 100)
    call = Caller(client, Unlimited(), max_retries=3, sleep=lambda _: None)

    with pytest.raises(client.exceptions.TooManyRequestsException):
        call("DescribeUserPool", UserPoolId=pool.pool_id)
    assert call.throttled == 3


def test_the_backup_holds_no_secret_and_is_private(pool: MotoPool, tmp_path: Path) -> None:
    result = export(pool, tmp_path, mfa=False)
    path = result.backup.path

    for file in path.iterdir():
        assert CLIENT_SECRET_MARKER not in file.read_text(encoding="utf-8"), file.name
        assert stat.S_IMODE(os.stat(file).st_mode) == 0o600, file.name
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o700
    clients = json.loads((path / "clients.json").read_text())
    assert sorted(c["HasSecret"] for c in clients) == [False, True]
    assert not [c for c in clients if "ClientSecret" in c]
    assert result.manifest["secrets_removed"] == ["ClientSecret", "client_secret"]
    providers = json.loads((path / "identity_providers.json").read_text())
    assert providers[0]["ProviderDetails"] == {"client_id": "id", "authorize_scopes": "email"}
    assert any("passwords" in line for line in result.manifest["not_restorable"])


def test_a_changed_backup_file_fails_verification(pool: MotoPool, tmp_path: Path) -> None:
    path = export(pool, tmp_path, mfa=False).backup.path
    with (path / "memberships.jsonl").open("rb+") as file:
        file.truncate(file.seek(0, 2) - 10)

    with pytest.raises(BackupError, match=r"memberships.jsonl: does not match the manifest"):
        verify(path)


def test_a_new_export_starts_beside_a_complete_one(pool: MotoPool, tmp_path: Path) -> None:
    first = export(pool, tmp_path, mfa=False).backup.path
    second = open_backup(tmp_path, pool.pool_id, fresh=False, now=datetime(2026, 12, 1, tzinfo=UTC))
    assert second.path != first
    assert second.path.name == f"20261201T000000Z-{pool.pool_id}"


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.mark.parametrize(
    ("operation", "share", "per_second"),
    [("ListUsers", 1.0, 30), ("ListUsers", 0.5, 15), ("AdminGetUser", 0.5, 60), ("DescribeUserImportJob", 1.0, 5)],
)
def test_calls_are_paced_to_the_quota_share(operation: str, share: float, per_second: float) -> None:
    clock = FakeClock()
    limiter = RateLimiter(share=share, clock=clock, sleep=clock.sleep)

    for _ in range(int(per_second * 10)):
        limiter.acquire(operation)

    # A second's burst at most, then the quota's rate: 10 seconds of calls take at least 9 seconds.
    assert 9 <= clock.now <= 10


def test_an_accounts_own_quota_replaces_the_default() -> None:
    assert RateLimiter({"UserRead": 200}, share=0.5).rates["UserRead"] == 100
