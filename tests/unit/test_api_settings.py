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
        ("DATA_BUCKET", "Bad_Bucket", "DATA_BUCKET: must match ^"),
        ("USER_POOL_ID", "eu-west-1", "USER_POOL_ID: must match ^"),
        ("CLIENT_IDS", "abc", "CLIENT_IDS: must be a JSON array of strings"),
        ("CLIENT_IDS", "[]", "CLIENT_IDS: must have at least 1 item"),
        ("CLIENT_IDS", '["a b"]', "CLIENT_IDS: must match ^"),
        ("UPLOAD_CONTENT_TYPES", '["image/png", "text"]', "UPLOAD_CONTENT_TYPES: must match ^"),
        ("UPLOAD_MAX_BYTES", "ten", "UPLOAD_MAX_BYTES: must be an integer"),
        ("UPLOAD_MAX_BYTES", "0", "UPLOAD_MAX_BYTES: must be at least 1"),
        ("URL_EXPIRES_SECONDS", "86400", "URL_EXPIRES_SECONDS: must be at most 3600"),
        ("RESOURCE_SERVER_IDENTIFIER", "", "RESOURCE_SERVER_IDENTIFIER: must match ^"),
        ("POWERTOOLS_METRICS_NAMESPACE", None, "POWERTOOLS_METRICS_NAMESPACE: Field required"),
        ("CLIENT_IDS", '["4m1ht8rqp0w\u00e9bclient000001"]', "CLIENT_IDS: must match ^"),  # Cognito's \w is ASCII
        ("CLIENT_IDS", "[7]", "CLIENT_IDS: must be a string"),
        ("UPLOAD_MAX_BYTES", "1_000", "UPLOAD_MAX_BYTES: must be an integer"),  # int() would take it
        ("UPLOAD_MAX_BYTES", "\u0661\u0662", "UPLOAD_MAX_BYTES: must be an integer"),  # so would it these digits
        ("DATA_BUCKET", "data-bucket\n", "DATA_BUCKET: must match ^"),  # `$` alone would allow the newline
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
