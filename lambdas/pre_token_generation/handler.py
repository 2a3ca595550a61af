"""Lambda entry point: pre token generation V2_0 (runs on every sign-in and token refresh; keep it lean).

The event is read as a plain dict: Powertools' Cognito data classes would import every event data class
(~50 % of the Logger import time again) for a handful of key lookups.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from pre_token_generation.config import load_config
from pre_token_generation.logic import (
    CLIENT_CREDENTIALS,
    USER_SOURCES,
    customise_tokens,
    group_names,
    str_list,
    unknown_source_overrides,
)

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
metrics = Metrics()
CONFIG = load_config(os.environ)
if CONFIG.groups_granting_admin:
    logger.warning(
        "GROUP_SCOPES grants the admin scope outside the admin group; it will not be granted",
        extra={"groups": CONFIG.groups_granting_admin, "admin_group": CONFIG.admin_group},
    )


@logger.inject_lambda_context(correlation_id_path="request.userAttributes.sub", log_event=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    trigger_source = event.get("triggerSource")
    if trigger_source == CLIENT_CREDENTIALS:
        # A machine token (V3_0 events): no user, so no group scopes and no roles, whatever the event holds.
        metrics.add_metric(name="MachineTokenUnchanged", unit=MetricUnit.Count, value=1)
        return event
    request = event.get("request")
    request = request if isinstance(request, dict) else {}
    granted = str_list(request.get("scopes"))
    if trigger_source in USER_SOURCES:
        result = customise_tokens(groups=group_names(request.get("groupConfiguration")), granted=granted, config=CONFIG)
        details = result.details
        metrics.add_metric(name="ScopesAdded", unit=MetricUnit.Count, value=len(result.scopes_added))
        if result.admin_withheld:
            metrics.add_metric(name="AdminScopeWithheld", unit=MetricUnit.Count, value=1)
            logger.warning("admin scope withheld from a user outside the admin group")
    else:
        details = unknown_source_overrides(granted, CONFIG)
        metrics.add_metric(name="UnknownTriggerSource", unit=MetricUnit.Count, value=1)
        logger.warning("unknown trigger source: no scopes granted", extra={"trigger_source": str(trigger_source)})
    response = event.get("response")
    if not isinstance(response, dict):
        response = event["response"] = {}
    response["claimsAndScopeOverrideDetails"] = details
    return event
