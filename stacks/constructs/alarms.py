"""The alarm topic (encrypted, TLS-only, optional e-mail subscription) and per-function alarms."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
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
        self.action = actions.SnsAction(self.topic)

    def alarm(
        self, scope: Construct, construct_id: str, *, metric: cloudwatch.IMetric, description: str, threshold: float = 1
    ) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            scope,
            construct_id,
            metric=metric,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=description,
        )
        alarm.add_alarm_action(self.action)
        return alarm

    def function_alarms(self, scope: Construct, function: lambda_.IFunction, label: str) -> None:
        """Errors and throttles of one function, summed over 5 minutes."""
        period = cdk.Duration.minutes(5)
        self.alarm(
            scope,
            f"{label}Errors",
            metric=function.metric_errors(period=period, statistic="Sum"),
            description=f"{label}: invocation errors",
        )
        self.alarm(
            scope,
            f"{label}Throttles",
            metric=function.metric_throttles(period=period, statistic="Sum"),
            description=f"{label}: throttled invocations",
        )
