"""Proof that alarms reach the alarm topic, offline (SECURITY.md: Logs and operations).

CloudWatch publishes an alarm's notification as the service principal `cloudwatch.amazonaws.com`,
with the alarm's ARN as `aws:SourceArn` and its account as `aws:SourceAccount`; for an encrypted topic
it also needs the key (see stacks/constructs/alarms.py for the sources). The synthesized topic policy
and key policy are evaluated by the IAM simulator for every alarm the app defines, and for the
requests that must fail: another account's alarm, an alarm outside the app's name prefix, plain HTTP.
Meta-tests weaken each policy and show the checks then fail.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from stacks import names
from tests.infra.iam_eval import ALLOWED, EXPLICIT, IMPLICIT, Decision, Env, Request, Stacks, Subject, evaluate_many
from tests.support import Synth

pytestmark = pytest.mark.xdist_group("alarm-delivery")

ENV = Env()
OTHER_ACCOUNT = "444455556666"
CLOUDWATCH = "cloudwatch.amazonaws.com"
PUBLISH_KEY_ACTIONS = ("kms:GenerateDataKey", "kms:Decrypt")


def alarm_names(synth: Synth) -> list[str]:
    return sorted(
        res["Properties"]["AlarmName"]
        for res in synth.templates["Api"]["Resources"].values()
        if res["Type"] == "AWS::CloudWatch::Alarm"
    )


def alarm_arn(name: str, *, account: str = ENV.account, region: str = ENV.region) -> str:
    return f"arn:aws:cloudwatch:{region}:{account}:alarm:{name}"


def context(source_arn: str | None, *, account: str | None = ENV.account, tls: bool = True) -> dict[str, str]:
    """What CloudWatch's request carries; None leaves a key out."""
    found = {"aws:SecureTransport": str(tls).lower()}
    if account is not None:
        found["aws:SourceAccount"] = account
    if source_arn is not None:
        found["aws:SourceArn"] = source_arn
    return found


@dataclass(frozen=True)
class Case:
    id: str
    request: Request
    expect: Decision


@dataclass(frozen=True)
class Delivery:
    """The synthesized topic and key policies of one profile, as CloudWatch meets them."""

    topic: str
    key: str
    topic_subject: Subject
    key_subject: Subject
    alarms: list[str]
    prefix: str

    def cases(self) -> tuple[list[Case], list[Case]]:
        """(topic cases, key cases)."""
        own = self.alarms[0]
        # Publish for each alarm of the app, and the key use that publish needs.
        topic = [Case(f"publish-{name}", Request("sns:Publish", self.topic, context(alarm_arn(name))), ALLOWED)
                 for name in self.alarms]  # fmt: skip
        key = [
            Case(f"{action}-{name}", Request(action, self.key, context(alarm_arn(name))), ALLOWED)
            for name in self.alarms
            for action in PUBLISH_KEY_ACTIONS
        ]
        denied_sources = {
            "other-accounts-alarm": context(alarm_arn(own, account=OTHER_ACCOUNT), account=OTHER_ACCOUNT),
            "other-account-claiming-this-alarm": context(alarm_arn(own), account=OTHER_ACCOUNT),
            "alarm-outside-the-prefix": context(alarm_arn("someone-elses-alarm")),
            "alarm-sharing-the-prefix-without-the-dash": context(alarm_arn(f"{self.prefix}x-Alarm")),
            "alarm-in-another-region": context(alarm_arn(own, region="us-east-1")),
            "no-source-arn": context(None),
            "no-source-account": context(alarm_arn(own), account=None),
        }
        for case, ctx in denied_sources.items():
            topic.append(Case(f"publish-{case}", Request("sns:Publish", self.topic, ctx), IMPLICIT))
            key.extend(
                Case(f"{action}-{case}", Request(action, self.key, ctx), IMPLICIT) for action in PUBLISH_KEY_ACTIONS
            )
        topic.append(
            Case(
                "publish-over-plain-http",
                Request("sns:Publish", self.topic, context(alarm_arn(own), tls=False)),
                EXPLICIT,
            )
        )
        # Nothing beyond publishing, even for the app's own alarms.
        for action in ("sns:Subscribe", "sns:SetTopicAttributes", "sns:DeleteTopic", "sns:GetTopicAttributes"):
            topic.append(Case(action, Request(action, self.topic, context(alarm_arn(own))), IMPLICIT))
        for action in ("kms:Encrypt", "kms:ReEncryptFrom", "kms:CreateGrant", "kms:ScheduleKeyDeletion"):
            key.append(Case(action, Request(action, self.key, context(alarm_arn(own))), IMPLICIT))
        return topic, key


def one(resources: dict[str, Any]) -> str:
    (logical_id,) = resources
    return logical_id


