"""cdk-nag acknowledgements: always one finding (rule id with finding id where the rule has one) and
a reason. The review test lists them all (tests/infra/test_nag_review.py)."""

from __future__ import annotations

import aws_cdk as cdk
from constructs import IConstruct


def acknowledge(construct: IConstruct, rule: str, reason: str) -> None:
    # "<Pack>::<rule>" files it under its nag pack, so validation-report.json lists every suppressed
    # finding with its reason (an unprefixed id is stored as "Annotation::<rule>" and not reported).
    pack = rule.split("-", 1)[0]  # AwsSolutions-IAM5[...] -> AwsSolutions
    cdk.Validations.of(construct).acknowledge(cdk.Acknowledgment(id=f"{pack}::{rule}", reason=reason))
