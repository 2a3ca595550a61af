"""scripts/aws_env.py: where credentials and region come from, and the one line when they do not.

moto answers sts:GetCallerIdentity (account 123456789012); no test reaches the network: AWS config files
are empty or written here, and instance metadata is disabled.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from scripts import aws_env
from scripts.aws_env import AwsEnvError, MissingCredentialsError, resolve


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No AWS variable from the machine; empty AWS config and credentials files."""
    for name in [key for key in os.environ if key.startswith("AWS_")]:
        monkeypatch.delenv(name)
    config = tmp_path / "config"
    config.write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("HOME", str(tmp_path))
    return config


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    with mock_aws():
        yield


def test_resolves_account_region_and_where_the_credentials_came_from(
    keys: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    target = resolve()
    assert (target.account, target.region, target.credentials_from) == ("123456789012", "eu-central-1", "env")
    assert target.client("s3").meta.region_name == "eu-central-1"
    assert target.session.region_name == "eu-central-1"


def test_region_precedence_is_the_cdk_clis(keys: None, monkeypatch: pytest.MonkeyPatch, isolated: Path) -> None:
    isolated.write_text("[default]\nregion = ap-southeast-2\n")
    assert resolve().region == "ap-southeast-2"  # the AWS profile's region
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    assert resolve().region == "eu-central-1"
    monkeypatch.setenv("AWS_REGION", "eu-west-3")  # botocore ignores it, the CDK CLI reads it first
    assert resolve().region == "eu-west-3"
    assert resolve(pinned_region="us-west-2").region == "us-west-2"  # the profile pins its stacks there


def test_credentials_for_another_account_are_refused(keys: None) -> None:
    with pytest.raises(AwsEnvError, match="account 123456789012, not 210987654321"):
        resolve("eu-west-1", expected_account="210987654321")
    assert resolve("eu-west-1", expected_account="123456789012").account == "123456789012"


def test_missing_pieces_are_one_line_each(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(MissingCredentialsError, match=r"^no AWS credentials and no region: set AWS_PROFILE=<name>"):
        resolve()
    with pytest.raises(MissingCredentialsError, match=r"^no AWS credentials: set AWS_PROFILE=<name> \(after `aws sso"):
        resolve("eu-west-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    with pytest.raises(AwsEnvError, match=r"^no AWS region: set AWS_REGION=<region> \(or `region:` in config/"):
        resolve()


def test_an_sso_profile_without_a_login_says_to_log_in(monkeypatch: pytest.MonkeyPatch, isolated: Path) -> None:
    isolated.write_text(
        "[profile dev-admin]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Admin\n"
        "region = eu-west-1\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n"
        "sso_region = eu-west-1\n"
    )
    monkeypatch.setenv("AWS_PROFILE", "dev-admin")
    with pytest.raises(AwsEnvError, match=r"^the AWS SSO session has expired .*`aws sso login --profile dev-admin`$"):
        resolve()
    monkeypatch.setenv("AWS_PROFILE", "nope")
    with pytest.raises(AwsEnvError, match=r"^AWS_PROFILE=nope: no such profile"):
        resolve()


def test_rejected_credentials_say_so(keys: None, monkeypatch: pytest.MonkeyPatch) -> None:
    sts = boto3.client("sts", region_name="eu-west-1")
    stub = Stubber(sts)
    stub.add_client_error("get_caller_identity", service_error_code="ExpiredToken", http_status_code=403)
    stub.activate()
    monkeypatch.setattr(boto3.Session, "client", lambda *_args, **_kwargs: sts)
    with pytest.raises(AwsEnvError, match=r"^AWS rejected the credentials \(ExpiredToken\): refresh them"):
        resolve("eu-west-1")


def test_main_runs_the_command_in_the_checked_region(
    keys: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-north-1")
    ran: list[Any] = []
    monkeypatch.setattr(aws_env.os, "execvp", lambda file, args: ran.append((file, args, dict(aws_env.os.environ))))
    aws_env.main(["--profile", "dev", "--quiet", "--", "cdk", "deploy"])  # execvp replaced: returns
    ((file, args, environment),) = ran
    assert (file, args) == ("cdk", ["cdk", "deploy"])
    assert environment["AWS_REGION"] == environment["AWS_DEFAULT_REGION"] == "eu-north-1"
    assert capsys.readouterr().out == ""
    assert aws_env.main(["--profile", "dev"]) == 0
    assert capsys.readouterr().out.startswith("AWS: account 123456789012, region eu-north-1 (arn:aws:sts::")


def test_main_reports_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert aws_env.main(["--profile", "dev"]) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("ENV=dev: no AWS credentials and no region")
    assert aws_env.main(["--profile", "nope"]) == 1
    assert capsys.readouterr().err.startswith("configuration error: ENV: unknown profile 'nope'")
