"""Where these stacks can deploy: the regions of the `aws` partition with Cognito user pools.

The lists come from the endpoint data botocore ships (pinned in requirements.txt), not from a list
kept by hand: botocore's `get_available_regions` reads the same `endpoints.json` every AWS SDK call
resolves its endpoint from. A region AWS launched after that botocore release is unknown here until
the pin is bumped; the error message says so.

Only the `aws` partition is served (`cdk.json` targets it alone): Cognito user pools do not exist in
`aws-cn`, and the GovCloud and sovereign partitions differ in feature plans, managed login and WAF
support that these stacks rely on and that nothing here can verify offline.
"""

from __future__ import annotations

from functools import cache

import botocore
import botocore.session

from stacks.suggest import did_you_mean

PARTITION = "aws"
# Endpoint prefixes in botocore's data: Cognito user pools, and SES v2 (the email sender).
COGNITO_IDP = "cognito-idp"
SES = "sesv2"


@cache
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


@cache
def regions(service: str, partition: str = PARTITION) -> tuple[str, ...]:
    """Regions of `partition` where `service` has an endpoint (FIPS endpoints excluded)."""
    return tuple(sorted(_session().get_available_regions(service, partition_name=partition)))


def _partition_of(region: str) -> str | None:
    """The partition whose region list has `region`, for a clearer message."""
    partitions: list[str] = _session().get_available_partitions()
    return next((p for p in partitions if p != PARTITION and region in regions(COGNITO_IDP, p)), None)


def check_region(region: str, service: str = COGNITO_IDP, what: str = "Cognito user pools") -> str:
    """`region` if `service` exists there in the `aws` partition; else ValueError with a suggestion."""
    known = regions(service)
    if region in known:
        return region
    other = _partition_of(region)
    if other is not None:
        raise ValueError(f"{region!r} is in the {other} partition; these stacks serve the {PARTITION} partition only")
    message = (
        f"{region!r} is not a region with {what} (botocore {botocore.__version__} endpoint data; "
        "a newer region needs a newer botocore in requirements.txt)"
    )
    suggestion = did_you_mean(region, known, cutoff=0.8)
    raise ValueError(f"{message}; {suggestion}" if suggestion else message)


def longest_region_name() -> int:
    """Length of the longest region name Cognito uses (bounds names derived from an unset region)."""
    return max(len(region) for region in regions(COGNITO_IDP))
