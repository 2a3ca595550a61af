"""Every preflight check, passing and failing, offline.

Where moto models the answer (SSM parameters, S3 buckets, CloudFormation stacks, SES identities and
configuration sets, Secrets Manager, ACM, Route 53, Cognito domains, CloudWatch log groups) the checks run
against moto's in-process backend. Where it does not, botocore's Stubber answers, and Stubber validates each
canned response against the service model:
- sesv2 GetAccount is not in moto 5.2.5;
- moto's sesv2 GetEmailIdentity always answers VerifiedForSendingStatus false (even with
  VerificationStatus SUCCESS), so the verified case is stubbed;
- moto refuses `/aws/...` SSM names (reserved), so the existing Powertools parameter is stubbed;
- a domain or certificate of another account, and non-terminal stack states, cannot be built in moto.

Each run also records the API calls a check makes and holds them to the IAM actions the check declares,
which docs/preflight.md lists.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from scripts.preflight import checks
from scripts.preflight.__main__ import format_result, run_checks, summary
from scripts.preflight.__main__ import main as preflight_main
from scripts.preflight.assembly import Assembly
from scripts.preflight.model import Context, Result
from stacks.config import AppConfig
from tests.support import REPO, synth_profile

ACCOUNT = "123456789012"  # moto's default account
REGION = "eu-west-1"
# Operations whose IAM action is named differently (Service Authorization Reference: Amazon S3).
_ACTION_OF = {"s3:HeadBucket": "s3:ListBucket"}


@pytest.fixture(autouse=True)
def _moto() -> Iterator[None]:
    with mock_aws():
        yield


class Clients:
    """The client factory a Context uses: moto-backed clients, or stubbed ones where a test adds them.

    Records every call as an IAM action, so a test can hold a check to the actions it declares.
    """

    def __init__(self) -> None:
        self.stubbed: dict[str, Any] = {}
        self.calls: list[str] = []

    def stub(self, service: str, region: str = REGION) -> Stubber:
        client = self._record(boto3.client(service, region_name=region))
        stubber = Stubber(client)
        stubber.activate()
        self.stubbed[service] = client
        return stubber

    def __call__(self, service: str, region: str) -> Any:
        return self.stubbed.get(service) or self._record(boto3.client(service, region_name=region))

    def _record(self, client: Any) -> Any:
        def record(model: Any, **_: Any) -> None:
            action = f"{client.meta.service_model.signing_name}:{model.name}"
            self.calls.append(_ACTION_OF.get(action, action))

        client.meta.events.register("before-parameter-build.*.*", record)
        return client


def context(profile: str, clients: Clients, config: AppConfig | None = None, assembly: Path | None = None) -> Context:
    synth = synth_profile(profile)
    return Context(config or synth.config, Assembly.load(assembly or synth.outdir), ACCOUNT, REGION, clients)


def run(check: Callable[[Context], Result], ctx: Context) -> Result:
    """Run one check the way the CLI does, and hold its calls to its declared IAM actions."""
    (declared,) = [c for c in checks.CHECKS if c.run is check]
    ((_, result),) = run_checks(ctx, [declared])
    assert isinstance(ctx.clients, Clients)
    assert set(ctx.clients.calls) <= set(declared.actions), f"{declared.name} called {ctx.clients.calls}"
    return result


def assert_fail(result: Result, *words: str) -> None:
    assert result.status == "FAIL", result
    assert result.fix, "a FAIL line says how to fix it"
    for word in words:
        assert word in f"{result.detail} {result.fix}", result


def with_email(config: AppConfig, **changes: Any) -> AppConfig:
    return config.model_copy(update={"email": config.email.model_copy(update=changes)})


def with_domain(config: AppConfig, **changes: Any) -> AppConfig:
    return config.model_copy(update={"domain": config.domain.model_copy(update=changes)})


def tiny_assembly(tmp_path: Path, resources: dict[str, Any]) -> Path:
    """A cloud assembly with the dev profile's stack names and the given resources in the auth stack."""
    dev = synth_profile("dev")
    artifacts = {}
    for stack_id, name in dev.stack_names.items():
        template = {"Resources": resources if stack_id == "Auth" else {}}
        (tmp_path / f"{stack_id}.template.json").write_text(json.dumps(template))
        artifacts[stack_id] = {
            "type": "aws:cloudformation:stack",
            "properties": {"templateFile": f"{stack_id}.template.json", "stackName": name},
        }
    (tmp_path / "manifest.json").write_text(json.dumps({"artifacts": artifacts}))
    return tmp_path


