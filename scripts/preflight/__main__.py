"""`python -m scripts.preflight --profile dev [--assembly cdk.out]`: run every check, one line each."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from scripts.aws_env import AwsEnvError, resolve
from scripts.preflight.assembly import Assembly, AssemblyError
from scripts.preflight.checks import CHECKS
from scripts.preflight.model import Check, Context, Result, error_code, error_message, fail
from stacks import names
from stacks.config import ConfigError, load_config
from stacks.config import report as report_config_error

_DENIED = ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError", "403")


def _unexpected(check: Check, error: Exception) -> Result:
    """A FAIL line for an AWS error the check does not interpret itself."""
    if isinstance(error, ClientError):
        code = error_code(error)
        if code in _DENIED:
            return fail(
                f"not allowed to call {error.operation_name} ({code})",
                f"allow {', '.join(check.actions)} for these credentials (docs/preflight.md lists every action)",
            )
        return fail(f"{error.operation_name} failed: {code}: {error_message(error)}", "run preflight again")
    return fail(f"AWS call failed: {error}", "check the network and the region, then run preflight again")


def run_checks(ctx: Context, checks: Sequence[Check] = CHECKS) -> list[tuple[Check, Result]]:
    results = []
    for check in checks:
        try:
            result = check.run(ctx)
        except (ClientError, BotoCoreError) as error:
            result = _unexpected(check, error)
        results.append((check, result))
    return results


def format_result(check: Check, result: Result) -> str:
    line = f"  {result.status:<4}  {check.name:<22} {result.detail}"
    return f"{line}. Fix: {result.fix}" if result.fix else line


def summary(profile: str, results: Sequence[tuple[Check, Result]]) -> str:
    counts = {status: sum(1 for _, r in results if r.status == status) for status in ("ok", "FAIL", "skip")}
    line = f"preflight {profile}: {counts['ok']} ok, {counts['FAIL']} FAIL, {counts['skip']} skip"
    if counts["FAIL"]:
        line += f". Fix each FAIL line, or deploy anyway with `make deploy ENV={profile} FORCE=1`"
    return line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.preflight", description=__doc__)
    parser.add_argument("--profile", default="dev")
    parser.add_argument("--assembly", type=Path, default=Path("cdk.out"), help="the synthesized cloud assembly")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.profile)
        assembly = Assembly.load(args.assembly)
        assembly.require_stacks(
            {names.stack_name(config.prefix, stack) for stack in (names.AUTH_STACK, names.API_STACK)}, args.profile
        )
        target = resolve(config.region, config.account)
    except ConfigError as error:
        report_config_error(error)
        return 1
    except (AssemblyError, AwsEnvError) as error:
        print(f"preflight {args.profile}: {error}", file=sys.stderr)
        return 1
    print(f"preflight {args.profile}: {target.describe()}")
    ctx = Context(
        config, assembly, target.account, target.region, lambda service, region: target.client(service, region)
    )
    results = run_checks(ctx)
    for check, result in results:
        print(format_result(check, result))
    print(summary(args.profile, results))
    return 1 if any(result.status == "FAIL" for _, result in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
