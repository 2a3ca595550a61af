"""Destructive-change guard: compares a profile's synthesized templates with its reviewed baseline.

    python -m scripts.guard check --profile dev      # exit 1 and one line per destructive change
    python -m scripts.guard baseline --profile dev   # accept the current synth as the new baseline

A change is destructive when deploying it would delete or replace a resource that holds data: a
stateful resource disappears or changes logical ID, a create-only property changes (from the
CloudFormation resource schemas shipped with cfn-lint), a user-pool setting Cognito cannot change
after creation changes, or a resource loses its Retain policy. See docs/guard.md.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from cfnlint.schema import PROVIDER_SCHEMA_MANAGER  # type: ignore[import-untyped]

REPO = Path(__file__).resolve().parent.parent
BASELINE_DIR = REPO / "guard" / "baseline"

# Resource types that hold data, with what deleting or replacing one destroys.
STATEFUL_TYPES: dict[str, str] = {
    "AWS::Cognito::UserPool": "every user, password, MFA device and group membership",
    "AWS::Cognito::UserPoolClient": "the client ID every app is configured with, and its refresh tokens",
    "AWS::Cognito::UserPoolDomain": "the sign-in URL that apps and identity providers redirect to",
    "AWS::Cognito::UserPoolGroup": "every membership of the group",
    "AWS::Cognito::UserPoolIdentityProvider": "every federated user's link to the provider",
    "AWS::Cognito::UserPoolResourceServer": "the scopes that clients are allowed and tokens carry",
    "AWS::Cognito::IdentityPool": "every identity ID, and the link to data stored under it",
    "AWS::Cognito::IdentityPoolRoleAttachment": "the role mapping: no AWS credentials for anyone until recreated",
    "AWS::Cognito::IdentityPoolPrincipalTag": "the sub session tag that per-user storage access depends on",
    "AWS::S3::Bucket": "every object in the bucket",
    "AWS::DynamoDB::Table": "every user's records (backups go with the table unless retained)",
    "AWS::SQS::Queue": "the queued jobs: account erasures not yet finished",
    "AWS::Logs::LogGroup": "every log event in the group",
    "AWS::KMS::Key": "the key, and everything encrypted with it",
}
USER_POOL = "AWS::Cognito::UserPool"
TABLE = "AWS::DynamoDB::Table"
# User-pool settings Cognito fixes at creation (CloudFormation cannot update them in place).
USER_POOL_IMMUTABLE = ("UsernameAttributes", "AliasAttributes", "UsernameConfiguration.CaseSensitive")
# What CloudFormation assumes for an absent property, where absent and explicit must compare equal.
DEFAULTS: dict[str, Any] = {
    "GenerateSecret": False,
    "UsernameAttributes": [],
    "AliasAttributes": [],
    "UsernameConfiguration.CaseSensitive": True,
}
RETAINING_POLICIES = ("Retain", "RetainExceptOnCreate")
SCHEMA_REGION = "us-east-1"  # create-only properties do not differ between regions
_ASSET_HASH = re.compile(r"\b[0-9a-f]{64}\b")

Change = tuple[str, str]  # ("<property>: <what changes>", "<what data it destroys>")


class GuardError(Exception):
    """The guard cannot run (missing synth or baseline)."""


@cache
def create_only_properties(resource_type: str) -> tuple[str, ...]:
    """Dotted property paths whose change makes CloudFormation replace the resource."""
    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema(SCHEMA_REGION, resource_type).schema
    return tuple(".".join(path.split("/")[2:]) for path in schema.get("createOnlyProperties", []))


def normalise(template: dict[str, Any]) -> dict[str, Any]:
    """Metadata dropped and asset hashes masked, so only infrastructure changes show."""
    text = json.dumps({key: value for key, value in template.items() if key != "Metadata"})
    result: dict[str, Any] = json.loads(_ASSET_HASH.sub("<asset-hash>", text))
    for resource in result.get("Resources", {}).values():
        resource.pop("Metadata", None)
    return result


def _get(properties: dict[str, Any], path: str) -> Any:
    value: Any = properties
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            return DEFAULTS.get(path)
        value = value[key]
    return value


def _show(value: Any) -> str:
    return "(unset)" if value is None else json.dumps(value, sort_keys=True)


def _data(resource_type: str) -> str:
    return STATEFUL_TYPES.get(resource_type, "the resource")


def _destroys(resource_type: str, resource: dict[str, Any], policy: str) -> str:
    """What deleting (DeletionPolicy) or replacing (UpdateReplacePolicy) the resource costs."""
    if resource.get(policy) in RETAINING_POLICIES:
        return f"the stack lets go of {_data(resource_type)} (retained: orphaned, not deleted)"
    return f"destroys {_data(resource_type)}"


def _create_only_changes(resource_type: str, before: dict[str, Any], after: dict[str, Any]) -> Iterator[Change]:
    replaced = _destroys(resource_type, after, "UpdateReplacePolicy")
    old_properties, new_properties = before.get("Properties", {}), after.get("Properties", {})
    for path in create_only_properties(resource_type):
        old, new = _get(old_properties, path), _get(new_properties, path)
        if old != new:
            yield f"{path}: {_show(old)} → {_show(new)} (create-only: CloudFormation replaces it)", replaced


def _user_pool_changes(before: dict[str, Any], after: dict[str, Any]) -> Iterator[Change]:
    replaced = _destroys(USER_POOL, after, "UpdateReplacePolicy")
    fixed = "(fixed at creation: needs a new pool)"
    old_properties, new_properties = before.get("Properties", {}), after.get("Properties", {})
    for path in USER_POOL_IMMUTABLE:
        old, new = _get(old_properties, path), _get(new_properties, path)
        if isinstance(old, list) and isinstance(new, list):
            old, new = sorted(old), sorted(new)
        if old != new:
            yield f"{path}: {_show(old)} → {_show(new)} {fixed}", replaced
    yield from ((change, replaced) for change in _schema_changes(old_properties, new_properties, fixed))
    old_party, new_party = old_properties.get("WebAuthnRelyingPartyID"), new_properties.get("WebAuthnRelyingPartyID")
    if old_party is not None and new_party != old_party:
        yield (
            f"WebAuthnRelyingPartyID: {_show(old_party)} → {_show(new_party)}",
            "invalidates every registered passkey (they are bound to the relying-party ID)",
        )
    protection = new_properties.get("DeletionProtection", "INACTIVE (default)")
    if old_properties.get("DeletionProtection") == "ACTIVE" and protection != "ACTIVE":
        yield f"DeletionProtection: ACTIVE → {protection}", f"the next delete destroys {_data(USER_POOL)}"


def _schema_changes(old_properties: dict[str, Any], new_properties: dict[str, Any], fixed: str) -> Iterator[str]:
    """Schema attributes removed, changed, or added as required: Cognito fixes them at creation."""
    old_attributes = {attribute["Name"]: attribute for attribute in old_properties.get("Schema", [])}
    new_attributes = {attribute["Name"]: attribute for attribute in new_properties.get("Schema", [])}
    for name, attribute in old_attributes.items():
        if name not in new_attributes:
            yield f"Schema[{name}]: removed {fixed}"
        elif new_attributes[name] != attribute:
            yield f"Schema[{name}]: {_show(attribute)} → {_show(new_attributes[name])} {fixed}"
    for name in sorted(new_attributes.keys() - old_attributes.keys()):
        if new_attributes[name].get("Required"):
            yield f"Schema[{name}]: added as required {fixed}"


def _table_changes(before: dict[str, Any], after: dict[str, Any]) -> Iterator[Change]:
    old, new = before.get("Properties", {}), after.get("Properties", {})
    if old.get("DeletionProtectionEnabled") is True and new.get("DeletionProtectionEnabled") is not True:
        change = f"DeletionProtectionEnabled: true → {_show(new.get('DeletionProtectionEnabled', False))}"
        yield change, f"the next delete destroys {_data(TABLE)}"


def _lost_retention(resource_type: str, before: dict[str, Any], after: dict[str, Any]) -> Iterator[Change]:
    for policy in ("DeletionPolicy", "UpdateReplacePolicy"):
        if before.get(policy) in RETAINING_POLICIES and after.get(policy) not in RETAINING_POLICIES:
            change = f"{policy}: {before[policy]} → {after.get(policy, 'Delete (default)')}"
            yield change, f"a later removal or replacement destroys {_data(resource_type)}"


def compare(stack: str, baseline: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """One line per destructive change from `baseline` to `current` (both normalised templates)."""
    old: dict[str, Any] = baseline.get("Resources", {})
    new: dict[str, Any] = current.get("Resources", {})
    findings = []
    for logical_id, before in old.items():
        resource_type = before["Type"]
        after = new.get(logical_id)
        changes: list[Change] = []
        if after is None or after["Type"] != resource_type:
            if resource_type in STATEFUL_TYPES:
                added = [lid for lid, resource in new.items() if resource["Type"] == resource_type and lid not in old]
                renamed = f" (new logical IDs of this type: {', '.join(added)})" if added else ""
                removed = f"resource: removed or renamed{renamed}"
                changes.append((removed, _destroys(resource_type, before, "DeletionPolicy")))
        else:
            changes += _lost_retention(resource_type, before, after)
            if resource_type in STATEFUL_TYPES:
                changes += _create_only_changes(resource_type, before, after)
            if resource_type == USER_POOL:
                changes += _user_pool_changes(before, after)
            if resource_type == TABLE:
                changes += _table_changes(before, after)
        findings += [f"{stack}/{logical_id} ({resource_type}) {change} — {loss}" for change, loss in changes]
    return findings


def count_stateful(template: dict[str, Any]) -> int:
    return sum(r["Type"] in STATEFUL_TYPES for r in template.get("Resources", {}).values())


def _read(path: Path) -> dict[str, Any]:
    template: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return template


def _templates(directory: Path, what: str) -> dict[str, Path]:
    """Stack id -> template file of a cloud assembly or baseline directory."""
    files = {path.name.removesuffix(".template.json"): path for path in sorted(directory.glob("*.template.json"))}
    if not files:
        raise GuardError(f"no templates in {directory} ({what})")
    return files


def check(profile: str, synth_dir: Path, baseline_dir: Path) -> tuple[list[str], int]:
    """Destructive changes from the profile's baseline to `synth_dir`, and the stateful resources checked."""
    baseline = _templates(baseline_dir / profile, f"no baseline: review, then `make baseline ENV={profile}`")
    current = _templates(synth_dir, "synthesize the profile first")
    findings: list[str] = []
    checked = 0
    for stack, path in baseline.items():
        old = _read(path)
        new = normalise(_read(current[stack])) if stack in current else {}
        findings += compare(stack, old, new)
        checked += count_stateful(old)
    return findings, checked


