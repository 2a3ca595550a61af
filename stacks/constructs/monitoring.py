"""Dashboard and alarms for the API, its function, the triggers and Cognito's request quotas.

Built with cdk-monitoring-constructs (one facade: consistent alarm names, thresholds and a
generated dashboard). Every alarm notifies the one alarm topic of the identity stack.
"""

from __future__ import annotations

import aws_cdk as cdk
import cdk_monitoring_constructs as monitoring
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from stacks.config import AppConfig
from stacks.constructs.account_erasure import AccountErasure
from stacks.constructs.alarms import AlarmTopic
from stacks.constructs.http_api import HttpApi

_PERIOD = cdk.Duration.minutes(5)
# Cognito publishes per-category throttle counts per pool *and* app client (AWS/Cognito namespace);
# admin API calls count under the client "Admin". A metric with the pool dimension alone has no data.
COGNITO_THROTTLE_METRICS = ("SignUpThrottles", "SignInThrottles", "TokenRefreshThrottles", "FederationThrottles")
ADMIN_CLIENT = "Admin"
API_P99_LATENCY = cdk.Duration.seconds(3)


def cognito_throttles(name: str, user_pool_id: str, client_ids: list[str]) -> cloudwatch.MathExpression:
    """One throttle category summed over every app client of the pool (missing data counts as 0)."""
    metrics = {
        f"{name.lower()}{i}": cloudwatch.Metric(
            namespace="AWS/Cognito",
            metric_name=name,
            dimensions_map={"UserPool": user_pool_id, "UserPoolClient": client_id},
            period=_PERIOD,
            statistic="Sum",
        )
        for i, client_id in enumerate([*client_ids, ADMIN_CLIENT])
    }
    return cloudwatch.MathExpression(
        expression=" + ".join(f"FILL({key}, 0)" for key in metrics), using_metrics=metrics, label=name, period=_PERIOD
    )


def _any_error() -> dict[str, monitoring.ErrorCountThreshold]:
    """Alarm on the first error in a period: every error here reaches a user."""
    return {"Critical": monitoring.ErrorCountThreshold(max_error_count=0)}


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
        erasure: AccountErasure,
        user_pool_id: str,
        client_ids: list[str],
    ) -> None:
        super().__init__(scope, construct_id)
        facade = monitoring.MonitoringFacade(
            self,
            "Facade",
            alarm_factory_defaults=monitoring.AlarmFactoryDefaults(
                alarm_name_prefix=config.prefix,
                actions_enabled=True,
                # One breaching 5-minute period is enough: each error here failed a real user.
                evaluation_periods=1,
                datapoints_to_alarm=1,
                action=monitoring.SnsAlarmActionStrategy(on_alarm_topic=alarms.topic),
            ),
            dashboard_factory=monitoring.DefaultDashboardFactory(
                self,
                "Dashboards",
                dashboard_name_prefix=config.prefix,
                create_dashboard=True,
                create_summary_dashboard=False,
                create_alarm_dashboard=False,
            ),
        )
        facade.monitor_api_gateway_v2_http_api(
            api=http_api.api,
            human_readable_name="HTTP API",
            alarm_friendly_name="Api",
            add5xx_count_alarm=_any_error(),
            add_latency_p99_alarm={"Warning": monitoring.LatencyThreshold(max_latency=API_P99_LATENCY)},
        )
        functions = {
            "ApiHandler": http_api.handler.function,
            "ErasureWorker": erasure.worker.function,
            **trigger_functions,
        }
        for label, function in functions.items():
            facade.monitor_lambda_function(
                lambda_function=function,
                human_readable_name=label,
                alarm_friendly_name=label,
                add_fault_count_alarm=_any_error(),
                add_throttles_count_alarm=_any_error(),
            )
        # An erasure job that failed every attempt: someone's data is still there.
        facade.monitor_sqs_queue_with_dlq(
            queue=erasure.queue,
            dead_letter_queue=erasure.dead_letters,
            human_readable_name="Account erasure jobs",
            alarm_friendly_name="AccountErasure",
            add_dead_letter_queue_max_size_alarm={"Critical": monitoring.MaxMessageCountThreshold(max_message_count=0)},
        )
        facade.monitor_custom(
            human_readable_name="Cognito request quotas",
            alarm_friendly_name="Cognito",
            metric_groups=[
                monitoring.CustomMetricGroup(
                    title="Throttled Cognito requests",
                    metrics=[
                        monitoring.CustomMetricWithAlarm(
                            metric=cognito_throttles(name, user_pool_id, client_ids),
                            alarm_friendly_name=name,
                            add_alarm={
                                "Warning": monitoring.CustomThreshold(
                                    threshold=1,
                                    comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                                    additional_description="Cognito request quota reached; clients are retrying",
                                )
                            },
                        )
                        for name in COGNITO_THROTTLE_METRICS
                    ],
                )
            ],
        )
