"""Cognito's request-rate quotas, the pacing that keeps a backup or restore inside them, and time estimates.

Source: AWS "Quotas in Amazon Cognito" (https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html),
section "Amazon Cognito user pools API operation categories and request rate quotas". Quotas are requests per
second per account and Region, shared by every user pool and every caller of the category (your application
included); the adjustable ones can be raised through Service Quotas. The default figures below are the
published defaults; pass your account's own with `--quota CATEGORY=RPS`.

Page sizes: ListUsers returns at most 60 users a request (API reference, `Limit`: 0-60); ListUsersInGroup and
ListGroups also at most 60. A user import CSV holds at most 500,000 users and 100 MB, and only one import job
runs per account at a time ("Importing users into a user pool from a CSV file").
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

# Category -> default requests per second (the published defaults; "adjustable" in the comment).
DEFAULT_RPS: dict[str, float] = {
    "UserList": 30,  # ListUsers, ListUsersInGroup; not adjustable
    "UserRead": 120,  # AdminGetUser; adjustable
    "UserPoolRead": 15,  # DescribeUserPool
    "UserPoolResourceRead": 20,  # ListGroups, GetCSVHeader, DescribeUserImportJob, ListIdentityProviders, ...
    "UserPoolResourceUpdate": 15,  # CreateUserImportJob, StartUserImportJob, CreateGroup
    "UserPoolClientRead": 15,  # ListUserPoolClients, DescribeUserPoolClient
    "UserResourceUpdate": 25,  # AdminAddUserToGroup; not adjustable
    "UserUpdate": 25,  # AdminDisableUser; not adjustable
    "UserAuthentication": 120,  # InitiateAuth, AdminInitiateAuth (the migration trigger); adjustable
    "UserAccountRecovery": 30,  # ForgotPassword, ConfirmForgotPassword; not adjustable
}
# The page quotas marked "*" on the page: any one operation of these categories at most 5 RPS per user pool.
PER_POOL_RPS = {"UserPoolResourceRead": 5.0, "UserPoolResourceUpdate": 5.0, "UserPoolClientRead": 5.0}

OPERATION_CATEGORY: dict[str, str] = {
    "ListUsers": "UserList",
    "ListUsersInGroup": "UserList",
    "AdminGetUser": "UserRead",
    "DescribeUserPool": "UserPoolRead",
    "ListGroups": "UserPoolResourceRead",
    "ListIdentityProviders": "UserPoolResourceRead",
    "DescribeIdentityProvider": "UserPoolResourceRead",
    "GetCSVHeader": "UserPoolResourceRead",
    "DescribeUserImportJob": "UserPoolResourceRead",
    "CreateUserImportJob": "UserPoolResourceUpdate",
    "StartUserImportJob": "UserPoolResourceUpdate",
    "CreateGroup": "UserPoolResourceUpdate",
    "ListUserPoolClients": "UserPoolClientRead",
    "DescribeUserPoolClient": "UserPoolClientRead",
    "AdminAddUserToGroup": "UserResourceUpdate",
    "AdminDisableUser": "UserUpdate",
    "AdminInitiateAuth": "UserAuthentication",
    "ForgotPassword": "UserAccountRecovery",
}
PAGE_SIZE = 60
MAX_IMPORT_ROWS = 500_000
MAX_IMPORT_BYTES = 100 * 1024 * 1024
# Backups take this share of each category's quota by default, leaving the rest to the application.
DEFAULT_SHARE = 0.5


class RateLimiter:
    """Paces calls per quota category (a token bucket of one second's burst), thread-safe."""

    def __init__(
        self,
        rps: dict[str, float] | None = None,
        share: float = DEFAULT_SHARE,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not 0 < share <= 1:
            raise ValueError("the quota share must be in (0, 1]")
        quotas = {**DEFAULT_RPS, **(rps or {})}
        self.rates = {c: min(r, PER_POOL_RPS.get(c, r)) * share for c, r in quotas.items()}
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._tokens = dict(self.rates)
        self._stamp = {c: clock() for c in self.rates}

    def acquire(self, operation: str) -> None:
        """Wait until `operation` may be called."""
        category = OPERATION_CATEGORY[operation]
        rate = self.rates[category]
        capacity = max(rate, 1.0)
        while True:
            with self._lock:
                now = self._clock()
                tokens = min(capacity, self._tokens[category] + (now - self._stamp[category]) * rate)
                self._stamp[category] = now
                if tokens >= 1 - 1e-9:  # float tolerance: a wait of (1 - tokens) / rate may round down
                    self._tokens[category] = tokens - 1
                    return
                self._tokens[category] = tokens
                wait = (1 - tokens) / rate
            self._sleep(wait)


class Unlimited(RateLimiter):
    """No pacing: for emulators (moto), which have no quotas."""

    def __init__(self) -> None:
        super().__init__()

    def acquire(self, operation: str) -> None:
        return None


@dataclass(frozen=True)
class Estimate:
    step: str
    calls: int
    category: str
    seconds: float


def estimate(users: int, *, memberships: int | None = None, groups: int = 2, mfa: bool = True) -> list[Estimate]:
    """How long each step takes at the full published default quota of its category, calls in sequence.

    `memberships` defaults to one group per user (every confirmed user is in the default group).
    """
    memberships = users if memberships is None else memberships
    pages = math.ceil(users / PAGE_SIZE)
    member_pages = math.ceil(memberships / PAGE_SIZE) + groups

    def step(name: str, calls: int, operation: str) -> Estimate:
        category = OPERATION_CATEGORY[operation]
        return Estimate(name, calls, category, calls / DEFAULT_RPS[category])

    steps = [
        step("export: list users (ListUsers, 60 a page)", pages, "ListUsers"),
        step("export: group members (ListUsersInGroup, 60 a page)", member_pages, "ListUsersInGroup"),
    ]
    if mfa:
        steps.append(step("export: MFA settings (AdminGetUser, one a user)", users, "AdminGetUser"))
    steps += [
        step("restore: group memberships (AdminAddUserToGroup, one a membership)", memberships, "AdminAddUserToGroup"),
        # Each migrated sign-in is two UserAuthentication calls in one account: the user's own sign-in to the new
        # pool and the trigger's AdminInitiateAuth on the old one.
        step("migration: every user's first sign-in (2 UserAuthentication calls each)", 2 * users, "AdminInitiateAuth"),
        step("restore: every user resets the password (ForgotPassword)", users, "ForgotPassword"),
    ]
    return steps


def duration(seconds: float) -> str:
    """3 s, 9.3 min, 2.3 h."""
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def estimate_table(sizes: tuple[int, ...] = (10_000, 100_000, 1_000_000)) -> str:
    """The Markdown table docs/operations.md shows (a test keeps the two equal)."""
    header = "| step | quota (RPS) | " + " | ".join(f"{n:,} users" for n in sizes) + " |"
    lines = [header, "|---|---|" + "---|" * len(sizes)]
    columns = [estimate(n) for n in sizes]
    for row in zip(*columns, strict=True):
        first = row[0]
        cells = " | ".join(duration(e.seconds) for e in row)
        lines.append(f"| {first.step} | {first.category} {DEFAULT_RPS[first.category]:g} | {cells} |")
    return "\n".join(lines)
