"""A moto-backed stand-in for a deployed profile: user pool, web client, groups, bucket, records table, identity
pool, a local fake of the HTTP API, and the outputs file `make deploy` would write for them.

Everything listens on 127.0.0.1; AWS_ENDPOINT_URL sends every boto3 client (the CLI's too) to moto.
moto 5.2.5 answers unsigned cognito-idp calls from its default region's backend, hence us-east-1.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from moto.server import ThreadedMotoServer

from client.outputs import StackOutputs, load_outputs
from lambdas.shared.cognito_jwt import CognitoJwtVerifier
from stacks import names
from stacks.names import Outputs
from tests.e2e.fake_api import Backend, FakeApi
from tests.support import create_records_table

REGION = "us-east-1"
PREFIX = "cognito-ref-moto"
RESOURCE_SERVER = "cognito-ref-api"
_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_CONFIG_FILE": "/nonexistent/aws-config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
    "AWS_EC2_METADATA_DISABLED": "true",  # never look for instance credentials off this machine
}


@dataclass(frozen=True)
class MotoStack:
    endpoint: str
    outputs_path: Path
    outputs: StackOutputs


def _create_auth_resources(endpoint: str, bucket: str) -> dict[str, str]:
    """The auth stack's resources, configured like the real ones where moto honours the setting."""
    idp = boto3.client("cognito-idp", region_name=REGION)
    pool = idp.create_user_pool(
        PoolName=f"{PREFIX}-users",
        UsernameAttributes=["email"],
        AutoVerifiedAttributes=["email"],
        UsernameConfiguration={"CaseSensitive": False},
        Policies={
            "PasswordPolicy": {
                "MinimumLength": 12,
                "RequireUppercase": True,
                "RequireLowercase": True,
                "RequireNumbers": True,
                "RequireSymbols": True,
            }
        },
    )["UserPool"]
    for group in (names.ADMIN_GROUP, names.USERS_GROUP):
        idp.create_group(UserPoolId=pool["Id"], GroupName=group)
    idp.create_resource_server(
        UserPoolId=pool["Id"],
        Identifier=RESOURCE_SERVER,
        Name=f"{PREFIX}-api",
        Scopes=[{"ScopeName": scope, "ScopeDescription": text} for scope, text in names.SCOPES.items()],
    )
    client_id = idp.create_user_pool_client(
        UserPoolId=pool["Id"],
        ClientName="web",
        GenerateSecret=False,
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],  # never USER_PASSWORD_AUTH
        PreventUserExistenceErrors="ENABLED",
        EnableTokenRevocation=True,
    )["UserPoolClient"]["ClientId"]
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    table = f"{PREFIX}-records"
    create_records_table(boto3.client("dynamodb", region_name=REGION), table)
    issuer = f"https://cognito-idp.{REGION}.amazonaws.com/{pool['Id']}"
    identity_pool_id = boto3.client("cognito-identity", region_name=REGION).create_identity_pool(
        IdentityPoolName=PREFIX.replace("-", "_"),
        AllowUnauthenticatedIdentities=False,
        AllowClassicFlow=False,
        CognitoIdentityProviders=[
            {"ProviderName": issuer.removeprefix("https://"), "ClientId": client_id, "ServerSideTokenCheck": True}
        ],
    )["IdentityPoolId"]
    return {
        Outputs.ALARM_TOPIC_ARN: _create_alarm(),
        Outputs.USER_POOL_ID: pool["Id"],
        Outputs.USER_POOL_ARN: pool["Arn"],
        Outputs.WEB_CLIENT_ID: client_id,
        Outputs.ISSUER: issuer,
        # moto serves the JWKS at <endpoint>/<pool id>/.well-known/jwks.json; AWS at <issuer>/.well-known/...
        Outputs.JWKS_URL: f"{endpoint}/{pool['Id']}/.well-known/jwks.json",
        Outputs.RESOURCE_SERVER_ID: RESOURCE_SERVER,
        Outputs.IDENTITY_POOL_ID: identity_pool_id,
        Outputs.DATA_BUCKET_NAME: bucket,
        Outputs.RECORDS_TABLE_NAME: table,
        Outputs.REGION: REGION,
    }


def _create_alarm() -> str:
    """The alarm topic and one alarm notifying it, named like the app's; returns the topic ARN."""
    topic = boto3.client("sns", region_name=REGION).create_topic(Name=f"{PREFIX}-alarms")["TopicArn"]
    boto3.client("cloudwatch", region_name=REGION).put_metric_alarm(
        AlarmName=f"{names.alarm_name_prefix(PREFIX)}Api-Fault-Count-Critical",
        Namespace="AWS/ApiGateway",
        MetricName="5xx",
        Statistic="Sum",
        Period=300,
        EvaluationPeriods=1,
        Threshold=0,
        ComparisonOperator="GreaterThanThreshold",
        AlarmActions=[topic],
    )
    return str(topic)


def _fake_api_backend(auth: dict[str, str]) -> Backend:
    verifier, id_verifier = (
        CognitoJwtVerifier.create(
            auth[Outputs.USER_POOL_ID],
            token_use=token_use,
            client_id=auth[Outputs.WEB_CLIENT_ID],
            jwks_uri=auth[Outputs.JWKS_URL],
        )
        for token_use in ("access", "id")
    )
    # Path-style URLs: a bucket can't be a subdomain of 127.0.0.1.
    s3 = boto3.client(
        "s3", region_name=REGION, config=Config(signature_version="s3v4", s3={"addressing_style": "path"})
    )
    return Backend(
        verifier=verifier,
        id_verifier=id_verifier,
        s3=s3,
        cognito=boto3.client("cognito-idp", region_name=REGION),
        dynamodb=boto3.client("dynamodb", region_name=REGION),
        bucket=auth[Outputs.DATA_BUCKET_NAME],
        table=auth[Outputs.RECORDS_TABLE_NAME],
        user_pool_id=auth[Outputs.USER_POOL_ID],
    )


@contextmanager
def moto_stack(directory: Path) -> Iterator[MotoStack]:
    """Start moto and the fake API, create the resources, write `<directory>/outputs.json`; stop it all after."""
    with pytest.MonkeyPatch.context() as env:
        for name, value in _ENV.items():
            env.setenv(name, value)
        for name in ("AWS_PROFILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"):
            env.delenv(name, raising=False)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        try:
            host, port = server.get_host_and_port()
            endpoint = f"http://{host}:{port}"
            env.setenv("AWS_ENDPOINT_URL", endpoint)
            auth = _create_auth_resources(endpoint, bucket=f"{PREFIX}-data")
            with FakeApi(_fake_api_backend(auth)) as api:
                path = directory / "outputs.json"
                document = {
                    names.stack_name(PREFIX, names.AUTH_STACK): auth,
                    names.stack_name(PREFIX, names.API_STACK): {Outputs.API_URL: api.url},
                }
                path.write_text(json.dumps(document, indent=2), encoding="utf-8")
                yield MotoStack(endpoint, path, load_outputs(path))
        finally:
            server.stop()
