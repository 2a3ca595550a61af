"""Identity pool, its IAM roles and the ABAC key for per-user storage.

Users sign in to the user pool; the identity pool exchanges their ID token for temporary AWS
credentials. The token's `sub` becomes the session tag `sub` (`AWS::Cognito::IdentityPoolPrincipalTag`),
and every storage policy is written against `${aws:PrincipalTag/sub}`, so direct S3 access, the API
and the triggers agree on one key per user: `private/<user-pool sub>/` in the data bucket, and the
partition `<user-pool sub>` in the records table. See docs/decisions/0001.

DynamoDB: `dynamodb:LeadingKeys` is the set of partition keys a request touches (every key of a batch),
compared with `ForAllValues:StringEquals` so that each one must be the caller's `sub`. `ForAllValues` is
also true when the key is absent from the request, so a `Null` guard requires both the key and the tag
(IAM User Guide, "Single-valued vs. multivalued condition keys"; DynamoDB Developer Guide, "Using IAM
policy conditions for fine-grained access control"). Scan and PartiQL are never granted: Scan has no
`dynamodb:LeadingKeys` (Service Authorization Reference, "Actions, resources, and condition keys for
Amazon DynamoDB"), and the app needs no PartiQL.

L1 resources are used on purpose: the L2 cannot add principal tags or `sts:TagSession`, and always
creates an unauthenticated role.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks import names
from stacks.config import AppConfig
from stacks.constructs.groups import group_logical_id
from stacks.nag import acknowledge

_COGNITO_IDENTITY = "cognito-identity.amazonaws.com"
_SUB = f"${{aws:PrincipalTag/{names.SUB_TAG}}}"


def _trust(identity_pool: cognito.CfnIdentityPool, amr: str) -> iam.IPrincipal:
    """Only this identity pool, only `amr`-authenticated (or unauthenticated) identities, with session tags."""
    return iam.SessionTagsPrincipal(
        iam.FederatedPrincipal(
            _COGNITO_IDENTITY,
            conditions={
                "StringEquals": {f"{_COGNITO_IDENTITY}:aud": identity_pool.ref},
                "ForAnyValue:StringLike": {f"{_COGNITO_IDENTITY}:amr": amr},
            },
            assume_role_action="sts:AssumeRoleWithWebIdentity",
        )
    )


def own_files_statements(bucket: s3.IBucket) -> list[iam.PolicyStatement]:
    """Read, write and list only under `private/<own sub>/`; nothing without the `sub` tag."""
    has_sub = {"Null": {f"aws:PrincipalTag/{names.SUB_TAG}": "false"}}
    own_prefix = f"{names.PRIVATE_PREFIX}{_SUB}/"
    return [
        iam.PolicyStatement(
            sid="OwnObjects",
            # Multipart: abort and list parts, so a client can resume or clean up its own uploads.
            actions=[
                "s3:GetObject",
                "s3:PutObject",
                "s3:DeleteObject",
                "s3:AbortMultipartUpload",
                "s3:ListMultipartUploadParts",
            ],
            resources=[bucket.arn_for_objects(f"{own_prefix}*")],
            conditions=has_sub,
        ),
        iam.PolicyStatement(
            sid="ListOwnPrefix",
            actions=["s3:ListBucket"],
            resources=[bucket.bucket_arn],
            conditions={**has_sub, "StringLike": {"s3:prefix": [own_prefix, f"{own_prefix}*"]}},
        ),
    ]


# Item actions of the caller's own partition; BatchGetItem and BatchWriteItem carry every key they touch in
# dynamodb:LeadingKeys, so ForAllValues constrains them exactly as the single-item actions.
OWN_RECORD_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:Query",
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
)
READ_ALL_RECORD_ACTIONS = ("dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem")


def own_records_statements(table: dynamodb.ITable) -> list[iam.PolicyStatement]:
    """Items of the partition `<own sub>` only; nothing without the `sub` tag or without partition keys."""
    return [
        iam.PolicyStatement(
            sid="OwnRecords",
            actions=list(OWN_RECORD_ACTIONS),
            resources=[table.table_arn],
            conditions={
                "ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [_SUB]},
                "Null": {f"aws:PrincipalTag/{names.SUB_TAG}": "false", "dynamodb:LeadingKeys": "false"},
            },
        )
    ]


def _grant_public_read(role: iam.Role, bucket: s3.IBucket) -> None:
    role.add_to_policy(
        iam.PolicyStatement(
            sid="PublicRead", actions=["s3:GetObject"], resources=[bucket.arn_for_objects(f"{names.PUBLIC_PREFIX}*")]
        )
    )
    acknowledge(
        role.node.find_child("DefaultPolicy"),
        f"AwsSolutions-IAM5[Resource::<{names.DATA_BUCKET}.Arn>/public/*]",
        "Config grants reading any object under public/ (shared, non-personal files).",
    )


class IdentityPool(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: AppConfig,
        user_pool: cognito.UserPool,
        clients: dict[str, cognito.UserPoolClient],
        bucket: s3.IBucket,
        table: dynamodb.ITable,
    ) -> None:
        super().__init__(scope, construct_id)
        retain = cdk.RemovalPolicy.RETAIN if config.retain else cdk.RemovalPolicy.DESTROY
        provider_name = user_pool.user_pool_provider_name
        self.identity_pool = cognito.CfnIdentityPool(
            self,
            "Resource",
            identity_pool_name=config.prefix.replace("-", "_"),
            allow_classic_flow=False,
            allow_unauthenticated_identities=config.identity.allow_guests,
            cognito_identity_providers=[
                cognito.CfnIdentityPool.CognitoIdentityProviderProperty(
                    client_id=client.user_pool_client_id, provider_name=provider_name, server_side_token_check=True
                )
                for client in clients.values()
            ],
        )
        self.identity_pool.apply_removal_policy(retain)
        if config.identity.allow_guests:
            acknowledge(
                self.identity_pool,
                "AwsSolutions-COG7",
                "Config enables guests; the guest role gets only what config grants (at most public/ reads).",
            )
        self.identity_pool.override_logical_id(names.IDENTITY_POOL)

        # The user-pool `sub` (immutable, assigned by Cognito) is the only session tag.
        principal_tag = cognito.CfnIdentityPoolPrincipalTag(
            self,
            "PrincipalTags",
            identity_pool_id=self.identity_pool.ref,
            identity_provider_name=provider_name,
            principal_tags={names.SUB_TAG: "sub"},
            use_defaults=False,
        )
        principal_tag.override_logical_id("IdentityPoolPrincipalTag")

        own_files = iam.ManagedPolicy(
            self,
            "OwnFilesPolicy",
            description="Objects under private/<own sub>/ only",
            statements=own_files_statements(bucket),
        )
        acknowledge(
            own_files,
            f"AwsSolutions-IAM5[Resource::<{names.DATA_BUCKET}.Arn>/private/<aws:PrincipalTag/sub>/*]",
            "Any object key under the caller's own prefix; the prefix is the caller's user-pool sub.",
        )
        own_records = iam.ManagedPolicy(
            self,
            "OwnRecordsPolicy",
            description="Items of the partition <own sub> of the records table only",
            statements=own_records_statements(table),
        )
        self.authenticated_role = iam.Role(
            self,
            "AuthenticatedRole",
            description="Identity-pool role of signed-in users without a group role",
            assumed_by=_trust(self.identity_pool, "authenticated"),
            managed_policies=[own_files, own_records],
        )
        if config.storage.authenticated_public_read:
            _grant_public_read(self.authenticated_role, bucket)

        self.group_roles: dict[str, iam.Role] = {}
        for group in config.groups:
            role = iam.Role(
                self,
                f"{group_logical_id(group.name)}Role",
                description=f"Identity-pool role of group {group.name}",
                assumed_by=_trust(self.identity_pool, "authenticated"),
                managed_policies=[own_files, own_records],
            )
            if group.read_all_records:
                role.add_to_policy(
                    iam.PolicyStatement(
                        sid="ReadAllRecords", actions=list(READ_ALL_RECORD_ACTIONS), resources=[table.table_arn]
                    )
                )
            if group.read_all_private:
                acknowledge(
                    role,
                    f"AwsSolutions-IAM5[Resource::<{names.DATA_BUCKET}.Arn>/private/*]",
                    f"Config grants group {group.name} read access to every user's files.",
                )
                role.add_to_policy(
                    iam.PolicyStatement(
                        sid="ReadAllPrivate",
                        actions=["s3:GetObject"],
                        resources=[bucket.arn_for_objects(f"{names.PRIVATE_PREFIX}*")],
                    )
                )
                role.add_to_policy(
                    iam.PolicyStatement(
                        sid="ListAllPrivate",
                        actions=["s3:ListBucket"],
                        resources=[bucket.bucket_arn],
                        conditions={"StringLike": {"s3:prefix": [f"{names.PRIVATE_PREFIX}*"]}},
                    )
                )
            if config.storage.authenticated_public_read:
                _grant_public_read(role, bucket)
            self.group_roles[group.name] = role

        roles: dict[str, str] = {"authenticated": self.authenticated_role.role_arn}
        self.guest_role: iam.Role | None = None
        if config.identity.allow_guests:
            self.guest_role = iam.Role(
                self,
                "GuestRole",
                description="Identity-pool role of guests: nothing beyond what config grants",
                assumed_by=_trust(self.identity_pool, "unauthenticated"),
            )
            if config.identity.guest_public_read:
                _grant_public_read(self.guest_role, bucket)
            roles["unauthenticated"] = self.guest_role.role_arn

        attachment = cognito.CfnIdentityPoolRoleAttachment(
            self,
            "RoleAttachment",
            identity_pool_id=self.identity_pool.ref,
            roles=roles,
            # Token-based mapping: the group with the lowest precedence sets cognito:preferred_role.
            # No group role in the token -> the authenticated role, which is the least privileged
            # (see docs/decisions/0002-role-mapping.md).
            role_mappings={
                kind: cognito.CfnIdentityPoolRoleAttachment.RoleMappingProperty(
                    type="Token",
                    ambiguous_role_resolution="AuthenticatedRole",
                    identity_provider=cdk.Fn.join(":", [provider_name, client.user_pool_client_id]),
                )
                for kind, client in clients.items()
            },
        )
        attachment.apply_removal_policy(retain)
        attachment.override_logical_id("IdentityPoolRoleAttachment")
