"""Helpers for the Cognito trigger tests: a fake Lambda context, fresh handler imports, log checks.

Events come from `aws_events.cognito`, which builds them as Cognito sends them, with their sources.

Handlers read their configuration at import (cold start), so each test imports its handler anew after
setting the environment, with a Powertools service name of its own (no state shared between tests).
Powertools' Logger binds `sys.stdout` when it is created, which during fixture setup is not yet the
stream capsys reads; the handler's log stream is therefore pointed at whatever stdout is current.
"""

from __future__ import annotations

import importlib
import itertools
import json
import sys
from types import ModuleType
from typing import Any

import pytest

from aws_events.cognito import PERSONAL_DATA

_service_ids = itertools.count()


class FakeLambdaContext:
    function_name = "cognito-ref-trigger"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:cognito-ref-trigger"
    aws_request_id = "52fdfc07-2182-154f-163f-5f0f9a621d72"


class _CurrentStdout:
    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


def import_handler(package: str, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """Import `<package>.handler` as on a cold start, with the environment the test has set."""
    for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", f"{package}-test-{next(_service_ids)}")
    module = importlib.import_module(f"{package}.handler")
    module.logger.registered_handler.setStream(_CurrentStdout())
    return module


def powertools_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "CognitoRefTest")
    # Handlers pass log_event=False: even this switch must not put an event (emails, phones) in the logs.
    monkeypatch.setenv("POWERTOOLS_LOGGER_LOG_EVENT", "true")


def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and region for moto; nothing may reach AWS."""
    for name, value in {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
    }.items():
        monkeypatch.setenv(name, value)


def log_lines(output: str) -> list[dict[str, Any]]:
    """The JSON lines Powertools wrote to stdout (log records and EMF metric blobs)."""
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def metric_names(output: str) -> list[str]:
    return [
        metric["Name"]
        for line in log_lines(output)
        for directive in line.get("_aws", {}).get("CloudWatchMetrics", [])
        for metric in directive["Metrics"]
    ]


def assert_no_personal_data(output: str) -> None:
    assert output.strip(), "expected captured log output"
    for value in PERSONAL_DATA:
        assert value not in output, f"{value!r} leaked into the logs"
