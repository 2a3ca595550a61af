"""User pool groups, each pointing at its identity-pool role.

Renaming a group deletes it and creates a new one: every membership is lost. The logical IDs are
pinned and guarded for that reason.
"""

from __future__ import annotations

import re

from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from constructs import Construct

from stacks.config import Group


def group_logical_id(name: str) -> str:
    return "Group" + "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", name) if part)


class Groups(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        user_pool: cognito.IUserPool,
        groups: list[Group],
        roles: dict[str, iam.Role],
    ) -> None:
        super().__init__(scope, construct_id)
        self.groups: dict[str, cognito.CfnUserPoolGroup] = {}
        for group in groups:
            cfn = cognito.CfnUserPoolGroup(
                self,
                group_logical_id(group.name),
                user_pool_id=user_pool.user_pool_id,
                group_name=group.name,
                precedence=group.precedence,
                description=group.description or None,
                role_arn=roles[group.name].role_arn,
            )
            cfn.override_logical_id(group_logical_id(group.name))
            self.groups[group.name] = cfn
