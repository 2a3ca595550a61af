"""What a preflight check is, what it sees, and what it answers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from botocore.exceptions import ClientError

from scripts.preflight.assembly import Assembly, Pseudo, Stack
from stacks import names
from stacks.config import AppConfig

Status = Literal["ok", "FAIL", "skip"]
ClientFactory = Callable[[str, str], Any]  # (service, region) -> boto3 client


@dataclass(frozen=True)
class Result:
    status: Status
    detail: str  # what was found (ok, FAIL) or why the check does not apply (skip)
    fix: str = ""  # FAIL only: exactly what to do about it


def ok(detail: str) -> Result:
    return Result("ok", detail)


def fail(detail: str, fix: str) -> Result:
    return Result("FAIL", detail, fix)


def skip(reason: str) -> Result:
    return Result("skip", reason)


@dataclass(frozen=True)
class Check:
    name: str
    run: Callable[[Context], Result]
    # Every IAM action the check may call: docs/preflight.md lists their union, and the tests hold each
    # check to its list (a call outside it fails them).
    actions: tuple[str, ...]


@dataclass
class Context:
    """One profile's configuration and assembly, the target account/region, and clients to read it with."""

    config: AppConfig
    assembly: Assembly
    account: str
    region: str
    clients: ClientFactory
    _stack_resources: dict[str, dict[str, str] | None] = field(default_factory=dict)

    def client(self, service: str, region: str | None = None) -> Any:
        return self.clients(service, region or self.region)

    @property
    def profile(self) -> str:
        return self.config.profile

    @property
    def auth_stack(self) -> Stack:
        return self.assembly.stack(names.AUTH_STACK)

    def pseudo(self, stack: Stack) -> Pseudo:
        return Pseudo(account=self.account, region=self.region, stack_name=stack.name)

    def deployed_resources(self, stack: Stack) -> dict[str, str] | None:
        """Logical id -> physical id of the deployed stack, or None when it is not deployed."""
        if stack.name not in self._stack_resources:
            try:
                listing = self.client("cloudformation").describe_stack_resources(StackName=stack.name)
            except ClientError as error:
                if not stack_missing(error):
                    raise
                self._stack_resources[stack.name] = None
            else:
                self._stack_resources[stack.name] = {
                    item["LogicalResourceId"]: item.get("PhysicalResourceId", "") for item in listing["StackResources"]
                }
        return self._stack_resources[stack.name]

    def owned_by_stack(self, physical_id: str) -> bool:
        """Is this physical id one of the profile's deployed stacks' resources (an update, not a collision)?"""
        return any(physical_id in (self.deployed_resources(stack) or {}).values() for stack in self.assembly.stacks)


def stack_missing(error: ClientError) -> bool:
    """CloudFormation answers ValidationError "Stack with id X does not exist" for an unknown stack."""
    return error_code(error) == "ValidationError" and "does not exist" in error_message(error)


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def error_message(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Message", ""))
