"""One source of names: construct ids, output keys, scopes, groups.

Construct ids of stateful resources are part of their CloudFormation logical IDs. Changing one
replaces the resource (and loses its data), so they live here and tests pin the logical IDs.
"""

from __future__ import annotations

# Stacks: construct ids; CloudFormation stack names are "<prefix>-auth" and "<prefix>-api".
AUTH_STACK = "Auth"
API_STACK = "Api"


def stack_name(prefix: str, stack: str) -> str:
    """CloudFormation stack name of a profile's stack (renaming one creates a new stack)."""
    return f"{prefix}-{stack.lower()}"


def cognito_prefix_domain(prefix: str, region: str) -> str:
    """Host of a Cognito prefix domain (managed login), also the default passkey relying-party ID."""
    return f"{prefix}.auth.{region}.amazoncognito.com"


def alarm_name_prefix(prefix: str) -> str:
    """Start of every alarm name of a profile (cdk-monitoring-constructs joins prefix and name with
    "-"); the alarm topic lets exactly these alarms publish. A test keeps the two in step."""
    return f"{prefix}-"


# Stateful construct ids: never rename (tests pin the resulting logical IDs).
USER_POOL = "UserPool"
USER_POOL_DOMAIN = "Domain"
WEB_CLIENT = "WebClient"
NATIVE_CLIENT = "NativeClient"
SERVICE_CLIENT = "ServiceClient"
RESOURCE_SERVER = "ResourceServer"
IDENTITY_POOL = "IdentityPool"
DATA_BUCKET = "DataBucket"
ACCESS_LOG_BUCKET = "AccessLogBucket"
RECORDS_TABLE = "RecordsTable"
WEB_BUCKET = "WebBucket"  # web.enabled: the browser app's build (stacks/constructs/web_hosting.py)

# OAuth scopes of the resource server (short names; full name is "<identifier>/<scope>").
SCOPE_PROFILE_READ = "profile.read"
SCOPE_FILES_READ = "files.read"
SCOPE_FILES_WRITE = "files.write"
SCOPE_NOTES_READ = "notes.read"
SCOPE_NOTES_WRITE = "notes.write"
SCOPE_ACCOUNT_DELETE = "account.delete"
SCOPE_ADMIN = "admin"
SCOPES: dict[str, str] = {
    SCOPE_PROFILE_READ: "Read the caller's own profile",
    SCOPE_FILES_READ: "List and download the caller's own files",
    SCOPE_FILES_WRITE: "Upload and delete the caller's own files",
    SCOPE_NOTES_READ: "List and read the caller's own notes",
    SCOPE_NOTES_WRITE: "Create, change and delete the caller's own notes",
    SCOPE_ACCOUNT_DELETE: "Delete the caller's own account and everything it owns",
    SCOPE_ADMIN: "Administrative operations (admins group only)",
}
# Scopes that act for a user: a client-credentials token has no user, so they are refused on the service client.
USER_ONLY_SCOPES = (SCOPE_FILES_READ, SCOPE_FILES_WRITE, SCOPE_NOTES_READ, SCOPE_NOTES_WRITE, SCOPE_ACCOUNT_DELETE)

# The HTTP API's routes: route key -> required scope (None: public). Objects are named by a `key` query
# parameter, never by the path (docs/decisions/0008-object-keys-in-the-query-string.md).
API_ROUTES: dict[str, str | None] = {
    "GET /health": None,
    "GET /me": SCOPE_PROFILE_READ,
    "GET /files": SCOPE_FILES_READ,
    "POST /files/upload-url": SCOPE_FILES_WRITE,
    "GET /files/download-url": SCOPE_FILES_READ,
    "DELETE /files": SCOPE_FILES_WRITE,
    "GET /notes": SCOPE_NOTES_READ,
    "POST /notes": SCOPE_NOTES_WRITE,
    "GET /notes/{id}": SCOPE_NOTES_READ,
    "PUT /notes/{id}": SCOPE_NOTES_WRITE,
    "DELETE /notes/{id}": SCOPE_NOTES_WRITE,
    "DELETE /me": SCOPE_ACCOUNT_DELETE,
    "GET /admin/users": SCOPE_ADMIN,
    "DELETE /admin/users/{sub}": SCOPE_ADMIN,
}

# The standard attributes every user pool's schema has (Cognito "User pool attributes"; the same list
# GetCSVHeader returns, less cognito:username and cognito:mfa_enabled), besides `sub`.
STANDARD_ATTRIBUTES = (
    "name", "given_name", "family_name", "middle_name", "nickname", "preferred_username", "profile", "picture",
    "website", "email", "email_verified", "gender", "birthdate", "zoneinfo", "locale", "phone_number",
    "phone_number_verified", "address", "updated_at",
)  # fmt: skip

# Groups every profile is expected to define.
ADMIN_GROUP = "admins"
USERS_GROUP = "users"

# Per-user storage: objects of a user live under PRIVATE_PREFIX + <user-pool sub> + "/".
PRIVATE_PREFIX = "private/"
PUBLIC_PREFIX = "public/"
# Session tag that carries the user-pool `sub` into identity-pool credentials.
SUB_TAG = "sub"
# Per-user records: one DynamoDB partition per user, keyed by the same `sub`; the sort key is typed
# ("note#<id>"), so other kinds of record can share the partition and leave with the account.
RECORD_PARTITION_KEY = "sub"
RECORD_SORT_KEY = "sk"


class Outputs:
    """Fixed CloudFormation output keys; scripts and the README rely on them."""

    USER_POOL_ID = "UserPoolId"
    USER_POOL_ARN = "UserPoolArn"
    WEB_CLIENT_ID = "WebClientId"
    NATIVE_CLIENT_ID = "NativeClientId"
    SERVICE_CLIENT_ID = "ServiceClientId"
    MANAGED_LOGIN_URL = "ManagedLoginBaseUrl"
    ISSUER = "Issuer"
    JWKS_URL = "JwksUrl"
    AUTHORIZE_ENDPOINT = "AuthorizeEndpoint"
    TOKEN_ENDPOINT = "TokenEndpoint"  # noqa: S105 - an output key, not a secret
    RESOURCE_SERVER_ID = "ResourceServerIdentifier"
    IDENTITY_POOL_ID = "IdentityPoolId"
    DATA_BUCKET_NAME = "DataBucketName"
    RECORDS_TABLE_NAME = "RecordsTableName"
    REGION = "Region"
    API_URL = "ApiUrl"
    ALARM_TOPIC_ARN = "AlarmTopicArn"
    WEB_URL = "WebUrl"  # only with web.enabled: the hosted app (CloudFront)


class LocalOutputs:
    """Keys of the `<prefix>-local` entry that only `make local` adds to its outputs file (outputs/local.json):
    where the local stack's AWS endpoints are, so the CLI needs no AWS_ENDPOINT_URL_* variables."""

    COGNITO_IDP = "CognitoIdpEndpoint"
    COGNITO_IDENTITY = "CognitoIdentityEndpoint"
    S3 = "S3Endpoint"
    DYNAMODB = "DynamoDbEndpoint"
    MAILBOX = "MailboxUrl"
    WEB = "WebUrl"  # the local web server, when the profile hosts the web app
