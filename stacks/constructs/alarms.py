"""The alarm topic: encrypted, TLS-only, with an optional e-mail subscription. Every alarm of the app
(stacks/constructs/monitoring.py) notifies it.

A topic policy replaces SNS's default one, so it must itself allow CloudWatch to publish, or every
alarm goes to ALARM and notifies nobody (aws-solutions/automated-security-response-on-aws issue 43).
How CloudWatch alarms publish to an encrypted topic, and the conditions used here:
- Topic policy: `sns:Publish` for `cloudwatch.amazonaws.com`, scoped with `aws:SourceArn` to the
  alarm ARN (AWS re:Post "Why didn't I receive an SNS notification for my CloudWatch alarm
  trigger?", which also quotes the alarm ARN CloudWatch publishes as:
  `arn:aws:cloudwatch:<region>:<account>:alarm:<name>`), plus `aws:SourceAccount` (IAM User Guide,
  "The confused deputy problem").
- Key policy: CloudWatch itself needs `kms:GenerateDataKey*` and `kms:Decrypt` on a customer-managed
  key (SNS Developer Guide, "Enable compatibility between event sources from AWS services and
  encrypted topics"; the AWS-managed SNS key cannot be granted, aws-cdk issue 11121). The grant
  carries the same two conditions.
tests/infra/test_alarm_delivery.py evaluates both policies with the IAM simulator, and
`make e2e` sets one alarm to ALARM and waits for its message (tests/e2e/test_e2e.py).
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from stacks import names
from stacks.config import AppConfig
from stacks.nag import acknowledge

CLOUDWATCH = "cloudwatch.amazonaws.com"


def alarm_source_conditions(scope: Construct, prefix: str) -> dict[str, Any]:
    """Only this account's alarms named like this app's (`<prefix>-...`) in this region."""
    alarms = cdk.Stack.of(scope).format_arn(
        service="cloudwatch",
        resource="alarm",
        resource_name=f"{names.alarm_name_prefix(prefix)}*",
        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
    )
    return {"StringEquals": {"aws:SourceAccount": cdk.Aws.ACCOUNT_ID}, "ArnLike": {"aws:SourceArn": alarms}}


class AlarmTopic(Construct):
    """SNS topic every alarm of the app notifies."""

    def __init__(self, scope: Construct, construct_id: str, *, config: AppConfig) -> None:
        super().__init__(scope, construct_id)
        conditions = alarm_source_conditions(self, config.prefix)
        self.key = kms.Key(
            self,
            "Key",
            description=f"{config.prefix} alarm topic encryption",
            enable_key_rotation=True,
            removal_policy=cdk.RemovalPolicy.DESTROY if not config.retain else cdk.RemovalPolicy.RETAIN,
        )
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowThisAppsAlarmsToUseTheKey",
                principals=[iam.ServicePrincipal(CLOUDWATCH)],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],  # in a key policy, "*" is this key
                conditions=conditions,
            )
        )
        self.topic = sns.Topic(
            self, "Topic", display_name=f"{config.prefix} alarms", master_key=self.key, enforce_ssl=True
        )
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowThisAppsAlarmsToPublish",
                principals=[iam.ServicePrincipal(CLOUDWATCH)],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions=conditions,
            )
        )
        if config.alarm_email:
            subscription = self.topic.add_subscription(subscriptions.EmailSubscription(config.alarm_email))
            acknowledge(
                subscription,
                "Serverless-SNSRedrivePolicy",
                "Alarm e-mails only; a missed e-mail loses nothing: alarm state and history stay in CloudWatch.",
            )