# ---- bootstrap --------------------------------------------------------------------------------


def bootstrap_account(version: str = "28", bucket: bool = True) -> None:
    boto3.client("ssm", region_name=REGION).put_parameter(
        Name="/cdk-bootstrap/hnb659fds/version", Value=version, Type="String"
    )
    if bucket:
        boto3.client("s3", region_name=REGION).create_bucket(
            Bucket=f"cdk-hnb659fds-assets-{ACCOUNT}-{REGION}", CreateBucketConfiguration={"LocationConstraint": REGION}
        )


def test_bootstrap_passes_with_a_recent_version_and_its_bucket() -> None:
    bootstrap_account()
    result = run(checks.bootstrap, context("dev", Clients()))
    assert result.status == "ok"
    assert result.detail == f"version 28 (needs 6 or later), assets bucket cdk-hnb659fds-assets-{ACCOUNT}-{REGION}"


@pytest.mark.parametrize(
    ("version", "bucket", "words"),
    [
        (None, True, ("not bootstrapped", "make bootstrap ENV=dev")),
        ("5", True, ("bootstrap version 5", "need 6", "make bootstrap ENV=dev")),
        ("28", False, ("does not exist", "delete-stack --stack-name CDKToolkit", "make bootstrap")),
    ],
)
def test_bootstrap_fails_when_missing_too_old_or_without_its_bucket(
    version: str | None, bucket: bool, words: tuple[str, ...]
) -> None:
    if version:
        bootstrap_account(version, bucket=bucket)
    assert_fail(run(checks.bootstrap, context("dev", Clients())), *words)


# ---- stack state ------------------------------------------------------------------------------


def test_stack_state_passes_for_new_and_updatable_stacks() -> None:
    boto3.client("cloudformation", region_name=REGION).create_stack(
        StackName="cognito-ref-dev-auth",
        TemplateBody=json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}),
    )
    result = run(checks.stack_state, context("dev", Clients()))
    assert result == Result("ok", "cognito-ref-dev-auth CREATE_COMPLETE, cognito-ref-dev-api new")


@pytest.mark.parametrize(
    ("status", "words"),
    [
        ("UPDATE_ROLLBACK_FAILED", ("continue-update-rollback",)),
        ("DELETE_FAILED", ("make destroy ENV=dev",)),
        ("UPDATE_IN_PROGRESS", ("wait",)),
        ("ROLLBACK_FAILED", ("describe-stack-events", "delete the stack")),
    ],
)
def test_stack_state_fails_for_stacks_cloudformation_cannot_update(status: str, words: tuple[str, ...]) -> None:
    clients = Clients()
    stub = clients.stub("cloudformation")
    created = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    stub.add_response(
        "describe_stacks",
        {"Stacks": [{"StackName": "cognito-ref-dev-auth", "CreationTime": created, "StackStatus": status}]},
        {"StackName": "cognito-ref-dev-auth"},
    )
    assert_fail(run(checks.stack_state, context("dev", clients)), status, *words)


# ---- layer parameters -------------------------------------------------------------------------


def test_layer_parameters_pass_when_powertools_published_the_parameter() -> None:
    clients = Clients()
    name = "/aws/service/powertools/python/arm64/python3.14/3.37.0"
    clients.stub("ssm").add_response(
        "get_parameters",
        {"Parameters": [{"Name": name, "Type": "String", "Value": "arn:aws:lambda:eu-west-1:0:layer:x:1"}]},
        {"Names": [name]},
    )
    assert run(checks.layer_parameters, context("dev", clients)) == Result("ok", name)


def test_layer_parameters_fail_when_the_region_has_no_such_powertools_layer() -> None:
    result = run(checks.layer_parameters, context("dev", Clients()))
    assert_fail(result, "3.37.0 does not exist in eu-west-1", "get-parameters-by-path", "POWERTOOLS_VERSION")


# ---- SES --------------------------------------------------------------------------------------


