"""What each Lambda handler imports, seen from a fresh interpreter with the function's environment: no X-Ray SDK
anywhere, and no boto3 (nor pydantic) until an invocation calls an AWS service.

A probe imports `<package>.handler` as Lambda does (lambdas/ on the path, the function's environment), optionally
invokes it once, and reports every module loaded and every top-level import *attempted* (a finder at the front of
sys.meta_path sees each one), so a module that is not installed here (the X-Ray SDK is not, since Powertools'
`tracer` extra was dropped) is caught as surely as one that is.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from aws_events import cognito as ev
from tests.unit.api_env import access_claims, event_for, request
from tests.unit.function_env import FUNCTION_ENV, USER_POOL_ID, function_env

REPO = Path(__file__).resolve().parents[2]
HANDLERS = sorted(path.parent.name for path in (REPO / "lambdas").glob("*/handler.py"))
NO_XRAY = ("aws_xray_sdk",)
# Powertools' own package imports the bare `botocore` package (a user-agent hook, no botocore submodule); anything
# more of botocore, boto3 itself and pydantic cost more than a whole lean cold start.
NOT_AT_COLD_START = ("boto3", "botocore.", "pydantic", "pydantic_core")

PROBE = """
import importlib, json, sys

class Recorder:
    attempted = set()

    def find_spec(self, name, path=None, target=None):
        self.attempted.add(name.split(".")[0])
        return None

sys.meta_path.insert(0, Recorder())
module, event = sys.argv[1], json.loads(sys.stdin.read())
error = None
try:
    handler = importlib.import_module(module)
    if event is not None:
        handler.lambda_handler(event, type("Context", (), {
            "function_name": "probe", "memory_limit_in_mb": 256, "aws_request_id": "probe",
            "invoked_function_arn": "arn:aws:lambda:us-east-1:123456789012:function:probe"})())
except Exception as exc:
    error = f"{type(exc).__name__}: {exc}"
print("\\n" + json.dumps({"loaded": sorted(sys.modules), "attempted": sorted(Recorder.attempted), "error": error}))
"""


def probe(
    module: str, env: dict[str, str], event: dict[str, Any] | None = None, *, root: Path = REPO
) -> dict[str, Any]:
    """Import `module` (and invoke its lambda_handler with `event`) in a fresh interpreter; what it loaded."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, module],
        input=json.dumps(event),
        cwd=root,
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(root / "lambdas"), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    report: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return report


def offending(report: dict[str, Any], names: tuple[str, ...]) -> list[str]:
    """Modules of `names` the probe loaded or tried to import (a name ending in "." covers its submodules only)."""
    found = {m for m in report["loaded"] if any(m == n or (n.endswith(".") and m.startswith(n)) for n in names)}
    found |= {m for m in report["attempted"] if m in names}
    return sorted(found)


@pytest.mark.parametrize("package", HANDLERS)
def test_no_handler_imports_the_xray_sdk_or_an_aws_client_at_cold_start(package: str) -> None:
    report = probe(f"{package}.handler", function_env(package))

    assert report["error"] is None
    assert offending(report, NO_XRAY) == []
    assert offending(report, NOT_AT_COLD_START) == []


def api_event(method: str, path: str, *, claims: bool = True) -> dict[str, Any]:
    return event_for(request(method, path, token=None), access_claims(USER_POOL_ID) if claims else None)


# Invocations that call no AWS service, per function (API Gateway and Cognito events as AWS delivers them).
NO_AWS_CALL = {
    "api GET /health": ("api", lambda: api_event("GET", "/health", claims=False)),
    "api GET /me": ("api", lambda: api_event("GET", "/me")),
    "api GET /admin/users without the admin scope": ("api", lambda: api_event("GET", "/admin/users")),
    "pre_sign_up SignUp": ("pre_sign_up", lambda: ev.pre_sign_up("PreSignUp_SignUp")),
    "post_confirmation ConfirmForgotPassword": (
        "post_confirmation",
        lambda: ev.post_confirmation("PostConfirmation_ConfirmForgotPassword"),
    ),
    "pre_token_generation": ("pre_token_generation", lambda: ev.pre_token_generation("TokenGeneration_Authentication")),
    "custom_message": ("custom_message", lambda: ev.custom_message("CustomMessage_SignUp")),
}


