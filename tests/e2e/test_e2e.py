"""Post-deploy end-to-end tests against the real stack: `make e2e ENV=<profile>` (marked aws).

Two temporary users (one also in the admins group) are created through the admin API, signed in with SRP
through the client, and deleted with their objects afterwards, whatever happens. Unlike the offline run,
every assertion here is about authorization: Cognito, the triggers, API Gateway and IAM decide.
"""

from __future__ import annotations

import os
import secrets
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from client import auth
from client.api import ApiClient, ApiError, multipart
from client.errors import WRONG_CREDENTIALS, CliError
from client.outputs import StackOutputs
from client.storage import UserRecords, UserStorage, identity_credentials
from stacks.config import ConfigError, load_config
from stacks.names import SCOPE_ADMIN, SCOPE_FILES_READ, SCOPE_FILES_WRITE, SCOPE_PROFILE_READ, USERS_GROUP
from tests.e2e.alarms import STATE_REASON, alarm_topic_arn, check_alarm_delivery
from tests.e2e.support import (
    E2eUser,
    assert_file_round_trip,
    assert_notes_round_trip,
    delete_user,
    partition,
    strong_password,
    temporary_email,
    temporary_user,
    wait_until_gone,
)
from tests.support import ROUND_TRIP_KEYS

pytestmark = pytest.mark.aws

USER_SCOPES = (SCOPE_PROFILE_READ, SCOPE_FILES_READ, SCOPE_FILES_WRITE)


def _scopes(token: str) -> list[str]:
    return str(auth.decode_claims(token).get("scope", "")).split()


def _assert_access_denied(call: Callable[[], Any], code: str = "AccessDenied") -> None:
    with pytest.raises(ClientError) as denied:
        call()
    assert denied.value.response["Error"]["Code"] == code


def test_tokens_verify_against_the_pools_jwks(alice: E2eUser, admin: E2eUser, outputs: StackOutputs) -> None:
    access_verifier, id_verifier = auth.verifiers(outputs)  # JWKS fetched from the deployed pool
    for user in (alice, admin):
        full_scopes = [outputs.scope(scope) for scope in USER_SCOPES]
        access = access_verifier.verify(user.session.tokens.access_token, scopes=full_scopes)
        identity = id_verifier.verify(user.session.tokens.id_token, groups=list(user.groups))
        assert access["sub"] == identity["sub"] == user.sub
        assert identity["email"] == user.email
    # The pre-token-generation trigger adds the admin scope for the admins group only.
    assert outputs.scope(SCOPE_ADMIN) in _scopes(admin.session.tokens.access_token)
    assert outputs.scope(SCOPE_ADMIN) not in _scopes(alice.session.tokens.access_token)


def test_wrong_password_and_unknown_email_look_the_same(alice: E2eUser, outputs: StackOutputs) -> None:
    idp = auth.cognito_client(outputs)
    with pytest.raises(CliError) as wrong_password:
        auth.sign_in(idp, outputs, alice.email, strong_password())
    with pytest.raises(CliError) as unknown_email:
        auth.sign_in(idp, outputs, temporary_email("nobody"), strong_password())
    # PreventUserExistenceErrors: nobody learns from the answer whether an email has an account.
    assert str(wrong_password.value) == str(unknown_email.value) == WRONG_CREDENTIALS


def test_pre_sign_up_trigger_rejects_a_blocked_email_domain(outputs: StackOutputs, admin_idp: Any) -> None:
    profile = os.environ.get("E2E_PROFILE") or Path(outputs.source).stem
    try:
        sign_up = load_config(profile).sign_up
    except ConfigError:
        pytest.skip(f"no config/{profile}.yaml to read the blocked email domains from (set E2E_PROFILE)")
    if not (sign_up.self_sign_up and sign_up.blocked_email_domains):
        pytest.skip(f"profile {profile} has no self sign-up or no blocked email domain")
    email = f"e2e-blocked-{secrets.token_hex(6)}@{sign_up.blocked_email_domains[0]}"
    try:
        with pytest.raises(CliError, match=r"^Rejected by the user pool: "):
            auth.sign_up(auth.cognito_client(outputs), outputs, email, strong_password())
    finally:
        delete_user(admin_idp, outputs, email)  # only if the trigger failed to reject it


def test_me_needs_an_access_token(alice: E2eUser, outputs: StackOutputs) -> None:
    api = ApiClient(outputs.api_url, alice.session.tokens.access_token)
    assert api.health() == {"status": "ok"}
    me = api.me()
    assert me["sub"] == alice.sub
    assert USERS_GROUP in me["groups"]
    assert ApiClient(outputs.api_url, None).call("GET", "/me").status == 401
    # The JWT authorizer checks scopes, which an ID token does not have (and the handler checks token_use).
    assert api.call("GET", "/me", token=alice.session.tokens.id_token).status in (401, 403)


