"""Account erasure: everything a user owns, in the order docs/decisions/0017-account-deletion.md gives.

1. every object version, delete marker and unfinished upload under `private/<sub>/` (the bucket is versioned);
2. every item of the partition `<sub>` of the records table;
3. the user's identity-pool identity, when it is known;
4. last, the user-pool user, so that a failure part-way leaves the user able to sign in and retry.

Every step is idempotent and finds what is left by itself, so a run that stops anywhere (a timeout, a throttled
call, a crash) finishes when it runs again, from the API or the worker. Steps 1 and 2 always list from the start:
what the previous page deleted is gone from the next listing, because S3 lists and DynamoDB's strongly consistent
queries see every completed delete (Amazon S3 User Guide, "Amazon S3 data consistency model"; DynamoDB Developer
Guide, "Read consistency"). A `Deadline` says when to stop starting new pages; the caller then hands the job on.

AWS behaviours relied on, with their sources:
- ListObjectVersions returns at most 1,000 versions and delete markers a page; DeleteObjects deletes at most
  1,000 keys (with version ids) a request and reports each key's failure in `Errors`, a missing key counting as
  deleted (Amazon S3 API Reference, ListObjectVersions, DeleteObjects).
- ListMultipartUploads returns at most 1,000 uploads a page; AbortMultipartUpload of an upload already gone
  answers NoSuchUpload (Amazon S3 API Reference).
- BatchWriteItem takes at most 25 requests and returns what it could not process in `UnprocessedItems`, to be
  sent again with backoff (Amazon DynamoDB API Reference, BatchWriteItem).
- DeleteIdentities takes 1-60 identity ids and lists failures in `UnprocessedIdentityIds` (Amazon Cognito
  Identity API Reference, DeleteIdentities).
- AdminDeleteUser answers UserNotFoundException for a user that does not exist (Amazon Cognito user pools API
  Reference, AdminDeleteUser).
"""

from __future__ import annotations

import json
import re
import secrets
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any, Literal, NamedTuple

UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
# Cognito Identity's IdentityId pattern (API Reference, DeleteIdentities).
IDENTITY_ID_PATTERN = r"^[\w-]+:[0-9a-f-]+$"
PRIVATE_PREFIX = "private/"
S3_PAGE = 1000
DYNAMODB_BATCH = 25
# How often BatchWriteItem's unprocessed items are sent again in one run, with exponential backoff.
UNPROCESSED_ATTEMPTS = 5
Step = Literal["objects", "records", "identity", "user"]
STEPS: tuple[Step, ...] = ("objects", "records", "identity", "user")
Initiator = Literal["self", "admin"]
_UUID = re.compile(UUID_PATTERN[1:-1])
_IDENTITY_ID = re.compile(IDENTITY_ID_PATTERN[1:-1])
MAX_USERNAME_CHARS = 128
MAX_IDENTITY_ID_CHARS = 55


class ErasureError(Exception):
    """A step could not finish this time (an AWS error or a partial failure); running the job again resumes it.
    The message names the step and the AWS error code, never the user."""


class JobError(ValueError):
    """A queue message that is not a job this code queued; the message names the field, never its value."""


def aws_error_types() -> tuple[type[Exception], ...]:
    """botocore's error classes, imported when an error is being handled: the module itself loads no botocore, so
    importing it costs the API's cold start nothing (a client, and botocore with it, exists by then)."""
    from botocore.exceptions import BotoCoreError, ClientError

    return (ClientError, BotoCoreError)


