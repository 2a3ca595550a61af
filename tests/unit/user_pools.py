"""A populated moto user pool for the backup and restore tests and the export benchmark.

Users are created through moto's backend (tens of microseconds each instead of a request each), then read
back only through the Cognito API, as an export does. The pool has what an export must carry: attributes with
commas, non-ASCII text and dates, unverified and disabled users, MFA settings, a federated-only user with its
`identities`, groups with members, app clients with and without a secret and an identity provider with one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.cognitoidp.models import CognitoIdpUser, cognitoidp_backends

from tests.unit.trigger_support import aws_env

ACCOUNT = "123456789012"
REGION = "us-east-1"
GROUPS = {"admins": 0, "users": 10, "beta": 20}
CLIENT_SECRET_MARKER = "client-secret-never-in-a-backup"


@dataclass(frozen=True)
class MotoPool:
    client: Any
    pool_id: str
    users: int


def user_attributes(i: int) -> list[dict[str, str]]:
    attributes = {
        "email": f"user{i:06d}@example.com",
        "email_verified": "false" if i % 97 == 5 else "true",
        "name": f"Doe, Jane {i}" if i % 3 == 0 else f"Zoë Ångström {i}",
        "given_name": "Zoë",
        "birthdate": f"19{50 + i % 50:02d}-0{1 + i % 9}-1{i % 10}",
        "phone_number": f"+1555{i:07d}",
        "locale": "de-CH",
    }
    return [{"Name": k, "Value": v} for k, v in attributes.items()]


def populate(client: Any, pool_id: str, users: int) -> None:
    backend = cognitoidp_backends[ACCOUNT][REGION]
    pool = backend.user_pools[pool_id]
    groups = {
        name: backend.create_group(pool_id, name, f"{name} group", None, precedence)
        for name, precedence in GROUPS.items()
    }

    def add(user: CognitoIdpUser, *group_names: str) -> None:
        pool.users[user.username] = user
        for name in group_names:
            groups[name].users.add(user)
            user.groups.add(groups[name])

    for i in range(users):
        # An email-username pool names each user by its sub, as Cognito does.
        user = CognitoIdpUser(pool_id, None, None, "CONFIRMED", user_attributes(i))
        if i % 50 == 7:
            user.enabled = False
        if i % 11 == 3:
            user.sms_mfa_enabled = True
            user.preferred_mfa_setting = "SMS_MFA"
        add(user, "users", *(["admins"] if i % 10 == 0 else []), *(["beta"] if i % 7 == 0 else []))
    identities = [{"userId": "110169484474386276334", "providerName": "Google", "providerType": "Google"}]
    federated = CognitoIdpUser(
        pool_id,
        "google_110169484474386276334",
        None,
        "EXTERNAL_PROVIDER",
        [{"Name": "identities", "Value": json.dumps(identities)}],
    )
    add(federated)
    client.create_user_pool_client(UserPoolId=pool_id, ClientName="web", GenerateSecret=False)
    service = client.create_user_pool_client(UserPoolId=pool_id, ClientName="service", GenerateSecret=True)
    backend.user_pools[pool_id].clients[service["UserPoolClient"]["ClientId"]].secret = CLIENT_SECRET_MARKER
    client.create_identity_provider(
        UserPoolId=pool_id,
        ProviderName="Google",
        ProviderType="Google",
        ProviderDetails={"client_id": "id", "client_secret": CLIENT_SECRET_MARKER, "authorize_scopes": "email"},
    )


@contextmanager
def moto_pool(users: int) -> Iterator[MotoPool]:
    """A pool with `users` native users plus one federated user, in a moto mock of its own."""
    with pytest.MonkeyPatch.context() as patch, mock_aws():
        aws_env(patch)
        client = boto3.client("cognito-idp", region_name=REGION)
        pool_id = client.create_user_pool(PoolName="source", UsernameAttributes=["email"], MfaConfiguration="OPTIONAL")[
            "UserPool"
        ]["Id"]
        populate(client, pool_id, users)
        yield MotoPool(client, pool_id, users + 1)


def moto_memberships(pool: MotoPool) -> set[tuple[str, str]]:
    """(group, user name) pairs as moto holds them."""
    backend = cognitoidp_backends[ACCOUNT][REGION]
    groups = backend.user_pools[pool.pool_id].groups.values()
    return {(group.group_name, user.username) for group in groups for user in group.users}


def assert_same_as_moto(path: Path, pool: MotoPool, *, mfa: bool = True) -> None:
    """The backup at `path` holds every user and membership moto holds, field by field, each once."""
    held = {user.id: user for user in cognitoidp_backends[ACCOUNT][REGION].user_pools[pool.pool_id].users.values()}
    records = [json.loads(line) for line in (path / "users.jsonl").read_text(encoding="utf-8").splitlines()]
    subs = [r["sub"] for r in records]
    assert len(subs) == len(set(subs)), "duplicate users in the backup"
    assert set(subs) == set(held), "users lost or invented"
    for record in records:
        user = held[record["sub"]]
        assert record["username"] == user.username
        assert record["attributes"] == {a["Name"]: a["Value"] for a in user.attributes}
        assert record["status"] == user.status
        assert record["enabled"] == user.enabled
        # The API carries dates as epoch seconds with milliseconds; moto holds naive UTC datetimes.
        for key, held_date in (("created", user.create_date), ("modified", user.last_modified_date)):
            exported = datetime.fromisoformat(record[key])
            assert abs(exported - held_date.replace(tzinfo=UTC)) < timedelta(milliseconds=1), key
        if user.status == "EXTERNAL_PROVIDER":
            assert record["mfa"] is None
            assert record["identities"] == json.loads(record["attributes"]["identities"])
        elif mfa:
            enabled = ["SMS_MFA"] if user.sms_mfa_enabled else []
            assert record["mfa"] == {"preferred": user.preferred_mfa_setting or "", "enabled": enabled}
    members = [json.loads(line) for line in (path / "memberships.jsonl").read_text(encoding="utf-8").splitlines()]
    pairs = [(m["group"], m["username"]) for m in members]
    assert len(pairs) == len(set(pairs)), "duplicate memberships"
    assert set(pairs) == moto_memberships(pool)
