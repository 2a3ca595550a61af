#!/usr/bin/env python3
"""CDK entry point: picks the profile (`-c profile=<name>`, set by `make ... ENV=<name>`), validates
its configuration, builds every stack through the shared factory and synthesizes. Calls no AWS API."""

from __future__ import annotations

import sys

import aws_cdk as cdk

from stacks.app_factory import add_stacks
from stacks.config import ConfigError, load_config, report
from stacks.template_checks import CycleError, check_cycles


def main() -> int:
    app = cdk.App()  # reads cdk.json context and `-c` flags passed by the CDK CLI
    profile = app.node.try_get_context("profile") or "dev"
    try:
        config = load_config(str(profile))
    except ConfigError as error:
        report(error)
        return 1
    add_stacks(app, config)
    assembly = app.synth()
    try:
        check_cycles(assembly)
    except CycleError as error:
        print(f"synth failed: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
