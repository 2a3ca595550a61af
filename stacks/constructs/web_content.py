"""Publishes the built browser app (web/dist) and its `config.json` into the hosting bucket (web.enabled).

`config.json` holds the stack's real values, written at deploy time (`Source.json_data` resolves CloudFormation
tokens in the deployment's custom resource), so one build of the app serves every profile. The
Content-Security-Policy travels with the files as user metadata (`x-amz-meta-csp`) for the viewer-response
function (web_hosting.py, decision 20).

`make deploy` builds the app first (`make web`). A synth without a build (a fresh clone's `make synth`) packages
web/placeholder instead, a page that says so, and warns: the template is the same, only the asset differs.

Two deployments: the hashed assets, cached for a year, then `index.html` and `config.json`, revalidated on every
load; the second runs after the first, so a new page never names an asset that is not uploaded yet.
"""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from stacks.config import AppConfig
from stacks.constructs.lambda_defaults import log_retention
from stacks.nag import acknowledge
from stacks.web_client import CSP_METADATA_KEY, ClientConfig

REPO = Path(__file__).resolve().parents[2]
WEB_BUILD = REPO / "web" / "dist"
WEB_PLACEHOLDER = REPO / "web" / "placeholder"
_PAGES = ("index.html", "config.json")


def web_build() -> Path:
    """The built app, or the placeholder page when it is not built."""
    return WEB_BUILD if (WEB_BUILD / "index.html").is_file() else WEB_PLACEHOLDER


class WebContent(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: AppConfig,
        bucket: s3.IBucket,
        distribution: cloudfront.IDistribution,
        client_config: ClientConfig,
        csp: str,
    ) -> None:
        super().__init__(scope, construct_id)
        build = web_build()
        if build == WEB_PLACEHOLDER:
            cdk.Annotations.of(self).add_warning_v2(
                "web:not-built", "web/dist is not built: this synth packages a placeholder page (`make web` builds it)"
            )
        log_group = logs.LogGroup(
            self,
            "DeployLogs",
            retention=log_retention(config.log_retention_days),
            removal_policy=cdk.RemovalPolicy.RETAIN if config.retain else cdk.RemovalPolicy.DESTROY,
        )
        common = {
            "destination_bucket": bucket,
            "metadata": {CSP_METADATA_KEY: csp},
            "log_group": log_group,
            "memory_limit": 256,
        }
        assets = s3deploy.BucketDeployment(
            self,
            "Assets",
            sources=[s3deploy.Source.asset(str(build), exclude=list(_PAGES))],
            prune=True,
            exclude=list(_PAGES),  # not pruned: the second deployment owns them
            cache_control=[s3deploy.CacheControl.from_string("public, max-age=31536000, immutable")],
            **common,  # type: ignore[arg-type]
        )
        pages = s3deploy.BucketDeployment(
            self,
            "Pages",
            sources=[
                s3deploy.Source.asset(str(build), exclude=["*", "!index.html"]),
                s3deploy.Source.json_data("config.json", client_config.document()),
            ],
            prune=False,
            cache_control=[s3deploy.CacheControl.no_cache()],
            distribution=distribution,
            distribution_paths=["/*"],
            **common,  # type: ignore[arg-type]
        )
        pages.node.add_dependency(assets)
        self._acknowledge(bucket)

    def _acknowledge(self, bucket: s3.IBucket) -> None:
        """The deployments' function is CDK's own (one singleton for both): what cdk-nag finds in it, and why."""
        stack = cdk.Stack.of(self)
        handler = next(
            child for child in stack.node.children if child.node.id.startswith("Custom::CDKBucketDeployment")
        )
        role = handler.node.find_child("ServiceRole")
        acknowledge(
            role,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
            "CDK's BucketDeployment function role; the managed policy only lets it write its own logs.",
        )
        # The hosting bucket's objects, as cdk-nag names them: through the auth stack's output that CDK generates
        # for the bucket's ARN (its name derives from the bucket's pinned construct path).
        hosting_bucket = json.dumps(
            {"Fn::GetStackOutput": {"StackName": cdk.Stack.of(bucket).stack_name, "Region": {"Ref": "AWS::Region"},
                                    "OutputName": "PublishOutputFnGetAttWebBucketArnA35F30D7"}},
            separators=(",", ":"),
        )  # fmt: skip
        for finding in (
            "Action::s3:GetObject*",
            "Action::s3:GetBucket*",
            "Action::s3:List*",
            "Action::s3:DeleteObject*",
            "Action::s3:Abort*",
            "Resource::*",
            "Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*",
            f"Resource::{hosting_bucket}/*",
        ):
            acknowledge(
                role.node.find_child("DefaultPolicy"),
                f"AwsSolutions-IAM5[{finding}]",
                "CDK's BucketDeployment grants: read its asset objects, write and prune the hosting bucket, and "
                "create CloudFront invalidations (CreateInvalidation has no resource-level permissions).",
            )
        for rule, reason in (
            ("AwsSolutions-L1", "CDK's BucketDeployment pins its own Python runtime together with its handler."),
            ("Serverless-LambdaDLQ", "A CloudFormation custom resource: invoked synchronously, it reports failures."),
            ("Serverless-LambdaTracing", "A deploy-time helper of CDK, not part of any request path to trace."),
            ("Serverless-LambdaDefaultMemorySize", "Memory is set explicitly for the copy (memory_limit=256)."),
            ("Serverless-LambdaLatestVersion", "CDK's BucketDeployment pins its own Python runtime."),
        ):
            acknowledge(handler, rule, reason)
