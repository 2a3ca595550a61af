"""Log groups that AWS services write to through CloudWatch Logs' vended-log delivery, and the
resource policy that lets them.

Cognito's log export and WAF logging deliver as `delivery.logs.amazonaws.com`, which needs
`logs:CreateLogStream` and `logs:PutLogEvents` on the group's streams. Without a policy that grants
it, AWS writes one itself at setup, and only when the deploying principal may call
`logs:PutResourcePolicy` (CloudWatch Logs User Guide, "Logs sent to CloudWatch Logs"). Declaring it
here makes delivery independent of the deploying role and keeps the confused-deputy conditions that
guide gives (`aws:SourceAccount`, and `aws:SourceArn` = `arn:aws:logs:<region>:<account>:*`) under
review with the rest of the stack (tests/infra/test_log_delivery.py evaluates it with the IAM
simulator).

CloudFormation's `AWS::Logs::ResourcePolicy` is account-wide: an account holds at most 10 per region
(CloudWatch Logs quotas), and this stack uses one.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct

LOG_DELIVERY = "delivery.logs.amazonaws.com"


def plain_log_group_arn(scope: Construct, log_group_name: str) -> str:
    """`arn:...:log-group:<name>`, without the `:*` that `LogGroup.log_group_arn` (Fn::GetAtt) ends in.

    Services that take a destination ARN (Cognito, WAF, API Gateway access logs) store and compare it
    in this form."""
    return cdk.Stack.of(scope).format_arn(
        service="logs", resource="log-group", resource_name=log_group_name, arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME
    )


class LogDeliveryPolicy(Construct):
    """Lets `delivery.logs.amazonaws.com` write to exactly these log groups, for this account only."""

    def __init__(self, scope: Construct, construct_id: str, *, log_groups: list[logs.ILogGroup]) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        self.policy = logs.ResourcePolicy(
            self,
            "Policy",
            resource_policy_name=f"{stack.stack_name}-log-delivery",
            policy_statements=[
                iam.PolicyStatement(
                    sid="AWSLogDeliveryWrite",
                    principals=[iam.ServicePrincipal(LOG_DELIVERY)],
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[
                        f"{plain_log_group_arn(self, group.log_group_name)}:log-stream:*" for group in log_groups
                    ],
                    conditions={
                        "StringEquals": {"aws:SourceAccount": stack.account},
                        "ArnLike": {
                            "aws:SourceArn": stack.format_arn(
                                service="logs", resource="*", arn_format=cdk.ArnFormat.NO_RESOURCE_NAME
                            )
                        },
                    },
                )
            ],
        )
