"""Trigger wiring: which function serves which trigger, how it is built, what it may do."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Match

from stacks.constructs.lambda_defaults import POWERTOOLS_LAYER_PARAMETER, POWERTOOLS_VERSION
from tests.support import REPO, Synth

TRIGGERS = {
    "PreSignUp": "pre_sign_up",
    "PostConfirmation": "post_confirmation",
    "PreTokenGenerationConfig": "pre_token_generation",
    "CustomMessage": "custom_message",
    "UserMigration": "user_migration",  # only where `migration` is configured (the full test profile)
}


def resources(synth: Synth, stack: str = "Auth") -> dict[str, Any]:
    result: dict[str, Any] = synth.templates[stack]["Resources"]
    return result


def trigger_functions(synth: Synth) -> dict[str, tuple[str, dict[str, Any]]]:
    """Trigger name -> (function logical id, function properties)."""
    config = resources(synth)["UserPool"]["Properties"]["LambdaConfig"]
    result = {}
    for trigger, value in config.items():
        arn = value["LambdaArn"] if trigger == "PreTokenGenerationConfig" else value
        logical_id = invoked_function(synth, arn)
        result[trigger] = (logical_id, resources(synth)[logical_id]["Properties"])
    return result


def invoked_function(synth: Synth, arn: dict[str, Any], stack: str = "Auth") -> str:
    """The logical id of the function an ARN reference invokes, directly or through a SnapStart alias."""
    if "Fn::GetAtt" in arn:
        return str(arn["Fn::GetAtt"][0])
    alias = resources(synth, stack)[arn["Ref"]]
    assert alias["Type"] == "AWS::Lambda::Alias"
    return str(alias["Properties"]["FunctionName"]["Ref"])


def test_each_trigger_is_served_by_its_handler(synth: Synth) -> None:
    functions = trigger_functions(synth)
    expected = {t: p for t, p in TRIGGERS.items() if t != "UserMigration" or synth.config.migration}
    assert {t: props["Handler"] for t, (_, props) in functions.items()} == {
        t: f"{package}.handler.lambda_handler" for t, package in expected.items()
    }


def test_pre_token_generation_uses_event_version_2(synth: Synth) -> None:
    lambda_config = resources(synth)["UserPool"]["Properties"]["LambdaConfig"]
    assert lambda_config["PreTokenGenerationConfig"]["LambdaVersion"] == "V2_0"
    assert "PreTokenGeneration" not in lambda_config  # no V1 trigger beside it


def test_functions_are_arm64_newest_runtime_traced_and_within_cognitos_timeout(synth: Synth) -> None:
    for _, props in trigger_functions(synth).values():
        assert props["Architectures"] == ["arm64"]
        assert props["Runtime"] == "python3.14"
        assert props["Timeout"] <= 5  # Cognito waits 5 s, then retries
        assert props["MemorySize"] == 256
        assert props["TracingConfig"] == {"Mode": "Active"}


def test_powertools_comes_from_the_managed_layer_pinned_to_the_tested_version(synth: Synth) -> None:
    parameters = synth.templates["Auth"]["Parameters"]
    layer_parameter = next(p for p in parameters.values() if p.get("Default") == POWERTOOLS_LAYER_PARAMETER)
    assert layer_parameter["Type"] == "AWS::SSM::Parameter::Value<String>"
    pinned = next(
        line
        for line in (REPO / "requirements-dev.txt").read_text().splitlines()
        if line.startswith("aws-lambda-powertools")
    )
    assert pinned.endswith(f"=={POWERTOOLS_VERSION}")
    assert POWERTOOLS_LAYER_PARAMETER.endswith(f"/arm64/python3.14/{POWERTOOLS_VERSION}")
    parameter_id = next(k for k, p in parameters.items() if p.get("Default") == POWERTOOLS_LAYER_PARAMETER)
    for _, props in trigger_functions(synth).values():
        assert props["Layers"] == [{"Ref": parameter_id}]


def test_every_function_logs_to_its_own_log_group_with_retention(synth: Synth) -> None:
    for stack in ("Auth", "Api"):
        for r in resources(synth, stack).values():
            if r["Type"] != "AWS::Lambda::Function":
                continue
            group_id = r["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
            group = resources(synth, stack)[group_id]
            assert group["Properties"]["RetentionInDays"] == synth.config.log_retention_days


def test_trigger_environment_carries_the_config(dev: Synth) -> None:
    env = {t: props["Environment"]["Variables"] for t, (_, props) in trigger_functions(dev).items()}
    assert json.loads(env["PreSignUp"]["BLOCKED_EMAIL_DOMAINS"]) == ["mailinator.com", "guerrillamail.com"]
    assert env["PostConfirmation"]["DEFAULT_GROUP"] == "users"
    assert json.loads(env["PreTokenGenerationConfig"]["GROUP_SCOPES"]) == {
        "admins": ["profile.read", "files.read", "files.write", "notes.read", "notes.write", "account.delete", "admin"],
        "users": ["profile.read", "files.read", "files.write", "notes.read", "notes.write", "account.delete"],
    }
    assert env["PreTokenGenerationConfig"]["REMOVE_ADMIN_API_SCOPE"] == "false"
    assert env["CustomMessage"]["LOGIN_URL"] == {
        "Fn::Join": ["", ["https://myapp-dev-login.auth.", {"Ref": "AWS::Region"}, ".amazoncognito.com"]]
    }


@pytest.mark.parametrize(
    ("trigger", "actions"),
    [
        (
            "PreSignUp",
            ["cognito-idp:AdminLinkProviderForUser", "cognito-idp:ListIdentityProviders", "cognito-idp:ListUsers"],
        ),
        ("PostConfirmation", "cognito-idp:AdminAddUserToGroup"),
    ],
)
def test_aws_calling_triggers_may_act_on_this_pool_only(synth: Synth, trigger: str, actions: Any) -> None:
    _, props = trigger_functions(synth)[trigger]
    role_id = props["Role"]["Fn::GetAtt"][0]
    # A separate policy naming the pool's ARN, attached after the pool exists (no cycle, no wildcard).
    synth.template("Auth").has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": [{"Action": actions, "Effect": "Allow", "Resource": {"Fn::GetAtt": ["UserPool", "Arn"]}}],
                "Version": "2012-10-17",
            },
            "Roles": [{"Ref": role_id}],
        },
    )


@pytest.mark.parametrize("trigger", ["PreTokenGenerationConfig", "CustomMessage"])
def test_pure_triggers_may_only_log_and_trace(synth: Synth, trigger: str) -> None:
    _, props = trigger_functions(synth)[trigger]
    role_id = props["Role"]["Fn::GetAtt"][0]
    role = resources(synth)[role_id]["Properties"]
    assert "ManagedPolicyArns" not in role  # no AWSLambdaBasicExecutionRole
    statements = [
        s
        for r in resources(synth).values()
        if r["Type"] == "AWS::IAM::Policy" and {"Ref": role_id} in r["Properties"]["Roles"]
        for s in r["Properties"]["PolicyDocument"]["Statement"]
    ]
    actions = sorted(a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"]))
    assert actions == ["logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTelemetryRecords", "xray:PutTraceSegments"]


def test_cognito_may_invoke_each_trigger_from_this_pool_only(synth: Synth) -> None:
    for trigger, value in resources(synth)["UserPool"]["Properties"]["LambdaConfig"].items():
        invoked = value["LambdaArn"] if trigger == "PreTokenGenerationConfig" else value  # a function or an alias
        synth.template("Auth").has_resource_properties(
            "AWS::Lambda::Permission",
            {
                "Action": "lambda:InvokeFunction",
                "FunctionName": invoked,
                "Principal": "cognito-idp.amazonaws.com",
                "SourceArn": {"Fn::GetAtt": ["UserPool", "Arn"]},
            },
        )


def test_alarm_topic_is_encrypted_and_mails_the_configured_address(prod: Synth, dev: Synth) -> None:
    prod.template("Auth").has_resource_properties(
        "AWS::SNS::Topic", {"KmsMasterKeyId": Match.object_like({"Fn::GetAtt": Match.any_value()})}
    )
    prod.template("Auth").has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "ops@your-company.example"}
    )
    dev.template("Auth").resource_count_is("AWS::SNS::Subscription", 0)


def test_user_migration_is_wired_only_when_configured(synth: Synth) -> None:
    lambda_config = resources(synth)["UserPool"]["Properties"]["LambdaConfig"]
    assert ("UserMigration" in lambda_config) == (synth.config.migration is not None)


def test_user_migration_may_call_only_its_two_operations_on_the_old_pool(full: Synth) -> None:
    assert full.config.migration is not None
    _, props = trigger_functions(full)["UserMigration"]
    role_id = props["Role"]["Fn::GetAtt"][0]
    statements = [
        s
        for r in resources(full).values()
        if r["Type"] == "AWS::IAM::Policy" and {"Ref": role_id} in r["Properties"]["Roles"]
        for s in r["Properties"]["PolicyDocument"]["Statement"]
        if any(
            str(a).startswith("cognito-idp:") for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
        )
    ]
    old_pool = {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":cognito-idp:eu-west-1:",
                {"Ref": "AWS::AccountId"},
                ":userpool/eu-west-1_0ldP00l42",
            ],
        ]
    }
    assert statements == [
        {
            "Action": ["cognito-idp:AdminGetUser", "cognito-idp:AdminInitiateAuth"],
            "Effect": "Allow",
            "Resource": old_pool,
        }
    ]
    env = props["Environment"]["Variables"]
    assert env["SOURCE_USER_POOL_ID"] == "eu-west-1_0ldP00l42"
    assert env["SOURCE_CLIENT_ID"] == full.config.migration.source_client_id
    assert "sub" not in json.loads(env["MIGRATED_ATTRIBUTES"])


def test_sdk_password_sign_in_is_added_only_for_a_migration(synth: Synth) -> None:
    flows = [
        r["Properties"].get("ExplicitAuthFlows", [])
        for r in resources(synth).values()
        if r["Type"] == "AWS::Cognito::UserPoolClient"
    ]
    wanted = bool(synth.config.migration and synth.config.migration.sdk_password_sign_in)
    assert any("ALLOW_USER_PASSWORD_AUTH" in f for f in flows) == wanted
