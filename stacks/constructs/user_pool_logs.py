"""Cognito's own logs, exported to CloudWatch Logs with retention (Cognito Developer Guide,
"Exporting logs from Amazon Cognito user pools"; `AWS::Cognito::LogDeliveryConfiguration`):

- `userNotification` at ERROR: SES and SNS message-delivery errors (a verification code that never
  left), on every feature plan.
- `userAuthEvents` at INFO: sign-in activity with threat-protection risk assessments. Cognito writes
  these only while threat protection is active, which needs the PLUS plan, so they are exported then.

Delivery goes through CloudWatch Logs' vended-log delivery; the resource policy it needs is
stacks/constructs/log_delivery.py.
"""

from __future__ import annotations

from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.config import AppConfig
from stacks.constructs.lambda_defaults import log_retention
from stacks.constructs.log_delivery import plain_log_group_arn
from stacks.constructs.user_pool import removal_policy


class UserPoolLogs(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: AppConfig, user_pool: cognito.IUserPool) -> None:
        super().__init__(scope, construct_id)
        self.log_groups: list[logs.ILogGroup] = []
        configurations = [self._export(config, "MessageDelivery", "userNotification", "ERROR")]
        if config.threat_protection != "OFF":
            configurations.append(self._export(config, "AuthEvents", "userAuthEvents", "INFO"))
        self.delivery = cognito.CfnLogDeliveryConfiguration(
            self, "Delivery", user_pool_id=user_pool.user_pool_id, log_configurations=configurations
        )

    def _export(
        self, config: AppConfig, construct_id: str, event_source: str, level: str
    ) -> cognito.CfnLogDeliveryConfiguration.LogConfigurationProperty:
        group = logs.LogGroup(
            self,
            construct_id,
            retention=log_retention(config.log_retention_days),
            removal_policy=removal_policy(config),
        )
        self.log_groups.append(group)
        return cognito.CfnLogDeliveryConfiguration.LogConfigurationProperty(
            event_source=event_source,
            log_level=level,
            cloud_watch_logs_configuration=cognito.CfnLogDeliveryConfiguration.CloudWatchLogsConfigurationProperty(
                log_group_arn=plain_log_group_arn(self, group.log_group_name)
            ),
        )
