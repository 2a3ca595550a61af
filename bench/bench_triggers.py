"""Cognito trigger Lambdas: their cold start (import, then the first invocation that calls Cognito) and their warm
invocations, against baselines measured in the same run (bench.rounds: fresh interpreters, interleaved rounds,
ratios within each round).

Run: `python -m bench triggers`. Baselines: a bare interpreter, the Powertools Logger import, an empty handler
decorated like ours (one metric per call), and for each trigger that calls Cognito the floor of that first call:
the Logger and Metrics import, one cognito-idp client configured as the triggers' (shared.trigger_aws), and the
same calls answered by botocore's Stubber (no network; parameter validation still runs). Events are built by
aws_events.cognito, as Cognito sends them.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import statistics
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

from aws_events import cognito as ev
from bench.rounds import Options, Row, Script, Series, footer, header, run_cold, run_warm, table
from bench.timing import FakeContext
from tests.unit.function_env import function_env

WARM_CALLS = 2_000
WARM_AWS_CALLS = 300  # each stubbed call needs a queued response
PRE_TOKEN_WARM_GOAL_US = 100  # issue 4's goal for the trigger on every sign-in and refresh (absolute)
TRIGGERS = ("pre_token_generation", "custom_message", "pre_sign_up", "post_confirmation", "user_migration")

EVENTS: dict[str, Callable[[], dict[str, Any]]] = {
    "pre_token_generation_sdk_sign_in": lambda: ev.pre_token_generation("TokenGeneration_Authentication"),
    "pre_token_generation_hosted_auth": lambda: ev.federated_token(
        "Google", "110169484474386276334", scopes=["openid", "email", "cognito-ref-api/profile.read"]
    ),
    "custom_message_sign_up": lambda: ev.custom_message("CustomMessage_SignUp"),
    "pre_sign_up_sign_up": lambda: ev.pre_sign_up("PreSignUp_SignUp"),
    "pre_sign_up_external_google": lambda: ev.federated_sign_up("Google", "110169484474386276334"),
    "post_confirmation_confirm_sign_up": lambda: ev.post_confirmation("PostConfirmation_ConfirmSignUp"),
    "user_migration_authentication": lambda: ev.user_migration("UserMigration_Authentication"),
}
OLD_USER = {
    "Username": "a1b2c3d4-0000-4000-8000-000000000001",
    "UserAttributes": [{"Name": "sub", "Value": "old-sub"}, {"Name": "email", "Value": ev.EMAIL}],
    "UserStatus": "CONFIRMED",
    "Enabled": True,
}
# The Cognito calls of each trigger's first AWS-calling invocation, as (method, response) for the Stubber.
CALLS: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "pre_sign_up": [("list_users", {"Users": []})],
    "post_confirmation": [("admin_add_user_to_group", {})],
    "user_migration": [
        ("admin_get_user", OLD_USER),
        ("admin_initiate_auth", {"AuthenticationResult": {"AccessToken": "x"}}),
    ],
}
# The same calls made directly, for the floor.
DIRECT_CALLS = {
    "pre_sign_up": "list(client.get_paginator('list_users').paginate(UserPoolId='us-east-1_T3stP00l1', "
    "Filter='email = \"x@example.com\"'))",
    "post_confirmation": "client.admin_add_user_to_group(UserPoolId='us-east-1_T3stP00l1', Username='u', "
    "GroupName='g')",
    "user_migration": "client.admin_get_user(UserPoolId='us-east-1_0ldP00l', Username='u'); client.admin_initiate_auth("
    "UserPoolId='us-east-1_0ldP00l', ClientId='c', AuthFlow='ADMIN_USER_PASSWORD_AUTH', "
    "AuthParameters={'USERNAME': 'u', 'PASSWORD': 'p'})",
}
# Where each handler keeps its client (created on first use), and the event of its first AWS-calling invocation.
HANDLER_CLIENTS = {
    "pre_sign_up": ("handler.aws.cognito_client()", "pre_sign_up_external_google"),
    "post_confirmation": ("handler.cognito_client()", "post_confirmation_confirm_sign_up"),
    "user_migration": ("handler.aws.source_client('us-east-1')", "user_migration_authentication"),
}
CONTEXT = (
    "context = type('Context', (), {'function_name': 'bench', 'memory_limit_in_mb': 256, 'aws_request_id': 'bench',"
    " 'invoked_function_arn': 'arn:aws:lambda:us-east-1:123456789012:function:bench'})()"
)
# The Cognito client as shared.trigger_aws builds it.
CLIENT = """
import boto3
from botocore.config import Config
client = boto3.client('cognito-idp', config=Config(connect_timeout=1, read_timeout=1.5,
                                                   retries={'mode': 'standard', 'total_max_attempts': 2}))
