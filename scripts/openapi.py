"""Write docs/openapi.json: the API's OpenAPI document, with a profile's upload types (default: dev).

    python -m scripts.openapi [--profile dev]

A unit test (tests/unit/test_api_openapi.py) fails when the committed document is out of date.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from stacks.config import ConfigError, load_config

REPO = Path(__file__).resolve().parents[1]
DOCUMENT = REPO / "docs" / "openapi.json"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="dev")
    args = parser.parse_args()
    try:
        content_types = load_config(args.profile).uploads.content_types
    except ConfigError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 1
    sys.path.insert(0, str(REPO / "lambdas"))  # the API's code is packaged from lambdas/
    from api.openapi import openapi_json  # type: ignore[import-not-found]

    DOCUMENT.write_text(openapi_json(content_types), encoding="utf-8")
    print(f"wrote {DOCUMENT.relative_to(REPO)} ({args.profile} upload types: {', '.join(content_types)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
