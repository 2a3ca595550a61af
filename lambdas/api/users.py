"""Administration: the user pool's users, one page at a time (ListUsers)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from api.aws import aws_errors
from api.models import AdminUser, UserList


def to_admin_user(user: Mapping[str, Any]) -> AdminUser:
    attributes = {item["Name"]: item.get("Value") for item in user.get("Attributes", [])}
    return AdminUser(
        username=user["Username"],
        sub=attributes.get("sub"),
        email=attributes.get("email"),
        status=user.get("UserStatus"),
        enabled=bool(user.get("Enabled", False)),
        created=user.get("UserCreateDate"),
    )


def list_users(cognito: Any, *, user_pool_id: str, limit: int, next_token: str | None) -> UserList:
    # Fetch only the attributes shown, so no other personal data passes through the function.
    params: dict[str, Any] = {"UserPoolId": user_pool_id, "Limit": limit, "AttributesToGet": ["sub", "email"]}
    if next_token is not None:
        params["PaginationToken"] = next_token
    with aws_errors("users"):
        page = cognito.list_users(**params)
    return UserList(
        users=[to_admin_user(user) for user in page.get("Users", [])], next_token=page.get("PaginationToken")
    )
