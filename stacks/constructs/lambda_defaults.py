"""One place for how every function in this app is built.

ARM64, the newest Python runtime that both CDK and the AWS-managed Powertools layer support,
Powertools from that layer pinned to the version the tests use, Lambda's active X-Ray tracing (no tracing SDK in
the code, decision 14), an explicit log group with retention, explicit memory and timeout. Code is plain Python
from `lambdas/` (no Docker). Optionally SnapStart on published versions, served through an alias (decision 15).
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from stacks.config import LOG_RETENTION_DAYS
from stacks.nag import acknowledge

LAMBDAS_DIR = Path(__file__).resolve().parents[2] / "lambdas"
RUNTIME = lambda_.Runtime.PYTHON_3_14
ARCHITECTURE = lambda_.Architecture.ARM_64
# Keep equal to aws-lambda-powertools in requirements-dev.txt (a test checks it).
POWERTOOLS_VERSION = "3.37.0"
# Callers invoke this alias of the latest published version when SnapStart is on (SnapStart serves published
# versions only, never $LATEST).
LIVE_ALIAS = "live"
# Powertools publishes each layer version's ARN under this public SSM path; CloudFormation resolves
# it at deploy time, so synth stays offline and the layer is pinned to the exact library version.
POWERTOOLS_LAYER_PARAMETER = f"/aws/service/powertools/python/arm64/python3.14/{POWERTOOLS_VERSION}"
_ASSET_EXCLUDES = ["**/__pycache__", "**/*.pyc", "**/.mypy_cache"]


def log_retention(days: int) -> logs.RetentionDays:
    """The RetentionDays member for a number of days (the config model allows only valid ones)."""
    return _RETENTION_BY_DAYS[days]


_RETENTION_BY_DAYS = dict(
    zip(
        LOG_RETENTION_DAYS,
        [member for member in logs.RetentionDays if member is not logs.RetentionDays.INFINITE],
        strict=True,
    )
)


def powertools_layer(scope: Construct) -> lambda_.ILayerVersion:
    """The AWS-managed Powertools layer, one per stack."""
    stack = cdk.Stack.of(scope)
    existing = stack.node.try_find_child("PowertoolsLayer")
    if existing is not None:
        return cast(lambda_.ILayerVersion, existing)
    arn = ssm.StringParameter.value_for_string_parameter(stack, POWERTOOLS_LAYER_PARAMETER)
    return lambda_.LayerVersion.from_layer_version_arn(stack, "PowertoolsLayer", arn)


class PythonFunction(Construct):
    """A Lambda function from `lambdas/<package>/handler.py` with this project's defaults."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        package: str,
        description: str,
        service: str,
        metrics_namespace: str,
        environment: dict[str, str],
        timeout: cdk.Duration,
        memory_size: int,
        log_retention_days: int,
        removal_policy: cdk.RemovalPolicy,
        invocation: str = "Invoked synchronously (Cognito trigger or API Gateway)",
        snapstart: bool = False,
    ) -> None:
        super().__init__(scope, construct_id)
        self.log_group = logs.LogGroup(
            self, "Logs", retention=log_retention(log_retention_days), removal_policy=removal_policy
        )
        # An own role instead of AWSLambdaBasicExecutionRole: logs only to this function's log group.
        self.role = iam.Role(self, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"], resources=[self.log_group.log_group_arn]
            )
        )
        self.function = lambda_.Function(
            self,
            "Function",
            description=description,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=f"{package}.handler.lambda_handler",
            code=lambda_.Code.from_asset(str(LAMBDAS_DIR), exclude=_ASSET_EXCLUDES),
            layers=[powertools_layer(self)],
            timeout=timeout,
            memory_size=memory_size,
            tracing=lambda_.Tracing.ACTIVE,
            snap_start=lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS if snapstart else None,
            log_group=self.log_group,
            role=self.role,
            environment={
                "POWERTOOLS_SERVICE_NAME": service,
                "POWERTOOLS_METRICS_NAMESPACE": metrics_namespace,
                "POWERTOOLS_LOG_LEVEL": "INFO",
                **environment,
            },
        )
        # What API Gateway and Cognito invoke: the function itself, or with SnapStart the alias of its current version
        # (a new version is published whenever the code or configuration changes).
        self.target: lambda_.IFunction = (
            lambda_.Alias(self, "Live", alias_name=LIVE_ALIAS, version=self.function.current_version)
            if snapstart
            else self.function
        )
        acknowledge(
            self.role.node.find_child("DefaultPolicy"),
            "AwsSolutions-IAM5[Resource::*]",
            "X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions.",
        )
        acknowledge(
            self.function,
            "Serverless-LambdaDLQ",
            f"{invocation}; a DLQ only applies to asynchronous invocations.",
        )
