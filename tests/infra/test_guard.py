"""Destructive-change guard (scripts/guard.py): every guarded change fails, innocent changes pass.

Each case mutates a copy of a committed baseline (guard/baseline/<profile>/) and compares the copy
with the original, so the cases run against the real templates without a synth.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scripts import guard
from tests.support import Synth

Templates = dict[str, dict[str, Any]]


def load(directory: Path) -> Templates:
    return {
        path.name.removesuffix(".template.json"): json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(directory.glob("*.template.json"))
    }


def findings(profile: str, mutate: Callable[[Templates], object]) -> list[str]:
    """Guard findings for the profile's baseline changed by `mutate`."""
    before = load(guard.BASELINE_DIR / profile)
    after = copy.deepcopy(before)
    mutate(after)
    return [
        line
        for stack in before
        for line in guard.compare(stack, before[stack], guard.normalise(after[stack]) if stack in after else {})
    ]


def resources(templates: Templates, stack: str = "Auth") -> dict[str, Any]:
    result: dict[str, Any] = templates[stack]["Resources"]
    return result


def props(templates: Templates, logical_id: str) -> dict[str, Any]:
    result: dict[str, Any] = resources(templates)[logical_id]["Properties"]
    return result


def rename(templates: Templates, logical_id: str, new_id: str) -> None:
    resources(templates)[new_id] = resources(templates).pop(logical_id)


def add_resource(templates: Templates, stack: str, logical_id: str, like: str, **properties: Any) -> None:
    """A new resource: a copy of `like` with some properties replaced."""
    resource = copy.deepcopy(resources(templates, stack)[like])
    resource["Properties"].update(properties)
    resources(templates, stack)[logical_id] = resource


def first_of_type(templates: Templates, stack: str, resource_type: str) -> str:
    return next(lid for lid, resource in resources(templates, stack).items() if resource["Type"] == resource_type)


POOL = "Auth/UserPool (AWS::Cognito::UserPool)"
DESTROYS_USERS = "destroys every user, password, MFA device and group membership"

