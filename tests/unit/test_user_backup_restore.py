"""make import-users: the backup as Cognito's import CSV (read back and compared with the backup), the job's
calls through botocore's Stubber (responses valid for the service model), the upload to a presigned URL on
127.0.0.1, failed rows with reasons from the job's log, and group memberships re-applied against moto."""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber
from moto.cognitoidp.models import CognitoIdpUser, cognitoidp_backends

from scripts.user_backup import __main__ as cli
from scripts.user_backup.backup_files import read_jsonl
from scripts.user_backup.calls import Caller
from scripts.user_backup.export import Exporter, open_backup
from scripts.user_backup.quotas import OPERATION_CATEGORY, RateLimiter, Unlimited
from scripts.user_backup.restore import (
    MFA_ENABLED,
    USERNAME,
    RestoreError,
    TargetPool,
    build_csv,
    read_csv,
    restore_groups,
    run_job,
    upload,
    validate_csv,
)
from tests.unit.user_pools import ACCOUNT, REGION, MotoPool, moto_pool

USERS = 250
# GetCSVHeader's sample response in the developer guide ("Creating the user import CSV file").
DOC_HEADER = (
    "name", "given_name", "family_name", "middle_name", "nickname", "preferred_username", "profile", "picture",
    "website", "email", "email_verified", "gender", "birthdate", "zoneinfo", "locale", "phone_number",
    "phone_number_verified", "address", "updated_at", "cognito:mfa_enabled", "cognito:username",
)  # fmt: skip
TARGET_ID = "us-east-1_NewP00l1"
# A FAILED line's reason as the developer guide shows it ("Viewing the import results in the CloudWatch console").
NOT_VERIFIED = (
    "The User Record does not set any of the auto verified attributes to true. (Example: email_verified to true)."
)


def target(**overrides: Any) -> TargetPool:
    values: dict[str, Any] = {
        "user_pool_id": TARGET_ID,
        "name": "cognito-ref-dev-users",
        "header": DOC_HEADER,
        "username_attributes": ("email",),
        "mfa": "OPTIONAL",
        "required": ("email",),
    }
    return TargetPool(**{**values, **overrides})


@pytest.fixture(scope="module")
def source() -> Iterator[MotoPool]:
    with moto_pool(USERS) as pool:
        yield pool


