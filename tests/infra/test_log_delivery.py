"""Cognito's own logs, the vended-log resource policy, and confused-deputy conditions on every trust
of an AWS service (SECURITY.md: Logs and operations).

The resource policy is evaluated with the IAM simulator as `delivery.logs.amazonaws.com` meets it
(stacks/constructs/log_delivery.py has the sources).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.infra.iam_eval import ALLOWED, IMPLICIT, Decision, Env, Request, Stacks, Subject, evaluate
from tests.support import Synth

ENV = Env()
OTHER_ACCOUNT = "444455556666"
LOG_DELIVERY = "delivery.logs.amazonaws.com"


def auth(synth: Synth) -> dict[str, Any]:
    resources: dict[str, Any] = synth.templates["Auth"]["Resources"]
    return resources


def delivery_configuration(synth: Synth) -> dict[str, Any]:
    (config,) = [r for r in auth(synth).values() if r["Type"] == "AWS::Cognito::LogDeliveryConfiguration"]
    return config


def log_policy(synth: Synth) -> tuple[str, dict[str, Any]]:
    (found,) = [(k, r) for k, r in auth(synth).items() if r["Type"] == "AWS::Logs::ResourcePolicy"]
    return found


def exported(synth: Synth) -> dict[str, str]:
    """Event source -> logical ID of the log group it is exported to."""
    stacks = Stacks(synth.templates, ENV)
    result = {}
    for item in delivery_configuration(synth)["Properties"]["LogConfigurations"]:
        arn = stacks.resolve("Auth", item["CloudWatchLogsConfiguration"]["LogGroupArn"])
        # Cognito takes the plain log-group ARN (as in the CloudFormation resource's example).
        assert arn.startswith(f"arn:aws:logs:{ENV.region}:{ENV.account}:log-group:")
        assert not arn.endswith(":*")
        result[item["EventSource"]] = arn.rsplit(":", 1)[1]
    return result


def test_message_delivery_errors_are_exported_on_every_plan(synth: Synth) -> None:
    (item,) = [i for i in delivery_configuration(synth)["Properties"]["LogConfigurations"]
               if i["EventSource"] == "userNotification"]  # fmt: skip
    assert item["LogLevel"] == "ERROR"  # the only level Cognito exports for notifications
    assert delivery_configuration(synth)["Properties"]["UserPoolId"] == {"Ref": "UserPool"}


def test_auth_events_are_exported_while_threat_protection_runs(synth: Synth) -> None:
    sources = exported(synth)
    # Cognito writes user-activity logs only while threat protection (PLUS) is active.
    expected = (
        {"userNotification", "userAuthEvents"} if synth.config.threat_protection != "OFF" else {"userNotification"}
    )
    assert set(sources) == expected
    levels = {i["EventSource"]: i["LogLevel"] for i in delivery_configuration(synth)["Properties"]["LogConfigurations"]}
    assert levels.get("userAuthEvents", "INFO") == "INFO"


def test_exported_log_groups_have_retention_and_follow_the_removal_policy(synth: Synth) -> None:
    for logical_id in exported(synth).values():
        group = auth(synth)[logical_id]
        assert group["Properties"]["RetentionInDays"] == synth.config.log_retention_days
        assert group["DeletionPolicy"] == ("Retain" if synth.config.retain else "Delete")


def test_delivery_starts_only_after_the_policy_exists(synth: Synth) -> None:
    policy_id, _ = log_policy(synth)
    assert policy_id in delivery_configuration(synth)["DependsOn"]
    for logging in (r for r in auth(synth).values() if r["Type"] == "AWS::WAFv2::LoggingConfiguration"):
        assert policy_id in logging["DependsOn"]


def vended_groups(synth: Synth) -> list[str]:
    """Names (as resolved) of the log groups AWS services deliver to: Cognito's and WAF's."""
    stacks = Stacks(synth.templates, ENV)
    ids = list(exported(synth).values()) + [k for k in auth(synth) if k.startswith("WafLogs")]
    assert bool(synth.config.waf.enabled) == any(k.startswith("WafLogs") for k in ids)
    return [stacks.resolve("Auth", {"Ref": logical_id}) for logical_id in ids]


def stream(group: str, account: str = ENV.account) -> str:
    return f"arn:aws:logs:{ENV.region}:{account}:log-group:{group}:log-stream:2026/01/01/delivery"


def delivery(account: str = ENV.account) -> dict[str, str]:
    # The conditions AWS writes itself for vended logs: the account, and any logs ARN of it here.
    return {"aws:SourceAccount": account, "aws:SourceArn": f"arn:aws:logs:{ENV.region}:{account}:delivery:cognito"}


@pytest.mark.parametrize("profile", ["dev", "prod", "full"])
def test_log_delivery_may_write_to_these_groups_and_nowhere_else(profile: str) -> None:
    from tests.support import synth_profile

    synth = synth_profile(profile)
    stacks = Stacks(synth.templates, ENV)
    _, resource = log_policy(synth)
    policy = json.loads(stacks.resolve("Auth", resource["Properties"]["PolicyDocument"]))
    subject = Subject.service(LOG_DELIVERY, policy, ENV.account)
    groups = vended_groups(synth)
    cases: list[tuple[str, Request, Decision]] = []
    for group in groups:
        for action in ("logs:CreateLogStream", "logs:PutLogEvents"):
            cases.append((f"{action} {group}", Request(action, stream(group), delivery()), ALLOWED))
            cases.append(
                (
                    f"{action} {group} for another account",
                    Request(action, stream(group), delivery(OTHER_ACCOUNT)),
                    IMPLICIT,
                )
            )
            cases.append((f"{action} {group} without source", Request(action, stream(group), {}), IMPLICIT))
        for action in ("logs:GetLogEvents", "logs:DeleteLogStream"):
            cases.append((f"{action} {group}", Request(action, stream(group), delivery()), IMPLICIT))
    # Another group of this account (a function's): not listed, so not writable by delivery.
    cases.append(
        ("put into another group", Request("logs:PutLogEvents", stream("/aws/lambda/other"), delivery()), IMPLICIT)
    )
    decisions = evaluate(subject, [request for _, request, _ in cases])
    wrong = [
        f"{name}: {decision}"
        for (name, _, expect), decision in zip(cases, decisions, strict=True)
        if decision != expect
    ]
    assert wrong == []

    # Meta-test: without the source conditions, another account's delivery would get in.
    def unconditioned(p: dict[str, Any]) -> dict[str, Any]:
        return {**p, "Statement": [{k: v for k, v in s.items() if k != "Condition"} for s in p["Statement"]]}

    loose = subject.replace_resource_policy(unconditioned)
    other = Request("logs:PutLogEvents", stream(groups[0]), delivery(OTHER_ACCOUNT))
    assert evaluate(loose, [other]) == [ALLOWED]


# -- confused deputy: every trust of an AWS service names the account or the source -------------------

# Trusts without aws:SourceAccount / aws:SourceArn, each with the reason.
UNCONDITIONED_SERVICE_TRUSTS = {
    # Lambda execution roles: the Lambda Developer Guide's execution-role trust policy has no
    # conditions, and no AWS document says Lambda sets aws:SourceArn/aws:SourceAccount when it assumes
    # the role; a condition on a key it does not send would stop every function (what the
    # prowler-cloud/prowler issue 4714 reports for other services). The role is this stack's own and
    # only a function that names it can use it.
    ("AWS::IAM::Role", "lambda.amazonaws.com"),
}


def service_statements(synth: Synth) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """(resource type, logical ID, service, Allow statement) for every statement trusting an AWS service."""
    for stack, template in synth.templates.items():
        stacks = Stacks(synth.templates, ENV)
        for logical_id, resource in template["Resources"].items():
            kind, props = resource["Type"], resource.get("Properties", {})
            document = {
                "AWS::IAM::Role": props.get("AssumeRolePolicyDocument"),
                "AWS::SNS::TopicPolicy": props.get("PolicyDocument"),
                "AWS::S3::BucketPolicy": props.get("PolicyDocument"),
                "AWS::KMS::Key": props.get("KeyPolicy"),
                "AWS::Logs::ResourcePolicy": props.get("PolicyDocument"),
            }.get(kind)
            if document is None:
                continue
            document = stacks.resolve(stack, document)
            if isinstance(document, str):
                document = json.loads(document)
            for statement in document["Statement"]:
                principal = statement.get("Principal")
                service = principal.get("Service") if isinstance(principal, dict) else None
                for name in [service] if isinstance(service, str) else service or []:
                    if statement["Effect"] == "Allow":
                        yield kind, logical_id, name, statement


def test_every_trusted_aws_service_is_scoped_to_this_account_or_source(synth: Synth) -> None:
    found = list(service_statements(synth))
    services = {service for _, _, service, _ in found}
    assert {"cloudwatch.amazonaws.com", LOG_DELIVERY, "logging.s3.amazonaws.com"} <= services
    unscoped = []
    for kind, logical_id, service, statement in found:
        keys = {key.lower() for operator in statement.get("Condition", {}).values() for key in operator}
        if not keys & {"aws:sourceaccount", "aws:sourcearn"} and (kind, service) not in UNCONDITIONED_SERVICE_TRUSTS:
            unscoped.append(f"{logical_id} ({kind}) trusts {service}")
    assert unscoped == []


def test_every_lambda_permission_for_a_service_names_its_source(synth: Synth) -> None:
    permissions = [r["Properties"] for t in synth.templates.values() for r in t["Resources"].values()
                   if r["Type"] == "AWS::Lambda::Permission"]  # fmt: skip
    assert permissions
    for permission in permissions:
        assert permission["Principal"] in ("cognito-idp.amazonaws.com", "apigateway.amazonaws.com")
        assert "SourceArn" in permission  # the pool's or this API's ARN, which includes the account