# NamedTuples, not dataclasses or pydantic: the API imports this module at cold start (`make bench`).
class Job(NamedTuple):
    """One account to erase: what a run needs, and what the queue carries to the worker."""

    erasure_id: str  # correlates the audit lines of one erasure
    sub: str
    # None: the user-pool user is gone already, or an admin erases data left behind by a deleted user.
    username: str | None
    identity_id: str | None
    initiator: Initiator
    requested_at: float
    # The final sweep: run no earlier than this (epoch seconds), once every credential issued before the deletion
    # has expired; a sweep schedules nothing after it.
    sweep_at: float | None = None

    @classmethod
    def start(cls, *, sub: str, username: str | None, identity_id: str | None, initiator: Initiator) -> Job:
        fields = {"erasure_id": str(uuid.uuid4()), "sub": sub, "username": username, "identity_id": identity_id,
                  "initiator": initiator, "requested_at": time.time()}  # fmt: skip
        return cls.checked(fields)

    @classmethod
    def checked(cls, fields: object) -> Job:
        """A Job from its fields (a queue message's JSON object), every one checked; JobError names the first bad
        field."""
        if not isinstance(fields, dict):
            raise JobError("job: must be a JSON object")
        unknown = sorted(set(fields) - set(cls._fields))
        if unknown:
            raise JobError(f"job: unknown field {str(unknown[0])[:64]!r}")
        for name in ("erasure_id", "sub", "initiator", "requested_at"):
            if name not in fields:
                raise JobError(f"{name}: Field required")
        _check(fields, "erasure_id", lambda v: isinstance(v, str) and bool(_UUID.fullmatch(v)))
        _check(fields, "sub", lambda v: isinstance(v, str) and bool(_UUID.fullmatch(v)))
        _check(fields, "username", lambda v: v is None or (isinstance(v, str) and 0 < len(v) <= MAX_USERNAME_CHARS))
        _check(fields, "identity_id", lambda v: v is None or (isinstance(v, str) and len(v) <= MAX_IDENTITY_ID_CHARS
                                                              and bool(_IDENTITY_ID.fullmatch(v))))  # fmt: skip
        _check(fields, "initiator", lambda v: v in ("self", "admin"))
        _check(fields, "requested_at", _is_time)
        _check(fields, "sweep_at", lambda v: v is None or _is_time(v))
        return cls(**{"username": None, "identity_id": None, **fields})

    @classmethod
    def from_json(cls, text: str) -> Job:
        try:
            fields = json.loads(text)
        except ValueError:
            raise JobError("job: not JSON") from None
        return cls.checked(fields)

    def to_json(self) -> str:
        return json.dumps(self._asdict(), separators=(",", ":"))

    def sweep(self, delay_seconds: int, now: float) -> Job:
        return self._replace(sweep_at=now + delay_seconds)

    @property
    def prefix(self) -> str:
        return f"{PRIVATE_PREFIX}{self.sub}/"


def _is_time(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value < 2**40


def _check(fields: dict[str, Any], name: str, valid: Callable[[Any], bool]) -> None:
    if not valid(fields.get(name)):
        raise JobError(f"{name}: invalid")


class Target(NamedTuple):
    """Where the user's data lives."""

    bucket: str
    table: str
    user_pool_id: str
    partition_key: str = "sub"
    sort_key: str = "sk"


class Clients(NamedTuple):
    s3: Any
    dynamodb: Any
    identity: Any  # cognito-identity, signed: DeleteIdentities
    cognito: Any  # cognito-idp


class Deadline:
    """Whether there is time to start another page: `remaining_ms` (Lambda's context) minus a reserve for the page
    itself and the hand-off after it."""

    def __init__(self, remaining_ms: Callable[[], int], reserve_seconds: float) -> None:
        self._remaining_ms = remaining_ms
        self._reserve_ms = reserve_seconds * 1000

    def has_time(self) -> bool:
        return self._remaining_ms() > self._reserve_ms


class Progress:
    """What one run deleted, and how far it got (counts only: this goes to the audit log)."""

    __slots__ = ("done", "identity_deleted", "object_versions", "records", "uploads", "user_deleted")

    def __init__(self, *, object_versions: int = 0, uploads: int = 0, records: int = 0) -> None:
        self.object_versions = object_versions
        self.uploads = uploads
        self.records = records
        self.identity_deleted = False
        self.user_deleted = False
        self.done: list[Step] = []

    @property
    def complete(self) -> bool:
        return len(self.done) == len(STEPS)

    @property
    def found_anything(self) -> bool:
        """Whether the run deleted data or the user. Not the identity: DeleteIdentities documents no "not found"
        answer (Amazon Cognito Identity API Reference, DeleteIdentities: the per-identity errors are AccessDenied and
        InternalServerError), so its success says nothing about whether the identity was still there."""
        return bool(self.object_versions or self.uploads or self.records or self.user_deleted)

    def audit(self) -> dict[str, Any]:
        return {
            "object_versions": self.object_versions,
            "uploads": self.uploads,
            "records": self.records,
            "identity_deleted": self.identity_deleted,
            "user_deleted": self.user_deleted,
            "steps_done": list(self.done),
        }


def erase(job: Job, *, clients: Clients, target: Target, deadline: Deadline) -> Progress:
    """Run the steps in order as far as the deadline allows; `Progress.complete` when nothing is left.

    Raises ErasureError when a step fails; what the earlier steps deleted stays deleted.
    """
    progress = Progress()
    steps: dict[Step, Callable[[], bool]] = {
        "objects": lambda: _erase_objects(clients.s3, target.bucket, job.prefix, deadline, progress),
        "records": lambda: _erase_records(clients.dynamodb, target, job.sub, deadline, progress),
        "identity": lambda: _delete_identity(clients.identity, job.identity_id, progress),
        "user": lambda: _delete_user(clients.cognito, target.user_pool_id, job.username, progress),
    }
    for name, step in steps.items():
        if not deadline.has_time() or not step():
            return progress
        progress.done.append(name)
    return progress


def _code(error: Exception) -> str:
    response = getattr(error, "response", None)  # a ClientError's
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", "Unknown"))
    return type(error).__name__  # a timeout or a connection error: BotoCoreError


def _failed(step: Step, error: Exception) -> ErasureError:
    operation = getattr(error, "operation_name", "a call")
    return ErasureError(f"{step}: {operation} failed with {_code(error)}")


# -- 1. objects ------------------------------------------------------------------------------------------------


def _erase_objects(s3: Any, bucket: str, prefix: str, deadline: Deadline, progress: Progress) -> bool:
    """Every version and delete marker under `prefix`, then every unfinished upload; False if out of time."""
    try:
        while True:
            page = s3.list_object_versions(Bucket=bucket, Prefix=prefix, MaxKeys=S3_PAGE)
            doomed = [
                {"Key": item["Key"], "VersionId": item["VersionId"]}
                for item in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
                if item["Key"].startswith(prefix)  # the listing's own contract; checked, as it decides a deletion
            ]
            if not doomed:
                break
            answer = s3.delete_objects(Bucket=bucket, Delete={"Objects": doomed, "Quiet": True})
            if answer.get("Errors"):
                codes = sorted({str(error.get("Code")) for error in answer["Errors"]})
                raise ErasureError(f"objects: DeleteObjects failed for {len(answer['Errors'])} keys ({codes})")
            progress.object_versions += len(doomed)
            if not deadline.has_time():
                return False
        for upload in _unfinished_uploads(s3, bucket, prefix):
            try:
                s3.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
            except aws_error_types() as error:
                if _code(error) != "NoSuchUpload":
                    raise
            progress.uploads += 1
    except aws_error_types() as error:
        raise _failed("objects", error) from error
    return True


def _unfinished_uploads(s3: Any, bucket: str, prefix: str) -> Iterator[dict[str, Any]]:
    params: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix, "MaxUploads": S3_PAGE}
    while True:
        page = s3.list_multipart_uploads(**params)
        yield from (upload for upload in page.get("Uploads", []) if upload["Key"].startswith(prefix))
        if not page.get("IsTruncated"):
            return
        params.update(KeyMarker=page["NextKeyMarker"], UploadIdMarker=page["NextUploadIdMarker"])


