"""The templates' resources, created locally by resource type, in dependency order.

`PROVISIONERS` maps a CloudFormation resource type to a function that creates it in the local services from its
synthesized properties and records its physical id and attributes in the resolver, so later resources (and the
functions' environments) can refer to it. A template resource of a type listed nowhere here is AWS-only wiring
(IAM, logs, alarms, WAF, Lambda event source mappings) and is skipped. Adding a resource type is one function and
one entry.

The user pool is the exception: cognito-local reads pools from its store when it starts (it names pools
`local_...` itself, which is not a Cognito pool id), so `seed_user_pools` writes the store first.
"""

from __future__ import annotations

import json
import secrets
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local.assembly import ACCOUNT_ID, Assembly, Resolver, Stack
from local.storage import CorsRule
from local.tokens import Client
from stacks.names import STANDARD_ATTRIBUTES

_UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
# Cognito's defaults when a client sets no validity (Cognito API Reference, CreateUserPoolClient).
_DEFAULT_VALIDITY = {"AccessToken": (60, "minutes"), "IdToken": (60, "minutes")}


@dataclass
class Provisioned:
    """What the local services hold after provisioning, for the servers that front them."""

    user_pool_ids: dict[str, str] = field(default_factory=dict)  # logical id -> pool id
    case_sensitive: dict[str, bool] = field(default_factory=dict)  # pool id -> username case sensitivity
    password_policies: dict[str, dict[str, Any]] = field(default_factory=dict)  # pool id -> PasswordPolicy
    clients: dict[str, Client] = field(default_factory=dict)  # client id -> client
    bucket_cors: dict[str, tuple[CorsRule, ...]] = field(default_factory=dict)  # bucket name -> rules
    buckets: dict[str, str] = field(default_factory=dict)  # logical id -> bucket name
    identity_pool_ids: dict[str, str] = field(default_factory=dict)


@dataclass
class Context:
    assembly: Assembly
    resolver: Resolver
    cognito: Callable[[str, Mapping[str, Any]], dict[str, Any]]  # a Cognito API call to cognito-local
    aws: Callable[[str], Any]  # a boto3 client for moto, by service name
    extra_callback_urls: Sequence[str] = ()
    provisioned: Provisioned = field(default_factory=Provisioned)
    web_host: str | None = None  # host:port of the local web server, which stands in for the distribution


def seed_user_pools(assembly: Assembly, resolver: Resolver, db_dir: Path, provisioned: Provisioned) -> None:
    """Write each AWS::Cognito::UserPool into cognito-local's store, with a Cognito-shaped pool id."""
    db_dir.mkdir(parents=True, exist_ok=True)
    for stack, logical_id, properties in assembly.resources("AWS::Cognito::UserPool"):
        suffix = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(9))
        pool_id = f"{assembly.region}_{suffix}"
        arn = f"arn:aws:cognito-idp:{assembly.region}:{ACCOUNT_ID}:userpool/{pool_id}"
        provider = f"cognito-idp.{assembly.region}.amazonaws.com/{pool_id}"
        resolver.provide(stack, logical_id, pool_id, Arn=arn, ProviderName=provider, ProviderURL=f"https://{provider}")
        options = resolver.resolve(stack, properties)
        options.pop("LambdaConfig", None)  # cognito-local's triggers are configured globally (config.json)
        options.update(Id=pool_id, Arn=arn, Name=options.pop("UserPoolName", logical_id))
        options["SchemaAttributes"] = _schema(options.pop("Schema", []))
        (db_dir / f"{pool_id}.json").write_text(json.dumps({"Options": options, "Users": {}}), encoding="utf-8")
        provisioned.user_pool_ids[logical_id] = pool_id
        provisioned.password_policies[pool_id] = dict((options.get("Policies") or {}).get("PasswordPolicy") or {})
        provisioned.case_sensitive[pool_id] = bool(
            (options.get("UsernameConfiguration") or {}).get("CaseSensitive", True)
        )