def test_ses_checks_skip_with_cognitos_own_sender() -> None:
    for check in (checks.ses_identity, checks.ses_production_access, checks.ses_configuration_set):
        result = run(check, context("dev", Clients()))
        assert result.status == "skip", result


def test_ses_identity_passes_when_verified_for_sending() -> None:
    clients = Clients()
    clients.stub("sesv2").add_response(
        "get_email_identity",
        {"IdentityType": "DOMAIN", "VerifiedForSendingStatus": True, "VerificationStatus": "SUCCESS"},
        {"EmailIdentity": "your-company.example"},
    )
    # prod sends from its verified domain in eu-west-1 (email.ses_verified_domain, email.ses_region).
    assert run(checks.ses_identity, context("prod", clients)) == Result(
        "ok", "your-company.example verified in eu-west-1"
    )


def test_ses_identity_fails_when_missing() -> None:
    result = run(checks.ses_identity, context("prod", Clients()))
    assert_fail(result, "your-company.example is not an SES identity in eu-west-1", "create-email-identity")


def test_ses_identity_fails_while_verification_is_pending() -> None:
    clients = Clients()
    clients.stub("sesv2").add_response(
        "get_email_identity",
        {"IdentityType": "EMAIL_ADDRESS", "VerifiedForSendingStatus": False, "VerificationStatus": "PENDING"},
        {"EmailIdentity": "no-reply@your-company.example"},
    )
    # full sends from its from_address (no ses_verified_domain).
    assert_fail(run(checks.ses_identity, context("full", clients)), "not verified for sending (PENDING)")


def _ses_account(clients: Clients, *, production: bool, sending: bool = True) -> None:
    clients.stub("sesv2").add_response(
        "get_account",
        {"ProductionAccessEnabled": production, "SendingEnabled": sending, "EnforcementStatus": "HEALTHY"},
        {},
    )


def test_ses_production_access_passes_out_of_the_sandbox_or_outside_production() -> None:
    clients = Clients()
    _ses_account(clients, production=True)
    assert run(checks.ses_production_access, context("prod", clients)) == Result("ok", "production access in eu-west-1")
    clients = Clients()
    _ses_account(clients, production=False)
    result = run(checks.ses_production_access, context("full", clients))
    assert (result.status, "sandbox" in result.detail) == ("ok", True)


def test_ses_production_access_fails_for_production_in_the_sandbox_or_when_sending_is_paused() -> None:
    clients = Clients()
    _ses_account(clients, production=False)
    assert_fail(run(checks.ses_production_access, context("prod", clients)), "sandbox", "request production access")
    clients = Clients()
    _ses_account(clients, production=True, sending=False)
    assert_fail(run(checks.ses_production_access, context("prod", clients)), "paused")


def test_ses_configuration_set_passes_when_it_exists_and_fails_when_missing() -> None:
    config = with_email(synth_profile("prod").config, configuration_set="cognito-mail")
    assert_fail(run(checks.ses_configuration_set, context("prod", Clients(), config)), "cognito-mail does not exist")
    boto3.client("sesv2", region_name=REGION).create_configuration_set(ConfigurationSetName="cognito-mail")
    assert run(checks.ses_configuration_set, context("prod", Clients(), config)) == Result(
        "ok", "cognito-mail in eu-west-1"
    )


# ---- federation secrets -----------------------------------------------------------------------

FULL_SECRETS = (
    "cognito-ref/apple-private-key",
    "cognito-ref/facebook-app-secret",
    "cognito-ref/google-client-secret",
    "cognito-ref/okta-client-secret",
)


def create_secrets(*, skip: str = "") -> Any:
    secrets = boto3.client("secretsmanager", region_name=REGION)
    for name in FULL_SECRETS:
        if name != skip:
            secrets.create_secret(Name=name, SecretString="value")
    return secrets


def test_federation_secrets_pass_when_every_referenced_secret_has_a_value() -> None:
    create_secrets()
    result = run(checks.federation_secrets, context("full", Clients()))
    assert result == Result("ok", f"4 secret(s) present: {', '.join(FULL_SECRETS)}")
    assert run(checks.federation_secrets, context("dev", Clients())).status == "skip"


