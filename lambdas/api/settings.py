"""The API function's environment, validated once per container (handler import = cold start).

Checked with the API's own schema types (api.schema), not pydantic, to keep pydantic out of the cold start.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Mapping
from typing import NamedTuple

from api.schema import Integer, SchemaError, Text
from shared.claims import CLIENT_ID_PATTERN

_BUCKET = Text(pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_TABLE = Text(pattern=r"^[A-Za-z0-9_.-]{3,255}$")  # DynamoDB's table-name rules
# Cognito's documented pattern; the part before "_" is the region.
_POOL_ID = Text(max_length=55, pattern=r"^[a-z]{2}(-[a-z]+)+-\d_[0-9A-Za-z]+$")
# Cognito Identity's IdentityPoolId pattern.
_IDENTITY_POOL_ID = Text(max_length=55, pattern=r"^[\w-]+:[0-9a-f-]+$")
_QUEUE_URL = Text(pattern=r"^https?://\S+$")  # https on AWS; http from the local stack's moto (make local)
# Until every credential issued before a deletion has expired (stacks/constructs/account_erasure.py).
_SWEEP_DELAY_SECONDS = Integer(minimum=0, maximum=7 * 24 * 3600)
_CLIENT_ID = Text(pattern=CLIENT_ID_PATTERN)
_GROUP = Text(pattern=r"^[^\s]{1,128}$")
_MEDIA_TYPE = Text(pattern=r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$")
_UPLOAD_MAX_BYTES = Integer(minimum=1, maximum=5 * 1024**3)  # a presigned POST uploads at most 5 GiB
_RESOURCE_SERVER = Text(pattern=r"^[\x21\x23-\x5B\x5D-\x7E]{1,256}$")
_URL_EXPIRES_SECONDS = Integer(minimum=1, maximum=3600)
_NAME = Text(min_length=1)


class SettingsError(Exception):
    """Invalid environment; the message is one line naming the variable."""


class Settings(NamedTuple):
    data_bucket: str
    records_table: str
    user_pool_id: str
    identity_pool_id: str
    erasure_queue_url: str
    erasure_sweep_delay_seconds: int
    client_ids: tuple[str, ...]
    admin_group: str
    upload_content_types: tuple[str, ...]
    upload_max_bytes: int
    resource_server_identifier: str
    url_expires_seconds: int
    powertools_service_name: str
    powertools_metrics_namespace: str

    @property
    def region(self) -> str:
        return self.user_pool_id.split("_", 1)[0]

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.user_pool_id}"

    def full_scope(self, scope: str) -> str:
        return f"{self.resource_server_identifier}/{scope}"

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Raise SettingsError naming the first variable that is missing or invalid (list values are JSON arrays)."""
        try:
            return cls(
                data_bucket=_text(environ, "DATA_BUCKET", _BUCKET),
                records_table=_text(environ, "RECORDS_TABLE", _TABLE),
                user_pool_id=_text(environ, "USER_POOL_ID", _POOL_ID),
                identity_pool_id=_text(environ, "IDENTITY_POOL_ID", _IDENTITY_POOL_ID),
                erasure_queue_url=_text(environ, "ERASURE_QUEUE_URL", _QUEUE_URL),
                erasure_sweep_delay_seconds=_integer(environ, "ERASURE_SWEEP_DELAY_SECONDS", _SWEEP_DELAY_SECONDS),
                client_ids=_list(environ, "CLIENT_IDS", _CLIENT_ID),
                admin_group=_text(environ, "ADMIN_GROUP", _GROUP, default="admins"),
                upload_content_types=_list(environ, "UPLOAD_CONTENT_TYPES", _MEDIA_TYPE),
                upload_max_bytes=_integer(environ, "UPLOAD_MAX_BYTES", _UPLOAD_MAX_BYTES),
                resource_server_identifier=_text(environ, "RESOURCE_SERVER_IDENTIFIER", _RESOURCE_SERVER),
                url_expires_seconds=_integer(environ, "URL_EXPIRES_SECONDS", _URL_EXPIRES_SECONDS, default="300"),
                powertools_service_name=_text(environ, "POWERTOOLS_SERVICE_NAME", _NAME),
                powertools_metrics_namespace=_text(environ, "POWERTOOLS_METRICS_NAMESPACE", _NAME),
            )
        except SchemaError as error:
            raise SettingsError(error.problems[0]) from None


def _raw(environ: Mapping[str, str], name: str, default: str | None) -> str:
    raw = environ.get(name, default)
    if raw is None:
        raise SchemaError([f"{name}: Field required"])
    return raw


def _text(environ: Mapping[str, str], name: str, schema: Text, default: str | None = None) -> str:
    return schema.check(_raw(environ, name, default), name)


def _integer(environ: Mapping[str, str], name: str, schema: Integer, default: str | None = None) -> int:
    return schema.from_text(_raw(environ, name, default), name)


def _list(environ: Mapping[str, str], name: str, item: Text) -> tuple[str, ...]:
    try:
        parsed = json.loads(_raw(environ, name, None))
    except ValueError:
        parsed = None
    if not isinstance(parsed, list):
        raise SchemaError([f"{name}: must be a JSON array of strings"])
    if not parsed:
        raise SchemaError([f"{name}: must have at least 1 item"])
    return tuple(item.check(value, name) for value in parsed)


@functools.cache
def get_settings() -> Settings:
    return Settings.from_env(os.environ)
