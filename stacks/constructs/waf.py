"""AWS WAF web ACL on the user pool: per-IP rate limit, Amazon's IP reputation list and known bad
inputs (exploit patterns such as Log4j JNDI lookups), with logs.

The log group's name must start with `aws-waf-logs-` (WAF Developer Guide, "Sending web ACL traffic
logs to an Amazon CloudWatch Logs log group"), so it cannot be left to CloudFormation. A fixed name
broke redeploys: production retains the group, so after `make destroy FORCE=1` the next deploy of
the profile failed with "already exists". The name therefore ends in the first block of the
stack's own ID, which is new for every stack instance (docs/decisions/0009).
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_logs as logs
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from stacks.config import AppConfig
from stacks.constructs.lambda_defaults import log_retention
from stacks.constructs.log_delivery import plain_log_group_arn

WAF_LOG_GROUP_PREFIX = "aws-waf-logs-"


def stack_instance_suffix() -> str:
    """The first block of the stack ID's UUID (`arn:...:stack/<name>/<uuid>`): 8 hex characters,
    fixed for the life of a stack, new when the stack is created again."""
    uuid = cdk.Fn.select(2, cdk.Fn.split("/", cdk.Aws.STACK_ID))
    return cdk.Fn.select(0, cdk.Fn.split("-", uuid))


def _visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
    )


def _aws_managed_rule(prefix: str, name: str, priority: int, group: str) -> wafv2.CfnWebACL.RuleProperty:
    """An AWS managed rule group, applied with the group's own actions."""
    return wafv2.CfnWebACL.RuleProperty(
        name=f"aws-{name}",
        priority=priority,
        override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
        statement=wafv2.CfnWebACL.StatementProperty(
            managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                vendor_name="AWS", name=group
            )
        ),
        visibility_config=_visibility(f"{prefix}-{name}"),
    )


class UserPoolWaf(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: AppConfig, user_pool: cognito.IUserPool) -> None:
        super().__init__(scope, construct_id)
        prefix = config.prefix
        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=_visibility(f"{prefix}-user-pool"),
            rules=[
                wafv2.CfnWebACL.RuleProperty(
                    name="rate-limit-per-ip",
                    priority=0,
                    action=wafv2.CfnWebACL.RuleActionProperty(block={}),
                    statement=wafv2.CfnWebACL.StatementProperty(
                        rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                            limit=config.waf.rate_limit_per_5_minutes, aggregate_key_type="IP"
                        )
                    ),
                    visibility_config=_visibility(f"{prefix}-rate-limit"),
                ),
                _aws_managed_rule(prefix, "ip-reputation", 1, "AWSManagedRulesAmazonIpReputationList"),
                _aws_managed_rule(prefix, "known-bad-inputs", 2, "AWSManagedRulesKnownBadInputsRuleSet"),
            ],
        )
        wafv2.CfnWebACLAssociation(
            self, "Association", resource_arn=user_pool.user_pool_arn, web_acl_arn=self.web_acl.attr_arn
        )
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=f"{WAF_LOG_GROUP_PREFIX}{prefix}-{stack_instance_suffix()}",
            retention=log_retention(config.log_retention_days),
            removal_policy=cdk.RemovalPolicy.RETAIN if config.retain else cdk.RemovalPolicy.DESTROY,
        )
        self.logging = wafv2.CfnLoggingConfiguration(
            self,
            "Logging",
            resource_arn=self.web_acl.attr_arn,
            # The plain log-group ARN: WAF rejects the ":*" form that LogGroup.log_group_arn returns.
            log_destination_configs=[plain_log_group_arn(self, self.log_group.log_group_name)],
        )
