"""cdk-nag review: every acknowledgement in the app has a real reason and names one finding.

cdk-nag runs as a validation plugin at every synth (stacks/app_factory.py), and any finding without
an acknowledgement fails it. Acknowledgements are construct metadata; this test walks the construct
tree of each profile and lists them all, so a review sees every accepted finding in one place.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns

from stacks.app_factory import build_app
from tests.support import PROFILES, cdk_context, profile_config

# Rules that report one finding per wildcard or managed policy ("granular rules" in cdk-nag 3):
# each acknowledgement must name its finding, as in AwsSolutions-IAM5[Resource::*].
GRANULAR_RULES = frozenset(
    {
        "AwsSolutions-IAM4",
        "AwsSolutions-IAM5",
        "AwsSolutions-EKS2",
        "AwsSolutions-RDS16",
        "AwsSolutions-DOC5",
        "AwsSolutions-OS9",
    }
)
MIN_REASON_LENGTH = 20


@dataclass(frozen=True)
class Acknowledgement:
    path: str
    rule_id: str  # as recorded, possibly with a "<Plugin>::" prefix
    reason: str

    @property
    def rule(self) -> str:
        """The rule without plugin prefix or finding: AwsSolutions::AwsSolutions-IAM5[...] -> AwsSolutions-IAM5."""
        return self.rule_id.split("[", 1)[0].rsplit("::", 1)[-1]

    def problems(self) -> list[str]:
        problems = []
        if len(self.reason.strip()) < MIN_REASON_LENGTH:
            problems.append(f"reason shorter than {MIN_REASON_LENGTH} characters")
        if self.rule in GRANULAR_RULES and not self.rule_id.endswith("]"):
            problems.append(f"{self.rule} reports findings: acknowledge one, as {self.rule}[<finding>]")
        return problems


def acknowledgements(app: cdk.App) -> list[Acknowledgement]:
    return [
        Acknowledgement(construct.node.path, rule_id, reason)
        for construct in app.node.find_all()
        for entry in construct.node.metadata
        if entry.type == cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY
        for rule_id, reason in entry.data.items()
    ]


@pytest.mark.parametrize("profile", PROFILES)
def test_every_acknowledgement_is_granular_and_explained(profile: str) -> None:
    acks = acknowledgements(build_app(profile_config(profile), context=cdk_context()))
    assert acks, f"{profile}: no acknowledgements found; has the metadata key changed?"
    problems = [f"{ack.path}: {ack.rule_id}: {'; '.join(ack.problems())}" for ack in acks if ack.problems()]
    listing = "\n".join(f"  {ack.path}: {ack.rule_id}: {ack.reason}" for ack in acks)
    assert not problems, "\n".join(problems) + f"\nevery acknowledgement of {profile}:\n{listing}"


def test_synth_runs_both_nag_packs(tmp_path: Path) -> None:
    # Given the app of a profile plus a stack with findings of both packs, acknowledged nowhere
    app = build_app(profile_config("dev"), context=cdk_context(), outdir=str(tmp_path))
    probe = cdk.Stack(app, "NagProbe")
    sns.Topic(probe, "Topic")  # AwsSolutions-SNS3: publishing without TLS allowed
    lambda_.Function(  # Serverless-LambdaTracing, -LambdaDLQ, ...
        probe,
        "Function",
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context):\n    return None\n"),
    )

    # When it is synthesized, Then synth fails and the report names a failure from each pack
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text(encoding="utf-8"))
    failed = {plugin["pluginName"] for plugin in report["pluginReports"] if plugin["conclusion"] == "failure"}
    assert failed == {"AwsSolutions", "Serverless"}


@pytest.mark.parametrize(
    ("rule_id", "reason", "accepted"),
    [
        ("AwsSolutions-IAM5[Resource::*]", "X-Ray accepts no resource-level permissions.", True),
        ("Annotation::AwsSolutions-IAM5[Resource::*]", "X-Ray accepts no resource-level permissions.", True),
        ("AwsSolutions::AwsSolutions-S1", "This is the access-log bucket; it does not log itself.", True),
        ("AwsSolutions-IAM5", "X-Ray accepts no resource-level permissions.", False),
        ("AwsSolutions::AwsSolutions-IAM4", "The managed policy is the documented minimum.", False),
        ("AwsSolutions-S1", "not needed", False),
    ],
)
def test_review_rejects_vague_acknowledgements(rule_id: str, reason: str, accepted: bool) -> None:
    assert (Acknowledgement("Auth/Resource", rule_id, reason).problems() == []) is accepted
