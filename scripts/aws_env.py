"""One way to find the AWS credentials and region a command acts with, and to say in one line what is missing.

Every make target that touches AWS (bootstrap, preflight, deploy, diff, destroy, e2e) and every script that
calls AWS as the operator (preflight, teardown, the e2e readiness check, later backup and restore) resolves
its target here:

    target = resolve(pinned_region=config.region, expected_account=config.account)   # AwsTarget or AwsEnvError
    python -m scripts.aws_env --profile dev                  # check only: one line, exit 0 or 1
    python -m scripts.aws_env --profile dev -- cdk deploy    # check, then run the command in that region

Region, in the order the CDK CLI reads it (so both agree): the profile's pinned `region`, then AWS_REGION,
then AWS_DEFAULT_REGION or the AWS profile's `region`. Where the CDK CLI would fall back to us-east-1, we
stop and ask instead: a first deploy into an unintended region is expensive to undo. Credentials: botocore's
chain (environment variables, AWS_PROFILE with SSO or assume-role, container and instance roles), then
`sts:GetCallerIdentity` proves they work and names the account.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, ProfileNotFound, SSOError

from stacks.config import ConfigError, load_config
from stacks.config import report as report_config_error

# Standard retry mode: backoff on throttling for every operator call.
CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=30)

HOW_TO_CREDENTIALS = (
    "set AWS_PROFILE=<name> (after `aws sso login --profile <name>` for SSO) "
    "or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
)
HOW_TO_REGION = "set AWS_REGION=<region> (or `region:` in config/<profile>.yaml, or `region` in your AWS profile)"


class AwsEnvError(Exception):
    """No usable credentials or region; the message is one line saying what to do."""


class MissingCredentialsError(AwsEnvError):
    """Nothing configured at all (as opposed to credentials that exist but do not work)."""


@dataclass(frozen=True)
class AwsTarget:
    """Who we are and where we act: the session every client of the command is made from."""

    session: boto3.Session
    region: str
    account: str
    caller_arn: str
    credentials_from: str

    def client(self, service: str, region: str | None = None) -> Any:
        return self.session.client(service, region_name=region or self.region, config=CLIENT_CONFIG)

    def describe(self) -> str:
        return f"account {self.account}, region {self.region} ({self.caller_arn}, credentials: {self.credentials_from})"


def _region(pinned_region: str | None, session: boto3.Session) -> str | None:
    return pinned_region or os.environ.get("AWS_REGION") or session.region_name


def _credentials_error(error: Exception, profile: str | None) -> AwsEnvError:
    name = profile or "<name>"
    if isinstance(error, SSOError):
        return AwsEnvError(f"the AWS SSO session has expired or never started: run `aws sso login --profile {name}`")
    if isinstance(error, ProfileNotFound):
        return AwsEnvError(
            f"AWS_PROFILE={profile}: no such profile in your AWS config (`aws configure sso` creates one)"
        )
    return AwsEnvError(f"AWS credentials could not be loaded ({error}): {HOW_TO_CREDENTIALS}")


def resolve(pinned_region: str | None = None, expected_account: str | None = None) -> AwsTarget:
    """The operator's AWS target, proven with one `sts:GetCallerIdentity` call; AwsEnvError if unusable."""
    profile = os.environ.get("AWS_PROFILE")
    try:
        session = boto3.Session()
        credentials = session.get_credentials()
        region = _region(pinned_region, session)
        if credentials is None:
            if region is None:
                raise MissingCredentialsError(f"no AWS credentials and no region: {HOW_TO_CREDENTIALS}, and AWS_REGION")
            raise MissingCredentialsError(f"no AWS credentials: {HOW_TO_CREDENTIALS}")
        if region is None:
            raise AwsEnvError(f"no AWS region: {HOW_TO_REGION}")
        method = credentials.method
        credentials.get_frozen_credentials()  # SSO and assume-role credentials load here
    except BotoCoreError as error:  # ProfileNotFound, SSO errors, a broken config file
        raise _credentials_error(error, profile) from None
    # Bind the region to the session, so every client made from it (here or by callers) uses it.
    session._session.set_config_variable("region", region)  # boto3 has no public setter
    try:
        identity = session.client("sts", region_name=region, config=CLIENT_CONFIG).get_caller_identity()
    except NoCredentialsError:
        raise MissingCredentialsError(f"no AWS credentials: {HOW_TO_CREDENTIALS}") from None
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        raise AwsEnvError(
            f"AWS rejected the credentials ({code}): refresh them (`aws sso login`, new keys) or {HOW_TO_CREDENTIALS}"
        ) from None
    except BotoCoreError as error:
        raise AwsEnvError(f"cannot reach AWS STS in {region}: {error}") from None
    account = str(identity["Account"])
    if expected_account and account != expected_account:
        raise AwsEnvError(
            f"the credentials are for account {account}, not {expected_account}: "
            "switch AWS_PROFILE (or fix `account:` in the profile)"
        )
    return AwsTarget(
        session=session,
        region=region,
        account=account,
        caller_arn=str(identity["Arn"]),
        credentials_from=f"{method}" + (f" (AWS_PROFILE={profile})" if profile else ""),
    )


def resolve_profile(profile: str) -> AwsTarget:
    """`resolve` for a configuration profile: its pinned region and account."""
    config = load_config(profile)
    return resolve(config.region, config.account)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    command: list[str] = []
    if "--" in args:
        args, command = args[: args.index("--")], args[args.index("--") + 1 :]
    parser = argparse.ArgumentParser(
        prog="python -m scripts.aws_env", description="Resolve AWS credentials and region (then run a command)."
    )
    parser.add_argument("--profile", default="dev")
    parser.add_argument("--quiet", action="store_true", help="print nothing when the check passes")
    options = parser.parse_args(args)
    try:
        target = resolve_profile(options.profile)
    except ConfigError as error:
        report_config_error(error)
        return 1
    except AwsEnvError as error:
        print(f"ENV={options.profile}: {error}", file=sys.stderr)
        return 1
    if not options.quiet:
        print(f"AWS: {target.describe()}")
    if not command:
        return 0
    # The CDK CLI reads AWS_REGION first: hand it the region checked here.
    os.environ["AWS_REGION"] = os.environ["AWS_DEFAULT_REGION"] = target.region
    sys.stdout.flush()
    os.execvp(command[0], command)  # noqa: S606 - the Makefile's own command line


if __name__ == "__main__":
    raise SystemExit(main())
