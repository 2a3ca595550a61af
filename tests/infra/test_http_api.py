"""The HTTP API: authorizer, per-route scopes, stage logging and throttling, CORS, the function."""

from __future__ import annotations

import json
import re
from typing import Any

from aws_cdk.assertions import Match

from aws_events.http_api import Route, routes_from_template
from stacks import names
from tests.infra.iam_eval import Stacks
from tests.support import Synth

_HASHES = re.compile(r"(?:[0-9A-F]{8}){1,2}$")  # CDK's logical-ID hash and the output name's own
EXPECTED_ROUTES = {
    "GET /health": None,
    "GET /me": "profile.read",
    "GET /files": "files.read",
    "POST /files/upload-url": "files.write",
    "GET /files/download-url": "files.read",
    "DELETE /files": "files.write",
    "GET /notes": "notes.read",
    "POST /notes": "notes.write",
    "GET /notes/{id}": "notes.read",
    "PUT /notes/{id}": "notes.write",
    "DELETE /notes/{id}": "notes.write",
    "DELETE /me": "account.delete",
    "GET /admin/users": "admin",
    "DELETE /admin/users/{sub}": "admin",
}


def api_resources(synth: Synth, type_: str) -> list[dict[str, Any]]:
    return [r for r in synth.templates["Api"]["Resources"].values() if r["Type"] == type_]


def test_every_route_requires_a_jwt_with_its_scope_except_health(synth: Synth) -> None:
    identifier = synth.config.resource_server_identifier
    routes = {r["Properties"]["RouteKey"]: r["Properties"] for r in api_resources(synth, "AWS::ApiGatewayV2::Route")}
    assert set(routes) == set(EXPECTED_ROUTES)
    for key, scope in EXPECTED_ROUTES.items():
        props = routes[key]
        if scope is None:
            assert props["AuthorizationType"] == "NONE"
            continue
        assert props["AuthorizationType"] == "JWT", key
        assert props["AuthorizationScopes"] == [f"{identifier}/{scope}"], key
        assert "AuthorizerId" in props, key


def test_the_gateway_model_reads_the_routes_that_deploy(synth: Synth) -> None:
    # The unit tests put the handler behind names.API_ROUTES; `make local` reads the template. Both must agree.
    identifier = synth.config.resource_server_identifier
    expected = {
        Route(key, None if scope is None else (f"{identifier}/{scope}",)) for key, scope in names.API_ROUTES.items()
    }

    assert set(routes_from_template(synth.templates["Api"])) == expected


def test_authorizer_trusts_this_pool_and_our_clients_only(synth: Synth) -> None:
    (authorizer,) = api_resources(synth, "AWS::ApiGatewayV2::Authorizer")
    props = authorizer["Properties"]
    assert props["AuthorizerType"] == "JWT"
    assert props["IdentitySource"] == ["$request.header.Authorization"]
    issuer = props["JwtConfiguration"]["Issuer"]["Fn::Join"][1]
    assert issuer[0] == "https://cognito-idp."
    assert issuer[-1]["Fn::GetStackOutput"]["OutputName"].startswith("PublishOutputRefUserPool")
    audience = [a["Fn::GetStackOutput"]["OutputName"] for a in props["JwtConfiguration"]["Audience"]]
    assert [a.removeprefix("PublishOutputRef")[:-8] for a in audience] == ["WebClient", "NativeClient", "ServiceClient"]


def test_stage_throttles_and_writes_json_access_logs_without_tokens(synth: Synth) -> None:
    (stage,) = api_resources(synth, "AWS::ApiGatewayV2::Stage")
    props = stage["Properties"]
    assert props["StageName"] == "$default"
    assert props["AutoDeploy"] is True
    assert props["DefaultRouteSettings"] == {
        "ThrottlingBurstLimit": synth.config.api.throttle_burst_limit,
        "ThrottlingRateLimit": synth.config.api.throttle_rate_limit,
    }
    log_format = json.loads(props["AccessLogSettings"]["Format"])
    assert {"requestId", "routeKey", "status", "authorizerError", "integrationError", "sub"} <= set(log_format)
    assert log_format["sub"] == "$context.authorizer.claims.sub"
    assert not any("header.Authorization" in v or "authorization" in v.lower() for v in log_format.values())
    destination = Stacks(synth.templates).resolve("Api", props["AccessLogSettings"]["DestinationArn"])
    # The plain log-group ARN, as API Gateway stores it: with ":*" drift detection never settles.
    assert destination.startswith("arn:aws:logs:eu-west-1:111122223333:log-group:")
    assert not destination.endswith(":*")
    group = synth.templates["Api"]["Resources"][destination.rsplit(":", 1)[1]]
    assert group["Type"] == "AWS::Logs::LogGroup"
    assert group["Properties"]["RetentionInDays"] == synth.config.log_retention_days


