"""The deployed stack's outputs, read from the file `cdk deploy --outputs-file outputs/<profile>.json` writes.

The file maps stack name -> output key -> value. The auth stack is the one with `UserPoolId`, the API stack
the one with `ApiUrl` (one deployment per file), so the client needs neither the CDK nor the configuration.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from client.errors import CliError
from stacks.names import LocalOutputs, Outputs


@dataclass(frozen=True)
class StackOutputs:
    source: Path
    region: str
    user_pool_id: str
    user_pool_arn: str
    web_client_id: str
    issuer: str
    jwks_url: str
    resource_server_id: str
    identity_pool_id: str
    data_bucket: str
    records_table: str
    api_url: str
    # Only in the file `make local` writes: its endpoints (cognito-idp, cognito-identity, s3) and mailbox.
    local: dict[str, str] = field(default_factory=dict)

    def endpoint(self, key: str) -> str | None:
        """The local stack's endpoint for a service (LocalOutputs key); None for a deployment (AWS's own)."""
        return self.local.get(key)

    @property
    def provider_name(self) -> str:
        """The identity pool's login key for this user pool: `cognito-idp.<region>.amazonaws.com/<pool id>`."""
        return f"cognito-idp.{self.region}.amazonaws.com/{self.user_pool_id}"

    @property
    def account(self) -> str:
        return self.user_pool_arn.split(":")[4]

    def scope(self, short_name: str) -> str:
        """Full name of a resource-server scope, e.g. `cognito-ref-api/profile.read`."""
        return f"{self.resource_server_id}/{short_name}"


def default_path(profile: str) -> Path:
    return Path("outputs") / f"{profile}.json"


def _stack_with(stacks: dict[str, Any], key: str, source: Path) -> dict[str, Any]:
    found = [values for values in stacks.values() if isinstance(values, dict) and key in values]
    if len(found) != 1:
        what = "no stack" if not found else f"{len(found)} stacks"
        raise CliError(f"{source}: {what} with the output {key}; expected the file of one `make deploy`")
    return found[0]


def load_outputs(path: Path) -> StackOutputs:
    """Parse an outputs file; CliError with one line saying what is missing and what to do."""
    try:
        stacks = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CliError(f"{path} not found: deploy first (`make deploy ENV=<profile>`) or pass --outputs") from None
    except (OSError, ValueError) as error:
        raise CliError(f"{path}: not a readable JSON outputs file ({error})") from None
    if not isinstance(stacks, dict):
        raise CliError(f"{path}: expected a JSON object of stacks")
    auth = _stack_with(stacks, Outputs.USER_POOL_ID, path)
    api = _stack_with(stacks, Outputs.API_URL, path)

    def value(stack: dict[str, Any], key: str) -> str:
        found = stack.get(key)
        if not isinstance(found, str) or not found:
            raise CliError(f"{path}: output {key} is missing or empty")
        return found

    return StackOutputs(
        source=path,
        region=value(auth, Outputs.REGION),
        user_pool_id=value(auth, Outputs.USER_POOL_ID),
        user_pool_arn=value(auth, Outputs.USER_POOL_ARN),
        web_client_id=value(auth, Outputs.WEB_CLIENT_ID),
        issuer=value(auth, Outputs.ISSUER),
        jwks_url=value(auth, Outputs.JWKS_URL),
        resource_server_id=value(auth, Outputs.RESOURCE_SERVER_ID),
        identity_pool_id=value(auth, Outputs.IDENTITY_POOL_ID),
        data_bucket=value(auth, Outputs.DATA_BUCKET_NAME),
        records_table=value(auth, Outputs.RECORDS_TABLE_NAME),
        api_url=value(api, Outputs.API_URL).rstrip("/"),
        local=_local_endpoints(stacks),
    )


def _local_endpoints(stacks: dict[str, Any]) -> dict[str, str]:
    found = [values for values in stacks.values() if isinstance(values, dict) and LocalOutputs.MAILBOX in values]
    return {key: str(value) for key, value in found[0].items() if isinstance(value, str)} if found else {}
