"""Evaluate synthesized IAM policies offline with a real policy evaluator.

`Stacks` resolves CloudFormation intrinsics (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, cross-stack outputs,
pseudo parameters) to concrete values and collects a role's effective identity policies (inline
policies, `AWS::IAM::Policy` resources and attached customer-managed policies) and a bucket's
policy. `evaluate_many` sends batches of requests (one batch per subject) to `iam_simulate.mjs`
(@cloud-copilot/iam-simulate, AGPL-3.0, test-only) in one Node process and returns one decision
per request.

Anything the resolver does not understand raises: a policy that cannot be resolved exactly is never
evaluated approximately.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

REPO = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("iam_simulate.mjs")
SIMULATOR = REPO / "node_modules" / "@cloud-copilot" / "iam-simulate"
COGNITO_IDENTITY = "cognito-identity.amazonaws.com"
IDENTITY_POOL_SESSION = "CognitoIdentityCredentials"

Decision = Literal["Allowed", "ImplicitlyDenied", "ExplicitlyDenied"]
ALLOWED: Decision = "Allowed"
IMPLICIT: Decision = "ImplicitlyDenied"
EXPLICIT: Decision = "ExplicitlyDenied"


@dataclass(frozen=True)
class Env:
    """The concrete values intrinsics resolve to: pseudo parameters and physical IDs (`Ref`)."""

    account: str = "111122223333"
    region: str = "eu-west-1"
    partition: str = "aws"
    stack_uuid: str = "1f2e3d4c-5b6a-4789-8abc-def012345678"
    physical_ids: Mapping[str, str] = field(
        default_factory=lambda: {
            "DataBucket": "data-bucket-test",
            "UserPool": "eu-west-1_TestPool",
            "RecordsTable": "records-table-test",
            "IdentityPool": "eu-west-1:0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
        }
    )

    def bucket_arn(self, logical_id: str = "DataBucket") -> str:
        return f"arn:{self.partition}:s3:::{self.physical_ids[logical_id]}"

    def table_arn(self, logical_id: str = "RecordsTable") -> str:
        return f"arn:{self.partition}:dynamodb:{self.region}:{self.account}:table/{self.physical_ids[logical_id]}"

    def identity_pool_arn(self, logical_id: str = "IdentityPool") -> str:
        pool = self.physical_ids[logical_id]
        return f"arn:{self.partition}:cognito-identity:{self.region}:{self.account}:identitypool/{pool}"

    def user_pool_arn(self, logical_id: str = "UserPool") -> str:
        return f"arn:{self.partition}:cognito-idp:{self.region}:{self.account}:userpool/{self.physical_ids[logical_id]}"


class IamCaseCounts(UserWarning):
    """How many decisions a proof made, shown in the summary (pytest-xdist relays warnings, not a worker's output;
    its controller imports the category by module name, so it lives here rather than in a test module)."""


class ResolveError(ValueError):
    """A template value the resolver cannot turn into a concrete value."""


class SimulationError(RuntimeError):
    """The simulator rejected a request or silently dropped part of it."""


@dataclass(frozen=True)
class Request:
    """`lenient`: context keys the action may ignore (sweeps over every action send keys that only some use)."""

    action: str
    resource: str
    context: Mapping[str, str | list[str]] = field(default_factory=dict)
    lenient: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Subject:
    """A principal (a role session) with its identity policies, facing one resource policy."""

    principal: str
    identity_policies: list[dict[str, Any]]
    resource_policy: dict[str, Any] | None
    account: str

    def replace_policies(self, edit: Callable[[str], str]) -> Subject:
        """A copy whose identity policies went through `edit` as JSON text (for meta-tests)."""
        return dataclasses.replace(self, identity_policies=json.loads(edit(json.dumps(self.identity_policies))))

    def replace_resource_policy(self, edit: Callable[[dict[str, Any]], dict[str, Any]]) -> Subject:
        """A copy whose resource policy went through `edit` (for meta-tests)."""
        assert self.resource_policy is not None
        return dataclasses.replace(self, resource_policy=edit(json.loads(json.dumps(self.resource_policy))))

    @classmethod
    def service(cls, service: str, resource_policy: dict[str, Any], account: str) -> Subject:
        """An AWS service principal acting on a resource of `account`: only the resource policy applies."""
        return cls(principal=service, identity_policies=[], resource_policy=resource_policy, account=account)


class Stacks:
    """The synthesized templates of one app, keyed by stack id ("Auth", "Api")."""

    def __init__(self, templates: Mapping[str, dict[str, Any]], env: Env | None = None) -> None:
        self.templates = templates
        self.env = env or Env()

    # -- intrinsics ---------------------------------------------------------------------------

    def resolve(self, stack: str, value: Any) -> Any:
        """`value` with every intrinsic function of template `stack` replaced by a concrete value."""
        if isinstance(value, list):
            return [self.resolve(stack, item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref" or key.startswith("Fn::"):
                return self._intrinsic(stack, key, arg)
        return {key: self.resolve(stack, item) for key, item in value.items()}

    def _intrinsic(self, stack: str, key: str, arg: Any) -> Any:
        if key == "Ref":
            return self._ref(stack, arg)
        if key == "Fn::GetAtt":
            logical_id, attribute = arg.split(".", 1) if isinstance(arg, str) else arg
            return self._get_att(stack, logical_id, attribute)
        if key == "Fn::Join":
            separator, parts = arg
            return separator.join(str(part) for part in self.resolve(stack, parts))
        if key == "Fn::Sub":
            return self._sub(stack, arg)
        if key == "Fn::Select":
            index, items = self.resolve(stack, arg)
            return items[int(index)]
        if key == "Fn::Split":
            separator, text = self.resolve(stack, arg)
            return text.split(separator)
        if key == "Fn::GetStackOutput":
            return self._output(lambda _stack, name: name == arg["OutputName"])
        if key == "Fn::ImportValue":
            export = self.resolve(stack, arg)
            return self._output(lambda other, name: self._export_name(other, name) == export)
        raise ResolveError(f"unsupported intrinsic {key} in {stack}: {arg}")

    def _resource(self, stack: str, logical_id: str) -> dict[str, Any]:
        try:
            resource: dict[str, Any] = self.templates[stack]["Resources"][logical_id]
        except KeyError:
            raise ResolveError(f"{stack} has no resource {logical_id}") from None
        return resource

    def _ref(self, stack: str, name: str) -> str:
        env = self.env
        pseudo = {
            "AWS::AccountId": env.account,
            "AWS::Region": env.region,
            "AWS::Partition": env.partition,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": f"{stack.lower()}-stack",
            "AWS::StackId": f"arn:{env.partition}:cloudformation:{env.region}:{env.account}:stack/"
            f"{stack.lower()}-stack/{env.stack_uuid}",
        }
        if name in pseudo:
            return pseudo[name]
        parameters = self.templates[stack].get("Parameters", {})
        if name in parameters:
            return str(parameters[name]["Default"])
        resource = self._resource(stack, name)
        kind, props = resource["Type"], resource.get("Properties", {})
        if name in env.physical_ids:
            return env.physical_ids[name]
        if kind == "AWS::S3::Bucket":
            return str(self.resolve(stack, props.get("BucketName", f"{name.lower()}-test")))
        if kind == "AWS::IAM::Role":
            return str(self.resolve(stack, props.get("RoleName", name)))
        if kind == "AWS::IAM::ManagedPolicy":
            policy_name = self.resolve(stack, props.get("ManagedPolicyName", name))
            return f"arn:{env.partition}:iam::{env.account}:policy{props.get('Path', '/')}{policy_name}"
        if kind == "AWS::Cognito::UserPool":
            return f"{env.region}_{name}"
        if kind == "AWS::SNS::Topic":  # Ref of a topic is its ARN
            topic_name = self.resolve(stack, props.get("TopicName", name))
            return f"arn:{env.partition}:sns:{env.region}:{env.account}:{topic_name}"
        if kind == "AWS::Logs::LogGroup":
            return str(self.resolve(stack, props.get("LogGroupName", name)))
        return name  # clients, identity pools, functions...: the logical ID stands in for the physical one

    def _get_att(self, stack: str, logical_id: str, attribute: str) -> str:
        env = self.env
        kind = self._resource(stack, logical_id)["Type"]
        ref = self._ref(stack, logical_id)
        if (kind, attribute) == ("AWS::S3::Bucket", "Arn"):
            return f"arn:{env.partition}:s3:::{ref}"
        if (kind, attribute) == ("AWS::IAM::Role", "Arn"):
            return f"arn:{env.partition}:iam::{env.account}:role/{ref}"
        if (kind, attribute) == ("AWS::Cognito::UserPool", "Arn"):
            return f"arn:{env.partition}:cognito-idp:{env.region}:{env.account}:userpool/{ref}"
        if (kind, attribute) == ("AWS::DynamoDB::Table", "Arn"):
            return f"arn:{env.partition}:dynamodb:{env.region}:{env.account}:table/{ref}"
        if (kind, attribute) == ("AWS::KMS::Key", "Arn"):
            return f"arn:{env.partition}:kms:{env.region}:{env.account}:key/{ref}"
        if (kind, attribute) == ("AWS::Logs::LogGroup", "Arn"):  # CloudFormation's form ends in ":*"
            return f"arn:{env.partition}:logs:{env.region}:{env.account}:log-group:{ref}:*"
        if (kind, attribute) == ("AWS::Cognito::UserPool", "ProviderName"):
            return f"cognito-idp.{env.region}.amazonaws.com/{ref}"
        if attribute == "Arn":
            # Not a storage resource (log groups, topics...): any well-formed ARN of the right service.
            service = kind.split("::")[1].lower()
            return f"arn:{env.partition}:{service}:{env.region}:{env.account}:{logical_id}"
        raise ResolveError(f"unsupported Fn::GetAtt {logical_id}.{attribute} ({kind}) in {stack}")

    def _sub(self, stack: str, arg: str | list[Any]) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], self.resolve(stack, arg[1]))

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):  # ${!Literal} is the escape for a literal ${Literal}, e.g. IAM variables
                return "${" + name[1:] + "}"
            if name in variables:
                return str(variables[name])
            if "." in name:
                logical_id, attribute = name.split(".", 1)
                return self._get_att(stack, logical_id, attribute)
            return self._ref(stack, name)

        return re.sub(r"\$\{([^}]+)\}", replace, text)

    def _export_name(self, stack: str, output: str) -> Any:
        export = self.templates[stack]["Outputs"][output].get("Export")
        return self.resolve(stack, export["Name"]) if export else None

    def _output(self, matches: Any) -> Any:
        found = [
            (stack, name)
            for stack, template in self.templates.items()
            for name in template.get("Outputs", {})
            if matches(stack, name)
        ]
        if len(found) != 1:
            raise ResolveError(f"cross-stack reference matches {len(found)} outputs: {found}")
        stack, name = found[0]
        return self.resolve(stack, self.templates[stack]["Outputs"][name]["Value"])

    # -- policies -----------------------------------------------------------------------------

    def resources(self, stack: str, kind: str) -> dict[str, dict[str, Any]]:
        return {key: res for key, res in self.templates[stack]["Resources"].items() if res["Type"] == kind}

    def role_id(self, stack: str, prefix: str) -> str:
        """The one role of `stack` whose logical ID starts with `prefix` (CDK appends a hash)."""
        found = [key for key in self.resources(stack, "AWS::IAM::Role") if key.startswith(prefix)]
        if len(found) != 1:
            raise ResolveError(f"{len(found)} roles in {stack} start with {prefix!r}: {found}")
        return found[0]

    def role_session(self, stack: str, role_id: str, session: str = IDENTITY_POOL_SESSION) -> str:
        env = self.env
        return f"arn:{env.partition}:sts::{env.account}:assumed-role/{self._ref(stack, role_id)}/{session}"

    def managed_policies(self) -> dict[str, dict[str, Any]]:
        """Every customer-managed policy of the app, by resolved ARN."""
        return {
            self._ref(stack, key): self.resolve(stack, res["Properties"]["PolicyDocument"])
            for stack in self.templates
            for key, res in self.resources(stack, "AWS::IAM::ManagedPolicy").items()
        }

    def role_policies(self, stack: str, role_id: str) -> list[dict[str, Any]]:
        """The role's identity policies as `{"name", "policy"}`, intrinsics resolved.

        Inline policies, `AWS::IAM::Policy` resources naming the role, and customer-managed policies
        attached either way (the role's `ManagedPolicyArns`, possibly from another stack, or the
        policy's `Roles`). An attached policy that is not part of the app cannot be evaluated: raise.
        """
        role_ref = {"Ref": role_id}
        props = self._resource(stack, role_id)["Properties"]
        policies = {
            inline["PolicyName"]: self.resolve(stack, inline["PolicyDocument"]) for inline in props.get("Policies", [])
        }
        for key, res in self.resources(stack, "AWS::IAM::Policy").items():
            if role_ref in res["Properties"].get("Roles", []):
                policies[key] = self.resolve(stack, res["Properties"]["PolicyDocument"])
        attached = set(self.resolve(stack, props.get("ManagedPolicyArns", [])))
        attached |= {
            self._ref(stack, key)
            for key, res in self.resources(stack, "AWS::IAM::ManagedPolicy").items()
            if role_ref in res["Properties"].get("Roles", [])
        }
        managed = self.managed_policies()
        for arn in sorted(attached):
            if arn not in managed:
                raise ResolveError(f"{role_id} attaches {arn}, which is not in the app: cannot evaluate it")
            policies[arn] = managed[arn]
        return [{"name": name, "policy": policy} for name, policy in policies.items()]

    def bucket_policy(self, stack: str, bucket_id: str) -> dict[str, Any]:
        found = [
            res["Properties"]["PolicyDocument"]
            for res in self.resources(stack, "AWS::S3::BucketPolicy").values()
            if res["Properties"]["Bucket"] == {"Ref": bucket_id}
        ]
        if len(found) != 1:
            raise ResolveError(f"{len(found)} bucket policies for {bucket_id} in {stack}")
        policy: dict[str, Any] = self.resolve(stack, found[0])
        return policy

    def topic_policy(self, stack: str, topic_id: str) -> dict[str, Any]:
        """The one `AWS::SNS::TopicPolicy` of the topic, resolved."""
        found = [
            res["Properties"]["PolicyDocument"]
            for res in self.resources(stack, "AWS::SNS::TopicPolicy").values()
            if {"Ref": topic_id} in res["Properties"]["Topics"]
        ]
        if len(found) != 1:
            raise ResolveError(f"{len(found)} topic policies for {topic_id} in {stack}")
        policy: dict[str, Any] = self.resolve(stack, found[0])
        return policy

    def key_policy(self, stack: str, key_id: str) -> dict[str, Any]:
        policy: dict[str, Any] = self.resolve(stack, self._resource(stack, key_id)["Properties"]["KeyPolicy"])
        return policy

    def subject(self, stack: str, role_id: str, resource_policy: dict[str, Any] | None, session: str) -> Subject:
        return Subject(
            principal=self.role_session(stack, role_id, session),
            identity_policies=self.role_policies(stack, role_id),
            resource_policy=resource_policy,
            account=self.env.account,
        )

    def identity_pool_roles(self, stack: str) -> dict[str, list[str]]:
        """Roles trusted by Cognito identity pools, with the `amr` values each trust statement allows."""
        roles: dict[str, list[str]] = {}
        for key, res in self.resources(stack, "AWS::IAM::Role").items():
            for statement in res["Properties"]["AssumeRolePolicyDocument"]["Statement"]:
                if statement.get("Principal", {}).get("Federated") == COGNITO_IDENTITY:
                    amr = (
                        statement.get("Condition", {}).get("ForAnyValue:StringLike", {}).get(f"{COGNITO_IDENTITY}:amr")
                    )
                    roles.setdefault(key, []).extend([amr] if isinstance(amr, str) else amr or [])
        return roles


# -- simulator -----------------------------------------------------------------------------------


def _node(payload: Mapping[str, Any]) -> Any:
    if not SIMULATOR.is_dir():
        raise SimulationError(f"{SIMULATOR} is missing: run `make setup` (npm ci installs the pinned simulator)")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(
        ["node", str(SCRIPT)],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise SimulationError(f"iam_simulate.mjs failed ({done.returncode}): {done.stderr.strip()}")
    return json.loads(done.stdout)


_NOT_APPLICABLE = ("no.resource.types", "must.use.wildcard", "not.wildcard.only")


def evaluate_many(batches: Sequence[tuple[Subject, Sequence[Request]]]) -> list[list[Decision | None]]:
    """One decision per request of every batch, all from one Node process.

    None where the action does not act on that kind of resource (s3:ListBucket on an object ARN,
    a wildcard-only action on anything but "*", any other action on "*"): for sweeps over every
    action of a service. Raises on any other simulator error (unknown action, invalid policy) and
    when the simulator ignored a context key a request sets (a key that does not apply to the
    action would otherwise let a request pass vacuously).
    """
    for _, requests in batches:
        for request in requests:
            if "*" in request.resource and request.resource != "*":
                raise SimulationError(f"wildcard in requested resource {request.resource}: ask for one concrete ARN")
    payload = {
        "op": "simulate",
        "batches": [
            {
                "principal": subject.principal,
                "accountId": subject.account,
                "identityPolicies": subject.identity_policies,
                "resourcePolicy": subject.resource_policy,
                "requests": [{"action": r.action, "resource": r.resource, "context": r.context} for r in requests],
            }
            for subject, requests in batches
        ],
    }
    output = _node(payload)
    return [
        [_decision(request, result) for request, result in zip(requests, results, strict=True)]
        for (_, requests), results in zip(batches, output, strict=True)
    ]


def _decision(request: Request, result: dict[str, Any]) -> Decision | None:
    error = result["error"]
    if error and any(code in error for code in _NOT_APPLICABLE):
        return None
    if error:
        raise SimulationError(f"{request}: {error}")
    if set(result["ignoredContextKeys"]) - request.lenient:
        raise SimulationError(f"{request}: the simulator ignored {result['ignoredContextKeys']}")
    decision: Decision = result["decision"]
    return decision


def evaluate(subject: Subject, requests: Sequence[Request]) -> list[Decision]:
    """One decision per request; raises if an action does not apply to its resource."""
    decisions = evaluate_many([(subject, requests)])[0]
    for request, decision in zip(requests, decisions, strict=True):
        if decision is None:
            raise SimulationError(f"{request}: {request.action} does not act on {request.resource}")
    return [decision for decision in decisions if decision is not None]


def applicable_actions(services: Sequence[str], resources: Sequence[str], account: str) -> dict[str, list[str]]:
    """Per resource ARN, every action of `services` (in the simulator's IAM data) acting on that kind
    of resource; for "*", the wildcard-only actions. Sweeps then skip what cannot apply."""
    applicable: dict[str, list[str]] = _node(
        {
            "op": "applicable",
            "services": list(services),
            "resources": list(resources),
            "principal": f"arn:aws:iam::{account}:role/sweep",
            "accountId": account,
        }
    )
    return applicable
