"""The end-to-end suite's own code, run offline against moto (`make test`): fixtures, client, CLI.

These tests prove WIRING, never authorization. Assertions marked "wiring only" would pass even if the real
stack were wide open; test_e2e.py makes the ones that count against AWS (`make e2e`).
"""

from __future__ import annotations

import json
import stat
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from client import auth
from client.__main__ import main
from client.api import ApiClient, ApiError
from client.cache import cache_path
from client.errors import CliError
from client.outputs import StackOutputs
from client.storage import UserRecords, UserStorage
from scripts.e2e_check import EXIT_SKIP, check
from stacks.names import ADMIN_GROUP, USERS_GROUP
from tests.e2e.alarms import STATE_REASON, alarm_topic_arn, check_alarm_delivery
from tests.e2e.moto_stack import MotoStack, moto_stack
from tests.e2e.support import (
    E2eUser,
    OnlyOnAwsNote,
    assert_file_round_trip,
    assert_notes_round_trip,
    partition,
    strong_password,
    temporary_email,
    temporary_user,
)
from tests.support import ROUND_TRIP_KEYS

# Under pytest-xdist each worker that runs tests of this module starts its own moto server: tests don't share state.

ONLY_ON_AWS = (
    "tests/e2e against moto proves wiring only. These count only in `make e2e` on AWS: "
    "passwords (moto accepts any SRP proof and any confirmation code); triggers (moto runs none: no email-domain "
    "rules, no default group, no resource-server scopes in tokens); isolation (moto evaluates no IAM policy and "
    "hands every identity the same credentials); API Gateway's JWT authorizer and route scopes (a local fake "
    "stands in for the API); RevokeToken (not in moto); presigned-POST size and type limits (not enforced); "
    "alarm delivery (moto runs no alarm actions: a stand-in publishes the notification); the identity step of "
    "account deletion (moto has no DeleteIdentities; tests/unit/test_account_erasure.py covers it with a stand-in)."
)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoStack]:
    # A warning survives pytest-xdist (a worker's terminal output does not): one line in the summary.
    warnings.warn(OnlyOnAwsNote(ONLY_ON_AWS), stacklevel=1)
    with moto_stack(tmp_path_factory.mktemp("e2e-moto")) as started:
        yield started


@pytest.fixture(scope="module")
def outputs(stack: MotoStack) -> StackOutputs:
    """Overrides conftest's: the moto stack's outputs file instead of E2E_OUTPUTS."""
    return stack.outputs


@pytest.fixture(scope="module")
def admin_session(stack: MotoStack) -> boto3.Session:
    """Overrides conftest's: moto's dummy credentials (the endpoint comes from AWS_ENDPOINT_URL)."""
    return boto3.Session(region_name=stack.outputs.region)


