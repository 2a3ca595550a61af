"""JWT-authorized HTTP API (API Gateway v2) in front of one Powertools Lambda function.

Every route requires resource-server scopes: the JWT authorizer checks `aud`/`client_id`, expiry
and scopes but not `token_use`, so a route without scopes would accept an ID token. Only
`GET /health` is public.
"""

from __future__ import annotations

import json

import aws_cdk as cdk
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks import names
from stacks.config import AppConfig
from stacks.constructs.lambda_defaults import PythonFunction, log_retention
from stacks.constructs.log_delivery import plain_log_group_arn
from stacks.nag import acknowledge

# DELETE /me: the caller's ID token, which the handler exchanges for the identity-pool identity to delete.
ID_TOKEN_HEADER = "x-id-token"  # noqa: S105 - a header name, not a token
# JSON access log: who called what and how it ended; never a token or a request body.
ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId",
    "requestTime": "$context.requestTime",
    "routeKey": "$context.routeKey",
    "status": "$context.status",
    "sourceIp": "$context.identity.sourceIp",
    "userAgent": "$context.identity.userAgent",
    "sub": "$context.authorizer.claims.sub",
    "clientId": "$context.authorizer.claims.client_id",
    "authorizerError": "$context.authorizer.error",
    "integrationError": "$context.integrationErrorMessage",
    "integrationStatus": "$context.integrationStatus",
    "latencyMs": "$context.responseLatency",
    "responseLength": "$context.responseLength",
}


class HttpApi(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: AppConfig,
        issuer: str,
        client_ids: list[str],
        data_access: list[iam.IManagedPolicy],
        environment: dict[str, str],
        url_expires_seconds: int,
        extra_origins: list[str] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        cors_origins = [*config.cors_origins, *(extra_origins or [])]
        removal = cdk.RemovalPolicy.RETAIN if config.retain else cdk.RemovalPolicy.DESTROY
        self.handler = PythonFunction(
            self,
            "Handler",
            package="api",
            description="HTTP API: profile, per-user files and notes, account deletion, user administration",
            service="api",
            metrics_namespace=f"{config.prefix}/api",
            environment={
                **environment,
                "CLIENT_IDS": cdk.Fn.to_json_string(client_ids),
                "ADMIN_GROUP": names.ADMIN_GROUP,
                "UPLOAD_CONTENT_TYPES": json.dumps(config.uploads.content_types),
                "UPLOAD_MAX_BYTES": str(config.uploads.max_bytes),
                "RESOURCE_SERVER_IDENTIFIER": config.resource_server_identifier,
                "URL_EXPIRES_SECONDS": str(url_expires_seconds),
            },
            timeout=cdk.Duration.seconds(10),
            memory_size=512,
            log_retention_days=config.log_retention_days,
            removal_policy=removal,
            snapstart=config.snapstart,
        )
        for policy in data_access:
            self.handler.role.add_managed_policy(policy)

        self.api = apigw.HttpApi(
            self,
            "Api",
            api_name=f"{config.prefix}-api",
            description="Cognito reference architecture API",
            create_default_stage=False,
            cors_preflight=apigw.CorsPreflightOptions(
                allow_origins=cors_origins,
                allow_methods=[
                    apigw.CorsHttpMethod.GET,
                    apigw.CorsHttpMethod.POST,
                    apigw.CorsHttpMethod.PUT,
                    apigw.CorsHttpMethod.DELETE,
                ],
                allow_headers=["authorization", "content-type", ID_TOKEN_HEADER],
                max_age=cdk.Duration.hours(1),
            )
            if cors_origins
            else None,
        )
        self.stage = self._stage(config, removal)
        authorizer = authorizers.HttpJwtAuthorizer(
            "CognitoJwt", issuer, jwt_audience=client_ids, authorizer_name="cognito-jwt"
        )
        integration = integrations.HttpLambdaIntegration("Lambda", self.handler.target)
        # names.API_ROUTES; the handler re-checks token_use, client_id and groups.
        for route_key, scope_name in names.API_ROUTES.items():
            method, path = route_key.split(" ", 1)
            if scope_name is None:
                self.api.add_routes(path=path, methods=[apigw.HttpMethod(method)], integration=integration)
                continue
            self.api.add_routes(
                path=path,
                methods=[apigw.HttpMethod(method)],
                integration=integration,
                authorizer=authorizer,
                authorization_scopes=[f"{config.resource_server_identifier}/{scope_name}"],
            )
        health = self.api.node.find_child("GET--health")
        acknowledge(
            health, "AwsSolutions-APIG4", "GET /health is the one deliberately public route; it returns no data."
        )

    @property
    def url(self) -> str:
        return self.api.api_endpoint

    def _stage(self, config: AppConfig, removal: cdk.RemovalPolicy) -> apigw.HttpStage:
        self.access_logs = logs.LogGroup(
            self, "AccessLogs", retention=log_retention(config.log_retention_days), removal_policy=removal
        )
        stage = apigw.HttpStage(
            self,
            "DefaultStage",
            http_api=self.api,
            stage_name="$default",
            auto_deploy=True,
            throttle=apigw.ThrottleSettings(
                rate_limit=config.api.throttle_rate_limit, burst_limit=config.api.throttle_burst_limit
            ),
        )
        cfn = stage.node.default_child
        assert isinstance(cfn, apigw.CfnStage)
        # The ARN without ":*": API Gateway stores it so, and drift detection would report the stage
        # MODIFIED forever otherwise (an L1 property: the CDK flag logGroupDestinationArnWithoutWildcard
        # only applies to the L2 access-log settings).
        cfn.access_log_settings = apigw.CfnStage.AccessLogSettingsProperty(
            destination_arn=plain_log_group_arn(self, self.access_logs.log_group_name),
            format=json.dumps(ACCESS_LOG_FORMAT, separators=(",", ":")),
        )
        return stage
