"""Direct S3 and DynamoDB access with identity-pool credentials: the caller's own prefix `private/<sub>/` and
own partition `<sub>` of the records table.

The identity pool exchanges the user's ID token for temporary AWS credentials (GetId, then
GetCredentialsForIdentity, both unsigned). Their role allows objects under `private/${aws:PrincipalTag/sub}/`
and items whose partition key is `${aws:PrincipalTag/sub}` only, where the `sub` session tag is the user-pool
`sub`: the same key the API uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from client.auth import decode_claims
from client.cache import Tokens
from client.errors import CliError, cli_error
from client.outputs import StackOutputs
from stacks.names import PRIVATE_PREFIX, RECORD_PARTITION_KEY, RECORD_SORT_KEY, LocalOutputs

_RETRIES = {"mode": "standard", "max_attempts": 4}


@dataclass(frozen=True)
class AwsCredentials:
    """Temporary credentials of the identity pool's role; repr hides the secret parts."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str = field(repr=False)


def identity_credentials(outputs: StackOutputs, id_token: str) -> AwsCredentials:
    """Temporary credentials of the identity pool's role for this user (AWS_ENDPOINT_URL* may redirect)."""
    identity = boto3.client(
        "cognito-identity",
        region_name=outputs.region,
        config=Config(signature_version=UNSIGNED, retries=_RETRIES),
        endpoint_url=outputs.endpoint(LocalOutputs.COGNITO_IDENTITY),
    )
    logins = {outputs.provider_name: id_token}
    try:
        identity_id = identity.get_id(IdentityPoolId=outputs.identity_pool_id, Logins=logins)["IdentityId"]
        credentials = identity.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)["Credentials"]
    except (ClientError, BotoCoreError) as error:
        raise cli_error(error) from None
    return AwsCredentials(credentials["AccessKeyId"], credentials["SecretKey"], credentials["SessionToken"])


def s3_client(outputs: StackOutputs, credentials: AwsCredentials) -> Any:
    return _client("s3", outputs, credentials, Config(signature_version="s3v4", retries=_RETRIES), LocalOutputs.S3)


def _client(service: str, outputs: StackOutputs, credentials: AwsCredentials, config: Config, endpoint: str) -> Any:
    """A client signed with the identity pool's credentials (`endpoint`: the LocalOutputs key of `make local`'s)."""
    return boto3.client(
        service,
        region_name=outputs.region,
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        aws_session_token=credentials.session_token,
        config=config,
        endpoint_url=outputs.endpoint(endpoint),
    )


def relative_key(key: str) -> str:
    if not key or key.startswith("/") or "\\" in key or any(part in ("", ".", "..") for part in key.split("/")):
        raise CliError(f"Invalid key {key!r}: use a relative path such as notes/todo.txt")
    return key


class UserStorage:
    """The caller's objects in the data bucket; keys in and out are relative to `private/<sub>/`."""

    def __init__(self, s3: Any, bucket: str, sub: str) -> None:
        self.s3 = s3
        self.bucket = bucket
        self.prefix = f"{PRIVATE_PREFIX}{sub}/"

    @classmethod
    def for_user(cls, outputs: StackOutputs, tokens: Tokens) -> UserStorage:
        credentials = identity_credentials(outputs, tokens.id_token)
        sub = str(decode_claims(tokens.id_token)["sub"])
        return cls(s3_client(outputs, credentials), outputs.data_bucket, sub)

    def put(self, key: str, body: bytes, content_type: str) -> str:
        """Upload; returns the full object key."""
        full_key = self.prefix + relative_key(key)
        try:
            self.s3.put_object(Bucket=self.bucket, Key=full_key, Body=body, ContentType=content_type)
        except (ClientError, BotoCoreError) as error:
            raise cli_error(error) from None
        return full_key

    def get(self, key: str) -> bytes:
        try:
            body: bytes = self.s3.get_object(Bucket=self.bucket, Key=self.prefix + relative_key(key))["Body"].read()
        except (ClientError, BotoCoreError) as error:
            raise cli_error(error) from None
        return body

    def objects(self) -> list[dict[str, Any]]:
        """Every object under the prefix: relative key, size and last-modified time."""
        items: list[dict[str, Any]] = []
        try:
            for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix):
                items.extend(
                    {
                        "key": item["Key"].removeprefix(self.prefix),
                        "size": item["Size"],
                        "last_modified": item["LastModified"].isoformat(),
                    }
                    for item in page.get("Contents", [])
                )
        except (ClientError, BotoCoreError) as error:
            raise cli_error(error) from None
        return items


class UserRecords:
    """The caller's partition of the records table, with identity-pool credentials: `dynamodb` is a plain client,
    so a caller can also try what the role must refuse (another partition, a Scan)."""

    def __init__(self, dynamodb: Any, table: str, sub: str) -> None:
        self.dynamodb = dynamodb
        self.table = table
        self.sub = sub

    @classmethod
    def for_user(cls, outputs: StackOutputs, tokens: Tokens) -> UserRecords:
        credentials = identity_credentials(outputs, tokens.id_token)
        sub = str(decode_claims(tokens.id_token)["sub"])
        client = _client("dynamodb", outputs, credentials, Config(retries=_RETRIES), LocalOutputs.DYNAMODB)
        return cls(client, outputs.records_table, sub)

    def key(self, sort_key: str, sub: str | None = None) -> dict[str, Any]:
        return {RECORD_PARTITION_KEY: {"S": sub or self.sub}, RECORD_SORT_KEY: {"S": sort_key}}

    def items(self, sub: str | None = None) -> list[dict[str, Any]]:
        """Every item of a partition (the caller's unless `sub` names another, which the role refuses)."""
        found = self.dynamodb.query(
            TableName=self.table,
            KeyConditionExpression="#pk = :sub",
            ExpressionAttributeNames={"#pk": RECORD_PARTITION_KEY},
            ExpressionAttributeValues={":sub": {"S": sub or self.sub}},
        )
        items: list[dict[str, Any]] = found.get("Items", [])
        return items
