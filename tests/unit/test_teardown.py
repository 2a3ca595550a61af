"""`make destroy` of a destroyable profile: buckets emptied so CloudFormation can delete them, and late
server access logs kept out of the emptied log bucket.

moto proves the wiring (which buckets, which order, the policy written, idempotence); it does not
evaluate bucket policies, so the IAM simulator proves that the added statement stops log delivery.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from scripts.aws_env import resolve
from scripts.teardown import STOP_LOG_DELIVERY_SID, empty_stack_buckets, stop_log_delivery
from tests.infra.iam_eval import ALLOWED, EXPLICIT, Env, Request, Stacks, Subject, evaluate
from tests.support import synth_profile

REGION = "eu-west-1"
STACK = "cognito-ref-dev-auth"


@pytest.fixture
def deployed() -> Iterator[dict[str, str]]:
    """A stack with a data bucket logging into an access-log bucket, both holding versions and markers."""
    with mock_aws():
        template = {
            "Resources": {
                "AccessLogBucket": {"Type": "AWS::S3::Bucket"},
                "DataBucket": {"Type": "AWS::S3::Bucket"},
            }
        }
        cloudformation = boto3.client("cloudformation", region_name=REGION)
        cloudformation.create_stack(StackName=STACK, TemplateBody=json.dumps(template))
        buckets = {
            item["LogicalResourceId"]: item["PhysicalResourceId"]
            for item in cloudformation.describe_stack_resources(StackName=STACK)["StackResources"]
        }
        s3 = boto3.client("s3", region_name=REGION)
        logs, data = buckets["AccessLogBucket"], buckets["DataBucket"]
        allow = {
            "Effect": "Allow",
            "Principal": {"Service": "logging.s3.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": f"arn:aws:s3:::{logs}/data-bucket/*",
        }
        s3.put_bucket_policy(Bucket=logs, Policy=json.dumps({"Version": "2012-10-17", "Statement": [allow]}))
        s3.put_bucket_logging(
            Bucket=data,
            BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": logs, "TargetPrefix": "data-bucket/"}},
        )
        for bucket in (logs, data):
            s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
            for body in (b"one", b"two"):
                s3.put_object(Bucket=bucket, Key="private/abc/file.txt", Body=body)
            s3.delete_object(Bucket=bucket, Key="private/abc/file.txt")  # a delete marker
        yield buckets


def versions(bucket: str) -> int:
    listing = boto3.client("s3", region_name=REGION).list_object_versions(Bucket=bucket)
    return len(listing.get("Versions", [])) + len(listing.get("DeleteMarkers", []))


def test_empty_stops_log_delivery_then_empties_data_before_logs(deployed: dict[str, str]) -> None:
    logs, data = deployed["AccessLogBucket"], deployed["DataBucket"]
    stopped, emptied_data, emptied_logs = empty_stack_buckets(resolve(REGION), STACK)
    assert stopped == f"stopped log delivery into s3://{logs}"
    assert emptied_data == f"emptied s3://{data} (3 object versions)"
    # moto delivers access-log records at once, so emptying the data bucket itself wrote some: the race
    # that makes the log bucket go last (on AWS they may arrive hours later, hence the Deny).
    assert re.fullmatch(rf"emptied s3://{logs} \((\d+) object versions\)", emptied_logs)
    assert int(emptied_logs.split("(")[1].split()[0]) > 3
    assert versions(logs) == 0  # (listing the data bucket would log again in moto)
    assert versions(data) == 0
    policy = json.loads(boto3.client("s3", region_name=REGION).get_bucket_policy(Bucket=logs)["Policy"])
    assert [statement.get("Sid") for statement in policy["Statement"]] == [None, STOP_LOG_DELIVERY_SID]
    # A second run (make destroy's retry) adds no statement and empties what arrived meanwhile.
    report = empty_stack_buckets(resolve(REGION), STACK)
    assert report[0] == f"emptied s3://{data} (0 object versions)"
    assert report[1].startswith(f"emptied s3://{logs} (")
    assert versions(logs) == 0


def test_empty_of_a_stack_that_is_not_deployed_says_so() -> None:
    with mock_aws():
        (line,) = empty_stack_buckets(resolve(REGION), STACK)
    assert line == f"{STACK}: Stack with id {STACK} does not exist (nothing to empty)"


class _PolicyStore:
    """Just enough of an S3 client for stop_log_delivery: one bucket's policy."""

    def __init__(self, policy: dict[str, Any]) -> None:
        self.policy = json.dumps(policy)

    def get_bucket_policy(self, Bucket: str) -> dict[str, str]:  # noqa: N803 - boto3's parameter name
        return {"Policy": self.policy}

    def put_bucket_policy(self, Bucket: str, Policy: str) -> None:  # noqa: N803
        self.policy = Policy


def test_the_added_statement_denies_log_delivery_and_keeps_the_rest_of_the_policy() -> None:
    # Given the synthesized dev access-log bucket policy, resolved for one account
    env = Env(physical_ids={"DataBucket": "data-bucket-test", "AccessLogBucket": "log-bucket-test"})
    policy = Stacks(synth_profile("dev").templates, env).bucket_policy("Auth", "AccessLogBucket")
    delivery = Request(
        "s3:PutObject",
        "arn:aws:s3:::log-bucket-test/data-bucket/2026-01-01-00-00-00-ABC",
        {"aws:SourceArn": "arn:aws:s3:::data-bucket-test", "aws:SourceAccount": env.account},
    )
    plain_http = Request("s3:GetObject", "arn:aws:s3:::log-bucket-test/x", {"aws:SecureTransport": "false"})
    operator = f"arn:aws:iam::{env.account}:role/operator"

    def decide(document: dict[str, Any]) -> list[str]:
        return [
            *evaluate(Subject("logging.s3.amazonaws.com", [], document, env.account), [delivery]),
            *evaluate(Subject(operator, [], document, env.account), [plain_http]),
        ]

    assert decide(policy) == [ALLOWED, EXPLICIT]  # the log service may deliver; plain HTTP is refused
    # When teardown stops log delivery
    store = _PolicyStore(policy)
    assert stop_log_delivery(store, "log-bucket-test", "aws")
    assert not stop_log_delivery(store, "log-bucket-test", "aws")  # idempotent
    # Then deliveries are explicitly denied, and the TLS-only statement still holds
    assert decide(json.loads(store.policy)) == [EXPLICIT, EXPLICIT]
