"""The local stack reads the synthesized templates: intrinsic functions resolved against local resources, the
functions' environments, the API's routes, CORS, access-log format and authorizer."""

from __future__ import annotations

import json
import os

import pytest

from aws_events.http_api import Exchange, Response
from local.api import access_log_line, api_parts
from local.assembly import Assembly, Resolver, Stack, UnresolvedError
from local.functions import function_specs
from local.resources import trigger_functions
from stacks import names
from stacks.constructs.http_api import ACCESS_LOG_FORMAT
from tests.support import Synth

POOL_ID = "us-east-1_LocalPool9"
INTEGRATION = "AWS::ApiGatewayV2::Integration"


@pytest.fixture(scope="module")
def assembly(dev: Synth) -> Assembly:
    stacks = tuple(Stack(stack_id, dev.stack_names[stack_id], template) for stack_id, template in dev.templates.items())
    return Assembly("dev", "us-east-1", stacks)


@pytest.fixture
def resolver(assembly: Assembly) -> Resolver:
    resolver = Resolver(assembly)
    auth = assembly.stack(names.AUTH_STACK)
    resolver.provide(auth, "UserPool", POOL_ID, Arn=f"arn:aws:cognito-idp:us-east-1:123456789012:userpool/{POOL_ID}")
    resolver.provide(auth, "DataBucket", "data-bucket-local")
    for logical_id, client_id in (("WebClient", "web1"), ("NativeClient", "native1"), ("ServiceClient", "svc1")):
        resolver.provide(auth, logical_id, client_id)
    for logical_id, _ in auth.resources("AWS::CloudFront::Distribution"):  # dev hosts the web app
        resolver.provide(auth, logical_id, "local", DomainName="127.0.0.1:9304")
    return resolver


def test_the_api_functions_environment_resolves_across_stacks(assembly: Assembly, resolver: Resolver) -> None:
    specs = function_specs(assembly, resolver, {"AWS_ENDPOINT_URL_S3": "http://127.0.0.1:1"})
    (api,) = [spec for spec in specs.values() if spec.handler == "api.handler.lambda_handler"]
    env = api.environment
    assert (env["USER_POOL_ID"], env["DATA_BUCKET"]) == (POOL_ID, "data-bucket-local")  # Fn::GetStackOutput
    assert json.loads(env["CLIENT_IDS"]) == ["web1", "native1", "svc1"]
    assert env["RESOURCE_SERVER_IDENTIFIER"] == "cognito-ref-api"
    assert (env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], api.timeout_s) == ("512", 10.0)
    assert env["AWS_ENDPOINT_URL_S3"] == "http://127.0.0.1:1"
    assert env["AWS_CONFIG_FILE"] == os.devnull  # never the developer's own AWS setup
    assert "AWS_PROFILE" not in env
    handlers = {spec.handler for spec in specs.values()}
    packages = ("pre_sign_up", "post_confirmation", "pre_token_generation", "custom_message", "api", "account_erasure")
    assert {f"{package}.handler.lambda_handler" for package in packages} == handlers


def test_the_pools_triggers_come_from_its_lambda_config(assembly: Assembly) -> None:
    triggers = trigger_functions(assembly)
    assert set(triggers) == {"PreSignUp", "PostConfirmation", "CustomMessage", "PreTokenGeneration_V2_0"}
    assert triggers["PreSignUp"].startswith("TriggersPreSignUp")


def test_with_snapstart_the_triggers_and_the_api_resolve_through_the_live_alias(full: Synth) -> None:
    # Given a profile with SnapStart: the pool's triggers and the API's integration name each function's `live`
    # alias (a Ref), not the function's ARN
    assert full.config.snapstart
    stacks = tuple(Stack(stack_id, full.stack_names[stack_id], t) for stack_id, t in full.templates.items())
    assembly = Assembly("full", "us-east-1", stacks)
    functions = {logical_id: properties["Handler"] for _, logical_id, properties in
                 assembly.resources("AWS::Lambda::Function")}  # fmt: skip
    # When the local stack looks for the functions behind them
    triggers = trigger_functions(assembly)
    api = assembly.stack(names.API_STACK)
    integrations = [api.function_behind(p["IntegrationUri"]) for _, p in api.resources(INTEGRATION)]
    # Then it finds the functions themselves, whose workers it runs
    assert functions[triggers["PreSignUp"]] == "pre_sign_up.handler.lambda_handler"
    assert functions[triggers["PostConfirmation"]] == "post_confirmation.handler.lambda_handler"
    assert functions[triggers["CustomMessage"]] == "custom_message.handler.lambda_handler"  # no alias: its ARN
    assert integrations
    assert {functions[str(i)] for i in integrations} == {"api.handler.lambda_handler"}
    assert api.function_behind({"Ref": "AWS::Region"}) is None


