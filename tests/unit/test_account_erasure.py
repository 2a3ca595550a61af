"""Account deletion against moto: a user with objects (older versions, delete markers, an unfinished upload), records
and an identity is erased completely, in order; a run interrupted after each step, or out of time part-way, finishes
when it runs again; the API, the admin route and the worker; the audit line names no one.

moto stands in for S3, DynamoDB, SQS and the user pool (wiring: it evaluates no IAM policy); Cognito Identity is
tests/unit/identity_pool.py, because moto has no DeleteIdentities.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.exceptions import ClientError

from api import account
from shared import erasure
from tests.unit.api_env import (
    ALICE,
    ALL_SCOPES,
    BOB,
    BUCKET,
    DELETE_SCOPE,
    NOTES_SCOPES,
    SWEEP_DELAY_SECONDS,
    TABLE,
    ApiEnv,
    LambdaContext,
    api_environment,
    request,
)

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")
SCOPES = (*ALL_SCOPES, *NOTES_SCOPES, DELETE_SCOPE)
CAROL = "2d6e7f80-91a2-4b34-85d6-e7f8091a2b34"  # a user the admin erases after the pool lost her
DAVE_PLACEHOLDER = "3e7f8091-a2b3-4c45-96e7-f8091a2b3c45"


@dataclass
class World:
    api: ApiEnv
    id_token: str  # Alice's
    identity_id: str  # Alice's identity-pool identity


def seed_user(api: ApiEnv, sub: str, username: str, *, objects: int = 3) -> None:
    """A user in the pool with files (two versions of one, a deleted one), an unfinished upload and records."""
    api.cognito.admin_create_user(
        UserPoolId=api.user_pool_id,
        Username=username,
        UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"}],
        MessageAction="SUPPRESS",
    )
    for i in range(objects):
        api.put(f"docs/{i}.txt", f"file {i}".encode(), sub=sub)
    api.put("docs/0.txt", b"second version", sub=sub)
    api.s3.delete_object(Bucket=BUCKET, Key=f"private/{sub}/docs/1.txt")  # a delete marker over a version
    api.s3.create_multipart_upload(Bucket=BUCKET, Key=f"private/{sub}/big.bin")
    for i in range(3):
        api.dynamodb.put_item(TableName=TABLE, Item={"sub": {"S": sub}, "sk": {"S": f"note#{i:026d}"},
                                                     "title": {"S": "t"}})  # fmt: skip
    api.dynamodb.put_item(TableName=TABLE, Item={"sub": {"S": sub}, "sk": {"S": "settings"}})


def move_data(api: ApiEnv, old: str, new: str) -> None:
    """Re-key a seeded user's data to the sub the pool gave them."""
    for version in api.versions(old):
        if "Size" in version:
            api.put(version["Key"].removeprefix(f"private/{old}/"), sub=new)
        api.s3.delete_object(Bucket=BUCKET, Key=version["Key"], VersionId=version["VersionId"])
    for upload in uploads(api, old):
        api.s3.abort_multipart_upload(Bucket=BUCKET, Key=upload["Key"], UploadId=upload["UploadId"])
    api.s3.create_multipart_upload(Bucket=BUCKET, Key=f"private/{new}/big.bin")
    for item in api.partition(old):
        api.dynamodb.delete_item(TableName=TABLE, Key={"sub": item["sub"], "sk": item["sk"]})
        api.dynamodb.put_item(TableName=TABLE, Item={**item, "sub": {"S": new}})