def test_federation_secrets_fail_when_missing_deleted_or_empty() -> None:
    secrets = create_secrets(skip="cognito-ref/google-client-secret")
    assert_fail(run(checks.federation_secrets, context("full", Clients())), "google-client-secret does not exist")
    secrets.create_secret(Name="cognito-ref/google-client-secret")  # no value yet
    assert_fail(run(checks.federation_secrets, context("full", Clients())), "google-client-secret has no current")
    secrets.delete_secret(SecretId="cognito-ref/apple-private-key", RecoveryWindowInDays=7)
    assert_fail(run(checks.federation_secrets, context("full", Clients())), "scheduled for deletion", "restore-secret")


# ---- certificate, hosted zone, parent A record ---------------------------------------------------

FULL_CERTIFICATE = f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/0f0e0d0c-0b0a-0908-0706-050403020100"


def _certificate(clients: Clients, status: str, names: list[str]) -> None:
    clients.stub("acm", "us-east-1").add_response(
        "describe_certificate",
        {
            "Certificate": {
                "CertificateArn": FULL_CERTIFICATE,
                "DomainName": names[0],
                "SubjectAlternativeNames": names,
                "Status": status,
            }
        },
        {"CertificateArn": FULL_CERTIFICATE},
    )


def test_certificate_passes_when_issued_for_the_domain_or_a_wildcard() -> None:
    for covered in (["login.your-company.example"], ["your-company.example", "*.your-company.example"]):
        clients = Clients()
        _certificate(clients, "ISSUED", covered)
        result = run(checks.certificate, context("full", clients))
        assert result == Result("ok", "ISSUED in us-east-1, covers login.your-company.example")
    assert run(checks.certificate, context("dev", Clients())).status == "skip"


def test_certificate_fails_when_missing_pending_or_for_another_name() -> None:
    assert_fail(run(checks.certificate, context("full", Clients())), "does not exist", "us-east-1")
    clients = Clients()
    _certificate(clients, "PENDING_VALIDATION", ["login.your-company.example"])
    assert_fail(run(checks.certificate, context("full", clients)), "PENDING_VALIDATION", "validation")
    clients = Clients()
    _certificate(clients, "ISSUED", ["*.other.example", "a.b.your-company.example"])
    assert_fail(run(checks.certificate, context("full", clients)), "not login.your-company.example")
    # A wildcard covers one label only.
    assert not checks._covers("*.example", "login.your-company.example")


def _zone(*, parent_a_record: bool) -> str:
    route53 = boto3.client("route53")
    zone_id: str = route53.create_hosted_zone(Name="your-company.example", CallerReference="preflight")["HostedZone"][
        "Id"
    ].rsplit("/", 1)[1]
    if parent_a_record:
        route53.change_resource_record_sets(
            HostedZoneId=zone_id,
            ChangeBatch={
                "Changes": [
                    {
                        "Action": "CREATE",
                        "ResourceRecordSet": {
                            "Name": "your-company.example",
                            "Type": "A",
                            "TTL": 300,
                            "ResourceRecords": [{"Value": "192.0.2.10"}],
                        },
                    }
                ]
            },
        )
    return zone_id


def test_hosted_zone_passes_when_it_holds_the_domain_and_fails_when_missing_or_misnamed() -> None:
    full = synth_profile("full").config
    assert_fail(run(checks.hosted_zone, context("full", Clients())), "does not exist")
    zone_id = _zone(parent_a_record=False)
    config = with_domain(full, hosted_zone_id=zone_id)
    assert run(checks.hosted_zone, context("full", Clients(), config)) == Result(
        "ok", f"{zone_id} is your-company.example"
    )
    misnamed = with_domain(full, hosted_zone_id=zone_id, hosted_zone_name="company.example")
    assert_fail(run(checks.hosted_zone, context("full", Clients(), misnamed)), "not company.example")
    assert run(checks.hosted_zone, context("dev", Clients())).status == "skip"


def test_custom_domain_parent_passes_with_an_a_record_and_fails_without() -> None:
    full = synth_profile("full").config
    config = with_domain(full, hosted_zone_id=_zone(parent_a_record=False))
    assert_fail(run(checks.custom_domain_parent, context("full", Clients(), config)), "has no A record")
    route53 = boto3.client("route53")
    for zone in route53.list_hosted_zones()["HostedZones"]:
        route53.delete_hosted_zone(Id=zone["Id"])
    config = with_domain(full, hosted_zone_id=_zone(parent_a_record=True))
    assert run(checks.custom_domain_parent, context("full", Clients(), config)) == Result(
        "ok", "your-company.example has an A record"
    )
    outside = with_domain(full, hosted_zone_id=None, hosted_zone_name=None)
    assert run(checks.custom_domain_parent, context("full", Clients(), outside)).status == "skip"