"""
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


def stub(client: str, trigger: str, *, repeat: int = 1) -> str:
    """Source that queues the trigger's Cognito answers, `repeat` times, on `client`."""
    responses = CALLS[trigger] * repeat
    return (
        f"from botocore.stub import Stubber\nstubber = Stubber({client})\n"
        f"for method, response in {responses!r}:\n    stubber.add_response(method, response)\nstubber.activate()\n"
    )


def first_invocation(trigger: str) -> str:
    client, event = HANDLER_CLIENTS[trigger]
    return "\n".join(
        [
            "import json",
            f"import {trigger}.handler as handler",
            stub(client, trigger),
            CONTEXT,
            f"handler.lambda_handler(json.loads({json.dumps(EVENTS[event]())!r}), context)",
        ]
    )


def floor(trigger: str) -> str:
    return "\n".join(
        ["from aws_lambda_powertools import Logger, Metrics", "Logger(); Metrics()", CLIENT, stub("client", trigger),
         DIRECT_CALLS[trigger]]
    )  # fmt: skip


def scripts() -> list[Script]:
    base = function_env("api")
    result = [
        Script("python", "python -c pass", "pass", base),
        Script("logger", "import Powertools Logger", "from aws_lambda_powertools import Logger", base),
        Script("empty", "empty trigger handler", EMPTY_HANDLER, base),
        *(Script(name, f"import {name}.handler", f"import {name}.handler", function_env(name)) for name in TRIGGERS),
    ]
    for trigger in HANDLER_CLIENTS:
        result.append(Script(f"{trigger}_floor", f"{trigger} floor", floor(trigger), function_env(trigger)))
        result.append(
            Script(f"{trigger}_first", f"{trigger} first call", first_invocation(trigger), function_env(trigger))
        )
    return result