GUARDED = [
    pytest.param("dev", lambda t: resources(t).pop("UserPool"), f"{POOL} resource: removed", id="pool-removed"),
    pytest.param(
        "prod",
        lambda t: resources(t).pop("IdentityPool"),
        "Auth/IdentityPool (AWS::Cognito::IdentityPool) resource: removed or renamed — the stack lets go of",
        id="retained-identity-pool-removed",
    ),
    pytest.param(
        "dev",
        lambda t: rename(t, "DataBucket", "StorageDataBucket1234ABCD"),
        "Auth/DataBucket (AWS::S3::Bucket) resource: removed or renamed (new logical IDs of this type: "
        "StorageDataBucket1234ABCD) — destroys every object in the bucket",
        id="bucket-logical-id-renamed",
    ),
    pytest.param(
        "dev",
        lambda t: props(t, "Domain").update(Domain="another-login"),
        "Auth/Domain (AWS::Cognito::UserPoolDomain) Domain: ",
        id="domain-prefix-changed",
    ),
    pytest.param(
        "dev",
        lambda t: props(t, "WebClient").update(GenerateSecret=True),
        "Auth/WebClient (AWS::Cognito::UserPoolClient) GenerateSecret: false → true (create-only",
        id="client-secret-added",
    ),
    pytest.param(
        "dev",
        lambda t: props(t, "ServiceClient").pop("GenerateSecret"),
        "Auth/ServiceClient (AWS::Cognito::UserPoolClient) GenerateSecret: true → false (create-only",
        id="client-secret-dropped",
    ),
    pytest.param(
        "dev",
        lambda t: props(t, "DataBucket").update(BucketName="my-data"),
        'Auth/DataBucket (AWS::S3::Bucket) BucketName: (unset) → "my-data" (create-only',
        id="bucket-name-set",
    ),
    pytest.param(
        "dev",
        lambda t: props(t, "GroupUsers").update(GroupName="members"),
        'Auth/GroupUsers (AWS::Cognito::UserPoolGroup) GroupName: "users" → "members" (create-only',
        id="group-renamed",
    ),
    pytest.param(
        "dev",
        lambda t: props(t, "UserPool").update(UsernameAttributes=["phone_number"]),
        f'{POOL} UsernameAttributes: ["email"] → ["phone_number"] (fixed at creation: needs a new pool) — '
        f"{DESTROYS_USERS}",
        id="username-attributes-changed",
    ),
    pytest.param(
        "dev",
        lambda t: props(t, "UserPool").update(AliasAttributes=["preferred_username"]),
        f'{POOL} AliasAttributes: [] → ["preferred_username"]',
        id="alias-attributes-added",
    ),
    pytest.param(
        "dev",
        lambda t: props(t, "UserPool").update(UsernameConfiguration={"CaseSensitive": True}),
        f"{POOL} UsernameConfiguration.CaseSensitive: false → true",
        id="case-sensitivity-changed",
    ),
    pytest.param(
        "dev",
        lambda t: props(t, "UserPool").pop("UsernameConfiguration"),
        f"{POOL} UsernameConfiguration.CaseSensitive: false → true",
        id="case-sensitivity-left-to-default",
    ),
    pytest.param(
        "dev",
        lambda t: props(t, "UserPool").update(Schema=[]),
        f"{POOL} Schema[email]: removed (fixed at creation",
        id="schema-attribute-removed",
    ),
    pytest.param(
        "dev",
        lambda t: props(t, "UserPool")["Schema"][0].update(Mutable=False),
        f"{POOL} Schema[email]: ",
        id="schema-attribute-changed",
    ),
    pytest.param(
        "dev",
        lambda t: props(t, "UserPool")["Schema"].append({"Name": "phone_number", "Required": True}),
        f"{POOL} Schema[phone_number]: added as required",
        id="required-attribute-added",
    ),
    pytest.param(
        "prod",
        lambda t: resources(t)["DataBucket"].update(DeletionPolicy="Delete"),
        "Auth/DataBucket (AWS::S3::Bucket) DeletionPolicy: Retain → Delete — a later removal or replacement "
        "destroys every object in the bucket",
        id="retain-lost",
    ),
    pytest.param(
        "prod",
        lambda t: resources(t)["UserPool"].pop("UpdateReplacePolicy"),
        f"{POOL} UpdateReplacePolicy: Retain → Delete (default)",
        id="update-replace-retain-lost",
    ),
    pytest.param(
        "prod",
        lambda t: props(t, "UserPool").update(DeletionProtection="INACTIVE"),
        f"{POOL} DeletionProtection: ACTIVE → INACTIVE — the next delete {DESTROYS_USERS}",
        id="deletion-protection-off",
    ),
    pytest.param(
        "prod",
        lambda t: props(t, "UserPool").update(WebAuthnRelyingPartyID="login.your-company.example"),
        f"{POOL} WebAuthnRelyingPartyID: ",
        id="passkey-relying-party-changed",
    ),
    pytest.param(
        "prod",
        lambda t: resources(t, "Api").pop(first_of_type(t, "Api", "AWS::Logs::LogGroup")),
        "Api/AccountErasureWorkerLogs",
        id="log-group-removed",
    ),
]


@pytest.mark.parametrize(("profile", "mutate", "expected"), GUARDED)
def test_guarded_change_is_one_finding(profile: str, mutate: Callable[[Templates], object], expected: str) -> None:
    # When the templates change in a way that loses data, the guard reports exactly that, in one line.
    [line] = findings(profile, mutate)
    assert line.startswith(expected)
    assert " — " in line
    assert "\n" not in line


def set_every_function_code(templates: Templates) -> None:
    for template in templates.values():
        for resource in template["Resources"].values():
            if resource["Type"] == "AWS::Lambda::Function":
                resource["Properties"]["Code"]["S3Key"] = f"{'0123abcd' * 8}.zip"


def add_new_route(templates: Templates) -> None:
    route = first_of_type(templates, "Api", "AWS::ApiGatewayV2::Route")
    add_resource(templates, "Api", "HttpApiGETstatsA1B2C3D4", route, RouteKey="GET /stats")


