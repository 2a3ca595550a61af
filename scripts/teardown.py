"""`make destroy` helpers: what a profile keeps after `cdk destroy`, and emptying its buckets.

    python -m scripts.teardown plan    --profile dev   # lists retained resources (from cdk.out) and why
    python -m scripts.teardown retains --profile dev   # "yes" if the profile retains data, else "no"
    python -m scripts.teardown empty   --profile dev   # stops log delivery, deletes every object version

`empty` is only for profiles whose buckets are destroyed with the stack (removal: destroy): S3 cannot
delete a bucket that still holds objects, and this app ships no auto-delete custom resource.

Server access logs make that racy. S3 delivers them on a best-effort basis, most within a few hours
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerLogs.html#LogDeliveryBestEffort), and a
change to a bucket's logging configuration can take an hour to apply (PutBucketLogging,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketLogging.html). So records of requests made
before (including this emptying) can land in the log bucket after it was emptied, and CloudFormation then
fails to delete it. The log delivery service writes as `logging.s3.amazonaws.com`, allowed by the log
bucket's policy (https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html).
`empty` first adds an explicit Deny for that principal to every log bucket's policy: an explicit deny
overrides the allow, so from then on nothing can arrive, and once emptied the bucket stays empty. The
bucket and its policy are deleted by `cdk destroy` right after; `make destroy` empties and retries once
if a record that was already on its way still got in. tests/unit/test_teardown.py evaluates the policy
with the IAM simulator, before and after.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from scripts.aws_env import AwsEnvError, AwsTarget, resolve
from stacks import names
from stacks.config import ConfigError, load_config
from stacks.config import report as report_config_error

CDK_OUT = Path("cdk.out")
LOG_DELIVERY = "logging.s3.amazonaws.com"
STOP_LOG_DELIVERY_SID = "TeardownStopsLogDelivery"
# Why each kind of retained resource outlives the stack.
WHY_RETAINED = {
    "AWS::Cognito::UserPool": "every user account, password and MFA enrolment",
    "AWS::Cognito::IdentityPool": "every identity id (federated and direct S3 access)",
    "AWS::Cognito::IdentityPoolRoleAttachment": "the role mapping of the retained identity pool",
    "AWS::S3::Bucket": "the users' files (or the access logs)",
    "AWS::Logs::LogGroup": "logs kept for their retention period",
    "AWS::KMS::Key": "the key encrypting the alarm topic (deletion is scheduled, never immediate)",
    "AWS::IAM::Role": "the SMS role the retained user pool still points at",
}


def retained(template: dict[str, Any]) -> list[tuple[str, str]]:
    """(logical id, type) of resources with DeletionPolicy Retain."""
    return [
        (logical_id, resource["Type"])
        for logical_id, resource in template.get("Resources", {}).items()
        if resource.get("DeletionPolicy") in ("Retain", "RetainExceptOnCreate")
    ]


def plan(profile: str) -> int:
    config = load_config(profile)
    templates = sorted(CDK_OUT.glob("*.template.json"))
    if not templates:
        print(f"teardown: run `make synth ENV={profile}` first", file=sys.stderr)
        return 1
    rows = [
        (path.name.removesuffix(".template.json"), logical_id, type_)
        for path in templates
        for logical_id, type_ in retained(json.loads(path.read_text(encoding="utf-8")))
    ]
    print(f"Profile {profile} (removal: {config.removal}). Kept after destroy: {len(rows) or 'nothing'}")
    for stack, logical_id, type_ in rows:
        print(f"  {stack}/{logical_id} ({type_}): {WHY_RETAINED.get(type_, 'retained by policy')}")
    if rows:
        print("Delete them by hand only when you are sure: user pools also have deletion protection on.")
    return 0


def stop_log_delivery(s3: Any, bucket: str, partition: str) -> bool:
    """Deny S3 log delivery into `bucket` (its other statements stay). False if already denied."""
    try:
        policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "NoSuchBucketPolicy":
            raise
        policy = {"Version": "2012-10-17", "Statement": []}
    if any(statement.get("Sid") == STOP_LOG_DELIVERY_SID for statement in policy["Statement"]):
        return False
    policy["Statement"].append(
        {
            "Sid": STOP_LOG_DELIVERY_SID,
            "Effect": "Deny",
            "Principal": {"Service": LOG_DELIVERY},
            "Action": "s3:PutObject",
            "Resource": f"arn:{partition}:s3:::{bucket}/*",
        }
    )
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    return True


def delete_every_version(s3: Any, bucket: str) -> int:
    """Delete every object version and delete marker; returns how many."""
    deleted = 0
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        batch = [
            {"Key": item["Key"], "VersionId": item["VersionId"]}
            for item in page.get("Versions", []) + page.get("DeleteMarkers", [])
        ]
        if batch:  # a page holds at most 1,000 keys, DeleteObjects' limit
            s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
            deleted += len(batch)
    return deleted


def empty_stack_buckets(target: AwsTarget, stack: str) -> list[str]:
    """Stop log delivery into the stack's log buckets, then empty every bucket of the stack, logs last."""
    try:
        resources = target.client("cloudformation").describe_stack_resources(StackName=stack)["StackResources"]
    except ClientError as error:
        return [f"{stack}: {error.response['Error']['Message']} (nothing to empty)"]
    buckets = [
        item["PhysicalResourceId"]
        for item in resources
        if item["ResourceType"] == "AWS::S3::Bucket" and item.get("PhysicalResourceId")
    ]
    s3 = target.client("s3")
    log_buckets = {
        logging["LoggingEnabled"]["TargetBucket"]
        for logging in (s3.get_bucket_logging(Bucket=bucket) for bucket in buckets)
        if "LoggingEnabled" in logging
    } & set(buckets)
    partition = target.session.get_partition_for_region(target.region)
    report = [
        f"stopped log delivery into s3://{bucket}"
        for bucket in sorted(log_buckets)
        if stop_log_delivery(s3, bucket, partition)
    ]
    for bucket in sorted(buckets, key=lambda name: name in log_buckets):  # log buckets last
        report.append(f"emptied s3://{bucket} ({delete_every_version(s3, bucket)} object versions)")
    return report


def empty(profile: str) -> int:
    config = load_config(profile)
    if config.retain:
        print(f"teardown: profile {profile} retains its buckets; they keep their objects")
        return 0
    try:
        target = resolve(config.region, config.account)
        for line in empty_stack_buckets(target, names.stack_name(config.prefix, names.AUTH_STACK)):
            print(line)
    except (AwsEnvError, ClientError, BotoCoreError) as error:
        print(f"teardown: {error}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.teardown")
    parser.add_argument("command", choices=["plan", "retains", "empty"])
    parser.add_argument("--profile", default="dev")
    args = parser.parse_args(argv)
    try:
        if args.command == "retains":
            print("yes" if load_config(args.profile).retain else "no")
            return 0
        return plan(args.profile) if args.command == "plan" else empty(args.profile)
    except ConfigError as error:
        report_config_error(error)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
