"""Fixtures of the end-to-end suite: the deployed stack's outputs, operator clients, temporary users.

`make e2e` sets E2E_OUTPUTS=outputs/<profile>.json; without it (as in `make test`) the AWS-marked tests skip,
so a developer's `make test` never touches their account. test_e2e_moto.py overrides `outputs` and
`admin_session` with moto-backed ones and reuses the user fixtures unchanged.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from client.outputs import StackOutputs, load_outputs
from scripts.aws_env import AwsEnvError, resolve
from stacks.names import ADMIN_GROUP, USERS_GROUP
from tests.e2e.support import OUTPUTS_ENV, E2eUser, temporary_user


@pytest.fixture(scope="module")
def outputs() -> StackOutputs:
    path = os.environ.get(OUTPUTS_ENV)
    if not path:
        pytest.skip(f"{OUTPUTS_ENV} is not set: `make e2e ENV=<profile>` runs this against a deployed stack")
    return load_outputs(Path(path))


@pytest.fixture(scope="module")
def admin_session(outputs: StackOutputs) -> boto3.Session:
    """The operator's credentials (scripts/aws_env.py), for the admin APIs and the clean-up."""
    try:
        target = resolve(outputs.region, outputs.account)
    except AwsEnvError as error:
        pytest.skip(f"operator APIs (AdminCreateUser, clean-up): {error}")
    return target.session


@pytest.fixture(scope="module")
def admin_idp(admin_session: boto3.Session) -> Any:
    return admin_session.client("cognito-idp")


@pytest.fixture(scope="module")
def admin_s3(admin_session: boto3.Session) -> Any:
    return admin_session.client("s3")


@pytest.fixture(scope="module")
def admin_dynamodb(admin_session: boto3.Session) -> Any:
    return admin_session.client("dynamodb")


@pytest.fixture(scope="module")
def admin_identity(admin_session: boto3.Session) -> Any:
    return admin_session.client("cognito-identity")


@pytest.fixture(scope="module")
def alice(admin_idp: Any, admin_s3: Any, admin_dynamodb: Any, outputs: StackOutputs) -> Iterator[E2eUser]:
    """A signed-in member of the users group; deleted, with her objects and records, after the module."""
    with temporary_user(admin_idp, admin_s3, outputs, "user", (USERS_GROUP,), admin_dynamodb) as user:
        yield user


@pytest.fixture(scope="module")
def admin(admin_idp: Any, admin_s3: Any, admin_dynamodb: Any, outputs: StackOutputs) -> Iterator[E2eUser]:
    """A signed-in member of the users and admins groups; deleted, with its objects and records, after the module."""
    with temporary_user(admin_idp, admin_s3, outputs, "admin", (USERS_GROUP, ADMIN_GROUP), admin_dynamodb) as user:
        yield user
