"""What the API's functions may do with the identity stack's data, owned by that stack.

Customer-managed policies next to the bucket, the table and the pools: the API stack only attaches them, so
the grants are reviewed where the data lives and name the resources directly.

- `policy` (the API function): user objects under private/, the records table and ListUsers. The handler
  narrows every request to the caller's own `private/<sub>/` and partition.
- `erasure` (the API function and the account-erasure worker): what account deletion needs beyond that
  (docs/decisions/0017-account-deletion.md): every object version and unfinished upload under private/, the
  items of a partition, the user's identity-pool identity, the user-pool user.

`cognito-identity:DeleteIdentities` acts on no resource type, so its Resource is "*", scoped to this identity
pool by the condition key `cognito-identity:IdentityPoolArn` (Service Authorization Reference, "Actions,
resources, and condition keys for Amazon Cognito Identity"). `s3:ListBucketMultipartUploads` has no
`s3:prefix` condition key (same reference, for Amazon S3): the function lists the bucket's unfinished uploads
with the user's prefix as a request parameter.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks import names
from stacks.nag import acknowledge

API_RECORD_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:Query",
)


class ApiDataAccess(Construct):
    """Objects under private/ and the records table (the handler narrows to the caller), ListUsers; erasure."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        bucket: s3.IBucket,
        table: dynamodb.ITable,
        user_pool: cognito.IUserPool,
        identity_pool_id: str,
    ) -> None:
        super().__init__(scope, construct_id)
        private = f"{names.PRIVATE_PREFIX}*"
        self.policy = iam.ManagedPolicy(
            self,
            "Policy",
            description="API function: user objects under private/, the records table, ListUsers on this pool",
            statements=[
                iam.PolicyStatement(
                    sid="UserObjects",
                    actions=["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                    resources=[bucket.arn_for_objects(private)],
                ),
                iam.PolicyStatement(
                    sid="ListUserPrefixes",
                    actions=["s3:ListBucket"],
                    resources=[bucket.bucket_arn],
                    conditions={"StringLike": {"s3:prefix": [private]}},
                ),
                iam.PolicyStatement(sid="UserRecords", actions=list(API_RECORD_ACTIONS), resources=[table.table_arn]),
                iam.PolicyStatement(
                    sid="ListUsers", actions=["cognito-idp:ListUsers"], resources=[user_pool.user_pool_arn]
                ),
            ],
        )
        acknowledge(
            self.policy,
            f"AwsSolutions-IAM5[Resource::<{names.DATA_BUCKET}.Arn>/private/*]",
            "The API serves every user's own prefix; the handler derives the prefix from the JWT's sub.",
        )
        identity_pool_arn = cdk.Stack.of(self).format_arn(
            service="cognito-identity", resource="identitypool", resource_name=identity_pool_id
        )
        self.erasure = iam.ManagedPolicy(
            self,
            "ErasurePolicy",
            description="Account erasure: object versions under private/, a partition's items, an identity, a user",
            statements=[
                iam.PolicyStatement(
                    sid="EraseObjectVersions",
                    actions=["s3:DeleteObjectVersion", "s3:AbortMultipartUpload"],
                    resources=[bucket.arn_for_objects(private)],
                ),
                iam.PolicyStatement(
                    sid="ListObjectVersions",
                    actions=["s3:ListBucketVersions"],
                    resources=[bucket.bucket_arn],
                    conditions={"StringLike": {"s3:prefix": [private]}},
                ),
                iam.PolicyStatement(
                    sid="ListUnfinishedUploads",
                    actions=["s3:ListBucketMultipartUploads"],
                    resources=[bucket.bucket_arn],
                ),
                iam.PolicyStatement(
                    sid="EraseRecords",
                    actions=["dynamodb:Query", "dynamodb:BatchWriteItem"],
                    resources=[table.table_arn],
                ),
                iam.PolicyStatement(
                    sid="DeleteIdentity",
                    actions=["cognito-identity:DeleteIdentities"],
                    resources=["*"],
                    conditions={"StringEquals": {"cognito-identity:IdentityPoolArn": identity_pool_arn}},
                ),
                iam.PolicyStatement(
                    sid="DeleteUser", actions=["cognito-idp:AdminDeleteUser"], resources=[user_pool.user_pool_arn]
                ),
            ],
        )
        acknowledge(
            self.erasure,
            f"AwsSolutions-IAM5[Resource::<{names.DATA_BUCKET}.Arn>/private/*]",
            "Erasure deletes every version under one user's private/<sub>/; the sub comes from the JWT or an admin.",
        )
        acknowledge(
            self.erasure,
            "AwsSolutions-IAM5[Resource::*]",
            "DeleteIdentities has no resource type; the IdentityPoolArn condition limits it to this identity pool.",
        )
