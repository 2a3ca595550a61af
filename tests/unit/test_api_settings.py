"""api.settings: the environment contract, validated once with one clear line per problem."""

from __future__ import annotations

import pytest

from api.settings import Settings, SettingsError
from tests.unit.api_env import FAKE_USER_POOL_ID, api_env


def test_valid_environment_with_defaults() -> None:
    env = api_env(FAKE_USER_POOL_ID)
    del env["ADMIN_GROUP"], env["URL_EXPIRES_SECONDS"]

    settings = Settings.from_env(env)

    assert settings.admin_group == "admins"
    assert settings.url_expires_seconds == 300
    assert settings.upload_max_bytes == 10 * 1024 * 1024
    assert settings.issuer == f"https://cognito-idp.us-east-1.amazonaws.com/{FAKE_USER_POOL_ID}"
    assert settings.full_scope("files.read") == "cognito-ref-api/files.read"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DATA_BUCKET", None, "DATA_BUCKET: Field required"),
        ("DATA_BUCKET", "Bad_Bucket", "DATA_BUCKET: String should match pattern"),
        ("USER_POOL_ID", "eu-west-1", "USER_POOL_ID: String should match pattern"),
        ("CLIENT_IDS", "abc", "CLIENT_IDS: must be a JSON array of strings"),
        ("CLIENT_IDS", "[]", "CLIENT_IDS: Tuple should have at least 1 item"),
        ("CLIENT_IDS", '["a b"]', "CLIENT_IDS: String should match pattern"),
        ("UPLOAD_CONTENT_TYPES", '["image/png", "text"]', "UPLOAD_CONTENT_TYPES: String should match pattern"),
        ("UPLOAD_MAX_BYTES", "ten", "UPLOAD_MAX_BYTES: Input should be a valid integer"),
        ("UPLOAD_MAX_BYTES", "0", "UPLOAD_MAX_BYTES: Input should be greater than or equal to 1"),
        ("URL_EXPIRES_SECONDS", "86400", "URL_EXPIRES_SECONDS: Input should be less than or equal to 3600"),
        ("RESOURCE_SERVER_IDENTIFIER", "", "RESOURCE_SERVER_IDENTIFIER: String should match pattern"),
        ("POWERTOOLS_METRICS_NAMESPACE", None, "POWERTOOLS_METRICS_NAMESPACE: Field required"),
    ],
)
def test_invalid_environment_names_the_variable(name: str, value: str | None, message: str) -> None:
    env = api_env(FAKE_USER_POOL_ID)
    if value is None:
        del env[name]
    else:
        env[name] = value

    with pytest.raises(SettingsError) as caught:
        Settings.from_env(env)

    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)
