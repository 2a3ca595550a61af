"""`make destroy` helpers: what a profile keeps after `cdk destroy`, and emptying its buckets.

    python -m scripts.teardown plan  --profile dev   # lists retained resources (from cdk.out) and why
    python -m scripts.teardown empty --profile dev   # deletes every object version in the stack's buckets

`empty` is only for profiles whose buckets are destroyed with the stack (removal: destroy): S3 cannot
delete a bucket that still holds objects, and this app ships no auto-delete custom resource.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from stacks import names
from stacks.config import ConfigError, load_config

CDK_OUT = Path("cdk.out")
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


def empty(profile: str) -> int:
    import boto3  # only this command talks to AWS

    config = load_config(profile)
    if config.retain:
        print(f"teardown: profile {profile} retains its buckets; they keep their objects")
        return 0
    stack = names.stack_name(config.prefix, names.AUTH_STACK)
    cloudformation = boto3.client("cloudformation", region_name=config.region)
    s3 = boto3.resource("s3", region_name=config.region)
    try:
        resources = cloudformation.describe_stack_resources(StackName=stack)["StackResources"]
    except cloudformation.exceptions.ClientError as error:
        print(f"teardown: {stack}: {error.response['Error']['Message']}", file=sys.stderr)
        return 0  # nothing deployed, nothing to empty
    for resource in resources:
        if resource["ResourceType"] == "AWS::S3::Bucket" and resource.get("PhysicalResourceId"):
            bucket = s3.Bucket(resource["PhysicalResourceId"])
            bucket.object_versions.delete()
            print(f"emptied s3://{bucket.name}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.teardown")
    parser.add_argument("command", choices=["plan", "empty"])
    parser.add_argument("--profile", default="dev")
    args = parser.parse_args(argv)
    try:
        return plan(args.profile) if args.command == "plan" else empty(args.profile)
    except ConfigError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