def uploads(api: ApiEnv, sub: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = api.s3.list_multipart_uploads(Bucket=BUCKET, Prefix=f"private/{sub}/").get(
        "Uploads", []
    )
    return found


def user_exists(api: ApiEnv, username: str) -> bool:
    found = api.cognito.list_users(UserPoolId=api.user_pool_id)["Users"]
    return username in {user["Username"] for user in found}


def nothing_left(world: World, sub: str = ALICE, username: str = "alice") -> None:
    api = world.api
    assert api.versions(sub) == []
    assert uploads(api, sub) == []
    assert api.partition(sub) == []
    assert not user_exists(api, username)
    assert world.identity_id not in api.identity.identities.values()


def bob_untouched(api: ApiEnv, before: tuple[Any, ...]) -> None:
    assert (len(api.versions(BOB)), len(uploads(api, BOB)), len(api.partition(BOB)), user_exists(api, "bob")) == before


def bob_snapshot(api: ApiEnv) -> tuple[Any, ...]:
    return len(api.versions(BOB)), len(uploads(api, BOB)), len(api.partition(BOB)), user_exists(api, "bob")


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    with api_environment(monkeypatch, user_pool=True) as api:
        seed_user(api, ALICE, "alice")
        seed_user(api, BOB, "bob")
        claims = api.claims(scopes=SCOPES)
        token = api.identity.id_token(ALICE, aud=claims["client_id"], iss=claims["iss"])
        identity_id = api.identity.get_id(IdentityPoolId=api.identity.identity_pool_id,
                                          Logins={api.identity.provider: token})["IdentityId"]  # fmt: skip
        yield World(api, token, identity_id)


def delete_me(world: World, **headers: str) -> Any:
    sent = {"X-Id-Token": world.id_token, **headers}
    return world.api.call(request("DELETE", "/me", headers=sent), world.api.claims(scopes=SCOPES))


def delayed(api: ApiEnv) -> int:
    attributes = api.sqs.get_queue_attributes(QueueUrl=api.queue_url, AttributeNames=["All"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessagesDelayed"])


# -- DELETE /me ------------------------------------------------------------------------------------------------


def test_delete_me_erases_every_version_upload_record_the_identity_and_the_user(world: World) -> None:
    api = world.api
    assert (len(api.versions(ALICE)), len(uploads(api, ALICE)), len(api.partition(ALICE))) == (5, 1, 4)
    bob_before = bob_snapshot(api)

    reply = delete_me(world)

    assert (reply.status, reply.body) == (204, None)
    nothing_left(world)
    bob_untouched(api, bob_before)
    # The job queued before the work waits until the API's invocation is surely over.
    assert api.queued() == []
    assert delayed(api) == 1


def test_the_job_queued_first_finds_nothing_after_a_complete_delete_me_and_schedules_the_sweep(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(account, "HAND_OFF_DELAY_SECONDS", 0)
    assert delete_me(world).status == 204
    [job] = world.api.queued()

    outcome = worker(monkeypatch, world.api, job)

    assert outcome.state == "complete"
    assert not outcome.progress.found_anything
    # The final sweep now waits in the queue until every credential issued before the deletion has expired.
    assert world.api.queued() == []
    assert delayed(world.api) == 1


def test_a_second_delete_me_after_a_complete_one_finds_nothing_and_succeeds(world: World) -> None:
    assert delete_me(world).status == 204
    world.api.identity.id_token(ALICE)  # tokens still valid for the stand-in: only the user is gone

    # The same request again (a client retrying after a lost answer): nothing left to do, still no error.
    api = world.api
    api.cognito.admin_create_user(UserPoolId=api.user_pool_id, Username="alice", MessageAction="SUPPRESS")
    assert delete_me(world).status == 204
    nothing_left(world)


@pytest.mark.parametrize(
    ("headers", "status", "message"),
    [
        ({"X-Id-Token": "not-a-jwt"}, 400, "x-id-token is not a JWT"),
        ({"X-Id-Token": "a.%%%.c"}, 400, "x-id-token is not a JWT"),
        ({"X-Id-Token": "a.bnVsbA.c"}, 400, "x-id-token is not a JWT"),  # payload `null`
    ],
)
def test_delete_me_refuses_what_is_not_an_id_token(world: World, headers: dict[str, str], status: int,
                                                   message: str) -> None:  # fmt: skip
    reply = delete_me(world, **headers)

    assert (reply.status, reply.body["message"]) == (status, message)
    assert user_exists(world.api, "alice")
    assert len(world.api.partition(ALICE)) == 4


def test_delete_me_refuses_someone_elses_or_a_foreign_id_token(world: World) -> None:
    api = world.api
    claims = api.claims(scopes=SCOPES)
    others = [
        api.identity.id_token(BOB, aud=claims["client_id"], iss=claims["iss"]),  # Bob's: would delete his identity
        api.identity.id_token(ALICE, aud="7p4kw1uts3foreignclient004", iss=claims["iss"]),
        api.identity.id_token(ALICE, aud=claims["client_id"], iss="https://cognito-idp.us-east-1.amazonaws.com/other"),
        api.identity.id_token(ALICE, aud=claims["client_id"], iss=claims["iss"], token_use="access"),
    ]
    for token in others:
        reply = delete_me(world, **{"X-Id-Token": token})
        assert reply.status == 400
        assert reply.body["message"] == "x-id-token must be your own ID token from this user pool"
    assert api.identity.calls["GetId"] == 1  # the fixture's own: none of these reached Cognito Identity
    assert user_exists(api, "alice")


def test_delete_me_with_an_id_token_cognito_no_longer_accepts_is_400_and_erases_nothing(world: World) -> None:
    world.api.identity.revoke(world.id_token)

    reply = delete_me(world)

    assert reply.status == 400
    assert "refresh your session" in reply.body["message"]
    assert len(world.api.partition(ALICE)) == 4


def test_delete_me_needs_its_scope_and_a_user(world: World) -> None:
    api = world.api
    without = api.call(request("DELETE", "/me", headers={"X-Id-Token": world.id_token}), api.claims(scopes=ALL_SCOPES))
    machine = api.claims(sub="6o3jv0tsr2serviceclient003", username=None, groups=None,
                         client_id="6o3jv0tsr2serviceclient003", scopes=SCOPES)  # fmt: skip
    as_machine = api.call(request("DELETE", "/me", headers={"X-Id-Token": world.id_token}), machine)
    no_header = api.call(request("DELETE", "/me"), api.claims(scopes=SCOPES))

    assert (without.status, as_machine.status, no_header.status) == (403, 403, 422)
    assert user_exists(api, "alice")


def test_a_step_failing_inline_hands_the_job_to_the_worker(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    api = world.api
    api.identity.fail["DeleteIdentities"] = "InternalErrorException"
    monkeypatch.setattr(account, "HAND_OFF_DELAY_SECONDS", 0)

    reply = delete_me(world)

    assert reply.status == 202
    assert reply.body["status"] == "in_progress"
    [job] = api.queued()
    assert job["erasure_id"] == reply.body["erasure_id"]
    assert user_exists(api, "alice")  # the user goes last: still able to retry
    assert api.versions(ALICE) == api.partition(ALICE) == []  # the steps before the failure stay done

    assert worker(monkeypatch, api, job).state == "complete"
    nothing_left(world)


# -- the engine: order, interruption, resumption ----------------------------------------------------------------


class Flaky:
    """A client whose `operation` fails with `code` on its next call (once)."""

    def __init__(self, client: Any, operation: str, code: str) -> None:
        self._client, self._operation, self._code = client, operation, code

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._client, name)
        if name != self._operation or self._code is None:
            return method

        def fail(**_: Any) -> Any:
            code, self._code = self._code, None
            raise ClientError({"Error": {"Code": code, "Message": "injected"}}, name)

        return fail


def engine(api: ApiEnv) -> tuple[erasure.Clients, erasure.Target]:
    clients = erasure.Clients(s3=api.s3, dynamodb=api.dynamodb, identity=api.identity, cognito=api.cognito)
    return clients, erasure.Target(bucket=BUCKET, table=TABLE, user_pool_id=api.user_pool_id)


def job_for(world: World) -> erasure.Job:
    return erasure.Job.start(sub=ALICE, username="alice", identity_id=world.identity_id, initiator="self")


FOREVER = erasure.Deadline(lambda: 10**9, 0)
# The first call of each step, failing: the run stops after the steps before it.
INTERRUPTIONS = [
    ("objects", "s3", "list_object_versions", "SlowDown"),
    ("objects", "s3", "delete_objects", "InternalError"),
    ("objects", "s3", "abort_multipart_upload", "AccessDenied"),
    ("records", "dynamodb", "query", "ProvisionedThroughputExceededException"),
    ("records", "dynamodb", "batch_write_item", "InternalServerError"),
    ("identity", "identity", "delete_identities", "TooManyRequestsException"),
    ("user", "cognito", "admin_delete_user", "TooManyRequestsException"),
]


@pytest.mark.parametrize(("step", "client", "operation", "code"), INTERRUPTIONS,
                         ids=[f"{op}-{code}" for _, _, op, code in INTERRUPTIONS])  # fmt: skip
def test_a_run_interrupted_in_any_step_finishes_when_run_again(
    world: World, step: str, client: str, operation: str, code: str
) -> None:
    api = world.api
    clients, target = engine(api)
    flaky = clients._replace(**{client: Flaky(getattr(clients, client), operation, code)})
    bob_before = bob_snapshot(api)

    with pytest.raises(erasure.ErasureError, match=rf"^{step}: .*{code}"):
        erasure.erase(job_for(world), clients=flaky, target=target, deadline=FOREVER)

    # The steps before the failing one are done; the failing one and those after it are not (the user is last).
    done = erasure.STEPS[: erasure.STEPS.index(step)]  # type: ignore[arg-type]
    assert (api.partition(ALICE) == []) is ("records" in done)
    assert (world.identity_id not in api.identity.identities.values()) is ("identity" in done)
    assert user_exists(api, "alice")

    progress = erasure.erase(job_for(world), clients=clients, target=target, deadline=FOREVER)

    assert progress.complete
    nothing_left(world)
    bob_untouched(api, bob_before)


def test_a_run_out_of_time_part_way_continues_from_the_queue(world: World) -> None:
    """More versions than one page: a deadline after the first page stops the run, the job is queued, and the next
    run goes on from where the erasure stands."""
    api = world.api
    for i in range(1200):
        api.put(f"many/{i:04d}.txt", sub=ALICE)
    clients, target = engine(api)
    pages = iter([True, False])  # time for one page, then none
    one_page = erasure.Deadline(lambda: 10**9, 0)
    one_page.has_time = lambda: next(pages, False)  # type: ignore[method-assign]

    first = erasure.run(job_for(world), clients=clients, target=target, deadline=one_page, sqs=api.sqs,
                        queue_url=api.queue_url, sweep_delay_seconds=SWEEP_DELAY_SECONDS)  # fmt: skip

    assert (first.state, first.progress.object_versions, first.progress.done) == ("continuing", 1000, [])
    [queued] = api.queued()
    assert len(api.versions(ALICE)) == 1205 - 1000
    second = erasure.run(erasure.Job.checked(queued), clients=clients, target=target, deadline=FOREVER,
                         sqs=api.sqs, queue_url=api.queue_url, sweep_delay_seconds=SWEEP_DELAY_SECONDS)  # fmt: skip
    assert (second.state, second.progress.object_versions) == ("complete", 205)
    nothing_left(world)


def test_the_sweep_waits_then_erases_what_old_credentials_wrote_after_the_deletion(world: World) -> None:
    api = world.api
    clients, target = engine(api)
    sent: list[dict[str, Any]] = []
    recording = RecordingQueue(api.sqs, sent)
    start = time.time()
    done = erasure.run(job_for(world), clients=clients, target=target, deadline=FOREVER, sqs=recording,
                       queue_url=api.queue_url, sweep_delay_seconds=SWEEP_DELAY_SECONDS, now=lambda: start)  # fmt: skip
    assert done.state == "complete"
    [sweep_message] = sent
    sweep = erasure.Job.from_json(sweep_message["MessageBody"])
    assert sweep.sweep_at == pytest.approx(start + SWEEP_DELAY_SECONDS)
    assert sweep_message["DelaySeconds"] == erasure.MAX_DELAY_SECONDS

    # An upload and a note written afterwards with a token or credentials issued before the deletion.
    api.put("late.txt", sub=ALICE)
    api.dynamodb.put_item(TableName=TABLE, Item={"sub": {"S": ALICE}, "sk": {"S": "note#late"}})

    early = erasure.run(sweep, clients=clients, target=target, deadline=FOREVER, sqs=recording,
                        queue_url=api.queue_url, sweep_delay_seconds=SWEEP_DELAY_SECONDS,
                        now=lambda: start + 1000)  # fmt: skip
    assert early.state == "waiting"
    assert sent[-1]["DelaySeconds"] == erasure.MAX_DELAY_SECONDS
    assert api.partition(ALICE) != []

    due = erasure.run(sweep, clients=clients, target=target, deadline=FOREVER, sqs=recording,
                      queue_url=api.queue_url, sweep_delay_seconds=SWEEP_DELAY_SECONDS,
                      now=lambda: start + SWEEP_DELAY_SECONDS + 1)  # fmt: skip
    assert (due.state, due.progress.object_versions, due.progress.records) == ("complete", 1, 1)
    assert len(sent) == 2  # a sweep schedules nothing after itself
    nothing_left(world)


@dataclass
class RecordingQueue:
    sqs: Any
    sent: list[dict[str, Any]]

    def send_message(self, **message: Any) -> Any:
        self.sent.append(message)
        return {"MessageId": str(len(self.sent))}


# -- the admin route and the worker ------------------------------------------------------------------------------


def admin(api: ApiEnv) -> dict[str, Any]:
    return api.claims(sub=BOB, username="bob", scopes=(*SCOPES, "admin"), groups=("admins", "users"))


def test_an_admin_erases_a_user_and_everything_but_the_identity(world: World) -> None:
    api = world.api
    # moto gives the user a sub of its own: the admin names the user by it, as GET /admin/users lists it.
    seed_user(api, DAVE_PLACEHOLDER, "dave")
    dave = next(a["Value"] for a in api.cognito.admin_get_user(UserPoolId=api.user_pool_id, Username="dave")[
        "UserAttributes"] if a["Name"] == "sub")  # fmt: skip
    move_data(api, DAVE_PLACEHOLDER, dave)
    token = api.identity.id_token(dave)
    identity_id = api.identity.get_id(IdentityPoolId=api.identity.identity_pool_id,
                                      Logins={api.identity.provider: token})["IdentityId"]  # fmt: skip
    user = api.claims(scopes=(*SCOPES, "admin"))  # the admin scope, not the group

    assert api.call(request("DELETE", f"/admin/users/{dave}"), user).status == 403
    reply = api.call(request("DELETE", f"/admin/users/{dave}"), admin(api))

    assert reply.status == 204
    assert api.versions(dave) == uploads(api, dave) == api.partition(dave) == []
    assert not user_exists(api, "dave")
    # No token of Dave's: nothing can name his identity (docs/decisions/0017-account-deletion.md).
    assert identity_id in api.identity.identities.values()
    assert len(api.partition(ALICE)) == 4


def test_an_admin_erases_data_a_deleted_user_left_behind(world: World) -> None:
    api = world.api
    api.put("orphan.txt", sub=CAROL)
    api.dynamodb.put_item(TableName=TABLE, Item={"sub": {"S": CAROL}, "sk": {"S": "note#x"}})

    assert api.call(request("DELETE", f"/admin/users/{CAROL}"), admin(api)).status == 204
    assert api.versions(CAROL) == api.partition(CAROL) == []


@pytest.mark.parametrize("sub", ["not-a-uuid", ALICE.upper(), f"{ALICE}x"])
def test_the_admin_route_takes_only_a_sub(world: World, sub: str) -> None:
    assert world.api.call(request("DELETE", f"/admin/users/{sub}"), admin(world.api)).status == 422
    assert user_exists(world.api, "alice")


def worker(monkeypatch: pytest.MonkeyPatch, api: ApiEnv, job: dict[str, Any]) -> erasure.Outcome:
    """The worker's handler on one queued job, with the stand-in for Cognito Identity."""
    from account_erasure import handler

    real = handler.client
    monkeypatch.setattr(
        handler, "client", lambda service: api.identity if service == "cognito-identity" else real(service)
    )
    event = {"Records": [{"messageId": "m1", "body": json.dumps(job)}]}
    outcomes: list[erasure.Outcome] = []
    process = handler.process
    monkeypatch.setattr(handler, "process", lambda j, c: outcomes.append(process(j, c)) or outcomes[-1])
    assert handler.lambda_handler(event, LambdaContext(remaining_ms=120_000)) == {"batchItemFailures": []}
    return outcomes[0]


def test_the_worker_reports_a_failed_job_so_the_queue_offers_it_again(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from account_erasure import handler

    api = world.api
    api.identity.fail["DeleteIdentities"] = "InternalErrorException"
    monkeypatch.setattr(
        handler,
        "client",
        lambda service: (
            api.identity
            if service == "cognito-identity"
            else {"s3": api.s3, "dynamodb": api.dynamodb, "cognito-idp": api.cognito, "sqs": api.sqs}[service]
        ),
    )
    job = job_for(world)._asdict()
    events = [{"Records": [{"messageId": "m1", "body": json.dumps(job)}]},
              {"Records": [{"messageId": "m2", "body": '{"sub": "not a job"}'}]}]  # fmt: skip

    answers = [handler.lambda_handler(event, LambdaContext(remaining_ms=120_000)) for event in events]

    assert answers == [{"batchItemFailures": [{"itemIdentifier": "m1"}]},
                       {"batchItemFailures": [{"itemIdentifier": "m2"}]}]  # fmt: skip
    assert user_exists(api, "alice")


# -- the audit line ----------------------------------------------------------------------------------------------


def test_the_erasure_logs_an_audit_line_and_no_personal_data(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from api.observability import logger

    # The logger's handler holds the stdout of the test that created it; give it a buffer of our own.
    log_stream = io.StringIO()
    monkeypatch.setattr(logger.registered_handler, "stream", log_stream)
    capsys.readouterr()
    assert delete_me(world).status == 204
    out = log_stream.getvalue() + capsys.readouterr().out  # log lines, then the metrics (EMF on stdout)

    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    [audit] = [line for line in lines if line.get("audit") == "account-erasure"]
    assert audit["state"] == "complete"
    assert (audit["object_versions"], audit["uploads"], audit["records"]) == (5, 1, 4)
    assert audit["identity_deleted"] is audit["user_deleted"] is True
    metrics = [line for line in lines if "_aws" in line]
    assert any(line.get("AccountErased") == [1.0] for line in metrics)
    for secret in (ALICE, "alice", "alice@example.com", world.identity_id, world.id_token):
        assert secret not in out, secret


def test_only_counts_and_outcomes_are_audited() -> None:
    job = erasure.Job.start(sub=ALICE, username="alice@example.com", identity_id="us-east-1:abc", initiator="admin")
    fields = erasure.audit(job, erasure.Outcome("continuing", erasure.Progress(object_versions=3)), seconds=1.0)
    assert not {ALICE, "alice@example.com", "us-east-1:abc"} & {str(value) for value in fields.values()}
    assert fields["erasure_id"] == job.erasure_id
