"""The old user pool's two operations this function may call (its role allows nothing else).

AdminGetUser reads the user; AdminInitiateAuth with ADMIN_USER_PASSWORD_AUTH checks the password server-side
with IAM credentials, so the old pool's app client needs only ALLOW_ADMIN_USER_PASSWORD_AUTH (no public
password flow) and no secret. The client is created on first use and reused by the container.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from shared import trigger_aws
from shared.trigger_aws import aws_errors, error_code

__all__ = ["TOTAL_MAX_ATTEMPTS", "authenticate", "aws_errors", "error_code", "get_user", "source_client"]

# Two calls must fit in Cognito's 5 s: one attempt each (botocore's `total_max_attempts` counts the first
# request; its `max_attempts` counts retries), at most 1 s to connect and 1.5 s to read (shared.trigger_aws).
TOTAL_MAX_ATTEMPTS = 1


@cache
def source_client(region: str) -> Any:
    return trigger_aws.cognito_client(total_max_attempts=TOTAL_MAX_ATTEMPTS, region_name=region)


def get_user(client: Any, user_pool_id: str, username: str) -> dict[str, Any]:
    response: dict[str, Any] = client.admin_get_user(UserPoolId=user_pool_id, Username=username)
    return response


def authenticate(client: Any, user_pool_id: str, client_id: str, username: str, password: str) -> dict[str, Any]:
    """AdminInitiateAuth; the tokens it may return are dropped unused."""
    response: dict[str, Any] = client.admin_initiate_auth(
        UserPoolId=user_pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    return response
