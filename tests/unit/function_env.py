"""Each Lambda function's environment, with the variables the stacks set (test_cold_imports.py checks the names
against the synthesized templates) and values that pass each function's configuration checks.

Used by the tests that import a handler in a fresh interpreter and by `make bench`, so both measure the handler
as Lambda initialises it. The AWS values are fake: nothing leaves the process.
"""

from __future__ import annotations

import json

# What Lambda and the stacks set for every function (lambda_defaults.PythonFunction), plus fake AWS settings so
# boto3 clients can be built, and no X-Ray daemon address: nothing may need one.
COMMON = {
    "POWERTOOLS_SERVICE_NAME": "cold-start",
    "POWERTOOLS_METRICS_NAMESPACE": "ColdStart",
    "POWERTOOLS_LOG_LEVEL": "INFO",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
USER_POOL_ID = "us-east-1_T3stP00l1"
WEB_CLIENT = "4m1ht8rqp0webclient0000001"
# What the API function and the account-erasure worker both work on (stacks/api_stack.py).
DATA = {
    "DATA_BUCKET": "cognito-ref-bench-data",
    "RECORDS_TABLE": "cognito-ref-bench-records",
    "USER_POOL_ID": USER_POOL_ID,
    "IDENTITY_POOL_ID": "us-east-1:0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
    "ERASURE_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/cognito-ref-bench-erasure",
    "ERASURE_SWEEP_DELAY_SECONDS": "4200",
}

FUNCTION_ENV: dict[str, dict[str, str]] = {
    "api": {
        **DATA,
        "CLIENT_IDS": json.dumps([WEB_CLIENT]),
        "ADMIN_GROUP": "admins",
        "UPLOAD_CONTENT_TYPES": json.dumps(["image/png", "text/plain"]),
        "UPLOAD_MAX_BYTES": "10485760",
        "RESOURCE_SERVER_IDENTIFIER": "cognito-ref-api",
        "URL_EXPIRES_SECONDS": "300",
    },
    "account_erasure": DATA,
    "pre_sign_up": {
        "ALLOWED_EMAIL_DOMAINS": "[]",
        "BLOCKED_EMAIL_DOMAINS": json.dumps(["mailinator.com", "guerrillamail.com"]),
    },
    "post_confirmation": {"DEFAULT_GROUP": "users"},
    "pre_token_generation": {
        "GROUP_SCOPES": json.dumps(
            {"admins": ["profile.read", "files.read", "files.write", "admin"], "users": ["profile.read", "files.read"]}
        ),
        "RESOURCE_SERVER_IDENTIFIER": "cognito-ref-api",
        "ADMIN_GROUP": "admins",
        "ADMIN_SCOPE": "admin",
        "DEFAULT_GROUP": "users",
        "REMOVE_ADMIN_API_SCOPE": "true",
    },
    "custom_message": {
        "LOGIN_URL": "https://cognito-ref-dev-login.auth.us-east-1.amazoncognito.com",
        "APP_NAME": "Cognito Ref",
        "WEB_CALLBACK_URL": "https://app.example.com/callback",
        "EMAIL_SENDING_ACCOUNT": "DEVELOPER",
    },
    "user_migration": {
        "SOURCE_USER_POOL_ID": "us-east-1_0ldP00l",
        "SOURCE_CLIENT_ID": "0ldclient00000000000000001",
        "MIGRATED_ATTRIBUTES": json.dumps(["email", "email_verified", "name"]),
    },
}


def function_env(package: str) -> dict[str, str]:
    """The full environment of `<package>.handler` (COMMON, then the function's own variables)."""
    return {**COMMON, **FUNCTION_ENV[package]}
