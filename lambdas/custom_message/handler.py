"""Lambda entry point: custom message (CustomMessage_* trigger sources).

The event is read as a plain dict: Powertools' Cognito data classes would import every event data class
(~50 % of the Logger import time again) for a handful of key lookups.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from custom_message.config import load_config
from custom_message.logic import MessageError, check_templates, compose
from custom_message.templates import load_templates

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
metrics = Metrics()
CONFIG = load_config(os.environ)
TEMPLATES = load_templates()
check_templates(CONFIG, TEMPLATES)


@logger.inject_lambda_context(correlation_id_path="request.userAttributes.sub", log_event=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    trigger_source = str(event.get("triggerSource"))
    caller = event.get("callerContext") or {}
    try:
        message = compose(trigger_source, event.get("request") or {}, caller.get("clientId"), CONFIG, TEMPLATES)
    except MessageError as error:
        # Cognito's default message beats a failed sign-up or password reset.
        logger.error(
            "falling back to the default message", extra={"trigger_source": trigger_source, "reason": str(error)}
        )
        message = None
    if message is None:
        metrics.add_metric(name="MessageDefaulted", unit=MetricUnit.Count, value=1)
        return event
    response = event.get("response")
    if not isinstance(response, dict):
        response = event["response"] = {}
    response["smsMessage"] = message.sms
    if CONFIG.customise_email:
        response.update(emailSubject=message.subject, emailMessage=message.email)
    # Otherwise the email fields stay as Cognito sent them: with its default sender, Cognito refuses a
    # response that sets them and the user gets no email at all (custom_message/config.py).
    metrics.add_metric(name="MessageCustomized", unit=MetricUnit.Count, value=1)
    logger.info(
        "message customised", extra={"trigger_source": trigger_source, "email_customised": CONFIG.customise_email}
    )
    return event
