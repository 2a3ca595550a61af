"""The synthesized cloud assembly (`cdk.out/`) as preflight reads it: what `cdk deploy` will send.

Preflight reads names from here rather than recomputing them: the SSM parameters CloudFormation will
resolve, the secrets the templates reference, the bootstrap version each stack requires, fixed resource
names. `make deploy` then deploys this same assembly (`cdk deploy --app cdk.out`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Stack parameters CloudFormation fills from SSM at deploy time. CDK adds BootstrapVersion to every stack;
# the others come from `ssm.StringParameter.value_for_string_parameter` (e.g. the Powertools layer ARN).
SSM_PARAMETER_TYPE = re.compile(r"^AWS::SSM::Parameter::Value<.+>$")
BOOTSTRAP_PARAMETER = "BootstrapVersion"
# CloudFormation dynamic references to Secrets Manager: {{resolve:secretsmanager:secret-id:SecretString:...}}
# (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references-secretsmanager.html).
_SECRET_REFERENCE = re.compile(r"\{\{resolve:secretsmanager:((?:arn:[^:]+:secretsmanager:[^:]+:\d+:secret:)?[^:}]+)")


class AssemblyError(Exception):
    """cdk.out is missing, unreadable, or holds another profile's stacks; the message is one line."""


@dataclass(frozen=True)
class Stack:
    """One stack artifact of the assembly."""

    artifact_id: str
    name: str
    template: dict[str, Any]
    bootstrap_version: int | None
    bootstrap_parameter: str | None

    def resources(self, kind: str) -> Iterator[tuple[str, dict[str, Any]]]:
        for logical_id, resource in self.template.get("Resources", {}).items():
            if resource.get("Type") == kind:
                yield logical_id, resource.get("Properties", {})


@dataclass(frozen=True)
class Assembly:
    directory: Path
    stacks: tuple[Stack, ...]
    # Asset bucket names with CDK's ${AWS::AccountId}/${AWS::Region} placeholders.
    asset_buckets: tuple[str, ...]

    @classmethod
    def load(cls, directory: Path) -> Assembly:
        manifest_path = directory / "manifest.json"
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise AssemblyError(f"{manifest_path} not found: synthesize first (`make synth ENV=<profile>`)") from None
        except (OSError, ValueError) as error:
            raise AssemblyError(f"{manifest_path} is unreadable ({error}): run `make synth` again") from None
        stacks: list[Stack] = []
        buckets: set[str] = set()
        for artifact_id, artifact in manifest.get("artifacts", {}).items():
            properties = artifact.get("properties", {})
            if artifact.get("type") == "aws:cloudformation:stack":
                template = json.loads((directory / properties["templateFile"]).read_text(encoding="utf-8"))
                stacks.append(
                    Stack(
                        artifact_id=artifact_id,
                        name=properties.get("stackName", artifact_id),
                        template=template,
                        bootstrap_version=properties.get("requiresBootstrapStackVersion"),
                        bootstrap_parameter=properties.get("bootstrapStackVersionSsmParameter"),
                    )
                )
            elif artifact.get("type") == "cdk:asset-manifest":
                assets = json.loads((directory / properties["file"]).read_text(encoding="utf-8"))
                for asset in assets.get("files", {}).values():
                    buckets.update(dest["bucketName"] for dest in asset.get("destinations", {}).values())
        return cls(directory, tuple(stacks), tuple(sorted(buckets)))

    def require_stacks(self, expected: set[str], profile: str) -> None:
        found = {stack.name for stack in self.stacks}
        if found != expected:
            raise AssemblyError(
                f"{self.directory} holds stacks {sorted(found)}, not profile {profile}'s {sorted(expected)}: "
                f"run `make synth ENV={profile}`"
            )

    def stack(self, artifact_id: str) -> Stack:
        for stack in self.stacks:
            if stack.artifact_id == artifact_id:
                return stack
        raise AssemblyError(f"{self.directory} has no stack {artifact_id}")

    def ssm_parameters(self) -> list[str]:
        """SSM parameter names the templates resolve at deploy time, besides the bootstrap version."""
        names = {
            str(parameter["Default"])
            for stack in self.stacks
            for key, parameter in stack.template.get("Parameters", {}).items()
            if key != BOOTSTRAP_PARAMETER and SSM_PARAMETER_TYPE.match(str(parameter.get("Type", "")))
        }
        return sorted(names)

    def secret_references(self) -> list[str]:
        """Secret ids of every Secrets Manager dynamic reference in the templates."""
        text = json.dumps([stack.template for stack in self.stacks])
        return sorted(set(_SECRET_REFERENCE.findall(text)))


@dataclass(frozen=True)
class Pseudo:
    """Values of CloudFormation pseudo parameters for one stack in the target environment."""

    account: str
    region: str
    stack_name: str
    partition: str = "aws"

    def substitute(self, text: str) -> str:
        """CDK's `${AWS::AccountId}`-style placeholders (asset manifests, role ARNs) filled in."""
        for name, value in self._values().items():
            text = text.replace("${" + name + "}", value)
        return text

    def literal(self, value: Any) -> str | None:
        """A template value as a string, if it is a literal or built only from pseudo parameters."""
        if isinstance(value, str):
            return value
        if isinstance(value, dict) and len(value) == 1:
            ((function, argument),) = value.items()
            if function == "Ref":
                return self._values().get(str(argument))
            if function == "Fn::Join" and isinstance(argument, list) and len(argument) == 2:
                parts = [self.literal(part) for part in argument[1]]
                return None if any(part is None for part in parts) else str(argument[0]).join(map(str, parts))
            if function == "Fn::Sub" and isinstance(argument, str):
                text = self.substitute(argument)
                return None if "${" in text else text
        return None

    def _values(self) -> dict[str, str]:
        return {
            "AWS::AccountId": self.account,
            "AWS::Region": self.region,
            "AWS::Partition": self.partition,
            "AWS::StackName": self.stack_name,
            "AWS::URLSuffix": "amazonaws.com",
        }