@pytest.fixture
def cli(stack: MotoStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    """Run `python -m client` in-process with a private cache; returns (exit status, stdout, stderr)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        status = main([*args, "--outputs", str(stack.outputs_path), "--profile", "moto"])
        out, err = capsys.readouterr()
        return status, out, err

    return run


def test_e2e_check_says_in_one_line_whether_the_suite_can_run(
    stack: MotoStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    status, line = check(tmp_path / "missing.json")
    assert (status, line.count("\n")) == (EXIT_SKIP, 0)
    assert "not found" in line
    # The account in the pool's ARN matches STS's answer (moto's fixed account: wiring only).
    status, line = check(stack.outputs_path)
    assert status == 0, line
    assert stack.outputs.user_pool_id in line
    broken = tmp_path / "broken.json"
    broken.write_text(stack.outputs_path.read_text().replace(f":{stack.outputs.account}:", ":210987654321:"))
    status, line = check(broken)
    assert status == 1
    assert "account 123456789012, not 210987654321" in line
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    status, line = check(stack.outputs_path)
    assert (status, line.count("\n")) == (EXIT_SKIP, 0)
    assert line.startswith("e2e skipped: no AWS credentials: set AWS_PROFILE=<name>"), line


def test_fixture_users_sign_in_with_srp_and_their_tokens_verify(
    alice: E2eUser, admin: E2eUser, outputs: StackOutputs
) -> None:
    access_verifier, id_verifier = auth.verifiers(outputs)
    for user in (alice, admin):
        # Real RS256 signatures checked against moto's JWKS; SRP ran, but moto accepts any proof (wiring only).
        access = access_verifier.verify(user.session.tokens.access_token)
        identity = id_verifier.verify(user.session.tokens.id_token)
        assert access["sub"] == identity["sub"] == user.sub
        assert access["client_id"] == identity["aud"] == outputs.web_client_id
        assert sorted(identity["cognito:groups"]) == sorted(user.groups)
    assert ADMIN_GROUP not in alice.groups


def test_api_client_handles_every_route(alice: E2eUser, admin: E2eUser, outputs: StackOutputs) -> None:
    api = ApiClient(outputs.api_url, alice.session.tokens.access_token)
    assert api.health() == {"status": "ok"}
    assert api.me()["sub"] == alice.sub
    # Status codes as the fake authorizer mimics them (wiring only: API Gateway decides on AWS).
    assert ApiClient(outputs.api_url, None).call("GET", "/me").status == 401
    assert api.call("GET", "/me", token=alice.session.tokens.id_token).status == 403
    with pytest.raises(ApiError) as denied:
        api.admin_users()
    assert denied.value.status == 403
    listed = ApiClient(outputs.api_url, admin.session.tokens.access_token).admin_users(limit=60)
    assert alice.email in {user["email"] for user in listed["users"]}

    # Upload through the presigned POST (into moto's S3), list, download, delete, for every odd key: the client's
    # encoding against a local stand-in (the API Gateway part is proven in tests/unit/test_api_round_trip.py).
    for key in ROUND_TRIP_KEYS:
        assert_file_round_trip(api, key, b"hello from the e2e suite\n")


def test_identity_pool_credentials_reach_the_callers_prefix(alice: E2eUser, outputs: StackOutputs) -> None:
    storage = UserStorage.for_user(outputs, alice.session.tokens)
    assert storage.prefix == f"private/{alice.sub}/"
    assert storage.put("direct/one.txt", b"one", "text/plain") == f"private/{alice.sub}/direct/one.txt"
    assert storage.get("direct/one.txt") == b"one"
    assert "direct/one.txt" in [item["key"] for item in storage.objects()]
    # Wiring only: moto evaluates no policy, so writes under another prefix would succeed here too.


def test_temporary_user_is_removed_with_its_objects(
    admin_idp: Any, admin_s3: Any, outputs: StackOutputs, stack: MotoStack
) -> None:
    with temporary_user(admin_idp, admin_s3, outputs, "cleanup", (USERS_GROUP,)) as user:
        UserStorage.for_user(outputs, user.session.tokens).put("left-behind.txt", b"x", "text/plain")
    with pytest.raises(ClientError) as gone:
        admin_idp.admin_get_user(UserPoolId=outputs.user_pool_id, Username=user.email)
    assert gone.value.response["Error"]["Code"] == "UserNotFoundException"
    assert admin_s3.list_object_versions(Bucket=outputs.data_bucket, Prefix=user.prefix).get("Versions", []) == []


def test_global_sign_out_ends_the_refresh_token(admin_idp: Any, admin_s3: Any, outputs: StackOutputs) -> None:
    with temporary_user(admin_idp, admin_s3, outputs, "signout", (USERS_GROUP,)) as user:
        idp = auth.cognito_client(outputs)
        refreshed = auth.refresh(idp, user.session)
        assert refreshed.tokens.refresh_token == user.session.tokens.refresh_token
        auth.global_sign_out(idp, refreshed)
        with pytest.raises(auth.SessionEndedError):
            auth.refresh(idp, user.session)


def test_cognito_errors_become_one_line_messages(alice: E2eUser, outputs: StackOutputs) -> None:
    idp = auth.cognito_client(outputs)
    with pytest.raises(CliError, match=r"^An account with this email already exists"):
        auth.sign_up(idp, outputs, alice.email, strong_password())
    with pytest.raises(CliError, match=r"^Password rejected: "):
        auth.sign_up(idp, outputs, temporary_email("weak"), "password")
    unconfirmed = temporary_email("unconfirmed")
    assert auth.sign_up(idp, outputs, unconfirmed, strong_password()) is False
    with pytest.raises(CliError, match=r"^Not confirmed yet: run `confirm EMAIL CODE`"):
        auth.sign_in(idp, outputs, unconfirmed, strong_password())


def test_cli_walkthrough(cli: Any, stack: MotoStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    email = temporary_email("cli")
    monkeypatch.setenv("CLIENT_PASSWORD", strong_password())
    assert cli("signup", email)[:2] == (
        0,
        f"Account created: run `confirm {email} CODE` with the code emailed to you.\n",
    )
    assert cli("confirm", email, "123456")[0] == 0  # moto accepts any code (wiring only)
    status, out, _ = cli("signin", email)
    assert status == 0, out
    cache = cache_path("moto")
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    assert stat.S_IMODE(cache.parent.stat().st_mode) == 0o700
    tokens = json.loads(cache.read_text())["tokens"]
    secrets = [tokens["id_token"], tokens["access_token"], tokens["refresh_token"]]

    status, out, _ = cli("tokens")
    shown = json.loads(out)
    assert status == 0
    assert shown["verification"].startswith("ok")
    assert shown["access_token"]["token_use"] == "access"
    assert not any(secret in out for secret in secrets)
    assert json.loads(cli("tokens", "--show-tokens")[1])["raw"]["refresh"] == tokens["refresh_token"]

    # Tokens about to expire are refreshed (REFRESH_TOKEN_AUTH) before the request, and re-cached.
    record = json.loads(cache.read_text())
    record["tokens"]["expires_at"] = time.time() + 30
    cache.write_text(json.dumps(record))
    sub = json.loads(cli("me")[1])["sub"]
    assert json.loads(cache.read_text())["tokens"]["expires_at"] > time.time() + 600
    source = tmp_path / "report.txt"
    source.write_text("quarterly numbers\n")
    assert cli("upload", str(source), "--key", "docs/report.txt")[:2] == (0, f"Uploaded {source} as docs/report.txt.\n")
    assert [item["key"] for item in json.loads(cli("files")[1])["items"]] == ["docs/report.txt"]
    target = tmp_path / "copy.txt"
    assert cli("download", "docs/report.txt", "--out", str(target))[0] == 0
    assert target.read_text() == "quarterly numbers\n"
    assert cli("download", "docs/report.txt", "--out", str(target))[2] == (
        f"error: {target} exists: pass --out PATH or --force.\n"
    )
    assert cli("delete", "docs/report.txt")[:2] == (0, "Deleted docs/report.txt.\n")
    assert cli("admin-users")[:3] == (1, "", "error: API answered 403: only members of the admins group may do this\n")

    assert cli("s3-put", str(source))[1] == (
        f"Uploaded {source} to s3://{stack.outputs.data_bucket}/private/{sub}/report.txt.\n"
    )
    assert [item["key"] for item in json.loads(cli("s3-ls")[1])] == ["report.txt"]

    # RevokeToken is not in moto: the walkthrough signs out with GlobalSignOut.
    assert cli("signout", "--global")[:2] == (0, "Signed out everywhere.\n")
    assert not cache.exists()
    assert cli("me")[2] == "error: Not signed in: run `signin EMAIL` first.\n"


def _publish_like_cloudwatch(session: boto3.Session, topic_arn: str) -> Any:
    """What CloudWatch would publish for the alarm's new state, from moto's record of the alarm (wiring only:
    moto runs no alarm actions)."""

    def publish(alarm_name: str) -> None:
        (alarm,) = session.client("cloudwatch").describe_alarms(AlarmNames=[alarm_name])["MetricAlarms"]
        notification = {
            "AlarmName": alarm["AlarmName"],
            "AlarmArn": alarm["AlarmArn"],
            "NewStateValue": alarm["StateValue"],
            "NewStateReason": alarm["StateReason"],
            "OldStateValue": "OK",
        }
        session.client("sns").publish(TopicArn=topic_arn, Message=json.dumps(notification))

    return publish


def _leftovers(session: boto3.Session, topic_arn: str) -> tuple[list[Any], list[str]]:
    subscriptions = session.client("sns").list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"]
    queues = session.client("sqs").list_queues(QueueNamePrefix="e2e-alarm-delivery-").get("QueueUrls", [])
    return subscriptions, queues


def test_alarm_delivery_check_subscribes_sets_the_alarm_and_cleans_up(
    stack: MotoStack, admin_session: boto3.Session
) -> None:
    topic = alarm_topic_arn(stack.outputs_path)
    notification = check_alarm_delivery(
        admin_session, topic, timeout=30, stand_in=_publish_like_cloudwatch(admin_session, topic)
    )
    # The alarm really was set to ALARM (moto recorded it), and then back to OK.
    assert (notification["NewStateValue"], notification["NewStateReason"]) == ("ALARM", STATE_REASON)
    (alarm,) = admin_session.client("cloudwatch").describe_alarms(AlarmNames=[notification["AlarmName"]])[
        "MetricAlarms"
    ]
    assert alarm["StateValue"] == "OK"
    assert _leftovers(admin_session, topic) == ([], [])


def test_alarm_delivery_check_fails_when_nothing_arrives_and_still_cleans_up(
    stack: MotoStack, admin_session: boto3.Session
) -> None:
    topic = alarm_topic_arn(stack.outputs_path)
    # Nobody publishes (moto runs no alarm actions): the check must fail, not pass vacuously.
    with pytest.raises(AssertionError, match=r"no ALARM notification of cognito-ref-moto-Api-Fault-Count-Critical"):
        check_alarm_delivery(admin_session, topic, timeout=2)
    assert _leftovers(admin_session, topic) == ([], [])


@pytest.fixture(scope="module")
def admin_dynamodb(admin_session: boto3.Session) -> Any:
    return admin_session.client("dynamodb")


def test_notes_through_the_api_and_identity_pool_credentials(alice: E2eUser, outputs: StackOutputs) -> None:
    api = ApiClient(outputs.api_url, alice.session.tokens.access_token)
    kept = assert_notes_round_trip(api)
    records = UserRecords.for_user(outputs, alice.session.tokens)
    assert records.table == outputs.records_table
    assert f"note#{kept}" in [item["sk"]["S"] for item in records.items()]
    records.dynamodb.put_item(TableName=records.table, Item=records.key("e2e#direct"))
    # Wiring only: moto evaluates no policy, so another partition would be reachable here too.


def test_cli_notes_and_delete_account(
    cli: Any, stack: MotoStack, admin_idp: Any, admin_s3: Any, admin_dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    email = temporary_email("delete")
    monkeypatch.setenv("CLIENT_PASSWORD", strong_password())
    assert cli("signup", email)[0] == 0
    assert cli("confirm", email, "123456")[0] == 0
    assert cli("signin", email)[0] == 0
    sub = json.loads(cli("me")[1])["sub"]
    status, out, _ = cli("notes", "add", "shopping", "--body", "milk")
    note = json.loads(out)
    assert (status, note["version"]) == (0, 1)
    assert [item["id"] for item in json.loads(cli("notes", "list")[1])["items"]] == [note["id"]]
    edited = json.loads(cli("notes", "edit", note["id"], "--title", "groceries")[1])
    assert (edited["title"], edited["body"], edited["version"]) == ("groceries", "milk", 2)
    assert cli("notes", "edit", note["id"], "--body", "eggs", "--version", "1")[2].startswith("error: API answered 409")
    assert json.loads(cli("notes", "show", note["id"])[1])["title"] == "groceries"
    assert cli("notes", "delete", note["id"])[:2] == (0, f"Deleted note {note['id']}.\n")
    assert (
        cli("notes", "show", "not-an-id")[2]
        == "error: 'not-an-id' is not a note id (26 characters, as `notes list` shows them)\n"
    )
    assert cli("notes")[2].startswith("error: Give a notes command")
    cli("notes", "add", "stays")
    cli("s3-put", __file__, "--key", "a.py")
    cli("s3-put", __file__, "--key", "a.py")  # an older version

    # Not at a terminal and no --yes: nothing happens. A wrong confirmation: nothing happens.
    assert cli("delete-account")[2].startswith("error: Not deleting: confirm at a terminal")
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda _: "someone@else.example")
    assert cli("delete-account")[2] == "error: Not deleted: the confirmation did not match.\n"
    assert partition(admin_dynamodb, stack.outputs.records_table, sub)

    monkeypatch.setattr("builtins.input", lambda _: email)
    status, out, err = cli("delete-account")
    assert (status, err) == (0, "")
    assert out.endswith(f"Deleted the account {email}: nothing of it is left.\n")
    assert not cache_path("moto").exists()
    versions = admin_s3.list_object_versions(Bucket=stack.outputs.data_bucket, Prefix=f"private/{sub}/")
    assert (versions.get("Versions", []), versions.get("DeleteMarkers", [])) == ([], [])
    assert partition(admin_dynamodb, stack.outputs.records_table, sub) == []
    with pytest.raises(ClientError) as gone:
        admin_idp.admin_get_user(UserPoolId=stack.outputs.user_pool_id, Username=email)
    assert gone.value.response["Error"]["Code"] == "UserNotFoundException"