def write_baseline(profile: str, synth_dir: Path, baseline_dir: Path) -> int:
    """Store the normalised templates of `synth_dir` as the profile's baseline; returns stateful count."""
    templates = _templates(synth_dir, "synthesize the profile first")
    target = baseline_dir / profile
    target.mkdir(parents=True, exist_ok=True)
    for stale in target.glob("*.template.json"):
        stale.unlink()
    checked = 0
    for path in templates.values():
        template = normalise(_read(path))
        (target / path.name).write_text(json.dumps(template, indent=1) + "\n", encoding="utf-8")
        checked += count_stateful(template)
    return checked


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.guard", description="Destructive-change guard (docs/guard.md)"
    )
    parser.add_argument("command", choices=("check", "baseline"))
    parser.add_argument("--profile", required=True)
    parser.add_argument("--synth-dir", type=Path, help="cloud assembly directory (default: cdk.out/<profile>)")
    parser.add_argument("--baseline-dir", type=Path, default=BASELINE_DIR, help="default: guard/baseline")
    args = parser.parse_args(argv)
    profile: str = args.profile
    synth_dir: Path = args.synth_dir or REPO / "cdk.out" / profile
    try:
        if args.command == "baseline":
            checked = write_baseline(profile, synth_dir, args.baseline_dir)
            print(f"guard: {profile}: baseline written ({checked} stateful resources)")
            return 0
        findings, checked = check(profile, synth_dir, args.baseline_dir)
    except GuardError as error:
        print(f"guard: {profile}: {error}", file=sys.stderr)
        return 2
    if findings:
        print("\n".join(findings))
        print(f"guard: {profile}: {len(findings)} destructive change(s); see docs/guard.md", file=sys.stderr)
        return 1
    print(f"guard: {profile}: no destructive changes ({checked} stateful resources checked)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
