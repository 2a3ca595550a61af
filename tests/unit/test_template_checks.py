"""The offline cycle check that makes `cdk synth` fail where CloudFormation would fail at deploy."""

from __future__ import annotations

from typing import Any

import pytest

from stacks.template_checks import dependency_graph, find_cycle


def template(**resources: dict[str, Any]) -> dict[str, Any]:
    return {"Resources": {name: {"Type": "AWS::X::Y", **body} for name, body in resources.items()}}


def test_references_of_every_kind_become_edges() -> None:
    graph = dependency_graph(
        template(
            Pool={"Properties": {"LambdaConfig": {"PreSignUp": {"Fn::GetAtt": ["Fn", "Arn"]}}}},
            Fn={"Properties": {"Role": {"Fn::GetAtt": "Role.Arn"}}, "DependsOn": "Policy"},
            Policy={"Properties": {"Roles": [{"Ref": "Role"}], "Doc": {"Fn::Sub": "arn:${Pool.Arn}/${AWS::Region}"}}},
            Role={"Properties": {"Name": {"Fn::Sub": ["${Name}-x", {"Name": {"Ref": "Param"}}]}}},
        )
    )
    assert graph == {"Pool": {"Fn"}, "Fn": {"Role", "Policy"}, "Policy": {"Role", "Pool"}, "Role": set()}


def test_a_trigger_policy_naming_the_pool_inside_the_functions_default_policy_is_a_cycle() -> None:
    # The classic mistake: Pool -> Function -> (DependsOn) DefaultPolicy -> Pool ARN.
    graph = dependency_graph(
        template(
            Pool={"Properties": {"LambdaConfig": {"PreSignUp": {"Fn::GetAtt": ["Fn", "Arn"]}}}},
            Fn={"Properties": {}, "DependsOn": ["DefaultPolicy"]},
            DefaultPolicy={"Properties": {"Resource": {"Fn::GetAtt": ["Pool", "Arn"]}}},
        )
    )
    assert find_cycle(graph) == ["DefaultPolicy", "Pool", "Fn", "DefaultPolicy"]


def test_a_separate_policy_attached_after_the_pool_is_not_a_cycle() -> None:
    graph = dependency_graph(
        template(
            Pool={"Properties": {"LambdaConfig": {"PreSignUp": {"Fn::GetAtt": ["Fn", "Arn"]}}}},
            Fn={"Properties": {"Role": {"Fn::GetAtt": ["Role", "Arn"]}}},
            Role={"Properties": {}},
            PoolAccess={"Properties": {"Roles": [{"Ref": "Role"}], "Resource": {"Fn::GetAtt": ["Pool", "Arn"]}}},
        )
    )
    assert find_cycle(graph) is None


@pytest.mark.parametrize("profile", ["dev", "prod", "full"])
def test_the_apps_templates_have_no_cycle(profile: str) -> None:
    from tests.support import synth_profile

    for stack in synth_profile(profile).templates.values():
        assert find_cycle(dependency_graph(stack)) is None
