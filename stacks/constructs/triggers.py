"""The user pool's trigger functions and their least-privilege roles (alarms: monitoring.py).

Policies that name the pool's ARN are separate `iam.Policy` resources attached after the pool
exists: the pool depends on the functions (trigger config), the functions on their roles, and the
policies on the pool, so there is no cycle and no wildcard over other pools.
"""

from __future__ import annotations

import json

import aws_cdk as cdk
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from constructs import Construct

from stacks import names
from stacks.config import AppConfig
from stacks.constructs.lambda_defaults import PythonFunction
from stacks.constructs.user_pool import login_domain_name, removal_policy

# Cognito waits 5 s for a trigger and retries up to 3 times.
TRIGGER_TIMEOUT = cdk.Duration.seconds(5)
# This pool defines no custom attributes, so a migrated user may bring exactly the standard ones (the trigger
# drops the rest, which Cognito refuses).
STANDARD_ATTRIBUTES = names.STANDARD_ATTRIBUTES
# The old pool's only operations the migration trigger needs (lambdas/user_migration/aws.py).
MIGRATION_ACTIONS = ["cognito-idp:AdminGetUser", "cognito-idp:AdminInitiateAuth"]


def email_sending_account(config: AppConfig) -> str:
    """The user pool's EmailSendingAccount, as UserPoolEmail.with_ses / with_cognito set it."""
    return "DEVELOPER" if config.email.sender == "ses" else "COGNITO_DEFAULT"


class Triggers(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: AppConfig,
        user_pool: cognito.UserPool,
    ) -> None:
        super().__init__(scope, construct_id)
        self._config = config
        self._user_pool = user_pool
        self.functions: dict[str, PythonFunction] = {}

        pre_sign_up = self._function(
            "PreSignUp",
            "pre_sign_up",
            "Rejects sign-ups from disallowed e-mail domains; links federated users to verified native accounts",
            {
                "ALLOWED_EMAIL_DOMAINS": json.dumps(config.sign_up.allowed_email_domains),
                "BLOCKED_EMAIL_DOMAINS": json.dumps(config.sign_up.blocked_email_domains),
            },
            snapstart=config.snapstart,
        )
        user_pool.add_trigger(cognito.UserPoolOperation.PRE_SIGN_UP, pre_sign_up.target)
        # ListIdentityProviders: case-insensitive pools lowercase federated user names, so the exact
        # provider name to link with is looked up.
        self._pool_policy(
            pre_sign_up,
            ["cognito-idp:ListUsers", "cognito-idp:AdminLinkProviderForUser", "cognito-idp:ListIdentityProviders"],
        )

        post_confirmation = self._function(
            "PostConfirmation",
            "post_confirmation",
            "Adds newly confirmed users to the default group",
            {"DEFAULT_GROUP": config.default_group},
            snapstart=config.snapstart,
        )
        user_pool.add_trigger(cognito.UserPoolOperation.POST_CONFIRMATION, post_confirmation.target)
        self._pool_policy(post_confirmation, ["cognito-idp:AdminAddUserToGroup"])

        if config.tokens.customise_access_token:
            pre_token = self._function(
                "PreTokenGeneration",
                "pre_token_generation",
                "Adds resource-server scopes and a roles claim to tokens from the user's groups",
                {
                    "GROUP_SCOPES": json.dumps(config.group_scopes(), sort_keys=True),
                    "RESOURCE_SERVER_IDENTIFIER": config.resource_server_identifier,
                    "ADMIN_GROUP": names.ADMIN_GROUP,
                    "ADMIN_SCOPE": names.SCOPE_ADMIN,
                    "REMOVE_ADMIN_API_SCOPE": str(config.tokens.remove_admin_api_scope).lower(),
                    # Users an admin created never pass post confirmation: scope them like the default group.
                    "DEFAULT_GROUP": config.default_group,
                },
            )
            user_pool.add_trigger(
                cognito.UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG, pre_token.function, cognito.LambdaVersion.V2_0
            )

        custom_message = self._function(
            "CustomMessage",
            "custom_message",
            "Branded verification, invitation and code messages",
            {
                "LOGIN_URL": f"https://{login_domain_name(config)}",
                "APP_NAME": config.prefix,
                "WEB_CALLBACK_URL": config.clients.web.callback_urls[0],
                # Cognito accepts custom email content only from a pool that sends through SES.
                "EMAIL_SENDING_ACCOUNT": email_sending_account(config),
            },
        )
        user_pool.add_trigger(cognito.UserPoolOperation.CUSTOM_MESSAGE, custom_message.function)

        if config.migration:
            self._user_migration(config)

    def _user_migration(self, config: AppConfig) -> None:
        """Wired only when `migration` is configured: users move from the old pool at first sign-in."""
        assert config.migration is not None
        source = config.migration
        fn = self._function(
            "UserMigration",
            "user_migration",
            "Moves a user from the old user pool at their first sign-in or password reset",
            {
                "SOURCE_USER_POOL_ID": source.source_user_pool_id,
                "SOURCE_CLIENT_ID": source.source_client_id,
                "MIGRATED_ATTRIBUTES": json.dumps(STANDARD_ATTRIBUTES),
            },
        )
        self._user_pool.add_trigger(cognito.UserPoolOperation.USER_MIGRATION, fn.function)
        source_pool_arn = cdk.Stack.of(self).format_arn(
            service="cognito-idp",
            region=source.source_region,
            resource="userpool",
            resource_name=source.source_user_pool_id,
        )
        role = fn.function.role
        assert role is not None
        iam.Policy(
            self,
            "UserMigrationSourcePoolAccess",
            statements=[iam.PolicyStatement(actions=MIGRATION_ACTIONS, resources=[source_pool_arn])],
        ).attach_to_role(role)

    def _function(
        self, label: str, package: str, description: str, environment: dict[str, str], *, snapstart: bool = False
    ) -> PythonFunction:
        fn = PythonFunction(
            self,
            label,
            package=package,
            description=description,
            service=package,
            metrics_namespace=f"{self._config.prefix}/triggers",
            environment=environment,
            timeout=TRIGGER_TIMEOUT,
            memory_size=256,
            log_retention_days=self._config.log_retention_days,
            removal_policy=removal_policy(self._config),
            snapstart=snapstart,
        )
        self.functions[label] = fn
        return fn

    def _pool_policy(self, fn: PythonFunction, actions: list[str]) -> None:
        role = fn.function.role
        assert role is not None
        iam.Policy(
            self,
            f"{fn.node.id}PoolAccess",
            statements=[iam.PolicyStatement(actions=actions, resources=[self._user_pool.user_pool_arn])],
        ).attach_to_role(role)
