"""SnapStart behind the `snapstart` switch (decision 15): on for the API and the sign-up triggers only, each invoked
through an alias of its published version, never through $LATEST; off, nothing changes."""

from __future__ import annotations

from typing import Any

from stacks.constructs.lambda_defaults import LIVE_ALIAS
from tests.support import Synth

SNAPSTART_PACKAGES = {"api", "pre_sign_up", "post_confirmation"}


def resources(synth: Synth, stack: str) -> dict[str, Any]:
    result: dict[str, Any] = synth.templates[stack]["Resources"]
    return result


def functions(synth: Synth) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """Handler package -> (stack, logical id, properties) of every function of the app."""
    found = {}
    for stack in ("Auth", "Api"):
        for logical_id, resource in resources(synth, stack).items():
            handler = (
                str(resource["Properties"].get("Handler", "")) if resource["Type"] == "AWS::Lambda::Function" else ""
            )
            if handler.endswith(".handler.lambda_handler"):
                found[handler.split(".")[0]] = (stack, logical_id, resource["Properties"])
    return found


def aliases(synth: Synth, stack: str) -> dict[str, dict[str, Any]]:
    return {k: r["Properties"] for k, r in resources(synth, stack).items() if r["Type"] == "AWS::Lambda::Alias"}


def test_snapstart_is_on_for_the_api_and_the_sign_up_triggers_only(full: Synth) -> None:
    on = {package for package, (_, _, props) in functions(full).items() if "SnapStart" in props}

    assert on == SNAPSTART_PACKAGES
    for package in on:
        assert functions(full)[package][2]["SnapStart"] == {"ApplyOn": "PublishedVersions"}


def test_callers_invoke_the_alias_of_a_published_version(full: Synth) -> None:
    for package in SNAPSTART_PACKAGES:
        stack, logical_id, _ = functions(full)[package]
        (alias_id, alias), *others = [
            (k, a) for k, a in aliases(full, stack).items() if a["FunctionName"] == {"Ref": logical_id}
        ]
        assert not others
        assert alias["Name"] == LIVE_ALIAS
        version = resources(full, stack)[alias["FunctionVersion"]["Fn::GetAtt"][0]]
        assert version["Type"] == "AWS::Lambda::Version"
        assert version["Properties"]["FunctionName"] == {"Ref": logical_id}
        # Cognito's trigger or API Gateway's integration names the alias, and may invoke only the alias
        permissions = [
            r["Properties"]
            for r in resources(full, stack).values()
            if r["Type"] == "AWS::Lambda::Permission"
            and r["Properties"]["FunctionName"] in ({"Ref": alias_id}, {"Ref": logical_id})
        ]
        assert permissions
        assert all(p["FunctionName"] == {"Ref": alias_id} for p in permissions), package

    lambda_config = resources(full, "Auth")["UserPool"]["Properties"]["LambdaConfig"]
    for trigger, package in (("PreSignUp", "pre_sign_up"), ("PostConfirmation", "post_confirmation")):
        assert aliases(full, "Auth")[lambda_config[trigger]["Ref"]]["FunctionName"] == {
            "Ref": functions(full)[package][1]
        }
    integrations = [
        r["Properties"] for r in resources(full, "Api").values() if r["Type"] == "AWS::ApiGatewayV2::Integration"
    ]
    assert [i["IntegrationUri"] for i in integrations] == [{"Ref": next(iter(aliases(full, "Api")))}]


def test_without_the_switch_no_function_has_snapstart_or_an_alias(dev: Synth, prod: Synth) -> None:
    for synth in (dev, prod):
        assert not synth.config.snapstart
        assert not any("SnapStart" in props for _, _, props in functions(synth).values())
        assert not aliases(synth, "Auth")
        assert not aliases(synth, "Api")
