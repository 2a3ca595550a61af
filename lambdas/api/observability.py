"""One Logger and one Metrics per container, shared by the handler and the routes.

Service name and metrics namespace come from POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE. No tracer:
Lambda's active tracing records each invocation without an SDK in the function (decision 14).
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics

logger = Logger()
metrics = Metrics()
