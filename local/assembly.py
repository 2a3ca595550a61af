"""The profile's synthesized templates, and CloudFormation's intrinsic functions resolved against local resources.

The local stack reads everything it builds from the templates `make synth` would produce (routes, scopes,
clients, groups, bucket rules, function environments), never from a second list. Synthesizing costs seconds, so
the templates are cached under the state directory, keyed by a hash of every input of the synth: a warm start
reuses them.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
# What a synth reads: a change to any of these invalidates the cached templates.
_SYNTH_INPUTS = ("app.py", "cdk.json", "requirements.txt", "stacks", "config")
ACCOUNT_ID = "123456789012"  # the account every local ARN names (moto's default account)


@dataclass(frozen=True)
class Stack:
    stack_id: str  # construct id: "Auth", "Api"
    name: str  # CloudFormation stack name: "<prefix>-auth"
    template: dict[str, Any]

    def resources(self, resource_type: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """(logical id, properties) of every resource of a type, in template order."""
        for logical_id, resource in self.template.get("Resources", {}).items():
            if resource.get("Type") == resource_type:
                yield logical_id, resource.get("Properties", {})

    def function_behind(self, target: Any) -> str | None:
        """The logical id of the AWS::Lambda::Function a Lambda ARN in this template names: `Fn::GetAtt [F, Arn]`,
        or a `Ref` to an alias or version of it (with `snapstart`, integrations and triggers name the `live`
        alias); None for anything else."""
        if isinstance(target, Mapping) and "Fn::GetAtt" in target:
            return str(target["Fn::GetAtt"][0])
        if isinstance(target, Mapping) and "Ref" in target:
            resource = self.template.get("Resources", {}).get(target["Ref"], {})
            if resource.get("Type") in ("AWS::Lambda::Alias", "AWS::Lambda::Version"):
                return self.function_behind(resource["Properties"]["FunctionName"])
            if resource.get("Type") == "AWS::Lambda::Function":
                return str(target["Ref"])
        return None


@dataclass(frozen=True)
class Assembly:
    profile: str
    region: str
    stacks: tuple[Stack, ...]

    def stack(self, stack_id: str) -> Stack:
        return next(stack for stack in self.stacks if stack.stack_id == stack_id)

    def resources(self, resource_type: str) -> Iterator[tuple[Stack, str, dict[str, Any]]]:
        for stack in self.stacks:
            for logical_id, properties in stack.resources(resource_type):
                yield stack, logical_id, properties


def _input_digest(profile: str) -> str:
    digest = hashlib.sha256(f"{profile}\0{sys.version_info[:2]}".encode())
    for name in _SYNTH_INPUTS:
        root = REPO / name
        paths = (
            sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
            if root.is_dir()
            else [root]
        )
        for path in paths:
            digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def synthesize(profile: str, cache_dir: Path, *, log: Callable[[str], None] = print) -> Assembly:
    """The profile's templates: from the cache when no input changed, else synthesized through the app factory
    (the same function app.py and the tests use, with cdk.json's context)."""
    from stacks.config import load_config

    config = load_config(profile)  # ConfigError: the caller prints it, one line per problem
    cache = cache_dir / f"templates-{profile}.json"
    if cache.is_file():
        cached = json.loads(cache.read_text(encoding="utf-8"))
        if cached.get("digest") == _input_digest(profile):
            return _assembly(profile, config.region, cached["stacks"])
    log(f"synthesizing profile {profile} (cached for the next start while stacks/, config/ and cdk.json are unchanged)")
    # In a process of its own: the CDK's jsii kernel (a Node process) never lives in the long-running supervisor.
    environment = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "local.assembly", profile, str(cache_dir)],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"synth of profile {profile} failed:\n{done.stderr.strip()}")
    stacks = json.loads(cache.read_text(encoding="utf-8"))["stacks"]
    return _assembly(profile, config.region, stacks)


def _synthesize_into_cache(profile: str, cache_dir: Path) -> None:
    """`python -m local.assembly PROFILE CACHE_DIR`: synthesize through the app factory, store the templates."""
    import tempfile

    from stacks.app_factory import build_app
    from stacks.config import load_config

    context = json.loads((REPO / "cdk.json").read_text(encoding="utf-8"))["context"]
    with tempfile.TemporaryDirectory(prefix="cdk-local-") as outdir:
        synthesized = build_app(load_config(profile), context=context, outdir=outdir).synth()
        stacks = [{"id": s.id, "name": s.stack_name, "template": s.template} for s in synthesized.stacks]
    write_cache(profile, cache_dir, stacks)