def _schema(overrides: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every pool's standard attributes ("User pool attributes": the template's Schema lists only the settings it
    changes), with the template's settings applied and its custom attributes as `custom:<name>`."""
    types = {"email_verified": "Boolean", "phone_number_verified": "Boolean", "updated_at": "Number"}
    schema = {"sub": {"Name": "sub", "AttributeDataType": "String", "Mutable": False, "Required": True}}
    for name in STANDARD_ATTRIBUTES:
        schema[name] = {
            "Name": name,
            "AttributeDataType": types.get(name, "String"),
            "Mutable": True,
            "Required": False,
        }
    for attribute in overrides:
        name = str(attribute["Name"])
        if name not in schema:
            name = f"custom:{name}"
        schema[name] = {**schema.get(name, {"AttributeDataType": "String"}), **attribute, "Name": name}
    return list(schema.values())


def trigger_functions(assembly: Assembly) -> dict[str, str]:
    """The user pool's LambdaConfig: trigger name -> function logical id (V2 pre token generation included)."""
    triggers: dict[str, str] = {}
    for stack, _, properties in assembly.resources("AWS::Cognito::UserPool"):
        for trigger, target in (properties.get("LambdaConfig") or {}).items():
            if trigger == "PreTokenGenerationConfig":
                trigger, target = f"PreTokenGeneration_{target.get('LambdaVersion', 'V1_0')}", target["LambdaArn"]
            function = stack.function_behind(target)
            if function is not None:
                triggers[trigger] = function
    return triggers


def _resource_server(ctx: Context, stack: Stack, logical_id: str, properties: Mapping[str, Any]) -> None:
    # Ref of a resource server is its identifier; cognito-local has no resource servers (scopes are ours).
    ctx.resolver.provide(stack, logical_id, str(ctx.resolver.resolve(stack, properties["Identifier"])))


def _domain(ctx: Context, stack: Stack, logical_id: str, properties: Mapping[str, Any]) -> None:
    ctx.resolver.provide(stack, logical_id, str(ctx.resolver.resolve(stack, properties["Domain"])))


def _seconds(properties: Mapping[str, Any], name: str) -> int:
    value, unit = _DEFAULT_VALIDITY[name]
    if f"{name}Validity" in properties:  # a validity without a unit is in hours (CreateUserPoolClient)
        value, unit = properties[f"{name}Validity"], (properties.get("TokenValidityUnits") or {}).get(name, "hours")
    return int(value) * _UNIT_SECONDS[unit]


def _user_pool_client(ctx: Context, stack: Stack, logical_id: str, properties: Mapping[str, Any]) -> None:
    request = dict(ctx.resolver.resolve(stack, properties))
    callbacks = list(request.get("CallbackURLs", []))
    if ctx.extra_callback_urls and any(url.startswith(("http://", "https://")) for url in callbacks):
        # --callback-url: a local web app's address, on the browser clients of the local pool only.
        callbacks += [url for url in ctx.extra_callback_urls if url not in callbacks]
        request["CallbackURLs"] = callbacks
        request["LogoutURLs"] = list(request.get("LogoutURLs", [])) + [
            url.rsplit("/", 1)[0] + "/" for url in ctx.extra_callback_urls
        ]
    created = ctx.cognito("CreateUserPoolClient", request)["UserPoolClient"]
    client_id = str(created["ClientId"])
    ctx.resolver.provide(stack, logical_id, client_id, ClientSecret=str(created.get("ClientSecret", "")))
    ctx.provisioned.clients[client_id] = Client(
        client_id=client_id,
        name=str(request.get("ClientName", logical_id)),
        explicit_auth_flows=tuple(request.get("ExplicitAuthFlows", ())),
        oauth_scopes=tuple(request.get("AllowedOAuthScopes", ())),
        callback_urls=tuple(callbacks),
        logout_urls=tuple(request.get("LogoutURLs", ())),
        read_attributes=tuple(request["ReadAttributes"]) if "ReadAttributes" in request else None,
        access_seconds=_seconds(properties, "AccessToken"),
        id_seconds=_seconds(properties, "IdToken"),
    )