COLD_ROWS = [
    Row("python", "cold python -c pass", "logger"),
    Row("logger", "cold import Powertools Logger  [baseline]", "logger"),
    Row("empty", "cold empty trigger handler (Logger + Metrics, one metric)", "logger"),
    Row("pre_token_generation", "cold import pre_token_generation.handler", "logger", 1.5),
    Row("custom_message", "cold import custom_message.handler", "logger", 1.5),
    Row("pre_sign_up", "cold import pre_sign_up.handler", "logger", 1.5),
    Row("post_confirmation", "cold import post_confirmation.handler", "logger", 1.5),
    Row("user_migration", "cold import user_migration.handler (our budget, as the sign-up triggers)", "logger", 1.5),
    Row("pre_sign_up_floor", "cold floor: Logger, Metrics, Cognito client, stubbed ListUsers  [baseline]",
        "pre_sign_up_floor"),
    Row("pre_sign_up_first", "cold pre_sign_up + first ExternalProvider (stubbed ListUsers)", "pre_sign_up_floor",
        1.15),
    Row("post_confirmation_floor", "cold floor: ..., stubbed AdminAddUserToGroup  [baseline]",
        "post_confirmation_floor"),
    Row("post_confirmation_first", "cold post_confirmation + first ConfirmSignUp (stubbed)", "post_confirmation_floor",
        1.15),
    Row("user_migration_floor", "cold floor: ..., stubbed AdminGetUser + AdminInitiateAuth  [baseline]",
        "user_migration_floor"),
    Row("user_migration_first", "cold user_migration + first Authentication (stubbed; our budget)",
        "user_migration_floor", 1.15),
]  # fmt: skip


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Logs and EMF metrics go to /dev/null (writing them is still measured)."""
    with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
        yield


def _invoker(handler: Callable[[dict[str, Any], Any], Any], name: str) -> Callable[[], object]:
    """Each call gets its own copy of the event (handlers fill in `response` in place)."""
    raw, context = json.dumps(EVENTS[name]()), FakeContext()
    return lambda: handler(json.loads(raw), context)


def _warm_series(options: Options) -> Series:
    for name in TRIGGERS:
        os.environ.update(function_env(name))
    namespace: dict[str, Any] = {}
    exec(EMPTY_HANDLER, namespace)
    handlers: dict[str, ModuleType] = {name: importlib.import_module(f"{name}.handler") for name in TRIGGERS}
    for trigger, (client, _) in HANDLER_CLIENTS.items():
        exec(stub(client, trigger, repeat=1 + options.rounds * WARM_AWS_CALLS), {"handler": handlers[trigger]})

    def call(trigger: str, event: str, batch: int = WARM_CALLS) -> tuple[Callable[[], object], int]:
        return _invoker(handlers[trigger].lambda_handler, event), batch

    calls = {
        "bare": (_invoker(lambda event, context: event, "pre_sign_up_sign_up"), WARM_CALLS),
        "empty": (_invoker(namespace["lambda_handler"], "pre_token_generation_sdk_sign_in"), WARM_CALLS),
        "pre_token_sdk": call("pre_token_generation", "pre_token_generation_sdk_sign_in"),
        "pre_token_hosted": call("pre_token_generation", "pre_token_generation_hosted_auth"),
        "custom_message": call("custom_message", "custom_message_sign_up"),
        "pre_sign_up": call("pre_sign_up", "pre_sign_up_sign_up"),
        "pre_sign_up_google": call("pre_sign_up", "pre_sign_up_external_google", WARM_AWS_CALLS),
        "post_confirmation": call("post_confirmation", "post_confirmation_confirm_sign_up", WARM_AWS_CALLS),
        "user_migration": call("user_migration", "user_migration_authentication", WARM_AWS_CALLS),
    }
    return run_warm(calls, options)


def warm(options: Options) -> list[str]:
    with _quiet():  # before the imports: each Logger binds the stdout of its creation
        series = _warm_series(options)
    verdicts = table(
        f"Cognito triggers: warm invocation (per call, {options.clock} clock, {options.rounds} rounds; "
        "ratio to the empty handler)",
        series,
        [
            Row("bare", "warm bare function, event copy only (no Powertools)", None),
            Row("empty", "warm empty trigger handler (Logger + Metrics, one metric)  [baseline]", "empty"),
            Row("pre_token_sdk", "warm pre_token_generation, SDK sign-in", "empty"),
            Row("pre_token_hosted", "warm pre_token_generation, hosted UI", "empty"),
            Row("custom_message", "warm custom_message, SignUp", "empty"),
            Row("pre_sign_up", "warm pre_sign_up, SignUp (no AWS call)", "empty"),
            Row("pre_sign_up_google", "warm pre_sign_up, ExternalProvider (stubbed ListUsers)", "empty"),
            Row("post_confirmation", "warm post_confirmation (stubbed AdminAddUserToGroup)", "empty"),
            Row("user_migration", "warm user_migration (stubbed AdminGetUser + AdminInitiateAuth)", "empty"),
        ],
    )
    pre_token = statistics.median(series.values["pre_token_sdk"])
    verdict = "ok" if pre_token <= PRE_TOKEN_WARM_GOAL_US else "OVER"
    return [*verdicts, f"warm pre_token_generation: {pre_token:.1f} us, goal {PRE_TOKEN_WARM_GOAL_US} us: {verdict}"]


def main(options: Options) -> None:
    cold_scripts = scripts()
    header("Cognito triggers", options, scripts=len(cold_scripts))
    series = run_cold(cold_scripts, options)
    title = f"Cognito triggers: cold start (median of {options.rounds} rounds; ratio to the baseline)"
    verdicts = table(title, series, COLD_ROWS)
    verdicts += warm(options)
    footer(verdicts)