def write_cache(profile: str, cache_dir: Path, stacks: list[dict[str, Any]]) -> None:
    """Store templates synthesized elsewhere (the tests' own synth) as this checkout's current ones:
    `[{"id": "Auth", "name": "<prefix>-auth", "template": {...}}, ...]`."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    document = {"digest": _input_digest(profile), "stacks": stacks}
    (cache_dir / f"templates-{profile}.json").write_text(json.dumps(document), encoding="utf-8")


def _assembly(profile: str, region: str | None, stacks: list[dict[str, Any]]) -> Assembly:
    # Environment-agnostic stacks deploy to the caller's region; locally that is us-east-1.
    return Assembly(
        profile,
        region or "us-east-1",
        tuple(Stack(s["id"], s["name"], s["template"]) for s in stacks),
    )


class UnresolvedError(Exception):
    """A template value that refers to something the local stack does not provide."""


@dataclass
class Resolver:
    """CloudFormation's intrinsic functions, evaluated against the local physical ids and attributes.

    `refs` maps (stack name, logical id) to what `Ref` returns; `attributes` to what `Fn::GetAtt` returns. A `Ref`
    to a resource the local stack does not create resolves to its logical id, and `Fn::GetAtt ... Arn` to an ARN
    naming it, so values that only describe AWS wiring (a role ARN in a group) stay readable.
    """

    assembly: Assembly
    refs: dict[tuple[str, str], str] = field(default_factory=dict)
    attributes: dict[tuple[str, str, str], str] = field(default_factory=dict)

    def provide(self, stack: Stack, logical_id: str, ref: str, **attributes: str) -> None:
        self.refs[(stack.name, logical_id)] = ref
        for name, value in attributes.items():
            self.attributes[(stack.name, logical_id, name)] = value

    def resolve(self, stack: Stack, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(stack, item) for item in value]
        if not isinstance(value, Mapping):
            return value
        if len(value) == 1:
            ((name, argument),) = value.items()
            function = _INTRINSICS.get(name)
            if function is not None:
                return function(self, stack, argument)
        return {key: self.resolve(stack, item) for key, item in value.items()}

    def _pseudo(self, name: str) -> str:
        pseudo = {
            "AWS::Region": self.assembly.region,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": "",
        }
        if name not in pseudo:
            raise UnresolvedError(f"pseudo parameter {name}")
        return pseudo[name]

    def _ref(self, stack: Stack, name: str) -> str:
        if name.startswith("AWS::"):
            return self._pseudo(name)
        return self.refs.get((stack.name, name), name)

    def _get_att(self, stack: Stack, argument: Any) -> str:
        logical_id, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
        found = self.attributes.get((stack.name, logical_id, attribute))
        if found is not None:
            return found
        if attribute == "Arn":
            return f"arn:aws:local:{self.assembly.region}:{ACCOUNT_ID}:{stack.name}/{logical_id}"
        raise UnresolvedError(f"{stack.name}: Fn::GetAtt {logical_id}.{attribute}")

    def _stack_output(self, stack_name: str, output: str) -> Any:
        other = next((s for s in self.assembly.stacks if s.name == stack_name), None)
        if other is None or output not in other.template.get("Outputs", {}):
            raise UnresolvedError(f"output {output} of stack {stack_name}")
        return self.resolve(other, other.template["Outputs"][output]["Value"])

    def _import(self, stack: Stack, name: Any) -> Any:
        export = self.resolve(stack, name)
        for other in self.assembly.stacks:
            for output in other.template.get("Outputs", {}).values():
                if self.resolve(other, output.get("Export", {}).get("Name")) == export:
                    return self.resolve(other, output["Value"])
        raise UnresolvedError(f"Fn::ImportValue {export}")

    def outputs(self, stack: Stack) -> dict[str, Any]:
        """The stack's outputs as `cdk deploy --outputs-file` writes them, less the exports for other stacks and
        the outputs naming a resource the local stack does not create (the alarm topic, say)."""
        return {
            key: self.resolve(stack, output["Value"])
            for key, output in stack.template.get("Outputs", {}).items()
            if "Export" not in output and not key.startswith("PublishOutput") and self._created(stack, output["Value"])
        }

    def _created(self, stack: Stack, value: Any) -> bool:
        if isinstance(value, Mapping) and ("Ref" in value or "Fn::GetAtt" in value):
            target = value.get("Ref") or value["Fn::GetAtt"][0]
            return str(target).startswith("AWS::") or (stack.name, str(target)) in self.refs
        return True


def _join(resolver: Resolver, stack: Stack, argument: Any) -> str:
    separator, values = argument
    return str(separator).join(str(item) for item in resolver.resolve(stack, values))


def _select(resolver: Resolver, stack: Stack, argument: Any) -> Any:
    index, values = argument
    return resolver.resolve(stack, values)[int(resolver.resolve(stack, index))]


def _split(resolver: Resolver, stack: Stack, argument: Any) -> list[str]:
    separator, value = argument
    return str(resolver.resolve(stack, value)).split(separator)


def _sub(resolver: Resolver, stack: Stack, argument: Any) -> str:
    import re

    text, variables = (argument, {}) if isinstance(argument, str) else argument
    values = {name: resolver.resolve(stack, value) for name, value in variables.items()}

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in values:
            return str(values[name])
        if "." in name:
            return resolver._get_att(stack, name)
        return resolver._ref(stack, name)

    return re.sub(r"\$\{([^!}][^}]*)\}", replace, text)


_INTRINSICS: dict[str, Callable[[Resolver, Stack, Any], Any]] = {
    "Ref": lambda resolver, stack, name: resolver._ref(stack, name),
    "Fn::GetAtt": lambda resolver, stack, argument: resolver._get_att(stack, argument),
    "Fn::Join": _join,
    "Fn::Select": _select,
    "Fn::Split": _split,
    "Fn::Sub": _sub,
    "Fn::ImportValue": lambda resolver, stack, name: resolver._import(stack, name),
    "Fn::GetStackOutput": lambda resolver, stack, argument: resolver._stack_output(
        str(resolver.resolve(stack, argument["StackName"])), str(argument["OutputName"])
    ),
}


if __name__ == "__main__":
    _synthesize_into_cache(sys.argv[1], Path(sys.argv[2]))
