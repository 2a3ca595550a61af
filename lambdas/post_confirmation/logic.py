"""Post confirmation decisions; the cognito-idp client is passed in, so the logic holds no AWS state."""

from __future__ import annotations

from typing import Any, Protocol

CONFIRM_SIGN_UP = "PostConfirmation_ConfirmSignUp"


class GroupClient(Protocol):
    """The part of the cognito-idp client this function uses."""

    def admin_add_user_to_group(self, *, UserPoolId: str, Username: str, GroupName: str) -> Any: ...  # noqa: N803


def should_add_to_group(trigger_source: str) -> bool:
    """Only a confirmed sign-up joins the default group; ConfirmForgotPassword also fires this trigger."""
    return trigger_source == CONFIRM_SIGN_UP


def add_to_default_group(client: GroupClient, *, user_pool_id: str, username: str, group: str) -> None:
    """Add the user to the group. AdminAddUserToGroup is idempotent (a member stays a member), so
    Cognito's retries after a timeout are safe."""
    client.admin_add_user_to_group(UserPoolId=user_pool_id, Username=username, GroupName=group)
