"""The asynchronous step of account deletion: a queue, its dead-letter queue and a worker function.

`DELETE /me` (and the admin route) erase inline as far as the API's time allows, then hand the rest to this
queue; the worker goes on from where the erasure stands (every step is idempotent and rediscovers what is
left) and queues a continuation of itself before its own time runs out. Once the user is deleted, one more
job waits until every credential issued before the deletion has expired and sweeps the user's prefix and
partition again (docs/decisions/0017-account-deletion.md).

- Lambda polls the queue and invokes the worker synchronously; a message whose processing fails returns
  after the visibility timeout, and after MAX_RECEIVES attempts moves to the dead-letter queue, whose depth
  alarms (monitoring.py). The visibility timeout is six times the function timeout (AWS Lambda Developer
  Guide, "Creating and configuring an Amazon SQS event source mapping").
- SQS delays a message by at most 15 minutes (DelaySeconds, Amazon SQS API Reference, SendMessage): the
  sweep waits in hops of at most that.
- Messages hold the user's `sub` and username (no e-mail), encrypted at rest with SQS-managed keys, only
  over TLS; the dead-letter queue keeps a failed job 14 days for an operator to replay.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from stacks.config import AppConfig
from stacks.constructs.lambda_defaults import PythonFunction
from stacks.nag import acknowledge

WORKER_TIMEOUT = cdk.Duration.minutes(2)
MAX_RECEIVES = 5
# Identity-pool credentials (enhanced flow) last one hour and cannot be extended (AWS re:Post, "How to increase
# expiration time of Cognito identity pool credentials"); after the user is deleted the identity pool issues no
# more (ServerSideTokenCheck, Amazon Cognito Identity API Reference, CognitoIdentityProvider).
IDENTITY_CREDENTIALS_SECONDS = 3600
SWEEP_MARGIN_SECONDS = 300


def sweep_delay_seconds(config: AppConfig, url_expires_seconds: int) -> int:
    """How long after the deletion every credential of the user has expired: an access token issued just before
    (plus a presigned upload it obtained) or identity-pool credentials, with a margin."""
    access = config.tokens.access_minutes * 60 + url_expires_seconds
    return max(access, IDENTITY_CREDENTIALS_SECONDS) + SWEEP_MARGIN_SECONDS


class AccountErasure(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: AppConfig,
        environment: dict[str, str],
        erasure_policy: iam.IManagedPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        removal = cdk.RemovalPolicy.RETAIN if config.retain else cdk.RemovalPolicy.DESTROY
        self.dead_letters = sqs.Queue(
            self,
            "DeadLetters",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=cdk.Duration.days(14),
        )
        acknowledge(
            self.dead_letters,
            "Serverless-SQSRedrivePolicy",
            "This is the dead-letter queue; an operator redrives its jobs to the source queue after a fix.",
        )
        self.queue = sqs.Queue(
            self,
            "Queue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            visibility_timeout=cdk.Duration.seconds(6 * WORKER_TIMEOUT.to_seconds()),
            retention_period=cdk.Duration.days(4),
            dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=MAX_RECEIVES, queue=self.dead_letters),
        )
        self.environment = {**environment, "ERASURE_QUEUE_URL": self.queue.queue_url}
        self.worker = PythonFunction(
            self,
            "Worker",
            package="account_erasure",
            description="Account erasure: continues what DELETE /me handed off, and the final sweep",
            service="account-erasure",
            metrics_namespace=f"{config.prefix}/api",
            environment=self.environment,
            timeout=WORKER_TIMEOUT,
            memory_size=512,
            log_retention_days=config.log_retention_days,
            removal_policy=removal,
            invocation="Polled from SQS and invoked synchronously (failed messages go to the dead-letter queue)",
        )
        self.worker.role.add_managed_policy(erasure_policy)
        self.queue.grant_send_messages(self.worker.role)
        source = event_sources.SqsEventSource(self.queue, batch_size=1, report_batch_item_failures=True)
        self.worker.function.add_event_source(source)
        # Lambda's on-failure destinations serve stream and Kafka sources; an SQS source's failed messages go to
        # the queue's own dead-letter queue (redrive policy above).
        acknowledge(
            self.worker.function.node.find_child(f"SqsEventSource:{cdk.Names.node_unique_id(self.queue.node)}"),
            "Serverless-LambdaEventSourceMappingDestination",
            "An SQS source's failed messages move to the queue's dead-letter queue after 5 receives.",
        )
