"""Dashboard and alarms for the API and the sign-in path, all notifying the one alarm topic."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from stacks.config import AppConfig
from stacks.constructs.alarms import AlarmTopic
from stacks.constructs.http_api import HttpApi

_PERIOD = cdk.Duration.minutes(5)
# Cognito publishes per-category throttle counts for each pool (AWS/Cognito namespace).
COGNITO_THROTTLE_METRICS = ("SignUpThrottles", "SignInThrottles", "TokenRefreshThrottles", "FederationThrottles")


class Monitoring(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: AppConfig,
        http_api: HttpApi,
        alarms: AlarmTopic,
        trigger_functions: dict[str, lambda_.IFunction],
        user_pool_id: str,
    ) -> None:
        super().__init__(scope, construct_id)
        api = http_api.api
        server_errors = api.metric_server_error(period=_PERIOD, statistic="Sum")
        latency = api.metric_latency(period=_PERIOD, statistic="p99")
        alarms.alarm(self, "Api5xx", metric=server_errors, threshold=1, description="HTTP API: 5xx responses")
        alarms.alarm(self, "ApiLatencyP99", metric=latency, threshold=3000, description="HTTP API: p99 latency >= 3 s")
        alarms.function_alarms(self, http_api.handler.function, "ApiHandler")

        throttles = [
            cloudwatch.Metric(
                namespace="AWS/Cognito",
                metric_name=name,
                dimensions_map={"UserPool": user_pool_id},
                period=_PERIOD,
                statistic="Sum",
            )
            for name in COGNITO_THROTTLE_METRICS
        ]
        for metric in throttles:
            alarms.alarm(
                self,
                f"Cognito{metric.metric_name}",
                metric=metric,
                description=f"Cognito: {metric.metric_name} (request quota reached)",
            )

        functions = {"ApiHandler": http_api.handler.function, **trigger_functions}
        cloudwatch.Dashboard(
            self,
            "Dashboard",
            dashboard_name=f"{config.prefix}-overview",
            widgets=[
                [
                    cloudwatch.GraphWidget(
                        title="API requests and errors",
                        left=[
                            api.metric_count(period=_PERIOD, statistic="Sum"),
                            api.metric_client_error(period=_PERIOD, statistic="Sum"),
                            server_errors,
                        ],
                    ),
                    cloudwatch.GraphWidget(title="API latency p99 (ms)", left=[latency]),
                ],
                [
                    cloudwatch.GraphWidget(
                        title="Function errors",
                        left=[
                            fn.metric_errors(period=_PERIOD, statistic="Sum", label=label)
                            for label, fn in functions.items()
                        ],
                    ),
                    cloudwatch.GraphWidget(
                        title="Function duration p99 (ms)",
                        left=[
                            fn.metric_duration(period=_PERIOD, statistic="p99", label=label)
                            for label, fn in functions.items()
                        ],
                    ),
                ],
                [cloudwatch.GraphWidget(title="Cognito throttles", left=list(throttles), width=24)],
            ],
        )