@pytest.mark.parametrize("case", sorted(NO_AWS_CALL))
def test_an_invocation_that_calls_no_aws_service_never_imports_boto3(case: str) -> None:
    package, event = NO_AWS_CALL[case]

    report = probe(f"{package}.handler", function_env(package), event())

    assert offending(report, NO_XRAY) == []
    assert offending(report, ("boto3", "botocore.")) == []


@pytest.mark.parametrize(
    ("case", "package", "event"),
    [
        ("api GET /files", "api", api_event("GET", "/files")),
        ("pre_sign_up ExternalProvider", "pre_sign_up", ev.federated_sign_up("Google", "110169484474386276334")),
        (
            "post_confirmation ConfirmSignUp",
            "post_confirmation",
            ev.post_confirmation("PostConfirmation_ConfirmSignUp"),
        ),
    ],
)
def test_an_invocation_that_calls_aws_does_import_boto3(case: str, package: str, event: dict[str, Any]) -> None:
    # The probe sees boto3 when it is there; the call itself goes nowhere (no endpoint answers on this port)
    env = {**function_env(package), "AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_MAX_ATTEMPTS": "1"}

    report = probe(f"{package}.handler", env, event)

    assert "boto3" in offending(report, ("boto3",))


def test_the_probe_catches_a_tracer_and_an_eager_client(tmp_path: Path) -> None:
    # Given handlers that create Powertools' Tracer, or a boto3 client, at import
    package = tmp_path / "lambdas" / "eager"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "traced.py").write_text("from aws_lambda_powertools import Tracer\ntracer = Tracer()\n")
    (package / "client.py").write_text("import boto3\nclient = boto3.client('s3')\n")
    env = {**function_env("api"), "POWERTOOLS_TRACE_DISABLED": "1"}

    traced = probe("eager.traced", env, root=tmp_path)
    client = probe("eager.client", env, root=tmp_path)

    # Then the X-Ray SDK is seen whether or not it is installed, and the client is seen too
    assert offending(traced, NO_XRAY) == ["aws_xray_sdk"]
    assert "boto3" in offending(client, NOT_AT_COLD_START)


def test_every_function_is_probed_with_the_variables_its_stack_sets(full: Any) -> None:
    variables = {}
    for template in full.templates.values():
        for resource in template["Resources"].values():
            props = resource["Properties"] if resource["Type"] == "AWS::Lambda::Function" else {}
            if str(props.get("Handler", "")).endswith(".handler.lambda_handler"):
                package = props["Handler"].split(".")[0]
                variables[package] = set(props.get("Environment", {}).get("Variables", {}))

    assert set(variables) == set(HANDLERS) == set(FUNCTION_ENV)
    for package, names in variables.items():
        assert names <= set(function_env(package)), package


# What Lambda does around a SnapStart snapshot, with the hooks the handler registered at import.
SNAPSHOT = """
import importlib, json, random, sys
import snapshot_restore_py as hooks

importlib.import_module(sys.argv[1])
at_import = "boto3" in sys.modules
for func, args, kwargs in hooks._before_snapshot_registry:  # the library keeps its registrations here
    func(*args, **kwargs)
before_snapshot = "boto3" in sys.modules
state = random.getstate()
for func, args, kwargs in hooks._after_restore_registry:
    func(*args, **kwargs)
print(json.dumps({"at_import": at_import, "before_snapshot": before_snapshot, "reseeded": random.getstate() != state}))
"""


@pytest.mark.parametrize("package", ["api", "post_confirmation", "pre_sign_up"])
@pytest.mark.parametrize("initialization", ["snap-start", "on-demand"])
def test_under_snapstart_boto3_is_loaded_before_the_snapshot_and_random_reseeded_after_restore(
    package: str, initialization: str
) -> None:
    env = {**function_env(package), "AWS_LAMBDA_INITIALIZATION_TYPE": initialization}
    result = subprocess.run(
        [sys.executable, "-c", SNAPSHOT, f"{package}.handler"],
        cwd=REPO,
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(REPO / "lambdas"), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )

    seen = json.loads(result.stdout.strip().splitlines()[-1])
    snapstart = initialization == "snap-start"
    assert seen == {"at_import": False, "before_snapshot": snapstart, "reseeded": snapstart}