def test_admin_users_is_for_admins_only(alice: E2eUser, admin: E2eUser, outputs: StackOutputs) -> None:
    with pytest.raises(ApiError) as denied:
        ApiClient(outputs.api_url, alice.session.tokens.access_token).admin_users()
    assert denied.value.status == 403
    listed = ApiClient(outputs.api_url, admin.session.tokens.access_token).admin_users(limit=10)
    assert isinstance(listed["users"], list)


@pytest.mark.parametrize("key", ROUND_TRIP_KEYS)
def test_file_round_trip_through_the_api(alice: E2eUser, outputs: StackOutputs, key: str) -> None:
    # Every key the API accepts survives API Gateway: '/', ' ', '%', a literal '%2F', '?', '#', '+', '€', NFC and
    # NFD 'é', emoji (docs/decisions/0008-object-keys-in-the-query-string.md).
    api = ApiClient(outputs.api_url, alice.session.tokens.access_token)
    assert_file_round_trip(api, f"e2e/{secrets.token_hex(4)}/{key}", b"end-to-end\n")


def test_presigned_post_policy_pins_the_content_type(alice: E2eUser, outputs: StackOutputs) -> None:
    grant = ApiClient(outputs.api_url, alice.session.tokens.access_token).upload_url("e2e/typed.txt", "text/plain")
    fields = {**grant["fields"], "Content-Type": "text/html"}  # tampered: the policy says text/plain
    body, form_type = multipart(fields, "typed.txt", b"<script></script>", "text/html")
    request = urllib.request.Request(grant["url"], data=body, headers={"Content-Type": form_type}, method="POST")
    with pytest.raises(urllib.error.HTTPError) as rejected:
        urllib.request.urlopen(request, timeout=30)
    assert rejected.value.code == 403


def test_identity_pool_credentials_are_confined_to_the_callers_prefix(
    alice: E2eUser, admin: E2eUser, outputs: StackOutputs
) -> None:
    own = UserStorage.for_user(outputs, alice.session.tokens)
    other = UserStorage.for_user(outputs, admin.session.tokens)
    assert own.put("e2e/own.txt", b"mine", "text/plain") == f"{alice.prefix}e2e/own.txt"
    assert own.get("e2e/own.txt") == b"mine"
    assert "e2e/own.txt" in [item["key"] for item in own.objects()]
    other.put("e2e/theirs.txt", b"theirs", "text/plain")

    bucket = outputs.data_bucket
    _assert_access_denied(lambda: own.s3.put_object(Bucket=bucket, Key=f"{admin.prefix}intruder.txt", Body=b"x"))
    _assert_access_denied(lambda: own.s3.get_object(Bucket=bucket, Key=f"{admin.prefix}e2e/theirs.txt"))
    _assert_access_denied(lambda: own.s3.list_objects_v2(Bucket=bucket, Prefix=admin.prefix))
    _assert_access_denied(lambda: own.s3.put_object(Bucket=bucket, Key="root.txt", Body=b"x"))
    _assert_access_denied(lambda: own.s3.list_objects_v2(Bucket=bucket))


def test_revoked_session_cannot_refresh(alice: E2eUser, outputs: StackOutputs) -> None:
    idp = auth.cognito_client(outputs)
    session = auth.sign_in(idp, outputs, alice.email, alice.password)  # a session of its own to revoke
    auth.refresh(idp, session)
    auth.revoke(idp, session)
    with pytest.raises(auth.SessionEndedError):
        auth.refresh(idp, session)


def test_global_sign_out(admin_idp: Any, admin_s3: Any, outputs: StackOutputs) -> None:
    with temporary_user(admin_idp, admin_s3, outputs, "signout", (USERS_GROUP,)) as user:
        idp = auth.cognito_client(outputs)
        if auth.USER_ADMIN_SCOPE in _scopes(user.session.tokens.access_token):
            auth.global_sign_out(idp, user.session)
            with pytest.raises(auth.SessionEndedError):
                auth.refresh(idp, user.session)
        else:
            # tokens.remove_admin_api_scope: these tokens can't call Cognito's self-service APIs at all.
            with pytest.raises(CliError, match=rf"needs the {auth.USER_ADMIN_SCOPE} scope"):
                auth.global_sign_out(idp, user.session)


def test_an_alarm_reaches_the_alarm_topic(admin_session: Any, outputs: StackOutputs) -> None:
    # CloudWatch itself publishes here: through the topic policy and the key grant, as the
    # simulator's proof (tests/infra/test_alarm_delivery.py) says it may.
    notification = check_alarm_delivery(admin_session, alarm_topic_arn(outputs.source), timeout=180)
    assert notification["NewStateReason"] == STATE_REASON
    assert notification["AlarmArn"].startswith(f"arn:aws:cloudwatch:{outputs.region}:{outputs.account}:alarm:")


