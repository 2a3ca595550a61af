"""Per-user records: one DynamoDB table, one partition per user-pool `sub`.

The partition key is the same `sub` that keys `private/<sub>/` in the data bucket, so identity-pool roles
isolate records with `dynamodb:LeadingKeys` = `${aws:PrincipalTag/sub}` exactly as they isolate files (see
identity_pool.py), and erasing an account erases one partition. The sort key is typed (`note#<id>`): other
kinds of record share the partition and leave with the account.

- On-demand capacity: no capacity to plan, nothing to throttle at launch.
- Point-in-time recovery with the configured recovery period (1-35 days, `records.recovery_period_days`).
- Encryption at rest with an AWS-owned key, DynamoDB's default. The data bucket uses S3's own keys too
  (SSE-S3), for the same reasons: identity-pool roles read and write the table directly, and a
  customer-managed key would need a grant for every one of them, a key policy to get right, and a key whose
  deletion makes every record unreadable, for no control this app uses (it has no per-tenant keys). The
  app's one customer-managed key encrypts the alarm topic, because CloudWatch cannot publish to a topic
  encrypted with an AWS-managed key (alarms.py). Switching to a customer-managed key later is an in-place
  update of the table.
- Deletion protection and Retain where the profile retains data; destroyable in dev.
- No fixed table name, like the buckets: CloudFormation names it from the stack and the pinned logical ID,
  so a table kept by an earlier `make destroy` never blocks a new deploy. Clients read the name from the
  stack output `RecordsTableName`.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from stacks import names
from stacks.config import AppConfig


class RecordsTable(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: AppConfig) -> None:
        super().__init__(scope, construct_id)
        self.table = dynamodb.Table(
            self,
            "Table",
            partition_key=dynamodb.Attribute(name=names.RECORD_PARTITION_KEY, type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name=names.RECORD_SORT_KEY, type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True, recovery_period_in_days=config.records.recovery_period_days
            ),
            encryption=dynamodb.TableEncryption.DEFAULT,
            deletion_protection=config.retain,
            removal_policy=cdk.RemovalPolicy.RETAIN if config.retain else cdk.RemovalPolicy.DESTROY,
        )
        cfn = self.table.node.default_child
        assert isinstance(cfn, dynamodb.CfnTable)
        cfn.override_logical_id(names.RECORDS_TABLE)
