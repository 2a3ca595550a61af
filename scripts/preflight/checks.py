"""The preflight checks: one function each, read-only AWS calls, one line of result.

Each check looks for one account-side cause of a failed first deploy that no template check can see,
in the order a deploy would hit it. The AWS behaviour each relies on is cited beside it. A check that
does not apply to the profile answers `skip` with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from botocore.exceptions import ClientError

from scripts.preflight.model import Check, Context, Result, error_code, fail, ok, skip, stack_missing
from stacks import names

POWERTOOLS_PARAMETER_PREFIX = "/aws/service/powertools/"


def _codes(error: ClientError, *codes: str) -> bool:
    return error_code(error) in codes


# ---- the CDK environment ----------------------------------------------------------------------


def bootstrap(ctx: Context) -> Result:
    """The account/region is bootstrapped with a recent enough version, and its assets bucket exists.

    Each stack requires a bootstrap version (`requiresBootstrapStackVersion` in the assembly manifest) that
    `cdk bootstrap` publishes as an SSM parameter; assets are uploaded to the bootstrap bucket
    (https://docs.aws.amazon.com/cdk/v2/guide/bootstrapping-env.html).
    """
    needs = {(s.bootstrap_parameter, s.bootstrap_version) for s in ctx.assembly.stacks if s.bootstrap_parameter}
    if not needs:
        return skip("the assembly requires no bootstrap version")
    redo = f"run `make bootstrap ENV={ctx.profile}`"
    found = []
    for parameter, required in sorted(needs, key=str):
        try:
            value = ctx.client("ssm").get_parameter(Name=parameter)["Parameter"]["Value"]
        except ClientError as error:
            if _codes(error, "ParameterNotFound"):
                return fail(f"account {ctx.account} is not bootstrapped in {ctx.region} ({parameter} is missing)", redo)
            raise
        if required is not None and int(value) < int(required):
            return fail(f"bootstrap version {value} in {ctx.region}, the stacks need {required} or later", redo)
        found.append(f"version {value} (needs {required} or later)")
    buckets = [ctx.pseudo(ctx.auth_stack).substitute(template) for template in ctx.assembly.asset_buckets]
    for bucket in buckets:
        try:
            ctx.client("s3").head_bucket(Bucket=bucket)
        except ClientError as error:
            if _codes(error, "404", "NoSuchBucket"):
                return fail(
                    f"the bootstrap assets bucket {bucket} does not exist (deleted by hand?)",
                    "delete the CDKToolkit stack (`aws cloudformation delete-stack --stack-name CDKToolkit`), "
                    f"then {redo}",
                )
            raise
    return ok(", ".join(found + [f"assets bucket {bucket}" for bucket in buckets]))


def stack_state(ctx: Context) -> Result:
    """No stack of the profile is in a state CloudFormation cannot update from.

    Stack statuses: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/view-stack-events.html
    (stack status codes). ROLLBACK_COMPLETE passes: the CDK CLI deletes such a stack and creates it again.
    """
    states = []
    for stack in ctx.assembly.stacks:
        try:
            status = ctx.client("cloudformation").describe_stacks(StackName=stack.name)["Stacks"][0]["StackStatus"]
        except ClientError as error:
            if stack_missing(error):
                states.append(f"{stack.name} new")
                continue
            raise
        if status.endswith("_IN_PROGRESS") and status != "REVIEW_IN_PROGRESS":
            return fail(f"{stack.name} is {status}", "wait until that operation ends, then run preflight again")
        if status == "UPDATE_ROLLBACK_FAILED":
            return fail(
                f"{stack.name} is {status}",
                f"`aws cloudformation continue-update-rollback --stack-name {stack.name}` (skip the resources "
                "that cannot roll back), then deploy",
            )
        if status == "DELETE_FAILED":
            return fail(f"{stack.name} is {status}", f"finish the teardown first: `make destroy ENV={ctx.profile}`")
        if status.endswith("_FAILED"):
            return fail(
                f"{stack.name} is {status}",
                f"read its events (`aws cloudformation describe-stack-events --stack-name {stack.name}`), "
                "then delete the stack",
            )
        states.append(f"{stack.name} {status}")
    return ok(", ".join(states))


def layer_parameters(ctx: Context) -> Result:
    """Every SSM parameter the templates resolve at deploy time exists in the region.

    The Powertools layer ARN is read from Powertools' public parameter for the pinned version; a version
    published before its parameter reached a region fails the deploy there (decision 4;
    https://docs.powertools.aws.dev/lambda/python/latest/#lambda-layer).
    """
    wanted = ctx.assembly.ssm_parameters()
    if not wanted:
        return skip("the templates resolve no SSM parameters")
    missing: list[str] = []
    for start in range(0, len(wanted), 10):  # GetParameters takes at most 10 names
        missing += ctx.client("ssm").get_parameters(Names=wanted[start : start + 10]).get("InvalidParameters", [])
    if not missing:
        return ok(", ".join(wanted))
    powertools = [name for name in missing if name.startswith(POWERTOOLS_PARAMETER_PREFIX)]
    if powertools:
        path = powertools[0].rsplit("/", 1)[0]
        return fail(
            f"{', '.join(missing)} does not exist in {ctx.region}: no Powertools layer of that version here yet",
            f"pin a version that has one (`aws ssm get-parameters-by-path --path {path} --region {ctx.region}`): "
            "POWERTOOLS_VERSION in stacks/constructs/lambda_defaults.py and requirements-dev.txt",
        )
    return fail(f"{', '.join(missing)} does not exist in {ctx.region}", "create the parameter, or deploy elsewhere")


# ---- email ----------------------------------------------------------------------------------


def _ses_identity(ctx: Context) -> tuple[str, str] | None:
    """(region, identity) of the SES identity the user pool sends from, read from its EmailConfiguration."""
    for _, properties in ctx.auth_stack.resources("AWS::Cognito::UserPool"):
        source = ctx.pseudo(ctx.auth_stack).literal(properties.get("EmailConfiguration", {}).get("SourceArn"))
        match = re.fullmatch(r"arn:[^:]+:ses:([^:]+):\d*:identity/(.+)", source or "")
        if match:
            return match.group(1), match.group(2)
    return None


def ses_identity(ctx: Context) -> Result:
    """The SES identity in the user pool's SourceArn exists and is verified for sending.

    Cognito's DEVELOPER email mode sends through that identity; the pool cannot be created with an
    unverified one (https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-email.html).
    """
    found = _ses_identity(ctx)
    if found is None:
        return skip("email.sender is cognito (the pool sends with Cognito's default sender)")
    region, identity = found
    try:
        details = ctx.client("sesv2", region).get_email_identity(EmailIdentity=identity)
    except ClientError as error:
        if _codes(error, "NotFoundException"):
            return fail(
                f"{identity} is not an SES identity in {region}",
                f"create and verify it: `aws sesv2 create-email-identity --email-identity {identity} "
                f"--region {region}`, then confirm the mailed link or publish the DKIM records",
            )
        raise
    if not details.get("VerifiedForSendingStatus"):
        status = details.get("VerificationStatus", "not verified")
        return fail(
            f"{identity} in {region} is not verified for sending ({status})",
            "finish its verification: the link mailed to the address, or the DKIM CNAME records of the domain",
        )
    return ok(f"{identity} verified in {region}")


def ses_production_access(ctx: Context) -> Result:
    """The SES account can send, and (for production profiles) has left the sandbox.

    In the sandbox SES delivers only to verified addresses and at most 200 messages a day
    (https://docs.aws.amazon.com/ses/latest/dg/request-production-access.html).
    """
    found = _ses_identity(ctx)
    if found is None:
        return skip("email.sender is cognito")
    region, _ = found
    account = ctx.client("sesv2", region).get_account()
    if not account.get("SendingEnabled", True):
        return fail(
            f"SES sending is paused for this account in {region} ({account.get('EnforcementStatus', 'unknown')})",
            "resolve the SES enforcement (SES console, Reputation metrics), then resume sending",
        )
    if account.get("ProductionAccessEnabled"):
        return ok(f"production access in {region}")
    if ctx.config.production:
        return fail(
            f"the SES account in {region} is still in the sandbox: mail reaches verified addresses only",
            f"request production access (SES console, Account dashboard), region {region}",
        )
    return ok(f"sandbox in {region}: mail reaches verified addresses only (enough for {ctx.profile})")


def ses_configuration_set(ctx: Context) -> Result:
    """The SES configuration set the pool names exists in the SES region."""
    found = _ses_identity(ctx)
    name = ctx.config.email.configuration_set
    if found is None or not name:
        return skip("no SES configuration set configured")
    region, _ = found
    try:
        ctx.client("sesv2", region).get_configuration_set(ConfigurationSetName=name)
    except ClientError as error:
        if _codes(error, "NotFoundException"):
            return fail(
                f"SES configuration set {name} does not exist in {region}",
                f"`aws sesv2 create-configuration-set --configuration-set-name {name} --region {region}`, "
                "or remove email.configuration_set",
            )
        raise
    return ok(f"{name} in {region}")


# ---- federation -----------------------------------------------------------------------------


def federation_secrets(ctx: Context) -> Result:
    """Every Secrets Manager secret the templates reference exists, is not being deleted, and has a value.

    CloudFormation resolves dynamic references at deploy time and fails the resource when the secret or
    its AWSCURRENT version is missing
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references-secretsmanager.html).
    DescribeSecret reads metadata only: preflight never reads a secret value.
    """
    secrets = ctx.assembly.secret_references()
    if not secrets:
        return skip("no federation secrets referenced")
    client = ctx.client("secretsmanager")
    for secret in secrets:
        try:
            description = client.describe_secret(SecretId=secret)
        except ClientError as error:
            if _codes(error, "ResourceNotFoundException"):
                return fail(
                    f"secret {secret} does not exist in {ctx.region}",
                    f"`aws secretsmanager create-secret --name {secret} --secret-string file://secret.txt "
                    f"--region {ctx.region}` (the identity provider's client secret or key)",
                )
            raise
        if description.get("DeletedDate"):
            return fail(
                f"secret {secret} is scheduled for deletion",
                f"`aws secretsmanager restore-secret --secret-id {secret} --region {ctx.region}`",
            )
        stages = [stage for version in description.get("VersionIdsToStages", {}).values() for stage in version]
        if "AWSCURRENT" not in stages:
            return fail(
                f"secret {secret} has no current value",
                f"`aws secretsmanager put-secret-value --secret-id {secret} --secret-string file://secret.txt`",
            )
    return ok(f"{len(secrets)} secret(s) present: {', '.join(secrets)}")


# ---- the login domain ---------------------------------------------------------------------------


def _login_domain(ctx: Context) -> tuple[str, str | None] | None:
    """(domain, certificate ARN or None) of the user pool domain in the template."""
    for _, properties in ctx.auth_stack.resources("AWS::Cognito::UserPoolDomain"):
        domain = ctx.pseudo(ctx.auth_stack).literal(properties.get("Domain"))
        certificate = properties.get("CustomDomainConfig", {}).get("CertificateArn")
        if domain:
            return domain, ctx.pseudo(ctx.auth_stack).literal(certificate) if certificate else None
    return None


def _covers(pattern: str, domain: str) -> bool:
    """Does a certificate name (possibly `*.example.com`, one label deep) cover `domain`?"""
    pattern, domain = pattern.lower().rstrip("."), domain.lower().rstrip(".")
    if pattern.startswith("*."):
        return domain.count(".") == pattern.count(".") and domain.endswith(pattern[1:])
    return pattern == domain


def certificate(ctx: Context) -> Result:
    """The custom domain's ACM certificate is in us-east-1, ISSUED, and covers the domain.

    Managed login on a custom domain runs on CloudFront, which needs the certificate in us-east-1
    (https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-add-custom-domain.html).
    """
    found = _login_domain(ctx)
    if found is None or found[1] is None:
        return skip("no custom domain (a Cognito prefix domain needs no certificate)")
    domain, arn = found
    assert arn is not None
    region = arn.split(":")[3] if arn.count(":") >= 5 else ""
    if region != "us-east-1":
        return fail(f"certificate {arn} is in {region or 'no region'}", "request or import it in us-east-1")
    try:
        details = ctx.client("acm", region).describe_certificate(CertificateArn=arn)["Certificate"]
    except ClientError as error:
        if _codes(error, "ResourceNotFoundException"):
            return fail(
                f"certificate {arn} does not exist in account {ctx.account}",
                f"request one for {domain} in us-east-1 and set domain.certificate_arn",
            )
        raise
    names_covered = details.get("SubjectAlternativeNames") or [details.get("DomainName", "")]
    if details.get("Status") != "ISSUED":
        return fail(
            f"certificate for {details.get('DomainName')} is {details.get('Status')}",
            "complete its validation (the DNS records ACM lists for it) or request a new one",
        )
    if not any(_covers(name, domain) for name in names_covered):
        return fail(
            f"certificate covers {', '.join(names_covered)}, not {domain}",
            f"request a certificate for {domain} (or *.{domain.split('.', 1)[1]}) in us-east-1",
        )
    return ok(f"ISSUED in us-east-1, covers {domain}")


def hosted_zone(ctx: Context) -> Result:
    """The Route 53 hosted zone the profile names exists, has that name, and contains the custom domain."""
    zone_id, zone_name = ctx.config.domain.hosted_zone_id, ctx.config.domain.hosted_zone_name
    domain = ctx.config.domain.custom_domain
    if not (zone_id and zone_name and domain):
        return skip("no Route 53 hosted zone configured")
    try:
        zone = ctx.client("route53", "us-east-1").get_hosted_zone(Id=zone_id)["HostedZone"]
    except ClientError as error:
        if _codes(error, "NoSuchHostedZone"):
            return fail(
                f"hosted zone {zone_id} does not exist in account {ctx.account}",
                "set domain.hosted_zone_id to the zone of your domain",
            )
        raise
    actual = zone["Name"].rstrip(".")
    if actual != zone_name.rstrip("."):
        return fail(f"hosted zone {zone_id} is {actual}, not {zone_name}", "fix domain.hosted_zone_name or _id")
    if not (domain == actual or domain.endswith("." + actual)):
        return fail(f"{domain} is not inside the zone {actual}", "name the zone that contains the custom domain")
    return ok(f"{zone_id} is {actual}")


def custom_domain_parent(ctx: Context) -> Result:
    """The parent of the custom domain has an A record.

    Cognito refuses a custom domain whose parent domain has no A record ("Custom domain is not a valid
    subdomain"; https://docs.aws.amazon.com/cognito/latest/developerguide/troubleshooting.html).
    """
    domain, zone_id = ctx.config.domain.custom_domain, ctx.config.domain.hosted_zone_id
    zone_name = (ctx.config.domain.hosted_zone_name or "").rstrip(".")
    if not domain:
        return skip("no custom domain")
    parent = domain.split(".", 1)[1]
    if not zone_id or not (parent == zone_name or parent.endswith("." + zone_name)):
        return skip(f"{parent} is not in a Route 53 zone of this profile: check by hand that it has an A record")
    records = ctx.client("route53", "us-east-1").list_resource_record_sets(
        HostedZoneId=zone_id, StartRecordName=parent, StartRecordType="A", MaxItems="1"
    )["ResourceRecordSets"]
    if records and records[0]["Name"].rstrip(".") == parent and records[0]["Type"] == "A":
        return ok(f"{parent} has an A record")
    return fail(
        f"{parent} has no A record in zone {zone_id}: Cognito rejects {domain}",
        f"create an A record for {parent} (your website, or any address you control)",
    )


def login_domain(ctx: Context) -> Result:
    """The login domain (prefix or custom) is free, or already this stack's.

    Prefix domains are unique per region across all accounts, custom domains globally; CloudFormation
    then fails with "Domain already associated with another user pool". DescribeUserPoolDomain returns an
    empty description for a free domain and the owner's account and pool id otherwise
    (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_DescribeUserPoolDomain.html).
    """
    found = _login_domain(ctx)
    if found is None:
        return skip("the profile has no user pool domain")
    domain, _ = found
    description = ctx.client("cognito-idp").describe_user_pool_domain(Domain=domain).get("DomainDescription", {})
    pool = description.get("UserPoolId")
    if not pool:
        return ok(f"{domain} is free in {ctx.region}")
    ours = (ctx.deployed_resources(ctx.auth_stack) or {}).get(names.USER_POOL)
    if pool == ours:
        return ok(f"{domain} already belongs to this stack's user pool {pool}")
    key = "domain.custom_domain" if found[1] else "domain.cognito_prefix"
    if description.get("AWSAccountId") == ctx.account:
        return fail(
            f"{domain} belongs to user pool {pool} in this account (a pool kept by an earlier destroy?)",
            f"`aws cognito-idp delete-user-pool-domain --domain {domain} --user-pool-id {pool} "
            f"--region {ctx.region}`, or choose another {key}",
        )
    return fail(f"{domain} is taken by another AWS account in {ctx.region}", f"choose another {key}")


# ---- leftovers of an earlier deploy -------------------------------------------------------------


def _named(ctx: Context, kind: str, name_property: str) -> Iterator[tuple[str, str | None]]:
    """(logical id, physical name or None when the template computes it) of resources with a fixed name."""
    for stack in ctx.assembly.stacks:
        for logical_id, properties in stack.resources(kind):
            if name_property in properties:
                yield f"{stack.name}/{logical_id}", ctx.pseudo(stack).literal(properties[name_property])


def leftover_log_groups(ctx: Context) -> Result:
    """No log group the templates name already exists outside the stacks.

    Retained log groups outlive `cdk destroy`; creating one with the same name then fails with
    "already exists" (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html).
    """
    named = list(_named(ctx, "AWS::Logs::LogGroup", "LogGroupName"))
    if not named:
        return skip("no log group has a fixed name")
    logs = ctx.client("logs")
    for where, name in named:
        if name is None:
            continue  # computed at deploy time (includes the stack's unique id): cannot collide
        groups = logs.describe_log_groups(logGroupNamePrefix=name).get("logGroups", [])
        if any(group["logGroupName"] == name for group in groups) and not ctx.owned_by_stack(name):
            return fail(
                f"log group {name} ({where}) already exists, left by an earlier deploy",
                f"export what you need, then `aws logs delete-log-group --log-group-name {name} --region {ctx.region}`",
            )
    return ok(f"{len(named)} named log group(s) free or already the stack's")


def leftover_buckets(ctx: Context) -> Result:
    """No bucket the templates name already exists (bucket names are global across accounts)."""
    named = [(where, name) for where, name in _named(ctx, "AWS::S3::Bucket", "BucketName") if name]
    if not named:
        return skip("every bucket name is generated by CloudFormation")
    for where, name in named:
        try:
            ctx.client("s3").head_bucket(Bucket=name)
        except ClientError as error:
            if _codes(error, "404", "NoSuchBucket"):
                continue
            if _codes(error, "403", "AccessDenied", "Forbidden"):
                return fail(f"bucket {name} ({where}) belongs to another account", "choose another bucket name")
            raise
        if not ctx.owned_by_stack(name):
            return fail(
                f"bucket {name} ({where}) already exists, left by an earlier deploy",
                f"empty and delete it (`aws s3 rb s3://{name} --force`) if its data is not needed",
            )
    return ok(f"{len(named)} named bucket(s) free or already the stack's")


CHECKS: tuple[Check, ...] = (
    Check("bootstrap", bootstrap, ("ssm:GetParameter", "s3:ListBucket")),
    Check("stack-state", stack_state, ("cloudformation:DescribeStacks",)),
    Check("layer-parameters", layer_parameters, ("ssm:GetParameters",)),
    Check("ses-identity", ses_identity, ("ses:GetEmailIdentity",)),
    Check("ses-production-access", ses_production_access, ("ses:GetAccount",)),
    Check("ses-configuration-set", ses_configuration_set, ("ses:GetConfigurationSet",)),
    Check("federation-secrets", federation_secrets, ("secretsmanager:DescribeSecret",)),
    Check("certificate", certificate, ("acm:DescribeCertificate",)),
    Check("hosted-zone", hosted_zone, ("route53:GetHostedZone",)),
    Check("custom-domain-parent", custom_domain_parent, ("route53:ListResourceRecordSets",)),
    Check(
        "login-domain", login_domain, ("cognito-idp:DescribeUserPoolDomain", "cloudformation:DescribeStackResources")
    ),
    Check(
        "leftover-log-groups", leftover_log_groups, ("logs:DescribeLogGroups", "cloudformation:DescribeStackResources")
    ),
    Check("leftover-buckets", leftover_buckets, ("s3:ListBucket", "cloudformation:DescribeStackResources")),
)


def iam_actions() -> list[str]:
    """Every IAM action preflight calls, for docs/preflight.md and a CI role's policy."""
    return sorted({"sts:GetCallerIdentity", *(action for check in CHECKS for action in check.actions)})