def test_unknown_references_fail_loudly(assembly: Assembly, resolver: Resolver) -> None:
    auth = assembly.stack(names.AUTH_STACK)
    assert resolver.resolve(auth, {"Ref": "AWS::Region"}) == "us-east-1"
    assert resolver.resolve(auth, {"Fn::Join": ["/", [{"Ref": "UserPool"}, "x"]]}) == f"{POOL_ID}/x"
    assert resolver.resolve(auth, {"Fn::Sub": "${UserPool}-${AWS::AccountId}"}) == f"{POOL_ID}-123456789012"
    with pytest.raises(UnresolvedError):
        resolver.resolve(auth, {"Fn::GetAtt": ["UserPool", "ProviderURL"]})
    with pytest.raises(UnresolvedError):
        resolver.resolve(auth, {"Fn::GetStackOutput": {"StackName": "other-stack", "OutputName": "X"}})


def test_routes_cors_log_format_and_authorizer_come_from_the_api_template(assembly: Assembly) -> None:
    routes, cors, log_format, jwt = api_parts(assembly.stack(names.API_STACK).template)
    assert {route.key: route.scopes for route in routes}["GET /admin/users"] == ("cognito-ref-api/admin",)
    assert {route.key for route in routes} == set(names.API_ROUTES)
    assert cors is not None
    assert cors.allow_origins[0] == "http://localhost:5173"
    assert "WebDistribution" in json.dumps(cors.allow_origins[1:])  # the hosted app's, resolved by the local stack
    assert json.loads(log_format) == ACCESS_LOG_FORMAT
    assert len(jwt["Audience"]) == 3


def test_an_access_log_line_fills_the_stage_format_and_never_a_token() -> None:
    log_format = json.dumps(ACCESS_LOG_FORMAT, separators=(",", ":"))
    event = {"routeKey": "GET /me", "requestContext": {"requestId": "r-1", "authorizer": {"jwt": {"claims": {
        "sub": "s-1", "client_id": "web1"}}}}}  # fmt: skip
    line = json.loads(access_log_line(log_format, Exchange(Response(200, (), b"{}"), event, integration_status=200),
                                      0.0, "127.0.0.1", 'agent "quoted"'))  # fmt: skip
    assert line["requestId"] == "r-1"
    assert (line["routeKey"], line["status"], line["sub"], line["clientId"]) == ("GET /me", "200", "s-1", "web1")
    assert line["userAgent"] == 'agent "quoted"'
    assert (line["authorizerError"], line["integrationError"], line["responseLength"]) == ("-", "-", "2")
    exchange = Exchange(Response(401), route_key="GET /me", authorizer_error="401 Unauthorized")
    refused = json.loads(access_log_line(log_format, exchange, 0.0, "ip", ""))
    assert (refused["routeKey"], refused["sub"], refused["authorizerError"]) == ("GET /me", "-", "401 Unauthorized")


def test_outputs_name_only_resources_the_local_stack_created(assembly: Assembly, resolver: Resolver) -> None:
    outputs = resolver.outputs(assembly.stack(names.AUTH_STACK))
    assert (outputs[names.Outputs.USER_POOL_ID], outputs[names.Outputs.DATA_BUCKET_NAME]) == (
        POOL_ID,
        "data-bucket-local",
    )
    assert outputs[names.Outputs.REGION] == "us-east-1"
    assert names.Outputs.ALARM_TOPIC_ARN not in outputs  # no topic locally: no made-up ARN either
    assert not any(key.startswith("PublishOutput") for key in outputs)  # the cross-stack plumbing
