"""Alarms and dashboard: what pages someone, and where the notification goes."""

from __future__ import annotations

from typing import Any

from tests.support import Synth

TRIGGER_LABELS = ("PreSignUp", "PostConfirmation", "PreTokenGeneration", "CustomMessage")


def alarms(synth: Synth) -> dict[str, dict[str, Any]]:
    return {
        r["Properties"]["AlarmName"]: r["Properties"]
        for r in synth.templates["Api"]["Resources"].values()
        if r["Type"] == "AWS::CloudWatch::Alarm"
    }


def metric(alarm: dict[str, Any]) -> dict[str, Any]:
    (query,) = alarm["Metrics"]
    result: dict[str, Any] = query["MetricStat"]["Metric"]
    return result


def output_name(value: dict[str, Any]) -> str:
    name: str = value["Fn::GetStackOutput"]["OutputName"]
    return name


def test_every_alarm_notifies_the_alarm_topic_at_once(synth: Synth) -> None:
    for name, alarm in alarms(synth).items():
        (action,) = alarm["AlarmActions"]
        assert output_name(action).startswith("PublishOutputRefAlarmsTopic"), name
        assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (1, 1), name
        assert alarm["ActionsEnabled"] is True
        # ALARM only: `make e2e` resets the alarm it sets back to OK without notifying anyone.
        assert not {"OKActions", "InsufficientDataActions"} & set(alarm), name


def test_each_function_alarms_on_its_first_error_and_throttle(synth: Synth) -> None:
    by_name = alarms(synth)
    prefix = synth.config.prefix
    for label in ("ApiHandler", *TRIGGER_LABELS):
        for kind, metric_name in (("Fault", "Errors"), ("Throttled", "Throttles")):
            alarm = by_name[f"{prefix}-{label}-{kind}-Count-Critical"]
            assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (0, "GreaterThanThreshold")
            watched = metric(alarm)
            assert (watched["Namespace"], watched["MetricName"]) == ("AWS/Lambda", metric_name)
            (dimension,) = watched["Dimensions"]
            assert dimension["Name"] == "FunctionName"
            if label == "ApiHandler":
                assert set(dimension["Value"]) == {"Ref"}  # the function in this stack
                assert dimension["Value"]["Ref"].startswith("HttpApiHandlerFunction")
            else:
                assert output_name(dimension["Value"]).startswith(f"PublishOutputRefTriggers{label}Function")


def test_api_5xx_and_p99_latency_alarm(synth: Synth) -> None:
    by_name = alarms(synth)
    prefix = synth.config.prefix
    server_errors = by_name[f"{prefix}-Api-Fault-Count-Critical"]
    assert metric(server_errors)["MetricName"] == "5xx"
    assert metric(server_errors)["Namespace"] == "AWS/ApiGateway"
    assert server_errors["Threshold"] == 0
    latency = by_name[f"{prefix}-Api-Latency-P99-Warning"]
    assert latency["Threshold"] == 3000
    assert latency["Metrics"][0]["MetricStat"]["Stat"] == "p99"


def test_cognito_throttling_alarms_sum_every_client_of_this_pool(synth: Synth) -> None:
    # Cognito publishes these per pool *and* client (admin calls as "Admin"): a metric with the pool
    # dimension alone would never have data, and the alarm would never fire.
    by_name = alarms(synth)
    for category in ("SignUp", "SignIn", "TokenRefresh", "Federation"):
        alarm = by_name[f"{synth.config.prefix}-Cognito-{category}Throttles-Warning"]
        expression, *queries = alarm["Metrics"]
        assert expression["ReturnData"] is True
        assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")
        clients = []
        for query in queries:
            stat = query["MetricStat"]
            assert f"FILL({query['Id']}, 0)" in expression["Expression"]
            assert (stat["Metric"]["Namespace"], stat["Metric"]["MetricName"]) == (
                "AWS/Cognito",
                f"{category}Throttles",
            )
            assert stat["Stat"] == "Sum"
            pool, client = stat["Metric"]["Dimensions"]
            assert pool["Name"] == "UserPool"
            assert output_name(pool["Value"]).startswith("PublishOutputRefUserPool")
            assert client["Name"] == "UserPoolClient"
            value = client["Value"]
            clients.append(
                value if isinstance(value, str) else output_name(value).removeprefix("PublishOutputRef")[:-8]
            )
        assert clients == ["WebClient", "NativeClient", "ServiceClient", "Admin"]


def test_one_dashboard(synth: Synth) -> None:
    dashboards = [r for r in synth.templates["Api"]["Resources"].values() if r["Type"] == "AWS::CloudWatch::Dashboard"]
    assert len(dashboards) == 1
