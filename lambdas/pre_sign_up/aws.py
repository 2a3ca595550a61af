"""Cognito calls of this function. The client is created on first use (importing boto3) and reused by the container."""

from __future__ import annotations

from functools import cache
from typing import Any

from pre_sign_up.logic import ExistingUser, FederatedIdentity, existing_user, list_users_filter
from shared import trigger_aws
from shared.trigger_aws import aws_errors, error_code

__all__ = ["aws_errors", "cognito_client", "error_code", "link", "provider_names", "users_with_email"]


@cache
def cognito_client() -> Any:
    return trigger_aws.cognito_client()


def users_with_email(client: Any, user_pool_id: str, email: str) -> list[ExistingUser]:
    pages = client.get_paginator("list_users").paginate(UserPoolId=user_pool_id, Filter=list_users_filter(email))
    return [existing_user(user) for page in pages for user in page.get("Users", [])]


def provider_names(client: Any, user_pool_id: str) -> tuple[str, ...]:
    """The pool's identity provider names (called only on a custom IdP's first sign-in, so not cached)."""
    pages = client.get_paginator("list_identity_providers").paginate(UserPoolId=user_pool_id)
    return tuple(p["ProviderName"] for page in pages for p in page.get("Providers", []))


def link(client: Any, user_pool_id: str, native_username: str, identity: FederatedIdentity) -> None:
    client.admin_link_provider_for_user(
        UserPoolId=user_pool_id,
        DestinationUser={"ProviderName": "Cognito", "ProviderAttributeValue": native_username},
        SourceUser={
            "ProviderName": identity.provider,
            "ProviderAttributeName": "Cognito_Subject",
            "ProviderAttributeValue": identity.subject,
        },
    )