INNOCENT = [
    pytest.param("dev", set_every_function_code, id="function-code-changed"),
    pytest.param(
        "prod",
        lambda t: props(t, "DataBucket")["Tags"].append({"Key": "cost-centre", "Value": "identity"}),
        id="bucket-tag-added",
    ),
    pytest.param("prod", lambda t: props(t, "UserPool").update(UserPoolTags={"team": "identity"}), id="pool-tags"),
    pytest.param("dev", add_new_route, id="new-api-route"),
    pytest.param("dev", lambda t: t["Api"]["Outputs"].update(Extra={"Value": "x"}), id="new-output"),
    pytest.param(
        "dev", lambda t: add_resource(t, "Auth", "GroupReaders", "GroupUsers", GroupName="readers"), id="new-group"
    ),
    pytest.param(
        "dev",
        lambda t: props(t, "UserPool")["Schema"].append({"Name": "tenant", "AttributeDataType": "String"}),
        id="optional-attribute-added",
    ),
    pytest.param("dev", lambda t: resources(t)["DataBucket"].update(DeletionPolicy="Retain"), id="retain-added"),
    pytest.param("dev", lambda t: resources(t)["UserPool"].update(Metadata={"cdk_nag": {}}), id="metadata-added"),
]


@pytest.mark.parametrize(("profile", "mutate"), INNOCENT)
def test_innocent_change_passes(profile: str, mutate: Callable[[Templates], object]) -> None:
    assert findings(profile, mutate) == []


def test_a_missing_stack_reports_every_stateful_resource() -> None:
    before = load(guard.BASELINE_DIR / "prod")
    lines = guard.compare("Auth", before["Auth"], {})
    assert len(lines) == guard.count_stateful(before["Auth"]) > 0


@pytest.mark.parametrize("profile", ["dev", "prod"])
def test_committed_baseline_is_normalised(profile: str) -> None:
    templates = load(guard.BASELINE_DIR / profile)
    assert set(templates) == {"Auth", "Api"}
    for template in templates.values():
        assert guard.normalise(template) == template  # no Metadata, asset hashes masked


def test_create_only_properties_come_from_the_resource_schemas() -> None:
    create_only = {resource_type: guard.create_only_properties(resource_type) for resource_type in guard.STATEFUL_TYPES}
    assert "GenerateSecret" in create_only["AWS::Cognito::UserPoolClient"]
    assert "Domain" in create_only["AWS::Cognito::UserPoolDomain"]
    assert "GroupName" in create_only["AWS::Cognito::UserPoolGroup"]
    assert "BucketName" in create_only["AWS::S3::Bucket"]


def test_cli_writes_a_baseline_then_checks_against_it(
    dev: Synth, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline_dir, changed = tmp_path / "baseline", tmp_path / "changed"
    options = ["--profile", "dev", "--baseline-dir", str(baseline_dir)]

    # Given a baseline written from the dev synth
    assert guard.main(["baseline", *options, "--synth-dir", str(dev.outdir)]) == 0
    stateful = sum(guard.count_stateful(template) for template in dev.templates.values())

    # Then the same synth passes
    assert guard.main(["check", *options, "--synth-dir", str(dev.outdir)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"guard: dev: no destructive changes ({stateful} stateful resources checked)"
    )

    # And a synth without the user pool fails with one line naming it
    changed.mkdir()
    for stack, template in dev.templates.items():
        template = copy.deepcopy(template)
        if stack == "Auth":
            del template["Resources"]["UserPool"]
        (changed / f"{stack}.template.json").write_text(json.dumps(template), encoding="utf-8")
    assert guard.main(["check", *options, "--synth-dir", str(changed)]) == 1
    assert capsys.readouterr().out.splitlines() == [f"{POOL} resource: removed or renamed — {DESTROYS_USERS}"]


def test_cli_without_baseline_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    synth_dir = tmp_path / "synth"
    synth_dir.mkdir()
    (synth_dir / "Auth.template.json").write_text("{}", encoding="utf-8")
    assert (
        guard.main(["check", "--profile", "dev", "--synth-dir", str(synth_dir), "--baseline-dir", str(tmp_path)]) == 2
    )
    assert "make baseline ENV=dev" in capsys.readouterr().err