# -- 2. records ------------------------------------------------------------------------------------------------


def _erase_records(dynamodb: Any, target: Target, sub: str, deadline: Deadline, progress: Progress) -> bool:
    """Every item of the partition `sub`; False if out of time."""
    pk, sk = target.partition_key, target.sort_key
    try:
        while True:
            page = dynamodb.query(
                TableName=target.table,
                KeyConditionExpression="#pk = :sub",
                ExpressionAttributeNames={"#pk": pk, "#sk": sk},
                ExpressionAttributeValues={":sub": {"S": sub}},
                ProjectionExpression="#pk, #sk",
                ConsistentRead=True,
            )
            keys = [{pk: item[pk], sk: item[sk]} for item in page.get("Items", []) if item[pk] == {"S": sub}]
            if not keys:
                return True
            for start in range(0, len(keys), DYNAMODB_BATCH):
                _delete_items(dynamodb, target.table, keys[start : start + DYNAMODB_BATCH])
            progress.records += len(keys)
            if not deadline.has_time():
                return False
    except aws_error_types() as error:
        raise _failed("records", error) from error


def _delete_items(dynamodb: Any, table: str, keys: list[dict[str, Any]]) -> None:
    requests = {table: [{"DeleteRequest": {"Key": key}} for key in keys]}
    for attempt in range(UNPROCESSED_ATTEMPTS):
        requests = dynamodb.batch_write_item(RequestItems=requests).get("UnprocessedItems") or {}
        if not requests:
            return
        time.sleep(min(2.0, 0.05 * 2**attempt) * (0.5 + secrets.randbelow(1000) / 1000))
    raise ErasureError(f"records: {len(requests[table])} items still unprocessed after {UNPROCESSED_ATTEMPTS} tries")


# -- 3. identity -----------------------------------------------------------------------------------------------


