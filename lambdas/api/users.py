"""Administration: the user pool's users, one page at a time (ListUsers)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from api.aws import aws_errors
from api.models import date_time


def to_admin_user(user: Mapping[str, Any]) -> dict[str, Any]:
    """One user as models.ADMIN_USER shows it."""
    attributes = {item["Name"]: item.get("Value") for item in user.get("Attributes", [])}
    created = user.get("UserCreateDate")
    return {
        "username": user["Username"],
        "sub": attributes.get("sub"),
        "email": attributes.get("email"),
        "status": user.get("UserStatus"),
        "enabled": bool(user.get("Enabled", False)),
        "created": None if created is None else date_time(created),
    }


def list_users(cognito: Any, *, user_pool_id: str, limit: int, next_token: str | None) -> dict[str, Any]:
    """One page of users (models.USER_LIST)."""
    # Fetch only the attributes shown, so no other personal data passes through the function.
    params: dict[str, Any] = {"UserPoolId": user_pool_id, "Limit": limit, "AttributesToGet": ["sub", "email"]}
    if next_token is not None:
        params["PaginationToken"] = next_token
    with aws_errors("users"):
        page = cognito.list_users(**params)
    return {"users": [to_admin_user(user) for user in page.get("Users", [])], "next_token": page.get("PaginationToken")}
