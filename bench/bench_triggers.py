"""Cognito trigger Lambdas: cold import time of each handler and warm time per invocation.

Run: `python -m bench triggers`. Baselines come from the same run: a bare interpreter, the Powertools Logger
import, and an empty handler decorated like ours (Logger + Metrics, one metric per call). AWS-calling
handlers use their own boto3 client with botocore's Stubber attached (no network; parameter validation and
response parsing still run). Tracing is disabled, as in tests: in Lambda, X-Ray adds to both columns for
pre_sign_up and post_confirmation. Goals: pre_token_generation and custom_message import in <= 1.5x the
Logger import; pre_token_generation handles an invocation in <= 100 us.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

from aws_events import cognito as ev
from bench.timing import LAMBDA_ENV, FakeContext, cold_import_ms, per_call_us, table

# The events are built as Cognito sends them (aws_events.cognito).
EVENTS: dict[str, Callable[[], dict[str, Any]]] = {
    "pre_token_generation_sdk_sign_in": lambda: ev.pre_token_generation("TokenGeneration_Authentication"),
    "pre_token_generation_hosted_auth": lambda: ev.federated_token(
        "Google", "110169484474386276334", scopes=["openid", "email", "cognito-ref-api/profile.read"]
    ),
    "custom_message_sign_up": lambda: ev.custom_message("CustomMessage_SignUp"),
    "pre_sign_up_sign_up": lambda: ev.pre_sign_up("PreSignUp_SignUp"),
    "pre_sign_up_external_google": lambda: ev.federated_sign_up("Google", "110169484474386276334"),
    "post_confirmation_confirm_sign_up": lambda: ev.post_confirmation("PostConfirmation_ConfirmSignUp"),
}
CALLS = 2_000
AWS_CALLS = 300  # each stubbed call needs a queued response

ENV = {
    "GROUP_SCOPES": json.dumps(
        {"admins": ["profile.read", "files.read", "files.write", "admin"], "users": ["profile.read", "files.read"]}
    ),
    "RESOURCE_SERVER_IDENTIFIER": "cognito-ref-api",
    "REMOVE_ADMIN_API_SCOPE": "true",
    "LOGIN_URL": "https://cognito-ref-dev-login.auth.us-east-1.amazoncognito.com",
    "APP_NAME": "Cognito Ref",
    "WEB_CALLBACK_URL": "https://app.example.com/callback",
    "EMAIL_SENDING_ACCOUNT": "DEVELOPER",
    "ALLOWED_EMAIL_DOMAINS": "[]",
    "BLOCKED_EMAIL_DOMAINS": '["mailinator.com", "guerrillamail.com"]',
    "DEFAULT_GROUP": "users",
    **LAMBDA_ENV,
}
# Same decorators and one metric, no work: the floor every trigger stands on.
EMPTY_HANDLER = """
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
logger = Logger()
metrics = Metrics()
@logger.inject_lambda_context(log_event=False)
@metrics.log_metrics
def lambda_handler(event, context):
    metrics.add_metric(name="Invoked", unit=MetricUnit.Count, value=1)
    return event
"""
TRIGGERS = ("pre_token_generation", "custom_message", "pre_sign_up", "post_confirmation")
LEAN = ("pre_token_generation", "custom_message")


def _with_env(statement: str) -> str:
    return f"import os; os.environ.update({ENV!r}); {statement}"


def _invoker(handler: Callable[[dict[str, Any], Any], Any], name: str) -> Callable[[], object]:
    """Each call gets its own copy of the event (handlers fill in `response` in place)."""
    raw = json.dumps(EVENTS[name]())
    context = FakeContext()
    return lambda: handler(json.loads(raw), context)


def _stub(client: Any, method: str, response: dict[str, Any], count: int) -> None:
    """Queue `count` canned responses on the handler's own (cached) client; nothing leaves the process."""
    from botocore.stub import Stubber

    stubber = Stubber(client)
    for _ in range(count):
        stubber.add_response(method, response)
    stubber.activate()


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Logs and EMF metrics go to /dev/null (writing them is still measured)."""
    with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
        yield


def _import(name: str) -> ModuleType:
    return importlib.import_module(f"{name}.handler")


def _warm_rows() -> list[tuple[str, float, str, float | None]]:
    namespace: dict[str, Any] = {}
    exec(EMPTY_HANDLER, namespace)
    floor = per_call_us(_invoker(namespace["lambda_handler"], "pre_token_generation_sdk_sign_in"), calls=CALLS)

    pre_token, custom_message, pre_sign_up, post_confirmation = (_import(name) for name in TRIGGERS)
    responses = AWS_CALLS * 5 + 1  # per_call_us: one warm-up call, then 5 repeats
    _stub(pre_sign_up.aws.cognito_client(), "list_users", {"Users": []}, responses)
    _stub(post_confirmation.cognito_client(), "admin_add_user_to_group", {}, responses)

    def warm(label: str, handler: ModuleType, event: str, calls: int = CALLS) -> tuple[str, float, str, float]:
        value = per_call_us(_invoker(handler.lambda_handler, event), calls=calls)
        return (f"warm {label}", value, "us", value / floor)

    bare = per_call_us(_invoker(lambda event, context: event, "pre_sign_up_sign_up"), calls=CALLS)
    return [
        ("warm bare function, event copy only (no Powertools)", bare, "us", None),
        ("warm empty handler (Logger + Metrics)  [baseline]", floor, "us", 1.0),
        warm("pre_token_generation, SDK sign-in", pre_token, "pre_token_generation_sdk_sign_in"),
        warm("pre_token_generation, hosted UI", pre_token, "pre_token_generation_hosted_auth"),
        warm("custom_message, SignUp", custom_message, "custom_message_sign_up"),
        warm("pre_sign_up, SignUp (no AWS call)", pre_sign_up, "pre_sign_up_sign_up"),
        warm(
            "pre_sign_up, ExternalProvider (stubbed ListUsers)", pre_sign_up, "pre_sign_up_external_google", AWS_CALLS
        ),
        warm(
            "post_confirmation (stubbed AddUserToGroup)",
            post_confirmation,
            "post_confirmation_confirm_sign_up",
            AWS_CALLS,
        ),
    ]


def main() -> None:
    python = cold_import_ms("pass")
    logger = cold_import_ms("from aws_lambda_powertools import Logger")
    empty = cold_import_ms(f"exec({EMPTY_HANDLER!r})")
    imports = {name: cold_import_ms(_with_env(f"import {name}.handler")) for name in TRIGGERS}
    cold: list[tuple[str, float, str, float | None]] = [
        ("cold python -c pass", python, "ms", python / logger),
        ("cold import Powertools Logger  [baseline]", logger, "ms", 1.0),
        ("cold empty handler (Logger + Metrics)", empty, "ms", empty / logger),
        *((f"cold import {name}.handler", value, "ms", value / logger) for name, value in imports.items()),
    ]

    os.environ.update(ENV)
    with _quiet():
        warm = _warm_rows()

    table("Cognito triggers: cold import (fresh interpreter, median of 7; ratio vs Logger import)", cold)
    table("Cognito triggers: warm invocation (best of 5; ratio vs empty Powertools handler)", warm)
    for name in LEAN:
        ratio = imports[name] / logger
        print(f"  goal {name} import <= 1.5x Logger: {ratio:.2f}x {_verdict(ratio, 1.5)}")
    print(f"  goal pre_token_generation warm <= 100 us: {warm[2][1]:.1f} us {_verdict(warm[2][1], 100)}")


def _verdict(value: float, limit: float) -> str:
    return "ok" if value <= limit else "MISSED"
