"""The end-to-end alarm delivery check: one of the app's alarms is set to ALARM, and its notification must
arrive through the alarm topic. A temporary SQS queue subscribed to the topic receives it; the queue and the
subscription are removed afterwards, and the alarm is set back to OK, whatever happens.

The same functions run against the deployed stack (`make e2e`) and against moto (`make test`); moto runs no
alarm actions, so there a stand-in publishes what CloudWatch would (wiring only).
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from stacks.names import Outputs

STATE_REASON = "make e2e: alarm delivery check (a test, not an incident)"


def alarm_topic_arn(outputs_file: Path) -> str:
    """The `AlarmTopicArn` output of the auth stack in a `make deploy` outputs file."""
    stacks = json.loads(outputs_file.read_text(encoding="utf-8"))
    (arn,) = [values[Outputs.ALARM_TOPIC_ARN] for values in stacks.values() if Outputs.ALARM_TOPIC_ARN in values]
    return str(arn)


def app_alarm(cloudwatch: Any, topic_arn: str) -> str:
    """The first (by name) of the alarms whose action is the alarm topic."""
    names = [
        alarm["AlarmName"]
        for page in cloudwatch.get_paginator("describe_alarms").paginate(
            ActionPrefix=topic_arn, AlarmTypes=["MetricAlarm"]
        )
        for alarm in page["MetricAlarms"]
    ]
    assert names, f"no alarm notifies {topic_arn}"
    return min(names)


@dataclass(frozen=True)
class Subscription:
    queue_url: str
    queue_arn: str
    subscription_arn: str


@contextmanager
def temporary_subscription(session: boto3.Session, topic_arn: str) -> Iterator[Subscription]:
    """An SQS queue (SQS-managed encryption) subscribed to the topic; both deleted afterwards."""
    sqs, sns = session.client("sqs"), session.client("sns")
    queue_url = sqs.create_queue(
        QueueName=f"e2e-alarm-delivery-{secrets.token_hex(4)}",
        Attributes={"SqsManagedSseEnabled": "true", "MessageRetentionPeriod": "900"},
    )["QueueUrl"]
    try:
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        # Only this topic may send to the queue (SNS Developer Guide, "Fanout to Amazon SQS queues").
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "sns.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": queue_arn,
                    "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}},
                }
            ],
        }
        sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": json.dumps(policy)})
        subscription_arn = sns.subscribe(
            TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn, ReturnSubscriptionArn=True
        )["SubscriptionArn"]
        try:
            yield Subscription(queue_url, queue_arn, subscription_arn)
        finally:
            sns.unsubscribe(SubscriptionArn=subscription_arn)
    finally:
        sqs.delete_queue(QueueUrl=queue_url)


def alarm_message(body: str) -> dict[str, Any]:
    """The alarm notification inside an SNS-to-SQS message (the SNS envelope's `Message`, itself JSON)."""
    message: dict[str, Any] = json.loads(json.loads(body)["Message"])
    return message


def wait_for_alarm(sqs: Any, queue_url: str, alarm_name: str, state: str, timeout: float) -> dict[str, Any]:
    """The first notification of `alarm_name` entering `state`; AssertionError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    seen: list[str] = []
    while time.monotonic() < deadline:
        wait = max(1, min(20, int(deadline - time.monotonic())))
        for message in sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=wait, MaxNumberOfMessages=10).get(
            "Messages", []
        ):
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            notification = alarm_message(message["Body"])
            seen.append(f"{notification.get('AlarmName')}={notification.get('NewStateValue')}")
            if (notification.get("AlarmName"), notification.get("NewStateValue")) == (alarm_name, state):
                return notification
    raise AssertionError(f"no {state} notification of {alarm_name} within {timeout:.0f} s (received: {seen})")


def check_alarm_delivery(
    session: boto3.Session,
    topic_arn: str,
    *,
    timeout: float,
    stand_in: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Set one of the app's alarms to ALARM and return its notification as received from the topic.

    `stand_in(alarm_name)` runs after the state change: the offline run publishes there what CloudWatch
    would; against AWS it is None and CloudWatch itself must deliver, through the topic and key policies.
    """
    cloudwatch = session.client("cloudwatch")
    alarm_name = app_alarm(cloudwatch, topic_arn)
    with temporary_subscription(session, topic_arn) as subscription:
        try:
            cloudwatch.set_alarm_state(AlarmName=alarm_name, StateValue="ALARM", StateReason=STATE_REASON)
            if stand_in is not None:
                stand_in(alarm_name)
            return wait_for_alarm(session.client("sqs"), subscription.queue_url, alarm_name, "ALARM", timeout)
        finally:
            # Back to OK at once (the alarms notify on ALARM only, so this sends nothing); the next
            # evaluation sets the state the metric calls for.
            cloudwatch.set_alarm_state(AlarmName=alarm_name, StateValue="OK", StateReason=STATE_REASON)
