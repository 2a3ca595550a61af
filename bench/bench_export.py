"""User export against moto: 5,000 users, interrupted half way and resumed, checked for loss and duplicates.

Run: `python -m bench export`. Prints the export's rate against moto beside the floor measured in the same
session (the same ListUsers, ListGroups and ListUsersInGroup pages, nothing written), both without MFA reads, then the
full export with MFA settings (one AdminGetUser per user), interrupted after half the users and resumed.
Against AWS the rate is set by Cognito's quotas, not by this code: `python -m scripts.user_backup estimate`.
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scripts.user_backup.calls import Caller
from scripts.user_backup.export import Exporter, open_backup
from scripts.user_backup.quotas import PAGE_SIZE, Unlimited
from tests.unit.user_pools import MotoPool, assert_same_as_moto, moto_pool

USERS = 5_000
ROUNDS = 3


class _InterruptedError(Exception):
    pass


class _InterruptingCaller(Caller):
    def __init__(self, client: Any, after_pages: int) -> None:
        super().__init__(client, Unlimited())
        self.left = after_pages

    def __call__(self, operation: str, **params: Any) -> dict[str, Any]:
        if operation == "ListUsers":
            self.left -= 1
            if self.left < 0:
                raise _InterruptedError
        return super().__call__(operation, **params)


def _export(pool: MotoPool, root: Path, call: Caller, *, mfa: bool) -> Path:
    backup = open_backup(root, pool.pool_id, fresh=False, now=datetime.now(UTC))
    return Exporter(call, pool.pool_id, backup, mfa=mfa).run(profile="bench").backup.path


def _floor(pool: MotoPool) -> None:
    """The export's own API calls (users, groups, members), through boto3's paginators, nothing written."""
    client, pool_id = pool.client, pool.pool_id
    for _ in client.get_paginator("list_users").paginate(UserPoolId=pool_id, Limit=PAGE_SIZE):
        pass
    for page in client.get_paginator("list_groups").paginate(UserPoolId=pool_id, Limit=PAGE_SIZE):
        for group in page["Groups"]:
            paginator = client.get_paginator("list_users_in_group")
            for _ in paginator.paginate(UserPoolId=pool_id, GroupName=group["GroupName"], Limit=PAGE_SIZE):
                pass


def _seconds(fn: Any) -> float:
    """Wall-clock seconds of one call."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    with moto_pool(USERS) as pool, tempfile.TemporaryDirectory() as tmp:
        floor, export = [], []
        for i in range(ROUNDS):  # interleaved, so neither run is favoured by its position
            floor.append(_seconds(lambda: _floor(pool)))
            root = Path(tmp) / f"plain-{i}"
            export.append(_seconds(lambda root=root: _export(pool, root, Caller(pool.client, Unlimited()), mfa=False)))
        best_floor, best_export = min(floor), min(export)
        print(f"export of {pool.users:,} users from moto (best of {ROUNDS}, interleaved)")
        ratio = best_export / best_floor
        print(f"  the same API calls, nothing written (floor)  {pool.users / best_floor:6,.0f} users/s")
        print(f"  export without MFA settings                  {pool.users / best_export:6,.0f} users/s ({ratio:.2f}x)")

        # The "done when" run: MFA settings read, interrupted after half the users, resumed, checked.
        root = Path(tmp) / "interrupted"
        start = time.perf_counter()
        with contextlib.suppress(_InterruptedError):
            _export(pool, root, _InterruptingCaller(pool.client, USERS // PAGE_SIZE // 2), mfa=True)
        path = _export(pool, root, Caller(pool.client, Unlimited()), mfa=True)
        elapsed = time.perf_counter() - start
        assert_same_as_moto(path, pool)
        print(f"  export with MFA settings, interrupted and resumed: {pool.users / elapsed:,.0f} users/s "
              f"({elapsed:.1f} s); no user or membership lost or duplicated")  # fmt: skip


if __name__ == "__main__":
    main()