def _group(ctx: Context, stack: Stack, logical_id: str, properties: Mapping[str, Any]) -> None:
    request = {key: value for key, value in ctx.resolver.resolve(stack, properties).items() if value is not None}
    ctx.cognito("CreateGroup", request)
    ctx.resolver.provide(stack, logical_id, str(request["GroupName"]))


def _bucket(ctx: Context, stack: Stack, logical_id: str, properties: Mapping[str, Any]) -> None:
    props = ctx.resolver.resolve(stack, properties)
    name = props.get("BucketName") or f"{stack.name}-{logical_id}".lower()[:56] + "-local"
    s3 = ctx.aws("s3")
    s3.create_bucket(Bucket=name)
    if (props.get("VersioningConfiguration") or {}).get("Status") == "Enabled":
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    if "PublicAccessBlockConfiguration" in props:
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"])
    if "BucketEncryption" in props:
        s3.put_bucket_encryption(
            Bucket=name,
            ServerSideEncryptionConfiguration={
                "Rules": [
                    {
                        "ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"],
                        **({"BucketKeyEnabled": rule["BucketKeyEnabled"]} if "BucketKeyEnabled" in rule else {}),
                    }
                    for rule in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
                ]
            },
        )
    rules = tuple(CorsRule.from_template(rule) for rule in (props.get("CorsConfiguration") or {}).get("CorsRules", []))
    if ctx.extra_callback_urls and rules:
        origins = tuple(origin(url) for url in ctx.extra_callback_urls)
        rules = tuple(
            CorsRule(r.allowed_origins + origins, r.allowed_methods, r.allowed_headers, r.exposed_headers, r.max_age)
            for r in rules
        )
    if rules:
        s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": [_api_cors_rule(rule) for rule in rules]})
    ctx.provisioned.bucket_cors[name] = rules
    lifecycle = (props.get("LifecycleConfiguration") or {}).get("Rules")
    if lifecycle:
        s3.put_bucket_lifecycle_configuration(
            Bucket=name, LifecycleConfiguration={"Rules": [_api_lifecycle_rule(rule) for rule in lifecycle]}
        )
    ctx.provisioned.buckets[logical_id] = name
    ctx.resolver.provide(
        stack,
        logical_id,
        name,
        Arn=f"arn:aws:s3:::{name}",
        DomainName=f"{name}.s3.amazonaws.com",
        RegionalDomainName=f"{name}.s3.{ctx.assembly.region}.amazonaws.com",
    )