@pytest.fixture(scope="module")
def backup(source: MotoPool, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("backups")
    folder = open_backup(root, source.pool_id, fresh=True, now=datetime(2026, 11, 30, tzinfo=UTC))
    return Exporter(Caller(source.client, Unlimited()), source.pool_id, folder).run(profile="dev").backup.path


# --- the CSV -----------------------------------------------------------------------------------------------


def test_the_csv_round_trip_validates_and_carries_every_importable_user(backup: Path, tmp_path: Path) -> None:
    plan = build_csv(backup, target(), tmp_path)

    assert validate_csv(plan) == []
    users = {u["username"]: u for u in read_jsonl(backup / "users.jsonl")}
    rows = [row for f in plan.files for row in read_csv(f.path)]
    by_identifier = {row[USERNAME]: row for row in rows}
    assert len(by_identifier) == len(rows) == plan.rows
    for username, identifier in plan.identifiers.items():
        user, row = users[username], by_identifier[identifier]
        attributes = user["attributes"]
        assert identifier == attributes["email"]  # an email-username pool names its users itself
        assert row[MFA_ENABLED] == "FALSE"  # optional MFA: users enrol again (TOTP secrets do not move)
        assert row["email_verified"] == attributes["email_verified"].upper()
        for name in ("name", "given_name", "phone_number", "locale", "email"):
            assert row[name] == attributes[name]  # commas and non-ASCII text survive
        year, month, day = attributes["birthdate"].split("-")
        assert row["birthdate"] == f"{month}/{day}/{year}"
        assert all(row[c] == "" for c in ("family_name", "address", "updated_at"))
    # Counts add up: every user is a row, the federated one, or invalid with its reason.
    unverified = [u for u in users.values() if u["attributes"].get("email_verified") == "false"]
    assert plan.counts() == {
        "users_in_backup": USERS + 1,
        "rows": USERS - len(unverified),
        "files": 1,
        "federated_left_out": 1,
        "invalid_left_out": len(unverified),
    }
    assert {i["username"] for i in plan.invalid} == {u["username"] for u in unverified}
    assert all(i["problems"] == ["neither a verified email nor a verified phone number"] for i in plan.invalid)
    raw = plan.files[0].path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert b'"' not in raw  # values are never quoted
    assert rb"Doe\, Jane" in raw  # a comma inside a value is escaped with a backslash


def test_the_csv_follows_the_pools_own_header(backup: Path, tmp_path: Path) -> None:
    # A pool with a custom attribute, columns in another order, and without `locale`
    header = ("cognito:username", "custom:tenant", *[c for c in DOC_HEADER if c not in ("cognito:username", "locale")])
    plan = build_csv(backup, target(header=header), tmp_path)

    assert validate_csv(plan) == []
    first_line = plan.files[0].path.read_text(encoding="utf-8").splitlines()[0]
    assert first_line.split(",") == list(header)
    assert all(row["custom:tenant"] == "" for row in read_csv(plan.files[0].path))
    assert plan.dropped_attributes == {"locale": USERS}


def test_large_backups_are_split_into_files_within_the_import_limits(backup: Path, tmp_path: Path) -> None:
    plan = build_csv(backup, target(), tmp_path, max_rows=100)

    assert [f.rows for f in plan.files] == [100, 100, plan.rows - 200]
    assert validate_csv(plan) == []
    for csv_file in plan.files:
        assert csv_file.path.read_text(encoding="utf-8").splitlines()[0] == ",".join(DOC_HEADER)


def test_a_pool_that_requires_mfa_imports_users_with_mfa_enabled(backup: Path, tmp_path: Path) -> None:
    plan = build_csv(backup, target(mfa="ON"), tmp_path)
    assert {row[MFA_ENABLED] for row in read_csv(plan.files[0].path)} == {"TRUE"}


def write_backup(path: Path, users: list[dict[str, Any]]) -> Path:
    path.mkdir()
    lines = [json.dumps({"status": "CONFIRMED", **u}) for u in users]
    (path / "users.jsonl").write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_values_the_csv_cannot_carry_make_their_row_invalid_with_a_reason(tmp_path: Path) -> None:
    verified = {"email_verified": "true"}
    backup = write_backup(
        tmp_path / "backup",
        [
            {"username": "a", "attributes": {**verified, "email": "a@example.com", "address": "Line 1\nLine 2"}},
            {"username": "b", "attributes": {**verified, "email": "b@example.com", "name": "trailing\\"}},
            {"username": "c", "attributes": {**verified, "email": "c@example.com", "name": '"quoted"'}},
            {"username": "d", "attributes": {**verified}},
            {"username": "f", "attributes": {**verified, "email": "f@example.com", "name": "Fine, really"}},
            {"username": "e", "attributes": {**verified, "email": "F@example.com"}},
        ],
    )

    plan = build_csv(backup, target(), tmp_path / "csv")

    problems = {i["username"]: i["problems"] for i in plan.invalid}
    assert problems == {
        "a": ["address contains a line break"],
        "b": ["name ends with a backslash (it would escape the next comma)"],
        "c": ["name starts with a double quote (values are never quoted)"],
        "d": [
            "cognito:username is empty or has spaces or tabs",
            "neither a verified email nor a verified phone number",
            "required attribute email is empty",
        ],
        "e": ["another user of the backup has the same cognito:username"],
    }
    assert plan.rows == 1
    assert validate_csv(plan) == []


def test_a_row_with_a_field_too_many_fails_validation(tmp_path: Path) -> None:
    path = tmp_path / "import-001.csv"
    path.write_text("cognito:username,email\nalice,a@example.com,extra\n", encoding="utf-8")
    with pytest.raises(RestoreError, match=r"import-001.csv:2: 3 fields, the header has 2"):
        list(read_csv(path))


# --- the import job, through the Stubber and a presigned URL on 127.0.0.1 -----------------------------------


class UploadServer:
    """Receives the CSV the way S3 receives a presigned PUT (127.0.0.1, an ephemeral port)."""

    def __init__(self) -> None:
        received: list[dict[str, Any]] = []

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append(
                    {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
                )
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return None

        self.received = received
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/import-bucket/{TARGET_ID}/job.csv?X-Amz-Signature=x"

    def __enter__(self) -> UploadServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def job(status: str, **counts: int) -> dict[str, Any]:
    return {
        "UserImportJob": {
            "JobName": "restore",
            "JobId": "import-AbCdEf123",
            "UserPoolId": TARGET_ID,
            "PreSignedUrl": "https://example.invalid/placeholder",
            "CreationDate": datetime(2026, 11, 30, tzinfo=UTC),
            "Status": status,
            "CloudWatchLogsRoleArn": "arn:aws:iam::123456789012:role/CognitoImportLogs",
            "ImportedUsers": counts.get("imported", 0),
            "SkippedUsers": counts.get("skipped", 0),
            "FailedUsers": counts.get("failed", 0),
            **({"CompletionMessage": "Import Job Completed Successfully."} if status == "Succeeded" else {}),
        }
    }


def stub_import(stubber: Stubber, url: str, rows: int) -> None:
    pool = {"UserPoolId": TARGET_ID}
    job_id = {**pool, "JobId": "import-AbCdEf123"}
    created = job("Created")
    created["UserImportJob"]["PreSignedUrl"] = url
    stubber.add_response("create_user_import_job", created, {**pool, "JobName": ANY, "CloudWatchLogsRoleArn": ROLE_ARN})
    stubber.add_response("start_user_import_job", job("Pending"), job_id)
    stubber.add_response("describe_user_import_job", job("InProgress", imported=rows // 2), job_id)
    stubber.add_response("describe_user_import_job", job("Succeeded", imported=rows - 1, failed=1), job_id)


ROLE_ARN = "arn:aws:iam::123456789012:role/CognitoImportLogs"


def test_the_job_uploads_the_csv_encrypted_then_starts_and_polls_it(backup: Path, tmp_path: Path) -> None:
    plan = build_csv(backup, target(), tmp_path)
    client = boto3.client("cognito-idp", region_name=REGION)
    polls: list[float] = []
    with Stubber(client) as stubber, UploadServer() as server:
        stub_import(stubber, server.url, plan.rows)

        result = run_job(
            Caller(client, Unlimited()),
            target(),
            plan.files[0],
            job_name="restore",
            logs_role_arn=ROLE_ARN,
            uploader=functools.partial(upload, allow_loopback_http=True),
            sleep=polls.append,
            poll_seconds=7,
        )
        stubber.assert_no_pending_responses()

    [put] = server.received
    assert put["headers"]["x-amz-server-side-encryption"] == "aws:kms"
    assert put["body"] == plan.files[0].path.read_bytes()
    assert polls == [7, 7]
    assert (result.status, result.imported, result.failed) == ("Succeeded", plan.rows - 1, 1)


def test_the_upload_refuses_a_url_that_is_not_https(tmp_path: Path) -> None:
    csv_file = tmp_path / "import-001.csv"
    csv_file.write_text("cognito:username\n", encoding="utf-8")
    with pytest.raises(RestoreError, match="not https"):
        upload("http://bucket.s3.amazonaws.com/x", csv_file)


# --- the command: dry run, and a whole restore ---------------------------------------------------------------


class StubbedSession:
    """Stands in for the AWS session: hands out the Stubber-wrapped clients."""

    def __init__(self, clients: dict[str, Any]) -> None:
        self.clients = clients

    def client(self, service: str, **_: Any) -> Any:
        return self.clients[service]


def describe_pool_response() -> dict[str, Any]:
    return {
        "UserPool": {
            "Id": TARGET_ID,
            "Name": "cognito-ref-dev-users",
            "UsernameAttributes": ["email"],
            "MfaConfiguration": "OPTIONAL",
            "SchemaAttributes": [{"Name": "email", "Required": True}, {"Name": "name", "Required": False}],
        }
    }


def stub_target(stubber: Stubber) -> None:
    stubber.add_response(
        "get_csv_header", {"UserPoolId": TARGET_ID, "CSVHeader": list(DOC_HEADER)}, {"UserPoolId": TARGET_ID}
    )
    stubber.add_response("describe_user_pool", describe_pool_response(), {"UserPoolId": TARGET_ID})


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_dry_run_validates_the_csv_and_calls_no_import_api(
    backup: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    client = boto3.client("cognito-idp", region_name=REGION)
    monkeypatch.setattr(cli, "aws_session", lambda profile, region: StubbedSession({"cognito-idp": client}))
    with Stubber(client) as stubber:
        stub_target(stubber)  # read-only calls only: any other call fails the Stubber

        status = cli.main(
            ["import", "--profile", "dev", "--backup", str(backup), "--user-pool-id", TARGET_ID, "--dry-run"]
        )

        stubber.assert_no_pending_responses()
    assert status == 0
    output = capsys.readouterr().out
    assert "dry run: the CSV validates" in output
    report = json.loads((backup / "import" / TARGET_ID / "import-report.json").read_text())
    assert report["csv_problems"] == []
    assert (
        report["counts"]["rows"] + report["counts"]["federated_left_out"] + report["counts"]["invalid_left_out"]
        == USERS + 1
    )


def stub_groups(stubber: Stubber, plan: Any, memberships: list[dict[str, Any]]) -> None:
    """The target has admins and users; beta is created; then one AdminAddUserToGroup a membership."""
    stubber.add_response(
        "list_groups",
        {
            "Groups": [
                {"GroupName": "admins", "UserPoolId": TARGET_ID},
                {"GroupName": "users", "UserPoolId": TARGET_ID},
            ]
        },
        {"UserPoolId": TARGET_ID, "Limit": 60},
    )
    stubber.add_response(
        "create_group",
        {"Group": {"GroupName": "beta", "UserPoolId": TARGET_ID, "Precedence": 20}},
        {"UserPoolId": TARGET_ID, "GroupName": "beta", "Description": "beta group", "Precedence": 20},
    )
    for membership in memberships:
        stubber.add_response(
            "admin_add_user_to_group",
            {},
            {
                "UserPoolId": TARGET_ID,
                "Username": plan.identifiers[membership["username"]],
                "GroupName": membership["group"],
            },
        )


class VirtualTime:
    """The CLI's rate limiter on a clock that moves only when it sleeps: the pacing runs, nobody waits for it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = 0.0
        self.limiters: list[RateLimiter] = []
        monkeypatch.setattr(cli, "RateLimiter", self._limiter)

    def _limiter(self, *args: Any, **kwargs: Any) -> RateLimiter:
        self.limiters.append(RateLimiter(*args, **kwargs, clock=lambda: self.now, sleep=self._sleep))
        return self.limiters[-1]

    def _sleep(self, seconds: float) -> None:
        self.now += seconds

    def assert_paced(self, operation: str, calls: int) -> None:
        """At the CLI's default share of the quota, `calls` of `operation` took at least their paced time."""
        (limiter,) = self.limiters
        rate = limiter.rates[OPERATION_CATEGORY[operation]]
        assert self.now >= (calls - max(rate, 1.0)) / rate > 0


@pytest.fixture
def virtual_time(monkeypatch: pytest.MonkeyPatch) -> VirtualTime:
    return VirtualTime(monkeypatch)


def test_a_whole_restore_imports_reports_failed_rows_and_re_applies_groups(
    backup: Path,
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    virtual_time: VirtualTime,
) -> None:
    cognito = boto3.client("cognito-idp", region_name=REGION)
    logs = boto3.client("logs", region_name=REGION)
    monkeypatch.setattr(
        cli, "aws_session", lambda profile, region: StubbedSession({"cognito-idp": cognito, "logs": logs})
    )
    monkeypatch.setattr(cli, "upload", functools.partial(upload, allow_loopback_http=True))
    monkeypatch.setattr(cli, "run_job", functools.partial(run_job, sleep=lambda _: None))
    plan = build_csv(backup, target(), workdir / "expected")
    memberships = [m for m in read_jsonl(backup / "memberships.jsonl") if m["username"] in plan.identifiers]
    with Stubber(cognito) as stubber, Stubber(logs) as log_stubber, UploadServer() as server:
        stub_target(stubber)
        stub_import(stubber, server.url, plan.rows)
        # Line 2 of the file is the first user: Cognito counts the header as line 1.
        log_stubber.add_response(
            "filter_log_events",
            {
                "events": [
                    {"message": "[SUCCEEDED] Line Number 3 - The import succeeded."},
                    {"message": f"[FAILED] Line Number 2 - {NOT_VERIFIED}"},
                ]
            },
            {
                "logGroupName": f"/aws/cognito/userpools/{TARGET_ID}/cognito-ref-dev-users",
                "logStreamNamePrefix": "import-AbCdEf123/",
                "filterPattern": "?FAILED ?SKIPPED",
            },
        )
        stub_groups(stubber, plan, memberships)
        disabled = [
            plan.identifiers[u["username"]]
            for u in read_jsonl(backup / "users.jsonl")
            if u["enabled"] is False and u["username"] in plan.identifiers
        ]
        for identifier in disabled:
            stubber.add_response("admin_disable_user", {}, {"UserPoolId": TARGET_ID, "Username": identifier})

        status = cli.main(
            [
                "import",
                "--profile",
                "dev",
                "--backup",
                str(backup),
                "--user-pool-id",
                TARGET_ID,
                "--logs-role-arn",
                ROLE_ARN,
            ]
        )

        stubber.assert_no_pending_responses()
        log_stubber.assert_no_pending_responses()
    assert status == 0
    first_row = next(read_csv(plan.files[0].path))
    output = capsys.readouterr().out
    assert f"line 2 {first_row[USERNAME]}: FAILED {NOT_VERIFIED}" in output
    assert f"{len(memberships)} group memberships (0 failed), {len(disabled)} users disabled again" in output
    assert disabled  # the backup has disabled users, and they are disabled again
    report = json.loads((backup / "import" / TARGET_ID / "import-report.json").read_text())
    assert report["jobs"][0]["rows"] == [
        {
            "line": 2,
            "status": "FAILED",
            "reason": NOT_VERIFIED,
            "username": first_row[USERNAME],
        }
    ]
    assert report["groups"]["created_groups"] == ["beta"]
    assert report["groups"]["left_out"] == len(list(read_jsonl(backup / "memberships.jsonl"))) - len(memberships)
    virtual_time.assert_paced("AdminAddUserToGroup", len(memberships))


def test_an_incomplete_backup_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "partial").mkdir()
    (tmp_path / "partial" / "state.json").write_text("{}")

    status = cli.main(["import", "--backup", str(tmp_path / "partial"), "--user-pool-id", TARGET_ID, "--dry-run"])

    assert status == 1
    assert "not a complete backup (it was interrupted" in capsys.readouterr().err


# --- group memberships against moto: re-applied, interrupted, resumed ------------------------------------------


class InterruptError(Exception):
    pass


class InterruptingCaller(Caller):
    def __init__(self, client: Any, after: int) -> None:
        super().__init__(client, Unlimited())
        self.after, self.count = after, 0

    def __call__(self, operation: str, **params: Any) -> dict[str, Any]:
        if operation == "AdminAddUserToGroup":
            self.count += 1
            if self.count > self.after:
                raise InterruptError
        return super().__call__(operation, **params)


def test_group_memberships_are_re_applied_and_resume_after_an_interruption(
    backup: Path, source: MotoPool, tmp_path: Path
) -> None:
    # Given a new pool (moto) holding the imported users, as an import job leaves them: named by new subs
    client = source.client
    pool_id = client.create_user_pool(PoolName="target", UsernameAttributes=["email"])["UserPool"]["Id"]
    client.create_group(UserPoolId=pool_id, GroupName="users", Precedence=10)
    pool = cognitoidp_backends[ACCOUNT][REGION].user_pools[pool_id]
    plan = build_csv(backup, target(user_pool_id=pool_id), tmp_path / "csv")
    for row in read_csv(plan.files[0].path):
        user = CognitoIdpUser(pool_id, None, None, "RESET_REQUIRED", [{"Name": "email", "Value": row["email"]}])
        pool.users[user.username] = user
    state = tmp_path / "groups-state.json"

    # When the re-apply is interrupted after 100 memberships, then run again
    with pytest.raises(InterruptError):
        restore_groups(InterruptingCaller(client, 100), target(user_pool_id=pool_id), backup, plan.identifiers, state)
    assert json.loads(state.read_text()) == {"memberships_done": 60}
    result = restore_groups(Caller(client, Unlimited()), target(user_pool_id=pool_id), backup, plan.identifiers, state)

    # Then every membership of an imported user is back, in groups created where missing
    assert result.created_groups == []  # the interrupted run created them
    assert sorted(pool.groups) == ["admins", "beta", "users"]
    expected = {
        (m["group"], plan.identifiers[m["username"]])
        for m in read_jsonl(backup / "memberships.jsonl")
        if m["username"] in plan.identifiers
    }
    held = {
        (group.group_name, {a["Name"]: a["Value"] for a in user.attributes}["email"])
        for group in pool.groups.values()
        for user in group.users
    }
    assert held == expected
    assert result.failed == []
    assert not state.exists()


def test_groups_only_re_applies_memberships_without_any_import_call(
    backup: Path,
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    virtual_time: VirtualTime,
) -> None:
    # Users moved by the migration trigger arrive without their groups: this run gives them back.
    cognito = boto3.client("cognito-idp", region_name=REGION)
    monkeypatch.setattr(cli, "aws_session", lambda profile, region: StubbedSession({"cognito-idp": cognito}))
    plan = build_csv(backup, target(), workdir / "expected")
    memberships = [m for m in read_jsonl(backup / "memberships.jsonl") if m["username"] in plan.identifiers]
    with Stubber(cognito) as stubber:
        stub_target(stubber)
        stub_groups(stubber, plan, memberships)

        status = cli.main(
            ["import", "--profile", "dev", "--backup", str(backup), "--user-pool-id", TARGET_ID, "--groups-only"]
        )

        stubber.assert_no_pending_responses()
    assert status == 0
    assert f"restored: 0 users imported (each must reset the password), {len(memberships)} group memberships (" in (
        capsys.readouterr().out
    )
    virtual_time.assert_paced("AdminAddUserToGroup", len(memberships))