@functools.cache
def _delivery(profile: str) -> Delivery:
    from tests.support import synth_profile

    synth = synth_profile(profile)
    stacks = Stacks(synth.templates, ENV)
    topic_id = one(stacks.resources("Auth", "AWS::SNS::Topic"))
    key_id = stacks.templates["Auth"]["Resources"][topic_id]["Properties"]["KmsMasterKeyId"]["Fn::GetAtt"][0]
    return Delivery(
        topic=stacks.resolve("Auth", {"Ref": topic_id}),
        key=stacks.resolve("Auth", {"Fn::GetAtt": [key_id, "Arn"]}),
        topic_subject=Subject.service(CLOUDWATCH, stacks.topic_policy("Auth", topic_id), ENV.account),
        key_subject=Subject.service(CLOUDWATCH, stacks.key_policy("Auth", key_id), ENV.account),
        alarms=alarm_names(synth),
        prefix=synth.config.prefix,
    )


def mismatches(topic: Subject, key: Subject, delivery: Delivery) -> list[str]:
    topic_cases, key_cases = delivery.cases()
    decisions = evaluate_many([(topic, [c.request for c in topic_cases]), (key, [c.request for c in key_cases])])
    return [
        f"{case.id}: expected {case.expect}, got {decision}"
        for cases, results in zip((topic_cases, key_cases), decisions, strict=True)
        for case, decision in zip(cases, results, strict=True)
        if decision != case.expect
    ]


def test_every_alarm_of_the_app_is_named_with_the_prefix_the_policies_allow(synth: Synth) -> None:
    names_ = alarm_names(synth)
    assert len(names_) >= 10  # API, every function's errors and throttles, Cognito quotas
    assert all(name.startswith(names.alarm_name_prefix(synth.config.prefix)) for name in names_)


@pytest.mark.parametrize("profile", ["dev", "prod", "full"])
def test_alarms_can_publish_and_nothing_else_can(profile: str) -> None:
    delivery = _delivery(profile)
    assert mismatches(delivery.topic_subject, delivery.key_subject, delivery) == []


# -- meta-tests: a weakened policy fails the checks above ------------------------------------------


def drop_statements(match: Callable[[dict[str, Any]], bool]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def edit(policy: dict[str, Any]) -> dict[str, Any]:
        return {**policy, "Statement": [s for s in policy["Statement"] if not match(s)]}

    return edit


def drop_condition(key: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def edit(policy: dict[str, Any]) -> dict[str, Any]:
        for statement in policy["Statement"]:
            for operator in list(statement.get("Condition", {})):
                statement["Condition"][operator].pop(key, None)
                if not statement["Condition"][operator]:
                    del statement["Condition"][operator]
        return policy

    return edit


def is_cloudwatch_allow(statement: dict[str, Any]) -> bool:
    return statement["Effect"] == "Allow" and statement.get("Principal") == {"Service": CLOUDWATCH}


@pytest.mark.parametrize(
    ("weaken_topic", "weaken_key", "expected"),
    [
        # The original bug: a topic policy with only the TLS deny.
        (drop_statements(is_cloudwatch_allow), None, "publish-"),
        (None, drop_statements(is_cloudwatch_allow), "kms:GenerateDataKey-"),
        (drop_condition("aws:SourceArn"), None, "publish-alarm-outside-the-prefix: expected ImplicitlyDenied"),
        (drop_condition("aws:SourceAccount"), None, "publish-other-account-claiming-this-alarm"),
        (None, drop_condition("aws:SourceArn"), "kms:Decrypt-alarm-outside-the-prefix"),
        (None, drop_condition("aws:SourceAccount"), "kms:Decrypt-other-account-claiming-this-alarm"),
        (drop_statements(lambda s: s["Effect"] == "Deny"), None, "publish-over-plain-http"),
    ],
    ids=[
        "no-publish-allow",
        "no-key-grant",
        "publish-without-source-arn",
        "publish-without-source-account",
        "key-without-source-arn",
        "key-without-source-account",
        "no-tls-deny",
    ],
)
def test_a_weakened_policy_fails_the_checks(
    weaken_topic: Callable[[dict[str, Any]], dict[str, Any]] | None,
    weaken_key: Callable[[dict[str, Any]], dict[str, Any]] | None,
    expected: str,
) -> None:
    delivery = _delivery("prod")
    topic, key = delivery.topic_subject, delivery.key_subject
    topic = topic.replace_resource_policy(weaken_topic) if weaken_topic else topic
    key = key.replace_resource_policy(weaken_key) if weaken_key else key
    found = mismatches(topic, key, delivery)
    assert any(line.startswith(expected) for line in found), found
