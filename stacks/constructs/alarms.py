"""The alarm topic: encrypted, TLS-only, with an optional e-mail subscription. Every alarm of the app
(stacks/constructs/monitoring.py) notifies it."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from stacks.config import AppConfig
from stacks.nag import acknowledge


class AlarmTopic(Construct):
    """SNS topic every alarm of the app notifies."""

    def __init__(self, scope: Construct, construct_id: str, *, config: AppConfig) -> None:
        super().__init__(scope, construct_id)
        # CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key, so the topic
        # gets its own key that allows CloudWatch to use it.
        self.key = kms.Key(
            self,
            "Key",
            description=f"{config.prefix} alarm topic encryption",
            enable_key_rotation=True,
            removal_policy=cdk.RemovalPolicy.DESTROY if not config.retain else cdk.RemovalPolicy.RETAIN,
        )
        self.key.grant(iam.ServicePrincipal("cloudwatch.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey*")
        self.topic = sns.Topic(
            self, "Topic", display_name=f"{config.prefix} alarms", master_key=self.key, enforce_ssl=True
        )
        if config.alarm_email:
            subscription = self.topic.add_subscription(subscriptions.EmailSubscription(config.alarm_email))
            acknowledge(
                subscription,
                "Serverless-SNSRedrivePolicy",
                "Alarm e-mails only; a missed e-mail loses nothing: alarm state and history stay in CloudWatch.",
            )