def origin(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


def _api_cors_rule(rule: CorsRule) -> dict[str, Any]:
    api: dict[str, Any] = {"AllowedOrigins": list(rule.allowed_origins), "AllowedMethods": list(rule.allowed_methods)}
    if rule.allowed_headers:
        api["AllowedHeaders"] = list(rule.allowed_headers)
    if rule.exposed_headers:
        api["ExposeHeaders"] = list(rule.exposed_headers)
    if rule.max_age is not None:
        api["MaxAgeSeconds"] = rule.max_age
    return api


def _api_lifecycle_rule(rule: Mapping[str, Any]) -> dict[str, Any]:
    """A CloudFormation lifecycle rule in the S3 API's shape; a property not mapped here fails loudly."""
    api: dict[str, Any] = {"Status": rule["Status"], "Filter": {"Prefix": rule.get("Prefix", "")}}
    for key, value in rule.items():
        if key == "Id":
            api["ID"] = value
        elif key == "NoncurrentVersionExpiration":
            api[key] = {"NoncurrentDays": value["NoncurrentDays"]}
        elif key == "AbortIncompleteMultipartUpload":
            api[key] = {"DaysAfterInitiation": value["DaysAfterInitiation"]}
        elif key == "ExpirationInDays":
            api["Expiration"] = {"Days": value}
        elif key not in ("Status", "Prefix"):
            raise ValueError(f"lifecycle rule property {key} is not mapped for the local stack (local/resources.py)")
    return api


def _identity_pool(ctx: Context, stack: Stack, logical_id: str, properties: Mapping[str, Any]) -> None:
    props = ctx.resolver.resolve(stack, properties)
    request = {key: props[key] for key in ("AllowUnauthenticatedIdentities", "AllowClassicFlow",
                                            "CognitoIdentityProviders") if key in props}  # fmt: skip
    request["IdentityPoolName"] = props.get("IdentityPoolName") or logical_id
    identity_pool_id = ctx.aws("cognito-identity").create_identity_pool(**request)["IdentityPoolId"]
    ctx.provisioned.identity_pool_ids[logical_id] = identity_pool_id
    ctx.resolver.provide(stack, logical_id, identity_pool_id, Name=request["IdentityPoolName"])


def _table(ctx: Context, stack: Stack, logical_id: str, properties: Mapping[str, Any]) -> None:
    """A DynamoDB table in moto with the template's keys and billing mode (PITR, encryption and deletion protection
    are AWS-side guarantees the local stack does not emulate)."""
    props = ctx.resolver.resolve(stack, properties)
    name = props.get("TableName") or f"{stack.name}-{logical_id}-local"
    ctx.aws("dynamodb").create_table(
        TableName=name,
        KeySchema=props["KeySchema"],
        AttributeDefinitions=props["AttributeDefinitions"],
        BillingMode=props.get("BillingMode", "PROVISIONED"),
        **({"ProvisionedThroughput": props["ProvisionedThroughput"]} if "ProvisionedThroughput" in props else {}),
    )
    ctx.resolver.provide(
        stack, logical_id, name, Arn=f"arn:aws:dynamodb:{ctx.assembly.region}:{ACCOUNT_ID}:table/{name}"
    )


def _queue(ctx: Context, stack: Stack, logical_id: str, properties: Mapping[str, Any]) -> None:
    """An SQS queue in moto (Ref: its URL) with the template's timeouts, retention and redrive policy."""
    props = ctx.resolver.resolve(stack, properties)
    name = props.get("QueueName") or f"{stack.name}-{logical_id}-local"[:80]
    attributes = {key: str(props[key]) for key in ("VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds")
                  if key in props}  # fmt: skip
    if "RedrivePolicy" in props:
        attributes["RedrivePolicy"] = json.dumps(props["RedrivePolicy"])
    url = ctx.aws("sqs").create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = f"arn:aws:sqs:{ctx.assembly.region}:{ACCOUNT_ID}:{name}"
    ctx.resolver.provide(stack, logical_id, url, Arn=arn, QueueName=name, QueueUrl=url)


NO_WEB_HOST = "web-app-not-built.invalid"  # RFC 2606: a name that never resolves


def _distribution(ctx: Context, stack: Stack, logical_id: str, properties: Mapping[str, Any]) -> None:
    """The web app's CloudFront distribution is the local web server (local/web.py). The template's
    `https://<domain>` URLs then name an address that speaks http only; its http URLs come from the callback URLs
    the local stack adds (local/stack.py)."""
    ctx.resolver.provide(stack, logical_id, "local", DomainName=ctx.web_host or NO_WEB_HOST)


Provisioner = Callable[[Context, Stack, str, Mapping[str, Any]], None]
# In dependency order: the distribution before the clients and buckets that name its origin, resource servers and
# domains before the clients whose scopes name them, clients before the identity pool that lists them.
PROVISIONERS: dict[str, Provisioner] = {
    "AWS::CloudFront::Distribution": _distribution,
    "AWS::Cognito::UserPoolResourceServer": _resource_server,
    "AWS::Cognito::UserPoolDomain": _domain,
    "AWS::Cognito::UserPoolClient": _user_pool_client,
    "AWS::Cognito::UserPoolGroup": _group,
    "AWS::S3::Bucket": _bucket,
    "AWS::DynamoDB::Table": _table,
    "AWS::SQS::Queue": _queue,  # in template order: a dead-letter queue before the queue that names it
    "AWS::Cognito::IdentityPool": _identity_pool,
}


def provision(ctx: Context) -> Provisioned:
    for resource_type, create in PROVISIONERS.items():
        for stack, logical_id, properties in ctx.assembly.resources(resource_type):
            create(ctx, stack, logical_id, properties)
    return ctx.provisioned
