"""Lambda entry point: post confirmation.

The event is read as a plain dict: Powertools' Cognito data classes would import every event data class for the
three keys read here, at every cold start.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from post_confirmation.aws import aws_errors, cognito_client, error_code
from post_confirmation.config import load_default_group
from post_confirmation.logic import add_to_default_group, should_add_to_group
from shared.snapstart import register_hooks

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
metrics = Metrics()
DEFAULT_GROUP = load_default_group(os.environ)
register_hooks("boto3")


class AccountSetupError(Exception):
    """Shown to the user by Cognito: keep the message generic."""


@logger.inject_lambda_context(correlation_id_path="request.userAttributes.sub", log_event=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    trigger_source = str(event.get("triggerSource"))
    if not should_add_to_group(trigger_source):
        metrics.add_metric(name="PostConfirmationSkipped", unit=MetricUnit.Count, value=1)
        logger.info("nothing to do for this trigger source", extra={"trigger_source": trigger_source})
        return event
    try:
        add_to_default_group(
            cognito_client(), user_pool_id=event["userPoolId"], username=event["userName"], group=DEFAULT_GROUP
        )
    except aws_errors() as error:
        metrics.add_metric(name="GroupAssignmentFailed", unit=MetricUnit.Count, value=1)
        logger.error("could not add the user to the default group", extra={"error_code": error_code(error)})
        # The user is confirmed already (this trigger runs after confirmation); an alarm on errors catches this.
        raise AccountSetupError(
            "Your account is confirmed, but we could not finish setting it up. Please contact support."
        ) from None
    metrics.add_metric(name="UserAddedToGroup", unit=MetricUnit.Count, value=1)
    logger.info("user added to the default group", extra={"group": DEFAULT_GROUP})
    return event
