"""Builds every stack of a profile. `app.py` and the tests call the same function."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import cdk_nag

from stacks import names
from stacks.api_stack import ApiStack
from stacks.auth_stack import AuthStack
from stacks.config import AppConfig


def build_app(config: AppConfig, *, context: dict[str, Any] | None = None, outdir: str | None = None) -> cdk.App:
    """Create the CDK app for one profile (tests pass `cdk.json`'s context explicitly)."""
    app = cdk.App(context=context, outdir=outdir)
    add_stacks(app, config)
    return app


def add_stacks(app: cdk.App, config: AppConfig) -> None:
    """Add every stack of a profile to `app`, with cdk-nag registered as a validation plugin."""
    env = cdk.Environment(account=config.account, region=config.region) if config.account or config.region else None
    auth = AuthStack(
        app, names.AUTH_STACK, stack_name=names.stack_name(config.prefix, names.AUTH_STACK), config=config, env=env
    )
    ApiStack(
        app,
        names.API_STACK,
        stack_name=names.stack_name(config.prefix, names.API_STACK),
        config=config,
        auth=auth,
        env=env,
    )
    cdk.Tags.of(app).add("project", "cognito-reference-architecture")
    cdk.Tags.of(app).add("profile", config.profile)
    # Any unacknowledged finding fails synth; acknowledgements live next to the resource they cover.
    cdk.Validations.of(app).add_plugins(cdk_nag.AwsSolutionsChecks(app), cdk_nag.ServerlessChecks(app))
