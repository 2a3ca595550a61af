"""Stateful identity stack: user pool, clients, triggers, identity pool, data bucket.

A stack only composes constructs, wires references and declares outputs.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import Construct

from stacks import names
from stacks.config import AppConfig, ClientUrls
from stacks.constructs.alarms import AlarmTopic
from stacks.constructs.api_access import ApiDataAccess
from stacks.constructs.app_clients import AppClients
from stacks.constructs.data_bucket import DataBucket
from stacks.constructs.federation import Federation
from stacks.constructs.groups import Groups
from stacks.constructs.identity_pool import IdentityPool
from stacks.constructs.log_delivery import LogDeliveryPolicy
from stacks.constructs.records_table import RecordsTable
from stacks.constructs.triggers import Triggers
from stacks.constructs.user_pool import UserPool
from stacks.constructs.user_pool_logs import UserPoolLogs
from stacks.constructs.waf import UserPoolWaf
from stacks.constructs.web_hosting import WebHosting


class AuthStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: AppConfig, **kwargs: Any) -> None:
        super().__init__(
            scope, construct_id, description=f"Cognito reference architecture ({config.profile}): identity", **kwargs
        )
        self.config = config
        self.alarms = AlarmTopic(self, "Alarms", config=config)
        pool = UserPool(self, names.USER_POOL, config=config)
        self.user_pool = pool.user_pool
        self.triggers = Triggers(self, "Triggers", config=config, user_pool=self.user_pool)
        federation = Federation(self, "Federation", config=config, user_pool=self.user_pool)
        self.data = DataBucket(self, "Storage", config=config)
        # The hosted web app: its origin joins the web client's URLs and the data bucket's CORS (decision 20).
        self.web = (
            WebHosting(self, "Web", config=config, access_logs=self.data.access_logs) if config.web.enabled else None
        )
        if self.web:
            self.data.allow_origin(self.web.origin)
        self.clients = AppClients(
            self,
            "Clients",
            config=config,
            user_pool=self.user_pool,
            identity_providers=federation.client_providers(),
            hosted_web=ClientUrls.model_construct(
                callback_urls=[self.web.callback_url], logout_urls=[self.web.sign_out_url]
            )
            if self.web
            else None,
        )
        waf = UserPoolWaf(self, "Waf", config=config, user_pool=self.user_pool) if config.waf.enabled else None
        pool_logs = UserPoolLogs(self, "UserPoolLogs", config=config, user_pool=self.user_pool)
        delivery = LogDeliveryPolicy(
            self, "LogDelivery", log_groups=[*pool_logs.log_groups, *([waf.log_group] if waf else [])]
        )
        # Delivery starts only once the policy allows it (else AWS would write a policy of its own).
        pool_logs.delivery.node.add_dependency(delivery)
        if waf:
            waf.logging.node.add_dependency(delivery)
        self.records = RecordsTable(self, "Records", config=config)
        self.identity = IdentityPool(
            self,
            names.IDENTITY_POOL,
            config=config,
            user_pool=self.user_pool,
            clients=self.clients.user_clients,
            bucket=self.data.bucket,
            table=self.records.table,
        )
        self.api_access = ApiDataAccess(
            self,
            "ApiAccess",
            bucket=self.data.bucket,
            table=self.records.table,
            user_pool=self.user_pool,
            identity_pool_id=self.identity.identity_pool.ref,
        )
        Groups(self, "Groups", user_pool=self.user_pool, groups=config.groups, roles=self.identity.group_roles)
        self._outputs()

    def _outputs(self) -> None:
        pool, clients = self.user_pool, self.clients
        issuer = f"https://cognito-idp.{self.region}.amazonaws.com/{pool.user_pool_id}"
        login = clients.domain.base_url()
        outputs = {
            names.Outputs.USER_POOL_ID: pool.user_pool_id,
            names.Outputs.USER_POOL_ARN: pool.user_pool_arn,
            names.Outputs.WEB_CLIENT_ID: clients.web.user_pool_client_id,
            names.Outputs.MANAGED_LOGIN_URL: login,
            names.Outputs.ISSUER: issuer,
            names.Outputs.JWKS_URL: f"{issuer}/.well-known/jwks.json",
            names.Outputs.AUTHORIZE_ENDPOINT: f"{login}/oauth2/authorize",
            names.Outputs.TOKEN_ENDPOINT: f"{login}/oauth2/token",
            names.Outputs.RESOURCE_SERVER_ID: self.config.resource_server_identifier,
            names.Outputs.IDENTITY_POOL_ID: self.identity.identity_pool.ref,
            names.Outputs.DATA_BUCKET_NAME: self.data.bucket.bucket_name,
            names.Outputs.RECORDS_TABLE_NAME: self.records.table.table_name,
            names.Outputs.REGION: self.region,
            names.Outputs.ALARM_TOPIC_ARN: self.alarms.topic.topic_arn,
        }
        if clients.native:
            outputs[names.Outputs.NATIVE_CLIENT_ID] = clients.native.user_pool_client_id
        if clients.service:  # the id only: the secret stays in Cognito
            outputs[names.Outputs.SERVICE_CLIENT_ID] = clients.service.user_pool_client_id
        if self.web:
            outputs[names.Outputs.WEB_URL] = self.web.sign_out_url
        for key, value in outputs.items():
            cdk.CfnOutput(self, key, value=value).override_logical_id(key)
