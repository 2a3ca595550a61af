"""The asynchronous step of account deletion: queue, dead-letter queue, worker, alarm and shared settings."""

from __future__ import annotations

from typing import Any

import pytest

from stacks.constructs.account_erasure import (
    IDENTITY_CREDENTIALS_SECONDS,
    MAX_RECEIVES,
    SWEEP_MARGIN_SECONDS,
    WORKER_TIMEOUT,
    sweep_delay_seconds,
)
from tests.support import Synth, profile_config


def of_type(synth: Synth, resource_type: str, stack: str = "Api") -> dict[str, dict[str, Any]]:
    return {k: r for k, r in synth.templates[stack]["Resources"].items() if r["Type"] == resource_type}


def queues(synth: Synth) -> tuple[str, dict[str, Any], str, dict[str, Any]]:
    found = of_type(synth, "AWS::SQS::Queue")
    [(source_id, source)] = [(k, r) for k, r in found.items() if "RedrivePolicy" in r["Properties"]]
    [(dlq_id, dlq)] = [(k, r) for k, r in found.items() if k != source_id]
    return source_id, source["Properties"], dlq_id, dlq["Properties"]


def worker(synth: Synth) -> dict[str, Any]:
    [props] = [
        r["Properties"]
        for r in of_type(synth, "AWS::Lambda::Function").values()
        if r["Properties"]["Handler"] == "account_erasure.handler.lambda_handler"
    ]
    return props


def api_function(synth: Synth) -> dict[str, Any]:
    [props] = [
        r["Properties"]
        for r in of_type(synth, "AWS::Lambda::Function").values()
        if r["Properties"]["Handler"] == "api.handler.lambda_handler"
    ]
    return props


def test_every_queue_is_encrypted_and_tls_only(synth: Synth) -> None:
    found = of_type(synth, "AWS::SQS::Queue")
    assert len(found) == 2
    for props in (r["Properties"] for r in found.values()):
        assert props["SqsManagedSseEnabled"] is True
    policies = of_type(synth, "AWS::SQS::QueuePolicy")
    denied = {
        queue["Ref"]
        for policy in policies.values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement["Effect"] == "Deny" and statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for queue in policy["Properties"]["Queues"]
    }
    assert denied == set(found)


def test_failed_jobs_reach_the_dead_letter_queue_and_its_alarm(synth: Synth) -> None:
    _, source, dlq_id, dlq = queues(synth)
    assert source["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": [dlq_id, "Arn"]},
        "maxReceiveCount": MAX_RECEIVES,
    }
    assert dlq["MessageRetentionPeriod"] == 14 * 24 * 3600
    on_dlq = {"Name": "QueueName", "Value": {"Fn::GetAtt": [dlq_id, "QueueName"]}}
    [alarm] = [
        r["Properties"]
        for r in of_type(synth, "AWS::CloudWatch::Alarm").values()
        if any(
            on_dlq in m.get("MetricStat", {}).get("Metric", {}).get("Dimensions", [])
            for m in r["Properties"].get("Metrics", [])
        )
    ]
    [metric] = [m["MetricStat"]["Metric"] for m in alarm["Metrics"]]
    assert metric["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (0, "GreaterThanThreshold")
    assert alarm["AlarmActions"], "the alarm notifies the alarm topic"


def test_the_worker_gets_one_job_at_a_time_and_six_timeouts_of_visibility(synth: Synth) -> None:
    source_id, source, _, _ = queues(synth)
    timeout = worker(synth)["Timeout"]
    assert timeout == WORKER_TIMEOUT.to_seconds()
    assert source["VisibilityTimeout"] == 6 * timeout
    [mapping] = [r["Properties"] for r in of_type(synth, "AWS::Lambda::EventSourceMapping").values()]
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": [source_id, "Arn"]}
    assert mapping["BatchSize"] == 1
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_the_job_queued_first_waits_until_the_api_invocation_is_over(synth: Synth) -> None:
    # DELETE /me queues its job before erasing inline; the worker must not see it while the API still works on it.
    from api.account import API_RESERVE_SECONDS, HAND_OFF_DELAY_SECONDS

    timeout = api_function(synth)["Timeout"]
    assert timeout < HAND_OFF_DELAY_SECONDS
    assert timeout > API_RESERVE_SECONDS  # time for at least one page inline


def test_api_and_worker_share_the_erasure_settings(synth: Synth) -> None:
    shared = ("DATA_BUCKET", "RECORDS_TABLE", "USER_POOL_ID", "IDENTITY_POOL_ID", "ERASURE_QUEUE_URL",
              "ERASURE_SWEEP_DELAY_SECONDS")  # fmt: skip
    api, work = api_function(synth)["Environment"]["Variables"], worker(synth)["Environment"]["Variables"]
    assert {name: api[name] for name in shared} == {name: work[name] for name in shared}
    assert int(api["ERASURE_SWEEP_DELAY_SECONDS"]) == sweep_delay_seconds(synth.config, int(api["URL_EXPIRES_SECONDS"]))


@pytest.mark.parametrize(
    ("profile", "expected"),
    # dev: 60-minute access tokens + a 5-minute upload URL outlast the 1-hour identity credentials.
    [("dev", 60 * 60 + 300 + SWEEP_MARGIN_SECONDS), ("prod", IDENTITY_CREDENTIALS_SECONDS + SWEEP_MARGIN_SECONDS)],
)
def test_the_sweep_waits_for_every_credential_issued_before_the_deletion(profile: str, expected: int) -> None:
    assert sweep_delay_seconds(profile_config(profile), 300) == expected
