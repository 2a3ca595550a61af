"""Stateless API stack: JWT-authorized HTTP API, its function, dashboard and alarms; with web.enabled, the web
app's published files and config.json (they need the API's URL)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from constructs import Construct

from stacks import names
from stacks.config import AppConfig
from stacks.constructs.account_erasure import AccountErasure, sweep_delay_seconds
from stacks.constructs.http_api import HttpApi
from stacks.constructs.monitoring import Monitoring
from stacks.constructs.web_content import WebContent
from stacks.web_client import ClientConfig, connect_origins, content_security_policy, identity_endpoint

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
        url_expires_seconds = 300
        # What the API function and the erasure worker both work on.
        data = {
            "DATA_BUCKET": auth.data.bucket.bucket_name,
            "RECORDS_TABLE": auth.records.table.table_name,
            "USER_POOL_ID": auth.user_pool.user_pool_id,
            "IDENTITY_POOL_ID": auth.identity.identity_pool.ref,
            "ERASURE_SWEEP_DELAY_SECONDS": str(sweep_delay_seconds(config, url_expires_seconds)),
        }
        self.erasure = AccountErasure(
            self, "AccountErasure", config=config, environment=data, erasure_policy=auth.api_access.erasure
        )
        self.http_api = HttpApi(
            self,
            "HttpApi",
            config=config,
            issuer=f"https://cognito-idp.{auth.region}.amazonaws.com/{auth.user_pool.user_pool_id}",
            client_ids=client_ids,
            data_access=[auth.api_access.policy, auth.api_access.erasure],
            environment=self.erasure.environment,
            url_expires_seconds=url_expires_seconds,
            extra_origins=[auth.web.origin] if auth.web else None,
        )
        self.erasure.queue.grant_send_messages(self.http_api.handler.role)
        Monitoring(
            self,
            "Monitoring",
            config=config,
            http_api=self.http_api,
            alarms=auth.alarms,
            trigger_functions={label: fn.function for label, fn in auth.triggers.functions.items()},
            erasure=self.erasure,
            user_pool_id=auth.user_pool.user_pool_id,
            client_ids=client_ids,
        )
        if auth.web:
            self._publish_web_app(config, auth)
        cdk.CfnOutput(self, names.Outputs.API_URL, value=self.http_api.url).override_logical_id(names.Outputs.API_URL)

    def _publish_web_app(self, config: AppConfig, auth: AuthStack) -> None:
        """The web app's files, config.json and CSP: here, because they need the API's URL (decision 20)."""
        assert auth.web is not None
        login_url = auth.clients.domain.base_url()
        bucket = auth.data.bucket
        origins = connect_origins(
            login_url=login_url,
            api_url=self.http_api.url,
            identity_url=identity_endpoint(self.region),
            bucket_origins=[f"https://{bucket.bucket_regional_domain_name}", f"https://{bucket.bucket_domain_name}"],
        )
        WebContent(
            self,
            "WebContent",
            config=config,
            bucket=auth.web.bucket,
            distribution=auth.web.distribution,
            client_config=ClientConfig(
                region=self.region,
                user_pool_id=auth.user_pool.user_pool_id,
                client_id=auth.clients.web.user_pool_client_id,
                login_url=login_url,
                api_url=self.http_api.url,
                identity_pool_id=auth.identity.identity_pool.ref,
                bucket=bucket.bucket_name,
                resource_server=config.resource_server_identifier,
                admin_group=names.ADMIN_GROUP,
            ),
            csp=content_security_policy(connect_origins=origins),
        )