def _delete_identity(identity: Any, identity_id: str | None, progress: Progress) -> bool:
    if identity_id is None:
        return True
    try:
        answer = identity.delete_identities(IdentityIdsToDelete=[identity_id])
    except aws_error_types() as error:
        if _code(error) == "ResourceNotFoundException":
            return True
        raise _failed("identity", error) from error
    unprocessed = answer.get("UnprocessedIdentityIds") or []
    if unprocessed:
        raise ErasureError(f"identity: DeleteIdentities left it unprocessed ({unprocessed[0].get('ErrorCode')})")
    progress.identity_deleted = True
    return True


# -- 4. user ---------------------------------------------------------------------------------------------------


def _delete_user(cognito: Any, user_pool_id: str, username: str | None, progress: Progress) -> bool:
    if username is None:
        return True
    try:
        cognito.admin_delete_user(UserPoolId=user_pool_id, Username=username)
    except aws_error_types() as error:
        if _code(error) == "UserNotFoundException":
            return True
        raise _failed("user", error) from error
    progress.user_deleted = True
    return True


# -- the job's life: inline, handed on, swept ------------------------------------------------------------------

# SQS delays a message by at most 15 minutes (Amazon SQS API Reference, SendMessage, DelaySeconds).
MAX_DELAY_SECONDS = 900
State = Literal["complete", "continuing", "waiting"]


class Outcome(NamedTuple):
    """complete: nothing is left (a sweep is queued after a first complete run); continuing: the rest is queued;
    waiting: a sweep that is not due yet went back to the queue."""

    state: State
    progress: Progress


def enqueue(sqs: Any, queue_url: str, job: Job, now: float, delay_seconds: int = 0) -> None:
    """Queue `job` for the worker: after `delay_seconds`, or a sweep as close to its time as SQS allows."""
    due = now + delay_seconds if job.sweep_at is None else job.sweep_at
    delay = max(0, min(MAX_DELAY_SECONDS, int(due - now + 0.999)))
    sqs.send_message(QueueUrl=queue_url, MessageBody=job.to_json(), DelaySeconds=delay)


def start(
    job: Job,
    *,
    clients: Clients,
    target: Target,
    deadline: Deadline,
    sqs: Any,
    queue_url: str,
    hand_off_delay_seconds: int,
) -> Outcome:
    """The API's run: queue the job first, due after `hand_off_delay_seconds` (longer than the caller's own
    timeout), then erase as far as the deadline allows. Whatever happens to the caller afterwards, a timeout
    included, the worker finishes the job, or finds nothing left, and schedules the final sweep.

    Raises the AWS error when the job cannot be queued (nothing is erased then), ErasureError when a step fails.
    """
    enqueue(sqs, queue_url, job, time.time(), delay_seconds=hand_off_delay_seconds)
    progress = erase(job, clients=clients, target=target, deadline=deadline)
    return Outcome("complete" if progress.complete else "continuing", progress)


def run(
    job: Job,
    *,
    clients: Clients,
    target: Target,
    deadline: Deadline,
    sqs: Any,
    queue_url: str,
    sweep_delay_seconds: int,
    now: Callable[[], float] = time.time,
) -> Outcome:
    """The worker's run: erase as far as the deadline allows and queue whatever remains, the rest of the job or the
    final sweep.

    Raises ErasureError when a step fails (the caller queues the job again or lets the queue retry it).
    """
    if job.sweep_at is not None and job.sweep_at > now():
        enqueue(sqs, queue_url, job, now())
        return Outcome("waiting", Progress())
    progress = erase(job, clients=clients, target=target, deadline=deadline)
    if not progress.complete:
        enqueue(sqs, queue_url, job, now())
        return Outcome("continuing", progress)
    if job.sweep_at is None:
        enqueue(sqs, queue_url, job.sweep(sweep_delay_seconds, now()), now())
    return Outcome("complete", progress)


def audit(job: Job, outcome: Outcome | None, *, seconds: float, error: str | None = None) -> dict[str, Any]:
    """The audit line's fields: which erasure, who asked, how far it got, what it deleted. No sub, username, e-mail
    or identity id: the erasure id is what ties the lines of one erasure together."""
    fields: dict[str, Any] = {
        "audit": "account-erasure",
        "erasure_id": job.erasure_id,
        "initiator": job.initiator,
        "phase": "sweep" if job.sweep_at is not None else "erase",
        "state": "failed" if outcome is None else outcome.state,
        "seconds": round(seconds, 3),
    }
    if outcome is not None:
        fields.update(outcome.progress.audit())
    if error is not None:
        fields["error"] = error
    return fields
