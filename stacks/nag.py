"""cdk-nag acknowledgements: always one finding (rule id with finding id where the rule has one) and
a reason. The review test lists them all (tests/infra/test_nag_review.py)."""

from __future__ import annotations

import aws_cdk as cdk
from constructs import IConstruct


def acknowledge(construct: IConstruct, rule: str, reason: str) -> None:
    cdk.Validations.of(construct).acknowledge(cdk.Acknowledgment(id=rule, reason=reason))