def test_cors_only_for_configured_origins(synth: Synth) -> None:
    # With web.enabled, the hosted app's origin too: the distribution's domain, an output of the auth stack.
    hosted = [
        {"Fn::Join": ["", ["https://", {"Fn::GetStackOutput": Match.object_like({"OutputName": Match.string_like_regexp(
            "^PublishOutputFnGetAttWebDistribution.*DomainName")})}]]}
    ] if synth.config.web.enabled else []  # fmt: skip
    synth.template("Api").has_resource_properties(
        "AWS::ApiGatewayV2::Api",
        {
            "ProtocolType": "HTTP",
            "CorsConfiguration": {
                "AllowOrigins": [*synth.config.cors_origins, *hosted],
                "AllowMethods": ["GET", "POST", "PUT", "DELETE"],
                "AllowHeaders": ["authorization", "content-type", "x-id-token"],
                "AllowCredentials": Match.absent(),
                "MaxAge": 3600,
            },
        },
    )


def test_api_function_is_built_like_the_triggers(synth: Synth) -> None:
    (function,) = [
        r
        for r in api_resources(synth, "AWS::Lambda::Function")
        if r["Properties"]["Handler"] == "api.handler.lambda_handler"
    ]
    props = function["Properties"]
    assert props["Architectures"] == ["arm64"]
    assert props["Runtime"] == "python3.14"
    assert props["TracingConfig"] == {"Mode": "Active"}
    assert (props["Timeout"], props["MemorySize"]) == (10, 512)
    env = props["Environment"]["Variables"]
    assert json.loads(env["UPLOAD_CONTENT_TYPES"]) == synth.config.uploads.content_types
    assert env["UPLOAD_MAX_BYTES"] == str(synth.config.uploads.max_bytes)
    assert env["ADMIN_GROUP"] == "admins"
    assert env["RESOURCE_SERVER_IDENTIFIER"] == synth.config.resource_server_identifier


def test_function_role_may_touch_only_private_objects_records_and_list_users(synth: Synth) -> None:
    auth = synth.templates["Auth"]["Resources"]
    (policy,) = [
        r
        for r in auth.values()
        if r["Type"] == "AWS::IAM::ManagedPolicy" and "API function" in r["Properties"]["Description"]
    ]
    assert policy["Properties"]["PolicyDocument"]["Statement"] == [
        {
            "Sid": "UserObjects",
            "Action": ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
            "Effect": "Allow",
            "Resource": {"Fn::Join": ["", [{"Fn::GetAtt": ["DataBucket", "Arn"]}, "/private/*"]]},
        },
        {
            "Sid": "ListUserPrefixes",
            "Action": "s3:ListBucket",
            "Condition": {"StringLike": {"s3:prefix": ["private/*"]}},
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": ["DataBucket", "Arn"]},
        },
        {
            "Sid": "UserRecords",
            "Action": ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query",
                       "dynamodb:UpdateItem"],
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": ["RecordsTable", "Arn"]},
        },
        {
            "Sid": "ListUsers",
            "Action": "cognito-idp:ListUsers",
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": ["UserPool", "Arn"]},
        },
    ]  # fmt: skip
    # The API function also erases accounts (what that may do: tests/infra/test_storage_isolation.py).
    roles = [
        r
        for logical_id, r in synth.templates["Api"]["Resources"].items()
        if r["Type"] == "AWS::IAM::Role" and logical_id.startswith(("HttpApiHandler", "AccountErasureWorker"))
    ]
    attached = {
        tuple(sorted(_HASHES.sub("", arn["Fn::GetStackOutput"]["OutputName"]) for arn in arns))
        for arns in (r["Properties"]["ManagedPolicyArns"] for r in roles)
    }
    assert attached == {
        ("PublishOutputRefApiAccessErasurePolicy", "PublishOutputRefApiAccessPolicy"),  # the API function
        ("PublishOutputRefApiAccessErasurePolicy",),  # the erasure worker
    }
