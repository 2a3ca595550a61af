"""The API function's environment, validated once per container (handler import = cold start)."""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Mapping
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.claims import CLIENT_ID_PATTERN

ClientId = Annotated[str, Field(pattern=CLIENT_ID_PATTERN)]
MediaType = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$")]

# Environment variable -> field; list values are JSON arrays.
_ENV = {
    "DATA_BUCKET": "data_bucket",
    "RECORDS_TABLE": "records_table",
    "USER_POOL_ID": "user_pool_id",
    "IDENTITY_POOL_ID": "identity_pool_id",
    "ERASURE_QUEUE_URL": "erasure_queue_url",
    "ERASURE_SWEEP_DELAY_SECONDS": "erasure_sweep_delay_seconds",
    "CLIENT_IDS": "client_ids",
    "ADMIN_GROUP": "admin_group",
    "UPLOAD_CONTENT_TYPES": "upload_content_types",
    "UPLOAD_MAX_BYTES": "upload_max_bytes",
    "RESOURCE_SERVER_IDENTIFIER": "resource_server_identifier",
    "URL_EXPIRES_SECONDS": "url_expires_seconds",
    "POWERTOOLS_SERVICE_NAME": "powertools_service_name",
    "POWERTOOLS_METRICS_NAMESPACE": "powertools_metrics_namespace",
}
_JSON_LISTS = ("CLIENT_IDS", "UPLOAD_CONTENT_TYPES")


class SettingsError(Exception):
    """Invalid environment; the message is one line naming the variable."""


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    data_bucket: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
    # DynamoDB's table-name rules.
    records_table: str = Field(pattern=r"^[A-Za-z0-9_.-]{3,255}$")
    # Cognito's documented pattern; the part before "_" is the region.
    user_pool_id: str = Field(max_length=55, pattern=r"^[a-z]{2}(-[a-z]+)+-\d_[0-9A-Za-z]+$")
    # Cognito Identity's IdentityPoolId pattern.
    identity_pool_id: str = Field(max_length=55, pattern=r"^[\w-]+:[0-9a-f-]+$")
    erasure_queue_url: str = Field(pattern=r"^https://\S+$")
    # Until every credential issued before a deletion has expired (stacks/constructs/account_erasure.py).
    erasure_sweep_delay_seconds: int = Field(ge=0, le=7 * 24 * 3600)
    client_ids: tuple[ClientId, ...] = Field(min_length=1)
    admin_group: str = Field(default="admins", pattern=r"^[^\s]{1,128}$")
    upload_content_types: tuple[MediaType, ...] = Field(min_length=1)
    # A presigned POST can upload at most 5 GiB.
    upload_max_bytes: int = Field(ge=1, le=5 * 1024**3)
    resource_server_identifier: str = Field(pattern=r"^[\x21\x23-\x5B\x5D-\x7E]{1,256}$")
    url_expires_seconds: int = Field(default=300, ge=1, le=3600)
    powertools_service_name: str = Field(min_length=1)
    powertools_metrics_namespace: str = Field(min_length=1)

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
        values: dict[str, object] = {}
        for name, field in _ENV.items():
            raw = environ.get(name)
            if raw is None:
                continue
            if name in _JSON_LISTS:
                try:
                    values[field] = json.loads(raw)
                except ValueError:
                    raise SettingsError(f"{name}: must be a JSON array of strings") from None
            else:
                values[field] = raw
        try:
            return cls.model_validate(values)
        except ValidationError as error:
            first = error.errors()[0]
            field = str(first["loc"][0]) if first["loc"] else ""
            name = next((env for env, candidate in _ENV.items() if candidate == field), field)
            raise SettingsError(f"{name}: {first['msg']}") from None


@functools.cache
def get_settings() -> Settings:
    return Settings.from_env(os.environ)
