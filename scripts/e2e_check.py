"""`make e2e` asks this first: can the post-deploy suite run here? One line, and an exit status.

    python -m scripts.e2e_check --profile dev      # 0 run, 3 skip (no outputs file or no credentials), 1 error

Skipping is not an error: CI and fresh clones have no account, and `make e2e` then exits 0 after one line.
Credentials and region come from scripts/aws_env.py; the region is the deployed stack's (from the outputs
file), and the credentials must belong to the account the stack is in.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from client.errors import CliError
from client.outputs import default_path, load_outputs
from scripts.aws_env import AwsEnvError, MissingCredentialsError, resolve

EXIT_SKIP = 3


def check(outputs_path: Path) -> tuple[int, str]:
    """(0, what the suite will use) / (EXIT_SKIP, why it cannot run here) / (1, what is wrong)."""
    if not outputs_path.is_file():
        return EXIT_SKIP, f"e2e skipped: {outputs_path} not found (run `make deploy` first)"
    try:
        outputs = load_outputs(outputs_path)
    except CliError as error:
        return 1, f"e2e: {error}"
    try:
        target = resolve(outputs.region, outputs.account)
    except MissingCredentialsError as error:
        return EXIT_SKIP, f"e2e skipped: {error}"
    except AwsEnvError as error:
        return 1, f"e2e: {error}"
    return 0, f"e2e: running against {outputs.user_pool_id} ({target.describe()}) from {outputs_path}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.e2e_check", description=__doc__)
    parser.add_argument("--profile", default="dev")
    parser.add_argument("--outputs", type=Path, help="outputs file (default: outputs/<profile>.json)")
    args = parser.parse_args(argv)
    status, line = check(args.outputs or default_path(args.profile))
    print(line, file=sys.stderr if status == 1 else sys.stdout)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
