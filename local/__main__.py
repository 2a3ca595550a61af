"""`python -m local up|stop`: the local stack (`make local`, `make local-stop`; docs/local.md).

`up` starts everything on 127.0.0.1, writes the outputs file, prints one `local stack ready: name=URL ...` line and
runs until Ctrl-C or SIGTERM (`stop`), then stops every process it started.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from pathlib import Path
from types import FrameType

from local import stack
from local.assembly import UnresolvedError

DEFAULT_STATE_DIR = Path(".local")
DEFAULT_OUTPUTS = Path("outputs") / "local.json"


class _StoppedError(Exception):
    """SIGTERM or SIGINT arrived: unwind and stop everything."""


def _on_stop_signal(signum: int, frame: FrameType | None) -> None:
    raise _StoppedError


def up(args: argparse.Namespace) -> int:
    from stacks.config import ConfigError, report

    started = time.monotonic()
    # Ctrl-C and `make local-stop` (SIGTERM) both unwind and stop everything; SIGINT explicitly, because a process
    # started in the background of a script inherits it ignored.
    signal.signal(signal.SIGTERM, _on_stop_signal)
    signal.signal(signal.SIGINT, _on_stop_signal)
    ports = stack.Ports(
        login=args.login_port, api=args.api_port, s3=args.s3_port, aws=args.identity_port, web=args.web_port
    )
    try:
        with stack.start(args.profile, state_dir=args.state_dir, ports=ports, callback_urls=tuple(args.callback_url),
                         log=lambda line: print(line, flush=True)) as running:  # fmt: skip
            args.outputs.parent.mkdir(parents=True, exist_ok=True)
            args.outputs.write_text(json.dumps(running.outputs, indent=2) + "\n", encoding="utf-8")
            print(f"outputs: {args.outputs}; logs: {args.state_dir / 'run' / 'logs'}; started in "
                  f"{time.monotonic() - started:.1f} s; Ctrl-C or `make local-stop` stops it", flush=True)  # fmt: skip
            print(running.ready_line, flush=True)
            threading.Event().wait()
    except ConfigError as error:
        report(error)
        return 1
    except _StoppedError:
        print("local stack stopped", flush=True)
        return 0
    except (RuntimeError, UnresolvedError, ValueError) as error:
        print(f"make local: {error}", file=sys.stderr)
        return 1
    except OSError as error:  # a port taken between the check and the start
        print(f"make local: {error}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local", description="The local stack (docs/local.md).")
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser("up", help="start the local stack and run until Ctrl-C")
    start.add_argument("--profile", default="dev", help="config/<profile>.yaml (default: dev)")
    start.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR, help="default: .local")
    start.add_argument("--outputs", type=Path, default=DEFAULT_OUTPUTS, help="default: outputs/local.json")
    for name, default in (("login", 9300), ("api", 9301), ("s3", 9302), ("identity", 9303), ("web", 9304)):
        start.add_argument(f"--{name}-port", type=int, default=default, help=f"default: {default}; 0 picks a free one")
    start.add_argument(
        "--callback-url",
        action="append",
        default=[],
        help="also allow this sign-in callback URL on the local pool's browser clients (its origin joins the bucket's "
        "CORS origins); local only, repeatable",
    )
    halt = commands.add_parser("stop", help="stop the local stack started from this directory")
    halt.add_argument("--state-dir", type=Path, default=DEFAULT_STATE_DIR)
    args = parser.parse_args(argv)
    if args.command == "stop":
        print(stack.stop(args.state_dir))
        return 0
    return up(args)


if __name__ == "__main__":
    sys.exit(main())