def test_notes_through_the_api_and_identity_pool_credentials_stay_in_the_callers_partition(
    alice: E2eUser, admin: E2eUser, outputs: StackOutputs
) -> None:
    api = ApiClient(outputs.api_url, alice.session.tokens.access_token)
    kept = assert_notes_round_trip(api)
    # Another user's note does not exist for the caller, through the API.
    theirs = ApiClient(outputs.api_url, admin.session.tokens.access_token).create_note("e2e admin's")
    with pytest.raises(ApiError) as missing:
        api.get_note(theirs["id"])
    assert missing.value.status == 404

    # Straight to DynamoDB with Alice's identity-pool credentials (users group: no read-all grant).
    own = UserRecords.for_user(outputs, alice.session.tokens)
    assert f"note#{kept}" in [item["sk"]["S"] for item in own.items()]
    own.dynamodb.put_item(TableName=own.table, Item={**own.key("e2e#direct"), "text": {"S": "mine"}})
    assert own.dynamodb.get_item(TableName=own.table, Key=own.key("e2e#direct"))["Item"]["text"] == {"S": "mine"}

    db, table, other = own.dynamodb, own.table, admin.sub
    denied = "AccessDeniedException"
    _assert_access_denied(lambda: db.get_item(TableName=table, Key=own.key(f"note#{theirs['id']}", other)), denied)
    _assert_access_denied(lambda: own.items(sub=other), denied)
    _assert_access_denied(lambda: db.put_item(TableName=table, Item=own.key("e2e#intruder", other)), denied)
    _assert_access_denied(lambda: db.delete_item(TableName=table, Key=own.key(f"note#{theirs['id']}", other)), denied)
    _assert_access_denied(lambda: db.scan(TableName=table), denied)
    foreign_batch = {table: {"Keys": [own.key("e2e#direct"), own.key(f"note#{theirs['id']}", other)]}}
    _assert_access_denied(lambda: db.batch_get_item(RequestItems=foreign_batch), denied)
    assert db.batch_get_item(RequestItems={table: {"Keys": [own.key("e2e#direct")]}})["Responses"][table]


def test_delete_account_leaves_nothing_behind(
    admin_idp: Any, admin_s3: Any, admin_dynamodb: Any, admin_identity: Any, outputs: StackOutputs
) -> None:
    with temporary_user(admin_idp, admin_s3, outputs, "erase", (USERS_GROUP,), admin_dynamodb) as user:
        tokens = user.session.tokens
        api = ApiClient(outputs.api_url, tokens.access_token)
        api.upload("e2e/versions.txt", b"first", "text/plain")
        api.upload("e2e/versions.txt", b"second", "text/plain")  # an older version stays in the versioned bucket
        api.upload("e2e/deleted.txt", b"gone", "text/plain")
        api.delete_file("e2e/deleted.txt")  # a delete marker over a version
        UserStorage.for_user(outputs, tokens).put("e2e/direct.txt", b"direct", "text/plain")
        assert_notes_round_trip(api)
        records = UserRecords.for_user(outputs, tokens)
        records.dynamodb.put_item(TableName=records.table, Item=records.key("e2e#direct"))
        identity_id = admin_identity.get_id(IdentityPoolId=outputs.identity_pool_id,
                                            Logins={outputs.provider_name: tokens.id_token})["IdentityId"]  # fmt: skip
        identity_credentials(outputs, tokens.id_token)  # the identity has been used
        listing = admin_s3.list_object_versions(Bucket=outputs.data_bucket, Prefix=user.prefix)
        assert len(listing.get("Versions", [])) >= 4
        assert listing.get("DeleteMarkers")
        assert partition(admin_dynamodb, outputs.records_table, user.sub)

        if api.delete_me(tokens.id_token) is not None:  # 202: the worker finishes it
            wait_until_gone(admin_idp, outputs, user.email)

        listing = admin_s3.list_object_versions(Bucket=outputs.data_bucket, Prefix=user.prefix)
        assert (listing.get("Versions", []), listing.get("DeleteMarkers", [])) == ([], [])
        uploads = admin_s3.list_multipart_uploads(Bucket=outputs.data_bucket, Prefix=user.prefix)
        assert uploads.get("Uploads", []) == []
        assert partition(admin_dynamodb, outputs.records_table, user.sub) == []
        with pytest.raises(ClientError) as no_user:
            admin_idp.admin_get_user(UserPoolId=outputs.user_pool_id, Username=user.email)
        assert no_user.value.response["Error"]["Code"] == "UserNotFoundException"
        with pytest.raises(ClientError) as no_identity:
            admin_identity.describe_identity(IdentityId=identity_id)
        assert no_identity.value.response["Error"]["Code"] == "ResourceNotFoundException"
        # Tokens issued before the deletion can no longer get credentials (ServerSideTokenCheck).
        with pytest.raises(CliError):
            identity_credentials(outputs, tokens.id_token)