# ---- login domain -----------------------------------------------------------------------------


def _domain_owner(clients: Clients, domain: str, pool_id: str, account: str) -> None:
    clients.stub("cognito-idp").add_response(
        "describe_user_pool_domain",
        {"DomainDescription": {"UserPoolId": pool_id, "AWSAccountId": account, "Domain": domain, "Status": "ACTIVE"}},
        {"Domain": domain},
    )


def test_login_domain_passes_when_free_or_already_this_stacks() -> None:
    assert run(checks.login_domain, context("dev", Clients())) == Result("ok", "myapp-dev-login is free in eu-west-1")
    idp = boto3.client("cognito-idp", region_name=REGION)
    pool_id = idp.create_user_pool(PoolName="cognito-ref-dev-users")["UserPool"]["Id"]
    idp.create_user_pool_domain(Domain="myapp-dev-login", UserPoolId=pool_id)
    clients = Clients()
    clients.stub("cloudformation").add_response(
        "describe_stack_resources",
        {
            "StackResources": [
                {
                    "LogicalResourceId": "UserPool",
                    "PhysicalResourceId": pool_id,
                    "ResourceType": "AWS::Cognito::UserPool",
                    "Timestamp": datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
                    "ResourceStatus": "CREATE_COMPLETE",
                }
            ]
        },
        {"StackName": "cognito-ref-dev-auth"},
    )
    result = run(checks.login_domain, context("dev", clients))
    assert result == Result("ok", f"myapp-dev-login already belongs to this stack's user pool {pool_id}")


def test_login_domain_fails_when_another_pool_or_account_has_it() -> None:
    # Stubbed: moto answers a random UUID as AWSAccountId, where AWS answers the 12-digit owner account.
    clients = Clients()
    _domain_owner(clients, "myapp-dev-login", "eu-west-1_Kept12345", ACCOUNT)
    result = run(checks.login_domain, context("dev", clients))
    assert_fail(result, "user pool eu-west-1_Kept12345 in this account", "delete-user-pool-domain", "cognito_prefix")
    clients = Clients()
    _domain_owner(clients, "myapp-dev-login", "eu-west-1_Other1234", "210987654321")
    assert_fail(run(checks.login_domain, context("dev", clients)), "another AWS account", "domain.cognito_prefix")


# ---- leftovers --------------------------------------------------------------------------------


def test_leftover_log_groups_pass_when_free_and_fail_when_a_retained_one_has_the_name(tmp_path: Path) -> None:
    assembly = tiny_assembly(
        tmp_path,
        {
            "Named": {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "aws-waf-logs-cognito-ref-dev"}},
            "Computed": {
                "Type": "AWS::Logs::LogGroup",
                "Properties": {
                    "LogGroupName": {"Fn::Join": ["-", ["x", {"Fn::Select": [2, {"Ref": "AWS::StackId"}]}]]}
                },
            },
        },
    )
    assert run(checks.leftover_log_groups, context("dev", Clients(), assembly=assembly)).status == "ok"
    boto3.client("logs", region_name=REGION).create_log_group(logGroupName="aws-waf-logs-cognito-ref-dev")
    result = run(checks.leftover_log_groups, context("dev", Clients(), assembly=assembly))
    assert_fail(result, "aws-waf-logs-cognito-ref-dev", "already exists", "delete-log-group")
    assert run(checks.leftover_log_groups, context("dev", Clients())).status == "skip"


