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
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from aws_events.cognito import PERSONAL_DATA

REPO_ROOT = Path(__file__).parents[2]

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
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "1")
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


def assert_lean_import(module: str) -> None:
    """In a fresh interpreter, importing `module` adds no boto3, botocore or pydantic module.

    Powertools' own __init__ imports the bare `botocore` package (a user-agent hook, ~0.4 ms); nothing
    of botocore beyond that may be loaded.
    """
    probe = (
        "import json, sys, importlib; import aws_lambda_powertools; before = set(sys.modules); "
        f"importlib.import_module({module!r}); "
        "print(json.dumps({'added': sorted(set(sys.modules) - before), 'all': sorted(sys.modules)}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": "lambdas:."},
        capture_output=True,
        text=True,
        check=True,
    )
    modules = json.loads(result.stdout.strip().splitlines()[-1])
    assert not [m for m in modules["added"] if m.split(".")[0] in ("boto3", "botocore", "pydantic")]
    assert not [m for m in modules["all"] if m.split(".")[0] in ("boto3", "pydantic") or m.startswith("botocore.")]
