"""The timings docs/operations.md shows are the ones the quotas give, and the quotas are the published ones."""

from __future__ import annotations

import re

import pytest

from scripts.user_backup.quotas import DEFAULT_RPS, OPERATION_CATEGORY, duration, estimate, estimate_table
from tests.support import REPO


def test_the_runbooks_table_is_the_computed_one() -> None:
    text = (REPO / "docs" / "operations.md").read_text(encoding="utf-8")
    table = re.search(r"<!-- estimate-table:start -->\n(.*?)\n<!-- estimate-table:end -->", text, re.S)
    assert table is not None
    assert table[1] == estimate_table()


def test_a_million_users_at_the_published_default_quotas() -> None:
    steps = {e.step.split(" (")[0]: e for e in estimate(1_000_000)}
    # ListUsers: 16,667 pages of 60 at UserList's 30 requests a second.
    assert steps["export: list users"].calls == 16_667
    assert steps["export: list users"].seconds == pytest.approx(16_667 / 30)
    # One AdminGetUser a user at UserRead's 120 a second: 2.3 hours.
    assert steps["export: MFA settings"].seconds == pytest.approx(1_000_000 / 120)
    # Group memberships at UserResourceUpdate's 25 a second, which cannot be raised: 11.1 hours.
    assert duration(steps["restore: group memberships"].seconds) == "11.1 h"


def test_published_default_rates() -> None:
    # AWS "Quotas in Amazon Cognito": category defaults in requests per second.
    assert {c: DEFAULT_RPS[c] for c in ("UserList", "UserRead", "UserResourceUpdate", "UserAuthentication")} == {
        "UserList": 30,
        "UserRead": 120,
        "UserResourceUpdate": 25,
        "UserAuthentication": 120,
    }
    assert set(OPERATION_CATEGORY.values()) <= set(DEFAULT_RPS)
