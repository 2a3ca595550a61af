"""Lambda entry point of the HTTP API (`api.handler.lambda_handler`).

The environment is validated at import, i.e. at cold start: a misconfigured function fails its init
with one line naming the variable instead of answering requests.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from api.observability import logger, metrics
from api.routes import api
from api.settings import get_settings
from shared.snapstart import register_hooks

get_settings()
register_hooks("boto3")


# The event holds the token: never log it.
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return api.handle(event, context)