def test_leftover_buckets_pass_when_free_and_fail_when_taken(tmp_path: Path) -> None:
    name = "cognito-ref-dev-exports"
    assembly = tiny_assembly(tmp_path, {"Exports": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": name}}})
    assert run(checks.leftover_buckets, context("dev", Clients(), assembly=assembly)).status == "ok"
    boto3.client("s3", region_name=REGION).create_bucket(
        Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    assert_fail(run(checks.leftover_buckets, context("dev", Clients(), assembly=assembly)), "left by an earlier")
    clients = Clients()
    clients.stub("s3").add_client_error("head_bucket", service_error_code="403", http_status_code=403)
    assert_fail(run(checks.leftover_buckets, context("dev", clients, assembly=assembly)), "another account")
    assert run(checks.leftover_buckets, context("dev", Clients())).status == "skip"


# ---- the run as a whole -----------------------------------------------------------------------


def test_a_denied_call_is_a_fail_line_naming_the_actions_to_allow() -> None:
    clients = Clients()
    clients.stub("cognito-idp").add_client_error(
        "describe_user_pool_domain", service_error_code="AccessDeniedException", http_status_code=400
    )
    result = run(checks.login_domain, context("dev", clients))
    assert_fail(result, "not allowed to call DescribeUserPoolDomain", "cognito-idp:DescribeUserPoolDomain")


def test_docs_list_every_iam_action_preflight_needs() -> None:
    documented = (REPO / "docs" / "preflight.md").read_text(encoding="utf-8")
    block = documented.split("```json", 1)[1].split("```", 1)[0]
    assert sorted(json.loads(block)["Statement"][0]["Action"]) == checks.iam_actions()
    for check in checks.CHECKS:
        assert f"| `{check.name}` |" in documented, f"docs/preflight.md has no row for {check.name}"
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    listed = readme.split("The IAM actions it calls, for a CI role's policy:", 1)[1].split("\n\n", 1)[0]
    assert re.findall(r"`([a-z0-9-]+:\w+)`", listed) == checks.iam_actions()
    for check in checks.CHECKS:
        assert f"| preflight `FAIL  {check.name}` |" in readme, f"README troubleshooting has no row for {check.name}"


def test_sample_run_for_prod_with_a_missing_ses_identity_and_a_taken_domain_prefix() -> None:
    """The output shown in docs/preflight.md: every line of a run against a half-prepared account."""
    bootstrap_account()
    clients = Clients()
    _domain_owner(clients, "your-company-login", "eu-west-1_Xy12AbCdE", "210987654321")
    ssm = clients.stub("ssm")
    ssm.add_response(
        "get_parameter",
        {"Parameter": {"Name": "/cdk-bootstrap/hnb659fds/version", "Type": "String", "Value": "28"}},
        {"Name": "/cdk-bootstrap/hnb659fds/version"},
    )
    name = "/aws/service/powertools/python/arm64/python3.14/3.37.0"
    ssm.add_response(
        "get_parameters",
        {"Parameters": [{"Name": name, "Type": "String", "Value": "arn:aws:lambda:eu-west-1:0:layer:x:1"}]},
        {"Names": [name]},
    )
    sesv2 = clients.stub("sesv2")
    sesv2.add_client_error("get_email_identity", service_error_code="NotFoundException", http_status_code=404)
    sesv2.add_response("get_account", {"ProductionAccessEnabled": False, "SendingEnabled": True}, {})
    results = run_checks(context("prod", clients))
    lines = [format_result(check, result) for check, result in results] + [summary("prod", results)]
    failed = [check.name for check, result in results if result.status == "FAIL"]
    assert failed == ["ses-identity", "ses-production-access", "login-domain"]
    assert lines[-1].startswith("preflight prod: 4 ok, 3 FAIL, 6 skip. Fix each FAIL line")
    assert "your-company-login is taken by another AWS account in eu-west-1" in "\n".join(lines)
    assert "\n".join(lines) in (REPO / "docs" / "preflight.md").read_text(encoding="utf-8")


def test_main_prints_the_target_then_one_line_per_check(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)  # mock_aws supplies fake credentials
    assembly = str(synth_profile("dev").outdir)
    assert preflight_main(["--profile", "dev", "--assembly", assembly]) == 1  # not bootstrapped, no layer
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"preflight dev: account {ACCOUNT}, region {REGION} (arn:aws:sts::{ACCOUNT}:")
    assert [line.split()[1] for line in out[1:-1]] == [check.name for check in checks.CHECKS]
    assert out[-1].startswith("preflight dev: ")
    # Another profile's assembly is refused in one line, before any AWS call.
    assert preflight_main(["--profile", "prod", "--assembly", assembly]) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("preflight prod: ")
    assert line.endswith("run `make synth ENV=prod`")
