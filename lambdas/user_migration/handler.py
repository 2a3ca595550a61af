"""Lambda entry point: user migration (UserMigration_Authentication, UserMigration_ForgotPassword).

The request holds the password the user typed: this function never logs the event, the request or an AWS
error message (which may echo request values), only the outcome, a reason code and AWS error codes.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from user_migration import aws
from user_migration.config import load_source
from user_migration.logic import (
    AUTHENTICATION,
    FORGOT_PASSWORD,
    RESET_FAILED,
    SIGN_IN_FAILED,
    MigrationRefusedError,
    authentication_response,
    check_can_reset,
    check_can_sign_in,
    final_status,
    forgot_password_response,
    migrated_attributes,
    old_user,
)

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
metrics = Metrics()
SOURCE = load_source(os.environ)
# AdminInitiateAuth's answers to a wrong password, an unknown, disabled or unconfirmed user, or one whose
# password the old pool has reset: all refuse the migration with the same message.
_REFUSED_BY_SOURCE = frozenset(
    {"NotAuthorizedException", "UserNotFoundException", "UserNotConfirmedException", "PasswordResetRequiredException"}
)


@logger.inject_lambda_context(log_event=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    trigger_source = str(event.get("triggerSource"))
    logger.append_keys(trigger_source=trigger_source)
    request = event.get("request")
    request = request if isinstance(request, dict) else {}
    try:
        if trigger_source == AUTHENTICATION:
            response = migrate_at_sign_in(event.get("userName"), request.get("password"))
        elif trigger_source == FORGOT_PASSWORD:
            response = migrate_for_reset(event.get("userName"))
        else:
            raise MigrationRefusedError(SIGN_IN_FAILED, "unknown_trigger_source")
    except MigrationRefusedError as refusal:
        metrics.add_metric(name="MigrationRefused", unit=MetricUnit.Count, value=1)
        logger.info("migration refused", extra={"reason": refusal.reason})
        raise
    event["response"] = {**(event["response"] if isinstance(event.get("response"), dict) else {}), **response}
    metrics.add_metric(name="UserMigrated", unit=MetricUnit.Count, value=1)
    logger.info("user migrated", extra={"final_user_status": response.get("finalUserStatus", "RESET_REQUIRED")})
    return event


def migrate_at_sign_in(user_name: object, password: object) -> dict[str, Any]:
    if not isinstance(user_name, str) or not user_name or not isinstance(password, str) or not password:
        raise MigrationRefusedError(SIGN_IN_FAILED, "no_username_or_password")
    client = aws.source_client(SOURCE.region)
    user = _source_user(client, user_name, SIGN_IN_FAILED)
    check_can_sign_in(user)
    try:
        answer = aws.authenticate(client, SOURCE.user_pool_id, SOURCE.client_id, user.username, password)
    except aws.aws_errors() as error:
        raise _refusal(error, SIGN_IN_FAILED) from None
    return authentication_response(migrated_attributes(user, SOURCE.attributes), final_status(answer))


def migrate_for_reset(user_name: object) -> dict[str, Any]:
    if not isinstance(user_name, str) or not user_name:
        raise MigrationRefusedError(RESET_FAILED, "no_username")
    user = _source_user(aws.source_client(SOURCE.region), user_name, RESET_FAILED)
    check_can_reset(user)
    return forgot_password_response(migrated_attributes(user, SOURCE.attributes))


def _source_user(client: Any, user_name: str, message: str) -> Any:
    try:
        return old_user(aws.get_user(client, SOURCE.user_pool_id, user_name))
    except aws.aws_errors() as error:
        raise _refusal(error, message) from None


def _refusal(error: Exception, message: str) -> MigrationRefusedError:
    code = aws.error_code(error)
    if code not in _REFUSED_BY_SOURCE:
        # Throttling, timeouts, a missing permission: an operator problem, worth an error log and an alarm.
        logger.error("source user pool call failed", extra={"error_code": code})
    return MigrationRefusedError(message, f"source_{code}")
