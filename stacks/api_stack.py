"""Stateless API stack: JWT-authorized HTTP API, its function, dashboard and alarms."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from constructs import Construct

from stacks import names
from stacks.config import AppConfig
from stacks.constructs.http_api import HttpApi
from stacks.constructs.monitoring import Monitoring

if TYPE_CHECKING:
    from stacks.auth_stack import AuthStack


class ApiStack(cdk.Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: AppConfig, auth: AuthStack, **kwargs: Any
    ) -> None:
        super().__init__(
            scope, construct_id, description=f"Cognito reference architecture ({config.profile}): API", **kwargs
        )
        clients = auth.clients
        client_ids = [c.user_pool_client_id for c in (clients.web, clients.native, clients.service) if c is not None]
        self.http_api = HttpApi(
            self,
            "HttpApi",
            config=config,
            issuer=f"https://cognito-idp.{auth.region}.amazonaws.com/{auth.user_pool.user_pool_id}",
            client_ids=client_ids,
            user_pool_id=auth.user_pool.user_pool_id,
            bucket_name=auth.data.bucket.bucket_name,
            data_access=auth.api_access.policy,
        )
        Monitoring(
            self,
            "Monitoring",
            config=config,
            http_api=self.http_api,
            alarms=auth.alarms,
            trigger_functions={label: fn.function for label, fn in auth.triggers.functions.items()},
            user_pool_id=auth.user_pool.user_pool_id,
            client_ids=client_ids,
        )
        cdk.CfnOutput(self, names.Outputs.API_URL, value=self.http_api.url).override_logical_id(names.Outputs.API_URL)
