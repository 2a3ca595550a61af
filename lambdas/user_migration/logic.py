"""User migration decisions, free of AWS objects: which old users may move, with which attributes and status.

Sources (AWS developer guide and API reference):
- "Migrate user Lambda trigger": the response's userAttributes must hold attributes of this pool's schema
  (an unknown one fails the migration); finalUserStatus CONFIRMED keeps the password, RESET_REQUIRED makes the
  user reset it at once (the client handles PasswordResetRequiredException); messageAction SUPPRESS sends no
  welcome message; a verified email is needed for the forgot-password flow to deliver its code.
- "Importing users with a user migration Lambda trigger": never log the request (it holds the password).
- AdminGetUser: Username, UserStatus, Enabled, UserAttributes (with `sub`, which Cognito assigns anew in this
  pool, and `identities` for linked federated users, which only Cognito writes).
- AdminInitiateAuth: ADMIN_USER_PASSWORD_AUTH answers with tokens, or with a challenge once the password is
  verified (NEW_PASSWORD_REQUIRED for a temporary password, MFA_SETUP, SELECT_MFA_TYPE, SMS_MFA,
  SOFTWARE_TOKEN_MFA, EMAIL_OTP); a wrong password, a disabled user and (with prevent-user-existence errors) an
  unknown one are NotAuthorizedException.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

AUTHENTICATION = "UserMigration_Authentication"
FORGOT_PASSWORD = "UserMigration_ForgotPassword"  # noqa: S105 - a trigger source

# Cognito shows the message of a refusal to the user ("UserMigration failed with error <message>"). Every
# refusal before the password is verified says the same, so the trigger tells nobody which accounts exist.
SIGN_IN_FAILED = "Incorrect username or password."
RESET_FAILED = "The password of this account cannot be reset. Please contact support."

# Challenges AdminInitiateAuth returns only after it has verified the password.
_NEW_PASSWORD = "NEW_PASSWORD_REQUIRED"  # noqa: S105 - a challenge name
_MFA_CHALLENGES = frozenset({"MFA_SETUP", "SELECT_MFA_TYPE", "SMS_MFA", "SOFTWARE_TOKEN_MFA", "EMAIL_OTP"})
# Old-pool statuses whose users may reset their password into this pool (an UNCONFIRMED user never proved
# they own the email; EXTERNAL_PROVIDER users sign in through their identity provider, not with a password).
_RESETTABLE = frozenset({"CONFIRMED", "RESET_REQUIRED", "FORCE_CHANGE_PASSWORD"})
# Attributes only Cognito writes: a migration response that carries one is refused.
_NEVER_MIGRATED = frozenset({"sub", "identities"})


class MigrationRefusedError(Exception):
    """Refuse the migration: `str()` is safe to show the user, `reason` is for the logs."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class OldUser(NamedTuple):
    username: str
    status: str
    enabled: bool
    attributes: dict[str, str]


def old_user(response: Mapping[str, Any]) -> OldUser:
    """The parts of an AdminGetUser response the migration uses."""
    attributes = {a["Name"]: a.get("Value", "") for a in response.get("UserAttributes") or [] if "Name" in a}
    return OldUser(
        username=str(response["Username"]),
        status=str(response.get("UserStatus", "UNKNOWN")),
        enabled=response.get("Enabled") is True,
        attributes=attributes,
    )


def migrated_attributes(user: OldUser, allowed: Iterable[str]) -> dict[str, str]:
    """The old user's attributes that this pool's schema has, without the ones only Cognito writes."""
    names = set(allowed) - _NEVER_MIGRATED
    return {
        name: value
        for name, value in user.attributes.items()
        if name in names and not name.startswith("cognito:") and value != ""
    }


def check_can_sign_in(user: OldUser) -> None:
    if not user.enabled:
        raise MigrationRefusedError(SIGN_IN_FAILED, "disabled_in_source")
    if user.status == "EXTERNAL_PROVIDER":
        raise MigrationRefusedError(SIGN_IN_FAILED, "federated_user")


def check_can_reset(user: OldUser) -> None:
    if not user.enabled:
        raise MigrationRefusedError(RESET_FAILED, "disabled_in_source")
    if user.status not in _RESETTABLE:
        raise MigrationRefusedError(RESET_FAILED, f"status_{user.status.lower()}")
    if user.attributes.get("email_verified") != "true":
        # Cognito could deliver no reset code (UM): the user would be created and stuck.
        raise MigrationRefusedError(RESET_FAILED, "email_not_verified")


def final_status(auth_response: Mapping[str, Any]) -> str:
    """The new user's status once AdminInitiateAuth accepted the password.

    CONFIRMED keeps the password. A temporary password (NEW_PASSWORD_REQUIRED) and an account the old pool
    protects with MFA become RESET_REQUIRED: the password alone must never open an MFA-protected account, and
    the reset code goes to the verified email (the same proof the old pool's own reset asks for).
    """
    if auth_response.get("AuthenticationResult"):
        return "CONFIRMED"
    challenge = auth_response.get("ChallengeName")
    if challenge == _NEW_PASSWORD or challenge in _MFA_CHALLENGES:
        return "RESET_REQUIRED"
    # Any other answer does not prove the password: fail closed.
    raise MigrationRefusedError(SIGN_IN_FAILED, f"unexpected_challenge_{str(challenge).lower()}")


def authentication_response(attributes: dict[str, str], status: str) -> dict[str, Any]:
    return {"userAttributes": attributes, "finalUserStatus": status, "messageAction": "SUPPRESS"}


def forgot_password_response(attributes: dict[str, str]) -> dict[str, Any]:
    """Cognito then sends the reset code; the user is created as RESET_REQUIRED (UM)."""
    return {"userAttributes": attributes, "messageAction": "SUPPRESS"}
