"""What the API function may do with the identity stack's data, owned by that stack.

A customer-managed policy next to the bucket and the pool: the API stack only attaches it, so the
grant is reviewed where the data lives and names the resources directly.
"""

from __future__ import annotations

from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks import names
from stacks.nag import acknowledge


class ApiDataAccess(Construct):
    """Objects under private/ only (the handler narrows to the caller's prefix), and ListUsers."""

    def __init__(
        self, scope: Construct, construct_id: str, *, bucket: s3.IBucket, user_pool: cognito.IUserPool
    ) -> None:
        super().__init__(scope, construct_id)
        private = f"{names.PRIVATE_PREFIX}*"
        self.policy = iam.ManagedPolicy(
            self,
            "Policy",
            description="API function: user objects under private/ and ListUsers on this pool",
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
