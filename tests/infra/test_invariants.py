"""Invariants no scanner checks, asserted on every profile's synthesized templates.

cfn-lint, checkov and cdk-nag know generic best practice; these are rules of this architecture:
OAuth clients, retention of identity data, identity-pool trust, API authorization, function logging
and trigger timeouts.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from stacks import names
from tests.support import Synth

COGNITO_IDENTITY = "cognito-identity.amazonaws.com"
MINIMAL_AUTH_FLOWS = {"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_AUTH"}
PUBLIC_ROUTES = {"GET /health"}
COGNITO_TRIGGER_WAIT_SECONDS = 5


def resources_of(synth: Synth, resource_type: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """("<stack>/<logical id>", resource) for every resource of a type, in every stack."""
    for stack, template in synth.templates.items():
        for logical_id, resource in template["Resources"].items():
            if resource["Type"] == resource_type:
                yield f"{stack}/{logical_id}", resource


def properties_of(synth: Synth, resource_type: str) -> dict[str, dict[str, Any]]:
    found = {path: resource.get("Properties", {}) for path, resource in resources_of(synth, resource_type)}
    assert found, f"{synth.profile}: no {resource_type}"
    return found


def must_retain(synth: Synth) -> bool:
    """Production always retains identity data; so does any profile configured to."""
    return synth.profile == "prod" or synth.config.retain


def test_no_client_allows_the_implicit_grant(synth: Synth) -> None:
    for path, props in properties_of(synth, "AWS::Cognito::UserPoolClient").items():
        assert "implicit" not in props.get("AllowedOAuthFlows", []), path


def test_no_template_contains_the_cdk_placeholder_url(synth: Synth) -> None:
    for stack, template in synth.templates.items():
        assert "https://example.com" not in json.dumps(template), stack


def test_every_client_hides_user_existence_and_allows_revocation(synth: Synth) -> None:
    for path, props in properties_of(synth, "AWS::Cognito::UserPoolClient").items():
        assert props.get("PreventUserExistenceErrors") == "ENABLED", path
        assert props.get("EnableTokenRevocation") is True, path


def test_every_client_sets_explicit_minimal_auth_flows(synth: Synth) -> None:
    # Left unset, Cognito's default includes CUSTOM_AUTH; password flows never belong here, except the one a
    # lazy migration's SDK sign-in needs while it runs (migration.sdk_password_sign_in).
    migration = synth.config.migration
    allowed = MINIMAL_AUTH_FLOWS | (
        {"ALLOW_USER_PASSWORD_AUTH"} if migration and migration.sdk_password_sign_in else set()
    )
    for path, props in properties_of(synth, "AWS::Cognito::UserPoolClient").items():
        flows = props.get("ExplicitAuthFlows")
        assert flows, f"{path}: ExplicitAuthFlows not set"
        assert set(flows) <= allowed, f"{path}: {sorted(set(flows) - allowed)}"


def test_user_pool_is_protected_where_data_is_retained(synth: Synth) -> None:
    if not must_retain(synth):
        pytest.skip("this profile may be destroyed (removal: destroy)")
    for path, pool in resources_of(synth, "AWS::Cognito::UserPool"):
        assert pool["Properties"].get("DeletionProtection") == "ACTIVE", path
        assert (pool.get("DeletionPolicy"), pool.get("UpdateReplacePolicy")) == ("Retain", "Retain"), path


def test_identity_pool_attachment_data_bucket_and_records_table_are_retained_in_prod(synth: Synth) -> None:
    if not must_retain(synth):
        pytest.skip("this profile may be destroyed (removal: destroy)")
    retained = [
        *resources_of(synth, "AWS::Cognito::IdentityPool"),
        *resources_of(synth, "AWS::Cognito::IdentityPoolRoleAttachment"),
        (f"Auth/{names.DATA_BUCKET}", synth.templates["Auth"]["Resources"][names.DATA_BUCKET]),
        *resources_of(synth, "AWS::DynamoDB::Table"),
    ]
    assert len(retained) == 4
    for path, resource in retained:
        assert (resource.get("DeletionPolicy"), resource.get("UpdateReplacePolicy")) == ("Retain", "Retain"), path


def test_identity_pool_has_the_classic_flow_off(synth: Synth) -> None:
    for path, props in properties_of(synth, "AWS::Cognito::IdentityPool").items():
        assert props.get("AllowClassicFlow") is False, path


def test_every_role_trusted_by_cognito_identity_checks_aud_and_amr(synth: Synth) -> None:
    [pool_id] = [path.split("/")[1] for path, _ in resources_of(synth, "AWS::Cognito::IdentityPool")]
    trusted = 0
    for path, role in resources_of(synth, "AWS::IAM::Role"):
        for statement in role["Properties"]["AssumeRolePolicyDocument"]["Statement"]:
            federated = statement.get("Principal", {}).get("Federated", [])
            if COGNITO_IDENTITY not in ([federated] if isinstance(federated, str) else federated):
                continue
            trusted += 1
            conditions = statement.get("Condition", {})
            assert conditions.get("StringEquals", {}).get(f"{COGNITO_IDENTITY}:aud") == {"Ref": pool_id}, path
            amr = conditions.get("ForAnyValue:StringLike", {}).get(f"{COGNITO_IDENTITY}:amr")
            assert amr in ("authenticated", "unauthenticated"), path
    assert trusted > 0


def test_every_route_but_health_needs_a_jwt_with_scopes(synth: Synth) -> None:
    routes = {props["RouteKey"]: props for props in properties_of(synth, "AWS::ApiGatewayV2::Route").values()}
    assert routes.keys() >= PUBLIC_ROUTES
    for route_key, props in routes.items():
        if route_key in PUBLIC_ROUTES:
            continue
        assert props.get("AuthorizationType") == "JWT", route_key
        assert props.get("AuthorizationScopes"), route_key


def test_every_function_logs_to_its_own_log_group_with_retention(synth: Synth) -> None:
    for path, props in properties_of(synth, "AWS::Lambda::Function").items():
        stack = path.split("/")[0]
        log_group = props.get("LoggingConfig", {}).get("LogGroup")
        assert isinstance(log_group, dict), f"{path}: no explicit log group"
        assert set(log_group) == {"Ref"}, f"{path}: log group {log_group} is not a resource of this stack"
        resource = synth.templates[stack]["Resources"][log_group["Ref"]]
        assert resource["Type"] == "AWS::Logs::LogGroup", path
        assert resource["Properties"].get("RetentionInDays"), f"{path}: log group without retention"


def get_att_targets(node: Any) -> Iterator[str]:
    """Logical IDs that `Fn::GetAtt` points at anywhere under `node`."""
    if isinstance(node, dict):
        if "Fn::GetAtt" in node:
            yield node["Fn::GetAtt"][0]
        for value in node.values():
            yield from get_att_targets(value)


def test_every_trigger_times_out_within_cognitos_wait(synth: Synth) -> None:
    resources = synth.templates["Auth"]["Resources"]
    for path, props in properties_of(synth, "AWS::Cognito::UserPool").items():
        targets = set(get_att_targets(props.get("LambdaConfig", {})))
        triggers = {lid for lid in targets if resources[lid]["Type"] == "AWS::Lambda::Function"}
        assert triggers, f"{path}: no triggers"
        for logical_id in triggers:
            timeout = resources[logical_id]["Properties"].get("Timeout", 3)  # CloudFormation's default
            assert timeout <= COGNITO_TRIGGER_WAIT_SECONDS, f"{logical_id}: Timeout {timeout}"
